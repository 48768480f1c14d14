"""ConfusionExplorer: a clickable confusion matrix; a cell opens the gallery of its
images."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..evaluation import confusion_matrix, percent
from ._common import (
    CLASSES,
    as_images,
    as_labels,
    as_probabilities,
    image_widget,
    message_html,
)

CELL = {
    "width": "3.2em",
    "height": "2.1em",
    "padding": "0",
}  # 10 of them fit the book's text column
SELECTED_BORDER = "3px solid #222"


def _cell_colour(count: int, largest: int, correct: bool) -> str:
    """Green shades on the diagonal, red ones off it; darker = more images."""
    strength = 0.0 if largest == 0 else count / largest
    low, high = (
        ((235, 247, 235), (60, 160, 60))
        if correct
        else ((255, 245, 240), (215, 60, 50))
    )
    rgb = [round(a + (b - a) * strength) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours (1 to 21; AA text needs 4.5)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (at least 4.58:1)."""
    black, white = "#000000", "#ffffff"
    return (
        black if contrast(black, background) >= contrast(white, background) else white
    )


class ConfusionExplorer(widgets.VBox):
    """A confusion matrix whose cells are buttons: click one to see the images it
    counts.

    >>> predictions = model.predict(x_test).argmax(axis=1)  # doctest: +SKIP
    >>> ConfusionExplorer(y_test, predictions, x_test)  # doctest: +SKIP

    ``cells[t][p]`` is the button of true class ``t`` predicted as ``p`` (call its
    ``click()``, or :meth:`select`). Read back ``matrix`` (10×10 counts), ``selected``
    ((t, p) or None), ``gallery_indices`` (the indices shown, most confident first when
    ``probabilities`` are given) and ``message``. It opens on the most frequent mistake.
    """

    def __init__(
        self,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        images: np.ndarray,
        probabilities: np.ndarray | None = None,
        *,
        max_gallery: int = 24,
    ) -> None:
        super().__init__()
        self.images = as_images(images)
        self.y_true = as_labels(y_true, len(self.images), "y_true")
        self.y_pred = as_labels(y_pred, len(self.images), "y_pred")
        self.probabilities = (
            None
            if probabilities is None
            else as_probabilities(probabilities, len(self.images))
        )
        self.max_gallery = max_gallery
        self.matrix = confusion_matrix(self.y_true, self.y_pred, CLASSES)
        self.mistakes = self.matrix - np.diag(
            self.matrix.diagonal()
        )  # the matrix without its diagonal
        self.cells = [
            [self._cell(t, p) for p in range(CLASSES)] for t in range(CLASSES)
        ]
        self.heading = widgets.HTML()
        self.gallery = widgets.GridBox(
            layout={"grid_template_columns": "repeat(8, 64px)", "grid_gap": "4px"}
        )
        self.children = [self._matrix_grid(), self.heading, self.gallery]
        self.selected: tuple[int, int] | None = None
        self.gallery_indices = np.empty(0, dtype=np.int64)
        self.message = ""
        self._open_first()

    def _cell(self, true: int, predicted: int) -> widgets.Button:
        count = int(self.matrix[true, predicted])
        correct = true == predicted
        largest = self.matrix.diagonal().max() if correct else self.mistakes.max()
        button = widgets.Button(
            description=str(count),
            tooltip=f"true {true}, predicted {predicted}",
            layout=CELL,
        )
        button.style.button_color = _cell_colour(count, int(largest), correct)
        button.style.text_color = _text_colour(button.style.button_color)
        button.on_click(lambda _: self.select(true, predicted))
        return button

    def _matrix_grid(self) -> widgets.GridBox:
        header = [widgets.HTML("<b>true ╲<br>predicted</b>", layout={"width": "5.5em"})]
        header += [
            widgets.HTML(f"<b>{p}</b>", layout={"width": CELL["width"]})
            for p in range(CLASSES)
        ]
        rows = [[widgets.HTML(f"<b>{t}</b>")] + self.cells[t] for t in range(CLASSES)]
        return widgets.GridBox(
            header + [w for row in rows for w in row],
            layout={
                "grid_template_columns": f"5.5em repeat({CLASSES}, {CELL['width']})",
                "grid_gap": "2px",
            },
        )

    def _open_first(self) -> None:
        """Open the most frequent mistake, or say there is none."""
        if self.mistakes.max() == 0:
            self.message = (
                "No mistakes at all: click a cell on the diagonal to see correct"
                " predictions."
            )
            self.heading.value = message_html(self.message)
            return
        self.select(*np.unravel_index(int(self.mistakes.argmax()), self.mistakes.shape))

    def select(self, true: int, predicted: int) -> None:
        """Open the gallery of the images of class ``true`` predicted as
        ``predicted``."""
        true, predicted = int(true), int(predicted)
        if self.selected is not None:
            self.cells[self.selected[0]][self.selected[1]].layout.border = None
        self.selected = (true, predicted)
        self.cells[true][predicted].layout.border = SELECTED_BORDER
        indices = np.flatnonzero((self.y_true == true) & (self.y_pred == predicted))
        if self.probabilities is not None:
            indices = indices[
                np.argsort(-self.probabilities[indices, predicted], kind="stable")
            ]
        self.gallery_indices = indices[: self.max_gallery]
        self.gallery.children = [self._tile(i, predicted) for i in self.gallery_indices]
        self._describe(true, predicted, len(indices))

    def _describe(self, true: int, predicted: int, count: int) -> None:
        what = f"true <b>{true}</b>, predicted <b>{predicted}</b>"
        if count == 0:
            self.message = (
                f"No image is a {true} predicted as {predicted}: pick another cell."
            )
            self.heading.value = message_html(self.message)
            return
        self.message = ""
        shown = (
            "" if count <= self.max_gallery else f", the first {self.max_gallery} shown"
        )
        order = ", most confident first" if self.probabilities is not None else ""
        self.heading.value = (
            f"<div>{what}: {count} image{'s' * (count != 1)}{shown}{order}</div>"
        )

    def _tile(self, index: int, predicted: int) -> widgets.VBox:
        caption = f"#{index}"
        if self.probabilities is not None:
            caption += f"<br>{percent(self.probabilities[index, predicted])}"
        return widgets.VBox(
            [
                image_widget(
                    self.images[index],
                    zoom=2,
                    alt=f"test digit #{index}, predicted {predicted}",
                ),
                widgets.HTML(f"<small>{caption}</small>"),
            ],
            layout={"width": "64px"},
        )
