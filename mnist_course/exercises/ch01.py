"""Chapter 1 — Data: the IDX format, normalization, class balance, the mean digit, a
validation split."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ..data import to_idx_bytes as _idx
from ._core import (
    Case,
    Chapter,
    Exercise,
    Nudge,
    Result,
    describe,
    in_threes,
    seeded_calls,
)

# ---------------------------------------------------------------- q1: read IDX


def read_idx_bytes(raw: bytes) -> np.ndarray:
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def _q1_cases() -> list[Case]:
    images = np.random.default_rng(1).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    return [
        Case(
            (_idx(np.array([5, 0, 4], np.uint8)),),
            "a labels file holding [5, 0, 4] (1 dimension)",
        ),
        Case((_idx(images),), "a file of two 28×28 images"),
        Case((_idx(images[:1]),), "a file with a single image (batch of one)"),
        Case(
            (_idx(np.arange(6, dtype=np.uint8).reshape(1, 2, 3)),),
            "a non-square file of shape (1, 2, 3)",
        ),
        Case(
            (_idx(np.arange(24, dtype=np.uint8).reshape(2, 1, 3, 4)),),
            "a 4-dimensional file of shape (2, 1, 3, 4)",
        ),
        Case(
            (_idx(np.arange(300, dtype=np.uint16).astype(np.uint8)[:260]),),
            "a labels file of 260 entries (a size above 255)",
        ),
    ]


def _q1_header_too_short(raw: bytes) -> np.ndarray:
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * ndim)[
        : int(np.prod(dims))
    ].reshape(dims)


def _q1_column_major(raw: bytes) -> np.ndarray:
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims, order="F")


_HEADER = (
    "the header is 4 magic bytes (the 4th, raw[3], is the number of dimensions ndim),"
    " then one 4-byte BIG-endian size per dimension (int.from_bytes(..., 'big'), or"
    " dtype '>i4': np.int32 reads them little-endian on a PC and gets huge sizes); the"
    " pixels start at byte 4 + 4 * ndim."
)

_MAGIC = (
    "your first size is the magic number itself (2049 for labels, 2051 for images): the"
    " sizes come AFTER the 4 magic bytes, size i is raw[4 + 4 * i : 8 + 4 * i]."
)


def _failed_reshape(message: str) -> tuple[int, list[int]] | None:
    """The array size and the shape of a failed reshape, from NumPy's message.

    >>> _failed_reshape("cannot reshape array of size 12 into shape (2, 5)")
    (12, [2, 5])
    """
    found = re.search(r"array of size (\d+) into shape \(([\d, ]+)\)", message)
    if not found:
        return None
    return int(found[1]), [int(n) for n in found[2].split(",") if n.strip()]


def _q1_offset_without_magic(message: str) -> str | None:
    """Advice when reshape(dims) failed on exactly 4 bytes too many: the pixels were
    read from byte 4 * ndim, the magic number's 4 bytes left out of the offset."""
    failed = _failed_reshape(message)
    if not failed or failed[0] - int(np.prod(failed[1])) != 4:
        return None
    return (
        "you have exactly 4 values more than the sizes say: your pixels start 4 bytes"
        " too early, inside the header. The header is the 4 magic bytes AND one 4-byte"
        " size per dimension, so the pixels start at offset 4 + 4 * ndim, not 4 * ndim."
    )


def _q1_fixed_sizes(message: str) -> str | None:
    """Advice when reshape failed on a file with more dimensions than the sizes read:
    the code reads a fixed number of sizes (MNIST's 1 or 3), so the next sizes' 4
    bytes each are taken for pixels, and the shape misses the last dimensions."""
    failed = _failed_reshape(message)
    if not failed:
        return None
    size, shape = failed
    product = int(np.prod(shape))
    for more in (1, 2, 3):  # dimensions whose 4 size bytes were read as pixels
        rest = size - 4 * more
        if product > 0 and rest > product and rest % product == 0:
            return (
                f"your code reads {len(shape)} size{'' if len(shape) == 1 else 's'},"
                " but this file has more"
                " dimensions: the header holds as many sizes as raw[3] says (ndim),"
                " and a file can have any number of them. Here the 4 bytes of the"
                f" next size were read as pixels ({size} values, where your shape"
                f" holds {product}). Read ndim sizes in a loop, whatever ndim is, and"
                " start the pixels after all of them, at byte 4 + 4 * ndim."
            )
    return None


