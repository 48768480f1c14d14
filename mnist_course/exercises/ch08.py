"""Chapter 8 — Deploy and scale: int8 quantization, sharding, all-reduce.

The first three exercises are TFLite's affine int8 quantization by hand: choosing the
scale and zero point for an observed range, quantizing with them, dequantizing back.
The last two are data-parallel training by hand: which examples ``Dataset.shard`` gives
a worker, and how replicas' mean gradients combine into the gradient of the whole
batch. All five are NumPy. Rounding is NumPy's (to nearest, ties to even), pinned
where x / scale is exact; elsewhere no value lies a hair from a tie
(:func:`_away_from_ties`), so a quotient in float32 or float64 rounds the same.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, Result, describe


def _activations() -> np.ndarray:
    """A Dense(64) layer's float32 outputs for 10,000 images (pre-activation, so some
    are negative): what a converter calibrates on."""
    rng = np.random.default_rng(80)
    return rng.normal(1.5, 2.0, (10_000, 64)).astype(np.float32)


# ------------------------------------------------ q1: scale and zero point


def choose_scale_zero_point(low, high):
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = (high - low) / 255
    zero_point = int(round(-128 - low / scale))
    return scale, min(max(zero_point, -128), 127)


def _range(low, high, widen_low=True, widen_high=True):
    low, high = float(low), float(high)
    if widen_low:
        low = min(low, 0.0)
    if widen_high:
        high = max(high, 0.0)
    return low, high


def _q1_with(
    steps=255, widen_low=True, widen_high=True, zero=None, rounding=round, clip=True
):
    """A mistake in choosing the parameters: ``zero(low, scale)`` before rounding."""

    def choose(low, high):
        low, high = _range(low, high, widen_low, widen_high)
        scale = (high - low) / steps
        value = (-128 - low / scale) if zero is None else zero(low, scale)
        point = rounding(value)
        return scale, (min(max(point, -128), 127) if clip else point)

    return choose


def _q1_mistake(message: str, **mistake) -> tuple[Nudge, Nudge]:
    """The mistake, with and without the zero point clipped to [−128, 127] (a right
    answer need not clip: once the range holds 0 the zero point is inside; a wrong one
    then shows whether it clipped)."""
    return (
        Nudge(_q1_with(**mistake), message),
        Nudge(_q1_with(**mistake, clip=False), message),
    )


_WIDEN = (
    "widen the range to include 0 first: low = min(low, 0), high = max(high, 0)."
    " 0.0 (zero padding, everything ReLU cuts off) must be one of the values int8 can"
    " stand for, exactly; on {case} the observed range does not contain 0."
)


def _q1_cases() -> list[Case]:
    activations = _activations()
    return [
        Case((0.0, 1.0), "low=0.0, high=1.0 (the input images)"),
        Case((-2.5, 7.0), "low=-2.5, high=7.0"),
        Case((0.5, 6.0), "low=0.5, high=6.0 (a range that does not contain 0)"),
        Case((-3.0, -1.0), "low=-3.0, high=-1.0 (only negative values)"),
        Case(
            (activations.min(), activations.max()),
            "the range of 10,000 × 64 float32 activations (low and high are"
            " np.float32 numbers)",
        ),
    ]


def _q1_judge(cases: list[Case], values: list) -> Result | None:
    """The values first (the core's comparison, with the nudges); then the types: the
    scale a number, the zero point an integer."""
    for case, got in zip(cases, values, strict=True):
        problem = q1.compare(case, got)
        if problem:
            return Result(False, problem + q1._how_many_right(cases, values))
    for case, got in zip(cases, values, strict=True):
        scale, zero_point = got
        if isinstance(scale, (bool, np.bool_)) or not isinstance(
            scale, (float, int, np.floating, np.integer)
        ):
            return Result(
                False,
                f"On {case.label}, your scale is {describe(scale)}"
                f" ({type(scale).__name__}): return it as a number (float(...) turns a"
                " 0-d array into one).",
            )
        if isinstance(zero_point, (bool, np.bool_)) or not isinstance(
            zero_point, (int, np.integer)
        ):
            return Result(
                False,
                f"On {case.label}, your zero point is {describe(zero_point)}"
                f" ({type(zero_point).__name__}), expected an integer (int): it is an"
                " int8 value, the one that stands for 0.0. Round, then convert:"
                " int(round(...)).",
            )
    return None


q1 = Exercise(
    "ch08.q1",
    "choose_scale_zero_point",
    choose_scale_zero_point,
    _q1_cases,
    (
        "int8 has 256 values, −128 to 127. Widen the observed range to include 0, then"
        " stretch it over them: low goes to −128 and high to 127, so one step (the"
        " scale) is the range divided by the number of steps between −128 and 127. The"
        " zero point is the integer that stands for 0.0.",
        "low, high = min(low, 0), max(high, 0); scale = (high − low) / 255;"
        " zero_point = int(round(−128 − low / scale)), clipped to [−128, 127]; return"
        " (scale, zero_point).",
    ),
    nudges=(
        Nudge(
            lambda low, high: _q1_with()(low, high)[::-1],
            "return (scale, zero_point), in that order.",
        ),
        *_q1_mistake(
            "divide the range by 255, not 256: the 256 int8 values −128…127 are 255"
            " steps apart; in steps of (high − low) / 256, high would map to 128, one"
            " past int8's largest value.",
            steps=256,
        ),
        *_q1_mistake(
            "divide the range by 255, the number of steps from −128 to 127 (127 is"
            " int8's largest value, not its number of steps).",
            steps=127,
        ),
        Nudge(
            lambda low, high: (max(abs(float(low)), abs(float(high))) / 127, 0),
            "that is symmetric quantization (zero point 0, scale max|x| / 127), which"
            " TFLite uses for weights. Activations use the affine scheme: scale ="
            " (high − low) / 255, and a zero point that maps low to −128.",
        ),
        *_q1_mistake(
            _WIDEN.format(case="low=0.5, high=6.0"), widen_low=False, widen_high=False
        ),
        *_q1_mistake(_WIDEN.format(case="low=0.5, high=6.0"), widen_low=False),
        *_q1_mistake(_WIDEN.format(case="low=-3.0, high=-1.0"), widen_high=False),
        *_q1_mistake(
            "the zero point's sign is wrong: low must map to −128, low / scale +"
            " zero_point = −128, so zero_point = −128 − low / scale (at least −128,"
            " since low ≤ 0).",
            zero=lambda low, scale: -128 + low / scale,
        ),
        *_q1_mistake(
            "that is uint8's zero point (values 0…255, low mapped to 0). int8 runs"
            " from −128 to 127 and low maps to −128: zero_point = −128 − low /"
            " scale.",
            zero=lambda low, scale: -low / scale,
        ),
        *_q1_mistake(
            "round the zero point to the nearest integer and return it as an int:"
            " int(round(−128 − low / scale)). That is the point of it: 0.0 maps"
            " exactly to an integer, so zero padding stays exactly 0.",
            rounding=float,
        ),
        *_q1_mistake(
            "int() cuts the fraction off, towards 0 (−60.9 becomes −60): round to the"
            " nearest integer first, int(round(−128 − low / scale)).",
            rounding=int,
        ),
        *_q1_mistake(
            "round the zero point to the NEAREST integer (round), not down (floor).",
            rounding=math.floor,
        ),
        *_q1_mistake(
            "round the zero point to the NEAREST integer (round), not up (ceil).",
            rounding=math.ceil,
        ),
        Nudge(
            lambda low, high: (max(float(high), 0.0) / 255, -128),
            "use `low`: the scale spans the whole range, high − low (once widened to"
            " include 0), and the zero point comes from low (low maps to −128, 0.0 to"
            " the zero point).",
        ),
    ),
    error_nudges=(
        (
            "division by zero",
            "the scale came out 0: widen the range to include 0 before dividing"
            " (low = min(low, 0), high = max(high, 0)), and take high − low, not one"
            " of them alone.",
        ),
    ),
    judge=_q1_judge,
    returns=("scale", "zero_point"),
)

# ------------------------------------------------------------- q2: quantize


def quantize(x, scale, zero_point):
    q = np.round(x / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


def _away_from_ties(x: np.ndarray, scale: float) -> np.ndarray:
    """``x`` with the few values whose x / scale lies within 0.002 of a tie (k + 0.5)
    moved to k + 0.3 steps: there a quotient computed in float32 and one in float64 (or
    x * (1 / scale)) could round to different integers, and both ways are right. The
    ties themselves are pinned by a case where x / scale is exact."""
    steps = x.astype(np.float64) / scale
    whole = np.floor(steps)
    near = np.abs(steps - whole - 0.5) < 0.002
    moved = x.copy()
    moved[near] = ((whole[near] + 0.3) * scale).astype(x.dtype)
    return moved


def _q2_judge(cases: list[Case], values: list) -> Result | None:
    """The core's comparison, after a word for right values of another integer dtype
    (the core cannot tell them from a mistake of the same kind)."""
    for case, got in zip(cases, values, strict=True):
        expected = q2._expected(case)
        if (
            isinstance(got, np.ndarray)
            and got.shape == expected.shape
            and got.dtype != np.int8
            and got.dtype.kind in "iu"
            and np.array_equal(got, expected)
        ):
            return Result(
                False,
                f"On {case.label}, your values are right but your array has dtype"
                f" {got.dtype}, expected int8: one byte per value is the point of"
                " quantizing (a quarter of float32). Clip to [−128, 127], then"
                " .astype(np.int8).",
            )
        problem = q2.compare(case, got)
        if problem:
            return Result(False, problem + q2._how_many_right(cases, values))
    return None


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(81)
    pixels = rng.integers(0, 256, (200, 28, 28), dtype=np.uint8)
    pixels[rng.random(pixels.shape) < 0.6] = 0  # the black background
    # x / 0.25 is exact: ties that a float32 or a float64 quotient both see. The zero
    # points are even, so round(x / scale) + zero_point and round(x / scale +
    # zero_point) agree on ties (both are right ways to write it).
    ties = np.array(
        [0.125, 0.375, 0.625, -0.125, -0.375, -0.625, 1.0, -2.0, 0.3, 40.0, -40.0],
        dtype=np.float32,
    )
    return [
        Case(
            (_away_from_ties(_activations(), 8 / 255), 8 / 255, -64),
            "10,000 × 64 float32 activations, calibrated range [−2, 6]: scale=8/255,"
            " zero_point=-64 (about 5 % of the values lie outside the range)",
        ),
        Case(
            (ties, 0.25, 4),
            "x=[0.125, 0.375, 0.625, -0.125, -0.375, -0.625, 1, -2, 0.3, 40, -40],"
            " scale=0.25, zero_point=4 (x / scale = 0.5, 1.5, 2.5, ...: exact ties)",
        ),
        Case(
            (pixels.astype(np.float32) / 255, 1 / 255, -128),
            "200 float32 images (200, 28, 28), pixels / 255, scale=1/255,"
            " zero_point=-128 (the input's parameters)",
        ),
    ]


def _q2_with(step=None, clip_first=True, rounding=np.round, shift=1):
    """A quantization mistake: ``step(x, scale)`` for x / scale, ``shift`` times the
    zero point added, the cast before the clip, another rounding."""

    def quantize_wrong(x, scale, zero_point):
        steps = x / scale if step is None else step(x, scale)
        q = rounding(steps) + shift * zero_point
        if clip_first:
            return np.clip(q, -128, 127).astype(np.int8)
        return np.clip(q.astype(np.int8), -128, 127)

    return quantize_wrong


_TIES = (
    "round half-way values to the nearest EVEN integer, as np.round (and Python's"
    " round) do: 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → 0."
)


q2 = Exercise(
    "ch08.q2",
    "quantize",
    quantize,
    _q2_cases,
    (
        "x / scale counts how many steps x is from 0.0; round that to the nearest whole"
        " step, shift it by the zero point (the integer that stands for 0.0), and keep"
        " the result inside int8's range, −128 to 127, before you convert.",
        "np.clip(np.round(x / scale) + zero_point, −128, 127).astype(np.int8): clip"
        " BEFORE .astype(np.int8), which would wrap 200 round to −56.",
    ),
    nudges=(
        Nudge(
            _q2_with(clip_first=False),
            "you converted to int8 before clipping (or never clipped): a value beyond"
            " 127 wraps round (200 becomes −56, a bright pixel turns dark). Clip to"
            " [−128, 127] first, then .astype(np.int8).",
        ),
        Nudge(
            _q2_with(rounding=lambda v: v),
            ".astype(np.int8) cuts the fraction off, towards 0 (2.7 becomes 2, −2.7"
            " becomes −2): round to the nearest first, with np.round.",
        ),
        Nudge(
            lambda x, scale, zero_point: np.clip(
                np.trunc(x / scale) + zero_point, -128, 127
            ).astype(np.int8),
            ".astype(int) cuts the fraction off, towards 0 (2.7 becomes 2, −2.7"
            " becomes −2): round to the nearest first, with np.round.",
        ),
        Nudge(
            _q2_with(rounding=lambda v: np.floor(v + 0.5)),
            f"np.floor(v + 0.5) rounds every tie up (0.5 → 1, 2.5 → 3); {_TIES}",
        ),
        Nudge(
            _q2_with(rounding=lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5)),
            f"you round ties away from 0 (0.5 → 1, −0.5 → −1); {_TIES}",
        ),
        Nudge(
            _q2_with(rounding=np.floor),
            "round to the NEAREST integer (np.round), not down (np.floor).",
        ),
        Nudge(
            _q2_with(rounding=np.ceil),
            "round to the NEAREST integer (np.round), not up (np.ceil).",
        ),
        Nudge(
            _q2_with(shift=0),
            "add the zero point: 0.0 must become zero_point, not 0, and low −128"
            " (q = round(x / scale) + zero_point).",
        ),
        Nudge(
            _q2_with(shift=-1),
            "ADD the zero point, q = round(x / scale) + zero_point (it is"
            " dequantizing that subtracts it).",
        ),
        Nudge(
            _q2_with(step=lambda x, scale: x * scale),
            "divide by the scale: the scale is the size of one step, so x / scale"
            " counts the steps (multiplying shrinks everything towards 0).",
        ),
        Nudge(
            lambda x, scale, zero_point: np.clip(
                np.round(x / scale) + zero_point, -128, 127
            ),
            "return int8 values: the clipped, rounded floats, converted with"
            " .astype(np.int8) (one byte each, a quarter of float32).",
        ),
        Nudge(
            lambda x, scale, zero_point: quantize(x, scale, zero_point).astype(
                np.uint8
            ),
            "int8, not uint8: the values run from −128 to 127, and uint8 has no"
            " negatives (−1 becomes 255).",
        ),
    ),
    error_nudges=(
        (
            "Python integer",
            "NumPy refuses to put a number beyond int8's range into an int8 array:"
            " compute in floats (np.round(x / scale) + zero_point), clip to"
            " [−128, 127], and only then .astype(np.int8).",
        ),
    ),
    judge=_q2_judge,
    dtype="exact",
)

# ----------------------------------------------------------- q3: dequantize


def dequantize(q, scale, zero_point):
    steps = q.astype(np.int32) - zero_point
    return (steps * scale).astype(np.float32)


def _q3_cases() -> list[Case]:
    rng = np.random.default_rng(82)
    return [
        Case(
            (rng.integers(-128, 128, (10_000, 64)).astype(np.int8), 8 / 255, -64),
            "10,000 × 64 int8 values over the whole range −128…127, scale=8/255,"
            " zero_point=-64",
        ),
        Case(
            (np.array([-128, -124, -1, 0, 5, 100, 127], dtype=np.int8), 0.5, 5),
            "q=[-128, -124, -1, 0, 5, 100, 127] (int8), scale=0.5, zero_point=5",
        ),
        Case(
            (rng.integers(-128, 128, (200, 28, 28)).astype(np.int8), 1 / 255, -128),
            "200 int8 images (200, 28, 28), scale=1/255, zero_point=-128 (back to"
            " [0, 1])",
        ),
    ]


_WRAPS = (
    "q − zero_point is computed in int8 and wraps round: 100 − (−128) = 228 does not"
    " fit in int8 (it becomes −28). Convert first, to a type with room:"
    " q.astype(np.int32) − zero_point (or q.astype(np.float32) − zero_point)."
)

q3 = Exercise(
    "ch08.q3",
    "dequantize",
    dequantize,
    _q3_cases,
    (
        "Undo quantize: subtract the zero point (that gives the number of steps from"
        " 0.0), then multiply by the size of a step, the scale. Mind int8: arithmetic"
        " on int8 values stays int8 and wraps round beyond 127.",
        "((q.astype(np.int32) − zero_point) * scale).astype(np.float32): convert"
        " BEFORE subtracting (q − zero_point in int8 overflows), and return float32.",
    ),
    nudges=(
        Nudge(
            lambda q, scale, zero_point: ((q - zero_point) * scale).astype(np.float32),
            _WRAPS,
        ),
        Nudge(
            lambda q, scale, zero_point: (q - zero_point) * scale,
            _WRAPS,
        ),
        Nudge(
            lambda q, scale, zero_point: (
                (q.astype(np.int32) + zero_point) * scale
            ).astype(np.float32),
            "SUBTRACT the zero point: x = (q − zero_point) · scale (quantizing added"
            " it; dequantizing takes it away).",
        ),
        Nudge(
            lambda q, scale, zero_point: (
                (q.astype(np.int32) - zero_point) / scale
            ).astype(np.float32),
            "multiply by the scale: it is the size of one step, and q − zero_point is a"
            " number of steps.",
        ),
        Nudge(
            lambda q, scale, zero_point: (q.astype(np.int32) * scale).astype(
                np.float32
            ),
            "subtract the zero point before scaling: the integer zero_point stands for"
            " 0.0, so x = (q − zero_point) · scale.",
        ),
        Nudge(
            lambda q, scale, zero_point: (
                q.astype(np.float32) * scale - zero_point
            ).astype(np.float32),
            "subtract the zero point BEFORE multiplying by the scale: q − zero_point is"
            " a number of steps, and x = (q − zero_point) · scale (q · scale −"
            " zero_point mixes steps with real values).",
        ),
        Nudge(
            lambda q, scale, zero_point: (
                (q.astype(np.uint8).astype(np.int32) - zero_point) * scale
            ).astype(np.float32),
            "q holds int8 values (−128…127): use them as they are. Converting to uint8"
            " turns −1 into 255.",
        ),
        Nudge(
            lambda q, scale, zero_point: (q.astype(np.int32) - zero_point) * scale,
            "return float32, the dtype the model computes in: an integer (or float64)"
            " array times a Python float is float64, so finish with"
            " .astype(np.float32), or start from q.astype(np.float32).",
        ),
    ),
    dtype="exact",
)

# ------------------------------------------------------------------ q4: shard


def shard_indices(n, num_workers, worker_index):
    return np.arange(worker_index, n, num_workers)


_EVERY_KTH = (
    "tf.data's shard deals the examples out like cards: example i goes to worker"
    " i % num_workers, so a worker takes every num_workers-th example, starting at"
    " worker_index: np.arange(worker_index, n, num_workers)."
)

q4 = Exercise(
    "ch08.q4",
    "shard_indices",
    shard_indices,
    lambda: [
        Case((60_000, 2, 1), "n=60,000 (MNIST's training set), 2 workers, worker 1"),
        Case((10, 3, 0), "n=10, 3 workers, worker 0 (it gets 4 examples: 10 = 4+3+3)"),
        Case((10, 3, 2), "n=10, 3 workers, worker 2 (the last)"),
        Case(
            (10, 4, 2), "n=10, 4 workers, worker 2 (it gets 2 examples: 10 = 3+3+2+2)"
        ),
    ],
    (
        "Dataset.shard(num_workers, worker_index) deals the examples out like cards:"
        " example i goes to worker i % num_workers. Which indices does worker"
        " worker_index get? (With 10 examples and 3 workers: 4, 3 and 3.)",
        "np.arange(worker_index, n, num_workers): start at worker_index, step by"
        " num_workers, stop before n.",
    ),
    nudges=(
        Nudge(
            lambda n, k, w: np.array_split(np.arange(n), k)[w],
            "that is a contiguous block of the examples. " + _EVERY_KTH,
        ),
        Nudge(
            lambda n, k, w: np.arange(w * (n // k), (w + 1) * (n // k)),
            "that is a contiguous block of the examples. " + _EVERY_KTH,
        ),
        Nudge(
            lambda n, k, w: np.arange(w, n, k)[: n // k],
            "the first n % num_workers workers get one example more (10 examples, 3"
            " workers: 4, 3 and 3): shard drops nothing, so stop at n, not after"
            " n // num_workers examples.",
        ),
        Nudge(
            lambda n, k, w: np.arange(0, n, k),
            "use `worker_index`: worker w starts at example w (worker 0 at 0, worker 1"
            " at 1, ...), then takes every num_workers-th.",
        ),
        Nudge(
            lambda n, k, w: np.arange(w + 1, n, k),
            "worker_index counts from 0: worker w starts at example w, not w + 1.",
        ),
        Nudge(
            lambda n, k, w: np.arange(w, n - 1, k),
            "stop at n (np.arange leaves its stop out): the last example, n − 1, is"
            " someone's too.",
        ),
        Nudge(
            lambda n, k, w: np.arange(w, n + 1, k),
            "stop at n: the examples are numbered 0 to n − 1 (np.arange(start, n, step)"
            " leaves n out).",
        ),
    ),
    error_nudges=(
        (
            "cannot reshape",
            "n is not always a multiple of num_workers (10 examples, 3 workers): the"
            " first n % num_workers workers get one example more. Take every"
            " num_workers-th index: np.arange(worker_index, n, num_workers).",
        ),
        (
            "division by zero",
            "a step of 0: the step is num_workers (never 0), the start is"
            " worker_index (0 for the first worker).",
        ),
        (
            "must not be zero",
            "a step of 0: the step is num_workers (never 0), the start is"
            " worker_index (0 for the first worker).",
        ),
        (
            "step cannot be zero",
            "a step of 0: the step is num_workers (never 0), the start is"
            " worker_index (0 for the first worker).",
        ),
    ),
)

# -------------------------------------------------------- q5: all-reduce mean


def all_reduce_mean(gradients, counts):
    total = sum(counts)
    averaged = []
    for v in range(len(gradients[0])):
        weighted = sum(counts[r] * gradients[r][v] for r in range(len(counts)))
        averaged.append(weighted / total)
    return averaged


def _replica_gradients(shapes, counts, seed, spread=0.05) -> list[list[np.ndarray]]:
    """Each replica's mean gradients, float32; an empty replica's are zeros. With
    ``spread`` 1, values with two decimals, readable in a message."""
    rng = np.random.default_rng(seed)
    return [
        [
            (
                np.round(rng.normal(0.0, spread, shape), 2 if spread == 1 else 8)
                if count
                else np.zeros(shape)
            ).astype(np.float32)
            for shape in shapes
        ]
        for count in counts
    ]


_CNN = [(3, 3, 1, 32), (32,), (800, 10), (10,)]


def _q5_cases() -> list[Case]:
    small = [(3,), (2, 2)]
    return [
        Case(
            (_replica_gradients(small, [64, 64], 84, 1.0), [64, 64]),
            "2 replicas, 2 variables (shapes (3,) and (2, 2)), counts=[64, 64]",
        ),
        Case(
            (_replica_gradients(small, [64, 36], 85, 1.0), [64, 36]),
            "2 replicas, counts=[64, 36] (the epoch's last, partial batch)",
        ),
        Case(
            (_replica_gradients(small, [32, 32, 32, 0], 86, 1.0), [32, 32, 32, 0]),
            "4 replicas, counts=[32, 32, 32, 0] (replica 3 got no examples: its"
            " gradients are zeros)",
        ),
        Case(
            (_replica_gradients(_CNN, [128, 96], 83), [128, 96]),
            "a CNN's 4 float32 gradients, shapes (3, 3, 1, 32), (32,), (800, 10),"
            " (10,), from 2 replicas, counts=[128, 96]",
        ),
    ]


def _per_variable(combine):
    """``combine(arrays, counts)`` for each variable, over the replicas."""
    return lambda gradients, counts: [
        combine([replica[v] for replica in gradients], counts)
        for v in range(len(gradients[0]))
    ]


def _weighted_sum(arrays, counts):
    return sum(c * a for c, a in zip(counts, arrays, strict=True))


_PLAIN_MEAN = (
    "each replica's gradient is a mean over ITS OWN counts[r] examples: weight it by"
    " counts[r] and divide by sum(counts). A plain mean of the replicas' means is right"
    " only when every replica had as many examples (the last batch of an epoch splits"
    " unevenly, and an empty replica's zeros must not count)."
)


def _q5_judge(cases: list[Case], values: list) -> Result | None:
    """The core's comparison, after a word on the form: one array per variable, in
    its variable's shape; then, the values right, that they are float arrays."""
    for case, got in zip(cases, values, strict=True):
        expected = q5._expected(case)
        if isinstance(got, (list, tuple)) and len(got) == len(expected):
            shapes = [
                (v, np.shape(g), e.shape)
                for v, (g, e) in enumerate(zip(got, expected, strict=True))
                if np.shape(g) != e.shape
            ]
            if shapes:
                v, shape, right = shapes[0]
                return Result(
                    False,
                    f"On {case.label}, your array for variable {v} has shape {shape},"
                    f" expected {right}, the shape of that variable's gradients:"
                    " combine gradients[r][v] ACROSS the replicas r (stacked, that is"
                    " axis 0), not along one of the variable's own axes.",
                )
        problem = q5.compare(case, got)
        if problem:
            return Result(False, problem + q5._how_many_right(cases, values))
    for case, got in zip(cases, values, strict=True):
        kinds = [
            type(g).__name__ if not isinstance(g, np.ndarray) else f"dtype {g.dtype}"
            for g in got
            if not isinstance(g, np.ndarray) or g.dtype.kind != "f"
        ]
        if kinds:
            return Result(
                False,
                f"On {case.label}, your values are right, but one of them is a"
                f" {kinds[0]}: return a list of NumPy float arrays (float32, like the"
                " gradients, or float64), one per variable.",
            )
    return None


q5 = Exercise(
    "ch08.q5",
    "all_reduce_mean",
    all_reduce_mean,
    _q5_cases,
    (
        "gradients[r][v] is replica r's mean gradient for variable v, over its"
        " counts[r] examples. The mean over ALL the examples weights each replica by"
        " its number of examples: a mean over 64 examples counts 64 times, an empty"
        " replica not at all. Do it for each variable.",
        "For each variable v: sum(counts[r] * gradients[r][v] for every replica r) /"
        " sum(counts); return the list of those arrays, one per variable, in order.",
    ),
    nudges=(
        Nudge(
            _per_variable(lambda arrays, counts: np.mean(arrays, axis=0)),
            _PLAIN_MEAN,
        ),
        Nudge(
            _per_variable(lambda arrays, counts: sum(arrays)),
            "you added up the replicas' mean gradients without their counts: weight"
            " each by counts[r] and divide by sum(counts).",
        ),
        Nudge(
            _per_variable(_weighted_sum),
            "divide the weighted sum by the total number of examples, sum(counts):"
            " the result is a mean gradient, on the same scale as each replica's.",
        ),
        Nudge(
            _per_variable(lambda a, c: _weighted_sum(a, c) / len(c)),
            "divide by the total number of examples, sum(counts), not by the number of"
            " replicas.",
        ),
        Nudge(
            _per_variable(lambda a, c: _weighted_sum(a, c) / sum(c) / len(c)),
            "divide by sum(counts) once: counts[r] / sum(counts) are already the"
            " weights, and they add up to 1.",
        ),
        Nudge(
            _per_variable(
                lambda a, c: np.mean([x for x, n in zip(a, c, strict=True) if n], 0)
            ),
            "leaving the empty replica out is right, but the others must still be"
            " weighted by their counts: " + _PLAIN_MEAN,
        ),
        Nudge(
            lambda gradients, counts: all_reduce_mean(gradients, counts)[0],
            "return a list with one averaged array per variable (as many as"
            " gradients[0] has), not only the first variable's.",
        ),
        Nudge(
            lambda gradients, counts: np.concatenate(
                [a.ravel() for a in all_reduce_mean(gradients, counts)]
            ),
            "return a list of arrays, one per variable, each in its variable's shape,"
            " not all of them flattened into one array.",
        ),
    ),
    error_nudges=(
        (
            "inhomogeneous",
            "gradients is a list (one per replica) of lists (one per variable) of"
            " arrays of different shapes, which NumPy cannot stack into one array."
            " Loop over the variables: for v in range(len(gradients[0])), combine"
            " gradients[r][v] over the replicas r.",
        ),
        (
            "could not be broadcast",
            "arrays of different shapes met: only the same variable's gradients from"
            " different replicas can be added (gradients[0][v], gradients[1][v], ...);"
            " the variables of one replica have different shapes.",
        ),
    ),
    judge=_q5_judge,
)

chapter = Chapter(
    "08_deploy_and_scale", [q1, q2, q3, q4, q5], setup="import numpy as np"
)
