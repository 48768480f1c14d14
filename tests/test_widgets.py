"""The widget explorers, driven from Python as a notebook user would, without a browser.

A tiny CNN trained for a second on 2,000 real MNIST images stands in for the course's
model: good enough that its probabilities mean something, fast enough for the suite.
"""

from __future__ import annotations

import base64
import io
import json
import re

import ipywidgets as widgets
import keras
import numpy as np
import PIL.Image
import pytest
from ipywidgets.embed import dependency_state, embed_data

from mnist_course import load_mnist
from mnist_course.exercises.ch03 import max_pool2d as max_pool
from mnist_course.preprocess import to_mnist
from mnist_course.training import prepare_images
from mnist_course.widgets import (
    ConfusionExplorer,
    ConvolutionPlayground,
    DigitBrowser,
    DrawDigit,
    FeatureMapExplorer,
    RobustnessExplorer,
    TrainingMonitor,
    transform_digit,
)
from mnist_course.widgets.convolution import PRESETS


def tiny_cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Conv2D(12, 3, activation="relu", name="conv_2"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return x_train[:2000], y_train[:2000], x_test[:300], y_test[:300]


@pytest.fixture(scope="module")
def model(mnist):
    x_train, y_train, _, _ = mnist
    keras.utils.set_random_seed(0)
    model = tiny_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(prepare_images(x_train), y_train, epochs=1, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def predictions(model, mnist):
    _, _, x_test, _ = mnist
    probabilities = np.asarray(model(prepare_images(x_test), training=False))
    return probabilities.argmax(axis=1), probabilities


def bar_percentages(html: str) -> list[str]:
    """The ten "12.3 %" texts of the probability bars, in digit order."""
    return re.findall(r"([\d.]+ %)</span>", html)


# ---------------------------------------------------------------- DigitBrowser


def test_digit_browser_filters_by_true_label_and_shows_that_image(model, mnist):
    _, _, x_test, y_test = mnist
    browser = DigitBrowser(x_test, y_test, model)
    assert browser.true_label.label == "any" and browser.true_label.index == 0, (
        "the filter shows 'any', not a blank box"
    )
    assert len(browser.selection) == len(x_test)
    browser.true_label.value = 4
    np.testing.assert_array_equal(browser.selection, np.flatnonzero(y_test == 4))
    browser.position.value = 2
    assert browser.current == np.flatnonzero(y_test == 4)[2]
    np.testing.assert_array_equal(browser.shown_image, x_test[browser.current])
    expected = np.asarray(
        model(prepare_images(x_test[browser.current]), training=False)
    )[0]
    np.testing.assert_allclose(browser.probabilities, expected, atol=1e-5)
    assert f"#{browser.current}" in browser.caption.value


def test_digit_browser_only_mistakes_lists_exactly_the_misclassified_images(
    model, mnist, predictions
):
    _, _, x_test, y_test = mnist
    browser = DigitBrowser(x_test, y_test, model)
    browser.only_mistakes.value = True
    np.testing.assert_array_equal(
        browser.selection, np.flatnonzero(predictions[0] != y_test)
    )
    browser.next.click()
    assert browser.current == browser.selection[1]
    browser.previous.click()
    browser.previous.click()
    assert browser.current == browser.selection[-1], (
        "previous wraps around to the last match"
    )


def test_digit_browser_filter_without_matches_shows_a_message_instead_of_an_image(
    model, mnist, predictions
):
    _, _, x_test, y_test = mnist
    browser = DigitBrowser(x_test, y_test, model)
    browser.true_label.value = 1
    browser.predicted_label.value = 1
    browser.only_mistakes.value = True  # a 1 predicted as 1 is never a mistake
    assert (
        len(browser.selection) == 0
        and browser.current is None
        and browser.shown_image is None
    )
    assert (
        "No image matches" in browser.message
        and browser.message in browser.caption.value
    )
    browser.only_mistakes.value = False
    assert browser.message == "" and browser.shown_image is not None


def test_digit_browser_without_a_model_browses_labels_only(mnist):
    _, _, x_test, y_test = mnist
    browser = DigitBrowser(x_test, y_test)
    browser.true_label.value = 7
    assert browser.probabilities is None and browser.bars.value == ""
    assert y_test[browser.current] == 7
    assert browser.predicted_label not in browser.children[0].children


# ---------------------------------------------------------------- ConvolutionPlayground


def keras_conv_relu_pool(image: np.ndarray, kernel: np.ndarray):
    """The same pipeline with Keras layers: Conv2D (valid, no bias), ReLU,
    MaxPooling2D."""
    conv = keras.layers.Conv2D(1, 3, use_bias=False)
    x = prepare_images(image)
    conv.build(x.shape)
    conv.set_weights([kernel.reshape(3, 3, 1, 1)])
    feature = conv(x)
    pooled = keras.layers.MaxPooling2D(2)(keras.ops.relu(feature))
    return np.asarray(feature)[0, ..., 0], np.asarray(pooled)[0, ..., 0]


@pytest.mark.parametrize("preset", ["edges", "sobel y", "blur"])
def test_a_preset_kernel_gives_the_feature_map_keras_computes(mnist, preset):
    image = mnist[2][0]
    playground = ConvolutionPlayground(image, kernel="identity")
    playground.preset.value = preset
    np.testing.assert_allclose(playground.kernel, PRESETS[preset])
    feature, pooled = keras_conv_relu_pool(image, PRESETS[preset])
    np.testing.assert_allclose(playground.feature_map, feature, atol=1e-5)
    np.testing.assert_allclose(playground.relu_map, np.maximum(feature, 0), atol=1e-5)
    np.testing.assert_allclose(playground.pooled_map, pooled, atol=1e-5)
    assert playground.pooled_map.shape == (13, 13)


def test_the_identity_kernel_keeps_the_image_without_its_border(mnist):
    image = mnist[2][0]
    playground = ConvolutionPlayground(image, kernel="identity")
    np.testing.assert_allclose(
        playground.feature_map, image[1:-1, 1:-1] / 255.0, atol=1e-6
    )
    np.testing.assert_allclose(
        playground.pooled_map, max_pool(image[1:-1, 1:-1] / 255.0), atol=1e-6
    )


def test_editing_a_weight_makes_the_kernel_custom_and_redraws(mnist):
    playground = ConvolutionPlayground(mnist[2][0], kernel="sobel x")
    before_map, before_png = (
        playground.feature_map.copy(),
        playground.panels["feature map"].value,
    )
    playground.weights[4].value = 2.0  # the centre weight
    assert playground.preset.value == "custom"
    assert playground.kernel[1, 1] == 2.0
    np.testing.assert_allclose(
        playground.feature_map - before_map,
        2.0 * mnist[2][0][1:-1, 1:-1] / 255.0,
        atol=1e-5,
    )
    assert playground.panels["feature map"].value != before_png
    playground.weights[4].value = 0.0
    assert playground.preset.value == "sobel x", (
        "typing a preset's numbers back selects it again"
    )


# ---------------------------------------------------------------- FeatureMapExplorer


def test_feature_maps_have_the_chosen_layers_shape_and_channel_count(model, mnist):
    explorer = FeatureMapExplorer(model, mnist[2][:5])
    assert [value for _, value in explorer.layer.options] == ["conv", "pool", "conv_2"]
    explorer.layer.value = "conv_2"
    assert explorer.feature_maps.shape == (11, 11, 12)
    explorer.index.value = 3
    expected = keras.Model(model.inputs[0], model.get_layer("conv_2").output)(
        prepare_images(mnist[2][3])
    )
    np.testing.assert_allclose(
        explorer.feature_maps, np.asarray(expected)[0], atol=1e-5
    )
    tiles = explorer.shown_image
    assert tiles.shape == (
        3 * 11 + 2,
        4 * 11 + 3,
    ), "12 channels on a 4-column grid with 1-pixel gaps"
    assert np.nanmax(tiles) <= 1 and np.nanmin(tiles) >= 0


def test_feature_map_explorer_refuses_a_dense_model_with_a_hint():
    dense = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(10, activation="softmax")]
    )
    with pytest.raises(ValueError, match="needs a model with Conv2D layers"):
        FeatureMapExplorer(dense, np.zeros((2, 28, 28), np.uint8))


