"""Reports of a batch: JSON/CSV files written as rows come, a text report, a
scoreboard."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path

from ..errors import MnistCourseError
from ..exercises._core import NOT_WRITTEN
from .grader import Grade

FIELDS = [f.name for f in fields(Grade)]


class ReportWriter:
    """Writes rows to ``--json`` and ``--csv`` files as they come, so an interrupted
    run keeps what it graded. The files are opened (and so checked) on creation."""

    def __init__(
        self, json_path: str | Path | None = None, csv_path: str | Path | None = None
    ):
        self.json_path = Path(json_path) if json_path else None
        self.csv_path = Path(csv_path) if csv_path else None
        self.rows: list[Grade] = []
        for path in (self.json_path, self.csv_path):
            if path is not None:
                _check_writable(path)
        if self.json_path:
            self._write_json()
        self._csv = None
        if self.csv_path:
            # open for the report's lifetime (rows are written as they come), closed by
            # close()
            self._csv = open(  # noqa: SIM115
                self.csv_path, "w", newline="", encoding="utf-8"
            )
            self._writer = csv.DictWriter(self._csv, FIELDS)
            self._writer.writeheader()
            self._csv.flush()

    def _write_json(self) -> None:
        tmp = self.json_path.with_name(f".{self.json_path.name}.tmp")
        tmp.write_text(
            json.dumps([asdict(g) for g in self.rows], indent=2) + "\n",
            encoding="utf-8",
        )
        tmp.replace(self.json_path)

    def add(self, rows: list[Grade]) -> None:
        """Write ``rows`` to both files; Ctrl-C waits until both hold them (else one
        file could keep rows the other lost)."""
        with _no_interrupt():
            self.rows.extend(rows)
            if self._csv:
                for row in rows:
                    self._writer.writerow(asdict(row))
                self._csv.flush()
            if self.json_path:
                self._write_json()

    def close(self) -> None:
        if self._csv:
            self._csv.close()
            self._csv = None


@contextlib.contextmanager
def _no_interrupt():
    """SIGINT held back while the block runs (in the main thread, where Python
    delivers it): it arrives, as KeyboardInterrupt, right after."""
    held = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "pthread_sigmask"
    )
    if held:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise MnistCourseError(
            f"{path} is a folder: give a file name for the report, e.g."
            f" {path / 'report.json'}."
        )
    if not path.parent.is_dir():
        raise MnistCourseError(
            f"cannot write the report {path}: the folder {path.parent} does not exist."
        )
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise MnistCourseError(
            f"cannot write the report {path} ({exc.strerror or exc}): choose another"
            " path."
        ) from None


def _by_notebook(grades: list[Grade]) -> dict[str, list[Grade]]:
    by_notebook: dict[str, list[Grade]] = {}
    for grade in grades:
        by_notebook.setdefault(grade.notebook, []).append(grade)
    return by_notebook


def _lines(
    grades: list[Grade], name: Callable[[str], str], reason: Callable[[str], str]
) -> list[str]:
    """A line per notebook and one per exercise, the notebook and the reason shown by
    ``name``/``reason``."""
    lines = []
    for notebook, rows in _by_notebook(grades).items():
        exercises = [r for r in rows if r.exercise]
        if not exercises:
            lines.append(f"{name(notebook)}: not graded: {reason(rows[0].message)}")
        elif not_started(exercises):
            lines.append(f"{name(notebook)}: not started ({len(exercises)} exercises)")
        else:
            lines.append(
                f"{name(notebook)}: {sum(r.passed for r in exercises)}/{len(exercises)}"
                " exercises passed"
            )
            lines += [
                f"  {'PASS' if r.passed else 'FAIL'} {r.exercise} {r.function}"
                + ("" if r.passed else f": {reason(r.message)}")
                for r in exercises
            ]
    return lines


def report(grades: list[Grade]) -> str:
    """The rows as text, grouped by notebook, with each failure's whole message."""
    return "\n".join(_lines(grades, str, str))


def total(grades: list[Grade]) -> str:
    """One line: exercises passed, notebooks not started, notebooks not graded."""
    by_notebook = _by_notebook(grades)
    graded = [g for g in grades if g.exercise]
    waiting = sum(not_started(rows) for rows in by_notebook.values())
    broken = sum(not any(r.exercise for r in rows) for rows in by_notebook.values())
    line = f"total: {sum(g.passed for g in graded)}/{len(graded)} exercises passed"
    line += f"; {waiting} notebook(s) not started" if waiting else ""
    return line + (f"; {broken} notebook(s) not graded" if broken else "")


def not_started(rows: list[Grade]) -> bool:
    """True when every exercise of a notebook is still the untouched stub.

    >>> stub = ("`f` is not written yet: replace `raise NotImplementedError` "
    ...         "with your code.")
    >>> not_started([Grade("01_data.ipynb", "ch01.q1", "f", False, stub)])
    True
    """
    return bool(rows) and all(
        r.exercise and not r.passed and NOT_WRITTEN in r.message for r in rows
    )


def _reason(message: str, width: int = 60) -> str:
    """The first sentence of a message, cut to ``width`` characters."""
    first = re.split(r"(?<=[.!?])\s", message.strip(), maxsplit=1)[0]
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def scoreboard(grades: list[Grade]) -> str:
    """One line per exercise with a short reason, a line per notebook, and a total.

    A notebook whose exercises are all untouched stubs shows as "not started"."""
    return "\n".join(
        [*_lines(grades, lambda notebook: Path(notebook).name, _reason), total(grades)]
    )
