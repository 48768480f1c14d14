"""Chapter 7 — Going further: label smoothing, ensembles, test-time augmentation, FGSM.

The last two exercises receive a Keras model: chapter 6's small CNNs with fixed random
weights (:func:`.ch06.case_cnn`), on stroke images (:func:`.ch06.stroke_image`), so
every answer is tried on the same models. FGSM's answer is the sign of a gradient: two
right answers that compute the loss differently (Keras' cross-entropy, ``-log`` of the
probability, a mean or a sum over the batch) can disagree on a pixel whose gradient is
a rounding error away from 0, so up to :data:`FGSM_FLIPS` of the pixels may differ.
"""

from __future__ import annotations

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, Result, once
from .ch02 import shift_images
from .ch06 import case_cnn, stroke_image

FGSM_FLIPS = 0.002  # the fraction of pixels two right FGSM answers may disagree on


def _labels(rows: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 10, rows).astype(np.uint8)


# ------------------------------------------------------- q1: label smoothing


def smooth_labels(labels: np.ndarray, num_classes: int, smoothing: float) -> np.ndarray:
    targets = np.full(
        (len(labels), num_classes), smoothing / num_classes, dtype=np.float32
    )
    targets[np.arange(len(labels)), labels] += 1.0 - smoothing
    return targets


def _one_hot(labels, num_classes) -> np.ndarray:
    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels, dtype=np.int64)]


q1 = Exercise(
    "ch07.q1",
    "smooth_labels",
    smooth_labels,
    lambda: [
        Case(
            (_labels(10_000, 1), 10, 0.1),
            "10,000 uint8 labels, 10 classes, smoothing=0.1",
        ),
        Case(
            (np.array([2, 0, 1, 2], dtype=np.uint8), 3, 0.3),
            "labels=[2, 0, 1, 2], 3 classes, smoothing=0.3",
        ),
        Case(
            (np.array([4, 0], dtype=np.uint8), 5, 0.0),
            "labels=[4, 0], 5 classes, smoothing=0 (plain one-hot rows)",
        ),
    ],
    (
        "Start from one-hot rows (1 for the right class, 0 elsewhere), scale them by"
        " 1 − smoothing, then add smoothing / num_classes to every entry, the right"
        " class's included: each row still adds up to 1.",
        "targets = np.full((len(labels), num_classes), smoothing / num_classes,"
        " dtype=np.float32); targets[np.arange(len(labels)), labels] += 1 -"
        " smoothing.",
    ),
    nudges=(
        Nudge(
            lambda y, k, s: (
                (1 - s) * _one_hot(y, k) + (s / (k - 1)) * (1 - _one_hot(y, k))
            ),
            "you shared the smoothing among the other num_classes − 1 classes only;"
            " the text (and Keras) spread it over all num_classes, the right class"
            " included: the right class gets 1 − s + s/K, every other class s/K.",
        ),
        Nudge(
            lambda y, k, s: (1 - s) * _one_hot(y, k) + (s / k) * (1 - _one_hot(y, k)),
            "the right class also gets its share s/K: it is 1 − s + s/K, not 1 − s"
            " (each row must add up to 1).",
        ),
        Nudge(
            lambda y, k, s: (1 - s) * _one_hot(y, k) + s * (1 - _one_hot(y, k)),
            "each wrong class gets smoothing / num_classes, not the whole smoothing:"
            " the K shares of s/K add up to s.",
        ),
        Nudge(
            lambda y, k, s: _one_hot(y, k),
            "these are plain one-hot rows: use `smoothing`, take 1 − smoothing from"
            " the right class and spread it as smoothing / num_classes over every"
            " class.",
        ),
        Nudge(
            lambda y, k, s: (1 - s) * _one_hot(y, k),
            "you scaled the one-hot rows by 1 − s but never added s/K to every entry:"
            " the rows add up to 1 − s instead of 1.",
        ),
        Nudge(
            lambda y, k, s: (1 - s) * _one_hot(y, k) + s,
            "add smoothing / num_classes to every entry, not smoothing itself (the"
            " rows must add up to 1).",
        ),
    ),
    error_nudges=(
        (
            "out of bounds",
            "make the rows num_classes long (np.zeros((len(labels), num_classes))),"
            " not a fixed 10.",
        ),
    ),
)

# ------------------------------------------------------- q2: ensemble average


