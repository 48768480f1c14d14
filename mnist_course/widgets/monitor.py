"""TrainingMonitor: a Keras callback that redraws loss and accuracy curves after every
epoch."""

from __future__ import annotations

import io
from collections.abc import Sequence

import ipywidgets as widgets
import keras
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._common import AltImage, message_html


def plot_history(
    history: dict[str, list[float]], metrics: Sequence[str] = ("loss", "accuracy")
) -> bytes:
    """PNG of one panel per metric: the training curve and, when logged, the validation
    one.

    >>> plot_history({"loss": [0.9, 0.4], "val_loss": [0.8, 0.5]}, ["loss"])[:4]
    b'\\x89PNG'
    """
    figure = Figure(figsize=(4.2 * len(metrics), 3.0), dpi=100)
    FigureCanvasAgg(figure)
    for number, metric in enumerate(metrics, start=1):
        axes = figure.add_subplot(1, len(metrics), number)
        for key, style in ((metric, "o-"), (f"val_{metric}", "s--")):
            values = history.get(key, [])
            if values:
                axes.plot(
                    range(1, len(values) + 1),
                    values,
                    style,
                    label=key.replace("_", " "),
                )
        axes.set_title(metric)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend()
            axes.xaxis.get_major_locator().set_params(integer=True)
        else:
            axes.text(
                0.5,
                0.5,
                "waiting for the first epoch",
                ha="center",
                va="center",
                transform=axes.transAxes,
            )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class TrainingMonitor(keras.callbacks.Callback):
    """Live loss and accuracy curves, train and validation, redrawn after each epoch.

    >>> monitor = TrainingMonitor()  # doctest: +SKIP
    >>> model.fit(  # doctest: +SKIP
    ...     x, y, validation_split=0.1, epochs=5, callbacks=[monitor], verbose=0
    ... )

    In a notebook the plot appears when training starts (or display ``monitor``
    yourself). ``history`` holds every logged value by name (``history["val_loss"]``),
    ``widget`` is the ipywidgets box, ``image`` its PNG (``image.value``). Several
    ``fit`` calls continue the same curves; :meth:`reset` starts again.
    """

    def __init__(
        self,
        metrics: Sequence[str] = ("loss", "accuracy"),
        *,
        show_on_train_begin: bool = True,
    ) -> None:
        super().__init__()
        self.metrics = tuple(metrics)
        self.show_on_train_begin = show_on_train_begin
        self.image = AltImage(
            format="png", tooltip="loss and accuracy per epoch, training and validation"
        )
        self.summary = widgets.HTML()
        self.widget = widgets.VBox([self.image, self.summary])
        self._shown = False
        self.reset()

    def reset(self) -> None:
        """Forget every epoch seen so far."""
        self.history: dict[str, list[float]] = {}
        self._draw()
        self.summary.value = message_html(
            "Training has not started: pass callbacks=[monitor] to model.fit."
        )

    @property
    def epochs(self) -> int:
        """How many epochs have been recorded."""
        return max((len(values) for values in self.history.values()), default=0)

    def on_train_begin(self, logs=None) -> None:
        if self.show_on_train_begin and not self._shown:
            self._display()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self._draw()
        numbers = " · ".join(
            f"{key} {values[-1]:.4g}" for key, values in self.history.items()
        )
        self.summary.value = f"<div>epoch <b>{self.epochs}</b>: {numbers}</div>"

    def _draw(self) -> None:
        self.image.value = plot_history(self.history, self.metrics)

    def _display(self) -> None:
        """Show the widget in the running notebook cell (nothing outside IPython)."""
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is not None:
            display(self.widget)
            self._shown = True

    def _repr_mimebundle_(self, **kwargs):
        self._shown = True
        return self.widget._repr_mimebundle_(**kwargs)