# ---------------------------------------------------------------- ConfusionExplorer


def test_clicking_a_confusion_cell_shows_exactly_those_mistakes(mnist, predictions):
    _, _, x_test, y_test = mnist
    y_pred, probabilities = predictions
    explorer = ConfusionExplorer(y_test, y_pred, x_test, probabilities, max_gallery=500)
    wrong = y_pred != y_test
    true, predicted = y_test[wrong][0], y_pred[wrong][0]
    explorer.cells[true][predicted].click()
    expected = np.flatnonzero((y_test == true) & (y_pred == predicted))
    assert explorer.selected == (true, predicted)
    assert sorted(explorer.gallery_indices) == sorted(expected)
    assert len(explorer.gallery.children) == len(expected)
    confidence = probabilities[explorer.gallery_indices, predicted]
    assert np.all(np.diff(confidence) <= 0), "most confident mistakes first"
    assert explorer.cells[true][predicted].description == str(len(expected))


def test_confusion_explorer_opens_on_the_most_frequent_mistake_and_caps_the_gallery(
    mnist, predictions
):
    _, _, x_test, y_test = mnist
    explorer = ConfusionExplorer(y_test, predictions[0], x_test, max_gallery=3)
    off_diagonal = explorer.matrix - np.diag(np.diag(explorer.matrix))
    assert explorer.selected == np.unravel_index(
        off_diagonal.argmax(), off_diagonal.shape
    )
    assert len(explorer.gallery_indices) == min(3, off_diagonal.max())
    assert explorer.cells[explorer.selected[0]][explorer.selected[1]].layout.border


