"""Chapter 5 — Evaluation: confusion, per-class metrics, top-k, calibration, intervals,
McNemar.

The references agree with ``tf.math.confusion_matrix``, Keras' top-k accuracy and
SciPy's ``binomtest`` (Wilson interval, exact McNemar p-value); ``tests/test_checks.py``
pins that.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, Result

_NOT_BY_HAND = ("sklearn.metrics", "mnist_course.evaluation", "statsmodels")


def _probabilities(
    rows: int, classes: int = 10, scale: float = 2.0, seed: int = 0
) -> np.ndarray:
    logits = np.random.default_rng(seed).normal(0, scale, (rows, classes))
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def _test_set_labels() -> tuple[np.ndarray, np.ndarray]:
    """MNIST-sized uint8 labels and predictions, 90 % right: cells outgrow uint8."""
    rng = np.random.default_rng(12)
    y_true = rng.integers(0, 10, 10_000).astype(np.uint8)
    wrong = rng.random(10_000) < 0.1
    y_pred = np.where(wrong, rng.integers(0, 10, 10_000), y_true).astype(np.uint8)
    return y_true, y_pred


# ------------------------------------------------------------ q1: confusion


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10
) -> np.ndarray:
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def _confusion_by_position(y_true, y_pred, num_classes=10, *, sized=False):
    """Cells numbered by each class's position among the classes that occur."""
    classes = np.unique(np.concatenate([y_true, y_pred]))
    size = len(classes) if sized else num_classes
    matrix = np.zeros((size, size), dtype=np.int64)
    rows, columns = np.searchsorted(classes, y_true), np.searchsorted(classes, y_pred)
    np.add.at(matrix, (rows, columns), 1)
    return matrix


_BY_POSITION = (
    "row t and column p are the class numbers themselves, 0 to num_classes - 1: count"
    " a pair in matrix[t, p], with the labels as they are. Numbering the classes by"
    " their place among those that occur (np.unique) moves the counts to other cells"
    " as soon as a class is missing from the data"
)

q1 = Exercise(
    "ch05.q1",
    "confusion_matrix",
    confusion_matrix,
    lambda: [
        Case(
            (np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 2, 1]), 3),
            "y_true=[0, 1, 2, 2, 1], y_pred=[0, 2, 2, 2, 1], 3 classes",
        ),
        Case(
            (np.array([1, 1, 0]), np.array([0, 0, 0]), 3),
            "a class (2) that never appears, and one (1) never predicted",
        ),
        Case(
            (
                np.random.default_rng(554).integers(0, 10, 500).astype(np.uint8),
                np.random.default_rng(555).integers(0, 10, 500).astype(np.uint8),
            ),
            "500 random uint8 labels, 10 classes",
        ),
        Case(
            _test_set_labels(),
            "10,000 uint8 labels and predictions, 90 % right (counts above 255)",
        ),
        Case((np.array([3]), np.array([7])), "a single mistake: 3 predicted as 7"),
    ],
    (
        (
            "Row t, column p counts the images whose true class is t and whose"
            " prediction is p: the diagonal holds the correct ones. Every class gets a"
            " row and a column, even one that never occurs."
        ),
        (
            "Start from np.zeros((num_classes, num_classes), dtype=int) and add 1 at"
            " [t, p] for each pair; np.add.at(matrix, (y_true, y_pred), 1) does all of"
            " them at once (matrix[y_true, y_pred] += 1 would not count repeated"
            " pairs)."
        ),
    ),
    nudges=(
        Nudge(
            lambda t, p, n=10: confusion_matrix(p, t, n),
            "rows are the TRUE classes and columns the predictions: matrix[true,"
            " predicted].",
        ),
        Nudge(
            lambda t, p, n=10: confusion_matrix(t, p, n) % 256,
            "your counts wrapped around at 256: count in a wide integer dtype"
            " (np.zeros(..., dtype=int)), not the labels' uint8.",
        ),
        Nudge(
            lambda t, p, n=10: (lambda m: (m.__setitem__((t, p), 1), m)[1])(
                np.zeros((n, n), dtype=np.int64)
            ),
            "matrix[y_true, y_pred] += 1 counts a repeated (true, predicted) pair only"
            " once: use np.add.at, or a loop.",
        ),
        Nudge(
            lambda t, p, n=10: np.histogram2d(t, p, bins=n)[0],
            "np.histogram2d spreads its bins over the data's own smallest..largest"
            " values (not 0..n-1) and counts in floats: count each (true, predicted)"
            " pair yourself, e.g. np.add.at(matrix, (y_true, y_pred), 1) on an integer"
            " matrix.",
        ),
        Nudge(
            lambda t, p, n=10: confusion_matrix(t, p, max(t.max(), p.max()) + 1),
            "the matrix is num_classes × num_classes whatever the labels hold: a class"
            " that never appears or is never predicted (the last ones, here) still"
            " gets its row and column of zeros. Size it with `num_classes`, not the"
            " largest label + 1.",
        ),
        Nudge(
            lambda t, p, n=10: np.tile(np.bincount(p, minlength=n)[:n], (n, 1)),
            "every row of your matrix is the same, the count of each PREDICTED class:"
            " [[0] * n] * n repeats ONE list n times (the n rows are the same object),"
            " so a count added to one row shows in all of them. Make n separate rows,"
            " [[0] * n for _ in range(n)], or start from np.zeros((n, n), dtype=int).",
        ),
        Nudge(_confusion_by_position, _BY_POSITION + "."),
        Nudge(
            partial(_confusion_by_position, sized=True),
            _BY_POSITION
            + "; and the matrix is num_classes × num_classes, whatever classes occur.",
        ),
    ),
    forbidden=_NOT_BY_HAND,
)

