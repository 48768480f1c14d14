"""Chapter 2 — Dense baseline: softmax, cross-entropy, a dense layer, parameters,
shifts."""

from __future__ import annotations

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, error_shapes

# ------------------------------------------------------------------ q1: softmax


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=1, keepdims=True)


def _q1_cases() -> list[Case]:
    rng = np.random.default_rng(
        201
    )  # this exercise's own inputs, the same on every call
    return [
        Case((np.array([[1.0, 2.0, 3.0]]),), "the logits [[1, 2, 3]] (a batch of one)"),
        Case((rng.normal(0, 3, (4, 10)),), "a batch of 4 random rows of 10 logits"),
        Case(
            (np.array([[2.0, 2.0, 2.0, 2.0, 2.0]]),),
            "five equal logits (every class equally likely)",
        ),
        Case((rng.normal(0, 1, (3, 5)),), "3 rows of 5 logits"),
        Case(
            (np.array([[1000.0, 0.0, -1000.0], [-5.0, 10.0, 0.0]]),),
            "very large logits [[1000, 0, -1000], [-5, 10, 0]]",
        ),
        Case(
            (np.array([[-1000.0, -1000.0, -999.0]]),),
            "very negative logits [[-1000, -1000, -999]]",
        ),
        Case(
            (np.array([[0.5, 1.5]], np.float32),),
            "float32 logits [[0.5, 1.5]] (two classes)",
        ),
    ]


q1 = Exercise(
    "ch02.q1",
    "softmax",
    softmax,
    _q1_cases,
    (
        (
            "Each row holds one image's logits: exponentiate them and divide by the"
            " row's total, so that each row sums to 1. Very large (or very negative)"
            " logits need care."
        ),
        (
            "Subtract each row's maximum first (logits.max(axis=1, keepdims=True)): it"
            " does not change the result, but np.exp can no longer overflow. Then"
            " divide the exponentials by their row sums (axis=1, keepdims=True)."
        ),
    ),
    nudges=(
        Nudge(
            lambda z: (
                np.exp(z - z.max(axis=1, keepdims=True))
                / np.exp(z).sum(axis=1, keepdims=True)
            ),
            "subtract the row's maximum in the denominator too: exp(z - max) over the"
            " sum of exp(z - max). Shifted only on top, the rows no longer add up to 1"
            " (they are divided by exp(max)).",
        ),
        Nudge(
            lambda z: (
                np.exp(np.clip(z, -500, 500))
                / np.exp(np.clip(z, -500, 500)).sum(axis=1, keepdims=True)
            ),
            "clipping the logits changes them: logits beyond the clip all become equal,"
            " and so do their probabilities. Subtract each row's maximum instead"
            " (softmax(z) = softmax(z - max)): the largest exponent is then exp(0) = 1"
            " and nothing overflows.",
        ),
        Nudge(
            lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
            "np.exp(1000) overflows to inf. Subtract each row's maximum before np.exp;"
            " the result does not change.",
        ),
        Nudge(
            lambda z: (
                np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0, keepdims=True)
            ),
            "normalize each row (one image), not each column: sum with axis=1.",
        ),
        Nudge(
            lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
            "each row must sum to 1: divide by the row sums (axis=1, keepdims=True),"
            " not the sum of the whole array.",
        ),
        Nudge(
            lambda z: (
                z
                - z.max(axis=1, keepdims=True)
                - np.log(
                    np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)
                )
            ),
            "that is the LOG-softmax (the log of the probabilities): take np.exp of it,"
            " or divide exp(z - max) by its row sum, to return probabilities.",
        ),
        Nudge(
            lambda z: 1.0 / (1.0 + np.exp(-z)),
            "that is the sigmoid 1 / (1 + exp(-z)), which squashes each logit on its"
            " own, so a row does not add up to 1. A softmax divides each exponential"
            " by its ROW's total: exp(z - max) / exp(z - max).sum(axis=1,"
            " keepdims=True).",
        ),
    ),
    forbidden=("scipy.special",),
)

# ------------------------------------------------------------ q2: cross-entropy

