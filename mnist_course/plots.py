"""Plotting helpers, so that chapters show figures without matplotlib boilerplate.

>>> show_digits(x_train[:10], y_train[:10])   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def show_digits(
    images: np.ndarray,
    titles: Sequence | None = None,
    ncols: int = 10,
    size: float = 1.1,
    cmap: str = "gray_r",
    symmetric: bool = False,
):
    """Show a row (or grid) of images (28×28 or any size) with optional titles; returns the figure.

    ``symmetric=True`` centres each image's colour scale on 0, for weights and feature
    maps with a diverging ``cmap`` such as ``"RdBu_r"`` (0 is white).
    """
    images = [np.asarray(image) for image in images]  # sizes may differ
    count = len(images)
    nrows = int(np.ceil(count / ncols))
    fig, axes = plt.subplots(nrows, min(ncols, count), figsize=(size * min(ncols, count), size * 1.25 * nrows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < count:
            scale = {}
            if symmetric:
                limit = float(np.abs(images[i]).max()) or 1.0
                scale = {"vmin": -limit, "vmax": limit}
            ax.imshow(images[i], cmap=cmap, **scale)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    fig.tight_layout()
    return fig


def show_bars(values: Sequence[float], labels: Sequence | None = None, title: str = "", ylabel: str = ""):
    """A bar chart with one bar per class (labels default to 0..n-1); returns the figure."""
    values = np.asarray(values)
    labels = list(range(len(values))) if labels is None else list(labels)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.bar([str(l) for l in labels], values, color="tab:blue")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig
