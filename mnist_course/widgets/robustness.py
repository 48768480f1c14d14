"""RobustnessExplorer: rotate, shift, scale, add noise to or erase part of a digit, and
watch the model."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from PIL import Image

from ._common import (
    SIDE,
    Classifier,
    Explorer,
    as_image,
    image_widget,
    probability_bars,
    show_image,
    titled,
    to_uint8,
)

CENTRE = SIDE / 2  # the image centre, in pixel-corner coordinates
MIDDLE = SIDE // 2  # the pixel nearest to it


def noise_field(seed: int = 0) -> np.ndarray:
    """The explorer's noise pattern: standard normal float32 values, (28, 28)."""
    return np.random.default_rng(seed).standard_normal((SIDE, SIDE)).astype(np.float32)


def transform_digit(
    image: np.ndarray,
    *,
    rotation: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    scale: float = 1.0,
    noise: float = 0.0,
    erase: int = 0,
    erase_at: tuple[int, int] = (14, 14),
    noise_field: np.ndarray | None = None,
) -> np.ndarray:
    """Move, damage or blur a float (28, 28) digit in 0..1; returns a new float32 image
    in 0..1.

    ``rotation`` in degrees, counter-clockwise; ``shift`` = (right, down) in pixels;
    ``scale`` about the centre; then a square of ``erase`` pixels centred at
    ``erase_at`` = (x, y) is wiped, and Gaussian noise of standard deviation ``noise``
    is added (``noise_field`` fixes the pattern: standard normal values, shape (28,
    28)).

    >>> digit = np.zeros((28, 28), np.float32); digit[5, 14] = 1
    >>> np.argwhere(transform_digit(digit, rotation=180) > 0.5).tolist()
    [[22, 13]]
    """
    moved = _affine(np.asarray(image, dtype=np.float32), rotation, shift, scale)
    if erase > 0:
        x, y = erase_at
        top, left = max(0, y - erase // 2), max(0, x - erase // 2)
        moved[top : top + erase, left : left + erase] = 0.0
    if noise > 0:
        field = (
            np.random.default_rng(0).standard_normal(moved.shape)
            if noise_field is None
            else noise_field
        )
        moved = moved + noise * field
    return np.clip(moved, 0.0, 1.0).astype(np.float32)


def _affine(
    image: np.ndarray, rotation: float, shift: tuple[float, float], scale: float
) -> np.ndarray:
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    # PIL asks, for each output pixel, where to read in the input: the inverse map.
    cos, sin = (
        np.cos(np.radians(rotation)) / scale,
        np.sin(np.radians(rotation)) / scale,
    )
    out_x, out_y = CENTRE + shift[0], CENTRE + shift[1]
    inverse = (
        cos,
        -sin,
        CENTRE - cos * out_x + sin * out_y,
        sin,
        cos,
        CENTRE - sin * out_x - cos * out_y,
    )
    moved = Image.fromarray(image).transform(
        image.shape[::-1],
        Image.Transform.AFFINE,
        inverse,
        resample=Image.Resampling.BILINEAR,
    )
    return np.array(moved, dtype=np.float32)


class RobustnessExplorer(Explorer):
    """Rotate, shift, scale, add noise to or erase part of a digit and watch the
    probabilities move.

    >>> explorer = RobustnessExplorer(  # doctest: +SKIP
    ...     model, x_test[0], label=y_test[0]
    ... )
    >>> explorer.rotation.value = 45; explorer.probabilities.round(2)   # doctest: +SKIP

    Controls: ``rotation`` (degrees), ``shift_x``, ``shift_y`` (pixels), ``scale``,
    ``noise`` (standard deviation, image in 0..1), ``erase`` (side of a wiped square),
    ``erase_x``, ``erase_y`` (its centre) and the ``reset`` button. Read back
    ``shown_image`` (uint8 28×28, what the model saw), ``probabilities`` (10,) and
    ``prediction``. ``zoom`` is the screen pixels per image pixel; ``seed`` fixes the
    noise pattern.
    """

    def __init__(
        self,
        model,
        image: np.ndarray,
        label: int | None = None,
        *,
        zoom: int = 6,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.original = as_image(image)
        if label is not None and not 0 <= int(label) <= 9:
            raise ValueError(f"label must be a digit from 0 to 9, got {label}.")
        self.label = None if label is None else int(label)
        self._classify = Classifier(model)
        self._noise_field = noise_field(seed)
        self._zoom = zoom

        slider = dict(
            continuous_update=True,
            style={"description_width": "7em"},
            layout={"width": "330px"},
        )
        self.rotation = widgets.FloatSlider(
            value=0, min=-180, max=180, step=5, description="rotation (°)", **slider
        )
        self.shift_x = widgets.FloatSlider(
            value=0, min=-10, max=10, step=1, description="shift right", **slider
        )
        self.shift_y = widgets.FloatSlider(
            value=0, min=-10, max=10, step=1, description="shift down", **slider
        )
        self.scale = widgets.FloatSlider(
            value=1, min=0.4, max=1.6, step=0.05, description="scale", **slider
        )
        self.noise = widgets.FloatSlider(
            value=0, min=0, max=1, step=0.05, description="noise", **slider
        )
        self.erase = widgets.IntSlider(
            value=0, min=0, max=SIDE, description="erase (px)", **slider
        )
        self.erase_x = widgets.IntSlider(
            value=MIDDLE, min=0, max=SIDE - 1, description="erase at x", **slider
        )
        self.erase_y = widgets.IntSlider(
            value=MIDDLE, min=0, max=SIDE - 1, description="erase at y", **slider
        )
        self.reset = widgets.Button(description="reset", icon="undo")
        self.reset.on_click(lambda _: self.reset_controls())
        controls = [
            self.rotation,
            self.shift_x,
            self.shift_y,
            self.scale,
            self.noise,
            self.erase,
            self.erase_x,
            self.erase_y,
        ]
        self._watch(*controls)

        self.view = image_widget(
            zoom=zoom, alt="the transformed digit, as the model sees it"
        )
        self.bars = widgets.HTML()
        original = image_widget(self.original, zoom=3, alt="the original digit")
        self.children = [
            widgets.HBox(
                [
                    widgets.VBox([*controls, self.reset]),
                    widgets.VBox(
                        [
                            titled("what the model sees", self.view),
                            titled(
                                "original"
                                + ("" if label is None else f" (label {self.label})"),
                                original,
                            ),
                        ]
                    ),
                    self.bars,
                ],
                layout={"flex_flow": "row wrap", "grid_gap": "12px"},
            )
        ]
        self._render()

    def reset_controls(self) -> None:
        """Put every control back to "no change" (one redraw)."""
        with self._batched():
            for control in (
                self.rotation,
                self.shift_x,
                self.shift_y,
                self.noise,
                self.erase,
            ):
                control.value = 0
            self.scale.value = 1
            self.erase_x.value = self.erase_y.value = MIDDLE

    def transformed(self) -> np.ndarray:
        """The original digit with the controls' transform applied (float32 28×28 in
        0..1)."""
        return transform_digit(
            self.original,
            rotation=self.rotation.value,
            shift=(self.shift_x.value, self.shift_y.value),
            scale=self.scale.value,
            noise=self.noise.value,
            erase=self.erase.value,
            erase_at=(self.erase_x.value, self.erase_y.value),
            noise_field=self._noise_field,
        )

    def _render(self) -> None:
        image = self.transformed()
        self.probabilities = self._classify.one(image)
        self.prediction = int(np.argmax(self.probabilities))
        self.shown_image = to_uint8(image)
        show_image(self.view, image, self._zoom)
        self.bars.value = probability_bars(self.probabilities, self.label)