def test_an_empty_confusion_cell_and_a_perfect_model_give_messages(mnist):
    _, _, x_test, y_test = mnist
    explorer = ConfusionExplorer(y_test, y_test, x_test)
    assert "No mistakes" in explorer.message and explorer.selected is None
    explorer.cells[2][7].click()
    assert (
        len(explorer.gallery_indices) == 0
        and "No image is a 2 predicted as 7" in explorer.message
    )


# ---------------------------------------------------------------- RobustnessExplorer


def test_rotating_a_digit_changes_what_the_model_sees_and_its_probabilities(
    model, mnist
):
    _, _, x_test, y_test = mnist
    explorer = RobustnessExplorer(model, x_test[0], label=y_test[0])
    np.testing.assert_array_equal(explorer.shown_image, x_test[0])
    before_image, before_p, before_bars = (
        explorer.shown_image,
        explorer.probabilities,
        explorer.bars.value,
    )
    explorer.rotation.value = 45
    assert np.abs(explorer.shown_image.astype(int) - before_image).sum() > 1000
    assert np.abs(explorer.probabilities - before_p).max() > 1e-3
    assert len(bar_percentages(before_bars)) == 10
    assert bar_percentages(explorer.bars.value) != bar_percentages(before_bars)
    expected = np.asarray(model(prepare_images(explorer.shown_image), training=False))[
        0
    ]
    np.testing.assert_allclose(explorer.probabilities, expected, atol=0.02)
    explorer.reset.click()
    np.testing.assert_array_equal(explorer.shown_image, x_test[0])


def test_transform_digit_moves_pixels_as_the_controls_say(mnist):
    digit = mnist[2][0] / 255.0
    np.testing.assert_allclose(
        transform_digit(digit, rotation=90), np.rot90(digit), atol=1e-6
    )
    np.testing.assert_allclose(
        transform_digit(digit, shift=(3, -2))[:-2, 3:], digit[2:, :-3], atol=1e-6
    )
    erased = transform_digit(digit, erase=6, erase_at=(10, 20))
    assert erased[17:23, 7:13].max() == 0 and np.array_equal(
        erased[:17], digit[:17].astype(np.float32)
    )
    assert transform_digit(digit, scale=0.5).sum() < 0.4 * digit.sum()
    noisy = transform_digit(digit, noise=0.3)
    assert noisy.min() >= 0 and noisy.max() <= 1 and np.abs(noisy - digit).mean() > 0.05


