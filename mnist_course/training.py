"""Training the reference CNN: input scaling, a one-cycle learning rate, saving.

>>> result = train_reference(epochs=3, seed=0)   # doctest: +SKIP
>>> result.test_accuracy > 0.99
True
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from . import config
from .data import load_mnist
from .models import reference_cnn

FAST_TRAIN_SIZE = 6000  # images used in fast mode (a fixed subset)
BATCH_SIZE = 250  # 60,000 / 250 = 240 full batches: no odd-sized last batch to retrace
DEFAULT_EPOCHS = 3


def prepare_images(x: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in 0..255 → float32 (N, 28, 28, 1) in 0..1, the model's input.

    >>> prepare_images(np.full((2, 28, 28), 255, np.uint8)).shape
    (2, 28, 28, 1)
    """
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[None]
    return (x.astype("float32") / 255.0)[..., None]


@keras.saving.register_keras_serializable(package="mnist_course")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Warm up linearly from ``peak/10`` to ``peak``, then follow a cosine down to ``peak/final_div``.

    A high learning rate in the middle explores fast; the long decay at the end
    settles into a good minimum. ``warmup`` is the fraction of steps spent warming up.
    """

    def __init__(self, peak: float, total_steps: int, warmup: float = 0.25, final_div: float = 100.0):
        self.peak, self.total_steps = float(peak), int(total_steps)
        self.warmup, self.final_div = float(warmup), float(final_div)

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        warm = max(1.0, self.warmup * self.total_steps)
        rising = self.peak * (0.1 + 0.9 * step / warm)
        progress = ops.clip((step - warm) / max(1.0, self.total_steps - warm), 0.0, 1.0)
        low = self.peak / self.final_div
        falling = low + (self.peak - low) * 0.5 * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step < warm, rising, falling)

    def get_config(self) -> dict:
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup": self.warmup, "final_div": self.final_div}


def compile_reference(model: keras.Model, total_steps: int, peak_lr: float = 0.01) -> keras.Model:
    """Adam with a one-cycle schedule and sparse cross-entropy; reports accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(OneCycle(peak_lr, total_steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def save_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """Save a ``.keras`` file atomically: a reader never sees a half-written model."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"A Keras model file must end in .keras, got {path.name}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


@dataclass
class TrainResult:
    model: keras.Model
    history: dict
    test_accuracy: float
    seconds: float
    path: Path | None
    fast: bool


def fast_subset(x: np.ndarray, y: np.ndarray, size: int = FAST_TRAIN_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, class-mixed subset of the training data (the same one every time)."""
    index = np.random.default_rng(1234).permutation(len(x))[:size]
    return x[index], y[index]


def training_budget(x: np.ndarray, y: np.ndarray, epochs: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The training images, labels and epochs a chapter should use.

    Normally all of them, unchanged. In fast mode (``MNIST_COURSE_FAST=1``, used by the
    course's tests) a fixed subset of 6,000 images and a single epoch, so that every
    notebook runs in seconds; the numbers it prints are then lower.

    >>> x, y, epochs = training_budget(x_train, y_train, epochs=10)   # doctest: +SKIP
    """
    if config.fast_mode():
        x, y = fast_subset(x, y)
        return x, y, 1
    return x, y, epochs


def train_reference(
    *,
    epochs: int | None = None,
    seed: int = 0,
    out: str | os.PathLike | None = None,
    fast: bool | None = None,
    verbose: int | str = 1,
    callbacks: list | None = None,
) -> TrainResult:
    """Train :func:`~mnist_course.models.reference_cnn` on MNIST and evaluate it on the test set.

    ``fast`` (default: the ``MNIST_COURSE_FAST`` variable) trains on a fixed subset
    of 6,000 images for one epoch. ``out`` saves the model there (``.keras``).
    """
    fast = config.fast_mode() if fast is None else fast
    if epochs is None:
        epochs = 1 if fast else DEFAULT_EPOCHS
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    (x_train, y_train), (x_test, y_test) = load_mnist()
    if fast:
        x_train, y_train = fast_subset(x_train, y_train)
    x_train, x_test = prepare_images(x_train), prepare_images(x_test)

    keras.utils.set_random_seed(seed)
    model = reference_cnn()
    steps = math.ceil(len(x_train) / BATCH_SIZE) * epochs
    compile_reference(model, steps)
    start = time.perf_counter()
    history = model.fit(
        x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, shuffle=True,
        verbose=verbose, callbacks=callbacks or [],
    )
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, batch_size=BATCH_SIZE, verbose=0)
    path = save_model(model, out) if out else None
    return TrainResult(model, history.history, float(accuracy), seconds, path, fast)
