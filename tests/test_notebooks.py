"""Every solution notebook runs top to bottom (in fast mode under `make test`)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("MNIST_COURSE_FAST", os.environ.get("MNIST_COURSE_FAST", "1"))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(ROOT)}}).execute()
    assert any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
