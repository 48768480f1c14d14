"""Evaluation metrics written with NumPy (arrays in, numbers out), and the shift
experiment.

>>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), num_classes=2)
array([[1, 0],
       [1, 1]])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# The chapters' robustness experiment: every test digit moved by 2 pixels, each way.
TWO_PIXEL_SHIFTS: dict[str, tuple[int, int]] = {
    "none": (0, 0),
    "right 2": (2, 0),
    "left 2": (-2, 0),
    "down 2": (0, 2),
    "up 2": (0, -2),
}


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10
) -> np.ndarray:
    """Counts ``C[t, p]`` of examples with true class ``t`` predicted as ``p`` (chapter
    5's exercise writes the same counting by hand)."""
    y_true, y_pred = (
        np.asarray(y_true, dtype=int).ravel(),
        np.asarray(y_pred, dtype=int).ravel(),
    )
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has {y_true.size} labels but y_pred has {y_pred.size}."
        )
    if y_true.size and (
        min(y_true.min(), y_pred.min()) < 0
        or max(y_true.max(), y_pred.max()) >= num_classes
    ):
        raise ValueError(f"labels must be integers from 0 to {num_classes - 1}.")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )


def per_class_accuracy(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10
) -> np.ndarray:
    """Fraction of each true class predicted correctly (the recall of each class)."""
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    return np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)


def predict_shifted(
    classify: Callable[[np.ndarray], np.ndarray],
    images: np.ndarray,
    shift: Callable[[np.ndarray, int, int], np.ndarray],
    shifts: dict[str, tuple[int, int]] = TWO_PIXEL_SHIFTS,
) -> dict[str, np.ndarray]:
    """The digits ``classify`` predicts for shifted copies of ``images``, one array per
    named shift.

    ``shift(images, dx, dy)`` moves a batch ``dx`` pixels right and ``dy`` down (chapter
    2's exercise); ``classify`` maps a batch of uint8 images to predicted digits.

    >>> ink_in_last_column = lambda x: (x[:, :, -1].sum(axis=1) > 0).astype(int)
    >>> roll = lambda x, dx, dy: np.roll(x, (dy, dx), axis=(1, 2))
    >>> dot = np.zeros((1, 3, 3)); dot[0, 1, 2] = 1
    >>> shifts = {"none": (0, 0), "left 1": (-1, 0)}
    >>> predict_shifted(ink_in_last_column, dot, roll, shifts)
    {'none': array([1]), 'left 1': array([0])}
    """
    return {
        name: np.asarray(classify(shift(images, dx, dy)))
        for name, (dx, dy) in shifts.items()
    }


def rotate_images(images: np.ndarray, degrees: float) -> np.ndarray:
    """uint8 images (N, H, W) rotated by ``degrees`` (counter-clockwise) about their
    centre, black filled.

    >>> line = np.zeros((1, 5, 5), np.uint8); line[0, 2, :] = 255   # a horizontal bar
    >>> int(rotate_images(line, 90)[0, :, 2].sum() > 1000)          # now vertical
    1
    """
    from PIL import Image

    images = np.asarray(images)
    return np.stack(
        [
            np.asarray(
                Image.fromarray(image).rotate(
                    degrees, resample=Image.Resampling.BILINEAR, fillcolor=0
                )
            )
            for image in images
        ]
    ).astype(images.dtype)


def percent(probability: float) -> str:
    """A confidence with one decimal, never rounded up to a certain-looking "100.0 %".

    >>> percent(0.98765), percent(0.99996)
    ('98.8 %', '>99.9 %')
    """
    return f"{100 * probability:.1f} %" if probability < 0.9995 else ">99.9 %"