def ensemble_average(probabilities, weights=None) -> np.ndarray:
    return np.average(np.asarray(probabilities), axis=0, weights=weights)


def _probability_rows(members: int, rows: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, (members, rows, 10))
    exps = np.exp(logits - logits.max(axis=2, keepdims=True))
    return list((exps / exps.sum(axis=2, keepdims=True)).astype(np.float32))


def _weighted(p, w):
    return (
        np.asarray(p)
        * (np.ones(len(p)) if w is None else np.asarray(w, dtype=float))[:, None, None]
    )


def _q2_cases() -> list[Case]:
    return [
        Case(
            (_probability_rows(3, 10_000, 2), None),
            "3 members' float32 probabilities for 10,000 images (a list of 3 arrays"
            " 10,000 × 10), weights=None",
        ),
        Case(
            (_probability_rows(2, 5, 3), [3.0, 1.0]),
            "2 members, 5 images, weights=[3, 1] (the first counts three times as"
            " much)",
        ),
        Case(
            (np.stack(_probability_rows(4, 6, 4)), np.array([0.5, 0.25, 0.25, 0.0])),
            "4 members as one array (4, 6, 10), weights=[0.5, 0.25, 0.25, 0]",
        ),
    ]


q2 = Exercise(
    "ch07.q2",
    "ensemble_average",
    ensemble_average,
    _q2_cases,
    (
        "Stack the members into one array (members, images, 10) and average over the"
        " first axis; with weights, multiply each member by its weight and divide by"
        " the sum of the weights.",
        "np.average(np.asarray(probabilities), axis=0, weights=weights) does both.",
    ),
    nudges=(
        Nudge(
            lambda p, w: _weighted(p, w).sum(axis=0),
            "divide by the sum of the weights (by the number of members when there are"
            " none): a weighted sum is not an average, and its rows do not add up"
            " to 1.",
        ),
        Nudge(
            lambda p, w: _weighted(p, w).mean(axis=0),
            "with weights, divide by the sum of the weights, not by the number of"
            " members (weights [3, 1] sum to 4).",
        ),
        Nudge(
            lambda p, w: np.asarray(p).mean(axis=0),
            "use the weights: member i counts weights[i] / sum(weights) in the"
            " average.",
        ),
        Nudge(
            lambda p, w: np.eye(10)[np.asarray(p).argmax(axis=2)].mean(axis=0),
            "average the probabilities themselves, not one-hot votes for each"
            " member's predicted digit (soft voting keeps how sure each member is).",
        ),
    ),
    error_nudges=(
        (
            "truth value of an array",
            "`if weights` (or `if not weights`) asks for the truth of a whole array"
            " when weights is an array, as here: it has one truth value per member,"
            " and NumPy's a.any() or a.all() would not tell whether weights were"
            " given either. Test for the default itself: `if weights is None:`.",
        ),
        (
            "Axis must be specified when shapes of a and weights differ",
            "np.average needs axis=0 when it is given weights: it averages the members,"
            " the first axis.",
        ),
    ),
)

# --------------------------------------------- q3: test-time augmentation


def tta_predict(model, images, shifts):
    total = 0.0
    for dx, dy in shifts:
        moved = shift_images(images, dx, dy)
        total = total + model.predict(moved[..., None], verbose=0)
    return total / len(shifts)


def _strokes(count: int, start: int, edges: bool = False) -> np.ndarray:
    """Stroke images; with ``edges``, ink also touches the right edge and the top, as
    a digit written off-centre does (a shift that wraps round then shows)."""
    images = np.stack([stroke_image(start + i) for i in range(count)])
    if edges:
        images[:, 10:18, -2:] = 0.9
        images[:, :2, 8:20] = 0.7
    return images


def _tta_with(move):
    """The mistakes: ``move(images, dx, dy)`` in place of chapter 2's shift."""

    def predict(model, images, shifts):
        probabilities = [
            np.asarray(model(move(images, dx, dy)[..., None], training=False))
            for dx, dy in shifts
        ]
        return np.mean(probabilities, axis=0)

    return predict


def _rolled(images, dx, dy):
    return np.roll(images, (dy, dx), axis=(1, 2))


def _tta_cumulative(model, images, shifts):
    """The mistake of shifting the already shifted images: the shifts add up."""
    probabilities = []
    for dx, dy in shifts:
        images = shift_images(images, dx, dy)
        probabilities.append(np.asarray(model(images[..., None], training=False)))
    return np.mean(probabilities, axis=0)