EPSILON = 1e-7  # what Keras clips probabilities to, so that log(0) never happens


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    rows = np.arange(len(labels))
    p_true = np.clip(probabilities[rows, labels], EPSILON, 1.0)
    return float(-np.mean(np.log(p_true)))


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(
        202
    )  # this exercise's own inputs, the same on every call
    random = softmax(rng.normal(0, 2, (6, 10)))
    return [
        Case(
            (np.array([[0.1, 0.7, 0.2]]), np.array([1])),
            "probabilities [[0.1, 0.7, 0.2]] with label 1 (a batch of one)",
        ),
        Case(
            (random, np.array([3, 0, 9, 9, 1, 5])), "6 random rows of 10 probabilities"
        ),
        Case(
            (np.array([[0.25, 0.25, 0.5], [0.9, 0.05, 0.05]]), np.array([2, 0])),
            "two rows with labels [2, 0]",
        ),
        Case(
            (np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([0, 1])),
            "a true class with probability exactly 0",
        ),
        # where clipping and adding epsilon differ: p below 1e-7 is raised to 1e-7,
        # p above it is left as it is (log(p + 1e-7) shifts both)
        Case(
            (
                np.array(
                    [
                        [1e-8, 0.6, 0.4 - 1e-8],
                        [0.3, 0.7 - 3e-7, 3e-7],
                        [0.5 - 1e-6, 1e-6, 0.5],
                    ]
                ),
                np.array([0, 2, 1]),
            ),
            "true classes given tiny probabilities (1e-8, 3e-7 and 1e-6)",
        ),
    ]


def _binary_cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The mistake: -log p for the true class plus -log(1 - p) for each other one."""
    p = np.clip(probabilities, EPSILON, 1 - EPSILON)
    onehot = np.eye(p.shape[1])[labels]
    both = onehot * np.log(p) + (1 - onehot) * np.log(1 - p)
    return float(-np.mean(both.sum(axis=1)))


def _q2_broadcast_advice(message: str) -> str | None:
    """Labels (N,) multiplied by (N, classes) probabilities, as if they were one-hot
    rows; or a one-hot matrix (N, k) built for another number of classes than the
    probabilities' (np.eye(10) on a 3-class case). Else the generic advice."""
    shapes = error_shapes(message)
    if len(shapes) != 2:
        return None
    if sorted(len(shape) for shape in shapes) == [1, 2]:
        return (
            "`labels` holds one class number per row, shape (N,), not one-hot rows (N,"
            " classes): multiplying it by the probabilities cannot work. Take each"
            " row's probability of its label with"
            " probabilities[np.arange(len(labels)), labels]."
        )
    (rows, first), (other_rows, second) = (
        shape if len(shape) == 2 else (None, None) for shape in shapes
    )
    if rows is not None and rows == other_rows and first != second:
        named = (
            " One of them has 10, MNIST's number of classes: if your code writes that"
            " 10 (np.eye(10)), take the number of classes from the data instead, so"
            " that any number works."
            if 10 in (first, second)
            else ""
        )
        return (
            f"your one-hot rows and the probabilities do not have the same number of"
            f" columns ({first} and {second}): a one-hot row has one column per class,"
            f" as many as the probabilities have, probabilities.shape[1].{named} (Or"
            " skip the one-hot matrix: probabilities[np.arange(len(labels)), labels]"
            " picks each row's probability of its label.)"
        )
    return None


