"""What every explorer shares: input checks, the model wrapper, PNG images and
probability bars.

Images are shown as PNG bytes in an ``ipywidgets.Image`` and probabilities as plain
HTML, so that both are part of the saved widget state: a notebook executed for the
book shows them without a running kernel.

>>> png = png_bytes(np.eye(28), zoom=5)       # a 140×140 PNG of a diagonal line
>>> "7.0 %" in probability_bars(np.full(10, 0.07) + np.eye(10)[3] * 0.37)
True
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib
import numpy as np
import traitlets
from PIL import Image

from ..exercises.ch02 import softmax

SIDE = 28  # MNIST images are SIDE × SIDE pixels
CLASSES = 10
DEFAULT_ZOOM = 5  # 28 px shown as 140 px
CHUNK = 512  # images per model call when predicting a whole data set
GAP_COLOUR = "#c8c8c8"  # between the tiles of a grid (NaN pixels)


# ---------------------------------------------------------------- input checks


def as_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """One MNIST image (28×28, uint8 0–255 or float 0–1) → float32 (28, 28) in 0..1.

    >>> as_image(np.full((28, 28), 255, np.uint8)).max()
    np.float32(1.0)
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 3 and array.shape[1:] == (SIDE, SIDE):
        raise ValueError(
            f"{name} is a batch of {array.shape[0]} images; pass one 28×28 image, e.g."
            " images[0]."
        )
    if array.shape == (SIDE * SIDE,):
        raise ValueError(
            f"{name} has shape (784,), a flattened image: pass {name}.reshape(28, 28)."
        )
    if array.shape != (SIDE, SIDE):
        raise ValueError(
            f"{name} has shape {array.shape}; expected one 28×28 MNIST image. For a"
            " picture of your own, use mnist_course.preprocess.to_mnist(picture)"
            " first."
        )
    return to_unit_range(array)


def as_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """A batch of MNIST images ((N, 28, 28) or (N, 28, 28, 1)) → float32 (N, 28, 28) in
    0..1.

    >>> as_images(np.zeros((5, 28, 28, 1), np.uint8)).shape
    (5, 28, 28)
    """
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2 and array.shape == (SIDE, SIDE):
        raise ValueError(
            f"{name} is a single 28×28 image; pass a batch, e.g. {name}[None] or"
            " x_test[:100]."
        )
    if array.ndim == 2 and array.shape[1] == SIDE * SIDE:
        raise ValueError(
            f"{name} has shape {array.shape}, flattened images: pass {name}.reshape(-1,"
            " 28, 28)."
        )
    if array.ndim != 3 or array.shape[1:] != (SIDE, SIDE):
        raise ValueError(
            f"{name} has shape {array.shape}; expected a batch of 28×28 images, shape"
            " (N, 28, 28)."
        )
    if len(array) == 0:
        raise ValueError(
            f"{name} is empty: pass at least one image, e.g. x_test[:100]."
        )
    return to_unit_range(array)


def as_labels(labels: np.ndarray, count: int, name: str = "labels") -> np.ndarray:
    """Digit labels (N,) with values 0..9, checked against the number of images → int64
    (N,).

    >>> as_labels([3, 1, 4], count=3)
    array([3, 1, 4])
    """
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == CLASSES:
        raise ValueError(
            f"{name} has shape {array.shape}, one-hot or probabilities: pass digits,"
            f" {name}.argmax(axis=1)."
        )
    if array.ndim != 1:
        raise ValueError(
            f"{name} has shape {array.shape}; expected one digit per image, shape"
            f" ({count},)."
        )
    if len(array) != count:
        raise ValueError(
            f"{name} has {len(array)} entries but there are {count} images: pass one"
            " label per image."
        )
    if array.size and (
        not np.issubdtype(array.dtype, np.integer)
        or array.min() < 0
        or array.max() >= CLASSES
    ):
        raise ValueError(
            f"{name} must be whole numbers from 0 to 9, got values like"
            f" {array[:5].tolist()}."
        )
    return array.astype(np.int64)


def as_probabilities(
    probabilities: np.ndarray, count: int, name: str = "probabilities"
) -> np.ndarray:
    """Class probabilities (N, 10), one row per image → float32 (N, 10)."""
    array = np.asarray(probabilities, dtype=np.float32)
    if array.shape != (count, CLASSES):
        raise ValueError(
            f"{name} has shape {array.shape}; expected ({count}, 10): one row of 10"
            " class probabilities per image, e.g. model.predict(images)."
        )
    return array


