"""The learner's workspace and the notebook writers: no command loses a learner's work.

`make lab` copies the exercise notebooks into a git-ignored `my_work/` and never
replaces one that is there; `make exercises` refuses to replace a chapter notebook that
differs from what it would write, unless forced, and then keeps a backup.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_course import authoring

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the course's solutions/ and the chapters/ generated from it, in a
    temporary folder.

    (Whether the repository's own chapters/ is up to date is tests/test_exercises.py's
    job.)
    """
    (tmp_path / "solutions").mkdir()
    for source in (ROOT / "solutions").glob(authoring.SOURCE_GLOB):
        shutil.copyfile(source, tmp_path / "solutions" / source.name)
    assert authoring.write_chapters(tmp_path / "solutions", tmp_path / "chapters")
    return tmp_path


def _learner_edit(path: Path) -> str:
    """Fill in the first exercise stub of a notebook, as a learner would; returns the
    new text."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = next(
        c
        for c in notebook["cells"]
        if "raise NotImplementedError" in authoring.cell_source(c)
    )
    cell["source"] = authoring.cell_source(cell).replace(
        "raise NotImplementedError", "return 42  # my answer"
    )
    text = authoring.dumps(notebook)
    path.write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------- my_work/


def test_make_workspace_copies_every_chapter_on_first_use(course):
    copied, kept = authoring.make_workspace(course / "chapters", course / "my_work")
    names = sorted(p.name for p in (course / "chapters").glob(authoring.CHAPTER_GLOB))
    assert [p.name for p in copied] == names and kept == []
    for name in names:
        assert (course / "my_work" / name).read_bytes() == (
            course / "chapters" / name
        ).read_bytes()
    assert not list((course / "my_work").glob(".*.tmp")), (
        "a temporary file was left behind"
    )


def test_make_workspace_never_overwrites_the_learners_notebooks(course):
    authoring.make_workspace(course / "chapters", course / "my_work")
    first = sorted((course / "my_work").glob(authoring.CHAPTER_GLOB))[0]
    mine = _learner_edit(first)
    (
        course / "my_work" / "02_dense_baseline.ipynb"
    ).unlink()  # deleted by the learner: copied again
    # the course changes its chapters meanwhile (a new version of every notebook)
    for notebook in (course / "chapters").glob(authoring.CHAPTER_GLOB):
        notebook.write_text(
            notebook.read_text(encoding="utf-8").replace(
                "# YOUR CODE HERE", "# YOUR CODE"
            ),
            encoding="utf-8",
        )
    copied, kept = authoring.make_workspace(course / "chapters", course / "my_work")
    assert [p.name for p in copied] == ["02_dense_baseline.ipynb"]
    assert first in kept
    assert first.read_text(encoding="utf-8") == mine, (
        "make_workspace replaced the learner's notebook"
    )
    assert not list((course / "my_work").glob("*.bak-*"))


def test_make_workspace_refuses_a_file_in_place_of_the_folder(course):
    (course / "my_work").write_text("not a folder")
    with pytest.raises(authoring.MnistCourseError, match="not a folder"):
        authoring.make_workspace(course / "chapters", course / "my_work")
    assert (course / "my_work").read_text() == "not a folder"


def test_workspace_command_reports_new_and_kept_notebooks(course):
    first = _cli("workspace", cwd=course)
    assert first.returncode == 0, first.stderr
    assert "new: my_work/01_data.ipynb" in first.stdout
    mine = _learner_edit(course / "my_work" / "01_data.ipynb")
    again = _cli("workspace", cwd=course)
    assert again.returncode == 0, again.stderr
    assert (
        "new:" not in again.stdout
        and "kept as they are (your work): 01_data.ipynb" in again.stdout
    )
    assert (course / "my_work" / "01_data.ipynb").read_text(encoding="utf-8") == mine


def test_my_work_is_ignored_by_git():
    proc = subprocess.run(
        ["git", "check-ignore", "-q", "my_work/01_data.ipynb"], cwd=ROOT, timeout=30
    )
    assert proc.returncode == 0, "my_work/ is not in .gitignore"


def test_make_grade_grades_my_work_by_default():
    proc = subprocess.run(
        ["make", "-n", "grade"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "--notebooks my_work" in proc.stdout, proc.stdout
    other = subprocess.run(
        ["make", "-n", "grade", "NOTEBOOKS=solutions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--notebooks solutions" in other.stdout, other.stdout


def test_make_grade_without_my_work_says_to_run_make_lab(tmp_path):
    shutil.copyfile(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    for name in (
        "requirements.txt",
        "pyproject.toml",
    ):  # the setup stamp is up to date: no install
        shutil.copyfile(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / ".installed").touch()
    proc = subprocess.run(
        ["make", "grade"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "run `make lab` first" in proc.stdout + proc.stderr


# ---------------------------------------------------------------- make exercises


def test_write_chapters_refuses_to_replace_a_notebook_that_differs(course):
    chapter = course / "chapters" / "01_data.ipynb"
    mine = _learner_edit(chapter)
    with pytest.raises(authoring.WouldOverwrite, match="01_data.ipynb.*FORCE=1"):
        authoring.write_chapters(course / "solutions", course / "chapters")
    assert chapter.read_text(encoding="utf-8") == mine
    assert not list((course / "chapters").glob("*.bak-*"))


def test_write_chapters_forced_replaces_it_and_keeps_a_backup(course):
    chapter = course / "chapters" / "01_data.ipynb"
    mine = _learner_edit(chapter)
    written = authoring.write_chapters(
        course / "solutions", course / "chapters", force=True
    )
    assert written == [chapter]
    expected = authoring.expected_chapters(course / "solutions")
    assert chapter.read_text(encoding="utf-8") == expected["01_data.ipynb"]
    backups = list((course / "chapters").glob("01_data.ipynb.bak-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == mine
    assert authoring.stale_chapters(course / "solutions", course / "chapters") == [], (
        "a backup counts as a chapter"
    )


def test_an_edit_to_solutions_regenerates_untouched_chapters_without_force(course):
    solution = course / "solutions" / "02_dense_baseline.md"
    text = solution.read_text(encoding="utf-8")
    first = text.index("\n+++")  # the end of the first Markdown cell
    solution.write_text(
        text[:first] + "\n\nOne more sentence." + text[first:], encoding="utf-8"
    )
    chapter = course / "chapters" / "02_dense_baseline.ipynb"
    assert authoring.write_chapters(course / "solutions", course / "chapters") == [
        chapter
    ]
    assert "One more sentence." in chapter.read_text(encoding="utf-8")
    assert not list((course / "chapters").glob("*.bak-*")), (
        "nothing was lost, so no backup"
    )
    assert authoring.stale_chapters(course / "solutions", course / "chapters") == []


def test_write_chapters_leaves_identical_notebooks_alone(course):
    before = {
        p: p.stat().st_mtime_ns
        for p in (course / "chapters").glob(authoring.CHAPTER_GLOB)
    }
    assert authoring.write_chapters(course / "solutions", course / "chapters") == []
    assert {p: p.stat().st_mtime_ns for p in before} == before
    missing = course / "chapters" / "02_dense_baseline.ipynb"
    missing.unlink()
    assert authoring.write_chapters(course / "solutions", course / "chapters") == [
        missing
    ]


def test_exercises_command_refuses_then_forces_with_a_backup(course):
    chapter = course / "chapters" / "03_cnn_layers.ipynb"
    mine = _learner_edit(chapter)
    refused = _cli("exercises", cwd=course)
    assert refused.returncode == 1 and "make exercises FORCE=1" in refused.stderr, (
        refused.stderr
    )
    assert chapter.read_text(encoding="utf-8") == mine
    forced = _cli("exercises", "--force", cwd=course)
    assert forced.returncode == 0, forced.stderr
    backup = next((course / "chapters").glob("03_cnn_layers.ipynb.bak-*"))
    assert (
        "kept the previous chapters/03_cnn_layers.ipynb as"
        f" {backup.relative_to(course)}" in forced.stdout
    )
    assert backup.read_text(encoding="utf-8") == mine


def test_make_exercises_passes_force():
    proc = subprocess.run(
        ["make", "-n", "exercises", "FORCE=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "mnist_course exercises --force" in proc.stdout
    plain = subprocess.run(
        ["make", "-n", "exercises"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--force" not in plain.stdout


def test_a_learners_edits_in_my_work_are_not_reported_as_drift(course):
    authoring.make_workspace(course / "chapters", course / "my_work")
    _learner_edit(course / "my_work" / "01_data.ipynb")
    assert authoring.stale_chapters(course / "solutions", course / "chapters") == []
    check = _cli("exercises", "--check", cwd=course)
    assert check.returncode == 0, check.stderr
