"""FeatureMapExplorer: every channel of one layer's output, for one image, as a grid."""

from __future__ import annotations

import ipywidgets as widgets
import keras
import numpy as np

from ._common import (
    Classifier,
    Explorer,
    as_images,
    fit_zoom,
    image_widget,
    show_image,
    tile_grid,
    titled,
)

GRID_PIXELS = 480  # the grid is shown about this wide


def image_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose output is a stack of images, shape (batch, height, width,
    channels)."""
    found = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):  # a layer never called symbolically
            continue
        if len(shape) == 4:
            found.append(layer)
    return found


def _single_input(model: keras.Model):
    """The model's symbolic input (Sequential models keep it in ``inputs``)."""
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            "FeatureMapExplorer needs a Sequential or functional model built on"
            " keras.Input((28, 28, 1))."
        )
    return inputs[0]


def normalise_channels(maps: np.ndarray) -> np.ndarray:
    """(H, W, C) activations → (C, H, W) tiles, each channel scaled to its own range
    0..1.

    >>> normalise_channels(np.stack([np.eye(2), 5 * np.eye(2)], axis=-1))[1]
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    tiles = np.moveaxis(maps, -1, 0).astype(np.float32)
    low = tiles.min(axis=(1, 2), keepdims=True)
    span = tiles.max(axis=(1, 2), keepdims=True) - low
    return np.where(span > 0, (tiles - low) / np.where(span > 0, span, 1), 0.0)


class FeatureMapExplorer(Explorer):
    """Pick a layer and an image: see what each of the layer's channels responds to.

    >>> explorer = FeatureMapExplorer(model, x_test[:20])  # doctest: +SKIP
    >>> explorer.layer.value = explorer.layer.options[0][1]  # doctest: +SKIP
    >>> explorer.feature_maps.shape  # doctest: +SKIP

    Drive it with ``layer`` (a Dropdown of the layers whose output is image-shaped:
    convolutions, activations, pooling, batch norm) and ``index`` (which image).
    Read back ``feature_maps`` (the layer's raw output for the image, (H, W, channels))
    and ``shown_image`` (the grid drawn: each channel scaled to its own range 0..1; gaps
    are NaN). It is drawn like every digit and map of the course, the larger the darker:
    white is a channel's lowest value, black its highest.
    """

    def __init__(self, model: keras.Model, images: np.ndarray) -> None:
        super().__init__()
        self._classifier = Classifier(model)
        self.images = as_images(images)
        layers = image_layers(model)
        if not layers:
            raise ValueError(
                "this model has no layer with an image-shaped output (height × width ×"
                " channels), e.g. it is a dense model: FeatureMapExplorer needs a model"
                " with Conv2D layers."
            )
        self._layers = {layer.name: layer for layer in layers}
        self._probe = keras.Model(
            _single_input(model), [layer.output for layer in layers]
        )
        self._cache: dict[int, dict[str, np.ndarray]] = {}

        options = [
            (
                f"{layer.name} ({'×'.join(str(d) for d in layer.output.shape[1:])})",
                layer.name,
            )
            for layer in layers
        ]
        self.layer = widgets.Dropdown(
            options=options, description="layer", layout={"width": "24em"}
        )
        self.index = widgets.IntSlider(
            min=0, max=len(self.images) - 1, description="image"
        )
        self._watch(self.layer, self.index)
        self.input_view = image_widget(zoom=4, alt="the input digit")
        self.view = image_widget(
            alt="the selected layer's output for this digit, one map per channel"
        )
        self.caption = widgets.HTML()
        self.children = [
            widgets.HBox([self.layer, self.index]),
            widgets.HBox(
                [
                    titled("input", self.input_view),
                    widgets.VBox([self.caption, self.view]),
                ]
            ),
        ]
        self._render()

    def _activations(self, index: int) -> dict[str, np.ndarray]:
        if index not in self._cache:
            batch = self.images[index : index + 1].reshape(
                (1, *self._classifier.input_shape)
            )
            outputs = self._probe(batch, training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            self._cache[index] = {
                name: np.asarray(out)[0]
                for name, out in zip(self._layers, outputs, strict=False)
            }
        return self._cache[index]

    def _render(self) -> None:
        self.feature_maps = self._activations(self.index.value)[self.layer.value]
        height, width, channels = self.feature_maps.shape
        columns = int(np.ceil(np.sqrt(channels)))
        self.shown_image = tile_grid(
            normalise_channels(self.feature_maps), columns, gap=1
        )
        zoom = fit_zoom(self.shown_image.shape[1], GRID_PIXELS)
        show_image(self.input_view, self.images[self.index.value], 4)
        show_image(self.view, self.shown_image, zoom, cmap="gray_r")
        self.caption.value = (
            f"<b>{self.layer.value}</b>: {channels} channels of {height}×{width} "
            "(each scaled to its own range: white = lowest, black = highest)"
        )