def to_unit_range(array: np.ndarray) -> np.ndarray:
    """uint8 0–255, or floats in 0–1 (kept) or 0–255 (divided by 255) → float32 0..1."""
    if not (
        np.issubdtype(array.dtype, np.integer)
        or np.issubdtype(array.dtype, np.floating)
    ):
        raise ValueError(f"images must hold numbers, got dtype {array.dtype}.")
    values = array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer) or (values.size and values.max() > 1.0):
        values = values / 255.0
    return np.clip(values, 0.0, 1.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float 0..1 → uint8 0..255 (MNIST's own format: white ink on black)."""
    return np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)


# ---------------------------------------------------------------- the model


class Classifier:
    """A Keras digit classifier, checked once and then called directly (fast for one
    image).

    Accepts any model whose input holds 784 values (``(28, 28, 1)``, ``(28, 28)`` or
    ``(784,)``, floats 0–1 as :func:`mnist_course.training.prepare_images` makes them)
    and whose output has 10 values. Logits are turned into probabilities with softmax.

    >>> classify = Classifier(reference_cnn())            # doctest: +SKIP
    >>> classify(np.zeros((2, 28, 28), np.float32)).shape  # doctest: +SKIP
    (2, 10)
    """

    def __init__(self, model) -> None:
        if not callable(model):
            raise ValueError(
                f"model must be a Keras model, got {type(model).__name__}."
            )
        self.model = model
        self.input_shape = _input_shape(model)
        try:
            probe = self._raw(
                np.random.default_rng(0).random((2, SIDE, SIDE), dtype=np.float32)
            )
        except Exception as exc:  # Keras raises many types for an unsuitable model
            reason = (
                str(exc).strip().splitlines()[0][:200]
                if str(exc).strip()
                else type(exc).__name__
            )
            raise ValueError(
                "the model could not classify a batch of shape (2,"
                f" {', '.join(map(str, self.input_shape))}):"
                f" {reason}."
                " The explorers need a 28×28 digit classifier, e.g."
                " mnist_course.models.reference_cnn()."
            ) from exc
        if probe.ndim != 2 or probe.shape[1] != CLASSES:
            raise ValueError(
                f"the model outputs shape {probe.shape[1:]} per image; a digit"
                " classifier with 10 outputs (one per class, e.g. Dense(10,"
                " activation='softmax')) is needed."
            )
        self.outputs_probabilities = bool(
            probe.min() >= 0
            and probe.max() <= 1
            and np.allclose(probe.sum(axis=1), 1, atol=1e-3)
        )

    def _raw(self, images: np.ndarray) -> np.ndarray:
        batch = images.reshape((len(images), *self.input_shape))
        return np.asarray(self.model(batch, training=False))

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """float32 (N, 28, 28) in 0..1 → probabilities (N, 10)."""
        parts = [self._raw(images[i : i + CHUNK]) for i in range(0, len(images), CHUNK)]
        out = np.concatenate(parts).astype(np.float32)
        return out if self.outputs_probabilities else softmax(out)

    def one(self, image: np.ndarray) -> np.ndarray:
        """float32 (28, 28) in 0..1 → probabilities (10,)."""
        return self(image[None])[0]


def _input_shape(model) -> tuple[int, ...]:
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):  # a Sequential model without keras.Input
        return (SIDE, SIDE, 1)
    if isinstance(shape, list):
        raise ValueError(
            "the model has several inputs; the explorers need a model with one image"
            " input."
        )
    shape = tuple(shape[1:])
    if None in shape or int(np.prod(shape)) != SIDE * SIDE:
        raise ValueError(
            f"the model takes inputs of shape {shape}, but an MNIST image is 28×28 ="
            " 784 pixels: build it with keras.Input((28, 28, 1)) (or (784,) for a"
            " dense model)."
        )
    return shape


# ---------------------------------------------------------------- images


