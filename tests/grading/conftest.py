"""The learner-facing grader: `pytest tests/grading [--notebooks PATH]`.

Grades the notebooks in chapters/ (your work) by default, one test per exercise,
and ends with a scoreboard.
"""

import functools
from pathlib import Path

import pytest

from mnist_course.grading import DEFAULT_TIMEOUT, chapter_of, function_cells, grade_source, notebooks_in, read_notebook

ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption("--notebooks", action="append", default=None, help="notebook(s) or folder(s) to grade (default: chapters/)")
    parser.addoption("--exercise-timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per exercise")


def _targets(config):
    paths = config.getoption("--notebooks") or [str(ROOT / "chapters")]
    targets = []
    for notebook in notebooks_in([p if Path(p).is_absolute() else (Path.cwd() / p) for p in paths]):
        module = chapter_of(notebook)
        targets.extend((notebook, module, exercise) for exercise in module.chapter)
    return targets


def pytest_generate_tests(metafunc):
    if "graded" in metafunc.fixturenames:
        targets = _targets(metafunc.config)
        metafunc.parametrize("graded", targets, ids=[f"{n.stem}::{e.qid}" for n, _, e in targets])


_SCORES: dict[str, list[bool]] = {}


@functools.lru_cache(maxsize=None)
def _cells(notebook: Path) -> dict[str, str]:
    """The exercise cells of a notebook, read once for all its exercises."""
    return function_cells(read_notebook(notebook))


@pytest.fixture
def grade(request):
    def run(notebook, module, exercise):
        cells = _cells(notebook)
        passed, message = grade_source(module, exercise, cells.get(exercise.function_name), request.config.getoption("--exercise-timeout"))
        _SCORES.setdefault(notebook.name, []).append(passed)
        return passed, message

    return run


def pytest_terminal_summary(terminalreporter):
    if not _SCORES:
        return
    terminalreporter.section("scoreboard")
    for name, results in sorted(_SCORES.items()):
        terminalreporter.write_line(f"{name:<28} {sum(results)}/{len(results)} exercises passed")
    total = [r for results in _SCORES.values() for r in results]
    terminalreporter.write_line(f"{'total':<28} {sum(total)}/{len(total)}")
