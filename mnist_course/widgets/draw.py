"""DrawDigit: draw with the mouse, see the 28×28 image the model gets and its
probabilities."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from ipycanvas import Canvas, hold_canvas
from PIL import Image, ImageDraw

from ..errors import ImageError
from ..preprocess import to_mnist
from ._common import (
    AltImage,
    Classifier,
    as_image,
    image_widget,
    message_html,
    probability_bars,
    show_image,
    titled,
    to_uint8,
    to_unit_range,
)

PAPER, INK = 255, 0  # black strokes on white paper, like pen on paper
LIVE_INTERVAL = 0.15  # seconds between predictions while the pen moves


class DrawDigit(widgets.VBox):
    """Draw a digit with the mouse; see the preprocessed 28×28 image and the live
    probabilities.

    >>> pad = DrawDigit(model)                                 # doctest: +SKIP
    >>> pad.stroke([(140, 40), (140, 240)]); pad.prediction    # doctest: +SKIP

    The drawing goes through :func:`mnist_course.preprocess.to_mnist`, the same steps
    as ``python -m mnist_course predict``. Without a browser, draw with :meth:`stroke`
    (a list of (x, y) canvas points), the pen handlers :meth:`pen_down`,
    :meth:`pen_move`, :meth:`pen_up`, or replace the picture with :meth:`set_drawing`;
    ``pad.clear.click()`` wipes it, as the *clear* button does.
    Read back ``drawing`` (uint8 size×size, 255 = paper), ``shown_image`` (uint8
    28×28 or None), ``probabilities`` (10,) or None, ``prediction`` and ``message``.

    You draw black on white, like pen on paper;
    :func:`~mnist_course.preprocess.to_mnist` turns that into MNIST's values (ink 1,
    background 0), and the 28×28 view draws those like every digit in the course, ink
    dark on white.

    The canvas's strokes live in the browser, not in the widget's saved state, so a
    static page (the book) shows an empty, transparent canvas. Under it lies
    ``snapshot``, an image of the drawing updated with every change and saved with the
    widget state: a live canvas paints its white paper over it, an empty one lets it
    show.
    """

    def __init__(self, model, *, size: int = 280, line_width: int = 18) -> None:
        super().__init__()
        self._classify = Classifier(model)
        self.size, self.line_width = size, line_width
        box = {
            "grid_area": "pad",
            "border": "1px solid #999",
            "width": f"{size}px",
            "height": f"{size}px",
        }
        self.canvas = Canvas(width=size, height=size, layout=box)
        self.snapshot = AltImage(
            format="png",
            width=size,
            height=size,
            layout=box,
            tooltip="the drawing pad: the digit drawn on it",
        )
        self.canvas.on_mouse_down(self.pen_down)
        self.canvas.on_mouse_move(self.pen_move)
        self.canvas.on_mouse_up(self.pen_up)
        self.canvas.on_mouse_out(self.pen_up)
        # A button, like the other explorers' `reset` and `next`: `pad.clear.click()`.
        self.clear = widgets.Button(
            description="clear", icon="eraser", tooltip="wipe the drawing"
        )
        self.clear.on_click(lambda _: self.clear_drawing())
        self.view = image_widget(
            alt="what the model sees: the drawing prepared as a 28×28 digit"
        )
        self.bars = widgets.HTML()
        # The pad keeps its full size (flex: none) and the other parts wrap below it
        # when the page is narrow, so the canvas is never squeezed or clipped.
        # The snapshot and the canvas share one grid cell; the canvas, later, lies on
        # top.
        stack = widgets.GridBox(
            [self.snapshot, self.canvas], layout={"grid_template_areas": '"pad"'}
        )
        pad = widgets.VBox(
            [stack, self.clear],
            layout={"flex": "0 0 auto", "min_width": f"{size + 2}px"},
        )
        self.children = [
            widgets.HBox(
                [pad, titled("what the model sees (28×28)", self.view), self.bars],
                layout={"flex_flow": "row wrap", "grid_gap": "12px"},
            )
        ]
        self._pen: tuple[float, float] | None = None
        self._last_prediction = 0.0
        self.clear_drawing()

    # ------------------------------------------------------------ drawing

    @property
    def drawing(self) -> np.ndarray:
        """The picture on the canvas: uint8 (size, size), 255 = paper, 0 = ink."""
        return np.asarray(self._paper).copy()

    def clear_drawing(self) -> None:
        """Wipe the canvas (what the ``clear`` button does)."""
        self._paper = Image.new("L", (self.size, self.size), PAPER)
        with hold_canvas():
            self.canvas.clear()
            self.canvas.fill_style = "white"
            self.canvas.fill_rect(0, 0, self.size, self.size)
        self.update()

    def set_drawing(self, picture: np.ndarray) -> None:
        """Replace the drawing with a picture: grey (H, W) or colour (H, W, 3|4), uint8
        or 0..1.

        It is resized to the canvas; transparent areas become white paper.
        """
        array = np.asarray(picture)
        if (
            array.ndim not in (2, 3)
            or (array.ndim == 3 and array.shape[2] not in (3, 4))
            or array.size == 0
        ):
            raise ValueError(
                f"picture has shape {array.shape}; pass a grey (H, W) or RGB(A) (H, W,"
                " 3|4) image."
            )
        image = Image.fromarray(
            array if array.dtype == np.uint8 else to_uint8(to_unit_range(array))
        )
        if image.mode == "RGBA":
            image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
        self._paper = image.convert("L").resize(
            (self.size, self.size), Image.Resampling.BILINEAR
        )
        grey = np.asarray(self._paper)
        self.canvas.put_image_data(np.stack([grey] * 3, axis=-1), 0, 0)
        self.update()

    def stroke(self, points: Sequence[tuple[float, float]]) -> None:
        """Draw a line through canvas points [(x, y), ...], as a mouse drag would."""
        if not points:
            return
        self.pen_down(*points[0])
        for x, y in points[1:]:
            self._line_to(x, y)
        self.pen_up(*points[-1])

    def pen_down(self, x: float, y: float) -> None:
        """Mouse button pressed at (x, y): start a stroke with a dot."""
        self._pen = (x, y)
        self._line_to(x, y)

    def pen_move(self, x: float, y: float) -> None:
        """Mouse moved to (x, y): extend the stroke; predict now and then while
        drawing."""
        if self._pen is None:
            return
        self._line_to(x, y)
        if time.perf_counter() - self._last_prediction > LIVE_INTERVAL:
            self.update()

    def pen_up(self, x: float, y: float) -> None:
        """Mouse released (or left the canvas): end the stroke and predict."""
        if self._pen is not None:
            self._pen = None
            self.update()

    def _line_to(self, x: float, y: float) -> None:
        (x0, y0), radius = self._pen, self.line_width / 2
        pen = ImageDraw.Draw(self._paper)
        pen.line([(x0, y0), (x, y)], fill=INK, width=self.line_width)
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=INK)
        with hold_canvas():
            self.canvas.stroke_style, self.canvas.fill_style = "black", "black"
            self.canvas.line_width, self.canvas.line_cap = self.line_width, "round"
            self.canvas.stroke_line(x0, y0, x, y)
            self.canvas.fill_circle(x, y, radius)
        self._pen = (x, y)

    # ------------------------------------------------------------ the model

    def update(self) -> None:
        """Preprocess the drawing like ``predict`` does and show the model's
        probabilities."""
        self._last_prediction = time.perf_counter()
        try:
            self.shown_image = to_mnist(self.drawing)
        except ImageError:
            self.shown_image = self.probabilities = self.prediction = None
            self.message = "Draw a digit in the box (hold the mouse button down)."
            self.view.layout.display = "none"
            self.bars.value = message_html(self.message)
            self._save_drawing()
            return
        self.message = ""
        self.probabilities = self._classify.one(as_image(self.shown_image))
        self.prediction = int(np.argmax(self.probabilities))
        self.view.layout.display = None
        show_image(self.view, self.shown_image)
        self.bars.value = probability_bars(self.probabilities)
        self._save_drawing()

    def _save_drawing(self) -> None:
        """Show the drawing in ``snapshot``, the image under the canvas (see the class
        docstring)."""
        buffer = io.BytesIO()
        self._paper.save(buffer, format="png")
        self.snapshot.value = buffer.getvalue()
