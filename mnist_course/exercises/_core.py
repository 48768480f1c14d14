"""The machinery behind every exercise: run the learner's function, compare, explain.

One :class:`Exercise` per graded question. In a notebook::

    from mnist_course.exercises import ch01
    ch01.q2.check(normalize)     # prints a green pass, or what is wrong and a nudge
    ch01.q2.hint()               # a first hint; call again for a stronger one
    ch01.q2.solution()

Grading has two halves that never mix:

- :func:`call_function` runs the learner's function on each input and records what
  it returned or raised, and whether it changed its inputs (an :class:`Outcome`);
- :meth:`Exercise.judge` turns those outcomes into a :class:`Result` by comparing
  them with the reference solution.

In a notebook, ``check()`` does both in the learner's kernel. The grader
(:mod:`mnist_course.grading`) runs only the first half, in a confined worker, and
judges in its own process, so nothing the learner's code does can forge a verdict.

Case design (every exercise's ``cases`` follows it; ``tests/test_case_design.py``
enforces what it can):

- **Every argument matters in some case**: replacing any one argument by its default
  (or, without one, by the value the first case gives it) changes the answer of at
  least one case, so a function that ignores an argument fails.
- **Realistic size and dtype**: at least one case is as large and typed as the course's
  data (10,000 MNIST-sized rows, ``uint8`` labels and pixels), so a dtype overflow or an
  accidental quadratic loop shows.
- **Every convention the text states is pinned** by a case where the alternatives
  differ (where epsilon goes, how a boundary is rounded, which bin an edge value falls
  in), and only those: a convention the text leaves open is accepted both ways.
- **Random exercises are judged on distributions** across seeds, not one draw.
- **Failure messages name the likely cause** (a :class:`Nudge` per plausible mistake).
"""

from __future__ import annotations

import contextvars
import copy
import inspect
import os
import re
import textwrap
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._handmade import DEEP_LEARNING, library_uses
from ._mutants import variants

VARIANT_SECONDS = (
    2.0  # at most this long looking for the one edit that explains a wrong answer
)
NOT_WRITTEN = (  # the verdict of an untouched stub (reports look for it)
    "is not written yet"
)
# What the learner's function returned on every case of the verdict being judged: a
# nudge is shown only when the mistake it names explains all of them (a mistake that
# happens to give the same number on one small case explains nothing).
_JUDGED: contextvars.ContextVar[tuple] = contextvars.ContextVar("judged", default=())


def _sentence(text: str) -> str:
    """``text`` ending as a sentence, so that what follows is not glued onto it.

    >>> _sentence("name 't' is not defined")
    "name 't' is not defined."
    """
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


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
    """A known wrong answer: if the learner's output matches ``wrong``'s, say
    ``message``."""

    wrong: Callable
    message: str


@dataclass
class Outcome:
    """What one call of the learner's function gave, as plain data.

    ``error`` is the exception's type name (``None`` when it returned), ``where`` the
    line of the learner's code that raised, ``mutated`` the position of an argument
    the call changed.
    """

    value: Any = None
    error: str | None = None
    message: str = ""
    where: str = ""
    not_written: bool = False
    mutated: int | None = None

    def as_data(self) -> dict:
        return {
            "error": self.error,
            "message": self.message,
            "where": self.where,
            "not_written": self.not_written,
            "mutated": self.mutated,
        }


def _dtype_hint(got: np.dtype, expected: np.dtype) -> str:
    """Where an array of the wrong dtype usually comes from."""
    if got == np.float64:
        return (
            " Hint: np.zeros(shape), np.ones and np.empty make float64 arrays whatever"
            " your input is: np.zeros_like(x) keeps x's dtype (or pass dtype=...)."
        )
    if got == np.int64 and expected.kind in "ui":
        return (
            " Hint: an array built from a Python list of ints is int64 whatever the"
            " data was: make it with the right dtype from the start"
            f" (np.frombuffer(..., dtype=np.{expected.name}), or"
            f" .astype(np.{expected.name}))."
        )
    return ""


def _equal(a: Any, b: Any) -> bool:
    """Exact equality of two argument values (arrays: same dtype, shape and bits)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_equal(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_equal(a[k], b[k]) for k in a)
        )
    try:
        return bool(a == b)
    except Exception:
        return False


_PACKAGE = str(Path(__file__).resolve().parents[1])


def seeded_calls(args: tuple, label: str, other_label: str) -> list[Case]:
    """Three calls that test a seeded function (the seed is its last argument): as
    given, the same again (same result expected), and with the seed + 1 (another result
    expected).

    >>> [c.args for c in seeded_calls((10, 2, 0), "a", "b")]
    [(10, 2, 0), (10, 2, 0), (10, 2, 1)]
    """
    *rest, seed = args
    return [
        Case(args, label),
        Case(args, f"{label} (called a second time)"),
        Case((*rest, seed + 1), other_label),
    ]


def in_threes(cases: list[Case], values: list):
    """``(first case, [value, same seed again, other seed])`` for cases made by
    :func:`seeded_calls`."""
    for start in range(0, len(cases), 3):
        yield cases[start], values[start : start + 3]


def _learner_line(exc: BaseException) -> str:
    """The last line of the learner's own code in a traceback ("line 3: x =
    raw[4:]")."""
    tb, where = exc.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        library = (
            name.startswith(("<frozen", _PACKAGE))
            or "site-packages" in name
            or "/lib/python" in name
        )
        if not library:
            where = f"line {tb.tb_lineno}"
            try:
                import linecache

                text = linecache.getline(name, tb.tb_lineno).strip()
                if text:
                    where += f": {text}"
            except Exception:
                pass
        tb = tb.tb_next
    return where


def is_keras_model(value: Any) -> bool:
    """True for a Keras model (checked by class name, so Keras need not be imported)."""
    return any(
        c.__module__.startswith("keras")
        and c.__name__ in {"Model", "Sequential", "Functional"}
        for c in type(value).__mro__
    )


