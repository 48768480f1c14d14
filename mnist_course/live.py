"""A trained CNN as a layer list and float32 weights, for the book's live panels.

The published book runs the network in the reader's browser without a kernel: a
forward pass of about seventy lines of plain JavaScript (``book/_assets/live.js``), the
layers the learner wrote in NumPy in chapters 2 and 3. This module writes what it
reads, as a classic script (so that it also loads from ``file://``, where a page may not
fetch files)::

    window.mnistLiveModel = {"name": ..., "layers": [...], "weights": "<base64>",
                             "noise_field": "<base64>", "examples": [...]};

``weights`` holds every layer's float32 values, little-endian, one after the other;
each layer names its offsets into it. Batch norm is folded into the convolution or
dense layer before it (inference uses fixed statistics), dropout is dropped, and the
rest is kept as it is: ``conv2d`` (TensorFlow's ``same`` padding puts the extra row
and column at the bottom and right), ``maxpool2d``, ``flatten``, ``dense``, ``relu``,
with a final softmax.

    python -m mnist_course.live --model m.keras --out mnist-live-model.js
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from pathlib import Path

import numpy as np

from .errors import ModelFileError

ACTIVATIONS = {"linear", "relu", "softmax"}


class _Weights:
    """The float32 values of every layer, appended in order."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0

    def add(self, values: np.ndarray) -> int:
        values = np.ascontiguousarray(values, dtype="<f4").ravel()
        offset = self.size
        self.parts.append(values)
        self.size += values.size
        return offset

    def base64(self) -> str:
        data = np.concatenate(self.parts) if self.parts else np.zeros(0, "<f4")
        return base64.b64encode(data.tobytes()).decode("ascii")


def _activation(layer) -> str:
    name = getattr(getattr(layer, "activation", None), "__name__", "linear")
    if name not in ACTIVATIONS:
        raise ValueError(f"layer {layer.name}: activation {name} is not supported.")
    return name


def layer_list(model) -> tuple[list[dict], _Weights]:
    """``model``'s layers as the forward pass reads them (batch norm folded)."""
    from keras import layers as kl

    out: list[dict] = []
    weights: list[list[np.ndarray]] = []  # kernel and bias of each entry, until packed
    for layer in model.layers:
        if isinstance(layer, (kl.InputLayer, kl.Dropout)):
            continue
        if isinstance(layer, (kl.Conv2D, kl.Dense)):
            values = layer.get_weights()
            kernel = values[0]
            bias = values[1] if layer.use_bias else np.zeros(kernel.shape[-1])
            entry = {"activation": _activation(layer)}
            if isinstance(layer, kl.Conv2D):
                if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
                    raise ValueError(
                        f"layer {layer.name}: dilation and groups are not supported."
                    )
                entry |= {
                    "type": "conv2d",
                    "kernel": list(kernel.shape),
                    "strides": list(layer.strides),
                    "padding": layer.padding,
                }
            else:
                entry |= {"type": "dense", "shape": list(kernel.shape)}
            out.append(entry)
            weights.append([kernel.astype(np.float64), bias.astype(np.float64)])
        elif isinstance(layer, kl.BatchNormalization):
            previous = out[-1] if out else None
            if (
                previous is None
                or previous["type"] not in ("conv2d", "dense")
                or previous["activation"] != "linear"
            ):
                raise ValueError(
                    f"layer {layer.name}: batch norm must follow a convolution or"
                    " dense layer without activation, to be folded into it."
                )
            gamma, beta, mean, variance = (
                np.asarray(v, dtype=np.float64) for v in layer.get_weights()
            )
            factor = gamma / np.sqrt(variance + layer.epsilon)
            kernel, bias = weights[-1]
            weights[-1] = [kernel * factor, (bias - mean) * factor + beta]
        elif isinstance(layer, kl.ReLU) or (
            isinstance(layer, kl.Activation) and _activation(layer) == "relu"
        ):
            if getattr(layer, "max_value", None) is not None or getattr(
                layer, "negative_slope", 0
            ):
                raise ValueError(f"layer {layer.name}: only a plain ReLU is supported.")
            out.append({"type": "relu"})
            weights.append([])
        elif isinstance(layer, kl.MaxPooling2D):
            out.append(
                {
                    "type": "maxpool2d",
                    "pool": list(layer.pool_size),
                    "strides": list(layer.strides),
                    "padding": layer.padding,
                }
            )
            weights.append([])
        elif isinstance(layer, kl.Flatten):
            out.append({"type": "flatten"})
            weights.append([])
        else:
            raise ValueError(
                f"layer {layer.name} ({type(layer).__name__}) is not one the live"
                " panels can run: conv2d, dense, batch norm, ReLU, max pooling,"
                " flatten, dropout."
            )
    packed = _Weights()
    for entry, values in zip(out, weights, strict=True):
        if values:
            entry["kernel_offset"] = packed.add(values[0])
            entry["bias_offset"] = packed.add(values[1])
    return out, packed


