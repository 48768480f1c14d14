"""The grader: cuts each exercise out of a notebook, runs it in a worker, judges the
result.

See the package docstring for the threat model.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import queue
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..authoring import CHAPTER_GLOB
from ..errors import MnistCourseError
from ..exercises._handmade import import_aliases, library_uses
from .judge import Judge
from .notebook import (
    NotebookError,
    exercise_program,
    explain_missing_name,
    read_notebook,
    without_unused_imports,
)
from .supervisor import Supervisor, Zygote
from .wire import (
    MODEL_LIMITS,
    MODEL_MEMORY,
    MODEL_SECONDS,
    encode,
    holds_models,
    outcome,
    returned_payloads,
    vet_model,
    vetted_loader,
)
from .worker import MAX_MESSAGE, MAX_STREAM, PRELOADABLE

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 << 30  # bytes a learner's code may allocate
_AST_LOCK = threading.Lock()


@dataclass(frozen=True)
class Grade:
    """One row of a report: an exercise's verdict, or (``exercise == ""``) a notebook's
    problem."""

    notebook: str
    exercise: str
    function: str
    passed: bool
    message: str


def graded_chapters() -> list[str]:
    """The two-digit numbers of the chapters that have graded exercises ("01", "02",
    ...)."""
    import pkgutil

    from .. import exercises

    return sorted(
        m.name[2:]
        for m in pkgutil.iter_modules(exercises.__path__)
        if m.name.startswith("ch")
    )


def chapter_of(notebook: str | Path):
    """The exercises module for ``NN_name.ipynb`` (``mnist_course.exercises.chNN``)."""
    match = re.match(r"(\d\d)_", Path(notebook).name)
    if not match:
        raise NotebookError(
            f"{notebook}: a chapter notebook is named NN_topic.ipynb (e.g."
            " 01_data.ipynb)."
        )
    try:
        return importlib.import_module(f"mnist_course.exercises.ch{match.group(1)}")
    except ModuleNotFoundError:
        raise NotebookError(
            f"{notebook}: chapter {match.group(1)} has no graded exercises."
        ) from None


def expand_paths(paths: Iterable[str | Path | Grade]) -> list[Path | Grade]:
    """Folders → their notebooks; an empty folder → a row saying so (rows pass
    through)."""
    found: list[Path | Grade] = []
    for entry in paths:
        if isinstance(entry, Grade):
            found.append(entry)
            continue
        path = Path(entry)
        if path.is_dir() and not path.name.endswith(".ipynb"):
            inside = sorted(path.glob(CHAPTER_GLOB))
            found.extend(
                inside
                or [
                    Grade(
                        str(path),
                        "",
                        "",
                        False,
                        f"nothing to grade in {path}: it holds no NN_topic.ipynb"
                        " notebook.",
                    )
                ]
            )
        else:
            found.append(path)
    return found


def _imported_modules(source: str) -> list[str]:
    """The modules that ``source``'s import statements may load, in order ("from a
    import b" → "a", "a.b")."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
            modules += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if alias.name != "*"
            ]  # maybe submodules
    return list(dict.fromkeys(modules))


def _events(stream: str) -> list[dict]:
    events = []
    for line in stream.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            events.append(event)
    return events


_SIGNALS = {
    int(signal.SIGXCPU): "used more CPU time than allowed",
    int(signal.SIGXFSZ): "wrote more than 64 MB to a file or to the output",
    int(
        signal.SIGSEGV
    ): "crashed (segmentation fault), often from running out of memory",
    int(signal.SIGABRT): "crashed (aborted), often from running out of memory",
    int(signal.SIGKILL): "was killed",
}


