"""Bad input to `python -m mnist_course`: one clear line on stderr, a non-zero exit,
nothing lost.

Each test is a row of book/troubleshooting.md. They run the command line as a learner
does (a subprocess with its own cache) and never train more than one batch.
"""

from __future__ import annotations

import gzip
import os
import pickle
import resource
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from mnist_course import config, data

from .conftest import ROOT, copy_mnist
from .test_preprocess import png_bomb


def run(
    *args: str, cache_root, env: dict | None = None, limits: dict | None = None
) -> subprocess.CompletedProcess:
    """`python -m mnist_course ARGS` with its own cache, extra environment and resource
    limits."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in (config.FAST_ENV, "MNIST_COURSE_DEBUG")
    }
    environ[config.CACHE_ENV] = str(cache_root)
    environ.update(env or {})

    def set_limits():
        for resource_id, value in (limits or {}).items():
            resource.setrlimit(resource_id, (value, value))

    return subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        preexec_fn=set_limits,
    )


def one_error_line(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    """Assert the command failed with `code` and exactly one `error: ...` line on
    stderr; return it."""
    assert proc.returncode == code, (proc.returncode, proc.stderr[-3000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{proc.stderr[-3000:]}"
    assert lines[0].startswith("error: ")
    return lines[0]


def snapshot(folder) -> dict:
    return {
        p.relative_to(folder): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """An untrained reference CNN saved by the package: enough to test what `predict`
    does with files."""
    from mnist_course.models import reference_cnn
    from mnist_course.training import save_model

    return save_model(reference_cnn(), tmp_path_factory.mktemp("model") / "tiny.keras")


@pytest.fixture(scope="module")
def digits(mnist_dir):
    return data.read_idx(mnist_dir / "t10k-images-idx3-ubyte")[:3]


# ------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "argument --epochs: must be at least 1, got 0."),
        (["--seed", "-1"], "argument --seed: must be from 0 to 4,294,967,295, got -1."),
        (["--out", "m.h5"], "the file name must end in .keras"),
        (["--out", "{existing_folder}"], "it is a folder. Give a file name in it"),
    ],
)
def test_train_refuses_bad_arguments_before_any_work(
    tmp_path, mnist_dir, args, message
):
    copy_mnist(mnist_dir, tmp_path)
    before = snapshot(tmp_path)
    args = [a.format(existing_folder=tmp_path) for a in args]
    proc = run("train", "--fast", *args, cache_root=tmp_path)
    line = one_error_line(proc, code=2)
    assert message in line and "--help" in line
    assert proc.stdout == "", "nothing started: no fast-mode banner, no progress bar"
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------- cache


@pytest.mark.parametrize(
    "args",
    [
        ["data", "verify"],
        ["data", "fetch"],
        ["data", "import", "{mnist}"],
        ["evaluate"],
    ],
)
def test_a_cache_path_that_is_a_file_is_named_as_such(tmp_path, mnist_dir, args):
    plain = tmp_path / "cache_is_a_file"
    plain.write_text("keep me")
    proc = run(*[a.format(mnist=mnist_dir) for a in args], cache_root=plain)
    line = one_error_line(proc)
    assert (
        f"{plain}" in line
        and "is a file, not a folder" in line
        and "MNIST_COURSE_CACHE" in line
    )
    assert "missing" not in proc.stdout + line
    assert plain.read_text() == "keep me"


def test_data_import_on_a_full_disk_says_so_and_leaves_no_partial_file(
    tmp_path, mnist_dir
):
    cache = tmp_path / "cache"
    proc = run(
        "data",
        "import",
        str(mnist_dir),
        cache_root=cache,
        limits={resource.RLIMIT_FSIZE: 10_000_000},
    )
    line = one_error_line(proc)
    assert (
        "Could not write" in line
        and "File too large" in line
        and "No partial file was left" in line
    )
    assert [p.name for p in (cache / "mnist").iterdir()] == [], (
        "no partial or temporary file"
    )


def test_data_import_of_a_gzip_bomb_stops_early_in_little_memory(tmp_path, mnist_dir):
    folder = tmp_path / "bomb"
    folder.mkdir()
    for f in data.FILES[1:]:
        shutil.copyfile(mnist_dir / f.name, folder / f.name)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(bytes(64 << 20), compresslevel=1) * 32
    )  # 2 GB
    proc = run(
        "data",
        "import",
        str(folder),
        cache_root=tmp_path / "cache",
        limits={resource.RLIMIT_AS: 800 << 20},
    )
    line = one_error_line(proc)
    assert "train-images-idx3-ubyte.gz: wrong magic number 00000000" in line
    assert "Nothing in the cache was changed" in line


def test_data_import_of_valid_looking_files_with_the_wrong_content_names_the_path_and_the_fix(  # noqa: E501
    tmp_path,
):
    folder = tmp_path / "lookalike"
    folder.mkdir()
    for f in data.FILES:
        (folder / f.name).write_bytes(data.to_idx_bytes(np.zeros(f.shape, np.uint8)))
    line = one_error_line(
        run("data", "import", str(folder), cache_root=tmp_path / "cache")
    )
    assert (
        f"{folder}/t10k-images-idx3-ubyte: a well-formed t10k-images-idx3-ubyte, but"
        " not the official one" in line
    )
    assert "python -m mnist_course data fetch" in line


def test_evaluate_with_a_deleted_cache_file_says_how_to_fix_it(
    tmp_path, mnist_dir, tiny_model
):
    copy_mnist(mnist_dir, tmp_path)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").unlink()
    line = one_error_line(
        run("evaluate", "--model", str(tiny_model), cache_root=tmp_path)
    )
    assert (
        "t10k-labels-idx1-ubyte is missing" in line
        and "python -m mnist_course data fetch" in line
    )


# ----------------------------------------------------------------------- images


def test_predict_reports_an_image_bomb_and_classifies_the_other_files(
    tmp_path, digits, tiny_model
):
    names = []
    for i, name in enumerate(["good.png", "bomb.png", "good2.png"]):
        path = tmp_path / name
        (
            png_bomb(path, 20_000, 20_000)
            if name == "bomb.png"
            else Image.fromarray(digits[i]).save(path)
        )
        names.append(str(path))
    proc = run("predict", "--model", str(tiny_model), *names, cache_root=tmp_path)
    assert proc.returncode == 1
    assert [line.split(": ")[0] for line in proc.stdout.splitlines()] == [
        names[0],
        names[2],
    ]
    assert proc.stderr.splitlines() == [
        (
            f"{names[1]}: error: the image is too large (400 megapixels; the limit is"
            " 89 megapixels, a guard against decompression bombs): scale it down and"
            " try again"
        ),
        "error: 1 of 3 file(s) could not be read as a digit.",
    ]


def test_predict_on_an_image_between_pillows_limits_gives_one_line_not_a_raw_warning(
    tmp_path, tiny_model
):
    path = tmp_path / "huge.png"
    png_bomb(path, 10_000, 10_000)
    proc = run("predict", "--model", str(tiny_model), str(path), cache_root=tmp_path)
    assert "DecompressionBombWarning" not in proc.stderr
    assert (
        f"{path}: error: the image is too large (10,000×10,000 pixels, 100 megapixels;"
        in proc.stderr
    )


def test_predict_says_what_a_folder_or_a_dash_is(tmp_path, tiny_model):
    proc = run(
        "predict", "--model", str(tiny_model), str(tmp_path), "-", cache_root=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[:2] == [
        (
            f"{tmp_path}: error: this is a folder, not an image file: give the image"
            " files in it (e.g. folder/*.png)"
        ),
        (
            "-: error: reading an image from standard input (`-`) is not supported:"
            " give the image file's path"
        ),
    ]
    assert "no such file" not in proc.stderr


# ----------------------------------------------------------------------- models


@pytest.mark.parametrize(
    "content, why",
    [
        (b"", "it is empty (0 bytes)"),
        (b"weights: 1 2 3\n", "it is a text file"),
        (
            pickle.dumps({"weights": [1, 2, 3]}),
            "it is a Python pickle (never loaded here",
        ),
    ],
)
def test_a_model_file_that_is_not_a_keras_archive_says_so(tmp_path, content, why):
    model = tmp_path / "x.keras"
    model.write_bytes(content)
    line = one_error_line(run("evaluate", "--model", str(model), cache_root=tmp_path))
    assert (
        f"{model} is not a readable Keras model: {why}" in line
        and "not a Keras archive" in line
    )
    assert "File not found" not in line
    assert model.read_bytes() == content


def test_keras_messages_are_quoted_in_whole_sentences(tmp_path):
    import keras

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Lambda(lambda x: x),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    path = tmp_path / "lambda.keras"
    model.save(path)
    line = one_error_line(run("evaluate", "--model", str(path), cache_root=tmp_path))
    said = line.split("Keras says: ", 1)[1].split(" Train one with", 1)[0]
    assert said.endswith("disallowed by default."), said


# --------------------------------------------------------------- TensorFlow noise


def test_tensorflow_commands_print_no_start_up_lines(tmp_path):
    # `evaluate` imports Keras (and so TensorFlow) before it looks for the model.
    proc = run("evaluate", "--model", str(tmp_path / "none.keras"), cache_root=tmp_path)
    assert proc.stderr.splitlines() == [
        f"error: No model at {tmp_path / 'none.keras'}. Train one first with `python -m"
        " mnist_course train` (or pass --model PATH to a .keras file)."
    ]


def test_importing_mnist_course_first_keeps_tensorflow_quiet():
    """What a notebook does: `import mnist_course` (or anything from it) first, then
    Keras."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "from mnist_course import load_mnist\nimport keras"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_other_stderr_output_during_the_tensorflow_import_is_kept():
    from mnist_course._quiet_tf import filter_startup_lines

    raw = (
        b"WARNING: All log messages before absl::InitializeLog() is called are written"
        b" to STDERR\nI0000 00:00:1795528224.822118    3004 port.cc:153] oneDNN custom"
        b" operations are on. You may see...\nE0000 00:00:1795528224.9"
        b" cuda_dnn.cc:8310] Unable to register cuDNN factory\n"
    )
    assert (
        filter_startup_lines(raw)
        == b"E0000 00:00:1795528224.9 cuda_dnn.cc:8310] Unable to register cuDNN"
        b" factory\n"
    )


