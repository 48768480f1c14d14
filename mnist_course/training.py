"""Training the reference CNN: input scaling, a one-cycle learning rate, label
smoothing, saving.

>>> result = train_reference(seed=0)   # doctest: +SKIP
>>> result.test_accuracy > 0.99   # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import config
from .config import DEFAULT_EPOCHS, FAST_TRAIN_SIZE, fast_mode_notice
from .data import load_mnist
from .errors import CacheError, ModelFileError, UsageError
from .models import _conv_bn_relu, best_cnn, reference_cnn

BATCH_SIZE = 250  # 60,000 / 250 = 240 full batches: no odd-sized last batch to retrace
PEAK_LR = 0.02  # Adam's learning rate at the top of the one-cycle schedule
LABEL_SMOOTHING = (
    0.1  # train towards 0.91 for the right digit and 0.01 for the others, not 1 and 0
)


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
    """Warm up linearly from ``peak/10`` to ``peak``, then follow a cosine down to
    ``peak/final_div``.

    A high learning rate in the middle explores fast; the long decay at the end
    settles into a good minimum. ``warmup`` is the fraction of steps spent warming up.
    """

    def __init__(
        self,
        peak: float,
        total_steps: int,
        warmup: float = 0.25,
        final_div: float = 100.0,
    ):
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
        return {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "warmup": self.warmup,
            "final_div": self.final_div,
        }


def compile_reference(
    model: keras.Model,
    total_steps: int,
    peak_lr: float = PEAK_LR,
    label_smoothing: float = 0.0,
) -> keras.Model:
    """Adam with a one-cycle schedule and cross-entropy; reports accuracy.

    Without label smoothing the labels are digits (sparse cross-entropy). With
    ``label_smoothing > 0`` they must be one-hot rows, as :func:`training_batches` makes
    them.

    >>> model = compile_reference(  # doctest: +SKIP
    ...     reference_cnn(), total_steps=480, label_smoothing=0.1
    ... )
    """
    if label_smoothing:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy()
    model.compile(
        optimizer=keras.optimizers.Adam(OneCycle(peak_lr, total_steps)),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def training_batches(
    x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0
) -> tf.data.Dataset:
    """Endless shuffled batches of (images, one-hot labels), reshuffled every epoch.

    Give it prepared images (:func:`prepare_images`) and digit labels. Each batch is
    gathered from the whole arrays with a fresh shuffle of the indices, so one
    iterator serves the whole run: ``model.fit(batches, epochs=...,
    steps_per_epoch=...)``. Given NumPy arrays, Keras makes a new ``tf.data`` iterator
    every epoch, and closing the old one waits for tf.data's autotuner: on one CPU core
    we measured from 1 s to 20 s per epoch, with the CPU idle. This pipeline runs
    without the autotuner, and one iterator lasts the whole run.

    >>> images, labels = next(  # doctest: +SKIP
    ...     iter(training_batches(x_train, y_train, 250))
    ... )
    >>> images.shape, labels.shape   # doctest: +SKIP
    (TensorShape([250, 28, 28, 1]), TensorShape([250, 10]))
    """
    images, digits = tf.constant(x), tf.constant(y, dtype="int32")
    order = tf.data.Dataset.range(len(x)).shuffle(
        len(x), seed=seed, reshuffle_each_iteration=True
    )
    batches = (
        order.repeat()
        .batch(batch_size, drop_remainder=True)
        .map(
            lambda index: (
                tf.gather(images, index),
                tf.one_hot(tf.gather(digits, index), 10),
            )
        )
    )
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.prefetch(1).with_options(options)


def reference_setup(
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
) -> tuple[keras.Model, dict]:
    """The reference recipe, ready to train: a compiled model and the arguments for its
    ``fit``.

    ``python -m mnist_course train`` and ``benchmarks/time_to_accuracy.py`` both train
    through it, so they always train the same thing: :func:`reference_cnn` under
    :func:`compile_reference` (Adam, one-cycle to :data:`PEAK_LR`, label smoothing
    :data:`LABEL_SMOOTHING`) on :func:`training_batches` of :data:`BATCH_SIZE`.

    >>> model, fit_kwargs = reference_setup(  # doctest: +SKIP
    ...     prepare_images(x_train), y_train, seed=0
    ... )
    >>> history = model.fit(**fit_kwargs, verbose=0)   # doctest: +SKIP
    """
    keras.utils.set_random_seed(seed)
    model = reference_cnn()
    steps_per_epoch = math.ceil(len(x_train) / BATCH_SIZE)
    compile_reference(model, steps_per_epoch * epochs, label_smoothing=LABEL_SMOOTHING)
    batches = training_batches(x_train, y_train, BATCH_SIZE, seed)
    # shuffle=False: the batches come shuffled already (and Keras warns when asked to
    # shuffle a Dataset)
    return model, {
        "x": batches,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "shuffle": False,
    }


def measure_accuracy(
    model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000
) -> float:
    """The fraction of ``x`` (prepared images) that ``model`` labels as ``y`` (digits).

    Predicts ``batch_size`` images at a time with ``predict_on_batch``: no input
    pipeline to build, and one traced function however often it is called (so it
    can measure a model many times during training, as the benchmark does).

    >>> measure_accuracy(model, prepare_images(x_test), y_test)   # doctest: +SKIP
    0.9921
    """
    batches = (x[start : start + batch_size] for start in range(0, len(x), batch_size))
    predicted = np.concatenate(
        [model.predict_on_batch(batch).argmax(axis=1) for batch in batches]
    )
    return float((predicted == np.asarray(y)).mean())


def check_model_path(path: str | os.PathLike) -> Path:
    """Return ``path`` if a model can be saved there, else raise
    :class:`ModelFileError`.

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
        raise ModelFileError(
            f"{fail} it is a folder. Give a file name in it, e.g."
            f" {path / 'reference_cnn.keras'}"
        )
    if path.suffix != ".keras":
        raise ModelFileError(
            f"{fail} the file name must end in .keras, the format Keras 3 saves "
            f"(e.g. {path.with_suffix('.keras').name})."
        )
    for folder in path.parents:
        if folder.is_dir():
            if not os.access(folder, os.W_OK | os.X_OK):
                raise ModelFileError(
                    f"{fail} you may not write in {folder}. Choose another folder."
                )
            break
        if folder.exists():
            raise ModelFileError(
                f"{fail} {folder} is a file, not a folder. Choose another place."
            )
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
    """The model as any Keras can load it: without this package's classes in its
    training setup.

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
    reached = float(
        keras.ops.convert_to_numpy(model.optimizer.learning_rate)
    )  # the schedule's value now
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
    """Save a ``.keras`` file atomically (a reader never sees a half-written model) that
    loads anywhere.

    The file holds :func:`portable_model` of the model: plain
    ``keras.models.load_model(path)`` opens it in a program that never imports
    ``mnist_course``.
    """
    path = check_model_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=".keras", dir=path.parent
        )
    except OSError as exc:
        raise CacheError(
            f"cannot save a model to {path}: {exc.strerror or exc}. Choose another"
            " place."
        ) from exc
    os.close(fd)
    try:
        portable_model(model).save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise CacheError(
            f"could not save the model to {path}: {exc.strerror or exc}. Make room on"
            " that disk or choose another place with --out; no partial file was left."
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


def fast_subset(
    x: np.ndarray, y: np.ndarray, size: int = FAST_TRAIN_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, class-mixed subset of the training data (the same one every time)."""
    index = np.random.default_rng(1234).permutation(len(x))[:size]
    return x[index], y[index]


