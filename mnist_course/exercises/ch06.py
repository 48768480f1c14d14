"""Chapter 6 — Visualization: intermediate outputs, saliency, integrated gradients,
occlusion, PCA.

The exercises receive a Keras model: small CNNs with fixed random weights, built here
(:func:`case_cnn`), so every answer is tried on the same models. Attributions are
compared with the reference up to a tolerance relative to the map's largest value
(``Exercise(scale_tolerance=...)``), so that an answer computed another way
(``tape.jacobian``, a loop instead of a batch, a float64 cast) passes. Two ways do
not, and the tests pin both: finite differences (the case models' ReLUs switch on
MNIST's black background, where a difference quotient straddles the kink and the
gradient does not), and an integral other than the midpoint rule the text fixes
(``np.linspace`` endpoints, the trapezoid rule), on the case with only 6 steps.
Integrated gradients are also checked by their completeness property. PCA is
checked up to the sign of each component, which is arbitrary.
"""

from __future__ import annotations

import json
import warnings
from functools import partial

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, Result, describe, once

_NOT_BY_HAND = ("sklearn.decomposition", "sklearn.manifold")


# ------------------------------------------------------------------ the inputs


def case_cnn(seed: int):
    """A small CNN with named layers and fixed random (He-scaled) weights: an input for
    the exercises."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(4, 3, activation="relu", name="conv_1"),
            layers.MaxPooling2D(2, name="pool_1"),
            layers.Conv2D(8, 3, activation="relu", name="conv_2"),
            layers.MaxPooling2D(2, name="pool_2"),
            layers.Flatten(name="flatten"),
            layers.Dense(16, activation="relu", name="hidden"),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name=f"case_cnn_{seed}",
    )
    rng = np.random.default_rng(seed)
    model.set_weights(
        [
            rng.normal(
                0.0,
                np.sqrt(2.0 / np.prod(w.shape[:-1])) if w.ndim > 1 else 0.1,
                w.shape,
            ).astype("float32")
            for w in model.get_weights()
        ]
    )
    # The grader sends this call instead of the model's file (:mod:`..grading.wire`):
    # the worker makes the same model again, quicker than it loads a file.
    model._case_recipe = json.dumps([__name__, "case_cnn", [seed]])
    return model


def stroke_image(seed: int) -> np.ndarray:
    """A 28×28 float32 image in [0, 1] with a few bright strokes on black, like a
    digit."""
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), dtype=np.float32)
    for _ in range(3):
        (r0, c0), (r1, c1) = rng.integers(5, 23, (2, 2))
        for t in np.linspace(0.0, 1.0, 40):
            r, c = int(round(r0 + t * (r1 - r0))), int(round(c0 + t * (c1 - c0)))
            image[r - 1 : r + 2, c - 1 : c + 2] = np.maximum(
                image[r - 1 : r + 2, c - 1 : c + 2], rng.uniform(0.6, 1.0)
            )
    return image


def _probe_images() -> np.ndarray:
    return np.stack([stroke_image(100 + i) for i in range(3)])[..., None]


def _as_list(outputs) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(output) for output in outputs]


def _class_score(model, images: np.ndarray, label: int) -> np.ndarray:
    """The model's output for class ``label`` on a batch of (N, 28, 28) images."""
    return np.asarray(
        model(np.asarray(images, dtype="float32")[..., None], training=False)
    )[:, label]


# --------------------------------------------------------- q1: layer outputs


def layer_outputs(model, layer_names):
    import keras

    return keras.Model(
        model.inputs[0], [model.get_layer(name).output for name in layer_names]
    )