# ------------------------------------------------------------------ portability


LOAD_WITH_KERAS_ONLY = """
import sys, numpy as np, keras
model = keras.models.load_model(sys.argv[1])
assert not [m for m in sys.modules if m.startswith("mnist_course")]
print(model.compiled)
np.save(sys.argv[2], model.predict(np.load(sys.argv[3]), verbose=0))
"""


def test_a_saved_model_loads_in_a_python_that_imports_only_keras(tmp_path, digits):
    from mnist_course.models import reference_cnn
    from mnist_course.training import compile_reference, prepare_images, save_model

    x = prepare_images(digits)
    model = compile_reference(reference_cnn(), total_steps=10)
    model.fit(
        np.repeat(x, 10, axis=0), np.arange(30) % 10, batch_size=30, epochs=1, verbose=0
    )  # one step
    path = save_model(model, tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", x)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_WITH_KERAS_ONLY,
            str(path),
            str(tmp_path / "p.npy"),
            str(tmp_path / "x.npy"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "True", "compiled, ready for evaluate()"
    assert "Skipping variable loading" not in proc.stderr, (
        "the optimizer state is saved whole"
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "p.npy"), model.predict(x, verbose=0), atol=1e-6
    )


def test_the_reference_model_saved_by_train_loads_with_plain_keras(
    trained, tmp_path, digits
):
    root, _ = trained
    np.save(tmp_path / "x.npy", digits[..., None].astype("float32") / 255)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_WITH_KERAS_ONLY,
            str(root / "models" / "reference_cnn.keras"),
            str(tmp_path / "p.npy"),
            str(tmp_path / "x.npy"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert np.load(tmp_path / "p.npy").argmax(axis=1).tolist() == [
        7,
        2,
        1,
    ], "the first three test digits"


# ------------------------------------------------------------------------ debug


def test_debug_shows_the_traceback_that_is_otherwise_hidden(tmp_path):
    plain = tmp_path / "file"
    plain.write_text("")
    quiet = run("data", "verify", cache_root=plain)
    assert "Traceback" not in quiet.stderr
    for how in ({"env": {"MNIST_COURSE_DEBUG": "1"}}, {"args": ["--debug"]}):
        proc = run(
            *how.get("args", []), "data", "verify", cache_root=plain, env=how.get("env")
        )
        assert proc.returncode == 1
        assert "Traceback" in proc.stderr and "CacheError" in proc.stderr


# ------------------------------------------------------------ the book's table


def test_every_row_of_the_troubleshooting_page_names_a_test_that_exists():
    import re

    page = (ROOT / "book" / "troubleshooting.md").read_text(encoding="utf-8")
    rows = [
        line
        for line in page.splitlines()
        if line.startswith("| ") and not line.endswith("| test |")
    ]
    assert len(rows) >= 30
    for row in rows:
        named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", row)
        assert named, f"a row without a test: {row[:80]}"
        for path, name in named:
            file = ROOT / path
            defined = file.is_file() and re.search(
                rf"^def {name}\(", file.read_text(), re.M
            )
            assert defined, f"{path}::{name} does not exist"
