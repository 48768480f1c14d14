"""Evaluation metrics written with NumPy (arrays in, numbers out).

>>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), num_classes=2)
array([[1, 0],
       [1, 1]])
"""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts ``C[t, p]`` of examples with true class ``t`` predicted as ``p``."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}.")
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Fraction of each true class predicted correctly (the recall of each class)."""
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    return np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