def training_budget(
    x: np.ndarray, y: np.ndarray, epochs: int
) -> tuple[np.ndarray, np.ndarray, int]:
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
    """Train :func:`~mnist_course.models.reference_cnn` on MNIST and evaluate it on the
    test set.

    ``fast`` (default: the ``MNIST_COURSE_FAST`` variable) trains on a fixed subset
    of 6,000 images for one epoch. ``out`` saves the model there (``.keras``).
    """
    fast = config.fast_mode() if fast is None else fast
    if epochs is None:
        epochs = 1 if fast else DEFAULT_EPOCHS
    if epochs < 1:
        raise UsageError(f"epochs must be at least 1, got {epochs}.")
    if out is not None:
        out = check_model_path(
            out
        )  # before training: a bad path must not cost a training run
    (x_train, y_train), (x_test, y_test) = load_mnist()
    if fast:
        x_train, y_train = fast_subset(x_train, y_train)
    x_train, x_test = prepare_images(x_train), prepare_images(x_test)

    model, fit_kwargs = reference_setup(x_train, y_train, epochs=epochs, seed=seed)
    start = time.perf_counter()
    history = model.fit(**fit_kwargs, verbose=verbose, callbacks=callbacks or [])
    seconds = time.perf_counter() - start
    accuracy = measure_accuracy(model, x_test, y_test)
    path = save_model(model, out) if out else None
    return TrainResult(model, history.history, accuracy, seconds, path, fast)


# ------------------------------------------------------------ chapter 7's recipe


def augmentation(seed: int = 0) -> keras.Sequential:
    """Random moves of every training digit, new each time it is seen (chapter 4):
    shifts of up to 2 pixels, rotations of up to 10°, zooms of up to 10 %, black filled.

    Active only while training: at prediction time the layers pass images through.
    """
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(
                2 / 28, 2 / 28, fill_mode="constant", seed=seed
            ),
            keras.layers.RandomRotation(10 / 360, fill_mode="constant", seed=seed),
            keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed),
        ],
        name="augmentation",
    )


@dataclass(frozen=True)
class Recipe:
    """Every choice chapter 7 makes when it trains a model (and its ablation turns
    off).

    ``model`` is ``"best"`` (:func:`~mnist_course.models.best_cnn`) or
    ``"reference"`` (:func:`~mnist_course.models.reference_cnn`, chapter 4's). Adam
    follows a one-cycle schedule (:class:`OneCycle`) to ``peak_lr`` over all the
    steps.
    """

    model: str = "best"
    epochs: int = 12
    augment: bool = True
    label_smoothing: float = 0.1
    dropout: float = 0.25
    batch_size: int = 128
    peak_lr: float = 3e-3

    def build(self) -> keras.Model:
        if self.model == "reference":
            return reference_cnn()
        if self.model == "best":
            return best_cnn(dropout=self.dropout)
        raise UsageError(
            f"unknown model {self.model!r} in a recipe: use 'best' or 'reference'."
        )


