"""Grade exercise notebooks without running them top to bottom.

For each exercise of a chapter, the grader finds the cell that defines the
exercise's function (``def normalize(...)``), runs that cell alone in a fresh
Python process with a time limit, and applies the exercise's check. A syntax error,
an exception, an endless loop or a deleted cell fails that exercise only. The
notebook file is only read, never written.

>>> results = grade_notebook("solutions/01_data.ipynb")   # doctest: +SKIP
>>> all(r.passed for r in results)
True
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .authoring import CHAPTER_GLOB, cell_source
from .errors import MnistCourseError

DEFAULT_TIMEOUT = 60.0
_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.M)


@dataclass(frozen=True)
class Grade:
    notebook: str
    exercise: str
    function: str
    passed: bool
    message: str


def chapter_of(notebook: str | Path):
    """The exercises module for ``NN_name.ipynb`` (``mnist_course.exercises.chNN``)."""
    match = re.match(r"(\d\d)_", Path(notebook).name)
    if not match:
        raise MnistCourseError(f"{notebook}: a chapter notebook is named NN_topic.ipynb (e.g. 01_data.ipynb).")
    try:
        return importlib.import_module(f"mnist_course.exercises.ch{match.group(1)}")
    except ModuleNotFoundError:
        raise MnistCourseError(f"{notebook}: chapter {match.group(1)} has no graded exercises.") from None


def read_notebook(path: str | Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MnistCourseError(f"{path}: cannot be read as a notebook ({exc}). Is it a .ipynb file?") from exc


def function_cells(notebook: dict) -> dict[str, str]:
    """Function name → source of the (last) code cell that defines it at top level."""
    found: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        for name in _DEF.findall(source):
            found[name] = source
    return found


def _worker_payload(chapter: str, qid: str, source: str) -> str:
    return json.dumps({"chapter": chapter, "qid": qid, "source": source})


def grade_source(chapter_module, exercise, source: str | None, timeout: float = DEFAULT_TIMEOUT) -> tuple[bool, str]:
    """Run one exercise cell in a separate process and check it."""
    if source is None:
        return False, (
            f"No cell defines `{exercise.function_name}`. Was the exercise cell deleted, or the function renamed? "
            f"Restore `def {exercise.function_name}(...)` (see {exercise.qid}.solution())."
        )
    chapter = chapter_module.__name__.rsplit(".", 1)[-1]
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mnist_course.grading"],
            input=_worker_payload(chapter, exercise.qid, source), capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, (
            f"Your code for `{exercise.function_name}` did not finish within {timeout:.0f} s. "
            "Look for an endless loop (a `while` whose condition never becomes false)."
        )
    lines = proc.stdout.strip().splitlines()
    try:
        verdict = json.loads(lines[-1])
        return bool(verdict["passed"]), str(verdict["message"])
    except (IndexError, json.JSONDecodeError, KeyError):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return False, f"Grading `{exercise.function_name}` crashed ({tail}). Run the cell in the notebook to see why."


def grade_notebook(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> list[Grade]:
    """Grade every exercise of one notebook; one :class:`Grade` per exercise."""
    module = chapter_of(path)
    cells = function_cells(read_notebook(path))
    grades = []
    for exercise in module.chapter:
        passed, message = grade_source(module, exercise, cells.get(exercise.function_name), timeout)
        grades.append(Grade(str(path), exercise.qid, exercise.function_name, passed, message))
    return grades


def notebooks_in(paths: list[str | Path]) -> list[Path]:
    """Expand folders into their ``NN_*.ipynb`` notebooks."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(path.glob(CHAPTER_GLOB)))
        elif path.exists():
            found.append(path)
        else:
            raise MnistCourseError(f"{path}: no such notebook or folder.")
    return found


def report(grades: list[Grade], json_path: str | Path | None = None) -> str:
    """A scoreboard (text); with ``json_path``, also every row as JSON."""
    if json_path:
        Path(json_path).write_text(json.dumps([asdict(g) for g in grades], indent=2) + "\n", encoding="utf-8")
    lines, by_notebook = [], {}
    for grade in grades:
        by_notebook.setdefault(grade.notebook, []).append(grade)
    for notebook, rows in by_notebook.items():
        lines.append(f"{notebook}: {sum(r.passed for r in rows)}/{len(rows)} exercises passed")
        for row in rows:
            lines.append(f"  {'PASS' if row.passed else 'FAIL'} {row.exercise} {row.function}" + ("" if row.passed else f": {row.message}"))
    return "\n".join(lines)


def _worker() -> None:
    """Run inside the grading subprocess: exec one cell, check one exercise, print JSON."""
    import numpy as np

    request = json.loads(sys.stdin.read())
    module = importlib.import_module(f"mnist_course.exercises.{request['chapter']}")
    exercise = next(e for e in module.chapter if e.qid == request["qid"])
    # The other exercises' names are bound to the reference solutions, so a mistake in
    # one exercise never fails another that happens to call it.
    namespace = {"np": np, "__name__": "__exercise__"}
    exec(module.chapter.setup, namespace)
    namespace.update({e.function_name: e.reference for e in module.chapter if e is not exercise})
    try:
        code = compile(request["source"], f"<cell defining {exercise.function_name}>", "exec")
    except SyntaxError as exc:
        verdict = (False, f"The cell defining `{exercise.function_name}` has a syntax error on line {exc.lineno}: {exc.msg}. Fix it and run the cell.")
    else:
        try:
            exec(code, namespace)
            function = namespace.get(exercise.function_name)
            result = exercise.grade(function)
            verdict = (result.passed, result.message)
        except NotImplementedError:
            verdict = (False, exercise.not_written().message)
        except Exception as exc:
            verdict = (False, f"Running the cell defining `{exercise.function_name}` raised {type(exc).__name__}: {exc}")
    print(json.dumps({"passed": verdict[0], "message": verdict[1]}))


if __name__ == "__main__":
    _worker()
