import gzip

import numpy as np
import pytest

from mnist_course.data import FILES, read_idx, to_idx_bytes
from mnist_course.errors import IdxFormatError


def test_reads_the_official_files_with_their_shapes(mnist_dir):
    for f in FILES:
        array = read_idx(mnist_dir / f.name)
        assert array.shape == f.shape
        assert array.dtype == np.uint8
    labels = read_idx(mnist_dir / "train-labels-idx1-ubyte")
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]


def test_round_trip_and_gzip_give_the_same_array():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = to_idx_bytes(array)
    assert raw[:4] == bytes([0, 0, 8, 3])
    np.testing.assert_array_equal(read_idx(raw), array)
    np.testing.assert_array_equal(read_idx(gzip.compress(raw)), array)


def test_round_trip_other_dtypes():
    array = np.array([[1.5, -2.0]], dtype=np.float32)
    np.testing.assert_array_equal(read_idx(to_idx_bytes(array)), array)


def test_wrong_magic_is_rejected_with_an_explanation():
    with pytest.raises(IdxFormatError, match="wrong magic number.*not an IDX file"):
        read_idx(b"\x89PNG\r\n\x1a\n" + bytes(100), name="photo.png")


def test_truncated_file_names_the_missing_bytes():
    raw = to_idx_bytes(np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(
        IdxFormatError,
        match=r"truncated: 2,000 bytes, but its header \(3, 28, 28\) needs 2,368",
    ):
        read_idx(raw[:2000])


def test_truncated_header_is_rejected():
    with pytest.raises(IdxFormatError, match="truncated inside its header"):
        read_idx(bytes([0, 0, 8, 3, 0, 0, 0, 3]))


def test_trailing_bytes_are_rejected():
    raw = to_idx_bytes(np.zeros(4, np.uint8))
    with pytest.raises(IdxFormatError, match="unexpected bytes"):
        read_idx(raw + b"xx")


def test_wrong_dimensions_are_rejected_on_import(tmp_path):
    from mnist_course.data import PathSource

    # A well-formed IDX file of 32x32 images is not MNIST.
    folder = tmp_path / "wrong"
    folder.mkdir()
    for f in FILES:
        shape = (f.shape[0], 32, 32) if len(f.shape) == 3 else f.shape
        (folder / f.name).write_bytes(to_idx_bytes(np.zeros(shape, np.uint8)))
    with pytest.raises(
        IdxFormatError,
        match=(
            r"to hold uint8 values of shape \(\d+, 28, 28\), got uint8 of shape \(\d+,"
            r" 32, 32\)"
        ),
    ):
        PathSource(folder).get()


def test_a_gzip_bomb_is_decompressed_only_as_far_as_its_header_allows():
    import tracemalloc

    # 512 MB of zeros behind a header that declares 10 bytes: only 11 bytes may come
    # out.
    member = gzip.compress(
        to_idx_bytes(np.zeros(10, np.uint8)) + bytes(64 << 20), compresslevel=1
    )
    bomb = member + gzip.compress(bytes(64 << 20), compresslevel=1) * 7
    tracemalloc.start()
    try:
        with pytest.raises(IdxFormatError, match="unexpected bytes after the data"):
            read_idx(bomb, name="bomb.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak:,} bytes allocated to read an 11-byte file"


def test_a_header_declaring_more_than_allowed_is_refused_before_decompressing():
    header = bytes([0, 0, 8, 3]) + b"".join(
        n.to_bytes(4, "big") for n in (100_000, 100, 100)
    )  # 1 GB
    with pytest.raises(
        IdxFormatError,
        match=r"declares 1,000,000,016 bytes, more than the 1,000 allowed",
    ):
        read_idx(gzip.compress(header + bytes(1000)), max_size=1000)


def test_damaged_gzip_streams_are_reported():
    packed = gzip.compress(to_idx_bytes(np.arange(100, dtype=np.uint8)))
    with pytest.raises(IdxFormatError, match="gzip stream is truncated"):
        read_idx(packed[:-20])
    with pytest.raises(IdxFormatError, match="not gzip data"):
        read_idx(packed + b"junk")
    np.testing.assert_array_equal(
        read_idx(packed + bytes(7)), np.arange(100)
    )  # zero padding is fine
