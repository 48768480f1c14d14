"""Model builders: the course's reference CNN and the keras.io baseline it is measured
against.

>>> model = reference_cnn()          # doctest: +SKIP
>>> model.output_shape               # doctest: +SKIP
(None, 10)
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import keras
from keras import layers

from .errors import ModelFileError


def _conv_bn_relu(filters: int, kernel: int, strides: int) -> list[layers.Layer]:
    # The convolution needs no bias: batch norm's shift (beta) plays that role.
    return [
        layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False),
        # momentum 0.9 (Keras' default is 0.99): the running statistics must settle
        # within the few hundred steps of a short training run.
        layers.BatchNormalization(momentum=0.9),
        layers.ReLU(),
    ]


def reference_cnn(width: int = 32, hidden: int = 128) -> keras.Model:
    """The course's reference CNN: built to pass 99 % test accuracy in little more than
    one epoch.

    28×28×1 → conv 5×5 stride 2 + ReLU (14×14×width) → conv 3×3 stride 2 (7×7×width)
    → dense ``hidden`` → softmax over 10 digits, with batch norm after the second
    convolution and the dense layer. Strided convolutions downsample as they filter,
    which does the work of a conv + max-pool pair at a quarter of the cost. The first
    convolution has a bias and no batch norm: its inputs are already in 0..1, and
    Keras' batch norm over its 14×14 maps cost more time than the convolution itself.

    >>> reference_cnn().count_params()   # doctest: +SKIP
    212682
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(width, 5, strides=2, padding="same", activation="relu"),
            *_conv_bn_relu(width, 3, 2),
            layers.Flatten(),
            layers.Dense(hidden, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.ReLU(),
            layers.Dense(10, activation="softmax"),
        ],
        name="reference_cnn",
    )


def best_cnn(width: int = 16, hidden: int = 128, dropout: float = 0.25) -> keras.Model:
    """Chapter 7's CNN: deeper than :func:`reference_cnn`, every convolution 3×3 with
    batch norm.

    28×28×1 → two convs of ``width`` at full resolution → conv stride 2 and conv of
    ``2 * width`` (14×14) → conv stride 2 of ``4 * width`` (7×7) → dense ``hidden``
    with batch norm → dropout ``dropout`` → softmax. Two 3×3 convolutions see as far as
    one 5×5 with fewer weights and one more ReLU; the stride-2 convolutions downsample
    as they filter (chapter 3). ``dropout=0`` leaves the dropout layer out.

    >>> best_cnn().count_params()   # doctest: +SKIP
    438554
    """
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            *_conv_bn_relu(width, 3, 1),
            *_conv_bn_relu(width, 3, 1),
            *_conv_bn_relu(2 * width, 3, 2),
            *_conv_bn_relu(2 * width, 3, 1),
            *_conv_bn_relu(4 * width, 3, 2),
            layers.Flatten(),
            layers.Dense(hidden, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.ReLU(),
            *([layers.Dropout(dropout)] if dropout else []),
            layers.Dense(10, activation="softmax"),
        ],
        name="best_cnn",
    )


def keras_io_convnet() -> keras.Model:
    """The keras.io "Simple MNIST convnet" (Conv 32 → pool → Conv 64 → pool → dropout →
    dense)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_io_convnet",
    )


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # legacy Keras .h5 files, which Keras still loads


def _not_a_model(path: Path) -> str | None:
    """Why ``path`` cannot be a Keras model file, judged from its first bytes; None if
    it may be one."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        return "it is empty (0 bytes)"
    if head.startswith(HDF5_SIGNATURE) or zipfile.is_zipfile(path):
        return None
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "it is a Python pickle (never loaded here: unpickling can run any code)"
    if head.startswith(b"PK"):
        return "it is a damaged or truncated zip file"
    try:
        head.decode("utf-8")
        return "it is a text file"
    except UnicodeDecodeError:
        return "it is neither a zip archive nor an HDF5 file"


def whole_sentences(text: str, limit: int = 300) -> str:
    """The first line(s) of an error message, cut after a whole sentence, never inside
    one.

    >>> whole_sentences("First. Second one is long.", limit=10)
    'First.'
    """
    text = " ".join(text.split())
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    return kept


def load_trained(path: str | os.PathLike) -> keras.Model:
    """Load a ``.keras`` classifier safely (Keras safe mode: no arbitrary code is
    unpickled).

    Raises :class:`~mnist_course.errors.ModelFileError` with the fix when the file is
    missing, not a Keras archive, unreadable or not a 28×28 → 10-class model.

    >>> model = load_trained("reference_cnn.keras")   # doctest: +SKIP
    """
    path = Path(path)
    retrain = (
        "Train one with `python -m mnist_course train`, or pass --model PATH to a good"
        " .keras file."
    )
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a .keras model file. {retrain}")
    if not path.is_file():
        raise ModelFileError(
            f"No model at {path}. Train one first with `python -m mnist_course train` "
            "(or pass --model PATH to a .keras file)."
        )
    why = _not_a_model(path)
    if why:
        raise ModelFileError(
            f"{path} is not a readable Keras model: {why}, not a Keras archive "
            f"(the zip file that model.save() writes). {retrain}"
        )
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a damaged file
        text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        reason = whole_sentences(text) if text.strip() else exc.__class__.__name__
        reason += "" if reason.endswith((".", "!", "?")) else "."
        raise ModelFileError(
            f"{path} is not a readable Keras model. Keras says: {reason} {retrain}"
        ) from exc
    if tuple(model.input_shape[1:]) != (28, 28, 1) or tuple(model.output_shape[1:]) != (
        10,
    ):
        raise ModelFileError(
            f"{path} maps {model.input_shape[1:]} to {model.output_shape[1:]}; "
            "expected a digit classifier from (28, 28, 1) images to 10 classes."
        )
    return model
