"""The machinery behind every exercise: run the learner's function, compare, explain.

One :class:`Exercise` per graded question. In a notebook::

    from mnist_course.exercises import ch01
    ch01.q2.check(normalize)     # prints a green pass, or what is wrong and a nudge
    ch01.q2.hint()
    ch01.q2.solution()

The grader calls :meth:`Exercise.grade`, which returns a :class:`Result` instead of printing.
"""

from __future__ import annotations

import copy
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    """One input to try: positional arguments and a short description for messages."""

    args: tuple
    label: str


@dataclass(frozen=True)
class Result:
    passed: bool
    message: str


@dataclass(frozen=True)
class Nudge:
    """A known wrong answer: if the learner's output matches ``wrong``'s, say ``message``."""

    wrong: Callable
    message: str


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 12:
            return f"array {np.array2string(value, precision=4, separator=', ')} (shape {value.shape}, dtype {value.dtype})"
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _not_finite(value: Any) -> bool:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return not bool(np.isfinite(array).all())


def _same(expected: Any, got: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        return (
            isinstance(got, (tuple, list, np.ndarray))
            and len(got) == len(expected)
            and all(_same(e, g, rtol, atol) for e, g in zip(expected, got))
        )
    try:
        got_array = np.asarray(got)
        expected_array = np.asarray(expected)
    except Exception:
        return False
    if got_array.shape != expected_array.shape or got_array.dtype == object:
        return False
    try:
        return bool(np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True))
    except TypeError:  # e.g. strings
        return False


class Exercise:
    """A graded exercise: a reference implementation, inputs to try, hints and nudges.

    ``function_name`` is the name the learner defines in the notebook; the grader
    finds the cell by it. ``check_dtype`` also requires the reference's dtype kind
    (e.g. float vs integer) and, for floats, the exact dtype.
    """

    def __init__(
        self,
        qid: str,
        function_name: str,
        reference: Callable,
        cases: Callable[[], list[Case]],
        hint: str,
        *,
        nudges: tuple[Nudge, ...] = (),
        check_dtype: bool = False,
        rtol: float = 1e-5,
        atol: float = 1e-6,
        custom: Callable[[Callable], Result | None] | None = None,
    ):
        self.qid, self.function_name, self.reference = qid, function_name, reference
        self._cases, self._hint, self.nudges = cases, hint, nudges
        self.check_dtype, self.rtol, self.atol, self.custom = check_dtype, rtol, atol, custom

    # ------------------------------------------------------------------ grading

    def grade(self, function: Any) -> Result:
        """Test ``function`` on every case; the first problem found is the message."""
        if not callable(function):
            return Result(False, f"`{self.function_name}` should be a function, but it is {type(function).__name__}.")
        for case in self._cases():
            expected = self.reference(*copy.deepcopy(case.args))
            try:
                got = function(*copy.deepcopy(case.args))
            except NotImplementedError:
                return self.not_written()
            except Exception as exc:  # the learner's error, shown briefly
                return Result(False, f"On {case.label}, your function raised {type(exc).__name__}: {exc}")
            problem = self._compare(expected, got, case)
            if problem:
                return Result(False, problem)
        if self.custom is not None:
            try:
                extra = self.custom(function)
            except NotImplementedError:
                return self.not_written()
            if extra is not None and not extra.passed:
                return extra
        return Result(True, f"Correct! `{self.function_name}` passed every test.")

    def not_written(self) -> Result:
        """The verdict for a function that still raises ``NotImplementedError``."""
        return Result(False, f"`{self.function_name}` is not written yet: replace `raise NotImplementedError` with your code.")

    def _compare(self, expected: Any, got: Any, case: Case) -> str | None:
        if got is None and expected is not None:
            return f"On {case.label}, your function returned None. Did you forget `return`?"
        if isinstance(expected, np.ndarray):
            got_array = np.asarray(got) if not isinstance(got, np.ndarray) else got
            if got_array.shape != expected.shape:
                return (
                    f"On {case.label}, your function returned shape {got_array.shape}, expected {expected.shape}."
                    + self._nudge(got, case)
                )
            if self.check_dtype:
                if got_array.dtype.kind != expected.dtype.kind or (
                    expected.dtype.kind == "f" and got_array.dtype != expected.dtype
                ):
                    return f"On {case.label}, your array has dtype {got_array.dtype}, expected {expected.dtype}." + self._nudge(got, case)
        if _same(expected, got, self.rtol, self.atol):
            return None
        message = f"On {case.label}: expected {_describe(expected)}, got {_describe(got)}."
        if _not_finite(got) and not _not_finite(expected):
            message += " Your result contains nan or inf: a number overflowed, or you took the log of 0."
        if isinstance(expected, np.ndarray) and np.asarray(got).shape == expected.shape:
            difference = np.abs(np.asarray(got, dtype=float) - expected.astype(float))
            where = np.unravel_index(int(np.argmax(difference)), expected.shape)
            message += (
                f" The largest difference is at index {tuple(int(i) for i in where)}: "
                f"expected {expected[where].item()!r}, got {np.asarray(got)[where].item()!r}."
            )
        return message + self._nudge(got, case)

    def _nudge(self, got: Any, case: Case) -> str:
        for nudge in self.nudges:
            try:
                with np.errstate(all="ignore"):
                    wrong = nudge.wrong(*copy.deepcopy(case.args))
            except Exception:
                continue
            if _same(wrong, got, self.rtol, self.atol):
                return f" Hint: {nudge.message}"
        return ""

    # --------------------------------------------------------------- notebook

    def check(self, function: Any) -> None:
        """Grade ``function`` and print the verdict (green for a pass)."""
        result = self.grade(function)
        if result.passed:
            print(f"\033[32m✔ {self.qid}: {result.message}\033[0m")
        else:
            print(f"\033[31m✘ {self.qid}: not yet.\033[0m {result.message}")

    def hint(self) -> None:
        print(f"Hint for {self.qid}: {self._hint}")

    def solution(self) -> None:
        source = textwrap.dedent(inspect.getsource(self.reference))
        print(f"One solution for {self.qid}:\n\n{source}")

    def __repr__(self) -> str:
        return f"<Exercise {self.qid}: {self.function_name}() — check(), hint(), solution()>"


@dataclass
class Chapter:
    """The exercises of one chapter, in order.

    ``setup`` is the code the chapter's setup cell runs before the exercises (its
    imports); the grader runs it before an exercise cell, as the notebook does.
    """

    name: str
    exercises: list[Exercise] = field(default_factory=list)
    setup: str = "import numpy as np"

    def __iter__(self):
        return iter(self.exercises)

    def by_name(self) -> dict[str, Exercise]:
        return {e.function_name: e for e in self.exercises}
