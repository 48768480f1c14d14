"""The learner-facing grader: `pytest tests/grading [--notebooks PATH]`.

Grades your notebooks in my_work/ (or chapters/ when my_work/ does not exist yet),
one test per exercise, and ends with a scoreboard. A notebook that cannot be graded
(not a notebook, an old format, a missing file, an empty folder) is one failing test
whose message says why and what to do.
"""

from pathlib import Path

import pytest

from mnist_course.grading import DEFAULT_TIMEOUT, Grade, Grader, NotebookError, chapter_of, read_notebook, scoreboard
from mnist_course.grading import expand_paths as expand

ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption("--notebooks", action="append", default=None, help="notebook(s) or folder(s) to grade (default: my_work/, else chapters/)")
    parser.addoption("--exercise-timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per exercise")


def pytest_configure(config):
    timeout = config.getoption("--exercise-timeout", default=DEFAULT_TIMEOUT)
    if timeout is not None and not timeout > 0:
        raise pytest.UsageError(f"--exercise-timeout must be a positive number of seconds, not {timeout:g}.")


def _default_paths() -> list[str]:
    return [str(ROOT / ("my_work" if (ROOT / "my_work").is_dir() else "chapters"))]


def _targets(config):
    paths = config.getoption("--notebooks") or _default_paths()
    targets = []
    for entry in expand(Path(p) if Path(p).is_absolute() else Path.cwd() / p for p in paths):
        if isinstance(entry, Grade):
            targets.append((Path(entry.notebook), None, entry))
            continue
        try:
            read_notebook(entry)
            module = chapter_of(entry)
        except NotebookError as exc:
            targets.append((entry, None, Grade(str(entry), "", "", False, str(exc))))
            continue
        targets.extend((entry, module, exercise) for exercise in module.chapter)
    return targets


def pytest_generate_tests(metafunc):
    if "graded" in metafunc.fixturenames:
        targets = _targets(metafunc.config)
        ids = [f"{path.stem}::{what.qid}" if module else f"{path.name}::not-graded" for path, module, what in targets]
        metafunc.parametrize("graded", targets, ids=ids)


_ROWS: dict[str, list[Grade]] = {}


@pytest.fixture(scope="session")
def grader(request):
    with Grader(timeout=request.config.getoption("--exercise-timeout")) as shared:
        yield shared


@pytest.fixture
def grade(grader):
    def run(path: Path, module, what) -> Grade:
        if module is None:  # a notebook that cannot be graded: `what` is its row
            _ROWS.setdefault(str(path), [what])
            return what
        if str(path) not in _ROWS:  # grade the whole notebook once, its exercises in parallel
            _ROWS[str(path)] = grader.grade_paths([path])
        return next(row for row in _ROWS[str(path)] if row.exercise == what.qid)

    return run


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    terminalreporter.section("scoreboard")
    for line in scoreboard([row for rows in _ROWS.values() for row in rows]).splitlines():
        terminalreporter.write_line(line)