# ---------------------------------------------------- q2: precision, recall, F1


def precision_recall_f1(
    confusion: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    confusion = np.asarray(confusion, dtype=np.float64)
    correct = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(
        correct, predicted, out=np.zeros_like(correct), where=predicted > 0
    )
    recall = np.divide(correct, actual, out=np.zeros_like(correct), where=actual > 0)
    both = precision + recall
    f1 = np.divide(
        2 * precision * recall, both, out=np.zeros_like(correct), where=both > 0
    )
    return precision, recall, f1


def _scores(correct, predicted, actual):
    """Precision, recall and F1 from per-class counts (0 where a denominator is 0)."""
    zeros = np.zeros_like(correct)
    precision = np.divide(correct, predicted, out=zeros.copy(), where=predicted > 0)
    recall = np.divide(correct, actual, out=zeros.copy(), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=zeros.copy(), where=both > 0)
    return precision, recall, f1


def _tp_counted_twice(confusion, *, in_precision=True):
    """Precision (or recall) over TP + the column (row) sum, which already holds TP."""
    confusion = np.asarray(confusion, dtype=np.float64)
    correct = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    if in_precision:
        predicted = predicted + correct
    else:
        actual = actual + correct
    return _scores(correct, predicted, actual)


def _tp_as_trace(confusion):
    """Every class's TP taken as the whole diagonal, np.trace (the mistake)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    correct = np.full(len(confusion), np.trace(confusion))
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    return _scores(correct, predicted, actual)


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(
        502
    )  # this exercise's own inputs, the same on every call
    random = confusion_matrix(
        rng.integers(0, 10, 2000),
        np.where(rng.random(2000) < 0.8, rng.integers(0, 10, 2000), 3),
        10,
    )
    return [
        Case(
            (np.array([[5, 1, 0], [2, 3, 1], [0, 0, 8]]),),
            "the 3×3 matrix [[5, 1, 0], [2, 3, 1], [0, 0, 8]]",
        ),
        Case((random,), "a 10×10 matrix of 2,000 predictions"),
        Case(
            (np.array([[4, 0, 0], [1, 0, 0], [0, 0, 2]]),),
            "a class (1) that is never predicted and never right",
        ),
        Case((np.array([[3, 0], [0, 0]]),), "a class (1) that never occurs at all"),
    ]


def _q2_judge(cases: list[Case], values: list) -> Result | None:
    """The core's comparison, and a word on np.divide(..., where=...) without out=."""
    for case, got in zip(cases, values, strict=False):
        problem = q2.compare(case, got)
        if problem and isinstance(got, (tuple, list)) and len(got) == 3:
            confusion = case.args[0]
            empty = [confusion.sum(axis=0) == 0, confusion.sum(axis=1) == 0]
            try:
                where = [np.asarray(got[i], dtype=float)[empty[i]] for i in range(2)]
                nan = any(np.isnan(w).any() for w in where)
                garbage = not nan and any(np.any(w != 0) for w in where)
            except (TypeError, ValueError, IndexError):
                nan = garbage = False
            if nan:
                problem += (
                    " Hint: 0 / 0 gives nan: where a class is never predicted (or never"
                    " occurs), return 0: np.divide(a, b, out=np.zeros(len(a)), where=b"
                    " > 0), or np.where(b > 0, a / np.maximum(b, 1), 0)."
                )
            elif garbage:
                problem += (
                    " Hint: where a denominator is 0 your value is not 0: np.divide(a,"
                    " b, where=b > 0) leaves the entries it skips as whatever memory"
                    " held. Pass out=np.zeros(len(a)) too."
                )
        if problem:
            return Result(False, problem)
    return None


q2 = Exercise(
    "ch05.q2",
    "precision_recall_f1",
    precision_recall_f1,
    _q2_cases,
    (
        (
            "Precision of class c: of the images PREDICTED as c, the share that are c."
            " Recall: of the images that ARE c, the share predicted as c. F1 is their"
            " harmonic mean. A 0/0 (a class never predicted, say) counts as 0."
        ),
        (
            "correct = np.diag(confusion); precision = correct / confusion.sum(axis=0)"
            " (the columns: predictions); recall = correct / confusion.sum(axis=1) (the"
            " rows: true classes); f1 = 2 * p * r / (p + r). np.divide(a, b,"
            " out=np.zeros(len(a)), where=b > 0) turns 0/0 into 0."
        ),
    ),
    nudges=(
        Nudge(
            lambda m: (
                tuple(reversed(precision_recall_f1(m)[:2]))
                + (precision_recall_f1(m)[2],)
            ),
            "precision divides by what was PREDICTED as the class (the column sums,"
            " axis=0); recall by what truly is the class (the row sums, axis=1).",
        ),
        Nudge(
            lambda m: (
                precision_recall_f1(m)[:2]
                + ((precision_recall_f1(m)[0] + precision_recall_f1(m)[1]) / 2,)
            ),
            "F1 is the harmonic mean, 2 * p * r / (p + r), not the plain average: it is"
            " low if either one is low.",
        ),
        Nudge(
            _tp_counted_twice,
            "precision = TP / column sum: the column sum (everything predicted as c)"
            " already holds TP, the diagonal cell, so TP + column sum counts TP twice"
            " (the false positives alone are the column sum minus TP).",
        ),
        Nudge(
            partial(_tp_counted_twice, in_precision=False),
            "recall = TP / row sum: the row sum (everything that truly is c) already"
            " holds TP, the diagonal cell, so TP + row sum counts TP twice (the false"
            " negatives alone are the row sum minus TP).",
        ),
        Nudge(
            _tp_as_trace,
            "TP of class c is its own diagonal cell, np.diag(confusion)[c]; np.trace"
            " adds up the whole diagonal (every correct prediction, of every class),"
            " so a precision or a recall can even go above 1.",
        ),
    ),
    error_nudges=(
        (
            "Cannot cast ufunc 'divide' output",
            (
                "the `out` array np.divide writes into holds integers (np.zeros_like"
                " of the confusion matrix's integer counts is one), and a fraction"
                " cannot be stored in it. Make the counts floats first,"
                " confusion.astype(np.float64), or pass out=np.zeros(len(correct))."
            ),
        ),
        (
            "",
            (
                "precision_recall_f1 receives a confusion matrix (rows: true classes,"
                " columns: predictions) and returns three arrays, one value per class."
            ),
        ),
    ),
    judge=_q2_judge,
    returns=("precision", "recall", "f1"),
    forbidden=_NOT_BY_HAND,
)

# ------------------------------------------------------------------ q3: top-k


def top_k_accuracy(probabilities: np.ndarray, labels: np.ndarray, k: int) -> float:
    top = np.argsort(probabilities, axis=1)[:, -k:]
    return float(np.mean((top == np.asarray(labels)[:, None]).any(axis=1)))


q3 = Exercise(
    "ch05.q3",
    "top_k_accuracy",
    top_k_accuracy,
    lambda: [
        Case(
            (
                np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.35, 0.45]]),
                np.array([2, 2, 0]),
                2,
            ),
            "3 rows of 3 classes, k=2",
        ),
        Case(
            (
                _probabilities(200, seed=1),
                np.random.default_rng(551).integers(0, 10, 200),
                1,
            ),
            "200 rows, k=1 (the plain accuracy)",
        ),
        Case(
            (
                _probabilities(200, seed=2),
                np.random.default_rng(552).integers(0, 10, 200),
                3,
            ),
            "200 rows, k=3",
        ),
        Case(
            (
                _probabilities(50, seed=3),
                np.random.default_rng(553).integers(0, 10, 50),
                10,
            ),
            "k=10, every class (always right)",
        ),
        Case(
            (np.array([[0.05, 0.9, 0.05 - 1e-3, 1e-3]]), np.array([0]), 2),
            "a batch of one, k=2",
        ),
    ],
    (
        (
            "A prediction counts as right when the true class is among the k classes"
            " with the highest probabilities. Return the share of rows where it is (a"
            " float)."
        ),
        (
            "np.argsort(probabilities, axis=1) sorts each row's classes from least to"
            " most likely: keep the last k columns, then check whether labels[:, None]"
            " is among them (== ... .any(axis=1)); take the mean."
        ),
    ),
    nudges=(
        Nudge(
            lambda p, y, k: float(np.mean(np.argsort(p, axis=1)[:, -k] == y)),
            "[:, -k] is the k-th best class alone; the top k classes are [:, -k:] (the"
            " last k columns of the sorted order), and a label counts when it is any"
            " of them.",
        ),
        Nudge(
            lambda p, y, k: float(
                np.mean(
                    (np.argsort(p, axis=1)[::-1][:, :k] == np.asarray(y)[:, None]).any(
                        axis=1
                    )
                )
            ),
            "`[::-1]` on the argsort reverses its ROWS (the images), not each row's"
            " order: reverse the columns, np.argsort(probabilities, axis=1)[:, ::-1][:,"
            " :k], or take the last k columns [:, -k:].",
        ),
        Nudge(
            lambda p, y, k: float(
                np.mean(
                    (np.argsort(p, axis=0)[:, -k:] == np.asarray(y)[:, None]).any(
                        axis=1
                    )
                )
            ),
            "sort each ROW (axis=1): np.argsort(probabilities, axis=1). axis=0 sorts"
            " down the columns, across images.",
        ),
        Nudge(
            lambda p, y, k: float(
                np.mean((np.argsort(p, axis=1)[:, :k] == y[:, None]).any(axis=1))
            ),
            "np.argsort sorts from the SMALLEST probability up: the k most likely"
            " classes are the LAST k columns.",
        ),
        Nudge(
            lambda p, y, k: top_k_accuracy(p, y, max(1, k - 1)),
            "keep exactly k classes: [:, -k:].",
        ),
        Nudge(
            lambda p, y, k: float(
                np.sum((np.argsort(p, axis=1)[:, -k:] == y[:, None]).any(axis=1))
            ),
            "return the share of rows (a mean), not their number.",
        ),
        Nudge(
            lambda p, y, k: float(np.mean(np.isin(y, np.argsort(p, axis=1)[:, -k:]))),
            "np.isin(labels, top) asks whether each label appears ANYWHERE in the whole"
            " top-k array, in any row: compare each row with its own label, (top =="
            " labels[:, None]).any(axis=1).",
        ),
        Nudge(
            lambda p, y, k: float(
                np.mean(
                    (np.sort(p, axis=1)[:, -k:] == np.asarray(y)[:, None]).any(axis=1)
                )
            ),
            "np.sort returns the sorted probabilities themselves; you need the CLASSES"
            " they belong to: np.argsort(probabilities, axis=1)[:, -k:].",
        ),
    ),
    error_nudges=(
        (
            "kth",
            (
                "np.argpartition(probabilities, kth) needs kth < the number of classes,"
                " and it puts the k LARGEST last only with kth = -k:"
                " np.argpartition(probabilities, -k, axis=1)[:, -k:] (or"
                " np.argsort(probabilities, axis=1)[:, -k:])."
            ),
        ),
    ),
    forbidden=_NOT_BY_HAND,
)