q2 = Exercise(
    "ch02.q2",
    "cross_entropy",
    cross_entropy,
    _q2_cases,
    (
        (
            "For each row, only the probability given to the TRUE class matters. The"
            " loss is the average of -log of it."
        ),
        (
            "Pick them with probabilities[np.arange(len(labels)), labels]; clip to at"
            " least 1e-7 (log(0) is -inf), take -np.log (the natural log), and average"
            " over the batch."
        ),
    ),
    error_nudges=(
        (
            "out of bounds for axis 0",
            (
                "probabilities[labels] picks whole ROWS (one per label value): take"
                " each row's true-class entry with"
                " probabilities[np.arange(len(labels)), labels]."
            ),
        ),
        ("could not be broadcast", _q2_broadcast_advice),
    ),
    nudges=(
        Nudge(
            _binary_cross_entropy,
            "you also added log(1 - p) for every WRONG class: that is binary"
            " cross-entropy (one yes/no question per output, Keras'"
            " binary_crossentropy). With a softmax the classes already share the"
            " probability, so the loss is only -log(p of the true class), averaged over"
            " the images.",
        ),
        Nudge(
            lambda p, y: float(-np.mean(np.log(np.clip(p.max(axis=1), EPSILON, 1.0)))),
            "the loss uses the probability of the TRUE class,"
            " probabilities[np.arange(len(labels)), labels], not the largest one (that"
            " is the predicted class).",
        ),
        Nudge(
            lambda p, y: cross_entropy(p, y) * len(y) / p.shape[1],
            "average over the images of the batch: divide the sum by the number of"
            " rows, len(labels), not by the number of classes"
            " (probabilities.shape[1]).",
        ),
        Nudge(
            lambda p, y: float(-np.mean(np.log(np.clip(p[:, y], EPSILON, 1.0)))),
            "probabilities[:, labels] is an N×N block (every row with every label);"
            " pair row i with labels[i]: probabilities[np.arange(len(labels)),"
            " labels].",
        ),
        Nudge(
            lambda p, y: float(
                -np.mean(np.log2(np.clip(p[np.arange(len(y)), y], EPSILON, 1)))
            ),
            "use the natural logarithm np.log (base e), as Keras does, not np.log2.",
        ),
        Nudge(
            lambda p, y: float(
                -np.mean(np.log10(np.clip(p[np.arange(len(y)), y], EPSILON, 1)))
            ),
            "use the natural logarithm np.log (base e), as Keras does, not np.log10.",
        ),
        Nudge(
            lambda p, y: float(
                -np.sum(np.log(np.clip(p[np.arange(len(y)), y], EPSILON, 1)))
            ),
            "average over the batch (np.mean), don't sum: the loss should not grow with"
            " the batch size.",
        ),
        Nudge(
            lambda p, y: float(
                np.mean(np.log(np.clip(p[np.arange(len(y)), y], EPSILON, 1)))
            ),
            "the loss is the NEGATIVE log-probability: it must be ≥ 0, and 0 only for a"
            " perfect prediction.",
        ),
        Nudge(
            lambda p, y: float(-np.mean(np.log(p[np.arange(len(y)), y]))),
            "a probability of 0 gives log(0) = -inf. Clip the probabilities to at least"
            " 1e-7 first, as Keras does.",
        ),
        Nudge(
            lambda p, y: float(
                -np.mean(
                    np.log(
                        np.where(
                            p[np.arange(len(y)), y] == 0,
                            EPSILON,
                            p[np.arange(len(y)), y],
                        )
                    )
                )
            ),
            "you replace only a probability of exactly 0: a probability BELOW 1e-7,"
            " such as 1e-8, must be raised to 1e-7 as well (the text clips, as Keras"
            " does), while the ones above it stay as they are. np.clip(p, 1e-7, 1) or"
            " np.maximum(p, 1e-7) does both, where a test for p == 0 catches only 0.",
        ),
        Nudge(
            lambda p, y: float(-np.mean(np.log(p[np.arange(len(y)), y] + EPSILON))),
            "clip the probabilities, don't add epsilon: np.clip(p, 1e-7, 1) (or"
            " np.maximum(p, 1e-7)) raises only a probability below 1e-7 to 1e-7 and"
            " leaves the others as they are, as the text (and Keras) does; log(p +"
            " 1e-7) changes every small probability (1e-6 becomes 1.1e-6).",
        ),
        Nudge(
            lambda p, y: float(-np.mean(np.log(np.clip(p, EPSILON, 1)))),
            "only the probability of the TRUE class counts:"
            " probabilities[np.arange(len(labels)), labels].",
        ),
        *(
            Nudge(
                lambda p, y, low=low: float(
                    -np.mean(np.log(np.clip(p[np.arange(len(y)), y], low, 1)))
                ),
                "clip the probabilities to at least 1e-7, the value the text (and"
                f" Keras) uses, not {low:g}: a true class given probability 0 then"
                f" costs -log(1e-7) ≈ 16.1, not -log({low:g}) ≈ {-np.log(low):.1f}.",
            )
            for low in (1e-15, 1e-12, 1e-10, 1e-8, 1e-6)
        ),
        Nudge(
            lambda p, y: float(
                -np.mean(np.eye(p.shape[1])[y] * np.log(np.clip(p, EPSILON, 1.0)))
            ),
            "with a one-hot matrix, np.mean averages over all N × classes entries, so"
            " the loss is divided by the number of classes too: sum over the classes of"
            " each row, then average over the rows.",
        ),
        Nudge(
            lambda p, y: float(
                -np.log(np.clip(np.mean(p[np.arange(len(y)), y]), EPSILON, 1.0))
            ),
            "the loss is the MEAN of the -log probabilities, not -log of the mean"
            " probability: take the log of each example's probability first, then"
            " average.",
        ),
    ),
    forbidden=("scipy.special", "sklearn.metrics"),
)