def once(case: Case, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, worked out once per case object and kept on it.

    The grader keeps an exercise's cases for all the notebooks it grades, so a reference
    answer (for chapter 6, a model run) is computed once, not once per notebook."""
    store = case.__dict__.setdefault(
        "_once", {}
    )  # a frozen dataclass still has a __dict__
    if key not in store:
        store[key] = compute()
    return store[key]


def copy_arguments(args: tuple) -> tuple:
    """A deep copy of ``args``, except that a Keras model argument stays the same
    object: exercises only read the models they are given (:func:`call_function` checks
    their weights).
    """
    models = {id(value): value for value in args if is_keras_model(value)}
    return copy.deepcopy(args, models)


def _weights(args: tuple) -> dict[int, list[np.ndarray]]:
    return {
        i: [np.array(w) for w in value.get_weights()]
        for i, value in enumerate(args)
        if is_keras_model(value)
    }


def _weights_changed(before: list[np.ndarray], model: Any) -> bool:
    after = model.get_weights()
    return len(after) != len(before) or any(
        a.shape != b.shape or not np.array_equal(a, b)
        for a, b in zip(after, before, strict=True)
    )


# A terminal colour or bold code (Keras puts them in its messages).
_ANSI = re.compile(chr(27) + r"\[[0-9;?]*[ -/]*[@-~]")
# A printed array or tensor: only digits, signs, dots, brackets and spaces (and the
# letters of nan, inf and exponents), long enough to be a dump.
_ARRAY_DUMP = re.compile(r"\[[\[\]\d\s.,+\-eEnaif]{60,}\]")
# The sentence of a Keras input-shape error that says what is wrong, which comes after
# the dump of the input (groups: the expected shape, the input's).
_KEY_SENTENCE = re.compile(
    r"Expected shape \(([^)]*)\), but input has incompatible shape \(([^)]*)\)"
)


def clean_error(text: str, limit: int = 500) -> str:
    """An exception's message as a learner can read it, at most ``limit`` characters:
    no terminal escape codes, a printed array or tensor shortened to ``[...]``, Keras'
    list of the arguments it received left out, lines joined; when still too long, the
    sentence of a Keras shape error that names the expected shape is kept.

    >>> bold, plain = chr(27) + "[1m", chr(27) + "[0m"
    >>> clean_error(bold + "Invalid input " + "[[0. 0.]" * 20 + "]" + plain)
    'Invalid input [...]'
    """
    text = _ANSI.sub("", text)
    text = _ARRAY_DUMP.sub("[...]", text)
    text = re.split(r"\n\s*Arguments received by", text)[0]
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    if len(text) <= limit:
        return text
    key = _KEY_SENTENCE.search(text)
    if key and key.end() > limit:
        return f"{text[: max(0, limit - len(key[0]) - 5)].rstrip()} ... {key[0]}"
    return text[:limit]


def call_function(function: Callable, args: tuple) -> Outcome:
    """Call ``function(*args)`` and record the outcome; the arguments are passed as they
    are (not copied), so that a function that changes its inputs (or a model's weights)
    is caught."""
    pristine, weights = copy_arguments(args), _weights(args)
    try:
        value = function(*args)
    except NotImplementedError:
        return Outcome(not_written=True)
    except RecursionError as exc:
        return Outcome(
            error="RecursionError",
            message=clean_error(str(exc), 300),
            where=_learner_line(exc),
        )
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        return Outcome(
            error=type(exc).__name__,
            message=clean_error(str(exc)),
            where=_learner_line(exc),
        )
    mutated = next(
        (
            i
            for i, (a, b) in enumerate(zip(pristine, args, strict=True))
            if not _equal(a, b) or (i in weights and _weights_changed(weights[i], b))
        ),
        None,
    )
    return Outcome(value=value, mutated=mutated)


# ------------------------------------------------------------------ messages


def _number(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            return repr(value)
        text = format(value, ".6g")
        return (
            text if any(c in text for c in ".e") else text + ".0"
        )  # 0.0 reads as a float, 0 as an int
    return repr(value)


def describe(value: Any) -> str:
    """A short, learner-readable description of a value (numbers as ``29.11``)."""
    if isinstance(value, np.ndarray):
        if value.size <= 12:
            with np.printoptions(precision=4, suppress=True):
                text = np.array2string(value, separator=", ")
            return f"array {text} (shape {value.shape}, dtype {value.dtype})"
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (bool, int, float, np.generic)):
        return _number(value)
    if isinstance(value, tuple):
        return (
            "("
            + ", ".join(describe(v) for v in value)
            + ("," if len(value) == 1 else "")
            + ")"
        )
    if isinstance(value, list) and len(value) <= 12:
        return "[" + ", ".join(describe(v) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _finite_problem(got: Any) -> str:
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return ""
    if np.isinf(array).any():
        return (
            " Your result contains inf: a number overflowed (np.exp of a large value"
            " gives inf) or you took the log of 0 (log(0) = -inf)."
        )
    if np.isnan(array).any():
        return (
            " Your result contains nan. It comes from 0 / 0 (a division by a count or a"
            " sum that is 0: an empty class or bin, guard that division), from the"
            " square root or log of a negative number, or from inf / inf or inf - inf"
            " after a number overflowed (np.exp of a large value: subtract the maximum"
            " first)."
        )
    return ""


def error_shapes(message: str) -> list[tuple[int, ...]]:
    """The array shapes NumPy names in a broadcast error ("... with shapes (0,2)
    (1,3)").

    >>> error_shapes("could not be broadcast together with shapes (6,) (6,10) ")
    [(6,), (6, 10)]
    """
    found = re.search(r"shapes ((?:\([\d,\s]*\)\s*)+)", message)
    if not found:
        return []
    return [
        tuple(int(n) for n in re.findall(r"\d+", shape))
        for shape in re.findall(r"\(([\d,\s]*)\)", found[1])
    ]


def _broadcast_advice(message: str) -> str:
    """Two arrays that do not line up. keepdims or [:, None] helps only when one of them
    lacks an axis; with as many axes on both sides, a size differs: one of them is not
    cut or built as meant, and adding an axis would mislead."""
    shapes = error_shapes(message)
    if len(shapes) == 2 and len(shapes[0]) == len(shapes[1]):
        first, second = shapes
        axes = [
            k
            for k, (a, b) in enumerate(zip(first, second, strict=True))
            if a != b and 1 not in (a, b)
        ]
        if axes:
            k = axes[0]
            return (
                f"two arrays of shapes {first} and {second} meet in one operation:"
                f" they have the same number of axes, but along axis {k} one has"
                f" {first[k]} and the other {second[k]}. No axis is missing (keepdims"
                " or [:, None] would not help): one of them is not cut or built the"
                " size you meant. Print how each is made (a slice that stops one too"
                " early or too late, a size written as a fixed number)."
            )
    return (
        "two arrays whose shapes do not line up meet in one operation: print their"
        " shapes. A reduction with keepdims=True, or [:, None], keeps an axis to line"
        " them up."
    )


def model_input_advice(message: str) -> str | None:
    """A Keras model given an input of the wrong shape: which axes are missing (the
    batch axis, the channel axis, or both) and how to add them."""
    found = _KEY_SENTENCE.search(message)
    if not found:
        return None
    expected = [n.strip() for n in found[1].split(",") if n.strip()]
    try:
        got = tuple(int(n) for n in found[2].split(",") if n.strip())
        sizes = tuple(int(n) for n in expected[1:])
    except ValueError:
        return None
    wanted = f"({', '.join(expected)})"
    batch = ", ".join(str(n) for n in (1, *sizes))
    if len(sizes) > 1 and sizes[-1] == 1 and got == sizes[:-1]:
        return (
            f"the model takes a BATCH of images with a channel axis, shape {wanted}"
            " (None: any number of images), and you gave it ONE image of shape"
            f" {got}: give it a batch of one, ({batch}). Add both axes,"
            " x[None, ..., None] (or reshape it to that shape), and take the result"
            " apart again with [0] (and [..., 0] for an image-shaped result)."
        )
    if got == sizes:
        return (
            f"the model takes a BATCH, shape {wanted} (None: any number of inputs), and"
            f" you gave it one input of shape {got} without the batch axis: x[None]"
            f" makes a batch of one, ({batch})."
        )
    if len(sizes) > 1 and sizes[-1] == 1 and got[1:] == sizes[:-1]:
        return (
            f"the model takes images with a channel axis, shape {wanted}, and yours"
            f" have none, {got}: add it, x[..., None]."
        )
    return (
        f"the model takes inputs of shape {wanted} (None: any number of them), and"
        f" yours has shape {got}: print it, and reshape it to that."
    )


# Exception messages (fragments) and what they usually mean, when the exercise has no
# hint of its own for them.
_ERROR_HINTS = (
    (
        "mismatch in its core dimension",
        (
            "the two sides of a matrix product (@) must share their inner size: (a, b)"
            " @ (b, c). Print both shapes: one of them is the other way round (or the"
            " wrong array)."
        ),
    ),
    ("could not be broadcast", _broadcast_advice),
    ("but input has incompatible shape", model_input_advice),
    (
        "could not broadcast",
        (
            "the slice or array you assign has another shape than the place it goes to:"
            " print both shapes."
        ),
    ),
    (
        "out of bounds",
        (
            "an index or a position is past the end of an axis: check which axis you"
            " index, and that a range stops where the axis ends."
        ),
    ),
    (
        "object has no attribute '_id'",
        (
            "tf.GradientTape can only follow TensorFlow operations: model.predict and"
            " .numpy() give NumPy values, which it cannot differentiate. Call model(x,"
            " training=False) inside the tape."
        ),
    ),
    (
        "'NoneType' object",
        (
            "a value is None: a function that does not `return` its result, or a method"
            " that works in place and returns None (list.sort(), rng.shuffle(), ...)."
        ),
    ),
    (
        "too many indices for array",
        (
            "an array has fewer axes than you index: print its shape "
            "(a reduction without keepdims, or a mask of another shape)."
        ),
    ),
    (
        "inhomogeneous shape",
        (
            "np.array(...) was given lists (or arrays) of different lengths, which make"
            " no rectangular array: print the length or shape of each part."
        ),
    ),
    (
        "setting an array element with a sequence",
        (
            "you store several values (an array or a list) in ONE element, as in"
            " out[i, j] = ...: the right side must be a single number. A reduction"
            " along one axis (.sum(axis=0), .max(axis=1)) leaves one value per column"
            " or row; without an axis (np.sum(x), x.max()) it gives one number for the"
            " whole array."
        ),
    ),
    (
        "truth value of an array",
        (
            "an `if`, `while`, `not`, `and` or `or` met an array, which holds one truth"
            " value per element. To test whether an optional argument was given,"
            " compare it with None (`if x is None:`); to ask about every or any"
            " element, .all() or .any(); to combine masks, & and |."
        ),
    ),
    (
        "cannot reshape array",
        (
            "a reshape keeps the number of values: print the array's size and the shape"
            " you ask for (np.bincount's length, for example, depends on the largest"
            " value unless you pass minlength)."
        ),
    ),
)


def _array_shapes(case: Case) -> list[tuple]:
    """The shapes of the arrays among ``case``'s arguments."""
    return [a.shape for a in case.args if isinstance(a, np.ndarray)]


def _stale_shape(case: Case, earlier: list[Case], message: str) -> str:
    """Advice for an error between arrays of shapes that do not line up, when one of
    those shapes is that of an array an EARLIER call was given, and no array of this
    call has a size it is made of: a value kept from one call to the next (a global)."""
    if not re.search(r"broadcast|core dimension|shape", message):
        return ""
    shapes = [
        tuple(int(n) for n in re.findall(r"\d+", text))
        for text in re.findall(r"\(([\d,\s]*)\)", message)
    ]
    sizes = {n for shape in _array_shapes(case) for n in shape} | {
        int(a)
        for a in case.args
        if isinstance(a, (int, np.integer)) and not isinstance(a, bool)
    }
    sizes |= {len(a) for a in case.args if isinstance(a, (list, tuple))}
    for shape in shapes:
        if not shape or all(n in sizes or n == 1 for n in shape):
            continue  # made of this call's sizes: a reduction or a product of them
        before = next((c for c in earlier if shape in _array_shapes(c)), None)
        if before is not None:
            return (
                f"{shape} is the shape of an array an earlier call was given (on"
                f" {before.label}), and none of this call's arrays has such a size:"
                " your function seems to keep a value between calls (a global"
                " variable, or a default argument it changes). Use only the"
                " arguments each call is given."
            )
    return ""


def _argument_names(
    case: Case, factor: float, parameters: list[str]
) -> list[tuple[str, Any]]:
    """The arguments (or arguments' sizes) equal to ``factor``, named as the learner
    knows them."""
    found = []
    for name, value in zip(parameters, case.args, strict=False):
        sizes = (
            [("", value)]
            if isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool)
            else []
        )
        if isinstance(value, np.ndarray):
            sizes = [
                (f"len({name})" if axis == 0 else f"{name}.shape[{axis}]", size)
                for axis, size in enumerate(value.shape)
            ]
            sizes += [(f"{name}.size", value.size)] if value.ndim > 1 else []
        elif isinstance(value, (list, tuple)):
            sizes = [(f"len({name})", len(value))]
        found += [
            (label or name, size)
            for label, size in sizes
            if float(size) not in (0.0, 1.0)
            and abs(float(size) - factor) <= 1e-6 * abs(factor)
        ]
    return found


def _common_name(
    wrong: list, factors: list[float], parameters: list[str]
) -> str | None:
    names = [
        _argument_names(c, f, parameters)
        for (c, _, _), f in zip(wrong, factors, strict=True)
    ]
    common = [
        (n, size)
        for n, size in names[0]
        if all(n in [m for m, _ in other] for other in names[1:])
    ]
    return f"`{common[0][0]}` ({_number(common[0][1])})" if common else None


def _negated(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    if all(close(-e, g) and np.abs(e).max() > 0 for _, g, e in wrong):
        return (
            "your answer is the right one with its sign flipped: a subtraction the"
            " wrong way round, or a minus too many."
        )
    return None


def _scaled(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    factors = []
    for _, g, e in wrong:
        scale = float(np.sum(e * e))
        if scale == 0:
            return None
        factor = float(np.sum(g * e)) / scale
        if factor == 0 or abs(factor - 1) < 1e-6 or not close(factor * e, g):
            return None
        factors.append(factor)
    named = _common_name(wrong, [1 / f for f in factors], parameters)
    if named:
        return (
            f"your answer is the right one divided by {named}: a division (or a mean)"
            " too many, or a sum where a mean was meant the other way round."
        )
    named = _common_name(wrong, factors, parameters)
    if named:
        return (
            f"your answer is the right one multiplied by {named}: a sum where a mean"
            " belongs, or a division missing."
        )
    if len(wrong) > 1 and max(factors) - min(factors) > 1e-6 * max(
        abs(f) for f in factors
    ):
        return (
            None  # a factor that changes from input to input: no simple cause to name
        )
    factor = factors[0]
    shown = (
        f"1/{_number(round(1 / factor, 4))}"
        if abs(factor) < 1
        else _number(round(factor, 4))
    )
    return (
        f"your answer is {shown} times the right one: a constant factor is missing or"
        " too many (a mean instead of a sum, a division by the wrong count, a missing"
        " scale)."
    )


def _elementwise(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    functions = (
        (
            (
                "the right one with every negative value set to 0 (a ReLU or"
                " np.maximum(0, ...) that does not belong here)"
            ),
            lambda e: np.maximum(e, 0.0),
            lambda e: (e < 0).any(),
        ),
        (
            (
                "the absolute value of the right one (an abs() too many: the sign"
                " matters here)"
            ),
            np.abs,
            lambda e: (e < 0).any(),
        ),
        (
            "the logarithm of the right one (a log too many, or an exp missing)",
            np.log,
            lambda e: (e > 0).all(),
        ),
        (
            "the exponential of the right one (an exp too many, or a log missing)",
            np.exp,
            lambda e: np.abs(e).max() < 50,
        ),
        ("the square of the right one", np.square, lambda e: True),
        ("the square root of the right one", np.sqrt, lambda e: (e >= 0).all()),
        (
            (
                "1 minus the right one (the complement: the other class, or the share"
                " that is NOT counted)"
            ),
            lambda e: 1.0 - e,
            lambda e: True,
        ),
    )
    for text, function, applies in functions:
        with np.errstate(all="ignore"):
            fits = [
                close(function(e), g)
                for _, g, e in wrong
                if applies(e) and not np.allclose(function(e), e)
            ]
        if fits and all(fits) and len(fits) >= (len(wrong) + 1) // 2:
            return f"your answer is {text}."
    return None


def _transposed(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    if all(
        e.ndim == 2
        and (e.shape[0] != e.shape[1] or not np.allclose(e, e.T))
        and close(e.T, g)
        for _, g, e in wrong
    ):
        return "your answer is the right one transposed: rows and columns are swapped."
    return None


def _offset(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    offsets = {float(np.round(np.mean(g - e), 9)) for _, g, e in wrong}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    if offset == 0 or not all(close(e + offset, g) for _, g, e in wrong):
        return None
    if abs(abs(offset) - 1) < 1e-9:
        return (
            f"your answer is {'one more' if offset > 0 else 'one less'} than the right"
            " one on every input it gets wrong: an off-by-one (where does a count or a"
            " range start, and is its last value included?)."
        )
    return (
        f"your answer is the right one {'plus' if offset > 0 else 'minus'}"
        f" {_number(abs(offset))} on every input it gets wrong."
    )


def _normalised(wrong: list, close: Callable, parameters: list[str]) -> str | None:
    """The right answer divided by its row totals, its column totals or its total:
    shares where the values themselves (counts) are asked."""
    kinds = (
        ("rows", "its row's total", lambda e: e.sum(axis=1, keepdims=True), 2),
        ("columns", "its column's total", lambda e: e.sum(axis=0, keepdims=True), 2),
        ("values", "their total", lambda e: e.sum(), 1),
    )
    for name, total, totals, ndim in kinds:
        fits = bool(wrong)
        for _, g, e in wrong:
            if e.ndim != ndim or e.size < 2:
                fits = False
                break
            by = totals(e)
            with np.errstate(all="ignore"):
                shares = np.divide(e, by, out=np.zeros_like(e), where=by != 0)
            if np.allclose(shares, e) or not close(shares, g):
                fits = False
                break
        if fits:
            return (
                f"your {name} add up to 1: each value is divided by {total} (shares,"
                " normalised), where the values themselves (the counts) are asked:"
                " leave out the division."
            )
    return None


def _outside_range(pairs: list, wrong: list) -> str:
    try:
        expected = [np.asarray(e, dtype=np.float64) for _, _, e in pairs]
        if not expected or any(not np.isfinite(e).all() for e in expected):
            return ""
        low, high = (
            min(float(e.min()) for e in expected),
            max(float(e.max()) for e in expected),
        )
    except (TypeError, ValueError):
        return ""
    below = next(((c, g) for c, g, _ in wrong if float(g.min()) < 0), None)
    if low >= 0 and below:
        return (
            f" Hint: on {below[0].label}, your answer is negative"
            f" ({_number(float(below[1].min()))}), and the right answer never is: what"
            " you add up or return must not be able to go below 0 (a missing abs() or"
            " np.maximum(0, ...), negatives let through where they should become 0, a"
            " difference taken the wrong way round, or a log where the value itself is"
            " asked for?)."
        )
    above = next(((c, g) for c, g, _ in wrong if float(g.max()) > 1 + 1e-9), None)
    if low >= 0 and high <= 1 and above:
        return (
            f" Hint: on {above[0].label}, your answer goes above 1"
            f" ({_number(float(above[1].max()))}), and the right answer (a share, a"
            " probability, an accuracy, an interval's end) always stays inside [0, 1]."
        )
    if low >= 0 and high <= 1 and any(float(g.min()) < 0 for _, g, _ in wrong):
        return (
            " Hint: your answer goes below 0, and the right answer always stays inside"
            " [0, 1]."
        )
    return ""


def _shape_relation(shapes: list[tuple[tuple, tuple]]) -> str:
    """What the (expected, got) shapes of every input whose shape is wrong, the one
    reported first, have in common: the axes reversed, or the same small difference
    along each axis (an off-by-one). Nothing when one input alone shows it: a window
    that steps by the kernel gives 1 fewer on a small image and 3 fewer on a larger
    one, which no off-by-one explains."""
    expected, got = shapes[0]
    if any(len(e) != len(expected) or len(g) != len(e) for e, g in shapes):
        return ""
    if all(g == e[::-1] for e, g in shapes):
        return (
            " Hint: the axes are the other way round: transpose, or build it the other"
            " way."
        )
    extra = [g - e for g, e in zip(got, expected, strict=True)]
    same = all([b - a for b, a in zip(g, e, strict=True)] == extra for e, g in shapes)
    if same and all(abs(d) <= 3 for d in extra) and any(extra):
        more = "more" if all(d >= 0 for d in extra) else "fewer"
        return (
            f" Hint: {', '.join(str(abs(d)) for d in extra)} {more} along the axes: an"
            " off-by-one in a size or a range (does it stop where the last window or"
            " position still fits?)."
        )
    return ""


def _unit_axes(expected: tuple, got: tuple) -> tuple[int, int] | None:
    """(leading, trailing): how many axes of size 1 ``got`` has before and after the
    ``expected`` shape, or None when it is not ``expected`` with such axes added."""
    extra = len(got) - len(expected)
    for lead in range(extra + 1) if extra > 0 else ():
        trail = extra - lead
        if (
            all(n == 1 for n in got[:lead] + got[len(got) - trail :])
            and got[lead : len(got) - trail] == expected
        ):
            return lead, trail
    return None


def _extra_unit_axes(shapes: list[tuple[tuple, tuple]]) -> str:
    """The same axes of size 1 added to the right shape on every input whose shape is
    wrong (a batch or channel axis kept): how to drop them."""
    found = {_unit_axes(tuple(e), tuple(g)) for e, g in shapes}
    if len(found) != 1 or None in found:
        return ""
    lead, trail = found.pop()
    index = ["0"] * lead + (["...", *["0"] * trail] if trail else [])
    expected, got = shapes[0]
    one = lead + trail == 1
    return (
        f" Hint: your result has {'an extra axis' if one else 'extra axes'} of size 1,"
        f" {got} where {expected} is asked: {'a' if one else 'the'} batch or channel"
        f" {'axis' if one else 'axes'} added on the way (for the model, or by"
        f" keepdims=True) and kept. Drop {'it' if one else 'them'}: index the result"
        f" with [{', '.join(index)}] (or np.squeeze it)."
    )


def _axis_sizes(case: Case, parameters: list[str]) -> list[tuple[str, str, int]]:
    """(what, name, size) for the length of every list argument and every axis of
    every array argument: ("element", "labels", 7), ("column", "x", 3)..."""
    found = []
    for name, value in zip(parameters, case.args, strict=False):
        if isinstance(value, np.ndarray):
            for axis, size in enumerate(value.shape):
                what = (
                    ("element" if value.ndim == 1 else "row")
                    if axis == 0
                    else (
                        "column" if value.ndim == 2 else f"position along axis {axis}"
                    )
                )
                found.append((what, name, size))
        elif isinstance(value, (list, tuple)):
            found.append(("element", name, len(value)))
    return found


def _same_kind_and_value(a: Any, b: Any) -> bool:
    """Equal values of the same kind (float vs integer): a mistake that gives exactly
    this explains nothing about an answer that differs from it."""
    kinds = {
        (
            np.asarray(v).dtype.kind
            if isinstance(v, (np.ndarray, np.generic, int, float))
            else None
        )
        for v in (a, b)
    }
    return len(kinds) == 1 and _same(a, b, 0.0, 0.0)


def _same(expected: Any, got: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        return (
            isinstance(got, (tuple, list, np.ndarray))
            and len(got) == len(expected)
            and all(_same(e, g, rtol, atol) for e, g in zip(expected, got, strict=True))
        )
    try:
        got_array = np.asarray(got)
        expected_array = np.asarray(expected)
    except Exception:
        return False
    if got_array.shape != expected_array.shape or got_array.dtype == object:
        return False
    try:
        return bool(
            np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
        )
    except TypeError:  # e.g. strings
        return False


def _family(dtype: np.dtype) -> str:
    return {
        "i": "integer",
        "u": "integer",
        "f": "float",
        "b": "bool",
        "c": "complex",
    }.get(dtype.kind, dtype.kind)


class Exercise:
    """A graded exercise: a reference implementation, inputs to try, hints and nudges.

    ``function_name`` is the name the learner defines in the notebook; the grader
    finds the cell by it. ``dtype`` says how strictly an array result's dtype is
    checked: ``"exact"`` (the reference's dtype), ``"kind"`` (float vs integer) or
    ``None``. A scalar result must be of the reference's type (an ``int`` where the
    text asks for a count, a ``float`` for a loss). ``by_hand`` refuses functions
    that call a deep-learning library, or one of the ``forbidden`` routes (dotted
    prefixes such as ``"scipy.special.softmax"``): the text asks for NumPy. ``judge``,
    when given, replaces the comparison with the reference: it receives the cases and
    the returned values and returns a failing :class:`Result` or ``None``.
    ``error_nudges`` pairs a fragment of an exception message (``""``: any) with
    advice shown when the learner's code raises it (or with a function of the message
    that returns the advice, or ``None`` when the message does not show the mistake).
    ``returns`` names the values of a tuple result (``("weights", "velocity")``), so a
    message says which one is wrong. ``library_notes`` pairs a refused route's prefix
    with what the learner should know about it (it computes something else).
    ``scale_tolerance`` compares an array result up to that fraction of the expected
    array's largest absolute value (``rtol``/``atol`` are then unused): for maps such as
    gradients, whose scale depends on the model and whose small values are noise.
    When no known mistake explains a wrong answer, one-edit variants of the reference
    (and of ``forms``, other right ways to write it) are tried (:mod:`._mutants`): the
    one that gives what the learner's function gave names the edit.
    """

    def __init__(
        self,
        qid: str,
        function_name: str,
        reference: Callable,
        cases: Callable[[], list[Case]],
        hint: str | tuple[str, ...],
        *,
        nudges: tuple[Nudge, ...] = (),
        error_nudges: tuple[tuple[str, str | Callable[[str], str | None]], ...] = (),
        dtype: str | None = "kind",
        rtol: float = 1e-5,
        atol: float = 1e-6,
        judge: Callable[[list[Case], list[Any]], Result | None] | None = None,
        by_hand: bool = True,
        forbidden: tuple[str, ...] = (),
        returns: tuple[str, ...] = (),
        scale_tolerance: float | None = None,
        forms: tuple[Callable, ...] = (),
        library_notes: tuple[tuple[str, str], ...] = (),
    ):
        self.qid, self.function_name, self.reference = qid, function_name, reference
        self._cases, self.nudges, self.error_nudges = cases, nudges, error_nudges
        self.hints = (hint,) if isinstance(hint, str) else tuple(hint)
        self.dtype, self.rtol, self.atol, self._judge, self.by_hand = (
            dtype,
            rtol,
            atol,
            judge,
            by_hand,
        )
        self.forbidden = DEEP_LEARNING + tuple(
            forbidden
        )  # with by_hand: library routes refused
        self._hints_shown = 0
        self.parameters = list(inspect.signature(reference).parameters)
        self.returns = returns
        self.scale_tolerance = scale_tolerance
        self.forms = (
            forms  # other right ways to write it, whose one-edit variants are tried too
        )
        self.library_notes = library_notes  # (route prefix, what to know about it)
        self._variant_cache: list | None = None
        self.setup = ""  # the chapter's set-up code (its imports), set by its Chapter

    # ------------------------------------------------------------------ grading

    def cases(self) -> list[Case]:
        """The inputs every answer is called with."""
        return self._cases()

    def grade(self, function: Any) -> Result:
        """Call ``function`` on every case here, in this process, and judge the
        outcomes."""
        if not callable(function):
            return Result(
                False,
                f"`{self.function_name}` should be a function, but it is"
                f" {type(function).__name__}.",
            )
        refused = self.refuse_libraries(self._uses_in_process(function))
        if refused:
            return refused
        cases = self.cases()
        return self.judge(cases, [call_function(function, case.args) for case in cases])

    def refuse_libraries(self, uses: list[str]) -> Result | None:
        """The verdict for a function that calls a deep-learning library it should
        not."""
        if not self.by_hand or not uses:
            return None
        notes = [
            note for route, note in self.library_notes if uses[0].startswith(route)
        ]
        return Result(
            False,
            f"this exercise asks you to write `{self.function_name}` by hand, in NumPy,"
            f" but your function uses `{uses[0]}`. The chapter compares your version"
            " with the library's right after: write the computation yourself here."
            + "".join(f" {note}" for note in notes[:1]),
        )

    def _uses_in_process(self, function: Callable) -> list[str]:
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            return []
        namespace = getattr(function, "__globals__", {})

        def resolve(name: str) -> str | None:
            value = namespace.get(name)
            if value is None:
                return None
            if inspect.ismodule(value):
                return value.__name__
            if inspect.isfunction(value) and value.__module__ == getattr(
                function, "__module__", None
            ):
                return None  # the learner's own helper: followed below
            module = getattr(value, "__module__", None)
            if isinstance(module, str):
                return f"{module}.{getattr(value, '__qualname__', name)}"
            return None

        def helper(name: str) -> str | None:
            value = namespace.get(name)
            if inspect.isfunction(value) and value.__module__ == getattr(
                function, "__module__", None
            ):
                try:
                    return inspect.getsource(value)
                except (OSError, TypeError):
                    return None
            return None

        return library_uses(source, resolve, helper, self.forbidden)

    def judge(self, cases: list[Case], outcomes: list[Outcome]) -> Result:
        """The verdict on what the learner's function did (pure: data in, verdict
        out)."""
        if len(outcomes) < len(cases):
            return Result(
                False,
                f"Grading `{self.function_name}` stopped before every input was tried.",
            )
        for index, (case, outcome) in enumerate(zip(cases, outcomes, strict=False)):
            if outcome.not_written:
                return self.not_written()
            if outcome.error:
                return Result(False, self._error_message(case, outcome, cases[:index]))
            if outcome.mutated is not None:
                name = (
                    self.parameters[outcome.mutated]
                    if outcome.mutated < len(self.parameters)
                    else f"#{outcome.mutated + 1}"
                )
                if is_keras_model(case.args[outcome.mutated]):
                    return Result(
                        False,
                        f"On {case.label}, your function changed its input `{name}`:"
                        " the model's weights are not what they were. Only read the"
                        " model: no fit(), set_weights() or assign() on it (a gradient"
                        " is computed, never applied).",
                    )
                return Result(
                    False,
                    f"On {case.label}, your function changed its input `{name}`. A"
                    " function should leave its arguments as they were: work on a copy"
                    f" ({name}.copy()) or build a new array.",
                )
        values = [outcome.value for outcome in outcomes]
        token = _JUDGED.set(tuple(zip(cases, values, strict=False)))
        try:
            return self._judge_values(cases, values)
        finally:
            _JUDGED.reset(token)

    def _judge_values(self, cases: list[Case], values: list) -> Result:
        unreadable = next((v for v in values if type(v).__name__ == "Unreadable"), None)
        if unreadable is not None and self._judge is None:
            return Result(
                False,
                f"your function returned {unreadable!r}, which the grader cannot read"
                f" {unreadable.reason}".rstrip()
                + ".",
            )
        if self._judge is not None:
            verdict = self._judge(cases, values)
            if verdict is not None:
                return verdict
        else:
            for case, got in zip(cases, values, strict=False):
                problem = self.compare(case, got)
                if problem:
                    return Result(False, problem + self._how_many_right(cases, values))
        return Result(True, f"Correct! `{self.function_name}` passed every test.")

    def _how_many_right(self, cases: list[Case], values: list) -> str:
        """Which inputs the function gets right, when some: where to look for the
        mistake."""
        right = []
        for case, got in zip(cases, values, strict=False):
            try:  # right in value AND type: 26.0 where 26 is asked for is wrong
                right.append(self._right(case, got))
            except Exception:
                right.append(False)
        if not any(right) or all(right) or len(cases) < 3:
            return ""
        wrong = [case.label for case, ok in zip(cases, right, strict=False) if not ok]
        listed = "; ".join(wrong[:3]) + ("; ..." if len(wrong) > 3 else "")
        return (
            f" (Your function is right on {sum(right)} of the {len(cases)} inputs and"
            f" wrong on: {listed}. What sets those apart points at the mistake.)"
        )

    def _relation(
        self, expected: Any, got: Any, case: Case, relations: tuple = ()
    ) -> str:
        """A simple relation between the answer and the right one, the same on every
        input the function got wrong (a constant factor that is one of the arguments, a
        sign, an offset, a transposition, an elementwise function, a division by the
        totals), or a range the right answers never leave; only ``relations``, when
        given.
        """
        pairs = [(c, g, self._expected(c)) for c, g in _JUDGED.get()] or [
            (case, got, expected)
        ]
        wrong = [(c, g, e) for c, g, e in pairs if not self._close(e, g)]
        if not any(c is case for c, _, _ in wrong):
            wrong = [(case, got, expected)]
        try:
            wrong = [
                (c, np.asarray(g, dtype=np.float64), np.asarray(e, dtype=np.float64))
                for c, g, e in wrong
                if not isinstance(g, (tuple, list, dict, str))
            ]
        except (TypeError, ValueError):
            return ""
        # Inputs where the shapes differ get their own message; compare the others.
        wrong = [
            (c, g, e)
            for c, g, e in wrong
            if g.shape == e.shape and np.isfinite(g).all() and np.isfinite(e).all()
        ]
        if not any(c is case for c, _, _ in wrong):
            return ""
        values = sum(e.size for _, _, e in wrong)
        if not (len(wrong) >= 3 or (len(wrong) >= 2 and values >= 8) or values >= 16):
            # too few numbers: almost any two answers look like a factor or an offset
            # apart
            return ""
        for describe_relation in relations or (
            _negated,
            _scaled,
            _elementwise,
            _transposed,
            _offset,
            _normalised,
        ):
            found = describe_relation(wrong, self._close, self.parameters)
            if found:
                return f" Hint: {found}"
        if relations:
            return ""
        return _outside_range([(c, g, e) for c, g, e in pairs], wrong)

    def compare(self, case: Case, got: Any) -> str | None:
        """Why ``got`` is not the reference's answer on ``case`` (None if it is), with
        the nudges: the standard comparison, for a ``judge`` that adds checks of its
        own."""
        return self._compare(self._expected(case), got, case)

    def _expected(self, case: Case) -> Any:
        """The reference's answer on ``case``, computed once per case."""
        return once(
            case, "expected", lambda: self.reference(*copy_arguments(case.args))
        )

    def not_written(self) -> Result:
        """The verdict for a function that still raises ``NotImplementedError``."""
        return Result(
            False,
            f"`{self.function_name}` {NOT_WRITTEN}: replace `raise NotImplementedError`"
            " with your code.",
        )

    def _error_message(
        self, case: Case, outcome: Outcome, earlier: list[Case] = ()
    ) -> str:
        if outcome.error in {"SystemExit", "KeyboardInterrupt"}:
            return (
                f"On {case.label}, your function called exit() ({outcome.error})."
                " Return a value instead."
            )
        if outcome.error == "MemoryError":
            return (
                f"On {case.label}, your function ran out of memory (MemoryError). Is an"
                " array much larger than it needs to be?"
            )
        where = f" at {outcome.where}" if outcome.where else ""
        message = (
            f"On {case.label}, your function raised {outcome.error}{where}:"
            f" {outcome.message}"
        )
        stale = _stale_shape(case, earlier, outcome.message)
        if stale:
            return f"{_sentence(message)} Hint: {stale}"
        for fragment, advice in (*self.error_nudges, *_ERROR_HINTS):
            if fragment in outcome.message:
                text = advice(outcome.message) if callable(advice) else advice
                if text:
                    return f"{_sentence(message)} Hint: {text}"
        return message

    def _type_problem(self, expected: Any, got: Any, case: Case) -> str | None:
        if isinstance(expected, (bool, np.bool_)):
            return None
        if isinstance(expected, (int, float, np.integer, np.floating)) and (
            isinstance(got, (list, tuple))
            or (isinstance(got, np.ndarray) and got.size > 1)
        ):
            return (
                f"On {case.label}, your function returned {describe(got)}"
                f" ({type(got).__name__} of {len(got)}"
                f" value{'s' if len(got) != 1 else ''}); expected ONE number: add the"
                " values up, or return the single value the exercise asks for."
            )
        if isinstance(expected, (int, np.integer)):
            if isinstance(got, (bool, np.bool_)) or not isinstance(
                got, (int, np.integer)
            ):
                return (
                    f"On {case.label}, your function returned {describe(got)}"
                    f" ({type(got).__name__}); expected a whole number (int). Use"
                    " integer arithmetic (// instead of /) or int(...)."
                )
        elif isinstance(expected, (float, np.floating)) and (
            # a whole number is a number too (a p-value of 1)
            isinstance(got, (bool, np.bool_))
            or not isinstance(got, (float, np.floating, int, np.integer))
        ):
            return (
                f"On {case.label}, your function returned {describe(got)}"
                f" ({type(got).__name__}); expected one number as a float:"
                " float(...) turns a 0-d array into one."
            )
        return None

    def _compare(self, expected: Any, got: Any, case: Case) -> str | None:
        if got is None and expected is not None:
            return (
                f"On {case.label}, your function returned None: a `return` is missing,"
                " or it returns what a method that works in place gives (None:"
                " list.sort(), rng.shuffle(), model.compile()...)."
            )
        problem = self._type_problem(expected, got, case)
        if problem:
            return (self._one_per_row(expected, got, case) or problem) + self._nudge(
                got, case
            )
        if isinstance(expected, np.ndarray):
            if not isinstance(got, np.ndarray):
                tensor = (
                    " (call .numpy() on a tensor)"
                    if type(got).__module__.startswith(("tensorflow", "keras"))
                    else ""
                )
                return (
                    f"On {case.label}, your function returned a {type(got).__name__},"
                    f" expected a NumPy array of shape {expected.shape}{tensor}."
                    + (
                        self._values_right_not_an_array(expected, got)
                        or self._nudge(got, case)
                    )
                )
            if got.shape != expected.shape:
                return (
                    f"On {case.label}, your function returned shape {got.shape},"
                    f" expected {expected.shape}."
                    + (
                        self._nudge(got, case)
                        or self._shape_hint(case, expected.shape, got.shape)
                    )
                )
            if self.dtype == "exact" and got.dtype != expected.dtype:
                return (
                    f"On {case.label}, your array has dtype {got.dtype}, expected"
                    f" {expected.dtype}."
                    + (
                        self._nudge(got, case)
                        or self._relation(expected, got, case, (_normalised,))
                        or _dtype_hint(got.dtype, expected.dtype)
                    )
                )
            if self.dtype == "kind" and _family(got.dtype) != _family(expected.dtype):
                return (
                    f"On {case.label}, your array holds {_family(got.dtype)}s (dtype"
                    f" {got.dtype}), expected {_family(expected.dtype)}s (dtype"
                    f" {expected.dtype})."
                    + (
                        self._nudge(got, case)
                        or self._relation(expected, got, case, (_normalised,))
                    )
                )
        if self._close(expected, got):
            return None
        if (
            isinstance(expected, tuple)
            and isinstance(got, (tuple, list))
            and len(got) != len(expected)
        ):
            names = (
                f" ({', '.join(self.returns)})"
                if len(self.returns) == len(expected)
                else ""
            )
            return (
                f"On {case.label}, your function returned {len(got)} values; expected"
                f" {len(expected)}{names}. Return exactly those, in that order."
                + self._nudge(got, case)
            )
        if (
            isinstance(expected, tuple)
            and isinstance(got, (tuple, list))
            and len(got) == len(expected)
        ):
            wrong = [
                k
                for k, (e, g) in enumerate(zip(expected, got, strict=True))
                if not self._close(e, g)
            ]
            first = wrong[0]
            name = (
                f"`{self.returns[first]}`"
                if len(self.returns) == len(expected)
                else f"value {first + 1} of the {len(expected)} you returned"
            )
            # That value compared on its own, with the same value of every other input
            # judged with it (so that a relation or range can be seen across them).
            judged, proxy = [], Case(case.args, case.label)
            for other, value in _JUDGED.get() or ((case, got),):
                if isinstance(value, (tuple, list)) and len(value) == len(expected):
                    stand_in = proxy if other is case else Case(other.args, other.label)
                    stand_in.__dict__["_once"] = {
                        "expected": self._expected(other)[first]
                    }
                    judged.append((stand_in, value[first]))
            if not any(c is proxy for c, _ in judged):
                proxy.__dict__["_once"] = {"expected": expected[first]}
                judged = [(proxy, got[first])]
            token = _JUDGED.set(tuple(judged))
            try:
                inner = self._compare(expected[first], got[first], proxy) or ""
            finally:
                _JUDGED.reset(token)
            detail = re.sub(rf"^On {re.escape(case.label)}[,:] ", "", inner).replace(
                "your function returned", "it is"
            )
            others = (
                f" ({len(wrong) - 1} other value(s) differ too)"
                if len(wrong) > 1
                else ""
            )
            nudge = self._nudge(got, case)
            # the known mistake explains the whole tuple better than a relation in one
            # value
            if nudge:
                detail = detail.split(" Hint: ")[0]
            return f"On {case.label}, {name} is wrong{others}: {detail}" + nudge
        shown_expected, shown_got = describe(expected), describe(got)
        if shown_expected == shown_got:
            message = (
                f"On {case.label}, your answer has the expected form ({shown_got}) but"
                " not the expected values."
            )
        else:
            message = f"On {case.label}: expected {shown_expected}, got {shown_got}."
        nudge = self._nudge(got, case) or self._relation(expected, got, case)
        if not nudge and not _finite_problem(
            expected
        ):  # a known mistake explains its nan better
            message += _finite_problem(got)
        if (
            isinstance(expected, np.ndarray)
            and np.asarray(got).shape == expected.shape
            and expected.size > 1
        ):
            try:
                difference = np.abs(
                    np.asarray(got, dtype=float) - expected.astype(float)
                )
                where = np.unravel_index(
                    int(
                        np.nanargmax(np.where(np.isnan(difference), np.inf, difference))
                    ),
                    expected.shape,
                )
                message += (
                    " The largest difference is at index"
                    f" {tuple(int(i) for i in where)}: expected"
                    f" {_number(expected[where])}, got"
                    f" {_number(np.asarray(got)[where])}."
                )
                if self.scale_tolerance is not None:
                    largest = float(np.abs(expected).max())
                    message += (
                        f" (Differences up to {self.scale_tolerance * 100:g} % of the"
                        f" largest value, {_number(largest)}, are allowed.)"
                    )
            except (TypeError, ValueError):
                pass
        return message + nudge

    def _values_right_not_an_array(self, expected: np.ndarray, got: Any) -> str:
        """The hint for a list (or tuple) that holds the right values, of the right
        kind: only its type is wrong, so a nudge about its values would mislead."""
        if not isinstance(got, (list, tuple)):
            return ""
        try:
            array = np.asarray(got)
            right = (
                array.shape == expected.shape
                and _family(array.dtype) == _family(expected.dtype)
                and self._close(expected, array)
            )
        except Exception:
            return ""
        if not right:
            return ""
        return (
            f" Hint: the values are right, but in a Python {type(got).__name__}: return"
            " a NumPy array (np.array(...) of them, or build the result with NumPy from"
            " the start)."
        )

    def _wrong_shapes(
        self, case: Case, expected: tuple, got: tuple
    ) -> list[tuple[tuple, tuple]]:
        """(expected, got) shapes of ``case``, then of every other input judged with it
        whose shape is wrong."""
        return [(e, g) for _, e, g in self._wrong_shape_cases(case, expected, got)]

    def _wrong_shape_cases(
        self, case: Case, expected: tuple, got: tuple
    ) -> list[tuple[Case, tuple, tuple]]:
        shapes = [(case, expected, got)]
        judged = _JUDGED.get()
        if not any(c is case for c, _ in judged):
            return shapes  # judged apart from the other inputs
        for other, value in judged:
            if other is case:
                continue
            try:
                other_expected, other_got = (
                    np.shape(self._expected(other)),
                    np.shape(value),
                )
            except Exception:
                continue
            if other_expected != other_got:
                shapes.append((other, other_expected, other_got))
        return shapes

    def _shape_hint(self, case: Case, expected: tuple, got: tuple) -> str:
        """What the wrong shapes of every input judged with ``case`` have in common:
        axes reversed, an off-by-one, axes of size 1 added, or one value per element
        of an argument along the axis whose size is wrong."""
        shapes = self._wrong_shape_cases(case, expected, got)
        plain = [(e, g) for _, e, g in shapes]
        return (
            _shape_relation(plain)
            or _extra_unit_axes(plain)
            or self._per_argument_axis(shapes)
        )

    def _per_argument_axis(self, shapes: list[tuple[Case, tuple, tuple]]) -> str:
        """On every input whose shape is wrong, the one axis whose size is wrong has
        the size of the same argument's axis: one value per element (row...) of it."""
        axes = {
            tuple(i for i, (a, b) in enumerate(zip(e, g, strict=True)) if a != b)
            if len(e) == len(g)
            else None
            for _, e, g in shapes
        }
        if len(axes) != 1 or None in axes or len(next(iter(axes))) != 1:
            return ""
        (axis,) = axes.pop()
        common = None
        for c, _, g in shapes:
            here = [
                (what, name)
                for what, name, size in _axis_sizes(c, self.parameters)
                if size == g[axis]
            ]
            common = (
                here if common is None else [item for item in common if item in here]
            )
        if not common or all(g[axis] <= 1 for _, _, g in shapes):
            return ""
        (what, name), (_, expected, got) = common[0], shapes[0]
        return (
            f" Hint: your result has one value per {what} of `{name}` ({got[axis]}"
            " here; the same on every input whose shape is wrong) where"
            f" {expected[axis]} are asked: a sum, mean or comparison taken over the"
            " wrong axis (axis=1 for axis=0, or the other way round)?"
        )

    def _one_per_row(self, expected: Any, got: Any, case: Case) -> str:
        """A sequence of values where one number is asked, with one value per element
        (row) of the same argument on every input judged: the values before the last
        step, often a mean or a sum."""
        if isinstance(expected, (bool, np.bool_)) or not isinstance(
            expected, (int, float, np.integer, np.floating)
        ):
            return ""
        judged = _JUDGED.get()
        if not any(c is case for c, _ in judged):
            judged = ((case, got),)
        common, mean, total = None, True, True
        for c, value in judged:
            try:
                values = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                return ""
            if values.ndim != 1:
                return ""
            here = [
                (what, name)
                for what, name, size in _axis_sizes(c, self.parameters)
                if size == len(values) and what in ("element", "row")
            ]
            common = (
                here if common is None else [item for item in common if item in here]
            )
            right = self._expected(c)
            mean = mean and len(values) > 0 and self._close(right, values.mean())
            total = total and self._close(right, values.sum())
        if not common or all(np.size(value) <= 1 for _, value in judged):
            return ""
        what, name = common[0]
        kind = "an int" if isinstance(expected, (int, np.integer)) else "a float"
        ending = (
            f". Their mean is the right answer: average them (np.mean) and return it"
            f" as {kind}."
            if mean
            else f". Their sum is the right answer: add them up, return it as {kind}."
            if total
            else ": combine them into the one number the exercise asks for."
        )
        return (
            f"On {case.label}, your function returned {describe(got)}: one value per"
            f" {what} of `{name}`, on every input, where ONE number is asked{ending}"
        )

    def _right(self, case: Case, got: Any) -> bool:
        """Whether ``got`` is a right answer on ``case``: the value within tolerance,
        and the type and dtype the comparison asks for."""
        expected = self._expected(case)
        if self._type_problem(expected, got, case):
            return False
        if isinstance(expected, np.ndarray):
            if not isinstance(got, np.ndarray):
                return False
            if self.dtype == "exact" and got.dtype != expected.dtype:
                return False
            if self.dtype == "kind" and _family(got.dtype) != _family(expected.dtype):
                return False
        return bool(self._close(expected, got))

    def _close(self, expected: Any, got: Any) -> bool:
        """Whether ``got`` is ``expected`` within this exercise's tolerance."""
        if (
            self.scale_tolerance is None
            or not isinstance(expected, np.ndarray)
            or expected.dtype.kind != "f"
        ):
            return _same(expected, got, self.rtol, self.atol)
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        if got.shape != expected.shape or not np.isfinite(got).all():
            return False
        allowed = self.scale_tolerance * float(np.abs(expected).max()) + 1e-7
        return float(np.abs(got - expected).max(initial=0.0)) <= allowed

    def _nudge(self, got: Any, case: Case) -> str:
        """The hint of the first known mistake that explains ``got`` on ``case`` and
        what the function returned on every other case judged with it; else, if the
        answer is what the reference gives with one argument replaced by its default,
        that the argument is ignored.
        """
        judged = [(c, g) for c, g in _JUDGED.get() if c is not case]
        expected = self._expected(case)
        for nudge in self.nudges:
            if self._explains(nudge.wrong, got, case, expected, judged):
                return f" Hint: {nudge.message}"  # callers add it after a full sentence
        for name, index, default in self._defaults(case):

            def ignored(*args, index=index, default=default):
                return self.reference(*args[:index], default, *args[index + 1 :])

            if self._explains(ignored, got, case, expected, judged):
                return (
                    f" Hint: your function seems to ignore `{name}`: here `{name}` is"
                    f" {describe(case.args[index])}, and your answer is what"
                    f" `{name}={default!r}` (its default) gives. Use the `{name}` your"
                    " function is called with."
                )
        deadline = time.monotonic() + VARIANT_SECONDS
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for variant in self._variants():
                if time.monotonic() > deadline:
                    break
                if self._explains(
                    variant.function, got, case, expected, judged, everywhere=True
                ):
                    return f" Hint: {variant.hint()}"
        return ""

    def _variants(self) -> list:
        """The reference's one-edit variants (:mod:`._mutants`), made once; none for
        Keras references, whose variants would each build and run a model."""
        if self._variant_cache is None:
            try:
                source = inspect.getsource(self.reference)
            except (OSError, TypeError):
                source = "keras"
            heavy = any(word in source for word in ("keras", "tensorflow", "tf."))
            self._variant_cache = (
                []
                if heavy
                else [
                    variant
                    for form in (self.reference, *self.forms)
                    for variant in variants(form)
                ]
            )
        return self._variant_cache

    def _explains(
        self,
        wrong: Callable,
        got: Any,
        case: Case,
        expected: Any,
        judged: list,
        everywhere: bool = False,
    ) -> bool:
        """Whether the mistake ``wrong`` gives ``got`` on ``case`` (where it differs
        from the right answer) and, on every other judged case where it runs, what the
        learner's function gave. With ``everywhere`` it must also run on every judged
        case: a one-edit variant that raises where the learner's function returned a
        value (``t ** beta2`` for ``beta2 ** t``: a math domain error) does not explain
        that value.
        """

        def run(c: Case) -> Any:
            with np.errstate(all="ignore"):
                return wrong(*copy_arguments(c.args))

        try:
            value = run(case)
        except Exception:
            return False
        # A mistake that gives the right answer on this case cannot explain what is
        # wrong here.
        if not self._close(value, got) or _same_kind_and_value(value, expected):
            return False
        for other, other_got in judged:
            try:
                value = run(other)
            except Exception:
                if everywhere:
                    return False
                continue
            if not self._close(value, other_got):
                return False
        return True

    def _defaults(self, case: Case) -> list[tuple[str, int, Any]]:
        """The arguments of ``case`` given a value other than the reference's default
        for them."""
        found = []
        for index, parameter in enumerate(
            inspect.signature(self.reference).parameters.values()
        ):
            if parameter.default is inspect.Parameter.empty or index >= len(case.args):
                continue
            if not _equal(case.args[index], parameter.default):
                found.append((parameter.name, index, parameter.default))
        return found

    # --------------------------------------------------------------- notebook

    def check(self, function: Any) -> Verdict:
        """Grade ``function``, show the verdict and return it (a :class:`Verdict`).

        In Jupyter the verdict shows itself as HTML (Markdown and plain text for other
        front ends); elsewhere (a script, pytest) it is printed as plain text."""
        result = self.grade(function)
        if result.passed:
            result = self._cell_order(result)
        verdict = Verdict(self.qid, result.passed, result.message)
        verdict.show()
        return verdict

    def _cell_order(self, passed: Result) -> Result:
        """A pass here that the grader would fail: the function needs a name that only a
        cell below the check defines (it exists because that cell ran). Found by reading
        the notebook file the kernel runs (Jupyter's ``JPY_SESSION_NAME``, VS Code's
        ``__vsc_ipynb_file__``) as the grader would; without one, ``passed`` stands."""
        path = os.environ.get("JPY_SESSION_NAME", "")
        try:
            from IPython import get_ipython

            shell = get_ipython()
            path = (
                shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None
            ) or path
        except ImportError:
            pass
        if not path or not str(path).endswith(".ipynb") or not os.path.isfile(path):
            return passed
        from ..notebook import (
            NotebookError,
            defined_only_below,
            exercise_program,
            read_notebook,
        )

        try:
            program = exercise_program(read_notebook(path), self.function_name)
        except (NotebookError, OSError, RecursionError):
            return passed
        below = defined_only_below(program, self.setup)
        if not below:
            return passed
        name, cell = next(iter(below.items()))
        return Result(
            False,
            f"`{self.function_name}` works here only because cell {cell}, below this"
            f" check, has run: it defines `{name}`. The grader (like a fresh run from"
            " the top) uses only the cells above the check: move that cell up and run"
            " the check again (save the notebook first).",
        )

    def hint(self, level: int | None = None) -> None:
        """Print a hint: the first call gives a gentle one, the next a stronger one."""
        if level is None and self._hints_shown >= len(self.hints):
            print(
                f"There are no more hints for {self.qid} (you have seen all"
                f" {len(self.hints)}); {self.qid}.solution() shows one solution."
            )
            return
        if level is None:
            level = self._hints_shown + 1
        level = max(1, min(int(level), len(self.hints)))
        self._hints_shown = max(self._hints_shown, level)
        more = (
            f" (call {self.qid}.hint() again for a stronger hint)"
            if level < len(self.hints)
            else f" (the last one: {self.qid}.solution() shows one solution)"
        )
        print(
            f"Hint {level} of {len(self.hints)} for {self.qid}:"
            f" {self.hints[level - 1]}{more}"
        )

    def solution(self) -> None:
        source = textwrap.dedent(inspect.getsource(self.reference))
        print(f"One solution for {self.qid}:\n\n{source}")

    def __repr__(self) -> str:
        return (
            f"<Exercise {self.qid}: {self.function_name}() — check(), hint(),"
            " solution()>"
        )


_CODE_SPAN = re.compile(r"`([^`]*)`")


class Verdict:
    """What ``check()`` found, able to show itself: ``_repr_html_`` and
    ``_repr_markdown_`` for Jupyter, ``str()`` for plain text. Deciding
    (:meth:`Exercise.grade`) and showing (here) are separate; no terminal colour
    codes."""

    def __init__(self, qid: str, passed: bool, message: str):
        self.qid, self.passed, self.message = qid, passed, message
        self._shown = False

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return (
            f"✔ {self.qid}: {self.message}"
            if self.passed
            else f"✘ {self.qid}: not yet. {self.message}"
        )

    def __repr__(self) -> str:
        return f"<Verdict {self.qid}: {'passed' if self.passed else 'not yet'}>"

    def _repr_markdown_(self) -> str:
        parts = re.split(r"(`[^`]*`)", self.message)  # code spans stay as they are
        text = "".join(
            part if part.startswith("`") else re.sub(r"([\\*_\[\]<>#|])", r"\\\1", part)
            for part in parts
        )
        return (
            f"**✔ {self.qid}:** {text}"
            if self.passed
            else f"**✘ {self.qid}: not yet.** {text}"
        )

    def _repr_html_(self) -> str:
        import html

        # Only the bar is coloured: the text keeps the page's colour, readable in light
        # and dark themes.
        colour, mark, head = (
            ("#1a7f37", "✔", f"{self.qid}:")
            if self.passed
            else ("#b42318", "✘", f"{self.qid}: not yet.")
        )
        body = _CODE_SPAN.sub(
            r'<code style="color: inherit">\1</code>', html.escape(self.message)
        )
        return (
            '<div class="mnist-course-verdict" role="status" style="border-left: 4px'
            f' solid {colour}; padding: 0.3em 0.8em"><strong>{mark}'
            f" {html.escape(head)}</strong> {body}</div>"
        )

    def _ipython_display_(self) -> None:
        """Shown once: by :meth:`show` when ``check()`` runs, not again when it is a
        cell's last line."""
        if self._shown:
            return
        self._shown = True
        from IPython.display import publish_display_data

        publish_display_data(
            {
                "text/plain": str(self),
                "text/html": self._repr_html_(),
                "text/markdown": self._repr_markdown_(),
            }
        )

    def show(self) -> None:
        """Display in a Jupyter kernel, print elsewhere."""
        try:
            from IPython import get_ipython

            kernel = (
                getattr(get_ipython(), "kernel", None) is not None
            )  # a Jupyter kernel, not a terminal IPython
        except ImportError:
            kernel = False
        if kernel:
            self._ipython_display_()
        else:
            print(self)


@dataclass
class Chapter:
    """The exercises of one chapter, in order.

    ``setup`` is the code the chapter's setup cell runs before the exercises (its
    imports); the grader runs it before an exercise's code, as the notebook does.
    """

    name: str
    exercises: list[Exercise] = field(default_factory=list)
    setup: str = "import numpy as np"

    def __post_init__(self):
        for exercise in (
            self.exercises
        ):  # check() runs the set-up before the cells, as the grader does
            exercise.setup = self.setup

    def __iter__(self):
        return iter(self.exercises)

    def by_name(self) -> dict[str, Exercise]:
        return {e.function_name: e for e in self.exercises}