def test_robustness_explorer_accepts_a_dense_model_and_logits(mnist):
    keras.utils.set_random_seed(1)
    dense = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(10)]
    )  # logits, no softmax
    explorer = RobustnessExplorer(dense, mnist[2][0])
    assert (
        explorer.probabilities.min() >= 0
        and explorer.probabilities.sum() == pytest.approx(1, abs=1e-5)
    )
    explorer.shift_x.value = 4
    logits = np.asarray(dense(explorer.shown_image.reshape(1, 784) / 255.0))[0]
    np.testing.assert_allclose(
        explorer.probabilities, np.exp(logits) / np.exp(logits).sum(), atol=1e-3
    )


# ---------------------------------------------------------------- DrawDigit


def test_a_drawn_stroke_is_preprocessed_exactly_like_predict_does(model):
    pad = DrawDigit(model)
    assert pad.shown_image is None and "Draw a digit" in pad.message
    pad.stroke([(90, 60), (190, 60), (120, 240)])  # a 7
    assert pad.drawing[60, 140] == 0 and pad.drawing[5, 5] == 255
    np.testing.assert_array_equal(pad.shown_image, to_mnist(pad.drawing))
    expected = np.asarray(model(prepare_images(pad.shown_image), training=False))[0]
    np.testing.assert_allclose(pad.probabilities, expected, atol=1e-5)
    assert pad.prediction == expected.argmax() and pad.message == ""


def test_the_pen_handlers_draw_only_while_the_button_is_down(model):
    pad = DrawDigit(model)
    pad.pen_move(50, 50)  # hovering: no ink
    assert pad.drawing.min() == 255
    pad.pen_down(140, 40)
    pad.pen_move(140, 140)
    pad.pen_move(140, 240)
    pad.pen_up(140, 240)
    assert pad.drawing[140, 140] == 0 and pad.shown_image is not None
    assert isinstance(pad.clear, widgets.Button) and pad.clear.description == "clear"
    pad.clear.click()  # a button, like RobustnessExplorer.reset and DigitBrowser.next
    assert pad.drawing.min() == 255 and pad.probabilities is None
    assert pad.shown_image is None and "Draw a digit" in pad.message


def test_the_drawing_pad_keeps_its_size_and_the_rest_wraps_below_it(model):
    """On a narrow page (the book's column) the canvas must not be squeezed and
    clipped."""
    pad = DrawDigit(model, size=280)
    row = pad.children[0]
    holder = row.children[0]
    stack = holder.children[0]
    assert pad.canvas in stack.children and pad.clear in holder.children
    assert stack.children[-1] is pad.canvas, (
        "the canvas lies on top of the snapshot under it"
    )
    assert holder.layout.flex == "0 0 auto" and holder.layout.min_width == "282px"
    assert row.layout.flex_flow == "row wrap"


def test_set_drawing_with_an_mnist_digit_is_classified_like_the_digit(model, mnist):
    x_test = mnist[2]
    pad = DrawDigit(model)
    pad.set_drawing(x_test[0])  # white ink on black, 28×28: resized to the canvas
    assert pad.drawing.shape == (280, 280)
    np.testing.assert_array_equal(pad.shown_image, to_mnist(pad.drawing))
    direct = np.asarray(model(prepare_images(x_test[0]), training=False))[0]
    assert pad.prediction == direct.argmax()
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 45:55, 3] = 255  # a black bar on a transparent background
    pad.set_drawing(rgba)
    assert pad.drawing[140, 140] == 0 and pad.drawing[0, 0] == 255


# ---------------------------------------------------------------- TrainingMonitor


