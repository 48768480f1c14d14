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
from .config import FAST_TRAIN_SIZE, fast_mode_notice
from .data import load_mnist
from .errors import CacheError, ModelFileError, UsageError
from .models import reference_cnn

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


def check_model_path(path: str | os.PathLike) -> Path:
    """Return ``path`` if a model can be saved there, else raise :class:`ModelFileError`.

    Checked before training, so a bad ``--out`` never costs a training run: the name
    must end in ``.keras``, must not be a folder, and its folder must be creatable.

    >>> check_model_path("model.h5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mnist_course.errors.ModelFileError: cannot save a model to model.h5: ...
    """
    path = Path(path).expanduser()
    fail = f"cannot save a model to {path}:"
    if path.is_dir():
        raise ModelFileError(f"{fail} it is a folder. Give a file name in it, e.g. {path / 'reference_cnn.keras'}")
    if path.suffix != ".keras":
        raise ModelFileError(
            f"{fail} the file name must end in .keras, the format Keras 3 saves "
            f"(e.g. {path.with_suffix('.keras').name})."
        )
    for folder in path.parents:
        if folder.is_dir():
            if not os.access(folder, os.W_OK | os.X_OK):
                raise ModelFileError(f"{fail} you may not write in {folder}. Choose another folder.")
            break
        if folder.exists():
            raise ModelFileError(f"{fail} {folder} is a file, not a folder. Choose another place.")
    return path


def _keras_only(config: object) -> bool:
    """True when a serialized Keras config refers to no class outside Keras."""
    if isinstance(config, dict):
        module = config.get("module")
        if isinstance(module, str) and not module.startswith("keras"):
            return False
        return all(_keras_only(value) for value in config.values())
    if isinstance(config, (list, tuple)):
        return all(_keras_only(value) for value in config)
    return True


def portable_model(model: keras.Model) -> keras.Model:
    """The model as any Keras can load it: without this package's classes in its training setup.

    A model compiled by :func:`compile_reference` carries the :class:`OneCycle` schedule
    in its optimizer, and ``keras.models.load_model`` elsewhere fails on it ("Could not
    locate class 'OneCycle'"). The copy has the same layers and weights, is compiled
    with the same loss and metrics, and its optimizer keeps its state (step count,
    moments) with the learning rate the schedule had reached, a plain number. A model
    without such classes is returned as it is.
    """
    if not model.compiled or _keras_only(model.get_compile_config()):
        return model
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    compile_config = model.get_compile_config()
    reached = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))  # the schedule's value now
    compile_config["optimizer"]["config"]["learning_rate"] = reached
    copy.compile_from_config(compile_config)
    if model.optimizer.built:
        copy.optimizer.build(copy.trainable_variables)
        state = {variable.path: variable for variable in model.optimizer.variables}
        for variable in copy.optimizer.variables:
            if variable.path in state:
                variable.assign(state[variable.path])
    return copy


def save_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """Save a ``.keras`` file atomically (a reader never sees a half-written model) that loads anywhere.

    The file holds :func:`portable_model` of the model: plain ``keras.models.load_model(path)``
    opens it in a program that never imports ``mnist_course``.
    """
    path = check_model_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
    except OSError as exc:
        raise CacheError(f"cannot save a model to {path}: {exc.strerror or exc}. Choose another place.") from exc
    os.close(fd)
    try:
        portable_model(model).save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise CacheError(
            f"could not save the model to {path}: {exc.strerror or exc}. Make room on that disk or choose "
            "another place with --out; no partial file was left."
        ) from exc
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

    Normally all of them, unchanged, and it prints nothing. In fast mode
    (``MNIST_COURSE_FAST=1``, used by the course's tests) a fixed subset of 6,000 images
    and a single epoch, so that every notebook runs in seconds; it then prints one line
    saying so, because the accuracies that follow are lower than the real ones.

    >>> x, y, epochs = training_budget(x_train, y_train, epochs=10)   # doctest: +SKIP
    """
    if config.fast_mode():
        x, y = fast_subset(x, y)
        print(fast_mode_notice(len(x), 1), flush=True)
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
        raise UsageError(f"epochs must be at least 1, got {epochs}.")
    if out is not None:
        out = check_model_path(out)  # before training: a bad path must not cost a training run
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