def _q1_judge(cases: list[Case], values: list) -> Result | None:
    import keras

    images = _probe_images()
    for case, got in zip(cases, values, strict=False):
        model, names = case.args
        if got is None:
            return Result(
                False,
                f"On {case.label}, layer_outputs returned None. Did you forget"
                " `return`?",
            )
        if type(got).__name__ == "Unreadable":
            return Result(
                False,
                f"On {case.label}, layer_outputs returned a model the grader cannot"
                f" load back {got.reason}. Build it from the model's own layers with"
                " keras.Model(inputs, outputs).",
            )
        if not isinstance(got, keras.Model):
            return Result(
                False,
                f"On {case.label}, layer_outputs returned {describe(got)}"
                f" ({type(got).__name__}); expected a keras.Model whose outputs are the"
                " named layers' outputs: keras.Model(model.inputs[0], [...]).",
            )
        expected = once(
            case,
            "expected",
            lambda model=model, names=names: _as_list(
                layer_outputs(model, names)(images, training=False)
            ),
        )
        try:
            with (
                warnings.catch_warnings()
            ):  # a model built on model.inputs (a list) warns when given one array
                warnings.simplefilter("ignore", UserWarning)
                raw = got(images, training=False)
        except Exception as exc:  # a model that cannot run on 28×28×1 images
            return Result(
                False,
                f"On {case.label}, the model you returned cannot run on a batch of"
                f" 28×28×1 images ({type(exc).__name__}: {str(exc)[:200]}). Its input"
                " should be the original model's input.",
            )
        if isinstance(raw, dict):
            return Result(
                False,
                f"On {case.label}, your model's outputs are a dict (keys"
                f" {list(raw)[:3]}): give keras.Model its outputs as a list, in the"
                " order of layer_names. Looping over a dict gives its keys, and the"
                " chapter's next cells take the outputs by position.",
            )
        outputs = _as_list(raw)
        if len(outputs) != len(expected):
            return Result(
                False,
                f"On {case.label}, your model has {len(outputs)} output(s), expected"
                f" {len(expected)}: one per name in {list(names)}, in that order.",
            )
        for name, want, have in zip(names, expected, outputs, strict=True):
            if have.shape != want.shape:
                return Result(
                    False,
                    f"On {case.label}, the output for layer `{name}` has shape"
                    f" {have.shape[1:]} per image, expected {want.shape[1:]}. Use"
                    " model.get_layer(name).output (not .input), in the order given.",
                )
            if not np.allclose(have, want, rtol=1e-4, atol=1e-5):
                return Result(
                    False,
                    f"On {case.label}, the output for layer `{name}` has the right"
                    " shape but not the layer's values: take each named layer's"
                    " .output, in the order given, from the model you received.",
                )
    return None


q1 = Exercise(
    "ch06.q1",
    "layer_outputs",
    layer_outputs,
    lambda: [
        Case(
            (model := case_cnn(1), ["conv_1"]), "a small CNN and layer_names=['conv_1']"
        ),
        Case(
            (model, ["conv_2", "pool_1"]),
            "layer_names=['conv_2', 'pool_1'] (order matters)",
        ),
        Case(
            (case_cnn(2), ["hidden", "conv_1", "probabilities"]),
            "another CNN and layer_names=['hidden', 'conv_1', 'probabilities']",
        ),
    ],
    (
        (
            "A Keras model can have several outputs. Make a new keras.Model with the"
            " same input as `model` and, as outputs, a list: the output of each named"
            " layer. It shares the trained layers, so nothing is copied or retrained."
        ),
        (
            "keras.Model(model.inputs[0], [model.get_layer(name).output for name in"
            " layer_names]) (a Sequential model keeps its input in the list"
            " model.inputs)"
        ),
    ),
    judge=_q1_judge,
    by_hand=False,
    error_nudges=(
        (
            "has never been called",
            (
                "a Sequential model has no single `model.input` until it is called; its"
                " input is in the list `model.inputs`: use `model.inputs[0]`."
            ),
        ),
        (
            "must be KerasTensors",
            (
                "keras.Model's outputs are tensors, not layers: pass each named"
                " layer's OUTPUT, model.get_layer(name).output, not the layer"
                " model.get_layer(name) itself."
            ),
        ),
    ),
)

# ----------------------------------------------------------- q2: saliency


def saliency_map(model, image, label):
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(image, dtype="float32")[None, :, :, None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x, training=False)[0, label]
    return np.abs(tape.gradient(score, x).numpy()[0, :, :, 0])