# ------------------------------------------------------------- q3: dense layer


def dense_relu(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, x @ weights + bias)


def _q3_cases() -> list[Case]:
    rng = np.random.default_rng(
        203
    )  # this exercise's own inputs, the same on every call
    return [
        Case(
            (
                np.array([[1.0, -2.0]]),
                np.array([[1.0, 0.5, -1.0], [2.0, -1.0, 0.0]]),
                np.array([0.5, 0.0, -0.5]),
            ),
            "one input [1, -2], 2 → 3 units",
        ),
        Case(
            (rng.normal(0, 1, (5, 4)), rng.normal(0, 1, (4, 3)), rng.normal(0, 1, 3)),
            "a batch of 5 inputs, 4 → 3 units",
        ),
        Case(
            (
                rng.normal(0, 1, (2, 784)),
                rng.normal(0, 0.05, (784, 16)),
                np.full(16, 0.1),
            ),
            "2 flattened images, 784 → 16 units",
        ),
        Case(
            (np.ones((1, 3)), np.zeros((3, 2)), np.array([-1.0, 2.0])),
            "zero weights and bias [-1, 2]",
        ),
        Case(
            (np.array([[2.0], [-3.0], [0.5]]), np.array([[1.5]]), np.array([0.0])),
            "3 inputs of size 1, 1 → 1 unit",
        ),
        Case(
            (np.array([[4.0, 3.0]]), np.array([[2.0, -1.0], [1.5, 0.5]]), np.ones(2)),
            "input [4, 3], 2 → 2 units, outputs as large as 13.5 (a ReLU has no cap)",
        ),
    ]


q3 = Exercise(
    "ch02.q3",
    "dense_relu",
    dense_relu,
    _q3_cases,
    (
        (
            "Each unit takes a weighted sum of the inputs plus its bias, then ReLU"
            " keeps the positive part."
        ),
        (
            "x @ weights + bias does every unit for every input at once (x has one row"
            " per input, weights one column per unit); then np.maximum(0, ...)."
        ),
    ),
    nudges=(
        Nudge(
            lambda x, w, b: x @ w + b,
            "don't forget the activation: ReLU sets every negative value to 0"
            " (np.maximum(0, ...)).",
        ),
        Nudge(
            lambda x, w, b: np.maximum(0.0, x @ w),
            "add the bias after the matrix product.",
        ),
        Nudge(
            lambda x, w, b: np.maximum(0.0, x @ w) + b,
            "add the bias BEFORE the ReLU: relu(x @ w + b).",
        ),
        Nudge(
            lambda x, w, b: np.max(x @ w + b, axis=0),
            "np.max(z, 0) reads the 0 as an AXIS: it returns the largest value of each"
            " column (one number per unit, for the whole batch), not max(0, z) for"
            " every value. The ReLU is the element-wise maximum, np.maximum(0, z),"
            " which keeps z's shape.",
        ),
    ),
    error_nudges=(
        (
            "could not be broadcast together with shapes",
            (
                "x @ weights has shape (batch, units) and bias shape (units,): add the"
                " bias as it is, it adds to every row (don't reshape it into a column)."
            ),
        ),
        (
            "only integer scalar arrays",
            (
                "np.max(0, z) reads z as an AXIS (np.max takes the largest value along "
                "an axis); the element-wise maximum of 0 and z is np.maximum(0, z)."
            ),
        ),
        (
            "mismatch in its core dimension",
            (
                "here `x` is (N, inputs) and `weights` is (inputs, units), as Keras"
                " stores them: x @ weights, with no transpose (PyTorch stores the other"
                " way round)."
            ),
        ),
    ),
)

