import numpy as np
import pytest
from PIL import Image

from mnist_course.errors import ImageError
from mnist_course.preprocess import load_image, to_mnist


def _center_of_mass(image):
    ys, xs = np.indices(image.shape)
    total = image.sum()
    return (ys * image).sum() / total, (xs * image).sum() / total


def test_a_digit_on_a_big_light_page_is_cropped_scaled_and_centred():
    page = np.full((300, 200), 240, np.uint8)
    page[40:140, 20:60] = 10  # a dark vertical bar, 100 x 40, far from the centre
    out = to_mnist(page)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    rows, cols = np.nonzero(out > 0)
    assert rows.max() - rows.min() + 1 == 20, "the longer side is scaled to 20 pixels"
    assert 7 <= cols.max() - cols.min() + 1 <= 9, "the aspect ratio is kept"
    cy, cx = _center_of_mass(out.astype(float))
    assert abs(cy - 14) < 1 and abs(cx - 14) < 1
    assert out.max() == 255 and out[0, 0] == 0, "ink is white on a black background"


def test_polarity_does_not_matter():
    dark_on_light = np.full((60, 60), 255, np.uint8)
    dark_on_light[10:50, 25:35] = 0
    np.testing.assert_array_equal(
        to_mnist(dark_on_light), to_mnist(255 - dark_on_light)
    )


def test_transparent_background_is_handled_for_dark_and_light_ink():
    alpha = np.zeros((60, 60), np.uint8)
    alpha[10:50, 25:35] = 255
    expected = to_mnist(255 - alpha)
    for ink in (0, 255):
        rgba = np.zeros((60, 60, 4), np.uint8)
        rgba[..., :3] = ink
        rgba[..., 3] = alpha
        np.testing.assert_array_equal(to_mnist(Image.fromarray(rgba, "RGBA")), expected)


@pytest.mark.parametrize("value", [0, 128, 255])
def test_a_blank_image_is_reported(value):
    with pytest.raises(ImageError, match="no digit found: the image is blank"):
        to_mnist(np.full((40, 40), value, np.uint8))


def test_a_file_that_is_not_an_image_is_reported(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not really a PNG")
    with pytest.raises(ImageError, match="not an image that Pillow can read"):
        load_image(path)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.png")


def _digit_page() -> np.ndarray:
    """A dark, asymmetric "7"-like stroke on light paper: rotating it changes what
    to_mnist sees."""
    page = np.full((90, 60), 235, np.uint8)
    page[15:22, 10:50] = 20  # the top bar
    page[22:80, 40:47] = 20  # the stem on the right
    return page


def test_a_16_bit_png_reads_like_the_same_8_bit_image(tmp_path):
    page = _digit_page()
    Image.fromarray(page.astype(np.uint16) * 257).save(
        tmp_path / "deep.png"
    )  # 0..255 -> 0..65535
    Image.fromarray(page).save(tmp_path / "plain.png")
    assert Image.open(tmp_path / "deep.png").mode == "I;16", (
        "the test needs a real 16-bit PNG"
    )
    expected = to_mnist(load_image(tmp_path / "plain.png"))
    np.testing.assert_array_equal(to_mnist(load_image(tmp_path / "deep.png")), expected)
    np.testing.assert_array_equal(
        to_mnist(page.astype(np.uint16) * 257), expected
    )  # a 16-bit array too


def test_an_exif_rotated_photo_is_read_upright(tmp_path):
    upright = Image.fromarray(_digit_page())
    exif = Image.Exif()
    exif[0x0112] = (
        6  # "rotate 90° clockwise to display", as a phone held upright writes it
    )
    upright.transpose(Image.Transpose.ROTATE_90).save(
        tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95
    )
    upright.save(tmp_path / "upright.jpg", quality=95)
    read = load_image(tmp_path / "phone.jpg")
    assert read.size == upright.size
    np.testing.assert_allclose(
        to_mnist(read).astype(int),
        to_mnist(load_image(tmp_path / "upright.jpg")).astype(int),
        atol=8,
    )


def png_bomb(path, width: int, height: int) -> None:
    """A valid 1-bit PNG of width × height white pixels: a few kB that decode to a huge
    image."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body))
        )

    deflate = zlib.compressobj(9)
    row = b"\0" + b"\xff" * ((width + 7) // 8)
    pixels = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "side", [10_000, 20_000]
)  # over Pillow's warning limit; over its error limit
def test_an_image_over_the_pixel_limit_is_refused_without_a_raw_warning(
    tmp_path, side, recwarn
):
    path = tmp_path / "bomb.png"
    png_bomb(path, side, side)
    with pytest.raises(
        ImageError, match=r"the image is too large \(.*megapixels.*scale it down"
    ):
        load_image(path)
    assert not [
        w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)
    ]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp, "this is a folder, not an image file"),
        (lambda tmp: "-", "standard input"),
    ],
)
def test_a_folder_or_a_dash_is_not_called_a_missing_file(tmp_path, make, message):
    with pytest.raises(ImageError, match=message):
        load_image(make(tmp_path))
