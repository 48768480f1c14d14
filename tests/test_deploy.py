"""Shipping a model: `export` to TFLite (float, int8) and SavedModel, and `predict`
with a .tflite file, which runs with NumPy and the LiteRT interpreter only."""

import sys

import numpy as np
import pytest
from PIL import Image

from mnist_course import data

from .conftest import ROOT, run_cli

# Runs the CLI with TensorFlow, Keras (and the other big frameworks) impossible to
# import: any import of them on the path under test fails loudly.
NO_TENSORFLOW = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "jax", "torch"):
            raise ImportError(f"{name} was imported on a path that must not need it")

sys.meta_path.insert(0, Refuse())
from mnist_course.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    """The session's trained reference CNN, exported as float and int8 TFLite."""
    root, _ = trained
    out = tmp_path_factory.mktemp("exported")
    model = root / "models" / "reference_cnn.keras"
    files = {}
    for name, extra in (("float", []), ("int8", ["--int8"])):
        path = out / f"{name}.tflite"
        proc = run_cli(
            "export", "--format", "tflite", *extra, "--model", str(model),
            "--out", str(path), cache_root=root,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f"{'an int8' if extra else 'a float32'} TFLite model" in proc.stdout
        files[name] = path
    return root, model, files


def _test_images(mnist_dir, count):
    (_, _), (x_test, y_test) = data.load_mnist()  # mnist_dir: fetched first
    return x_test[:count, ..., None].astype(np.float32) / 255, y_test[:count]


def test_tflite_float_and_int8_agree_with_keras(exported, mnist_dir):
    import keras

    from mnist_course.deploy import TFLiteClassifier

    _, model_path, files = exported
    images, labels = _test_images(mnist_dir, 2000)
    keras_p = keras.models.load_model(model_path).predict(images, verbose=0)
    as_float = TFLiteClassifier(files["float"])
    as_int8 = TFLiteClassifier(files["int8"])
    assert not as_float.int8 and as_int8.int8
    float_p, int8_p = as_float.predict(images), as_int8.predict(images)
    assert np.abs(float_p - keras_p).max() < 1e-4, "float TFLite is the Keras model"
    accuracy = {
        name: float(np.mean(p.argmax(axis=1) == labels))
        for name, p in (("keras", keras_p), ("int8", int8_p))
    }
    assert accuracy["int8"] >= accuracy["keras"] - 0.003, accuracy
    assert files["int8"].stat().st_size < files["float"].stat().st_size / 3


def test_predict_with_a_tflite_file_never_imports_tensorflow(
    exported, mnist_dir, tmp_path
):
    root, model_path, files = exported
    images, labels = _test_images(mnist_dir, 6)
    paths = []
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        path = tmp_path / f"digit_{i}_{label}.png"  # dark ink on white, 4× larger
        Image.fromarray(255 - (image[..., 0] * 255).astype(np.uint8)).resize(
            (112, 112)
        ).save(path)
        paths.append(str(path))
    keras_run = run_cli("predict", "--model", str(model_path), *paths, cache_root=root)
    assert keras_run.returncode == 0, keras_run.stderr[-2000:]
    import subprocess

    for tflite in files.values():
        proc = subprocess.run(
            [sys.executable, "-c", NO_TENSORFLOW, "predict", "--model", str(tflite)]
            + paths,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stderr == "", "no delegate banner or warning on stderr"
        digits = [line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()]
        expected = [
            line.split(": ")[1].split()[0] for line in keras_run.stdout.splitlines()
        ]
        assert digits == expected, (proc.stdout, keras_run.stdout)


def test_savedmodel_serves_the_keras_models_probabilities(
    exported, mnist_dir, tmp_path
):
    import keras
    import tensorflow as tf

    root, model_path, _ = exported
    out = tmp_path / "served"
    proc = run_cli(
        "export", "--format", "savedmodel", "--model", str(model_path),
        "--out", str(out), cache_root=root,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    images, _ = _test_images(mnist_dir, 64)
    loaded = tf.saved_model.load(str(out))  # kept: its variables live as long as it
    served = loaded.serve(tf.constant(images)).numpy()
    expected = keras.models.load_model(model_path).predict(images, verbose=0)
    assert np.abs(served - expected).max() < 1e-5


@pytest.mark.parametrize(
    "args,message",
    [
        (["--format", "savedmodel", "--int8", "--out", "OUT/m"], "--int8 applies"),
        (["--format", "tflite", "--out", "OUT/m.keras"], "NAME.tflite"),
        (["--format", "savedmodel", "--out", "OUT"], "new or empty folder"),
    ],
)
def test_export_refuses_wrong_usage_before_any_work(tmp_path, args, message):
    (tmp_path / "kept.txt").write_text("not to be overwritten")
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    proc = run_cli("export", *args, cache_root=tmp_path / "cache")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def test_a_file_that_is_not_tflite_is_refused_clearly(tmp_path):
    fake = tmp_path / "model.tflite"
    fake.write_bytes(b"PK\x03\x04 certainly not a flatbuffer")
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28), 255).save(image)
    proc = run_cli("predict", "--model", str(fake), str(image), cache_root=tmp_path)
    assert proc.returncode == 1
    assert "is not a TFLite model" in proc.stderr and "Traceback" not in proc.stderr


def test_the_explorers_take_a_tflite_model(exported, mnist_dir):
    from mnist_course.deploy import TFLiteClassifier
    from mnist_course.widgets import DrawDigit

    _, _, files = exported
    images, labels = _test_images(mnist_dir, 1)
    pad = DrawDigit(TFLiteClassifier(files["int8"]))
    ink = np.kron(images[0, ..., 0], np.ones((10, 10)))  # 280 × 280, ink 1
    pad.set_drawing(np.round(255 * (1 - ink)).astype(np.uint8))  # pen on paper
    assert pad.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert pad.prediction == labels[0]
    assert pad.probabilities.max() > 0.5, "the int8 output is not softmaxed twice"
