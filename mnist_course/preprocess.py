"""Turn a photo, scan or drawing of one digit into an MNIST-style 28×28 image.

MNIST digits are light ink on black, cropped to the ink, scaled to fit a 20×20 box
(keeping the aspect ratio) and placed in a 28×28 field so that their centre of mass
sits at the centre. ``to_mnist`` does the same to any image:

1. grayscale (a transparent background is replaced by the opposite of the ink colour);
2. polarity: the border is taken as paper, so dark-on-light is inverted;
3. contrast: the paper level becomes 0 and the darkest ink 1; faint noise is dropped;
4. crop to the ink, fit into 20×20, centre by centre of mass in 28×28.

>>> from PIL import Image
>>> blank_page = Image.new("L", (50, 50), 255)
>>> to_mnist(blank_page)  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
mnist_course.errors.ImageError: no digit found: the image is blank (no contrast between
ink and paper)
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .errors import ImageError

# grey levels (of 255) between paper and ink below which an image counts as blank
MIN_CONTRAST = 24.0
# The most pixels one image may have: Pillow's own decompression-bomb threshold (about
# 89.5 million, e.g. 9,459 x 9,459). A digit needs far fewer; above it the file is
# refused, not decoded.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


def _too_big(pixels: int | None, size: tuple[int, int] | None = None) -> ImageError:
    shown = f"{size[0]:,}×{size[1]:,} pixels, " if size else ""
    amount = f"{pixels / 1e6:,.0f} megapixels" if pixels else "too many pixels"
    return ImageError(
        f"the image is too large ({shown}{amount}; the limit is {MAX_PIXELS / 1e6:.0f}"
        " megapixels, a guard against decompression bombs): scale it down and try"
        " again"
    )


def _check_path(path: Path) -> None:
    if str(path) == "-":
        raise ImageError(
            "reading an image from standard input (`-`) is not supported: give the"
            " image file's path"
        )
    if path.is_dir():
        raise ImageError(
            "this is a folder, not an image file: give the image files in it (e.g."
            " folder/*.png)"
        )
    if not path.exists():
        raise ImageError("no such file")
    if not path.is_file():
        raise ImageError(
            "not a regular file (a device, pipe or socket): give an image file"
        )


def load_image(path: str | os.PathLike) -> Image.Image:
    """Read an image file the way a viewer shows it: the one reader behind ``predict``.

    PNG, JPEG, BMP, GIF, ... (the first frame of an animation), turned upright by its
    EXIF orientation tag (as phones save photos), 16-bit grayscale scaled to 8 bits
    (not clipped), and refused with an :class:`ImageError` above :data:`MAX_PIXELS`
    before it is decoded.

    >>> load_image("my_digit.png").mode   # doctest: +SKIP
    'L'
    """
    path = Path(path)
    _check_path(path)
    try:
        with warnings.catch_warnings():
            # Between MAX_PIXELS and twice that Pillow only warns; we refuse those files
            # ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _too_big(image.width * image.height, image.size)
                frame = next(ImageSequence.Iterator(image))
                frame.load()
                return to_8bit(ImageOps.exif_transpose(frame))  # a new image, upright
    except (
        Image.DecompressionBombError
    ) as exc:  # over twice the limit: Pillow refuses to open it
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_big(int(found.group(1)) if found else None) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(
            f"not an image that Pillow can read ({exc.__class__.__name__})"
        ) from exc


def to_8bit(image: Image.Image) -> Image.Image:
    """Scale a 16- or 32-bit grayscale image (modes I;16, I, F) to 8 bits; other modes
    are returned as they are.

    ``Image.convert("L")`` clips such images at 255, which turns a 16-bit digit white.

    >>> to_8bit(Image.new("I;16", (2, 2), 65535)).getpixel((0, 0))
    255
    """
    if not (image.mode.startswith("I") or image.mode == "F"):
        return image
    values = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        top = 65535.0
    elif values.size and values.max() > 255:
        top = 65535.0 if values.max() <= 65535 else float(values.max())
    else:
        top = (
            1.0 if image.mode == "F" and values.size and values.max() <= 1.0 else 255.0
        )
    gray = Image.fromarray(
        np.clip(np.round(values * (255.0 / top)), 0, 255).astype(np.uint8), "L"
    )
    transparent = image.info.get("transparency")
    if isinstance(
        transparent, (int, float)
    ):  # a 16-bit PNG may mark one grey level as transparent
        alpha = np.where(values == transparent, 0, 255).astype(np.uint8)
        gray = Image.merge("LA", (gray, Image.fromarray(alpha, "L")))
    return gray


def _grayscale(image: Image.Image) -> np.ndarray:
    """float32 luminance 0..255; transparent areas filled with the colour opposite to
    the ink."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not has_alpha:
        return np.asarray(image.convert("L"), dtype=np.float32)
    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
    gray = np.asarray(rgba.convert("L"), dtype=np.float32)
    opaque = alpha > 0.5
    if not opaque.any():
        raise ImageError("no digit found: the image is fully transparent")
    paper = 255.0 if np.median(gray[opaque]) < 128 else 0.0
    return gray * alpha + paper * (1.0 - alpha)


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold for values in 0..1: the split that best separates two groups."""
    hist, edges = np.histogram(values, bins=64, range=(0.0, 1.0))
    hist = hist.astype(np.float64)
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers) / np.maximum(w0, 1)
    m1 = (np.sum(hist * centers) - np.cumsum(hist * centers)) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centers[int(np.argmax(between))])


def ink_map(image: Image.Image) -> np.ndarray:
    """Ink intensity in 0..1 (1 = darkest stroke), paper at 0, whatever the polarity."""
    gray = _grayscale(image)
    border = np.concatenate(
        [gray[:2].ravel(), gray[-2:].ravel(), gray[:, :2].ravel(), gray[:, -2:].ravel()]
    )
    paper = float(np.median(border))
    ink = paper - gray if paper > 127.5 else gray - paper
    ink = np.clip(ink, 0, None)
    peak = float(np.percentile(ink, 99.9)) if ink.size > 10_000 else float(ink.max())
    if peak < MIN_CONTRAST:
        raise ImageError(
            "no digit found: the image is blank (no contrast between ink and paper)"
        )
    ink = np.clip(ink / peak, 0.0, 1.0)
    # Drop paper texture and shading: keep what clearly belongs to the strokes.
    threshold = max(0.2, min(0.5, _otsu(ink)))
    floor = threshold / 2
    return np.clip((ink - floor) / (1.0 - floor), 0.0, 1.0) * (ink >= floor)


def to_mnist(image: Image.Image | np.ndarray) -> np.ndarray:
    """An image of one digit → uint8 (28, 28): white ink on black, MNIST-centred.

    Accepts a PIL image or an array (grayscale (H, W) or colour (H, W, 3|4)).
    """
    if isinstance(image, np.ndarray):
        array = image
        if array.dtype == np.uint16:  # 16-bit, e.g. from a scanner: scale, do not clip
            array = np.round(array / 257.0).astype(np.uint8)
        elif array.dtype != np.uint8:
            array = np.clip(
                array * (255.0 if array.max() <= 1.0 else 1.0), 0, 255
            ).astype(np.uint8)
        image = Image.fromarray(array)
    ink = ink_map(to_8bit(image))
    rows, cols = np.nonzero(ink > 0)
    if rows.size == 0:
        raise ImageError(
            "no digit found: the image is blank (no contrast between ink and paper)"
        )
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    height, width = crop.shape
    scale = 20.0 / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    glyph = Image.fromarray(np.round(crop * 255).astype(np.uint8)).resize(
        size, Image.Resampling.LANCZOS
    )
    glyph = np.asarray(glyph, dtype=np.float32)
    if glyph.max() > 0:
        glyph = glyph * (255.0 / glyph.max())
    total = glyph.sum()
    ys, xs = np.indices(glyph.shape)
    cy, cx = (ys * glyph).sum() / total, (xs * glyph).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - glyph.shape[0]))
    left = int(np.clip(round(14 - cx), 0, 28 - glyph.shape[1]))
    canvas = np.zeros((28, 28), dtype=np.float32)
    canvas[top : top + glyph.shape[0], left : left + glyph.shape[1]] = glyph
    return np.clip(np.round(canvas), 0, 255).astype(np.uint8)


def load_digit(path: str | os.PathLike) -> np.ndarray:
    """Read an image file and preprocess it with :func:`to_mnist`."""
    return to_mnist(load_image(path))
