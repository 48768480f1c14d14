"""The learner-facing grader: `pytest tests/grading [--notebooks PATH]`.

Grades your notebooks in my_work/ (or chapters/ when my_work/ does not exist yet),
one test per exercise, and ends with a scoreboard: a line per exercise with a short
reason. ``--chapter 04`` grades one chapter. A notebook whose exercises are all
untouched stubs is "not started": its tests are skipped, not failed
(``--count-not-started`` counts them as failures, as an instructor's batch does). A
notebook that cannot be graded (not a notebook, an old format, a missing file, an empty
folder) is one failing test whose message says why and what to do.
"""

from pathlib import Path

import pytest

from mnist_course.grading import (
    DEFAULT_TIMEOUT,
    Grade,
    Grader,
    NotebookError,
    chapter_of,
    read_notebook,
    scoreboard,
)
from mnist_course.grading import expand_paths as expand
from mnist_course.grading.reports import not_started

ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption(
        "--notebooks",
        action="append",
        default=None,
        help="notebook(s) or folder(s) to grade (default: my_work/, else chapters/)",
    )
    parser.addoption(
        "--exercise-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds per exercise",
    )
    parser.addoption(
        "--chapter", default=None, help="grade only this chapter's notebooks (e.g. 04)"
    )
    parser.addoption(
        "--count-not-started",
        action="store_true",
        help="count a notebook whose exercises are all untouched stubs as failures",
    )


def pytest_configure(config):
    timeout = config.getoption("--exercise-timeout", default=DEFAULT_TIMEOUT)
    if timeout is not None and not timeout > 0:
        raise pytest.UsageError(
            f"--exercise-timeout must be a positive number of seconds, not {timeout:g}."
        )
    chapter = config.getoption("--chapter", default=None)
    if chapter is not None and not (chapter.isdigit() and len(chapter) <= 2):
        raise pytest.UsageError(
            f"--chapter takes a chapter number such as 04, not {chapter!r}."
        )


def _default_paths() -> list[str]:
    return [str(ROOT / ("my_work" if (ROOT / "my_work").is_dir() else "chapters"))]


def _targets(config):
    paths = config.getoption("--notebooks") or _default_paths()
    chapter = config.getoption("--chapter")
    targets = []
    entries = expand(
        Path(p) if Path(p).is_absolute() else Path.cwd() / p for p in paths
    )
    if chapter:
        entries = [
            e
            for e in entries
            if not isinstance(e, Path) or e.name.startswith(f"{chapter.zfill(2)}_")
        ]
        if not entries:
            entries = [
                Grade(
                    f"chapter {chapter}",
                    "",
                    "",
                    False,
                    f"no chapter {chapter.zfill(2)} notebook (NN_topic.ipynb) in"
                    f" {' '.join(map(str, paths))}.",
                )
            ]
    for entry in entries:
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
        ids = [
            f"{path.stem}::{what.qid}" if module else f"{path.name}::not-graded"
            for path, module, what in targets
        ]
        metafunc.parametrize("graded", targets, ids=ids)


_ROWS: dict[str, list[Grade]] = {}


@pytest.fixture(scope="session")
def grader(request):
    with Grader(timeout=request.config.getoption("--exercise-timeout")) as shared:
        yield shared


@pytest.fixture
def grade(grader, request):
    count_not_started = request.config.getoption("--count-not-started")

    def run(path: Path, module, what) -> Grade:
        if module is None:  # a notebook that cannot be graded: `what` is its row
            _ROWS.setdefault(str(path), [what])
            return what
        if (
            str(path) not in _ROWS
        ):  # grade the whole notebook once, its exercises in parallel
            _ROWS[str(path)] = grader.grade_paths([path])
        if not count_not_started and not_started(_ROWS[str(path)]):
            pytest.skip(f"{path.name}: not started (every exercise is still a stub)")
        return next(row for row in _ROWS[str(path)] if row.exercise == what.qid)

    return run


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    terminalreporter.section("scoreboard")
    for line in scoreboard(
        [row for rows in _ROWS.values() for row in rows]
    ).splitlines():
        terminalreporter.write_line(line)
