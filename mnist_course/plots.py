"""Plotting helpers, so that chapters show figures without matplotlib boilerplate.

>>> show_digits(x_train[:10], y_train[:10])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

# The book's text column is about 7.5 inches wide at matplotlib's 100 dpi: a wider
# figure is shrunk to fit, and its fonts with it. Fonts grow with the figure so that
# they still read at about 11 points on the page.
PAGE_WIDTH_IN = 7.5
FONT_PT = 11


def _font_size(width_in: float) -> float:
    """A font size (points) that reads as about FONT_PT once the figure is fit to the
    page."""
    return FONT_PT * max(1.0, width_in / PAGE_WIDTH_IN)


def show_digits(
    images: np.ndarray,
    titles: Sequence | None = None,
    ncols: int = 10,
    size: float = 1.1,
    cmap: str = "gray_r",
    symmetric: bool = False,
    colorbar: str | None = None,
):
    """Show a row (or grid) of images (28×28 or any size) with optional titles; returns
    the figure.

    ``symmetric=True`` centres the colour scale on 0, for weights and feature maps with
    a diverging ``cmap`` such as ``"RdBu_r"`` (0 is white). ``colorbar="each"`` gives
    every image its own scale and a colour bar beside it (images whose values mean
    different things); ``colorbar="shared"`` puts all images on one scale with one
    colour bar (the kernels of one layer, the templates of one model).

    >>> show_digits(  # doctest: +SKIP
    ...     kernels, ncols=8, cmap="RdBu_r", symmetric=True, colorbar="shared"
    ... )
    """
    if colorbar not in (None, "each", "shared"):
        raise ValueError(
            f'colorbar must be None, "each" or "shared", got {colorbar!r}.'
        )
    images = [np.asarray(image) for image in images]  # sizes may differ
    count = len(images)
    ncols = min(ncols, count)
    nrows = int(np.ceil(count / ncols))
    width = size * ncols * (1.25 if colorbar == "each" else 1.0) + (
        0.8 if colorbar == "shared" else 0.0
    )
    height = size * nrows + (0.3 * nrows if titles is not None else 0.1)
    fontsize = _font_size(width)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height), squeeze=False, layout="constrained"
    )
    shared = {}
    if colorbar == "shared":
        low = min(float(np.min(image)) for image in images)
        high = max(float(np.max(image)) for image in images)
        if symmetric:
            high = max(abs(low), abs(high)) or 1.0
            low = -high
        shared = {"vmin": low, "vmax": high}
    drawn = None
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= count:
            continue
        scale = dict(shared)
        if symmetric and not shared:
            limit = float(np.abs(images[i]).max()) or 1.0
            scale = {"vmin": -limit, "vmax": limit}
        drawn = ax.imshow(images[i], cmap=cmap, **scale)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=fontsize)
        if colorbar == "each":
            bar = fig.colorbar(drawn, ax=ax, shrink=0.8, fraction=0.08, pad=0.04)
            bar.ax.tick_params(labelsize=fontsize * 0.8)
    if colorbar == "shared" and drawn is not None:
        bar = fig.colorbar(
            drawn, ax=axes.ravel().tolist(), shrink=0.9, fraction=0.04, pad=0.02
        )
        bar.ax.tick_params(labelsize=fontsize * 0.8)
    return fig


def show_bars(
    values: Sequence[float],
    labels: Sequence | None = None,
    title: str = "",
    ylabel: str = "",
    value_format: str | None = None,
):
    """A bar chart with one bar per class (labels default to 0..n-1); returns the
    figure.

    ``value_format`` (such as ``"{:.1%}"``) writes each value above its bar.

    >>> show_bars(  # doctest: +SKIP
    ...     [0.98, 0.61], ["none", "right 2"], ylabel="accuracy", value_format="{:.1%}"
    ... )
    """
    values = np.asarray(values)
    labels = list(range(len(values))) if labels is None else list(labels)
    fig, ax = plt.subplots(figsize=(6.5, 2.8), layout="constrained")
    bars = ax.bar([str(name) for name in labels], values, color="tab:blue")
    ax.set_title(title, fontsize=FONT_PT + 1)
    ax.set_ylabel(ylabel, fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT - 1)
    if value_format:
        ax.bar_label(
            bars,
            labels=[value_format.format(v) for v in values],
            fontsize=FONT_PT - 1,
            padding=2,
        )
        ax.set_ylim(
            0, float(values.max()) * 1.15 if values.size and values.max() > 0 else 1
        )
    return fig


def show_curves(
    curves: dict[str, tuple[Sequence[float], Sequence[float]] | Sequence[float]],
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    logx: bool = False,
    ylim: tuple[float, float] | None = None,
    styles: dict[str, str] | None = None,
):
    """Line plots on one set of axes: ``{label: (x, y)}`` or ``{label: y}``; returns the
    figure.

    ``styles`` maps a label to a matplotlib format such as ``"--"`` (validation curves).

    >>> show_curves(  # doctest: +SKIP
    ...     {"SGD": losses_sgd, "Adam": losses_adam}, xlabel="step", ylabel="loss"
    ... )
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    for label, curve in curves.items():
        if isinstance(curve, tuple) and len(curve) == 2:
            xs, ys = curve
        else:
            ys = curve
            xs = range(1, len(ys) + 1)
        ax.plot(
            list(xs),
            list(ys),
            (styles or {}).get(label, "-"),
            label=label,
            linewidth=1.6,
        )
    if logx:
        ax.set_xscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title, fontsize=FONT_PT + 1)
    ax.set_xlabel(xlabel, fontsize=FONT_PT)
    ax.set_ylabel(ylabel, fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT - 1)
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend(fontsize=FONT_PT - 1)
    return fig