def _gradient(model, image, label, of=lambda p: p) -> np.ndarray:
    """The gradient of ``of(probability of label)`` with respect to the image (for the
    nudges)."""
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(image, dtype="float32")[None, :, :, None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = of(model(x, training=False)[0, label])
    return tape.gradient(score, x).numpy()[0, :, :, 0]


def _cross_entropy(probability):
    import tensorflow as tf

    return -tf.math.log(probability)


def _softmax_again(model, image, label) -> np.ndarray:
    """|gradient| of softmax(model(x))[label]: the probabilities taken for logits."""
    import tensorflow as tf

    return np.abs(
        _gradient(model, image, slice(None), lambda p: tf.nn.softmax(p)[label])
    )


def _predicted(model, image) -> int:
    return int(np.argmax(_class_score(model, np.asarray(image)[None], slice(None))[0]))


_TAPE = (
    "tape.gradient returned None: the tape did not record the image. Call tape.watch(x)"
    " inside the `with tf.GradientTape() as tape:` block, before the forward pass (a"
    " constant tensor is not watched by itself), and compute the score inside that"
    " block."
)


def _q2_cases() -> list[Case]:
    first, second = case_cnn(3), case_cnn(4)
    return [
        Case(
            (first, stroke_image(1), 3), "a small CNN, a 28×28 stroke image and label=3"
        ),
        Case((first, stroke_image(2), 7), "the same CNN, another image, label=7"),
        Case((second, stroke_image(3), 0), "another CNN and label=0"),
    ]


q2 = Exercise(
    "ch06.q2",
    "saliency_map",
    saliency_map,
    _q2_cases,
    (
        (
            "The saliency of a pixel is how much the class's score changes when that"
            " pixel changes: the absolute value of the gradient of model(x)[0, label]"
            " with respect to x. tf.GradientTape records the forward pass."
        ),
        (
            "x = tf.convert_to_tensor(image[None, :, :, None], dtype=tf.float32); with"
            " tf.GradientTape() as tape: tape.watch(x); score = model(x,"
            " training=False)[0, label]; then np.abs(tape.gradient(score, x).numpy()[0,"
            " :, :, 0])."
        ),
    ),
    nudges=(
        Nudge(
            _gradient,
            "a saliency map is the size of the gradient: take its absolute value"
            " (np.abs).",
        ),
        Nudge(
            lambda m, i, label: _gradient(m, i, label) ** 2,
            "take the absolute value of the gradient (np.abs), not its square.",
        ),
        Nudge(
            lambda m, i, label: np.abs(_gradient(m, i, _predicted(m, i))),
            "you differentiated the score of the predicted class; the exercise asks for"
            " the class `label`: model(x)[0, label].",
        ),
        Nudge(
            lambda m, i, label: (g := np.abs(_gradient(m, i, label))) / g.max(),
            "return the gradient's absolute value as it is: rescaling it to [0, 1] is"
            " for the picture, not for the map.",
        ),
        Nudge(
            lambda m, i, label: np.abs(
                _gradient(m, i, slice(None))
            ),  # every output at once
            "your map is about 0 everywhere: you differentiated model(x) as a whole,"
            " and its 10 probabilities always add up to 1, so that gradient is 0."
            " Differentiate one class's score: model(x)[0, label].",
        ),
        Nudge(
            _softmax_again,
            "the model's last layer already applies softmax: model(x) holds"
            " probabilities, not logits. A second tf.nn.softmax squeezes them (and"
            " their gradient) together: differentiate model(x)[0, label] as it is.",
        ),
        Nudge(
            lambda m, i, label: np.abs(_gradient(m, i, label, _cross_entropy)),
            "differentiate the class's score model(x)[0, label] itself, not the loss"
            " (−log of it).",
        ),
    ),
    error_nudges=(("NoneType", _TAPE),),
    scale_tolerance=0.02,
    by_hand=False,
)

# ------------------------------------------------- q3: integrated gradients


def integrated_gradients(model, image, label, baseline, steps=32):
    import tensorflow as tf

    image, baseline = (
        np.asarray(image, dtype="float32"),
        np.asarray(baseline, dtype="float32"),
    )
    alphas = (
        np.arange(steps, dtype="float32") + 0.5
    ) / steps  # the midpoints of `steps` equal slices of [0, 1]
    path = baseline + alphas[:, None, None] * (image - baseline)
    x = tf.convert_to_tensor(path[..., None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = model(x, training=False)[:, label]
    gradients = tape.gradient(scores, x).numpy()[..., 0]
    return (image - baseline) * gradients.mean(axis=0)


def _path_gradients(model, image, label, baseline, alphas) -> np.ndarray:
    """The mean gradient at ``baseline + α (image − baseline)`` over ``alphas`` (for the
    nudges)."""
    image, baseline = (
        np.asarray(image, dtype="float32"),
        np.asarray(baseline, dtype="float32"),
    )
    path = baseline + np.asarray(alphas, "float32")[:, None, None] * (image - baseline)
    return np.mean([_gradient(model, x, label) for x in path], axis=0)


# |sum of attributions − (f(image) − f(baseline))| ≤ 10 % of the gap (the midpoint rule
# at 32 steps: < 5 %)
COMPLETENESS = 0.1


def _q3_judge(cases: list[Case], values: list) -> Result | None:
    """The core's comparison (up to 10 % of the map's largest value), then
    completeness."""
    for case, got in zip(cases, values, strict=False):
        problem = q3.compare(case, got)
        model, image, label, baseline, _ = case.args
        if not problem and isinstance(got, np.ndarray):
            gap = once(
                case,
                "gap",
                lambda model=model, image=image, baseline=baseline, label=label: float(
                    np.subtract(
                        *_class_score(model, np.stack([image, baseline]), label)
                    )
                ),
            )
            total = float(got.sum())
            if abs(total - gap) > COMPLETENESS * abs(gap) + 1e-4:
                problem = (
                    f"On {case.label}, your attributions add up to {total:.4g}, but"
                    f" f(image) − f(baseline) = {gap:.4g}: integrated gradients must"
                    " add up to that difference (completeness). Average the gradients"
                    " along the straight path from the baseline to the image, then"
                    " multiply by (image − baseline)."
                )
        if problem:
            return Result(False, problem)
    return None


def _q3_cases() -> list[Case]:
    model, other = case_cnn(5), case_cnn(6)
    black, grey = np.zeros((28, 28), np.float32), np.full((28, 28), 0.5, np.float32)
    return [
        Case(
            (model, stroke_image(4), 2, black, 32),
            "a small CNN, a stroke image, label=2, a black baseline, steps=32",
        ),
        Case(
            (model, stroke_image(5), 5, grey, 32),
            "label=5 and a grey baseline (all pixels 0.5)",
        ),
        Case((other, stroke_image(6), 8, black, 64), "another CNN, label=8, steps=64"),
        Case(
            (other, stroke_image(6), 8, grey, 6),
            "the same CNN, a grey baseline and only steps=6 (so few that `steps` and"
            " where the points sit matter)",
        ),
    ]


q3 = Exercise(
    "ch06.q3",
    "integrated_gradients",
    integrated_gradients,
    _q3_cases,
    (
        (
            "Walk in `steps` small steps from the baseline to the image: x(α) ="
            " baseline + α (image − baseline), with α at the midpoints (k + 0.5) /"
            " steps. Average the gradient of the class score at those points, then"
            " multiply by (image − baseline), pixel by pixel."
        ),
        (
            "alphas = (np.arange(steps) + 0.5) / steps; path = baseline + alphas[:,"
            " None, None] * (image - baseline) (a batch of `steps` images); one"
            " GradientTape over model(path[..., None])[:, label] gives every gradient"
            " at once; return (image - baseline) * gradients.mean(axis=0)."
        ),
    ),
    nudges=(
        Nudge(
            lambda m, i, label, b, steps: (
                (i - b) * _path_gradients(m, i, label, b, np.linspace(0, 1, steps))
            ),
            "take α at the midpoints (k + 0.5) / steps, not np.linspace(0, 1, steps):"
            " the midpoint rule is the convention here (it is also more accurate for"
            " few steps).",
        ),
        Nudge(
            lambda m, i, label, b, steps: (
                (i - b) * _path_gradients(m, i, label, b, np.arange(steps) / steps)
            ),
            "take α at the midpoints (k + 0.5) / steps, not k / steps (that never"
            " reaches the image).",
        ),
        Nudge(
            lambda m, i, label, b, steps: (
                (i - b)
                * _path_gradients(m, i, label, b, np.arange(1, steps + 1) / steps)
            ),
            "take α at the midpoints (k + 0.5) / steps, not (k + 1) / steps: the right"
            " end of each slice (your last point is the image itself, and the baseline"
            " end is left out).",
        ),
        Nudge(
            lambda m, i, label, b, steps: _path_gradients(
                m, i, label, b, (np.arange(steps) + 0.5) / steps
            ),
            "multiply the averaged gradients by (image − baseline), pixel by pixel.",
        ),
        Nudge(
            lambda m, i, label, b, steps: (
                i * _path_gradients(m, i, label, b, (np.arange(steps) + 0.5) / steps)
            ),
            "multiply the averaged gradients by (image − baseline), not by the image:"
            " the two differ as soon as the baseline is not black.",
        ),
    ),
    error_nudges=(("NoneType", _TAPE),),
    judge=_q3_judge,
    scale_tolerance=0.1,
    by_hand=False,
)

# ----------------------------------------------------------- q4: occlusion


def occlusion_map(model, image, label, patch=6, stride=2, fill=0.5):
    image = np.asarray(image, dtype="float32")
    corners = range(0, image.shape[0] - patch + 1, stride)
    occluded = []
    for top in corners:
        for left in corners:
            copy = image.copy()
            copy[top : top + patch, left : left + patch] = fill
            occluded.append(copy)
    batch = np.stack([image, *occluded])[..., None]
    scores = np.asarray(model(batch, training=False))[:, label]
    return (scores[0] - scores[1:]).reshape(len(corners), len(corners))


def _occlusion(
    model,
    image,
    label,
    patch,
    stride,
    fill,
    *,
    cover=None,
    last=1,
    confidence=False,
    relative=False,
) -> np.ndarray:
    """The occlusion map covering ``cover`` pixels, stopping ``1 - last`` corners early,
    scoring the top probability instead of ``label``'s (``confidence``), or dividing
    each drop by the original's probability (``relative``): known mistakes, for the
    nudges.
    """
    image = np.asarray(image, dtype="float32")
    corners = range(0, 28 - patch + last, stride)
    occluded = []
    for top in corners:
        for left in corners:
            copy = image.copy()
            copy[top : top + (cover or patch), left : left + (cover or patch)] = fill
            occluded.append(copy)
    probabilities = np.asarray(
        model(np.stack([image, *occluded])[..., None], training=False)
    )
    scores = probabilities.max(axis=1) if confidence else probabilities[:, label]
    drops = scores[0] - scores[1:]
    if relative:
        drops = drops / scores[0]
    return drops.reshape(len(corners), len(corners))


def _relative_drop(model, image, label, patch, stride, fill) -> np.ndarray:
    """The drop divided by the original's probability (a relative drop: the mistake)."""
    return _occlusion(model, image, label, patch, stride, fill, relative=True)


def _by_pixel(model, image, label, patch, stride, fill, *, size=None) -> np.ndarray:
    """The map indexed by pixel coordinates, out[top, left], in an array of one entry
    per pixel where a patch can start (or per pixel of the image, ``size``): zeros
    between the positions the patch really takes."""
    side = size or 28 - patch + 1
    out = np.zeros((side, side))
    drops = occlusion_map(model, image, label, patch, stride, fill)
    out[: len(drops) * stride : stride, : len(drops) * stride : stride] = drops
    return out


def _q4_cases() -> list[Case]:
    model = case_cnn(7)
    return [
        Case(
            (model, stroke_image(7), 4, 6, 2, 0.5),
            "a small CNN, a stroke image, label=4, patch=6, stride=2, fill=0.5",
        ),
        Case(
            (model, stroke_image(8), 9, 7, 3, 0.0),
            "label=9, patch=7, stride=3, fill=0.0",
        ),
        Case(
            (case_cnn(8), stroke_image(9), 1, 4, 4, 1.0),
            "another CNN, label=1, patch=4, stride=4, fill=1.0",
        ),
    ]


q4 = Exercise(
    "ch06.q4",
    "occlusion_map",
    occlusion_map,
    _q4_cases,
    (
        (
            "Cover one square of the image with a patch of the value `fill`, ask the"
            " model, and record how much the probability of `label` DROPS compared with"
            " the untouched image. Do it for every position of the patch, moving it by"
            " `stride` pixels across and down: one value per position, in a 2-D array."
        ),
        (
            "corners = range(0, 28 - patch + 1, stride); for each (top, left): copy ="
            " image.copy(); copy[top:top + patch, left:left + patch] = fill. Stack the"
            " copies into one batch (add the channel axis), call the model once, and"
            " return (score of the original − scores).reshape(len(corners),"
            " len(corners))."
        ),
    ),
    nudges=(
        Nudge(
            lambda m, i, label, patch, stride, fill: _occlusion(
                m, i, label, patch, stride, fill, confidence=True
            ),
            "use the probability of the class `label` ([:, label]), not the model's top"
            " probability (its confidence).",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: occlusion_map(
                m, i, _predicted(m, i), patch, stride, fill
            ),
            "use the probability of the class `label` ([:, label]), not of the class"
            " the model predicts.",
        ),
        Nudge(
            lambda *args: -occlusion_map(*args),
            "each value is the DROP, score(original) − score(occluded): positive where"
            " hiding hurts.",
        ),
        Nudge(
            lambda *args: occlusion_map(*args).T,
            "your map is transposed: map[i, j] is for the patch whose top-left corner"
            " is at row i·stride and column j·stride (rows first).",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: occlusion_map(
                m, i, label, patch, stride, 0.5
            ),
            "fill the patch with the value `fill` you are given (you used 0.5).",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: occlusion_map(
                m, i, label, patch, stride, 0.0
            ),
            "fill the patch with the value `fill` you are given (you used 0).",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: _occlusion(
                m, i, label, patch, stride, fill, last=patch
            ),
            "the corners must stop where a patch still fits inside the image: range(0,"
            " 28 - patch + 1, stride). range(0, 28, stride) also puts patches that"
            " stick out past the edge.",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: _occlusion(
                m, i, label, patch, stride, fill, last=0
            ),
            "the last position, 28 − patch, is a position too: range(0, 28 - patch + 1,"
            " stride).",
        ),
        Nudge(
            lambda m, i, label, patch, stride, fill: _occlusion(
                m, i, label, patch, stride, fill, cover=patch - 1
            ),
            "your patch covers patch − 1 pixels: image[top:top + patch, left:left +"
            " patch] covers `patch`.",
        ),
        *(
            Nudge(
                partial(_by_pixel, size=size),
                "your map has one entry per PIXEL"
                + (" of the image" if size else " where a patch could start")
                + ", with each drop written at out[top, left] and zeros in between:"
                " it needs one entry per patch POSITION, len(corners) ×"
                " len(corners) with corners = range(0, 28 - patch + 1, stride). The"
                " position numbered i (the i-th value of corners) goes to row i:"
                " enumerate(corners) gives both i and top.",
            )
            for size in (None, 28)
        ),
        Nudge(
            _relative_drop,
            "each value is the plain drop, p(original) − p(occluded), in probability"
            " points; yours is divided by p(original) (a relative drop), which scales"
            " the whole map by how unsure the model was of the untouched image.",
        ),
    ),
    scale_tolerance=1e-3,
    by_hand=False,
)

# ------------------------------------------------------------------ q5: PCA


def pca(x, k):
    x = np.asarray(x, dtype=np.float64)
    centered = x - x.mean(axis=0)
    covariance = centered.T @ centered / (len(x) - 1)
    variances, vectors = np.linalg.eigh(covariance)  # ascending order
    order = np.argsort(variances)[::-1]
    components = vectors[:, order[:k]].T
    ratio = variances[order[:k]] / variances.sum()
    return centered @ components.T, components, ratio


def _standardised_ratio(x: np.ndarray, k: int) -> np.ndarray | None:
    """The explained-variance ratios of a PCA of standardised data (a common mix-up)."""
    std = x.std(axis=0)
    if np.any(std == 0):
        return None
    return pca((x - x.mean(axis=0)) / std, k)[2]


def _q5_judge(cases: list[Case], values: list) -> Result | None:
    for case, got in zip(cases, values, strict=False):
        x, k = case.args
        projected, components, ratio = pca(x, k)
        if not isinstance(got, tuple) or len(got) != 3:
            return Result(
                False,
                f"On {case.label}, pca returned {describe(got)}; expected three things:"
                " (projected, components, explained_variance_ratio).",
            )
        got_projected, got_components, got_ratio = (
            np.asarray(part, dtype=np.float64) if isinstance(part, np.ndarray) else part
            for part in got
        )
        for name, want, have in (
            ("projected", projected, got_projected),
            ("components", components, got_components),
            ("explained_variance_ratio", ratio, got_ratio),
        ):
            if not isinstance(have, np.ndarray):
                return Result(
                    False,
                    f"On {case.label}, `{name}` is {type(have).__name__}; expected a"
                    f" NumPy array of shape {want.shape}.",
                )
            if have.shape != want.shape:
                extra = (
                    " One ROW per component: components[i] is the i-th direction."
                    if name == "components" and have.shape == want.shape[::-1]
                    else ""
                )
                return Result(
                    False,
                    f"On {case.label}, `{name}` has shape {have.shape}, expected"
                    f" {want.shape}.{extra}",
                )
        if not np.allclose(got_ratio, ratio, rtol=1e-6, atol=1e-9):
            hint = ""
            if np.all(np.diff(got_ratio) > 0):
                hint = (
                    " Your ratios increase: np.linalg.eigh returns the eigenvalues in"
                    " ASCENDING order; sort them, largest first."
                )
            elif np.isclose(got_ratio.sum(), 1.0) and k < x.shape[1]:
                hint = (
                    " Divide by the TOTAL variance (all eigenvalues), not by the"
                    " variance of the k kept components."
                )
            else:
                # known wrong ways to compute the ratios, each computed once, in order
                for wrong, text in (
                    (
                        (_standardised_ratio,),
                        " You divided each feature by its standard deviation too: this"
                        " PCA only CENTERS the data (subtract each column's mean), so"
                        " features with more variance weigh more.",
                    ),
                    (
                        (_ratio_mistake, "singular"),
                        " Those are ratios of SINGULAR values s; the variance along"
                        " component i is s[i]**2 / (n - 1), so the ratio is s[:k]**2 /"
                        " np.sum(s**2).",
                    ),
                    (
                        (_ratio_mistake, "uncentred"),
                        " Subtract the mean of each feature (column) before anything"
                        " else.",
                    ),
                    (
                        (_ratio_mistake, "rows"),
                        " You centred each ROW (x.mean(axis=1): each point's own mean):"
                        " PCA centres each FEATURE, subtracting each column's mean,"
                        " x.mean(axis=0).",
                    ),
                ):
                    values = wrong[0](x, k, *wrong[1:])
                    if values is not None and np.allclose(got_ratio, values, rtol=1e-4):
                        hint = text
                        break
            if not hint:
                hint = (
                    " Check each step: centre each column (x - x.mean(axis=0)), take"
                    " the covariance of the centred data (centered.T @ centered / (n -"
                    " 1)); the ratio of component i is its eigenvalue (the variance"
                    " along it) over the sum of ALL the eigenvalues, values[order[:k]]"
                    " / values.sum()."
                )
            return Result(
                False,
                f"On {case.label}: expected explained_variance_ratio {describe(ratio)},"
                f" got {describe(got_ratio)}.{hint}",
            )
        rows = _eigenvector_rows(x, k)
        if rows is not None and np.allclose(
            np.abs(got_components), np.abs(rows), atol=1e-6
        ):
            return Result(
                False,
                f"On {case.label}, your components are ROWS of the eigenvector matrix:"
                " np.linalg.eigh returns the eigenvectors as its COLUMNS, vectors[:,"
                " i]. Take vectors[:, order].T.",
            )
        signs = np.sign(np.sum(got_components * components, axis=1))
        signs[signs == 0] = 1
        if not np.allclose(got_components * signs[:, None], components, atol=1e-6):
            return Result(
                False,
                f"On {case.label}, the components are not the covariance's eigenvectors"
                " (unit length, largest variance first): components[i] is the"
                " eigenvector of the i-th largest eigenvalue of the covariance of the"
                " centred data.",
            )
        if not np.allclose(
            got_projected * signs,
            projected,
            rtol=1e-6,
            atol=1e-6 * max(1.0, float(np.abs(projected).max())),
        ):
            return Result(
                False,
                f"On {case.label}, the components are right but `projected` is not (x −"
                " mean) @ components.T: project the CENTERED data.",
            )
    return None


def _ratio_mistake(x, k, kind: str) -> np.ndarray | None:
    """Explained-variance ratios computed a known wrong way: from the singular values
    themselves (not their squares), from the data without centring it, or centred
    row by row."""
    try:
        x = np.asarray(x, dtype=np.float64)
        if kind == "singular":
            s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
            return s[:k] / s.sum()
        if kind == "rows":
            x = x - x.mean(axis=1, keepdims=True)
        values = np.sort(np.linalg.eigvalsh(x.T @ x / (len(x) - 1)))[::-1]
        return values[:k] / values.sum()
    except (ValueError, np.linalg.LinAlgError):
        return None


def _eigenvector_rows(x, k) -> np.ndarray | None:
    """The mistake of taking rows of eigh's matrix (they are not eigenvectors)."""
    try:
        centered = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
        values, vectors = np.linalg.eigh(centered.T @ centered / (len(centered) - 1))
        return vectors[np.argsort(values)[::-1][:k]]
    except (ValueError, np.linalg.LinAlgError):
        return None


def _q5_cases() -> list[Case]:
    rng = np.random.default_rng(11)

    def correlated(rows: int, scales: list[float]) -> np.ndarray:
        rotation, _ = np.linalg.qr(rng.normal(size=(len(scales), len(scales))))
        return rng.normal(size=(rows, len(scales))) * scales @ rotation.T + rng.normal(
            3.0, 2.0, len(scales)
        )

    return [
        Case(
            (correlated(200, [5.0, 3.0, 1.5, 1.0, 0.5, 0.2]), 2),
            "200 points with 6 features, k=2",
        ),
        Case(
            (correlated(300, [4.0, 2.5, 2.0, 1.0, 0.7, 0.4, 0.3, 0.2, 0.1, 0.05]), 3),
            "300 points with 10 features, k=3",
        ),
        Case(
            (correlated(60, [3.0, 2.0, 1.0, 0.5]), 4),
            "60 points with 4 features, k=4 (every component)",
        ),
        Case(
            (
                (correlated(100, [40.0, 20.0, 10.0, 5.0, 2.0]) + 128)
                .clip(0, 255)
                .astype(np.uint8),
                2,
            ),
            "100 points with 5 uint8 features (like pixels), k=2",
        ),
    ]


q5 = Exercise(
    "ch06.q5",
    "pca",
    pca,
    _q5_cases,
    (
        (
            "Center the data (subtract each column's mean). The principal components"
            " are the eigenvectors of the covariance matrix, sorted by their eigenvalue"
            " (the variance along them), largest first. The explained variance ratio of"
            " a component is its eigenvalue divided by the sum of ALL eigenvalues."
        ),
        (
            "centered = x - x.mean(axis=0); values, vectors = np.linalg.eigh(centered.T"
            " @ centered / (len(x) - 1)) (ascending: reverse with"
            " np.argsort(values)[::-1]); components = vectors[:, order[:k]].T (one row"
            " each); projected = centered @ components.T; ratio = values[order[:k]] /"
            " values.sum()."
        ),
    ),
    error_nudges=(
        (
            "mismatch in its core dimension",
            (
                "check the covariance's shape: it is features × features. np.cov treats"
                " each ROW as a variable, so np.cov(centered) is points × points: use"
                " np.cov(centered, rowvar=False), or centered.T @ centered / (len(x)"
                " - 1)."
            ),
        ),
    ),
    judge=_q5_judge,
    forbidden=_NOT_BY_HAND,
)

chapter = Chapter(
    "06_visualization",
    [q1, q2, q3, q4, q5],
    setup="import numpy as np\nimport keras\nimport tensorflow as tf",
)