def test_examples() -> list[tuple[int, np.ndarray]]:
    """The first test digit of each class, (label, uint8 28×28), for the panels."""
    from .data import load_mnist

    _, (x_test, y_test) = load_mnist()
    return [(digit, x_test[np.argmax(y_test == digit)]) for digit in range(10)]


def pen_strokes(image: np.ndarray, pad: int = 280) -> list[tuple[float, float, float]]:
    """Horizontal pen strokes that redraw a 28×28 digit on a ``pad``-pixel square:
    (y, x_start, x_end) in pad pixels, one per run of ink (> 127) in each row.

    How the tests and the benchmark draw real digits on the live panel's pad with the
    mouse.

    >>> digit = np.zeros((28, 28), np.uint8); digit[3, 5:9] = 255
    >>> pen_strokes(digit)
    [(35.0, 55.0, 85.0)]
    """
    scale = pad / 28
    strokes = []
    for row in range(28):
        ink = np.flatnonzero(np.asarray(image)[row] > 127)
        for run in (
            np.split(ink, np.flatnonzero(np.diff(ink) > 1) + 1) if ink.size else []
        ):
            strokes.append(
                (
                    (row + 0.5) * scale,
                    (int(run[0]) + 0.5) * scale,
                    (int(run[-1]) + 0.5) * scale,
                )
            )
    return strokes


def export_live(
    model,
    out: str | os.PathLike,
    examples: list[tuple[int, np.ndarray]] | None = None,
) -> Path:
    """Write ``model`` as ``window.mnistLiveModel = {...};`` to ``out``, with
    ``examples`` (label, uint8 28×28 image) for the panels to start from."""
    shape = tuple(model.input_shape[1:])
    if shape != (28, 28, 1):
        raise ValueError(f"the live panels need a (28, 28, 1) input, got {shape}.")
    from .widgets.robustness import noise_field

    entries, packed = layer_list(model)
    payload = {
        "name": model.name,
        "input": [28, 28, 1],
        "layers": entries,
        "weights": packed.base64(),
        # the robustness panel's noise pattern: RobustnessExplorer's, seed 0
        "noise_field": base64.b64encode(noise_field(0).astype("<f4").tobytes()).decode(
            "ascii"
        ),
        "examples": [
            {
                "label": int(label),
                "pixels": base64.b64encode(
                    np.ascontiguousarray(image, dtype=np.uint8).tobytes()
                ).decode("ascii"),
            }
            for label, image in (examples or [])
        ],
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(
        "// Written by mnist_course.live: the book's live panels run this network.\n"
        f"window.mnistLiveModel = {json.dumps(payload)};\n",
        encoding="utf-8",
    )
    os.replace(tmp, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a .keras file")
    parser.add_argument("--out", required=True, help="the .js file to write")
    args = parser.parse_args(argv)
    from .models import load_trained

    path = Path(args.model)
    if not path.is_file():
        raise ModelFileError(f"no model at {path}.")
    written = export_live(load_trained(path), args.out, test_examples())
    print(f"wrote {written} ({written.stat().st_size / 1024:,.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
