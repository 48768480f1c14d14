"""Fast mode announces itself: its accuracies must never pass for the real ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mnist_course import config
from mnist_course.training import FAST_TRAIN_SIZE, training_budget
from tests.conftest import SOLVED

ROOT = Path(__file__).resolve().parents[1]


def _data(n: int = 10_000):
    return np.zeros((n, 28, 28), np.uint8), np.arange(n) % 10


def test_training_budget_in_fast_mode_prints_one_line_saying_so(monkeypatch, capsys):
    monkeypatch.setenv(config.FAST_ENV, "1")
    x, y, epochs = training_budget(*_data(), epochs=10)
    assert (len(x), len(y), epochs) == (FAST_TRAIN_SIZE, FAST_TRAIN_SIZE, 1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("FAST MODE (MNIST_COURSE_FAST=1)")
    assert "6,000 images, 1 epoch" in lines[0] and "not representative" in lines[0]
    assert len(lines[0]) <= 78, "the notice fits the book's code column"


def test_training_budget_in_full_mode_is_silent_and_unchanged(monkeypatch, capsys):
    monkeypatch.delenv(config.FAST_ENV, raising=False)
    x_in, y_in = _data()
    x, y, epochs = training_budget(x_in, y_in, epochs=10)
    assert x is x_in and y is y_in and epochs == 10
    assert capsys.readouterr().out == ""


def test_every_chapter_that_trains_goes_through_training_budget():
    """A chapter calling .fit() must take its budget from training_budget, which
    announces fast mode."""
    for path in sorted(SOLVED.glob("[0-9][0-9]_*.ipynb")):
        code = "\n".join(
            "".join(c["source"])
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"
        )
        if ".fit(" in code:
            assert "training_budget(" in code, (
                f"{path.name} trains without training_budget()"
            )
