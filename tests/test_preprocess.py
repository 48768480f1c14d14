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
    np.testing.assert_array_equal(to_mnist(dark_on_light), to_mnist(255 - dark_on_light))


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
