"""Where files live and whether fast mode is on: read from the environment.

Environment variables
---------------------
``MNIST_COURSE_CACHE``
    The cache directory (MNIST files under ``mnist/``, trained models under
    ``models/``). Default: ``$XDG_CACHE_HOME/mnist_course`` or
    ``~/.cache/mnist_course``.
``MNIST_COURSE_FAST``
    Set to ``1`` to train on a small fixed subset for one epoch (tests and CI).
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "MNIST_COURSE_CACHE"
FAST_ENV = "MNIST_COURSE_FAST"


def cache_dir() -> Path:
    """Return the cache directory (not created here).

    >>> cache_dir().name  # doctest: +SKIP
    'mnist_course'
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mnist_course"


def data_dir() -> Path:
    """Directory holding the four verified MNIST IDX files."""
    return cache_dir() / "mnist"


def models_dir() -> Path:
    """Directory where ``train`` saves models and ``evaluate``/``predict`` look for
    them."""
    return cache_dir() / "models"


def default_model_path(recipe: str | None = None) -> Path:
    """The model file ``train --recipe RECIPE`` writes, or (``recipe=None``) the one
    ``evaluate``/``predict`` read by default: chapter 7's model (``--recipe best``) once
    it has been trained, else the reference CNN.

    Fast mode uses its own files, so a quick test run never replaces a fully trained
    model.
    """
    suffix = "_fast" if fast_mode() else ""
    if recipe is None:
        best = models_dir() / f"best_cnn{suffix}.keras"
        return best if best.is_file() else default_model_path("reference")
    name = "best_cnn" if recipe == "best" else "reference_cnn"
    return models_dir() / f"{name}{suffix}.keras"


FAST_TRAIN_SIZE = 6000  # training images in fast mode (a fixed subset)
# `train`'s default: test accuracy passes 99 % after about 1.25 epochs, and ends near
# 99.2 %
DEFAULT_EPOCHS = 2


def fast_mode_notice(images: int = FAST_TRAIN_SIZE, epochs: int = 1) -> str:
    """The line fast mode prints, so that no one mistakes its numbers for the real ones.

    It fits the book's code column (78 characters for the course's sizes).

    >>> fast_mode_notice(6000, 1)
    'FAST MODE (MNIST_COURSE_FAST=1): 6,000 images, 1 epoch; not representative.'
    """
    return (
        f"FAST MODE ({FAST_ENV}=1): {images:,} images, {epochs}"
        f" epoch{'s' if epochs != 1 else ''}; not representative."
    )


def fast_mode() -> bool:
    """True when ``MNIST_COURSE_FAST`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