# ------------------------------------------------------------------- q4: ECE


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, n_bins: int = 10
) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    bins = np.minimum((np.ceil(confidence * n_bins) - 1).astype(int), n_bins - 1).clip(
        0
    )  # bin i holds (i/n, (i+1)/n]
    total = 0.0
    for b in range(n_bins):
        inside = bins == b
        if inside.any():
            total += inside.mean() * abs(
                correct[inside].mean() - confidence[inside].mean()
            )
    return float(total)


def _ece_variant(
    probabilities: np.ndarray,
    labels: np.ndarray,
    n_bins: int = 10,
    *,
    true_class: bool = False,
    left_closed: bool = False,
    gap=abs,
) -> float:
    """The calibration error with one thing changed, as a mistake makes it: the true
    class's probability as the confidence, bins [b/n, (b+1)/n) instead of (b/n,
    (b+1)/n], or another ``gap`` than the absolute value."""
    confidence = (
        probabilities[np.arange(len(labels)), labels]
        if true_class
        else probabilities.max(axis=1)
    )
    correct = probabilities.argmax(axis=1) == labels
    if left_closed:
        bins = np.minimum(np.floor(confidence * n_bins).astype(int), n_bins - 1)
    else:
        bins = np.minimum(
            (np.ceil(confidence * n_bins) - 1).astype(int), n_bins - 1
        ).clip(0)
    return float(
        sum(
            (bins == b).mean()
            * gap(correct[bins == b].mean() - confidence[bins == b].mean())
            for b in range(n_bins)
            if (bins == b).any()
        )
    )