def png_bytes(
    values: np.ndarray,
    zoom: int = DEFAULT_ZOOM,
    cmap: str = "gray_r",
    vmin: float = 0.0,
    vmax: float = 1.0,
) -> bytes:
    """A 2-D array → PNG bytes, each value a ``zoom``×``zoom`` block of colour.

    ``cmap`` is a matplotlib colour map; the default ``gray_r`` draws MNIST ink (1)
    dark on white paper (0). uint8 arrays are read as 0..255.

    >>> png_bytes(np.zeros((28, 28)))[:4]
    b'\\x89PNG'
    """
    values = np.asarray(values)
    if values.dtype == np.uint8:
        values = values / 255.0
    colormap = matplotlib.colormaps[cmap]
    if np.isnan(values).any():  # the gaps of a tile_grid
        colormap = colormap.with_extremes(bad=GAP_COLOUR)
    span = (vmax - vmin) or 1.0
    rgb = colormap((values - vmin) / span, bytes=True)[..., :3]
    if zoom > 1:
        rgb = rgb.repeat(zoom, axis=0).repeat(zoom, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class AltImage(widgets.Image):
    """An ``ipywidgets.Image`` whose ``tooltip`` is its alternative text.

    ipywidgets 8's views read a widget's ``description`` whenever it has a tooltip,
    and ``Image`` has none: its view fails to render, in JupyterLab and in the book.
    This one carries an empty description (``book/_assets/widget-a11y.js`` turns the
    tooltip into the ``alt`` of the book's images).
    """

    description = traitlets.Unicode("").tag(sync=True)


def image_widget(
    values: np.ndarray | None = None,
    zoom: int = DEFAULT_ZOOM,
    *,
    alt: str,
    **png_options,
) -> widgets.Image:
    """An ``ipywidgets.Image`` showing ``values`` (see :func:`png_bytes`); empty if
    None. ``alt`` says what it shows: the image's tooltip, and its alternative text
    on the book's pages (``book/_assets/widget-a11y.js``)."""
    image = AltImage(format="png", layout={"border": "1px solid #ddd"}, tooltip=alt)
    if values is not None:
        show_image(image, values, zoom, **png_options)
    return image


def show_image(
    image: widgets.Image, values: np.ndarray, zoom: int = DEFAULT_ZOOM, **png_options
) -> None:
    """Replace what an ``ipywidgets.Image`` shows, at its own size (pixel blocks stay
    square)."""
    image.value = png_bytes(values, zoom, **png_options)
    height, width = (side * zoom for side in np.shape(values)[:2])
    image.layout.width = image.layout.min_width = f"{width}px"
    image.layout.height = f"{height}px"


def fit_zoom(side: int, pixels: int = 140) -> int:
    """The whole-number zoom that shows ``side`` pixels as about ``pixels`` screen
    pixels."""
    return max(1, round(pixels / side))


def tile_grid(
    tiles: np.ndarray, columns: int | None = None, gap: int = 1, fill: float = np.nan
) -> np.ndarray:
    """Lay (K, H, W) tiles out on a grid with ``gap`` pixels of ``fill`` between them.

    >>> tile_grid(np.zeros((6, 4, 4)), columns=3).shape
    (9, 14)
    """
    count, height, width = tiles.shape
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    grid = np.full(
        (rows * (height + gap) - gap, columns * (width + gap) - gap),
        fill,
        dtype=np.float32,
    )
    for k, tile in enumerate(tiles):
        top, left = (k // columns) * (height + gap), (k % columns) * (width + gap)
        grid[top : top + height, left : left + width] = tile
    return grid


# ---------------------------------------------------------------- text


def probability_bars(probabilities: np.ndarray, true_label: int | None = None) -> str:
    """HTML bars, one per digit, with the percentages as text (readable without a
    kernel).

    The predicted digit's bar is green when it is the true label, red when it is not;
    the true label's digit is underlined.

    >>> html = probability_bars(np.eye(10)[7], true_label=7)
    >>> "prediction <b>7</b>" in html and "100.0 %" in html
    True
    """
    probabilities = np.asarray(probabilities, dtype=float)
    best = int(np.argmax(probabilities))
    wrong = true_label is not None and best != true_label
    rows = []
    for digit, p in enumerate(probabilities):
        colour = ("#d62728" if wrong else "#2ca02c") if digit == best else "#7f9fbf"
        label = f"<u>{digit}</u>" if digit == true_label else str(digit)
        rows.append(
            "<div"
            ' style="display:flex;align-items:center;gap:6px;height:17px;'
            'white-space:nowrap"><span'
            f' style="width:1em;text-align:right">{label}</span><span'
            ' style="display:inline-block;width:130px;height:11px;'
            'background:#eee"><span'
            f' style="display:block;height:100%;width:{100 * p:.1f}%;'
            f'background:{colour}"></span></span><span'
            f' style="width:5em;text-align:right">{100 * p:.1f} %</span></div>'
        )
    verdict = (
        "" if true_label is None else (" ✗ true " + str(true_label) if wrong else " ✓")
    )
    header = (
        f"<div>prediction <b>{best}</b> ({100 * probabilities[best]:.1f}"
        f" %){verdict}</div>"
    )
    return (
        '<div class="mnist-probabilities" style="font:12px'
        f' monospace">{header}{"".join(rows)}</div>'
    )


def message_html(text: str) -> str:
    """A short notice in the place of an image (an empty selection, a blank drawing)."""
    return (
        '<div style="padding:6px 10px;background:#fff8e1;border-left:4px solid'
        f' #f0ad4e">{text}</div>'
    )


def titled(title: str, widget: widgets.Widget) -> widgets.VBox:
    """A small caption above a widget."""
    return widgets.VBox([widgets.HTML(f"<b>{title}</b>"), widget])


# ---------------------------------------------------------------- the explorers' base


class Explorer(widgets.VBox):
    """A VBox that redraws itself (``_render``) whenever one of its watched controls
    changes.

    ``with self._batched():`` changes several controls and redraws once at the end.
    """

    _holding = False

    def _watch(self, *controls: widgets.Widget) -> None:
        for control in controls:
            control.observe(self._refresh, names="value")

    def _refresh(self, change=None) -> None:
        if not self._holding:
            self._render()

    @contextmanager
    def _batched(self) -> Iterator[None]:
        held, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = held
        self._refresh()

    def _render(self) -> None:  # pragma: no cover - every explorer defines it
        raise NotImplementedError