def show_reliability(
    panels: dict[str, tuple[np.ndarray, np.ndarray]],
    n_bins: int = 10,
    counts: bool = False,
    ncols: int | None = None,
):
    """Reliability diagrams, one panel per ``{title: (confidences, correct)}``; returns
    the figure.

    Each bar is one confidence bin (``(i/n, (i+1)/n]``): its height is the accuracy of
    the predictions in it, the dot their average confidence. A calibrated model's bars
    reach the diagonal; bars below it are over-confident, bars above it under-confident.

    ``counts=True`` adds, under each diagram, the number of predictions in every bin (a
    log scale, each bar labelled with its count): a bin of a few images says little.
    ``ncols`` wraps the panels into rows of that many (default: one row).

    >>> show_reliability(  # doctest: +SKIP
    ...     {"CNN": (probabilities.max(1), probabilities.argmax(1) == labels)}
    ... )
    """
    ncols = len(panels) if ncols is None else max(1, min(ncols, len(panels)))
    nrows = -(-len(panels) // ncols)
    rows_per_panel = 2 if counts else 1
    fig, axes = plt.subplots(
        nrows * rows_per_panel,
        ncols,
        squeeze=False,
        layout="constrained",
        figsize=(3.6 * ncols, (4.3 if counts else 3.4) * nrows),
        gridspec_kw={"height_ratios": [3, 1.3] * nrows} if counts else None,
    )
    for ax in axes.ravel():
        ax.axis("off")  # panels beyond the last stay blank
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    for i, (title, (confidence, correct)) in enumerate(panels.items()):
        row, col = divmod(i, ncols)
        ax = axes[row * rows_per_panel, col]
        ax.axis("on")
        confidence, correct = (
            np.asarray(confidence, dtype=float),
            np.asarray(correct, dtype=bool),
        )
        bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
        centres, accuracy, mean_confidence, sizes = [], [], [], []
        for b in range(n_bins):
            inside = bins == b
            if inside.any():
                centres.append((edges[b] + edges[b + 1]) / 2)
                accuracy.append(correct[inside].mean())
                mean_confidence.append(confidence[inside].mean())
                sizes.append(int(inside.sum()))
        ax.bar(
            centres,
            accuracy,
            width=1.0 / n_bins,
            edgecolor="white",
            color="tab:blue",
            label="accuracy",
        )
        ax.plot(
            centres,
            mean_confidence,
            "o",
            color="tab:orange",
            markersize=4,
            label="confidence",
        )
        ax.plot([0, 1], [0, 1], "--", color="gray", linewidth=1, label="calibrated")
        ax.set(xlim=(0, 1), ylim=(0, 1))
        ax.set_title(title, fontsize=FONT_PT)
        ax.set_ylabel("accuracy", fontsize=FONT_PT - 1)
        ax.tick_params(labelsize=FONT_PT - 2)
        if not counts:
            ax.set_xlabel("confidence", fontsize=FONT_PT - 1)
            continue
        below = axes[row * rows_per_panel + 1, col]
        below.axis("on")
        drawn = below.bar(
            centres, sizes, width=1.0 / n_bins, edgecolor="white", color="tab:gray"
        )
        below.bar_label(
            drawn, labels=[f"{n:,}" for n in sizes], fontsize=FONT_PT - 4, padding=1
        )
        below.set_yscale("log")
        below.set(xlim=(0, 1), ylim=(0.5, max(sizes) * 30))
        below.set_xlabel("confidence", fontsize=FONT_PT - 1)
        below.set_ylabel("predictions", fontsize=FONT_PT - 1)
        below.tick_params(labelsize=FONT_PT - 2)
    # above the panels, where it hides no bar
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        names,
        loc="outside upper center",
        ncols=3,
        fontsize=FONT_PT - 2,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    return fig


def show_rows(
    rows: Sequence[tuple[str, Sequence[np.ndarray], str]],
    titles: Sequence[str] | None = None,
    size: float = 0.75,
):
    """Rows of maps, one column per image, each row labelled on its left.

    Each row is ``(label, maps, scale)``; ``scale`` is ``"digit"`` (0 to 1, ink dark on
    white, like :func:`show_digits`), ``"own"`` (each map from 0, white, to its own
    maximum, black) or ``"signed"`` (one scale for the whole row, red above 0 and blue
    below, with a colour bar). ``titles`` go above the first row's columns.

    >>> show_rows(  # doctest: +SKIP
    ...     [("digit", x[:5], "digit"), ("saliency", maps, "own")]
    ... )
    """
    columns = len(rows[0][1])
    fig, axes = plt.subplots(
        len(rows),
        columns + 1,
        squeeze=False,
        layout="constrained",
        figsize=(size * columns + 1.8, size * len(rows) + 0.5),
        gridspec_kw={"width_ratios": [1] * columns + [0.12]},
    )
    for (label, maps, scale), row in zip(rows, axes, strict=True):
        maps = list(maps)
        top = max(float(np.abs(m).max()) for m in maps) or 1.0
        for image, ax in zip(maps, row, strict=False):
            if scale == "signed":
                drawn = ax.imshow(image, cmap="RdBu_r", vmin=-top, vmax=top)
            else:  # "own": None lets each map reach its own maximum
                drawn = ax.imshow(
                    image, cmap="gray_r", vmin=0, vmax=1 if scale == "digit" else None
                )
            ax.set_xticks([]), ax.set_yticks([])
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        if scale == "signed":
            fig.colorbar(drawn, cax=row[-1]).ax.tick_params(labelsize=7)
        else:
            row[-1].axis("off")
    for ax, title in zip(axes[0], titles or [], strict=False):
        ax.set_title(title, fontsize=9)
    return fig