def _q3_cases() -> list[Case]:
    first, second = case_cnn(11), case_cnn(12)
    return [
        Case(
            (
                first,
                _strokes(300, 200),
                [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)],
            ),
            "a small CNN, 300 float32 stroke images (300, 28, 28), the original and"
            " four 1-pixel shifts",
        ),
        Case(
            (second, _strokes(40, 600, edges=True), [(2, -1), (0, 0)]),
            "another CNN, 40 images with ink at the top and right edges,"
            " shifts=[(2, -1), (0, 0)] (2 right and 1 up, and the original)",
        ),
        Case(
            (first, _strokes(20, 700), [(-2, 2)]),
            "the first CNN, 20 images, shifts=[(-2, 2)] only (not the original)",
        ),
    ]


q3 = Exercise(
    "ch07.q3",
    "tta_predict",
    tta_predict,
    _q3_cases,
    (
        "For each (dx, dy) in shifts, move the images with chapter 2's"
        " shift_images(images, dx, dy), get the model's probabilities for them, and"
        " average those probability arrays (one per shift).",
        "The model takes (N, 28, 28, 1): model.predict(moved[..., None], verbose=0)."
        " Sum the arrays in a loop and divide by len(shifts).",
    ),
    nudges=(
        Nudge(
            _tta_with(_rolled),
            "np.roll wraps the pixels that leave one side round to the other; shift"
            " with chapter 2's shift_images, which fills the empty side with black.",
        ),
        Nudge(
            _tta_with(lambda x, dx, dy: shift_images(x, dy, dx)),
            "dx and dy are swapped: (dx, dy) moves dx pixels right and dy down, and"
            " shift_images takes them in that order, shift_images(images, dx, dy).",
        ),
        Nudge(
            _tta_with(lambda x, dx, dy: shift_images(x, -dx, -dy)),
            "your shifts go the wrong way: (2, -1) is 2 right and 1 up, as in"
            " chapter 2.",
        ),
        Nudge(
            lambda m, x, s: len(s) * tta_predict(m, x, s),
            "average the probabilities: divide their sum by the number of shifts.",
        ),
        Nudge(
            lambda m, x, s: tta_predict(m, x, [(0, 0), *s]),
            "use exactly the shifts you are given: the original images count only"
            " when (0, 0) is one of them.",
        ),
        Nudge(
            lambda m, x, s: np.mean(
                [np.eye(10)[tta_predict(m, x, [shift]).argmax(axis=1)] for shift in s],
                axis=0,
            ),
            "average the probabilities, not one-hot votes for each shift's predicted"
            " digit.",
        ),
        Nudge(
            _tta_cumulative,
            "each shift applies to the ORIGINAL images: you shift the images the"
            " previous shift already moved (reassigning `images` in the loop), so the"
            " shifts add up. Keep the input as it is: moved = shift_images(images, dx,"
            " dy).",
        ),
    ),
    error_nudges=(
        (
            "expected shape",
            "the model takes a batch of shape (N, 28, 28, 1): add the channel axis,"
            " moved[..., None].",
        ),
    ),
    by_hand=False,
    atol=1e-5,
)

# ------------------------------------------------------------------ q4: FGSM


