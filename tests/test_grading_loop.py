"""The learner's grading loop: one chapter at a time, "not started" apart, one line per
exercise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mnist_course.grading import Grade, scoreboard
from mnist_course.grading.reports import not_started, total
from tests.conftest import SOLVED
from tests.test_grading import grade_cli, write_notebook

ROOT = Path(__file__).resolve().parents[1]
STUB = "`f` is not written yet: replace `raise NotImplementedError` with your code."


def _learner(tmp_path: Path) -> Path:
    """A workspace: chapter 1 solved, chapter 2 started with one wrong answer, 3
    untouched."""
    work = tmp_path / "my_work"
    work.mkdir()
    shutil.copy(SOLVED / "01_data.ipynb", work)
    shutil.copy(ROOT / "chapters" / "03_cnn_layers.ipynb", work)
    write_notebook(
        work / "02_dense_baseline.ipynb",
        "import numpy as np\nfrom mnist_course.exercises import ch02\n",
        "def softmax(logits):\n    return np.exp(logits) / np.exp(logits).sum()\n",
        "ch02.q1.check(softmax)",
    )
    return work


def test_scoreboard_has_a_line_per_exercise_and_says_not_started():
    rows = [
        Grade("a/01_data.ipynb", "ch01.q1", "read_idx", True, "Correct!"),
        Grade(
            "a/01_data.ipynb",
            "ch01.q2",
            "class_counts",
            False,
            "On the labels [3, 3], expected 10 counts, got 2. Did you forget"
            " minlength=10? More.",
        ),
        Grade("a/02_dense_baseline.ipynb", "ch02.q1", "f", False, STUB),
        Grade(
            "a/02_dense_baseline.ipynb",
            "ch02.q2",
            "g",
            False,
            STUB.replace("`f`", "`g`"),
        ),
    ]
    lines = scoreboard(rows).splitlines()
    assert lines[0] == "01_data.ipynb: 1/2 exercises passed"
    assert lines[1] == "  PASS ch01.q1 read_idx"
    assert lines[2].startswith(
        "  FAIL ch01.q2 class_counts: On the labels [3, 3], expected 10"
    )
    assert "More." not in lines[2] and len(lines[2]) < 100, (
        "a short reason: the first sentence, cut"
    )
    assert lines[3] == "02_dense_baseline.ipynb: not started (2 exercises)"
    assert lines[-1] == "total: 1/4 exercises passed; 1 notebook(s) not started"
    assert not_started(rows[2:]) and not not_started(rows[:2]) and not not_started([])
    assert total(rows[:2]) == "total: 1/2 exercises passed"


def test_grade_one_chapter_and_not_started_notebooks_do_not_fail_a_learners_run(
    tmp_path,
):
    work = _learner(tmp_path)
    only = grade_cli(str(work), "--chapter", "1", "--json", "one.json", cwd=tmp_path)
    rows = json.loads((tmp_path / "one.json").read_text())
    assert only.returncode == 0, only.stdout + only.stderr
    assert {Path(r["notebook"]).name for r in rows} == {"01_data.ipynb"}

    batch = grade_cli(str(work), "--json", "all.json", cwd=tmp_path)
    assert batch.returncode == 1, (
        "an instructor's batch counts a notebook not started as failed"
    )
    assert "03_cnn_layers.ipynb: not started" in batch.stdout
    assert "1 notebook(s) not started" in batch.stdout
    learner = grade_cli(
        str(work), "--chapter", "03", "--skip-not-started", cwd=tmp_path
    )
    assert learner.returncode == 0, learner.stdout + learner.stderr
    wrong = grade_cli(str(work), "--skip-not-started", cwd=tmp_path)
    assert wrong.returncode == 1, "a started notebook's failure still fails the run"


def test_pytest_grader_skips_not_started_grades_one_chapter_and_shows_a_line_per_exercise(  # noqa: E501
    tmp_path,
):
    work = _learner(tmp_path)

    def pytest_grade(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(ROOT / "tests" / "grading"),
                "-q",
                "-rN",
                "-p",
                "no:cacheprovider",
                "--notebooks",
                str(work),
                *options,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            env=dict(os.environ, PYTHONWARNINGS="default"),
        )

    run = pytest_grade()
    assert run.returncode == 1, run.stdout[-2000:]
    out = run.stdout
    assert "03_cnn_layers.ipynb: not started (5 exercises)" in out
    assert "  FAIL ch02.q1 softmax: " in out and "  PASS ch01.q4 normalize" in out
    assert " 5 skipped" in out and "warning" not in out.lower(), out[-1500:]
    one = pytest_grade("--chapter", "01")
    assert one.returncode == 0 and "02_dense_baseline" not in one.stdout, one.stdout[
        -1500:
    ]
    counted = pytest_grade("--chapter", "03", "--count-not-started")
    assert counted.returncode == 1 and "5 failed" in counted.stdout, counted.stdout[
        -1500:
    ]


def test_workspace_from_another_folder_uses_the_course_and_says_so(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnist_course",
            "workspace",
            "--to",
            str(tmp_path / "w"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.returncode == 0, proc.stderr
    assert f"using the course's, in {ROOT}" in proc.stdout
    assert f"in {ROOT}." in proc.stdout.splitlines()[-1], (
        "it says where to run make grade"
    )
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == sorted(
        p.name for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")
    )
