"""Files a trained model is shipped as, and running a TFLite file without TensorFlow.

- :func:`export_savedmodel`: a TensorFlow SavedModel (``model.export``), served by its
  ``serve`` signature from ``tf.saved_model.load`` in a program that never imports
  Keras or this package.
- :func:`export_tflite`: a TFLite flatbuffer, float32, or full-integer int8 (weights
  and activations) calibrated on a representative set of training images.
- :class:`TFLiteClassifier`: runs a ``.tflite`` file with the LiteRT interpreter
  (``ai-edge-litert``) and NumPy only: ``python -m mnist_course predict --model
  m.tflite`` never imports TensorFlow (``tf.lite.Interpreter`` is deprecated in
  TF 2.21).

Exporting needs TensorFlow (imported inside the functions); this module imports only
NumPy at the top, so that the predict path stays light.

>>> export_tflite(model, "digits_int8.tflite", int8=True)   # doctest: +SKIP
>>> TFLiteClassifier("digits_int8.tflite").predict(images).shape   # doctest: +SKIP
(5, 10)
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .errors import ModelFileError, UsageError

TFLITE_MAGIC = b"TFL3"  # bytes 4..8 of every TFLite flatbuffer
REPRESENTATIVE_IMAGES = 500  # training images the int8 converter calibrates on


def check_export_path(path: str | os.PathLike, fmt: str) -> Path:
    """Where ``export`` may write a ``fmt`` ("tflite" or "savedmodel") model, checked
    before any work: a ``.tflite`` file name, or a folder that does not exist yet or
    is empty."""
    path = Path(path).expanduser()
    if fmt == "tflite":
        if path.suffix != ".tflite" or path.is_dir():
            raise UsageError(
                f"--out {path}: a TFLite model is one file named NAME.tflite."
            )
    elif path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(
            f"--out {path}: a SavedModel is a folder; give a new or empty folder's"
            " name (nothing is overwritten)."
        )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {path}: cannot write in {parent}.")
    return path


def export_savedmodel(model, out: str | os.PathLike) -> Path:
    """``model`` as a SavedModel folder whose ``serve`` signature maps float32 images
    (N, 28, 28, 1) in 0..1 to the 10 probabilities."""
    out = check_export_path(out, "savedmodel")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=_existing(out.parent)))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            model.export(str(tmp / "model"), verbose=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        os.replace(tmp / "model", out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _existing(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_tflite(
    model,
    out: str | os.PathLike,
    int8: bool = False,
    representative: np.ndarray | None = None,
) -> Path:
    """``model`` as a ``.tflite`` file: float32, or with ``int8`` full-integer (int8
    weights, activations, input and output), calibrated on ``representative``
    (prepared images; default: the first :data:`REPRESENTATIVE_IMAGES` training
    images). Written atomically."""
    import tensorflow as tf

    out = check_export_path(out, "tflite")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        if representative is None:
            from .data import load_mnist

            (x_train, _), _ = load_mnist()
            representative = x_train[:REPRESENTATIVE_IMAGES, ..., None] / np.float32(
                255
            )
        samples = np.asarray(representative, dtype=np.float32)

        def calibration():
            for sample in samples:
                yield [sample[None]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    # Keras lists the signature on stdout; the converter prints its settings on
    # stderr from C++, and warns that the (float) input had no statistics, which an
    # int8 model's input never needs: its scale and zero point come from calibration
    with (
        contextlib.redirect_stdout(io.StringIO()),
        _quiet_stderr(),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", "Statistics for quantized inputs")
        data = converter.convert()
    _existing(out.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tflite", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


@contextlib.contextmanager
def _quiet_stderr():
    """Send what native code writes to stderr (file descriptor 2) to /dev/null."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class TFLiteClassifier:
    """A ``.tflite`` digit classifier run by the LiteRT interpreter, with NumPy only.

    :meth:`predict` takes float32 images (N, 28, 28, 1) in 0..1, as Keras models do,
    and returns float probabilities (N, 10). An int8 model's input is quantized with
    the scale and zero point stored in the file, ``q = round(x / scale) + zero_point``
    clipped to -128..127, and its output dequantized, ``(q - zero_point) * scale``.
    """

    def __init__(self, path: str | os.PathLike):
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(
                f"No model at {path}. Make one with `python -m mnist_course export"
                " --format tflite --out PATH`."
            )
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head[4:8] != TFLITE_MAGIC:
            raise ModelFileError(
                f"{path} is not a TFLite model (a .tflite file starts with the"
                " identifier TFL3). Export one with `python -m mnist_course export"
                " --format tflite`."
            )
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ModelFileError(
                "running a .tflite model needs the LiteRT interpreter: pip install"
                " ai-edge-litert (it is in requirements.txt)."
            ) from None
        try:
            self.interpreter = Interpreter(model_path=str(path))
        except (ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{path} could not be loaded as a TFLite model ({exc})."
            ) from None
        self.path = path
        self._allocated = False  # tensors are allocated for one batch shape at a time
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        if (
            tuple(self.input["shape"][1:]) != (28, 28, 1)
            or int(self.output["shape"][-1]) != 10
        ):
            raise ModelFileError(
                f"{path} is not a 28×28 → 10-digit classifier (input"
                f" {tuple(self.input['shape'])}, output {tuple(self.output['shape'])})."
            )

    input_shape = (None, 28, 28, 1)  # as a Keras model's: the explorers accept it

    def __call__(self, images: np.ndarray, training: bool = False) -> np.ndarray:
        """Probabilities for a batch, called as a Keras model is (the widgets call
        models so). An int8 model's rounding leaves each row's sum a little off 1;
        here the rows are scaled back to 1, so that they read as probabilities."""
        probabilities = self.predict(images)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    @property
    def int8(self) -> bool:
        return self.input["dtype"] == np.int8

    def predict(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        interpreter, index = self.interpreter, self.input["index"]
        if tuple(self.input["shape"]) != images.shape or not self._allocated:
            with _quiet_stderr():  # LiteRT announces its CPU delegate on stderr
                interpreter.resize_tensor_input(index, images.shape)
                interpreter.allocate_tensors()
            self.input = interpreter.get_input_details()[0]
            self._allocated = True
        if self.int8:
            scale, zero = self.input["quantization"]
            images = np.clip(np.round(images / scale) + zero, -128, 127).astype(np.int8)
        interpreter.set_tensor(index, images)
        interpreter.invoke()
        output = interpreter.get_tensor(self.output["index"])
        if self.output["dtype"] == np.int8:
            scale, zero = self.output["quantization"]
            output = (output.astype(np.float32) - zero) * scale
        return output.astype(np.float32)