q1 = Exercise(
    "ch01.q1",
    "read_idx_bytes",
    read_idx_bytes,
    _q1_cases,
    (
        (
            "Read the header first: byte 3 (raw[3]) says how many dimensions follow,"
            " and each dimension's size is a 4-byte big-endian integer. The pixels come"
            " right after the header."
        ),
        (
            "ndim = raw[3]; the size of dimension i is int.from_bytes(raw[4 + 4*i : 8 +"
            " 4*i], 'big'). Then np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 *"
            " ndim).reshape(sizes)."
        ),
    ),
    nudges=(
        Nudge(
            _q1_header_too_short,
            "the data start after the magic number AND the sizes: offset 4 + 4 * ndim.",
        ),
        Nudge(
            lambda raw: read_idx_bytes(raw).reshape(len(read_idx_bytes(raw)), -1),
            "reshape to every size the header gives, reshape(dims), not to"
            " (dims[0], -1): a labels file stays 1-D, (N,), and an image file stays"
            " (N, 28, 28). Don't flatten the images here: a model that needs flat rows"
            " flattens them itself.",
        ),
        Nudge(
            _q1_column_major,
            "your array has the right shape and the right bytes, but in another order:"
            " IDX stores the values row after row (C order: the last index changes"
            " fastest), which is what reshape(dims) reads. order='F' (Fortran's and"
            " MATLAB's column-major order) fills the first axis first.",
        ),
    ),
    error_nudges=(
        ("into shape (2049", _MAGIC),
        ("into shape (2051", _MAGIC),
        ("cannot reshape array of size", _q1_offset_without_magic),
        ("cannot reshape array of size", _q1_fixed_sizes),
        ("offset", _HEADER),
        ("reshape", _HEADER),
        ("buffer size", _HEADER),
        ("", _HEADER),
    ),
    dtype="exact",
)

# ---------------------------------------------------------- q2: class counts


def class_counts(labels: np.ndarray) -> np.ndarray:
    return np.bincount(labels, minlength=10)


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(
        102
    )  # this exercise's own inputs, the same on every call
    return [
        Case(
            (np.array([3, 1, 3, 0, 9, 9, 9], np.uint8),),
            "the labels [3, 1, 3, 0, 9, 9, 9]",
        ),
        Case(
            (np.array([0, 1, 2, 2], np.uint8),),
            "the labels [0, 1, 2, 2] (digits 3 to 9 never appear)",
        ),
        Case((np.array([7], np.uint8),), "a single label [7]"),
        Case((rng.integers(0, 10, 1000).astype(np.uint8),), "1,000 random labels"),
        Case(
            (np.random.default_rng(11).integers(0, 10, 10_000).astype(np.uint8),),
            "10,000 uint8 labels, as many as the test set (counts above 255)",
        ),
        Case(
            (np.array([9, 9, 8], np.int64),),
            "the labels [9, 9, 8] as int64 (digits 0 to 7 never appear)",
        ),
    ]


