"""The command line, run as a learner runs it: `python -m mnist_course ...` in a
subprocess."""

import re

import numpy as np
import pytest
from PIL import Image

from mnist_course import data

from .conftest import copy_mnist, run_cli


def test_train_with_defaults_reaches_99_percent(trained):
    _, proc = trained
    last = proc.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"test_accuracy=(\d\.\d{4})", last)
    assert match, f"the last line must be test_accuracy=0.XXXX, got {last!r}"
    assert float(match.group(1)) >= 0.990
    assert "FAST MODE" not in proc.stdout, "fast mode is never on by default"
    assert "240/240" in proc.stdout, "a progress bar is shown"


def test_fast_mode_is_announced_and_beats_chance_by_far(tmp_path, mnist_dir):
    copy_mnist(mnist_dir, tmp_path)
    proc = run_cli("train", "--seed", "1", cache_root=tmp_path, fast=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "FAST MODE" in proc.stdout and "6,000 images, 1 epoch" in proc.stdout
    accuracy = float(proc.stdout.strip().splitlines()[-1].split("=")[1])
    assert accuracy > 0.80, "chance is 0.10"
    assert (tmp_path / "models" / "reference_cnn_fast.keras").is_file()
    assert not (tmp_path / "models" / "reference_cnn.keras").exists(), (
        "fast mode never replaces the full model"
    )


def test_evaluate_prints_overall_and_per_class_accuracy(trained):
    root, train = trained
    proc = run_cli("evaluate", cache_root=root)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert sum(line.strip().startswith("digit ") for line in lines) == 10
    assert "(1135 images)" in proc.stdout
    assert lines[-1] == train.stdout.strip().splitlines()[-1], (
        "evaluate agrees with train"
    )


def _variants(digit: np.ndarray) -> dict[str, Image.Image]:
    """The same MNIST digit as a learner might photograph, scan or draw it."""
    image = Image.fromarray(digit)
    page = np.full((300, 400), 225, np.uint8)
    big = np.asarray(image.resize((112, 112), Image.Resampling.BICUBIC)).astype(int)
    page[40:152, 250:362] = 225 - big * 205 // 255
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = digit  # black ink, alpha = the stroke
    rgb = np.stack([255 - digit] * 3, axis=-1)
    rgb[..., 2] = np.maximum(rgb[..., 2], 60)  # bluish ink
    return {
        "large.png": image.resize((200, 200), Image.Resampling.BICUBIC),
        "small.bmp": image.resize((20, 20), Image.Resampling.BICUBIC),
        "inverted.jpg": Image.fromarray(
            255 - np.asarray(image.resize((140, 140), Image.Resampling.BICUBIC))
        ),
        "rgb.png": Image.fromarray(rgb).resize((90, 90)),
        "rgba.png": Image.fromarray(rgba, "RGBA"),
        "offset_on_page.gif": Image.fromarray(page),
    }


def test_predict_recovers_the_labels_of_transformed_test_digits(
    trained, tmp_path, mnist_dir
):
    root, _ = trained
    images = data.read_idx(mnist_dir / "t10k-images-idx3-ubyte")
    labels = data.read_idx(mnist_dir / "t10k-labels-idx1-ubyte")
    picks = [
        int(np.flatnonzero(labels == d)[0]) for d in range(10)
    ]  # the first test image of each digit
    expected, paths = {}, []
    for index in picks:
        for name, image in _variants(images[index]).items():
            path = tmp_path / f"{index}_{name}"
            image.save(path)
            paths.append(str(path))
            expected[str(path)] = int(labels[index])
    proc = run_cli("predict", *paths, cache_root=root)
    assert proc.returncode == 0, proc.stderr
    got = {}
    for line in proc.stdout.strip().splitlines():
        match = re.fullmatch(r"(.+): (\d) \(p=(\d\.\d\d)\)", line)
        assert match, f"each line reads `path: digit (p=0.98)`, got {line!r}"
        got[match.group(1)] = int(match.group(2))
    assert got.keys() == expected.keys()
    wrong = {p: (expected[p], got[p]) for p in expected if got[p] != expected[p]}
    assert len(wrong) <= 2, f"{len(wrong)} of {len(expected)} wrong: {wrong}"


def test_predict_reports_bad_files_and_still_classifies_the_rest(
    trained, tmp_path, mnist_dir
):
    root, _ = trained
    good = tmp_path / "seven.png"
    Image.fromarray(data.read_idx(mnist_dir / "t10k-images-idx3-ubyte")[0]).save(
        good
    )  # test image 0 is a 7
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    proc = run_cli(
        "predict",
        str(text),
        str(good),
        str(blank),
        str(tmp_path / "missing.png"),
        cache_root=root,
    )
    assert proc.returncode == 1
    assert proc.stdout.strip().startswith(f"{good}: 7 (p=")
    assert f"{text}: error: not an image that Pillow can read" in proc.stderr
    assert f"{blank}: error: no digit found: the image is blank" in proc.stderr
    assert "missing.png: error: no such file" in proc.stderr
    assert "3 of 4 file(s) could not be read" in proc.stderr


def test_predict_without_a_model_says_to_train(tmp_path):
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28), 0).save(image)
    proc = run_cli("predict", str(image), cache_root=tmp_path)
    assert proc.returncode == 1
    assert (
        "No model at" in proc.stderr and "python -m mnist_course train" in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_corrupt_model_file_is_refused_safely(tmp_path):
    model = tmp_path / "broken.keras"
    model.write_bytes(b"PK\x03\x04 this is not a real zip")
    proc = run_cli("evaluate", "--model", str(model), cache_root=tmp_path)
    assert proc.returncode == 1
    assert (
        "is not a readable Keras model: it is a damaged or truncated zip file"
        in proc.stderr
    )
    assert "Traceback" not in proc.stderr
    assert model.read_bytes() == b"PK\x03\x04 this is not a real zip", (
        "the bad file is left as it was"
    )


def test_data_verify_reports_each_file_and_fails_on_damage(tmp_path, mnist_dir):
    copy_mnist(mnist_dir, tmp_path)
    ok = run_cli("data", "verify", cache_root=tmp_path)
    assert ok.returncode == 0
    assert ok.stdout.count(": OK (") == 4
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").write_bytes(b"")
    bad = run_cli("data", "verify", cache_root=tmp_path)
    assert bad.returncode == 1
    assert (
        "t10k-labels-idx1-ubyte: PROBLEM (truncated: 0 bytes, expected 10,008)"
        in bad.stdout
    )
    assert "data fetch --force" in bad.stderr


def test_data_import_of_a_bad_path_fails_cleanly(tmp_path):
    proc = run_cli("data", "import", str(tmp_path / "nowhere"), cache_root=tmp_path)
    assert proc.returncode == 1
    assert "no such file or folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [[], ["train", "--epochs", "two"], ["predict"]])
def test_wrong_usage_exits_with_2(args, tmp_path):
    assert run_cli(*args, cache_root=tmp_path).returncode == 2


def test_train_recipe_best_trains_chapter_7s_model_and_evaluate_uses_it(
    tmp_path, mnist_dir
):
    """`train --recipe best` (fast mode here) saves chapter 7's model beside the
    reference; `evaluate` then reads it by default; a second run loads it from the
    model cache instead of training it again."""
    copy_mnist(mnist_dir, tmp_path)
    proc = run_cli("train", "--recipe", "best", cache_root=tmp_path, fast=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    saved = tmp_path / "models" / "best_cnn_fast.keras"
    assert saved.is_file() and "best_cnn" in proc.stdout
    accuracy = proc.stdout.strip().splitlines()[-1]
    assert float(accuracy.split("=")[1]) > 0.80, "chance is 0.10"
    again = run_cli("train", "--recipe", "best", cache_root=tmp_path, fast=True)
    assert "loaded the model trained earlier" in again.stdout
    assert again.stdout.strip().splitlines()[-1] == accuracy
    evaluate = run_cli("evaluate", cache_root=tmp_path, fast=True)
    assert evaluate.returncode == 0, evaluate.stderr[-2000:]
    assert f"model: {saved}" in evaluate.stdout
    assert evaluate.stdout.strip().splitlines()[-1] == accuracy


def test_train_help_states_the_best_recipes_epochs(tmp_path):
    from mnist_course.training import BEST

    proc = run_cli("train", "--help", cache_root=tmp_path)
    assert f"{BEST.epochs} epochs with augmentation" in " ".join(proc.stdout.split())
    assert f"{BEST.epochs} for best" in " ".join(proc.stdout.split())