def _ece_squared(probabilities, labels, n_bins=10) -> float:
    """Each bin's gap squared (a Brier-score habit), not its absolute value."""
    return _ece_variant(probabilities, labels, n_bins, gap=np.square)


def _ece_true_class(probabilities, labels, n_bins=10) -> float:
    """The probability of the true class as the confidence."""
    return _ece_variant(probabilities, labels, n_bins, true_class=True)


def _ece_left_closed(probabilities, labels, n_bins=10) -> float:
    """Bins [b/n, (b+1)/n): the edge convention the text does not use."""
    return _ece_variant(probabilities, labels, n_bins, left_closed=True)


def _ece_mean_of_all(probabilities, labels, n_bins=10) -> float:
    """The bins' confidence as the mean of ALL the probabilities of their rows (each
    row adds up to 1, so that is 1 / classes), not of each row's largest."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    total = 0.0
    for b in range(n_bins):
        inside = (confidence > b / n_bins) & (confidence <= (b + 1) / n_bins)
        if inside.any():
            total += inside.mean() * abs(
                correct[inside].mean() - probabilities[inside].mean()
            )
    return float(total)


def _q4_cases() -> list[Case]:
    rng = np.random.default_rng(
        504
    )  # this exercise's own inputs, the same on every call
    sharp = _probabilities(300, scale=4.0, seed=4)
    labels = np.where(
        rng.random(300) < 0.7, sharp.argmax(axis=1), rng.integers(0, 10, 300)
    )
    sure = np.array(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.6, 0.3, 0.1]]
    )
    return [
        Case((sharp, labels), "300 confident predictions, 70 % of them right, 10 bins"),
        Case(
            (_probabilities(100, scale=1.0, seed=5), rng.integers(0, 10, 100), 5),
            "100 unsure predictions, 5 bins",
        ),
        Case(
            (
                _probabilities(400, scale=2.5, seed=7),
                np.random.default_rng(8).integers(0, 10, 400).astype(np.uint8),
                4,
            ),
            "400 predictions of every confidence, uint8 labels, n_bins=4",
        ),
        Case(
            (sure, np.array([0, 2, 2, 1])),
            "confidences of exactly 1.0 (they belong to the last bin)",
        ),
        Case(
            (
                np.array(
                    [
                        [0.5, 0.3, 0.2],
                        [0.55, 0.45, 0.0],
                        [0.45, 0.35, 0.2],
                        [0.9, 0.1, 0.0],
                    ]
                ),
                np.array([0, 1, 2, 0]),
            ),
            "a confidence of exactly 0.5, on a bin edge: it belongs to the bin (0.4,"
            " 0.5]",
        ),
        Case((_probabilities(1, seed=6), np.array([4])), "a single prediction"),
    ]


q4 = Exercise(
    "ch05.q4",
    "expected_calibration_error",
    expected_calibration_error,
    _q4_cases,
    (
        (
            "Sort the predictions into n_bins equal slices of confidence (the highest"
            " probability of each row): (0, 0.1], (0.1, 0.2], ... For each slice,"
            " compare the accuracy with the average confidence; ECE is the average of"
            " the gaps, weighted by the share of predictions in the slice. Skip empty"
            " slices."
        ),
        (
            "confidence = probabilities.max(axis=1); correct ="
            " probabilities.argmax(axis=1) == labels; for each bin, inside ="
            " (confidence > low) & (confidence <= high); add inside.mean() *"
            " abs(correct[inside].mean() - confidence[inside].mean())."
        ),
    ),
    nudges=(
        Nudge(
            _ece_true_class,
            "a prediction's confidence is its HIGHEST probability,"
            " probabilities.max(axis=1) (the probability of the predicted class),"
            " whatever the true label is.",
        ),
        Nudge(
            lambda p, y, n_bins=10: expected_calibration_error(p, y, n_bins - 1),
            "n_bins bins need n_bins + 1 edges: np.linspace(0, 1, n_bins + 1).",
        ),
        Nudge(
            lambda p, y, n=10: _ece_left_closed(p, y, n),
            "a confidence exactly on a bin edge belongs to the bin BELOW it: bin b"
            " holds (b/n, (b+1)/n], so use ceil(confidence · n) − 1, not"
            " floor(confidence · n).",
        ),
        Nudge(
            lambda p, y, n=10: expected_calibration_error(p, y, n) * len(y),
            "weight each bin's gap by the FRACTION of the predictions that fall in it"
            " (count / total), not by the count itself.",
        ),
        Nudge(
            lambda p, y, n=10: float(
                np.mean(
                    [
                        abs(
                            (p.argmax(1) == y)[
                                (p.max(1) > b / n) & (p.max(1) <= (b + 1) / n)
                            ].mean()
                            - p.max(1)[
                                (p.max(1) > b / n) & (p.max(1) <= (b + 1) / n)
                            ].mean()
                        )
                        for b in range(n)
                        if ((p.max(1) > b / n) & (p.max(1) <= (b + 1) / n)).any()
                    ]
                )
            ),
            "weight each bin's gap by the share of predictions in it; a plain average"
            " over bins overweights nearly empty bins.",
        ),
        Nudge(
            lambda p, y, n=10: float(abs((p.argmax(1) == y).mean() - p.max(1).mean())),
            "compare accuracy and confidence inside each bin: one overall gap hides"
            " over- and under-confidence that cancel.",
        ),
        Nudge(
            lambda p, y, n=10: _ece_signed(p, y, n),
            "take the ABSOLUTE gap in each bin, abs(accuracy - confidence): signed gaps"
            " of over- and under-confident bins cancel out (the ECE is never"
            " negative).",
        ),
        Nudge(
            _ece_mean_of_all,
            "a bin's confidence is the mean of its predictions' confidences, each"
            " row's LARGEST probability (probabilities.max(axis=1), the `confidence`"
            " you sorted the rows by). probabilities[inside].mean() averages every"
            " probability of those rows instead, and as each row adds up to 1 that is"
            " always 1 / (number of classes), 0.1 for 10 classes.",
        ),
        Nudge(
            _ece_squared,
            "weight each bin's ABSOLUTE gap, abs(accuracy - confidence), not its"
            " square: squaring (as the Brier score does) shrinks the small gaps and"
            " changes the units.",
        ),
    ),
    error_nudges=(
        (
            "too many indices for array",
            (
                "one of your masks or arrays is 2-D, shape (N, 1), where the others are"
                " 1-D: probabilities.max(axis=1) without keepdims=True gives the (N,)"
                " confidences."
            ),
        ),
    ),
    forbidden=_NOT_BY_HAND,
)

# ------------------------------------------------------------ q5: Wilson interval


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def _wald(k, n, z=1.96):
    p = k / n
    half = z * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


def _ece_signed(p: np.ndarray, y: np.ndarray, n_bins: int) -> float:
    """ECE with signed gaps (the mistake of leaving out abs)."""
    confidence, correct, total = p.max(axis=1), p.argmax(axis=1) == y, 0.0
    for b in range(n_bins):
        inside = (confidence > b / n_bins) & (confidence <= (b + 1) / n_bins)
        if inside.any():
            total += inside.mean() * (
                correct[inside].mean() - confidence[inside].mean()
            )
    return float(total)


def _wilson_from(p: float, n: int, z: float) -> tuple[float, float]:
    """Wilson's interval around an observed proportion ``p`` (a mistake may have
    computed it wrongly)."""
    d = 1 + z**2 / n
    centre, half = (
        (p + z**2 / (2 * n)) / d,
        z * math.sqrt(max(p * (1 - p) / n + z**2 / (4 * n**2), 0.0)) / d,
    )
    return centre - half, centre + half


def _wilson_around_p(successes, n, z=1.96):
    """Wilson's half-width around the observed p instead of Wilson's centre."""
    p, d = successes / n, 1 + z**2 / n
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / d
    return p - half, p + half


def _wilson_brackets(successes, n, z=1.96):
    """The mistake (p + z**2 / 2 * n) for the centre."""
    p, d = successes / n, 1 + z**2 / n
    centre, half = (
        (p + z**2 / 2 * n) / d,
        z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / d,
    )
    return centre - half, centre + half


def _wilson_unsquared(successes, n, z=1.96, *, where: str) -> tuple[float, float]:
    """Wilson's interval with z where z**2 belongs in ``where``: "d" (the denominator
    1 + z**2 / n), "c" (the centre's p + z**2 / (2n)), "r" (the z**2 / (4n**2) under
    the root)."""
    p = successes / n
    d = 1 + (z if "d" in where else z**2) / n
    centre = (p + (z if "c" in where else z**2) / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + (z if "r" in where else z**2) / (4 * n**2))
    return centre - half / d, centre + half / d


_WILSON_TERMS = {
    "d": "the denominator (d = 1 + z**2 / n)",
    "c": "the centre (p + z**2 / (2n))",
    "r": "the last term under the square root (z**2 / (4 n**2))",
}


def _unsquared_message(where: str) -> str:
    places = [_WILSON_TERMS[key] for key in "dcr" if key in where]
    listed = (
        places[0]
        if len(places) == 1
        else ", in ".join(places[:-1]) + f" and in {places[-1]}"
    )
    return (
        f"z is SQUARED in {listed}; you use z itself there. Only the factor in"
        " front of the square root is z alone (with z = 1.96, z**2 is 3.84)."
    )


q5 = Exercise(
    "ch05.q5",
    "wilson_interval",
    wilson_interval,
    lambda: [
        Case((9917, 10000), "9,917 right out of 10,000"),
        Case((5, 10), "5 out of 10"),
        Case((0, 10), "0 out of 10 (the interval still has a width)"),
        Case((10, 10), "10 out of 10"),
        Case((1, 3, 2.576), "1 out of 3 with z=2.576 (a 99 % interval)"),
    ],
    (
        (
            "The Wilson interval is the range of true accuracies for which the observed"
            " count would not be surprising. Unlike p ± z·sqrt(p(1-p)/n), it never"
            " leaves [0, 1] and stays wide when p is 0 or 1."
        ),
        (
            "p = successes / n; d = 1 + z**2 / n; centre = (p + z**2 / (2n)) / d; half"
            " = z * sqrt(p(1-p)/n + z**2 / (4 n**2)) / d; return (centre - half, centre"
            " + half)."
        ),
    ),
    nudges=(
        Nudge(
            lambda k, n, z=1.96: (
                lambda p, d: (
                    (p + z**2 / (2 * n)) / d
                    - z * math.sqrt(p * (1 - p) / (n - 1) + z**2 / (4 * n**2)) / d,
                    (p + z**2 / (2 * n)) / d
                    + z * math.sqrt(p * (1 - p) / (n - 1) + z**2 / (4 * n**2)) / d,
                )
            )(k / n, 1 + z**2 / n),
            "Wilson's formula divides p(1 - p) by n, not n - 1: the variance of a"
            " proportion has no Bessel correction (that is for a sample variance).",
        ),
        Nudge(
            lambda k, n, z=1.96: (lambda lo, hi: ((lo + hi) / 2, (hi - lo) / 2))(
                *wilson_interval(k, n, z)
            ),
            "return the interval's two ends, (centre - half, centre + half), not its"
            " centre and half-width.",
        ),
        Nudge(
            _wilson_brackets,
            "mind the brackets: z**2 / (2 * n), not z**2 / 2 * n (which multiplies by"
            " n). An interval for a proportion stays inside [0, 1].",
        ),
        Nudge(
            lambda k, n, z=1.96: _wilson_from(k // n, n, z),
            "successes // n is integer division (it gives 0 unless every prediction is"
            " right): p = successes / n.",
        ),
        Nudge(
            _wald,
            "that is the normal (Wald) interval p ± z·sqrt(p(1-p)/n): it collapses to a"
            " point at 0 or n successes. Use Wilson's formula.",
        ),
        Nudge(
            lambda k, n, z=1.96: (lambda c, h: (c - h, c + h))(
                (k / n + z**2 / (2 * n)) / (1 + z**2 / n),
                z
                * math.sqrt(k / n * (1 - k / n) / n + z**2 / (4 * n))
                / (1 + z**2 / n),
            ),
            "the last term under the square root is z**2 / (4 n**2), with n squared.",
        ),
        Nudge(
            lambda k, n, z=1.96: (lambda c, h: (c - h, c + h))(
                (k / n + z**2 / (2 * n)) / (1 + z**2 / n),
                z * math.sqrt(k / n * (1 - k / n) / n + z**2 / n) / (1 + z**2 / n),
            ),
            "the last term under the square root is z**2 / (4 * n**2), not z**2 / n"
            " (that one belongs in the denominator d = 1 + z**2 / n): with z**2 / n"
            " the interval comes out far too wide.",
        ),
        Nudge(
            lambda k, n, z=1.96: (lambda c, h: (c - h, c + h))(
                (k / n + z**2 / (2 * n)) / (1 + z**2 / n),
                z * math.sqrt(k / n * (1 - k / n) / n + z**2 / (4 * n**2)),
            ),
            "divide the half-width by d = 1 + z**2 / n too, like the centre: otherwise"
            " the interval can leave [0, 1].",
        ),
        *(
            Nudge(partial(_wilson_unsquared, where=where), _unsquared_message(where))
            for where in ("dc", "dcr", "d", "c", "r", "dr", "cr")
        ),
        Nudge(
            _wilson_around_p,
            "your interval is centred on the observed p = successes / n; Wilson's"
            " centre is pulled towards 1/2: centre = (p + z**2 / (2n)) / (1 + z**2 /"
            " n), and the interval is centre ± half.",
        ),
    ),
    forbidden=_NOT_BY_HAND
    + ("scipy.stats.binomtest",),  # its proportion_ci(method="wilson") is this exercise
    returns=("low", "high"),
)

# ----------------------------------------------------------------- q6: McNemar


def mcnemar_p_value(correct_a: np.ndarray, correct_b: np.ndarray) -> float:
    only_a = int(np.sum(correct_a & ~correct_b))
    only_b = int(np.sum(~correct_a & correct_b))
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def _pair(n: int, only_a: int, only_b: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.ones(n, bool), np.ones(n, bool)
    order = np.random.default_rng(seed).permutation(n)
    a[order[:only_b]] = False
    b[order[only_b : only_b + only_a]] = False
    both_wrong = order[only_a + only_b : only_a + only_b + 7]
    a[both_wrong] = b[both_wrong] = False
    return a, b


def _mcnemar_one_short(correct_a, correct_b):
    """The mistake of a tail that stops one term before min(b, c)."""
    b, c = int(np.sum(correct_a & ~correct_b)), int(np.sum(~correct_a & correct_b))
    if b + c == 0:
        return 1.0
    return min(
        1.0, 2 * sum(math.comb(b + c, i) for i in range(min(b, c))) / 2 ** (b + c)
    )


def _mcnemar_totals(correct_a, correct_b) -> float:
    """The exact test with b, c = how many each model got right: computed with
    logarithms (n is large)."""
    b, c = int(np.sum(correct_a)), int(np.sum(correct_b))
    n = b + c
    if n == 0:
        return 1.0
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        - n * math.log(2)
        for i in range(min(b, c) + 1)
    ]
    top = max(terms)
    return min(1.0, 2 * math.exp(top) * sum(math.exp(t - top) for t in terms))


def _mcnemar_int64(correct_a, correct_b) -> float:
    """The reference with the counts left as NumPy int64 (no int()): 2**n wraps."""
    b, c = np.sum(correct_a & ~correct_b), np.sum(~correct_a & correct_b)
    n = b + c
    if n == 0:
        return 1.0
    with np.errstate(all="ignore"):
        tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


_AGREEING = {
    "both right": lambda a, b: a & b,
    "both wrong": lambda a, b: ~a & ~b,
}


def _mcnemar_agreement_counted(correct_a, correct_b, *, count: str, kind: str):
    """The exact test with ``count`` ("b" or "c") counting the images of ``kind``
    ("both right" or "both wrong") instead of one model's lone wins."""
    b = int(np.sum(correct_a & ~correct_b))
    c = int(np.sum(~correct_a & correct_b))
    agreeing = int(np.sum(_AGREEING[kind](correct_a, correct_b)))
    b, c = (agreeing, c) if count == "b" else (b, agreeing)
    n = b + c
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n)