def fgsm(model, images, labels, epsilon):
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(images, dtype="float32")[..., None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(
            labels, model(x, training=False)
        )
    gradient = tape.gradient(loss, x).numpy()[..., 0]
    return np.clip(images + epsilon * np.sign(gradient), 0.0, 1.0).astype(np.float32)


def _loss_gradient(model, images, labels, of=None) -> np.ndarray:
    """The gradient of the batch's cross-entropy (or of ``of(probabilities)``) with
    respect to the images (for the nudges)."""
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(images, dtype="float32")[..., None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = model(x, training=False)
        target = (
            keras.losses.sparse_categorical_crossentropy(labels, probabilities)
            if of is None
            else of(probabilities)
        )
    return tape.gradient(target, x).numpy()[..., 0]


def _fgsm_mistake(step, clip=True, of=None):
    def attack(model, images, labels, epsilon):
        moved = images + epsilon * step(_loss_gradient(model, images, labels, of))
        return np.clip(moved, 0.0, 1.0) if clip else moved

    return attack


def _predicted(model, images) -> np.ndarray:
    return np.asarray(
        model(np.asarray(images, dtype="float32")[..., None], training=False)
    ).argmax(axis=1)


def _q4_cases() -> list[Case]:
    first, second = case_cnn(13), case_cnn(14)
    images = _strokes(200, 800)
    return [
        Case(
            (first, images, _labels(200, 5), 0.1),
            "a small CNN, 200 float32 stroke images (200, 28, 28) in [0, 1], uint8"
            " labels, epsilon=0.1",
        ),
        Case(
            (second, _strokes(30, 1000), _labels(30, 6), 0.25),
            "another CNN, 30 images, epsilon=0.25",
        ),
        Case(
            (first, images[:10], (_labels(10, 7) + 1) % 10, 0.05),
            "the first CNN, 10 of the images with other labels, epsilon=0.05",
        ),
    ]


def _q4_judge(cases: list[Case], values: list) -> Result | None:
    for case, got in zip(cases, values, strict=True):
        expected = once(case, "expected", lambda case=case: fgsm(*case.args))
        array = np.asarray(got) if isinstance(got, np.ndarray) else None
        if array is not None and array.shape == expected.shape:
            differ = np.abs(array.astype(np.float64) - expected) > 1e-5
            if differ.mean() <= FGSM_FLIPS and array.dtype.kind == "f":
                continue
        problem = q4.compare(case, got)
        if problem:
            return Result(False, problem)
    return None


q4 = Exercise(
    "ch07.q4",
    "fgsm",
    fgsm,
    _q4_cases,
    (
        "FGSM moves every pixel by epsilon in the direction that raises the loss: the"
        " sign of the gradient of the cross-entropy (of the true labels) with respect"
        " to the images. Then clip to [0, 1], the range of a real image.",
        "x = tf.convert_to_tensor(images[..., None]); inside `with tf.GradientTape() as"
        " tape:` call tape.watch(x) and loss ="
        " keras.losses.sparse_categorical_crossentropy(labels, model(x,"
        " training=False)); then np.clip(images + epsilon * np.sign(g[..., 0]), 0, 1)"
        " with g = tape.gradient(loss, x).numpy().",
    ),
    nudges=(
        Nudge(
            _fgsm_mistake(np.sign, clip=False),
            "clip the result to [0, 1] (np.clip): black pixels moved by −epsilon became"
            " negative, which no image has.",
        ),
        Nudge(
            _fgsm_mistake(lambda g: -np.sign(g)),
            "you stepped down the loss (−sign): that makes the model surer of the right"
            " answer. FGSM adds epsilon · sign(gradient), to raise the loss.",
        ),
        Nudge(
            _fgsm_mistake(lambda g: g),
            "take the sign of the gradient (np.sign): every pixel moves by exactly"
            " epsilon, up or down; the raw gradient is far smaller.",
        ),
        Nudge(
            _fgsm_mistake(lambda g: g / np.abs(g).max()),
            "take the sign of the gradient (np.sign), not the gradient rescaled: FGSM"
            " moves every pixel by exactly epsilon.",
        ),
        Nudge(
            _fgsm_mistake(np.sign, clip=True, of=lambda p: p),
            "you differentiated the model's output as a whole (its probabilities add"
            " up to 1, so that gradient is about 0). Differentiate the loss of the"
            " true labels: keras.losses.sparse_categorical_crossentropy(labels,"
            " model(x)).",
        ),
        Nudge(
            lambda m, x, y, e: fgsm(m, x, _predicted(m, x), e),
            "use the true labels you are given: the loss of the model's own predicted"
            " digit is not what the attack raises.",
        ),
    ),
    error_nudges=(
        (
            "NoneType",
            "tape.gradient returned None: call tape.watch(x) inside the `with"
            " tf.GradientTape() as tape:` block and compute the loss inside it too.",
        ),
        (
            "expected shape",
            "the model takes a batch of shape (N, 28, 28, 1): add the channel axis,"
            " images[..., None].",
        ),
    ),
    judge=_q4_judge,
    by_hand=False,
)

chapter = Chapter(
    "07_going_further",
    [q1, q2, q3, q4],
    setup=(
        "import numpy as np\nimport keras\nimport tensorflow as tf\n"
        "from mnist_course.exercises.ch02 import shift_images"
    ),
)