# ------------------------------------------------------ q4: counting parameters


def count_parameters(layer_sizes: list[int]) -> int:
    return sum(
        n_in * n_out + n_out
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    )


q4 = Exercise(
    "ch02.q4",
    "count_parameters",
    count_parameters,
    lambda: [
        Case(([784, 10],), "[784, 10] (softmax regression)"),
        Case(([2, 3],), "[2, 3]"),
        Case(([784, 256, 10],), "[784, 256, 10] (one hidden layer)"),
        Case(([784, 128, 64, 10],), "[784, 128, 64, 10] (two hidden layers)"),
        Case(([5],), "[5] (an input and no layer at all)"),
        Case(([3, 1, 7],), "[3, 1, 7] (a 1-unit bottleneck)"),
    ],
    (
        (
            "Each dense layer from n_in to n_out units has an n_in × n_out weight"
            " matrix and one bias per output unit."
        ),
        (
            "Pair consecutive sizes with zip(layer_sizes[:-1], layer_sizes[1:]) and add"
            " n_in * n_out + n_out for each pair."
        ),
    ),
    nudges=(
        Nudge(
            lambda sizes: (
                sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
                + len(sizes)
                - 1
            ),
            "a layer has one bias per OUTPUT UNIT, not one per layer: a 784 → 10 layer"
            " has 10 biases. Add n_out for each layer, not 1.",
        ),
        Nudge(
            lambda ls: (
                count_parameters(ls) + ls[0] if len(ls) > 1 else ls[0] if ls else 0
            ),
            "the input layer has no biases: only the units of the layers after it get"
            " one, n_in * n_out + n_out per pair of layers.",
        ),
        Nudge(
            lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)),
            "each unit also has a bias: n_in * n_out + n_out per layer.",
        ),
        Nudge(
            lambda s: count_parameters(s) - (s[-1] if len(s) > 1 else 0),
            "each layer has one bias per output unit, the OUTPUT layer's biases too:"
            " your total is short by exactly layer_sizes[-1], the last layer's biases."
            " Add n_in * n_out + n_out for every pair of consecutive sizes, the last"
            " pair included.",
        ),
        Nudge(
            lambda s: count_parameters(s) - (s[1] if len(s) > 1 else 0),
            "each layer has one bias per output unit, the FIRST layer's biases too:"
            " your total is short by exactly layer_sizes[1], the first layer's biases."
            " Add n_in * n_out + n_out for every pair of consecutive sizes, the first"
            " pair included.",
        ),
        Nudge(
            lambda s: sum(
                (a + 1) * (b + 1) for a, b in zip(s[:-1], s[1:], strict=True)
            ),
            "a bias is one extra weight per OUTPUT unit, not an extra unit on both"
            " sides: n_in * n_out + n_out per layer, not (n_in + 1) * (n_out + 1).",
        ),
        Nudge(
            lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:], strict=True)),
            "there is one bias per OUTPUT unit: n_in * n_out + n_out.",
        ),
        *(
            Nudge(
                lambda s, part=part: sum(
                    a * b + b for a, b in zip(s, part(s), strict=False)
                ),
                f"zip(layer_sizes, {name}) pairs each size with ITSELF (the first"
                " pair is 784 and 784 for [784, 10]): zip walks both lists from"
                " their start, in step. A layer goes from one size to the NEXT one,"
                " so the second list must start one later than the first:"
                " zip(layer_sizes[:-1], layer_sizes[1:]).",
            )
            for part, name in (
                (lambda s: s[:-1], "layer_sizes[:-1]"),
                (lambda s: s, "layer_sizes"),
            )
        ),
        Nudge(
            lambda s: (s[-2] * s[-1] + s[-1]) if len(s) > 1 else 0,
            "only the last layer is counted: add each layer's count to the total (total"
            " += ...), don't replace it.",
        ),
        Nudge(
            lambda s: np.sum([a * b + b for a, b in zip(s[:-1], s[1:], strict=True)]),
            "np.sum of an empty list (no layer at all) is the float 0.0: use Python's"
            " sum(...), or int(np.sum(...)).",
        ),
    ),
    error_nudges=(
        (
            "list index out of range",
            "an index goes past the end of `layer_sizes`: L sizes make only L - 1"
            " layers (pairs of neighbours), so the last size has no next one. Loop"
            " over range(len(layer_sizes) - 1), or over the pairs themselves,"
            " zip(layer_sizes[:-1], layer_sizes[1:]).",
        ),
        (
            "values to unpack",
            "layer_sizes can have any length (two sizes for softmax regression, more"
            " for more hidden layers): don't unpack a fixed number of sizes. Loop over"
            " the pairs of consecutive sizes, zip(layer_sizes[:-1], layer_sizes[1:]):"
            " each pair (n_in, n_out) adds n_in * n_out weights and n_out biases.",
        ),
    ),
)