def test_training_monitor_holds_one_point_per_epoch_and_redraws(mnist):
    x_train, y_train, _, _ = mnist
    model = tiny_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    monitor = TrainingMonitor()
    empty_plot = monitor.image.value
    model.fit(
        prepare_images(x_train[:512]),
        y_train[:512],
        validation_split=0.25,
        epochs=2,
        batch_size=128,
        callbacks=[monitor],
        verbose=0,
    )
    assert monitor.epochs == 2
    assert set(monitor.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in monitor.history.values())
    assert monitor.image.value != empty_plot and monitor.image.value[:4] == b"\x89PNG"
    assert "epoch <b>2</b>" in monitor.summary.value
    assert f"{monitor.history['val_loss'][-1]:.4g}" in monitor.summary.value
    monitor.reset()
    assert monitor.epochs == 0 and monitor.image.value == empty_plot


def test_training_monitor_displays_as_its_widget():
    monitor = TrainingMonitor()
    bundle = monitor._repr_mimebundle_()
    assert json.dumps(bundle).count(monitor.widget.model_id) == 1


# ---------------------------------------------------------------- the static book


def saved_models(view: widgets.Widget, name: str) -> list[dict]:
    """The widget models of one kind that an executed notebook saves (as the book embeds
    them)."""
    models = embed_data(views=[view], state=dependency_state([view]))["manager_state"][
        "state"
    ].values()
    return [model for model in models if model["model_name"] == name]


def every_explorer(model, mnist, predictions) -> list[widgets.Widget]:
    """One of each explorer, as a chapter opens it; the drawing pad last, with a
    stroke on it."""
    x_train, y_train, x_test, y_test = mnist
    pad = DrawDigit(model)
    pad.stroke([(140, 40), (140, 240)])
    return [
        DigitBrowser(x_test, y_test, model),
        ConvolutionPlayground(x_test[0]),
        FeatureMapExplorer(model, x_test[:3]),
        ConfusionExplorer(y_test, predictions[0], x_test, predictions[1]),
        RobustnessExplorer(model, x_test[0], label=y_test[0]),
        TrainingMonitor().widget,
        pad,
    ]


def test_every_explorers_first_view_is_in_the_saved_widget_state(
    model, mnist, predictions
):
    explorers = every_explorer(model, mnist, predictions)
    pad = explorers[-1]
    for explorer in explorers:
        images = saved_models(explorer, "ImageModel")
        pngs = [
            base64.b64decode(b["data"])
            for model in images
            for b in model.get("buffers", [])
        ]
        assert pngs and all(png[:4] == b"\x89PNG" for png in pngs), (
            f"{type(explorer).__name__} saves its images"
        )
    for explorer in (explorers[0], explorers[4], pad):
        html = " ".join(
            model["state"].get("value", "")
            for model in saved_models(explorer, "HTMLModel")
        )
        assert html.count(" %</span>") == 10, (
            f"{type(explorer).__name__} saves the ten probabilities as text"
        )


def test_every_image_and_control_of_every_explorer_has_a_name(
    model, mnist, predictions
):
    """What a screen reader announces: an image's tooltip (its alternative text in the
    book, see book/_assets/widget-a11y.js), a control's label or tooltip."""
    explorers = every_explorer(model, mnist, predictions)
    controls = {
        "ImageModel",
        "FloatSliderModel",
        "IntSliderModel",
        "FloatTextModel",
        "DropdownModel",
        "CheckboxModel",
    }
    for explorer in explorers:
        models = embed_data(views=[explorer], state=dependency_state([explorer]))
        for saved in models["manager_state"]["state"].values():
            if saved["model_name"] not in controls:
                continue
            state = saved["state"]
            name = (state.get("description") or state.get("tooltip") or "").strip()
            assert len(name) > 3, (
                f"{type(explorer).__name__}: a {saved['model_name']} without a"
                f" description or tooltip: {state}"
            )


def saved_pad_picture(pad: DrawDigit) -> np.ndarray:
    """The picture a static page shows under the pad's (empty) canvas: the snapshot's
    PNG."""
    (image,) = [
        m
        for m in saved_models(pad, "ImageModel")
        if m["state"].get("width") == str(pad.size)
    ]
    (buffer,) = [b for b in image.get("buffers", []) if b["path"] == ["value"]]
    return np.asarray(
        PIL.Image.open(io.BytesIO(base64.b64decode(buffer["data"]))).convert("L")
    )