class Grader:
    """Grades notebooks with ``workers`` confined worker processes in parallel for
    each kind of exercise (NumPy, Keras).

    ``timeout`` (seconds of wall-clock time) and ``memory`` (bytes) apply to each
    exercise. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory: int = DEFAULT_MEMORY,
    ):
        if timeout <= 0:
            raise MnistCourseError(
                f"the time limit must be a positive number of seconds, not {timeout:g}."
            )
        self.timeout, self.memory = float(timeout), int(memory)
        self.workers = max(1, workers or min(2, os.cpu_count() or 1))
        self._zygote = Zygote()  # one Keras import for every heavy worker
        # Two lanes of `workers` supervisors each: the exercises that need Keras and
        # the others, so that a NumPy exercise never waits behind a Keras one (nor
        # behind the zygote importing Keras).
        self._lanes = {
            heavy: [Supervisor(self._zygote) for _ in range(self.workers)]
            for heavy in (True, False)
        }
        self._all = self._lanes[True] + self._lanes[False]
        self._judge = Judge(self._zygote)  # judges what needs Keras
        self._idle: dict[bool, queue.Queue[Supervisor]] = {}
        for heavy, supervisors in self._lanes.items():
            self._idle[heavy] = queue.Queue()
            for supervisor in supervisors:
                self._idle[heavy].put(supervisor)
        self._pools = {
            heavy: ThreadPoolExecutor(
                self.workers,
                thread_name_prefix="grader-" + ("keras" if heavy else "numpy"),
            )
            for heavy in (True, False)
        }
        self._locks: dict[
            str, threading.Lock
        ] = {}  # one per exercise: building one's inputs never holds up another's
        self._locks_guard = threading.Lock()
        self._cached_inputs: dict[str, tuple[list | None, list[str], list]] = {}

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        # Kill first, clean up after the threads are done: a thread still waiting for
        # a reply reads the end of its stream, never a stream closed under it.
        for supervisor in self._all:
            supervisor.kill()
        self._judge.kill()
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        for supervisor in self._all:
            supervisor.stop()
        self._judge.stop()
        self._zygote.stop()

    # -- one exercise

    @staticmethod
    def _heavy(module, exercise) -> bool:
        """Whether an exercise is graded in the Keras lane: its chapter imports Keras
        and it is not written by hand in NumPy. (Only scheduling: a job's own imports
        decide which worker runs it.)"""
        return "keras" in module.chapter.setup and not exercise.by_hand

    def _run(self, job: dict, heavy: bool) -> dict:
        idle = self._idle[heavy]
        supervisor = idle.get()
        try:
            return supervisor.run(job)
        finally:
            idle.put(supervisor)

    def grade_exercise(
        self, notebook: dict, module, exercise, name: str = "notebook"
    ) -> Grade:
        """Grade one exercise of an already-read notebook (never raises)."""
        try:
            passed, message = self._verdict(notebook, module, exercise)
        except Exception as exc:  # a grader bug must not end the batch
            passed, message = (
                False,
                (
                    f"the grader could not check this exercise ({type(exc).__name__}:"
                    f" {exc}). Please report it."
                ),
            )
        return Grade(name, exercise.qid, exercise.function_name, passed, message)

    def _verdict(self, notebook: dict, module, exercise) -> tuple[bool, str]:
        setup = module.chapter.setup
        # CPython 3.11's ast.parse is not thread-safe ("AST constructor recursion depth
        # mismatch")
        with _AST_LOCK:
            program = exercise_program(notebook, exercise.function_name)
            if program.problem:
                return False, program.problem
            aliases = import_aliases(setup + "\n" + program.imports)
            refused = exercise.refuse_libraries(
                library_uses(
                    program.function_source,
                    aliases.get,
                    program.helpers.get,
                    exercise.forbidden,
                )
            )
            statements = [
                ("chapter set-up", without_unused_imports(setup, program.uses)),
                *program.statements,
            ]
            statements = [(where, code) for where, code in statements if code]
            modules = _imported_modules("\n".join(code for _, code in statements))
        if refused:
            return False, refused.message
        heavy = self._heavy(module, exercise)
        cases, labels, calls = self._inputs(module, exercise, heavy)
        job = {
            "module": module.__name__,
            "function": exercise.function_name,
            "statements": statements,
            "calls": calls,
            # The chapter's module, what the kept imports load, and Keras when an input
            # is a model.
            "preload": [
                module.__name__,
                *(m for m in modules if m.split(".")[0] in PRELOADABLE),
                *(["keras"] if holds_models(calls) else []),
            ],
            "timeout": self.timeout,
            "memory": self.memory,
        }
        reply = self._run(job, heavy)
        found, problem = self._outcomes(reply, labels, exercise)
        if problem:
            return False, problem
        if heavy:  # the judge loads returned models within its own limits
            passed, message = self._judge.judge(module.__name__, exercise.qid, found)
        else:
            payloads = returned_payloads([e for e in found if e is not None])
            load = vetted_loader(payloads, self._vet(payloads))
            result = exercise.judge(cases, [outcome(e, load) for e in found])
            passed, message = result.passed, result.message
        if not passed and "NameError" in message:
            message += explain_missing_name(program, message)
            message += self._statement_notes(reply)
        return passed, message

    def _inputs(self, module, exercise, heavy: bool) -> tuple[list | None, list, list]:
        """An exercise's cases, their labels and their wire form, made once per grader
        (building chapter 6's case models is most of the work of grading those
        exercises): by the judge for the exercises that need Keras, so that the grader
        never imports it (the cases are then None: only the judge holds them)."""
        with self._locks_guard:
            lock = self._locks.setdefault(exercise.qid, threading.Lock())
        with lock:
            if exercise.qid not in self._cached_inputs:
                if heavy:
                    labels, calls = self._judge.inputs(module.__name__, exercise.qid)
                    self._cached_inputs[exercise.qid] = (None, labels, calls)
                else:
                    cases = exercise.cases()
                    with tempfile.TemporaryDirectory(
                        prefix="mnist_course_grader_"
                    ) as scratch:
                        saved: dict = {}
                        calls = [
                            encode(case.args, Path(scratch), saved=saved)
                            for case in cases
                        ]
                    self._cached_inputs[exercise.qid] = (
                        cases,
                        [case.label for case in cases],
                        calls,
                    )
            return self._cached_inputs[exercise.qid]

    @staticmethod
    def _statement_notes(reply: dict) -> str:
        notes = [
            e
            for e in _events(reply.get("stream", ""))
            if e["event"] == "statement_error"
        ]
        return "".join(
            f" (Note: {str(e.get('where'))[:60]} raised {str(e.get('error'))[:40]}:"
            f" {str(e.get('message'))[:200]} when the grader ran it.)"
            for e in notes[:2]
        )

    def _outcomes(
        self, reply: dict, labels: list[str], exercise
    ) -> tuple[list[dict | None], str | None]:
        """The ``outcome`` event of each call, in order (None: never made), or why the
        run ended before every call returned."""
        name = exercise.function_name
        events = _events(reply.get("stream", ""))
        outcomes: dict[int, dict] = {}
        started = None
        for event in events:
            if event["event"] == "missing":
                kind = event.get("type")
                if kind is None:
                    return (
                        [],
                        f"`{name}` was not defined when the grader ran your cells."
                        + self._statement_notes(reply),
                    )
                return [], f"`{name}` should be a function, but it is {str(kind)[:40]}."
            if event["event"] == "start" and isinstance(event.get("index"), int):
                started = event["index"]
            if (
                event["event"] == "outcome"
                and isinstance(event.get("index"), int)
                and 0 <= event["index"] < len(labels)
            ):
                outcomes[event["index"]] = event
        prefix: list[dict | None] = []
        while len(prefix) in outcomes:
            prefix.append(outcomes[len(prefix)])
        if len(prefix) == len(labels):
            return prefix, None
        if any(
            e.get("error")
            or e.get("not_written") is True
            or e.get("mutated") is not None
            for e in prefix
            if e is not None
        ):
            # A problem before it stopped: that problem is the verdict (the rest are
            # never looked at).
            return prefix + [None] * (len(labels) - len(prefix)), None
        # It stopped early: say how, and on which input.
        on = (
            f" on {labels[started]}"
            if started is not None and 0 <= started < len(labels)
            else " while its cell was being run"
        )
        status = reply.get("status")
        if status == "timeout":
            return (
                [],
                (
                    f"Your code for `{name}` took longer than {self.timeout:g} s{on}:"
                    " it may be slow (Python loops over every element of a large"
                    " array: use NumPy operations) or loop forever (a `while` whose"
                    " condition never becomes false)."
                ),
            )
        if status == "worker_died":
            return (
                [],
                (
                    f"Your code for `{name}` stopped the grading worker{on}. Don't kill"
                    " or signal other processes from an exercise."
                ),
            )
        if status in ("too_much_output", "too_large"):
            size, limit = int(reply.get("bytes") or MAX_STREAM + 1), MAX_MESSAGE
            if status == "too_much_output":
                limit = MAX_STREAM
            return (
                [],
                (
                    f"Your code for `{name}` returned a result too large to grade{on} "
                    f"({size / 2**20:,.0f} MB; the limit is {limit / 2**20:,.0f} MB). "
                    "Return only what the exercise asks for."
                ),
            )
        if reply.get("signal"):
            what = _SIGNALS.get(
                int(reply["signal"]), f"was ended by signal {reply['signal']}"
            )
            return [], f"Your code for `{name}` {what}{on}."
        return (
            [],
            (
                f"Your code for `{name}` ended its process (exit code"
                f" {reply.get('exit_code')}){on} before returning. Don't call exit(),"
                " sys.exit() or os._exit() in an exercise: return the result instead."
            ),
        )

    def _vet(self, payloads: list[str]) -> list[str | None]:
        """Why each returned model may not be loaded (None: it may): one ``models``
        job loads them all in a fresh child under :data:`MODEL_MEMORY` and
        :data:`MODEL_SECONDS`; only those that child built, with at most
        ``MAX_MODEL_PARAMS`` parameters, are loaded to be judged."""
        if not payloads:
            return []
        reply = self._run(
            {
                "kind": "models",
                "models": payloads,
                "preload": ["keras"],
                "timeout": MODEL_SECONDS,
                "memory": MODEL_MEMORY,
            },
            True,
        )
        facts = {
            e["index"]: e
            for e in _events(reply.get("stream", ""))
            if e["event"] == "model" and isinstance(e.get("index"), int)
        }
        return [vet_model(facts.get(i), MODEL_LIMITS) for i in range(len(payloads))]

    def _warm_up(self) -> None:
        """Start the zygote at once: its Keras import overlaps the NumPy exercises."""
        with contextlib.suppress(MnistCourseError):  # the first heavy job says why
            self._zygote.warm_up()

    def _prepare(self, modules: list) -> None:
        """Build the chapters' inputs ahead of their turn, the last chapters (Keras
        models) first, while the workers run the first exercises: no worker then waits
        for the grader.
        """
        for module in reversed(modules):
            for exercise in module.chapter:
                try:
                    self._inputs(module, exercise, self._heavy(module, exercise))
                except Exception:  # the exercise's own grading reports it
                    continue

    # -- notebooks

    def grade_notebook(self, path: str | Path) -> list[Grade]:
        """Every exercise of one notebook, or one row saying why it cannot be graded."""
        return self.grade_paths([path])

    def grade_paths(
        self,
        paths: Iterable[str | Path | Grade],
        on_notebook: Callable[[list[Grade]], None] | None = None,
    ) -> list[Grade]:
        """Grade notebooks (exercises in parallel); ``on_notebook`` gets each notebook's
        rows, in order."""
        pending, modules = [], {}
        for path in expand_paths(paths):
            name = str(path)
            if isinstance(path, Grade):
                pending.append([_done(path)])
                continue
            try:
                notebook = read_notebook(path)
                module = chapter_of(path)
            except NotebookError as exc:
                pending.append([_done(Grade(name, "", "", False, str(exc)))])
                continue
            if not module.chapter.exercises:
                pending.append(
                    [
                        _done(
                            Grade(
                                name,
                                "",
                                "",
                                False,
                                f"{name}: this chapter has no graded exercises.",
                            )
                        )
                    ]
                )
                continue
            pending.append(
                [
                    self._pools[self._heavy(module, e)].submit(
                        self.grade_exercise, notebook, module, e, name
                    )
                    for e in module.chapter
                ]
            )
            modules.setdefault(module.__name__, module)
        if any("keras" in module.chapter.setup for module in modules.values()):
            threading.Thread(
                target=self._warm_up, daemon=True, name="grader-zygote"
            ).start()
        if modules:
            threading.Thread(
                target=self._prepare,
                args=(list(modules.values()),),
                daemon=True,
                name="grader-prepare",
            ).start()
        rows: list[Grade] = []
        for futures in pending:
            notebook_rows = [future.result() for future in futures]
            rows.extend(notebook_rows)
            if on_notebook is not None:
                on_notebook(notebook_rows)
        return rows


def _done(row: Grade) -> Future:
    """A finished future holding a row (a notebook that was not graded)."""
    future: Future = Future()
    future.set_result(row)
    return future


_shared: Grader | None = None


def _shared_grader(timeout: float) -> Grader:
    global _shared
    if _shared is None:
        _shared = Grader()
        atexit.register(_shared.close)
    _shared.timeout = float(timeout)
    return _shared


def grade_notebook(path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> list[Grade]:
    """Grade every exercise of one notebook with a shared :class:`Grader`."""
    return _shared_grader(timeout).grade_notebook(path)


def grade_source(
    chapter_module, exercise, source: str | None, timeout: float = DEFAULT_TIMEOUT
) -> tuple[bool, str]:
    """Grade one exercise from the source of its cell (as if in a notebook with a check
    cell under it)."""
    cells = [] if source is None else [{"cell_type": "code", "source": source}]
    cells.append(
        {
            "cell_type": "code",
            "source": f"{exercise.qid.split('.')[1]}.check({exercise.function_name})",
        }
    )
    grade = _shared_grader(timeout).grade_exercise(
        {"cells": cells}, chapter_module, exercise
    )
    return grade.passed, grade.message
