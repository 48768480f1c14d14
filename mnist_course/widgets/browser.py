"""DigitBrowser: page through the data, filtered by true label, predicted label or
mistakes."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ._common import (
    Classifier,
    Explorer,
    as_images,
    as_labels,
    image_widget,
    message_html,
    probability_bars,
    show_image,
    to_uint8,
)

ANY = (
    -1
)  # the filter value that lets every digit through (None would show an empty dropdown)


def _digit_filter(description: str) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=[("any", ANY)] + [(str(d), d) for d in range(10)],
        description=description,
    )


class DigitBrowser(Explorer):
    """Browse images and labels; filter by true label, predicted label, or the model's
    mistakes.

    >>> (x_train, y_train), _ = load_mnist()                  # doctest: +SKIP
    >>> DigitBrowser(x_train[:1000], y_train[:1000])          # doctest: +SKIP

    Filters: ``true_label`` and ``predicted_label`` (Dropdowns, value -1 = any digit),
    ``only_mistakes`` (Checkbox); the last two need a model. Move with ``position``
    (IntSlider over the filtered images) or the ``previous``/``next`` buttons. Read back
    ``selection`` (indices of the images that pass the filters), ``current`` (the index
    shown, or None), ``shown_image`` (uint8 28×28), ``probabilities`` (10,) with a
    model, and ``message`` (why nothing is shown, else "").
    """

    def __init__(
        self, images: np.ndarray, labels: np.ndarray, model=None, *, zoom: int = 6
    ) -> None:
        super().__init__()
        self.images = as_images(images)
        self.labels = as_labels(labels, len(self.images))
        self.all_probabilities = (
            None if model is None else Classifier(model)(self.images)
        )
        self.predictions = (
            None if model is None else self.all_probabilities.argmax(axis=1)
        )
        self._zoom = zoom

        self.true_label = _digit_filter("true label")
        self.predicted_label = _digit_filter("predicted")
        self.only_mistakes = widgets.Checkbox(description="only mistakes", indent=False)
        self.position = widgets.IntSlider(
            min=0, max=0, description="image", continuous_update=True
        )
        self.previous = widgets.Button(description="previous", icon="arrow-left")
        self.next = widgets.Button(description="next", icon="arrow-right")
        self.previous.on_click(lambda _: self._step(-1))
        self.next.on_click(lambda _: self._step(+1))
        filters = [self.true_label] + (
            [] if model is None else [self.predicted_label, self.only_mistakes]
        )
        for control in filters:
            control.observe(self._filter, names="value")
        self._watch(self.position)

        self.view = image_widget(zoom=zoom, alt="the selected digit, 28×28 pixels")
        self.caption = widgets.HTML()
        self.bars = widgets.HTML()
        self.children = [
            widgets.HBox(filters),
            widgets.HBox([self.position, self.previous, self.next]),
            widgets.HBox([widgets.VBox([self.view, self.caption]), self.bars]),
        ]
        self._filter()

    def _filter(self, change=None) -> None:
        keep = np.ones(len(self.images), dtype=bool)
        if self.true_label.value != ANY:
            keep &= self.labels == self.true_label.value
        if self.predictions is not None:
            if self.predicted_label.value != ANY:
                keep &= self.predictions == self.predicted_label.value
            if self.only_mistakes.value:
                keep &= self.predictions != self.labels
        self.selection = np.flatnonzero(keep)
        with self._batched():
            self.position.value = 0
            self.position.max = max(0, len(self.selection) - 1)
            self.position.disabled = len(self.selection) <= 1

    def _step(self, by: int) -> None:
        if len(self.selection):
            self.position.value = (self.position.value + by) % len(self.selection)

    def _render(self) -> None:
        if len(self.selection) == 0:
            self.current = self.shown_image = self.probabilities = None
            self.message = (
                "No image matches these filters: change or clear one of them."
            )
            self.view.layout.display = "none"
            self.caption.value, self.bars.value = message_html(self.message), ""
            return
        self.message = ""
        self.current = int(self.selection[self.position.value])
        self.shown_image = to_uint8(self.images[self.current])
        self.view.layout.display = None
        show_image(self.view, self.images[self.current], self._zoom)
        label = int(self.labels[self.current])
        self.caption.value = (
            f"image <b>#{self.current}</b> ({self.position.value + 1} of"
            f" {len(self.selection)}), true label <b>{label}</b>"
        )
        self.probabilities = (
            None
            if self.all_probabilities is None
            else self.all_probabilities[self.current]
        )
        self.bars.value = (
            ""
            if self.probabilities is None
            else probability_bars(self.probabilities, label)
        )
