"""The checks have teeth and the grader is robust (SPEC section 4)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_course import authoring
from mnist_course.exercises import ch01
from mnist_course.grading import grade_notebook, grade_source

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [ch01]

# At least two plausible wrong answers per exercise; each must fail.
WRONG = {
    "ch01.q1": [
        "def read_idx_bytes(raw):\n    n = raw[3]\n    dims = [int.from_bytes(raw[4+4*i:8+4*i], 'little') for i in range(n)]\n    return np.frombuffer(raw, np.uint8, offset=4+4*n).reshape(dims)\n",
        "def read_idx_bytes(raw):\n    n = raw[3]\n    dims = [int.from_bytes(raw[4+4*i:8+4*i], 'big') for i in range(n)]\n    return np.frombuffer(raw, np.uint8, offset=4*n)[:int(np.prod(dims))].reshape(dims)\n",
        "def read_idx_bytes(raw):\n    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)\n",
    ],
    "ch01.q2": [
        "def class_counts(labels):\n    return np.bincount(labels)\n",
        "def class_counts(labels):\n    return np.bincount(labels, minlength=11)[1:]\n",
    ],
    "ch01.q3": [
        "def mean_digit(images, labels, digit):\n    return images[labels == digit].mean(axis=(1, 2))\n",
        "def mean_digit(images, labels, digit):\n    return images.mean(axis=0)\n",
        "def mean_digit(images, labels, digit):\n    return images[labels == digit + 1].mean(axis=0)\n",
    ],
    "ch01.q4": [
        "def normalize(images):\n    return images.astype(np.float32) / 256\n",
        "def normalize(images):\n    return images / 255.0\n",
        "def normalize(images):\n    return images // 255\n",
    ],
    "ch01.q5": [
        "def split_indices(n, val_size, seed):\n    order = np.arange(n)\n    return order[val_size:], order[:val_size]\n",
        "def split_indices(n, val_size, seed):\n    order = np.random.permutation(n)\n    return order[val_size:], order[:val_size]\n",
        "def split_indices(n, val_size, seed):\n    order = np.random.default_rng(seed).permutation(n)\n    return order[val_size + 1:], order[:val_size]\n",
    ],
}


def _exercise(qid):
    return next(e for chapter in CHAPTERS for e in chapter.chapter if e.qid == qid)


def test_every_exercise_has_at_least_two_wrong_answers():
    for chapter in CHAPTERS:
        for exercise in chapter.chapter:
            assert len(WRONG.get(exercise.qid, [])) >= 2, exercise.qid


@pytest.mark.parametrize("qid,source", [(q, s) for q, sources in WRONG.items() for s in sources])
def test_plausible_wrong_answers_fail(qid, source):
    exercise = _exercise(qid)
    module = next(c for c in CHAPTERS if exercise in c.chapter.exercises)
    passed, message = grade_source(module, exercise, source)
    assert not passed, f"{qid} accepted a wrong answer:\n{source}"
    assert "Traceback" not in message and message


def test_solutions_pass_every_exercise():
    for notebook in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        failures = [g for g in grade_notebook(notebook) if not g.passed]
        assert failures == [], failures


def test_unmodified_chapters_fail_every_exercise_with_a_clear_message():
    for notebook in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        grades = grade_notebook(notebook)
        assert grades and not any(g.passed for g in grades)
        assert all("not written yet" in g.message for g in grades), [g.message for g in grades]


def test_chapters_are_exactly_what_the_generator_writes():
    assert authoring.stale_chapters(ROOT / "solutions", ROOT / "chapters") == [], "run `make exercises`"


def test_generator_stubs_solutions_and_drops_solution_only_cells():
    solution = {"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [{"x": 1}], "execution_count": 3,
         "source": "def f(x):\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n    # END SOLUTION\n"},
        {"cell_type": "code", "metadata": {"tags": ["solution-only"]}, "outputs": [], "execution_count": None, "source": "secret()"},
        {"cell_type": "markdown", "metadata": {}, "source": "text"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    student = authoring.exercise_notebook(solution)
    assert [c["cell_type"] for c in student["cells"]] == ["code", "markdown"]
    assert student["cells"][0]["source"] == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
    assert student["cells"][0]["outputs"] == [] and student["cells"][0]["execution_count"] is None
    assert solution["cells"][0]["outputs"] == [{"x": 1}], "the solution notebook is not modified"


def test_broken_notebook_fails_only_the_broken_exercises_and_is_not_modified(tmp_path):
    notebook = json.loads((ROOT / "solutions" / "01_data.ipynb").read_text())
    for cell in notebook["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if source.startswith("def read_idx_bytes"):
            cell["source"] = "def read_idx_bytes(raw)\n    return raw\n"  # syntax error
        elif source.startswith("def class_counts"):
            cell["source"] = "def class_counts(labels):\n    while True:\n        pass\n"  # endless loop
    notebook["cells"] = [c for c in notebook["cells"] if not "".join(c["source"]).startswith("def mean_digit")]
    path = tmp_path / "01_data.ipynb"
    path.write_text(json.dumps(notebook))
    before = path.read_bytes()
    grades = {g.exercise: g for g in grade_notebook(path, timeout=10)}
    assert "syntax error on line 1" in grades["ch01.q1"].message and not grades["ch01.q1"].passed
    assert "did not finish within 10 s" in grades["ch01.q2"].message and not grades["ch01.q2"].passed
    assert "No cell defines `mean_digit`" in grades["ch01.q3"].message and not grades["ch01.q3"].passed
    assert grades["ch01.q4"].passed and grades["ch01.q5"].passed
    assert path.read_bytes() == before


def test_grade_cli_writes_a_report_and_exits_nonzero_on_failures(tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "mnist_course", "grade", "solutions", "chapters", "--json", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 1
    assert "solutions/01_data.ipynb: 5/5 exercises passed" in proc.stdout
    assert "chapters/01_data.ipynb: 0/5 exercises passed" in proc.stdout
    rows = json.loads(report.read_text())
    assert len(rows) == 10 and {r["notebook"] for r in rows} == {"solutions/01_data.ipynb", "chapters/01_data.ipynb"}


def test_unmodified_chapter_stops_at_its_first_exercise(tmp_path):
    shutil.copy(ROOT / "chapters" / "01_data.ipynb", tmp_path)
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(tmp_path / "01_data.ipynb", as_version=4)
    with pytest.raises(CellExecutionError) as error:
        NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(ROOT)}}).execute()
    assert "NotImplementedError" in str(error.value)
    executed = [c for c in notebook.cells if c.cell_type == "code" and c.get("execution_count")]
    assert "read_idx_bytes(raw)" in executed[-1].source, "it stops at the first use of the first stub"