def test_the_pads_saved_state_shows_the_drawing_on_a_static_page(model):
    """ipycanvas keeps the strokes in the browser, so the saved canvas is blank: the pad
    saves an image of the drawing that a static page shows under the empty canvas."""
    pad = DrawDigit(model)
    assert saved_pad_picture(pad).min() == 255, "a new pad saves blank paper"
    pad.stroke([(140, 40), (140, 240)])
    picture = saved_pad_picture(pad)
    assert picture.shape == (280, 280)
    np.testing.assert_array_equal(picture, pad.drawing)
    assert picture[140, 140] == 0 and picture[140, 40] == 255  # ink on the stroke only
    assert np.mean(picture == 0) > 0.03, "the saved picture holds the whole stroke"
    pad.clear.click()
    assert saved_pad_picture(pad).min() == 255, "clear wipes the saved picture too"


# ---------------------------------------------------------------- bad input


def five_class_model() -> keras.Model:
    return keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(5)]
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda m, x, y: RobustnessExplorer(m, x[0].reshape(784)),
            r"reshape\(28, 28\)",
        ),
        (lambda m, x, y: RobustnessExplorer(m, np.zeros((32, 32))), "to_mnist"),
        (lambda m, x, y: ConvolutionPlayground(x[:2]), "batch of 2 images"),
        (lambda m, x, y: RobustnessExplorer(five_class_model(), x[0]), "10 outputs"),
        (lambda m, x, y: DrawDigit(five_class_model()), "10 outputs"),
        (
            lambda m, x, y: DigitBrowser(x[:10], y[:9]),
            "9 entries but there are 10 images",
        ),
        (lambda m, x, y: DigitBrowser(x[:0], y[:0]), "empty"),
        (
            lambda m, x, y: DigitBrowser(x[:10].reshape(10, 784), y[:10]),
            r"reshape\(-1, 28, 28\)",
        ),
        (lambda m, x, y: DigitBrowser(x[:10], np.eye(10)[y[:10]]), "argmax"),
        (
            lambda m, x, y: ConfusionExplorer(
                y[:10], y[:10], x[:10], np.zeros((10, 3))
            ),
            r"expected \(10, 10\)",
        ),
        (
            lambda m, x, y: ConfusionExplorer(y[:10], y[:8], x[:10]),
            "y_pred has 8 entries",
        ),
        (lambda m, x, y: ConvolutionPlayground(x[0], kernel=np.ones((5, 5))), "3×3"),
        (
            lambda m, x, y: ConvolutionPlayground(x[0], kernel="emboss"),
            "unknown kernel preset",
        ),
        (lambda m, x, y: RobustnessExplorer(m, x[0], label=12), "0 to 9"),
        (
            lambda m, x, y: FeatureMapExplorer(
                keras.Sequential(
                    [
                        keras.Input((32, 32, 1)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(10),
                    ]
                ),
                x[:2],
            ),
            "784 pixels",
        ),
    ],
    ids=[
        "flat image",
        "32x32 image",
        "batch for one image",
        "5-class model",
        "5-class model to draw",
        "labels shorter than images",
        "no images",
        "flat images",
        "one-hot labels",
        "probabilities not 10",
        "predictions shorter",
        "5x5 kernel",
        "unknown preset",
        "label out of range",
        "model for 32x32 input",
    ],
)
def test_bad_input_is_refused_at_construction_with_what_to_do(
    model, mnist, build, message
):
    _, _, x_test, y_test = mnist
    with pytest.raises(ValueError, match=message):
        build(model, x_test, y_test)


@pytest.mark.parametrize("correct", [True, False])
def test_confusion_cells_are_readable_at_every_shade(correct):
    from mnist_course.widgets.confusion import _cell_colour, _text_colour, contrast

    for count in range(101):
        background = _cell_colour(count, 100, correct)
        ratio = contrast(_text_colour(background), background)
        assert ratio >= 4.5, f"{count}/100: {ratio:.2f}:1 on {background} (WCAG AA)"
    assert contrast("#2b0c0a", "#d73c32") < 4.5  # the theme's text on the darkest red
