"""Chapter 3 — CNN layers: convolution, max-pooling, output sizes, receptive field, a
CNN."""

from __future__ import annotations

import numpy as np

from ._core import Case, Chapter, Exercise, Nudge, Result, error_shapes

# -------------------------------------------------------------- q1: convolution


def conv2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def _flipped(image, kernel):
    return conv2d(image, kernel[::-1, ::-1])


def _same_padding(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    return conv2d(padded, kernel)


def _stops_one_short(image, kernel):
    """The right output size, but loops over range(H - kh): the last row and column stay
    0."""
    out = conv2d(image, kernel)
    out[-1, :] = 0
    out[:, -1] = 0
    return out


def _square_assumed(image, kernel):
    """One size for both axes: the kernel's height and the image's height."""
    k = kernel.shape[0]
    n = image.shape[0] - k + 1
    return np.array(
        [
            [np.sum(image[i : i + k, j : j + k] * kernel) for j in range(n)]
            for i in range(n)
        ]
    )


def _window_swapped(image, kernel):
    """Each window cut as image[i:i+kw, j:j+kh]: the kernel's height and width
    swapped."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kw, j : j + kh] * kernel)
    return out


def _stepped_by_kernel(image, kernel):
    """Windows that jump a whole kernel at a time (non-overlapping, as pooling does)."""
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh + 1, kh)
    cols = range(0, image.shape[1] - kw + 1, kw)
    return np.array(
        [[np.sum(image[i : i + kh, j : j + kw] * kernel) for j in cols] for i in rows],
        dtype=np.float64,
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _patch_shape_advice(message: str) -> str | None:
    """The patch under the kernel is not the kernel's size: more columns than the
    kernel (and no more rows), the columns never cut, as in image[i:i + kh][j:j + kw];
    or fewer rows and/or columns, a window that stops early (image[i:i + kh - 1]) or
    that the image's edge cuts (a loop past the last position)."""
    shapes = error_shapes(message)
    if len(shapes) != 2 or any(len(shape) != 2 for shape in shapes):
        return None
    (a, b), (c, d) = shapes
    if (a, b) == (d, c):
        return None  # height and width swapped: a nudge of its own
    for (rows, cols), (kh, kw) in (((a, b), (c, d)), ((c, d), (a, b))):
        patch = (
            f"the patch you multiply by the kernel is {rows}×{cols}, the kernel"
            f" {kh}×{kw}"
        )
        if rows <= kh and cols > kw:
            return (
                f"{patch}: its columns were never cut. Cut rows AND columns in ONE"
                " index, image[i:i + kh, j:j + kw]: in image[i:i + kh][j:j + kw] the"
                " second [] cuts the ROWS of the first slice again."
            )
        if rows <= kh and cols <= kw:
            short = [
                _count(n, what)
                for n, what in ((kh - rows, "row"), (kw - cols, "column"))
                if n
            ]
            if len(short) == 2:
                return (
                    f"{patch}: your window is {' and '.join(short)} short. A slice's"
                    " end is excluded, so image[i:i + kh] already holds the kh rows i,"
                    " ..., i + kh - 1 (no - 1 after kh), and j:j + kw the kw columns."
                )
            return (
                f"{patch}: it has {short[0]} too few. Either the window stops early (a"
                " slice's end is excluded: image[i:i + kh, j:j + kw] already holds kh"
                " rows and kw columns, no - 1), or the loop goes past the last position"
                " where the kernel fits and the image's edge cuts the window: the"
                " positions are range(H - kh + 1) and range(W - kw + 1)."
            )
    return None


def _q1_cases() -> list[Case]:
    rng = np.random.default_rng(
        301
    )  # this exercise's own inputs, the same on every call
    return [
        Case(
            (np.arange(9.0).reshape(3, 3), np.array([[1.0, 0.0], [0.0, -1.0]])),
            "a 3×3 image and the 2×2 kernel [[1, 0], [0, -1]]",
        ),
        Case(
            (np.arange(12.0).reshape(3, 4), np.array([[1.0, 2.0, 3.0]])),
            "a 3×4 image and the 1×3 kernel [[1, 2, 3]] (not symmetric)",
        ),
        Case(
            (rng.normal(0, 1, (5, 7)), rng.normal(0, 1, (3, 3))),
            "a non-square 5×7 image and a random 3×3 kernel",
        ),
        Case(
            (rng.random((28, 28)), rng.normal(0, 1, (5, 5))),
            "a 28×28 image and a random 5×5 kernel",
        ),
        Case(
            (rng.normal(0, 1, (4, 4)), rng.normal(0, 1, (4, 4))),
            "a kernel as large as the image (the output is 1×1)",
        ),
        Case(
            (np.arange(20).reshape(4, 5), np.array([[0.5, -1.0], [2.0, 0.0]])),
            "an integer 4×5 image and a float 2×2 kernel",
        ),
    ]


q1 = Exercise(
    "ch03.q1",
    "conv2d",
    conv2d,
    _q1_cases,
    (
        (
            "Slide the kernel over every position where it fits entirely inside the"
            " image ('valid'); at each position, multiply the patch under it by the"
            " kernel element by element and add everything up."
        ),
        (
            "The output has (H - kh + 1) × (W - kw + 1) positions. At position (i, j),"
            " the patch is image[i:i+kh, j:j+kw]; the output is np.sum(patch * kernel)."
        ),
    ),
    nudges=(
        Nudge(
            _flipped,
            "deep-learning 'convolution' does NOT flip the kernel (it is a"
            " cross-correlation): use kernel as it is.",
        ),
        Nudge(
            _same_padding,
            "use 'valid' convolution, without padding: the output is (H - kh + 1) × (W"
            " - kw + 1).",
        ),
        Nudge(
            lambda x, k: conv2d(x, k)[:-1, :-1],
            "the last position counts too: there are H - kh + 1 rows, not H - kh.",
        ),
        Nudge(
            _stops_one_short,
            "your output has the right size, but its last row and column stay 0: the"
            " loops stop one position early. Loop over range(H - kh + 1) and range(W -"
            " kw + 1), the output's own shape.",
        ),
        Nudge(
            _square_assumed,
            "images and kernels need not be square: kh, kw = kernel.shape and the"
            " output is (H - kh + 1) × (W - kw + 1); the columns come from the widths.",
        ),
        Nudge(
            _stepped_by_kernel,
            "the window moves ONE pixel at a time (stride 1): there is an output at"
            " every position i = 0, 1, ..., H - kh (and j = 0, ..., W - kw), so"
            " neighbouring windows overlap. Jumping a whole kernel at a time"
            " (range(0, ..., kh)) is what pooling does, not this convolution.",
        ),
        Nudge(
            _window_swapped,
            "the window under the kernel is kh rows by kw columns, image[i:i+kh,"
            " j:j+kw], with kh, kw = kernel.shape (rows first): yours has the kernel's"
            " height and width swapped.",
        ),
    ),
    error_nudges=(("could not be broadcast together", _patch_shape_advice),),
    forbidden=("scipy.signal", "scipy.ndimage"),
    library_notes=(
        (
            "scipy.signal.convolve",
            "Mind too that scipy's convolve2d flips the kernel (a true convolution);"
            " the course's conv2d, like Keras' Conv2D, slides the kernel as it is (a"
            " cross-correlation), so the two differ for any kernel that is not"
            " symmetric.",
        ),
    ),
)

# ---------------------------------------------------------------- q2: pooling


def max_pool2d(image: np.ndarray, size: int = 2) -> np.ndarray:
    out_h, out_w = image.shape[0] // size, image.shape[1] // size
    windows = image[: out_h * size, : out_w * size].reshape(out_h, size, out_w, size)
    return windows.max(axis=(1, 3))


def _avg_pool(image, size=2):
    out_h, out_w = image.shape[0] // size, image.shape[1] // size
    return (
        image[: out_h * size, : out_w * size]
        .reshape(out_h, size, out_w, size)
        .mean(axis=(1, 3))
    )


def _ceil_pool(image, size=2):
    out_h, out_w = -(-image.shape[0] // size), -(-image.shape[1] // size)
    padded = np.full((out_h * size, out_w * size), -np.inf)
    padded[: image.shape[0], : image.shape[1]] = image
    return padded.reshape(out_h, size, out_w, size).max(axis=(1, 3))


def _one_window_short(image, size=2):
    """Window loops over range(0, h - size, size): the last window never starts."""
    h, w = image.shape
    return np.array(
        [
            [image[i : i + size, j : j + size].max() for j in range(0, w - size, size)]
            for i in range(0, h - size, size)
        ]
    )


def _q2_cases() -> list[Case]:
    rng = np.random.default_rng(
        302
    )  # this exercise's own inputs, the same on every call
    return [
        Case(
            (
                np.array(
                    [
                        [1.0, 2.0, 5.0, 0.0],
                        [3.0, 4.0, 1.0, 1.0],
                        [0.0, 0.0, 2.0, 2.0],
                        [9.0, 0.0, 2.0, 3.0],
                    ]
                ),
            ),
            "the 4×4 image [[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [9, 0, 2, 3]]",
        ),
        Case(
            (rng.normal(0, 1, (5, 7)),),
            "a 5×7 image (odd sizes: the last row and column are dropped)",
        ),
        Case((-rng.random((6, 6)) - 1,), "a 6×6 image of negative values"),
        Case((rng.normal(0, 1, (9, 7)), 3), "a 9×7 image with size=3"),
        Case((np.array([[7.0]]), 1), "a 1×1 image with size=1"),
        Case((rng.normal(0, 1, (7, 5)), 2), "a 7×5 image (odd sizes) with size=2"),
    ]


q2 = Exercise(
    "ch03.q2",
    "max_pool2d",
    max_pool2d,
    _q2_cases,
    (
        (
            "Cut the image into size × size windows that don't overlap and keep each"
            " window's largest value. Rows or columns left over at the end (odd sizes)"
            " are dropped."
        ),
        (
            "The output is (H // size) × (W // size); window (i, j) is"
            " image[i*size:(i+1)*size, j*size:(j+1)*size]. A vectorized route: crop to"
            " a multiple of size, reshape to (H//size, size, W//size, size), max over"
            " axes 1 and 3."
        ),
    ),
    error_nudges=(
        (
            "reshape",
            (
                "crop the image to a multiple of `size` before reshaping: image[: H //"
                " size * size, : W // size * size] (leftover rows and columns are"
                " dropped)."
            ),
        ),
    ),
    nudges=(
        Nudge(
            lambda image, size=2: max_pool2d(np.abs(image), size),
            "you keep the largest ABSOLUTE value of each window (np.abs before the"
            " max): a strongly negative value then wins over a positive one, and a"
            " window of negative values gives a positive result. Max-pooling keeps"
            " the largest value itself, sign included: the window's .max(), with no"
            " abs().",
        ),
        Nudge(
            lambda image, size=2: image[::size, ::size][
                : image.shape[0] // size, : image.shape[1] // size
            ],
            "image[::size, ::size] keeps each window's top-left pixel; max-pooling"
            " keeps its LARGEST value: take the max over each size × size window.",
        ),
        Nudge(
            lambda image, size=2: np.array(
                [
                    [
                        image[i : i + size, j : j + size].max()
                        for j in range(image.shape[1] - size + 1)
                    ]
                    for i in range(image.shape[0] - size + 1)
                ]
            ),
            "your windows overlap: they move one pixel at a time, which gives (H -"
            " size + 1) × (W - size + 1) outputs. Max-pooling moves each window by its"
            " whole size (the stride is `size`): window (i, j) covers rows i * size to"
            " (i + 1) * size, and there are (H // size) × (W // size) of them.",
        ),
        Nudge(
            lambda image, size=2: np.array(
                [
                    [
                        image[i : i + size, j : j + size].max()
                        for j in range(image.shape[1] // size)
                    ]
                    for i in range(image.shape[0] // size)
                ]
            ),
            "window (i, j) starts at row i * size and column j * size: the windows do"
            " not overlap (yours move one pixel at a time).",
        ),
        Nudge(
            lambda x, size=2: (
                x[: x.shape[0] // size * size, : x.shape[1] // size * size]
                .reshape(x.shape[0] // size, x.shape[1] // size, size, size)
                .max(axis=(2, 3))
            ),
            "reshape(h, w, size, size) does not cut size × size squares out of the"
            " image: reshape to (h, size, w, size) and take the max over axes 1 and 3.",
        ),
        Nudge(
            _avg_pool,
            "that is average pooling; max-pooling keeps the LARGEST value of each"
            " window.",
        ),
        Nudge(
            _one_window_short,
            "the last window is missing: range(0, h - size, size) stops BEFORE h -"
            " size, which is where the last window starts. Go up to h - size + 1"
            " (range(0, h - size + 1, size)), or loop over range(h // size) and start"
            " window i at i * size.",
        ),
        Nudge(
            _ceil_pool,
            "a window that would stick out of the image is dropped: the output is (H //"
            " size) × (W // size).",
        ),
        Nudge(
            lambda x, size=2: np.maximum(0, max_pool2d(x, size)),
            "don't start the maximum at 0: windows of negative values have a negative"
            " maximum.",
        ),
        Nudge(
            lambda x, size=2: (
                x[: x.shape[0] // size * size, : x.shape[1] // size * size]
                .reshape(x.shape[0] // size, size, x.shape[1] // size, size)
                .max(axis=(1, 2))
            ),
            "after reshape(h, size, w, size), axes 1 and 3 are the rows and columns"
            " INSIDE a window, while axis 2 runs across windows: take the max over axes"
            " (1, 3).",
        ),
    ),
    forbidden=("scipy.ndimage", "skimage"),
)

# -------------------------------------------------------- q3: output sizes


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: str = "valid"
) -> int:
    if padding == "same":
        return (n + stride - 1) // stride
    return (n - kernel) // stride + 1


q3 = Exercise(
    "ch03.q3",
    "conv_output_size",
    conv_output_size,
    lambda: [
        Case((28, 3, 1, "valid"), "n=28, kernel=3, stride=1, 'valid'"),
        Case((28, 5, 2, "valid"), "n=28, kernel=5, stride=2, 'valid'"),
        Case(
            (13, 2, 2, "valid"),
            "n=13, kernel=2, stride=2, 'valid' (a 2×2 max-pool of 13 pixels)",
        ),
        Case((28, 3, 1, "same"), "n=28, kernel=3, stride=1, 'same'"),
        Case((27, 3, 2, "same"), "n=27, kernel=3, stride=2, 'same'"),
        Case((1, 1, 1, "valid"), "n=1, kernel=1, stride=1, 'valid'"),
        Case((28, 5, 1, "same"), "n=28, kernel=5, stride=1, 'same'"),
        Case((10, 5, 3, "same"), "n=10, kernel=5, stride=3, 'same'"),
        Case((7, 3, 3, "valid"), "n=7, kernel=3, stride=3, 'valid'"),
        Case(
            (5, 5, 2, "valid"),
            "n=5, kernel=5, stride=2, 'valid' (the kernel fits once)",
        ),
        Case((28, 2, 1, "same"), "n=28, kernel=2 (even), stride=1, 'same'"),
        Case((27, 4, 2, "same"), "n=27, kernel=4 (even), stride=2, 'same'"),
    ],
    (
        (
            "'valid': count the positions where the kernel fits inside the n pixels,"
            " moving `stride` pixels at a time. 'same': Keras pads so that only the"
            " stride shrinks the output."
        ),
        (
            "'valid': (n - kernel) // stride + 1. 'same': n / stride rounded up,"
            " whatever the kernel: (n + stride - 1) // stride."
        ),
    ),
    nudges=(
        Nudge(
            lambda n, k, s=1, p="valid": n if p == "same" else (n - k) // s + 1,
            "the stride still shrinks a 'same' output: it is ceil(n / stride). 'same'"
            " only pads the input so that no pixel is dropped; with stride 1 that keeps"
            " the size.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                -(-n // s) if p == "same" else -(-(n - k) // s) + 1
            ),
            "'valid' rounds DOWN: (n - kernel) // stride + 1. A window that would stick"
            " out of the input is dropped, not counted.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                (n - k) // s if p == "valid" else (n + s - 1) // s
            ),
            "count the first position too: (n - kernel) // stride + 1.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                (n - k) // s + 1 if p == "valid" else round(n / s)
            ),
            "with 'same', n / stride is rounded UP (a last, incomplete window still"
            " gives an output): (n + stride - 1) // stride or math.ceil(n / stride);"
            " round() rounds some down.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": n - k + 1 if p == "valid" else n,
            "the stride matters: with stride 2 the kernel jumps 2 pixels at a time, so"
            " the output is about half as big.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (n - k) // s + 1,
            "for padding='same' your function returned the 'valid' size. With 'same',"
            " Keras pads so that the output is ceil(n / stride), whatever the kernel"
            " size (if a 'same' branch computes that, check that it returns it).",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (n - k) // s + 1 if p == "valid" else n // s,
            "with padding='same', Keras pads so that the output is ceil(n / stride):"
            " round UP, (n + stride - 1) // stride or math.ceil(n / stride); n //"
            " stride rounds down.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (n - k) / s + 1 if p == "valid" else n / s,
            "sizes are whole numbers: use integer division //.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                (n - k + (2 * (k // 2) if p == "same" else 0)) // s + 1
            ),
            "Keras' 'same' is not a padding of kernel // 2 on each side (PyTorch's"
            " habit): for an even kernel that pads one pixel too many. 'same' makes the"
            " output ceil(n / stride), whatever the kernel.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                (n - k) // s + 1 if p == "valid" else (n - k + 2) // s + 1
            ),
            "a padding of 1 pixel is 'same' only for 3×3 kernels: 'same' makes the"
            " output ceil(n / stride) whatever the kernel.",
        ),
        Nudge(
            lambda n, k, s=1, p="valid": (
                (n - k + 1) // s if p == "valid" else (n + s - 1) // s
            ),
            "the + 1 comes after the division: (n - kernel) // stride + 1 (the first"
            " position, then one more every `stride` pixels).",
        ),
    ),
)

# ------------------------------------------------------ q4: receptive field


def _jumps(layers: list[tuple[int, int]]) -> list[int]:
    """The jump before each layer: the product of the strides of the layers before
    it."""
    return [int(np.prod([s for _, s in layers[:i]])) for i in range(len(layers))]


def receptive_field(layers: list[tuple[int, int]]) -> int:
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field


def _jump_replaced(layers):
    """The jump set to each layer's stride instead of multiplied by it."""
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump = stride
    return field


def _backward_run_forward(layers):
    field = 1
    for kernel, stride in layers:  # the output-to-input recursion, without reversed()
        field = (field - 1) * stride + kernel
    return field


def _stride_multiplies_field(layers):
    field = 1
    for kernel, stride in layers:
        field = (field + kernel - 1) * stride
    return field


def _jump_first(layers):
    field, jump = 1, 1
    for kernel, stride in layers:
        jump *= stride
        field += (kernel - 1) * jump
    return field


q4 = Exercise(
    "ch03.q4",
    "receptive_field",
    receptive_field,
    lambda: [
        Case(([(3, 1)],), "one 3×3 convolution [(3, 1)]"),
        Case(([(3, 1), (3, 1)],), "two 3×3 convolutions [(3, 1), (3, 1)]"),
        Case(([(3, 1), (2, 2), (3, 1), (2, 2)],), "conv 3, pool 2, conv 3, pool 2"),
        Case(([(5, 2), (3, 2), (3, 1)],), "[(5, 2), (3, 2), (3, 1)]"),
        Case(([],), "no layer at all (one pixel sees itself)"),
        Case(
            ([(2, 2), (2, 2), (2, 2)],), "three 2×2 poolings [(2, 2), (2, 2), (2, 2)]"
        ),
        Case(([(1, 3), (3, 1)],), "a 1×1 layer with stride 3, then a 3×3 convolution"),
    ],
    (
        (
            "Keep two numbers as you go through the layers: the field (how many input"
            " pixels one position sees) and the jump (how many input pixels apart two"
            " neighbouring positions are)."
        ),
        (
            "Start with field = 1 and jump = 1. Each layer first adds (kernel - 1) *"
            " jump to the field, THEN multiplies jump by its stride."
        ),
    ),
    nudges=(
        Nudge(
            _jump_replaced,
            "you set the jump to the layer's own stride (jump = stride); the jump is"
            " the product of ALL the strides so far, how far apart one step of this"
            " layer's input is in the image: multiply it, jump *= stride.",
        ),
        Nudge(
            lambda ls: 1 + sum((k - 1) * s for k, s in ls),
            "strides multiply: a layer's kernel is spread by the PRODUCT of the strides"
            " of the layers before it (the jump), not by its own stride.",
        ),
        Nudge(
            lambda ls: 1 + sum(k - 1 for k, _ in ls),
            "a stride spreads the next layer's kernel: each layer adds (kernel - 1) *"
            " jump, and jump grows by the stride.",
        ),
        Nudge(
            lambda ls: sum(k for k, _ in ls) or 1,
            "stacking two 3×3 convolutions gives 5, not 6: each layer adds (kernel - 1)"
            " * jump.",
        ),
        Nudge(
            _stride_multiplies_field,
            "a stride does not widen what a position already sees: it spreads out the"
            " layers AFTER it. Keep the jump as a number of its own, the running"
            " product of the strides so far (jump = 1, then jump *= stride after each"
            " layer), and let each layer add (kernel - 1) * jump to the field;"
            " multiplying the field itself by the stride counts every earlier layer"
            " again.",
        ),
        Nudge(
            _jump_first,
            "update the field BEFORE the jump: a layer's own stride only spreads the"
            " layers after it.",
        ),
        Nudge(
            _backward_run_forward,
            "the recursion field = (field - 1) * stride + kernel walks from the output"
            " back to the input: go through the layers in REVERSED order (or forwards"
            " with field += (kernel - 1) * jump; jump *= stride).",
        ),
        Nudge(
            lambda ls: receptive_field([(k, k) for k, _ in ls]),  # jump *= kernel
            "the jump grows by each layer's STRIDE (jump *= stride), not by its kernel"
            " size: it is how far apart, in input pixels, two neighbouring positions of"
            " the next layer are.",
        ),
        Nudge(
            lambda ls: 1 + sum(k - _jumps(ls)[i] for i, (k, _) in enumerate(ls)),
            "mind the brackets: (kernel - 1) * jump, not kernel - 1 * jump (which is"
            " kernel - jump).",
        ),
    ),
    error_nudges=(
        (
            "index out of range",
            "an index goes past the end of `layers`: it can be empty (no layer at all:"
            " one pixel sees itself, a field of 1), and its last layer has no next"
            " one. Start from field = 1 and jump = 1, and loop over the layers"
            " themselves: for kernel, stride in layers.",
        ),
    ),
)

# ---------------------------------------------------------- q5: build a CNN

MAX_PARAMETERS = 1_000_000


def build_cnn():
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=3, activation="relu"),
            layers.MaxPooling2D(pool_size=2),
            layers.Conv2D(64, kernel_size=3, activation="relu"),
            layers.MaxPooling2D(pool_size=2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _output_shape_problem(model, outputs: tuple) -> str:
    """Why the model's output is not (None, 10): maps left unflattened, a last layer
    of the wrong width, or (functional API) the wrong tensor passed as `outputs`."""
    import keras

    message = (
        f"the model's output shape is {outputs}, expected (None, 10): one probability"
        " per digit."
    )
    last = model.layers[-1] if model.layers else None
    if (
        len(outputs) == 2
        and not isinstance(model, keras.Sequential)
        and last is not None
        and type(last).__name__ == "Dense"
        and getattr(last, "activation", None) is not None
        and getattr(last.activation, "__name__", "") != "softmax"
    ):
        return (
            f"{message} It ends at the layer {last.name!r}, a Dense({last.units})"
            f" with {last.activation.__name__}: keras.Model(inputs, outputs) ends"
            " where the tensor you pass as `outputs` comes from. Pass the one the"
            " Dense(10, activation='softmax') layer returned."
        )
    return (
        f"{message} Did you forget Flatten, or use the wrong number of units in the"
        " last Dense layer?"
    )


def _q5_judge(cases: list[Case], values: list) -> Result | None:
    import keras

    model = values[0]
    if type(model).__name__ == "Unreadable" and "no defined input" in model.reason:
        return Result(
            False,
            "the model has no defined input: start it with keras.Input(shape=(28, 28,"
            " 1)).",
        )
    if type(model).__name__ == "Unreadable":
        return Result(
            False,
            f"build_cnn() returned a model the grader cannot load back {model.reason}. "
            "Use only standard Keras layers (no Lambda or custom layers).",
        )
    if model is None:
        return Result(
            False,
            "build_cnn() returned None: a `return` is missing, or it returns what a"
            " method that works in place gives: model.compile(...) returns None (it"
            " changes the model itself). Return the model; it needs no compile here.",
        )
    if not isinstance(model, keras.Model):
        return Result(
            False,
            "build_cnn() should return a Keras model, but returned"
            f" {type(model).__name__}.",
        )
    try:
        inputs = tuple(model.inputs[0].shape)
        outputs = tuple(model.outputs[0].shape)
    except (AttributeError, IndexError, ValueError, TypeError):
        return Result(
            False,
            "the model has no defined input: start it with keras.Input(shape=(28, 28,"
            " 1)).",
        )
    if inputs != (None, 28, 28, 1):
        return Result(
            False,
            f"the model's input shape is {inputs}, expected (None, 28, 28, 1):"
            " keras.Input(shape=(28, 28, 1)).",
        )
    if outputs != (None, 10):
        return Result(False, _output_shape_problem(model, outputs))
    kinds = [type(layer).__name__ for layer in model.layers]
    if "Conv2D" not in kinds:
        return Result(
            False,
            f"the model has no Conv2D layer (its layers: {', '.join(kinds)}). This"
            " chapter is about convolutions!",
        )
    if not any(kind.startswith("MaxPooling") for kind in kinds):
        return Result(
            False,
            "the model has no MaxPooling2D layer: pool after a convolution to halve the"
            " feature maps.",
        )
    if model.count_params() > MAX_PARAMETERS:
        return Result(
            False,
            f"the model has {model.count_params():,} parameters; keep it under"
            f" {MAX_PARAMETERS:,} so it trains in minutes on a CPU (a wide Dense layer"
            " right after Flatten is usually the culprit).",
        )
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if type(last).__name__ == "Dense" and activation != "softmax":
        return Result(
            False,
            f"the last Dense layer has activation {activation or 'None'!r}, so the"
            " model outputs raw scores (logits), not probabilities: give it"
            " activation='softmax', Dense(10, activation='softmax'), as the text"
            " says.",
        )
    if type(last).__name__ != "Dense":
        return Result(
            False,
            f"the model ends with a {type(last).__name__} layer: end it with"
            " Dense(10, activation='softmax'), as the text says. A layer after the"
            " softmax (Dropout is only active in training) changes the probabilities"
            " while the model trains.",
        )
    images = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    probabilities = np.asarray(model(images, training=False))
    if (probabilities < 0).any() or not np.allclose(
        probabilities.sum(axis=1), 1.0, atol=1e-4
    ):
        return Result(
            False,
            "the outputs are not probabilities (each row should be ≥ 0 and sum to 1): "
            "give the last Dense layer activation='softmax'.",
        )
    return None


q5 = Exercise(
    "ch03.q5",
    "build_cnn",
    build_cnn,
    lambda: [Case((), "build_cnn()")],
    (
        (
            "Stack, in a keras.Sequential: the input, one or two (convolution →"
            " max-pooling) pairs, Flatten, and a Dense layer with 10 softmax units at"
            " the end."
        ),
        (
            "keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3,"
            " activation='relu'), layers.MaxPooling2D(2), layers.Conv2D(64, 3,"
            " activation='relu'), layers.MaxPooling2D(2), layers.Flatten(),"
            " layers.Dropout(0.5), layers.Dense(10, activation='softmax')]) is a good"
            " start."
        ),
    ),
    judge=_q5_judge,
    error_nudges=(
        (
            "min_ndim=4, found ndim=3",
            (
                "Conv2D works on images with a channel axis: the input is "
                "keras.Input(shape=(28, 28, 1)), not (28, 28)."
            ),
        ),
        (
            "(None, 1, 28, 28)",
            (
                "Keras puts the channels LAST: the input is keras.Input(shape=(28, 28,"
                " 1)), not (1, 28, 28) as in PyTorch."
            ),
        ),
        (
            "Computed output size would be zero or negative",
            (
                "a convolution or pooling layer got an image smaller than its window:"
                " the input should be keras.Input(shape=(28, 28, 1)), and each"
                " MaxPooling2D(2) halves the size, so two or three (conv → pool) pairs"
                " are enough."
            ),
        ),
    ),
    by_hand=False,
)

chapter = Chapter(
    "03_cnn_layers",
    [q1, q2, q3, q4, q5],
    setup="import numpy as np\nimport keras\nfrom keras import layers",
)