def _agreement_message(count: str, kind: str) -> str:
    meant = (
        "A gets right and B wrong, correct_a & ~correct_b"
        if count == "b"
        else "B gets right and A wrong, ~correct_a & correct_b"
    )
    yours = (
        "BOTH models get right (correct_a & correct_b)"
        if kind == "both right"
        else "BOTH models get wrong (~correct_a & ~correct_b)"
    )
    return (
        f"{count} counts the images {meant}; yours counts the images {yours}. Where"
        " the models agree, they say nothing about which one is better: the test uses"
        " only the disagreements, b for A's lone wins and c for B's."
    )


def _mcnemar_chi2(a: np.ndarray, b: np.ndarray, corrected: bool) -> float:
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    if only_a + only_b == 0:
        return 1.0
    statistic = (max(abs(only_a - only_b) - corrected, 0)) ** 2 / (only_a + only_b)
    return math.erfc(
        math.sqrt(statistic / 2)
    )  # the chi-squared (1 degree of freedom) upper tail


q6 = Exercise(
    "ch05.q6",
    "mcnemar_p_value",
    mcnemar_p_value,
    lambda: [
        Case(
            (
                np.array([True, True, False, True, False]),
                np.array([True, False, False, False, True]),
            ),
            "5 images: A alone right on 2, B alone on 1",
        ),
        Case(
            _pair(10000, 60, 30, 0),
            "10,000 images: A alone right on 60, B alone on 30 (7 wrong for both)",
        ),
        Case(
            _pair(10000, 21, 25, 1), "10,000 images: A alone right on 21, B alone on 25"
        ),
        Case(
            (np.array([True, False, True]), np.array([True, False, True])),
            "two models right on exactly the same images",
        ),
        Case(_pair(200, 0, 6, 2), "A never alone right, B alone right on 6"),
        Case(_pair(100, 3, 3, 3), "A alone right on 3, B alone on 3 (an even split)"),
        Case(_pair(50, 5, 1, 4), "A alone right on 5, B alone on 1 (b larger than c)"),
    ],
    (
        (
            "Only the images where the two models disagree carry information: count"
            " those A gets right and B wrong (b), and the reverse (c). If the models"
            " were equally good, each disagreement would go either way with probability"
            " 1/2. The exact test asks how unlikely a split as lopsided as (b, c) is."
        ),
        (
            "b = np.sum(a & ~b_), c = np.sum(~a & b_), n = b + c; p = 2 *"
            " sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n, capped at 1; p"
            " = 1 when n = 0."
        ),
    ),
    nudges=(
        Nudge(
            lambda a, b: (
                lambda x, y: (
                    1.0
                    if x + y == 0
                    else min(1.0, 2 * math.comb(x + y, min(x, y)) / 2 ** (x + y))
                )
            )(int(np.sum(a & ~b)), int(np.sum(~a & b))),
            "the p-value sums EVERY split at least as lopsided as the one observed: the"
            " binomial terms for i in range(min(b, c) + 1), not only the term i ="
            " min(b, c).",
        ),
        Nudge(
            lambda a, b: (
                lambda x, y: (
                    1.0
                    if x + y == 0
                    else min(
                        1.0,
                        2
                        * sum(math.comb(x + y, i) for i in range(x + 1))
                        / 2 ** (x + y),
                    )
                )
            )(int(np.sum(a & ~b)), int(np.sum(~a & b))),
            "sum the tail up to the SMALLER count, range(min(b, c) + 1), not up to b:"
            " when A is alone right more often (b > c), the terms up to b cover almost"
            " the whole distribution and the p-value comes out near 1.",
        ),
        Nudge(
            _mcnemar_one_short,
            "include min(b, c) itself in the tail: sum the binomial terms for i in"
            " range(min(b, c) + 1).",
        ),
        Nudge(
            lambda a, b: min(1.0, mcnemar_p_value(a, b) / 2),
            "the test is two-sided: double the tail probability (and cap it at 1).",
        ),
        Nudge(
            _mcnemar_totals,
            "b and c count the DISAGREEMENTS: b the images A gets right and B wrong (a"
            " & ~b), c the reverse. How many each model got right in total includes the"
            " images both got right, which say nothing about which model is better (and"
            " make n, and your sum, huge and slow).",
        ),
        *(
            Nudge(
                lambda a, b, corrected=corrected: _mcnemar_chi2(a, b, corrected),
                "that is McNemar's chi-squared approximation"
                + (" with the continuity correction" if corrected else "")
                + ", which is poor when few images are in disagreement. The exercise"
                " asks for the EXACT binomial test: 2 * sum(math.comb(b + c, i) for i"
                " in range(min(b, c) + 1)) / 2**(b + c), capped at 1.",
            )
            for corrected in (False, True)
        ),
        Nudge(
            lambda a, b: (
                lambda n, k: (
                    2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n if n else 1.0
                )
            )(
                int(np.sum(a & ~b) + np.sum(~a & b)),
                int(min(np.sum(a & ~b), np.sum(~a & b))),
            ),
            "a p-value is a probability: cap it at 1 (when b == c the doubled tail is"
            " above 1).",
        ),
        Nudge(
            lambda a, b: (
                lambda n, k: (
                    1.0
                    if not np.sum(a != b)
                    else min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
                )
            )(len(a), int(min(np.sum(a & ~b), np.sum(~a & b)))),
            "the binomial test counts only the disagreements: n = b + c, not the number"
            " of images (where the models agree, they tell nothing about which is"
            " better).",
        ),
        Nudge(
            lambda a, b: (
                lambda n, k: (
                    min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
                    if n
                    else 1.0
                )
            )(
                int(np.sum(a & ~b) + np.sum(~a & b)),
                int(max(np.sum(a & ~b), np.sum(~a & b))),
            ),
            "the tail runs up to the SMALLER count: i in range(min(b, c) + 1). Summing"
            " up to max(b, c) covers almost every outcome, so the p-value is (nearly)"
            " always 1.",
        ),
        Nudge(
            lambda a, b: 0.0 if not np.sum(a != b) else mcnemar_p_value(a, b),
            "with no disagreement at all (b + c = 0) nothing tells the models apart:"
            " the p-value is 1.0 (no evidence of a difference), not 0, which would"
            " claim the strongest evidence there is.",
        ),
        *(
            Nudge(
                partial(_mcnemar_agreement_counted, count=count, kind=kind),
                _agreement_message(count, kind),
            )
            for count in ("c", "b")
            for kind in ("both wrong", "both right")
        ),
        Nudge(
            _mcnemar_int64,
            "np.sum returns a NumPy int64, so your n = b + c is one, and 2**n is then"
            " computed in int64, which holds at most 2**63 - 1: from 63 disagreements"
            " on it overflows, silently (2**64 and above wrap to 0), so the tail is"
            " divided by a wrong number or by 0 (inf, which min() caps to 1). Make the"
            " counts Python ints, b = int(np.sum(...)): Python's integers never"
            " overflow, and math.comb(n, i) / 2**n then divides two exact integers.",
        ),
    ),
    error_nudges=(
        (
            "boolean subtract",
            (
                "the inputs are boolean arrays, which NumPy does not subtract: b ="
                " np.sum(correct_a & ~correct_b) (A right, B wrong), c ="
                " np.sum(~correct_a & correct_b). (`^` would lose which model was"
                " right.)"
            ),
        ),
        (
            "unsupported operand",
            "the inputs are boolean arrays: use & and ~, or compare with == True.",
        ),
    ),
    forbidden=_NOT_BY_HAND,
)

chapter = Chapter("05_evaluation", [q1, q2, q3, q4, q5, q6])
