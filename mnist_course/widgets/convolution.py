"""ConvolutionPlayground: one 3×3 kernel on one digit → feature map, ReLU, 2×2 max
pooling."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..exercises.ch03 import max_pool2d
from ._common import Explorer, as_image, fit_zoom, image_widget, show_image, titled

PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32),
    "edges": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float32),
    "blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float32),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float32),
}
CUSTOM = "custom"
PANEL_PIXELS = 168  # every panel is shown about this wide, whatever its size in pixels


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """What ``Conv2D(1, 3, padding="valid", use_bias=False)`` computes: slide, multiply,
    sum.

    Like Keras, this is a cross-correlation (the kernel is not flipped).

    >>> convolve(np.arange(16.0).reshape(4, 4), PRESETS["identity"])
    array([[ 5.,  6.],
           [ 9., 10.]])
    """
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _as_kernel(kernel: str | np.ndarray) -> np.ndarray:
    if isinstance(kernel, str):
        if kernel not in PRESETS:
            raise ValueError(
                f"unknown kernel preset {kernel!r}; choose one of {sorted(PRESETS)} or"
                " pass a 3×3 array."
            )
        return PRESETS[kernel]
    array = np.asarray(kernel, dtype=np.float32)
    if array.shape != (3, 3):
        raise ValueError(
            f"kernel has shape {array.shape}; the playground edits 3×3 kernels."
        )
    return array


class ConvolutionPlayground(Explorer):
    """Edit a 3×3 kernel (or pick a preset) and see the feature map, after ReLU and
    after pooling.

    >>> playground = ConvolutionPlayground(  # doctest: +SKIP
    ...     x_train[0], kernel="sobel x"
    ... )
    >>> playground.preset.value = "blur"; playground.feature_map.shape  # doctest: +SKIP
    (26, 26)

    Drive it with ``preset`` (a Dropdown of :data:`PRESETS` names, plus "custom") or the
    nine ``weights`` (FloatText, row by row). Read back ``kernel`` (3×3),
    ``feature_map`` (26×26, valid convolution of the image in 0..1), ``relu_map`` and
    ``pooled_map`` (13×13, 2×2 max pooling of the ReLU map); ``panels`` maps "input",
    "feature map", "after ReLU" and "after 2×2 max pool" to their Image widgets.
    """

    def __init__(self, image: np.ndarray, kernel: str | np.ndarray = "edges") -> None:
        super().__init__()
        self.original = as_image(image)
        start = _as_kernel(kernel)
        self.preset = widgets.Dropdown(options=[*PRESETS, CUSTOM], description="kernel")
        self.weights = [
            widgets.FloatText(
                step=0.1,
                layout={"width": "4.5em"},
                tooltip=f"kernel weight, row {i // 3 + 1}, column {i % 3 + 1}",
            )
            for i in range(9)
        ]
        grid = widgets.GridBox(
            self.weights,
            layout={"grid_template_columns": "repeat(3, 4.7em)", "width": "15em"},
        )
        self.panels = {
            name: image_widget(alt=alt)
            for name, alt in {
                "input": "the input digit",
                "feature map": "the feature map: the kernel slid over the digit",
                "after ReLU": "the feature map after ReLU (negatives set to 0)",
                "after 2×2 max pool": "the feature map after ReLU and 2×2 max pooling",
            }.items()
        }
        self._titles = {name: widgets.HTML() for name in self.panels}
        self.children = [
            widgets.HBox(
                [
                    widgets.VBox([self.preset, grid]),
                    titled("input", self.panels["input"]),
                ]
            ),
            widgets.HBox(
                [
                    widgets.VBox([self._titles[n], self.panels[n]])
                    for n in list(self.panels)[1:]
                ]
            ),
        ]
        show_image(
            self.panels["input"],
            self.original,
            fit_zoom(self.original.shape[0], PANEL_PIXELS),
        )
        self.preset.observe(self._on_preset, names="value")
        self._watch(*self.weights)
        self._set_weights(start)  # fills the boxes, then draws once

    @property
    def kernel(self) -> np.ndarray:
        """The 3×3 kernel the nine weight boxes hold."""
        return np.array([box.value for box in self.weights], dtype=np.float32).reshape(
            3, 3
        )

    def _set_weights(self, kernel: np.ndarray) -> None:
        with self._batched():
            for box, value in zip(self.weights, kernel.ravel(), strict=False):
                box.value = round(float(value), 4)

    def _on_preset(self, change) -> None:
        if change["new"] != CUSTOM and change["new"] != _preset_name(self.kernel):
            self._set_weights(PRESETS[change["new"]])

    def _render(self) -> None:
        kernel = self.kernel
        self.preset.value = _preset_name(kernel)
        self.feature_map = convolve(self.original, kernel)
        self.relu_map = np.maximum(self.feature_map, 0.0)
        self.pooled_map = max_pool2d(self.relu_map)
        limit = float(np.abs(self.feature_map).max()) or 1.0
        self._show(
            "feature map",
            self.feature_map,
            "red +, blue −",
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
        )
        self._show(
            "after ReLU",
            self.relu_map,
            "negatives → 0",
            vmax=float(self.relu_map.max()) or 1.0,
        )
        self._show(
            "after 2×2 max pool",
            self.pooled_map,
            "max of each 2×2",
            vmax=float(self.pooled_map.max()) or 1.0,
        )

    def _show(self, name: str, values: np.ndarray, note: str, **png_options) -> None:
        height, width = values.shape
        self._titles[name].value = (
            f"<b>{name}</b> {height}×{width}<br><small>{note}; {values.min():.2f} …"
            f" {values.max():.2f}</small>"
        )
        show_image(
            self.panels[name], values, fit_zoom(height, PANEL_PIXELS), **png_options
        )


def _preset_name(kernel: np.ndarray) -> str:
    """The preset equal to ``kernel`` (to 4 decimals, as the boxes hold it), else
    "custom"."""
    for name, preset in PRESETS.items():
        if np.allclose(kernel, np.round(preset, 4), atol=1e-4):
            return name
    return CUSTOM
