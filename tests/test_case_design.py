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

from mnist_course.exercises._core import _same, copy_arguments
from tests.conftest import chapter_modules

EXERCISES = [e for chapter in chapter_modules() for e in chapter.chapter]
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
    if hasattr(a, "get_weights") or hasattr(
        b, "get_weights"
    ):  # Keras models: compare what they compute
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
        replacement = (
            None if parameter.default is inspect.Parameter.empty else parameter.default
        )
        mattered = False
        for case in cases:
            if i >= len(case.args):
                continue
            fixed = replacement if replacement is not None else cases[0].args[i]
            args = case.args[:i] + (fixed,) + case.args[i + 1 :]
            if _differs(_answer(exercise, case.args), _answer(exercise, args)):
                mattered = True
                break
        if not mattered:
            kind = (
                "its default" if replacement is not None else "the first case's value"
            )
            blind.append(f"`{parameter.name}` (a function using {kind} always passes)")
    assert not blind, (
        f"{exercise.qid}: no case catches an answer that ignores " + "; ".join(blind)
    )


def _same_inputs(a, b) -> bool:
    from mnist_course.exercises._core import is_keras_model

    if is_keras_model(a) and is_keras_model(b):
        return all(
            np.array_equal(x, y)
            for x, y in zip(a.get_weights(), b.get_weights(), strict=False)
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(
            _same_inputs(x, y) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.qid)
def test_every_check_tries_the_same_inputs(exercise):
    """Each exercise draws its cases from its own seeded generator: a second check() (or
    the grader) tests exactly what the first did."""
    first, second = exercise.cases(), exercise.cases()
    assert [c.label for c in first] == [c.label for c in second]
    for a, b in zip(first, second, strict=True):
        assert _same_inputs(a.args, b.args), (
            f"{exercise.qid}: {a.label} differs between two calls of cases()"
        )


def test_the_library_does_not_import_the_exercises():
    """Layers point one way: exercises, the grader and the widgets may use the library,
    not the other way round (the chapters may import anything)."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "mnist_course"
    allowed = {"exercises", "grading", "widgets"}
    offenders = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        if parts[0] in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(
                node, ast.ImportFrom
            ):  # "from . import exercises", "from .exercises.ch05 import x"
                base = "." * node.level + (node.module or "")
                modules = [
                    base,
                    *(
                        f"{base.rstrip('.')}.{a.name}" if node.module else base + a.name
                        for a in node.names
                    ),
                ]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            if any(
                m.lstrip(".").removeprefix("mnist_course.").split(".")[0] == "exercises"
                for m in modules
            ):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not offenders, f"library modules import mnist_course.exercises: {offenders}"


def test_the_cli_docstring_lists_every_command():
    import re

    from mnist_course import cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    listed = re.search(r"\{([a-z,]+)\}", cli.__doc__).group(1).split(",")
    assert sorted(listed) == sorted(commands)