q2 = Exercise(
    "ch01.q2",
    "class_counts",
    class_counts,
    _q2_cases,
    (
        (
            "You need one count per digit, 0 to 9, so the result always has 10 entries,"
            " even for digits that never occur."
        ),
        (
            "np.bincount(labels, minlength=10) counts how often each integer occurs;"
            " minlength makes sure all 10 digits get a count."
        ),
    ),
    nudges=(
        Nudge(
            lambda labels: np.histogram(labels, bins=range(10))[0],
            "np.histogram's `bins` are EDGES: range(10) is 10 edges, so 9 bins, and 8"
            " and 9 share the last. np.bincount(labels, minlength=10) counts each"
            " digit.",
        ),
        Nudge(
            lambda labels: np.unique(labels, return_counts=True)[1],
            "you count only the digits that occur: return 10 counts, with 0 for a digit"
            " that never appears (np.bincount(labels, minlength=10)).",
        ),
        Nudge(
            lambda y: np.array(list(Counter(y.tolist()).values())),
            "your counts come in the order the digits first appear in `labels` (a"
            " Counter, like a dict, keeps that order), and only for the digits that"
            " occur. Position d of the result must hold the count of digit d, for"
            " every d from 0 to 9 (0 for a digit that never appears): read them in"
            " that order, counts[d] for d in range(10) (a Counter gives 0 for a"
            " missing key), or use np.bincount(labels, minlength=10).",
        ),
        Nudge(
            lambda y: np.bincount(y),
            "a digit that never appears must still get a count of 0:"
            " np.bincount(labels, minlength=10).",
        ),
        Nudge(
            lambda y: np.bincount(y, minlength=10) % 256,
            "your counts wrapped around at 256: count in a wide integer dtype"
            " (np.zeros(10, dtype=int)), not the labels' uint8.",
        ),
        Nudge(
            lambda y: np.bincount(y, minlength=11)[1:],
            "count digit 0 too: position d of the result is the count of digit d.",
        ),
        Nudge(
            lambda y: np.bincount(y, minlength=10).astype(float),
            "counts are whole numbers: keep an integer dtype (np.zeros(10,"
            " dtype=int)).",
        ),
        Nudge(
            lambda y: np.isin(np.arange(10), y).astype(np.int64),
            "counts[labels] += 1 adds 1 only ONCE per distinct digit: NumPy's fancy"
            " indexing does not add up repeated indices. Use np.add.at(counts, labels,"
            " 1), or np.bincount(labels, minlength=10).",
        ),
        Nudge(
            lambda y: np.histogram(y, bins=10)[0],
            "np.histogram(labels, bins=10) spreads its 10 bins over the labels' own"
            " smallest..largest value, not over the digits 0 to 9: pass range=(0, 10),"
            " or use np.bincount(labels, minlength=10).",
        ),
        Nudge(
            lambda y: np.bincount(y, minlength=10) * (np.arange(10) < 9),
            "digit 9 is never counted: range(9) stops at 8. The digits are 0 to 9,"
            " range(10) (or np.bincount(labels, minlength=10)).",
        ),
        Nudge(
            lambda y: np.bincount(y, minlength=10) / len(y),
            "return the COUNTS (how many images of each digit), not their shares of the"
            " total: leave out the division.",
        ),
    ),
)

# ------------------------------------------------------------ q3: mean digit


def mean_digit(images: np.ndarray, labels: np.ndarray, digit: int) -> np.ndarray:
    return images[labels == digit].astype(np.float64).mean(axis=0)