# -------------------------------------------------------- q5: shifting images


def shift_images(images: np.ndarray, dx: int, dy: int) -> np.ndarray:
    height, width = images.shape[1:]
    shifted = np.zeros_like(images)
    if abs(dx) >= width or abs(dy) >= height:
        return shifted
    rows_to, rows_from = (
        slice(max(dy, 0), height + min(dy, 0)),
        slice(max(-dy, 0), height - max(dy, 0)),
    )
    cols_to, cols_from = (
        slice(max(dx, 0), width + min(dx, 0)),
        slice(max(-dx, 0), width - max(dx, 0)),
    )
    shifted[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return shifted


def _rolled(images, dx, dy, rows=True, columns=True):
    """np.roll, then the wrapped rows and/or columns set to 0 (the mistakes: one of them
    forgotten)."""
    out = np.roll(images, (dy, dx), axis=(1, 2))
    if rows and dy:
        if dy > 0:
            out[:, :dy] = 0
        else:
            out[:, dy:] = 0
    if columns and dx:
        if dx > 0:
            out[:, :, :dx] = 0
        else:
            out[:, :, dx:] = 0
    return out


def _edge_filled(images, dx, dy):
    """The shift with the entering pixels copied from the nearest edge (np.pad's
    mode='edge'), instead of 0."""
    height, width = images.shape[1:]
    padded = np.pad(
        images, ((0, 0), (abs(dy), abs(dy)), (abs(dx), abs(dx))), mode="edge"
    )
    top, left = abs(dy) - dy, abs(dx) - dx
    return padded[:, top : top + height, left : left + width]


def _kept_uncovered(images, dx, dy):
    """The shift made in a copy of the images: the strip the shift uncovers keeps its
    old pixels. A shift as large as the image copies nothing, so this mistake says
    nothing about it (raises: not judged there)."""
    height, width = images.shape[1:]
    if abs(dx) >= width or abs(dy) >= height:
        raise ValueError("nothing of the image stays inside")
    inside = shift_images(np.ones_like(images), dx, dy).astype(bool)
    return np.where(inside, shift_images(images, dx, dy), images)


def _q5_cases() -> list[Case]:
    rng = np.random.default_rng(
        205
    )  # this exercise's own inputs, the same on every call
    small = np.arange(1, 13, dtype=np.uint8).reshape(1, 3, 4)
    return [
        Case((small, 1, 0), "a 3×4 image shifted right by 1 (dx=1, dy=0)"),
        Case((small, 0, -1), "a 3×4 image shifted up by 1 (dx=0, dy=-1)"),
        Case(
            (rng.integers(0, 256, (2, 5, 5), dtype=np.uint8), -2, 2),
            "two 5×5 images, dx=-2, dy=2",
        ),
        Case((small, 0, 0), "no shift at all"),
        Case((small, 5, 0), "a shift wider than the image (dx=5 on width 4)"),
        Case(
            (rng.random((3, 3, 5)).astype(np.float32), -1, 1),
            "three float32 3×5 images (odd sizes), dx=-1, dy=1",
        ),
        Case((small, 0, -4), "a shift taller than the image (dy=-4 on height 3)"),
    ]


q5 = Exercise(
    "ch02.q5",
    "shift_images",
    shift_images,
    _q5_cases,
    (
        (
            "Build a new, all-zero batch of the same shape and dtype, and copy the part"
            " of each image that stays inside the frame to its new place. Pixels that"
            " enter the frame are 0 (nothing wraps around)."
        ),
        (
            "Start from np.zeros_like(images) and copy a slice into a slice. For dx > 0"
            " the columns 0..W-dx-1 land on dx..W-1; for dx < 0 the other way round."
            " Rows (dy, positive = down) work the same."
        ),
    ),
    nudges=(
        Nudge(
            lambda x, dx, dy: _rolled(x, dx, dy, rows=False),
            "np.roll wraps the ROWS around too: blank the rows that wrapped (the first"
            " dy rows when dy > 0, the last -dy rows when dy < 0), as you did for the"
            " columns.",
        ),
        Nudge(
            lambda x, dx, dy: _rolled(x, dx, dy, columns=False),
            "np.roll wraps the COLUMNS around too: blank the columns that wrapped (the"
            " first dx columns when dx > 0, the last -dx columns when dx < 0), as you"
            " did for the rows.",
        ),
        Nudge(
            lambda x, dx, dy: np.roll(x, (dy, dx), axis=(1, 2)),
            "np.roll wraps around: what leaves on the right comes back on the left."
            " Fill the uncovered pixels with 0.",
        ),
        Nudge(
            lambda x, dx, dy: shift_images(x, dy, dx),
            "dx moves along the columns (axis 2), dy along the rows (axis 1).",
        ),
        Nudge(
            lambda x, dx, dy: shift_images(x, -dx, -dy),
            "positive dx moves the digit to the RIGHT, positive dy moves it DOWN.",
        ),
        Nudge(
            lambda x, dx, dy: shift_images(x, -dx, dy),
            "positive dx moves the digit to the RIGHT (towards larger column numbers),"
            " negative dx to the left: your shifts go the other way along x (your rows"
            " are right). For dx > 0 the columns 0..W-dx-1 land on dx..W-1.",
        ),
        Nudge(
            lambda x, dx, dy: shift_images(x, dx, -dy),
            "positive dy moves the digit DOWN: in an image, row numbers grow downwards"
            " (unlike a plot's y axis).",
        ),
        Nudge(
            _kept_uncovered,
            "the pixels that enter the image keep their OLD values: you start from a"
            " copy of the images, and the strip the shift uncovers (the first dx"
            " columns for dx > 0, the last rows for dy < 0...) is never written. Those"
            " pixels must be 0: start from np.zeros_like(images) and copy the part that"
            " stays inside into it.",
        ),
        Nudge(
            _edge_filled,
            "the pixels that enter the image must be 0 (the black background): yours"
            " repeat the nearest edge pixel (np.pad's mode='edge'). Pad with zeros"
            " (np.pad's default, mode='constant'), or start from"
            " np.zeros_like(images) and copy the part that stays inside.",
        ),
    ),
    error_nudges=(
        (
            "too many values to unpack (expected 2)",
            (
                "`images` is a BATCH of images, shape (N, H, W), not one image:"
                " height, width = images.shape[1:], and index all the images at once,"
                " images[:, rows, cols] (the batch axis first)."
            ),
        ),
        (
            "could not broadcast",
            (
                "the slice you copy from and the one you copy to have different shapes"
                " (print both). `images` is (N, H, W): index it as images[:, rows,"
                " cols], the batch axis first. A negative end x[:-d] is EMPTY when d is"
                " 0 (-0 is 0): write x[:h - d]. A shift as large as the image leaves"
                " nothing to copy: the result is all zeros."
            ),
        ),
    ),
    dtype="exact",
    forbidden=("scipy.ndimage",),
)

chapter = Chapter("02_dense_baseline", [q1, q2, q3, q4, q5])