BEST = Recipe()  # chapter 7's single model, as `train --recipe best` trains it


@dataclass
class Trained:
    """A model a :class:`Recipe` trained, how long training took (when it was trained,
    if it came from the cache) and where the cached copy is."""

    model: keras.Model
    seconds: float
    from_cache: bool
    path: Path


def _recipe_key(recipe: Recipe, x: np.ndarray, y: np.ndarray, seed: int) -> str:
    """A name for the trained model that changes when anything that shapes it
    changes: the recipe, the seed, the data, the library versions and the code."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(json.dumps([dataclasses.asdict(recipe), seed]).encode())
    for array in (x, y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.data)
    digest.update(f"{keras.__version__} {tf.__version__}".encode())
    for code in (
        reference_cnn,
        best_cnn,
        _conv_bn_relu,
        augmentation,
        OneCycle,
        training_batches,
        fit_recipe,
        Recipe,
    ):
        digest.update(inspect.getsource(code).encode())
    return digest.hexdigest()


def fit_recipe(
    recipe: Recipe,
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    cache: bool = True,
    verbose: int | str = 0,
) -> Trained:
    """Train ``recipe``'s model on prepared images ``x`` and digit labels ``y``.

    With ``cache`` (the default) the trained model is kept in
    ``config.models_dir() / "recipes"`` under a name made from everything that shapes
    it (:func:`_recipe_key`), and a second call with the same arguments loads it
    instead of training again: a chapter rebuilt after a text edit does not retrain,
    and the numbers it prints stay the same. Delete that folder to retrain.

    >>> trained = fit_recipe(BEST, x_train, y_train, seed=0)   # doctest: +SKIP
    >>> trained.model.predict(x_test[:1], verbose=0).shape   # doctest: +SKIP
    (1, 10)
    """
    folder = config.models_dir() / "recipes"
    path = folder / f"{_recipe_key(recipe, x, y, seed)}.keras"
    record = path.with_suffix(".json")
    if cache and path.is_file() and record.is_file():
        model = keras.models.load_model(path, compile=False)
        return Trained(model, json.loads(record.read_text())["seconds"], True, path)
    keras.utils.set_random_seed(seed)
    model = recipe.build()
    trainer = keras.Sequential(
        [*([augmentation(seed)] if recipe.augment else []), model]
    )
    steps_per_epoch = math.ceil(len(x) / recipe.batch_size)
    trainer.compile(
        optimizer=keras.optimizers.Adam(
            OneCycle(recipe.peak_lr, steps_per_epoch * recipe.epochs)
        ),
        loss=keras.losses.CategoricalCrossentropy(
            label_smoothing=recipe.label_smoothing
        ),
    )
    start = time.perf_counter()
    trainer.fit(
        training_batches(x, y, recipe.batch_size, seed),
        epochs=recipe.epochs,
        steps_per_epoch=steps_per_epoch,
        shuffle=False,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    if cache:
        save_model(model, path)  # the model alone: uncompiled, without augmentation
        record.write_text(
            json.dumps({"seconds": seconds, "recipe": dataclasses.asdict(recipe)})
        )
    return Trained(model, seconds, False, path)


def train_best(
    *,
    epochs: int | None = None,
    seed: int = 0,
    out: str | os.PathLike | None = None,
    fast: bool | None = None,
    verbose: int | str = 1,
) -> TrainResult:
    """Train chapter 7's single model (:data:`BEST`) as the chapter does, on chapter
    1's 55,000-image training split, and evaluate it on the test set.

    The model is the chapter's own (:func:`fit_recipe`'s cache is shared): after the
    book has been built, this loads it instead of training again. ``fast`` trains on
    a fixed subset of 6,000 images for one epoch.
    """
    from .data import train_val_split

    fast = config.fast_mode() if fast is None else fast
    if epochs is None:
        epochs = 1 if fast else BEST.epochs
    if epochs < 1:
        raise UsageError(f"epochs must be at least 1, got {epochs}.")
    if out is not None:
        out = check_model_path(out)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    (x_train, y_train), _ = train_val_split(x_train, y_train)
    if fast:
        x_train, y_train = fast_subset(x_train, y_train)
    trained = fit_recipe(
        dataclasses.replace(BEST, epochs=epochs),
        prepare_images(x_train),
        y_train,
        seed=seed,
        verbose=verbose,
    )
    if trained.from_cache:
        print(f"loaded the model trained earlier from {trained.path}", flush=True)
    accuracy = measure_accuracy(trained.model, prepare_images(x_test), y_test)
    path = save_model(trained.model, out) if out else None
    return TrainResult(trained.model, {}, accuracy, trained.seconds, path, fast)