def _q3_cases() -> list[Case]:
    rng = np.random.default_rng(
        103
    )  # this exercise's own inputs, the same on every call
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 1, 1, 5, 7, 7, 9, 0, 1], np.uint8)
    return [
        Case((images, labels, 1), "12 images, digit 1 (four of them)"),
        Case(
            (images, labels[::-1].copy(), 1),
            "the same 12 images with the labels reversed, digit 1",
        ),
        Case((images, labels, 9), "12 images, digit 9 (only one)"),
        Case((images[:, :4, :6], labels, 7), "non-square 4×6 images, digit 7"),
        Case(
            ((images // 2).astype(np.float32), labels, 0),
            "float32 images whose brightest pixel is 127, digit 0",
        ),
    ]


q3 = Exercise(
    "ch01.q3",
    "mean_digit",
    mean_digit,
    _q3_cases,
    (
        (
            "Keep only the images whose label is `digit`, then average them pixel by"
            " pixel: the result is one 28×28 image."
        ),
        (
            "images[labels == digit] selects them (a boolean mask); .mean(axis=0)"
            " averages across images."
        ),
    ),
    nudges=(
        Nudge(
            lambda images, labels, digit: (
                images[np.argwhere(labels == digit)].astype(np.float64).mean(axis=0)
            ),
            "np.argwhere gives a column of indices, shape (k, 1), and indexing with it"
            " adds an axis: index with the boolean mask itself, images[labels =="
            " digit].",
        ),
        Nudge(
            lambda images, labels, digit: (
                (images[labels == digit].astype(np.int64).sum(axis=0) % 256)
                / np.sum(labels == digit)
            ),
            "your running total wrapped around at 256: np.zeros_like(images[0]) is"
            " uint8 like the images. Add up in floats (np.zeros(images.shape[1:]) or"
            " images.astype(np.float64)), or use .mean(axis=0).",
        ),
        Nudge(
            lambda x, y, d: x[y == d].mean(axis=(1, 2)),
            "average over axis=0 (across images), not over the pixels of each image.",
        ),
        Nudge(
            lambda x, y, d: x.mean(axis=0),
            "average only the images whose label is `digit`: images[labels == digit].",
        ),
        Nudge(
            lambda x, y, d: x[y == d].astype(np.float64).sum(axis=0) / len(y),
            "divide by the number of images OF THIS DIGIT, not by all the images: "
            "images[labels == digit].mean(axis=0) does both steps.",
        ),
        Nudge(
            lambda x, y, d: x[y == d].astype(np.float64).mean(axis=0).astype(np.uint8),
            "a mean pixel is a fraction (4 images of 0, 1, 1, 1 average 0.75):"
            " turning the mean back into uint8 cuts the fraction off (0.75 becomes 0)."
            " Return it as the float array .mean(axis=0) gives.",
        ),
        Nudge(
            lambda x, y, d: np.median(x[y == d], axis=0),
            "those are the pixel-wise MEDIANS of the chosen images (np.median): the"
            " mean digit is their average, images[labels == digit].mean(axis=0).",
        ),
    ),
    rtol=1e-4,
)

# ------------------------------------------------------------- q4: normalize


def normalize(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 255.0


def _q4_cases() -> list[Case]:
    rng = np.random.default_rng(
        104
    )  # this exercise's own inputs, the same on every call
    return [
        Case((np.array([[0, 128, 255]], np.uint8),), "the pixels [[0, 128, 255]]"),
        Case(
            (rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),),
            "three random 28×28 images",
        ),
        Case((np.full((1, 5, 7), 255, np.uint8),), "one all-white 5×7 image"),
        Case(
            (np.array([[[0, 50], [100, 200]]], np.uint8),),
            "a 2×2 image whose brightest pixel is 200 (not 255)",
        ),
    ]


q4 = Exercise(
    "ch01.q4",
    "normalize",
    normalize,
    _q4_cases,
    (
        (
            "Pixels are whole numbers from 0 to 255; you want floats from 0.0 to 1.0,"
            " in float32 (what Keras uses)."
        ),
        (
            "Convert to float32 first (images.astype(np.float32)), then divide by 255,"
            " the largest possible pixel value."
        ),
    ),
    nudges=(
        Nudge(
            lambda x: x.astype(np.float32) / x.max(),
            "divide by 255, the largest POSSIBLE value, not by this batch's maximum:"
            " the same pixel must get the same value in every batch.",
        ),
        Nudge(
            lambda x: x.astype(np.float32) / 256,
            "the brightest pixel is 255, so divide by 255 (not 256): white must become"
            " exactly 1.0.",
        ),
        Nudge(
            lambda x: x // 255,
            "integer division (//) keeps whole numbers; convert to float32 and use /.",
        ),
        Nudge(
            lambda x: x / 255.0,
            "the result should be float32 (half the memory of float64, and what Keras"
            " uses).",
        ),
        Nudge(
            lambda images: (
                (images.astype(np.float64) - images.min())
                / (images.max() - images.min())
            ),
            "divide by 255, the largest POSSIBLE pixel value, not by this batch's own"
            " range (max − min): every image must be scaled the same way, and a uniform"
            " image would give 0 / 0.",
        ),
        Nudge(
            lambda images: (lambda x: (x - x.mean()) / x.std())(
                images.astype(np.float32)
            ),
            "that is standardization (mean 0, standard deviation 1), which a later"
            " chapter does; here the pixels are SCALED to 0..1:"
            " images.astype(np.float32) / 255.",
        ),
        Nudge(
            lambda x: x.reshape(len(x), -1).astype(np.float32) / 255,
            "keep the images' shape, (N, 28, 28): normalize only SCALES the pixels."
            " Flattening each image to a row of 784 is a separate step (a dense"
            " layer's input, or keras' Flatten layer), not part of this function.",
        ),
        Nudge(
            lambda x: np.clip(x, 0, 1).astype(np.float32),
            "every pixel above 0 became 1: np.clip cuts values off at 1, it does not"
            " scale them. Divide by 255, the largest pixel value (0 stays 0, 128"
            " becomes 0.502, 255 becomes 1): images.astype(np.float32) / 255.",
        ),
    ),
    dtype="exact",
    error_nudges=(
        (
            "Cannot cast ufunc",
            (
                "images /= 255 tries to write floats into the uint8 array it was given"
                " (and would change the caller's images): make a new float array,"
                " images.astype(np.float32) / 255."
            ),
        ),
    ),
)

# --------------------------------------------------- q5: a validation split


def split_indices(n: int, val_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[val_size:], order[:val_size]


_Q5_SETTINGS = [(100, 20, 0), (7, 1, 3), (60000, 5000, 42), (10, 10, 5)]


def _q5_cases() -> list[Case]:
    cases = []
    for n, val_size, seed in _Q5_SETTINGS:
        cases += seeded_calls(
            (n, val_size, seed),
            f"split_indices({n}, {val_size}, {seed})",
            f"split_indices({n}, {val_size}, {seed + 1})",
        )
    return cases


def _size_varies(cases: list[Case], values: list) -> str:
    """Where the validation part of the same call with the next seed has another size
    ("split_indices(7, 1, 3) gives 2 validation indices, seed 4 gives 1"), if
    anywhere."""
    for case, three in in_threes(cases, values):
        try:
            first, other = len(three[0][1]), len(three[2][1])
        except (TypeError, IndexError):
            continue
        if first != other:
            n, val_size, seed = case.args
            return (
                f"split_indices({n}, {val_size}, {seed}) gives {first} validation"
                f" indices, seed {seed + 1} gives {other}"
            )
    return ""


def _all_to_validation(cases: list[Case], values: list) -> bool:
    """Every call put all n indices in the validation part and none in training: what
    cutting at n * val_size does (val_size read as a fraction, n * 20 is past the
    end)."""
    for case, value in zip(cases, values, strict=False):
        n = case.args[0]
        try:
            train, val = (np.asarray(v) for v in value)
        except (TypeError, ValueError):
            return False
        if len(train) != 0 or len(val) != n:
            return False
    return any(case.args[1] < case.args[0] for case in cases)


def _q5_judge(cases: list[Case], values: list) -> Result | None:
    for case, three in in_threes(cases, values):
        (n, val_size, _seed), label = case.args, case.label
        parts = []
        for value in three:
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                return Result(
                    False,
                    f"{label}: return two arrays, (train_indices, val_indices); got"
                    f" {describe(value)}.",
                )
            parts.append([np.asarray(v) for v in value])
        (train, val), (again_train, again_val), (_, other_val) = parts
        if train.dtype.kind not in "iu" or val.dtype.kind not in "iu":
            return Result(
                False,
                f"{label}: indices must be integers, got dtypes {train.dtype} and"
                f" {val.dtype}.",
            )
        if len(np.unique(val)) < len(val):
            return Result(
                False,
                f"{label}: your validation indices repeat an index: rng.choice draws"
                " WITH replacement by default. Shuffle instead: order ="
                " rng.permutation(n), or rng.choice(n, val_size, replace=False).",
            )
        if len(val) == n - val_size != val_size and len(train) == val_size:
            return Result(
                False,
                f"{label}: your two parts are swapped: return (train_indices,"
                f" val_indices), the training indices first ({n - val_size} of them),"
                f" then the {val_size} validation ones.",
            )
        every = len(train) + len(val) == n and sorted(
            np.concatenate([train, val]).tolist()
        ) == list(range(n))
        varies = _size_varies(cases, values)
        if len(val) != val_size and every and varies:
            return Result(
                False,
                f"{label}: expected {n - val_size} training and {val_size} validation"
                f" indices, got {len(train)} and {len(val)}; and the size of your"
                f" validation part changes with the seed ({varies}). It must hold"
                " exactly val_size indices: a random mask such as rng.random(n) <"
                " val_size / n puts each index in it with that probability, so only"
                " ABOUT val_size land there. Shuffle and cut instead: order ="
                " rng.permutation(n); order[:val_size] is the validation part.",
            )
        if len(val) != val_size and _all_to_validation(cases, values):
            return Result(
                False,
                f"{label}: expected {n - val_size} training and {val_size} validation"
                f" indices, got {len(train)} and {len(val)}: on every call, all n"
                f" indices went to validation. val_size is a NUMBER of indices"
                f" ({val_size} here), not a fraction of n as scikit-learn's test_size"
                f" can be, and a cut computed as if it were one (n * val_size ="
                f" {n * val_size} here) lands past the end."
                " Cut at val_size itself: order[:val_size] for validation, the rest"
                " for training.",
            )
        if len(val) != val_size or len(train) != n - val_size:
            lost = (
                ""
                if len(train) + len(val) >= n
                else (
                    f" {n - len(train) - len(val)} of the {n} indices"
                    f" {'is' if n - len(train) - len(val) == 1 else 'are'} in neither"
                    " part: training starts exactly where validation stops"
                    " (order[val_size:]; a slice's end is excluded, so"
                    " order[:val_size] stops just before it)."
                )
            )
            return Result(
                False,
                f"{label}: expected {n - val_size} training and {val_size} validation"
                f" indices, got {len(train)} and {len(val)}.{lost}",
            )
        if sorted(np.concatenate([train, val]).tolist()) != list(range(n)):
            return Result(
                False,
                f"{label}: together the two parts must hold every index 0..{n - 1}"
                " exactly once.",
            )
        if not (np.array_equal(train, again_train) and np.array_equal(val, again_val)):
            return Result(
                False,
                f"{label}: two calls with the same seed gave different splits. Use"
                " np.random.default_rng(seed).",
            )
        if n > 10 and val_size < n and np.array_equal(val, other_val):
            return Result(
                False,
                f"{label}: a different seed gave the same split; the seed should choose"
                " the split.",
            )
        if n > 10 and np.array_equal(np.sort(val), np.arange(n - val_size, n)):
            return Result(
                False,
                f"{label}: the validation set is just the last {val_size} images;"
                " shuffle first.",
            )
    return None


q5 = Exercise(
    "ch01.q5",
    "split_indices",
    split_indices,
    _q5_cases,
    (
        (
            "Shuffle the indices 0..n-1 with a random generator made from `seed`, then"
            " cut: val_size of them for validation, the rest for training."
        ),
        (
            "rng = np.random.default_rng(seed); order = rng.permutation(n); the first"
            " val_size indices are the validation set."
        ),
    ),
    judge=_q5_judge,
    error_nudges=(
        (
            "'NoneType' object is not subscriptable",
            (
                "a variable you index is None. rng.shuffle(a) shuffles `a` in place and"
                " returns None: use order = rng.permutation(n), which returns the"
                " shuffled indices."
            ),
        ),
    ),
)

chapter = Chapter("01_data", [q1, q2, q3, q4, q5])
