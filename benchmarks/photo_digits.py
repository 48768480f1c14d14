"""`predict` on photo-like digits that are not MNIST's: the reference CNN against
chapter 7's model.

Each digit is drawn here from pen strokes (one template per digit, its points moved
at random, a random pen width, slant, size and rotation), then made to look like a
photo or a scan: any image size, paper tinted or white, ink dark on light or light on
dark (a blackboard), blur, uneven light and sensor noise. Never an MNIST image: the
shapes are this file's own. Every image goes through what ``python -m mnist_course
predict`` does (:func:`mnist_course.preprocess.load_digit` on the saved PNG), then
through each model. Target (SPEC section 7): >= 97 %.

The models: the reference CNN (``python -m mnist_course train``, trained here for its
default 2 epochs when it is not in the cache yet) and chapter 7's model
(``train --recipe best``: loaded from the model cache after the book was built, else
trained, minutes). The last line is

    photos: reference 9x.x %  best 9x.x %  (N images)

    python benchmarks/photo_digits.py [--per-digit 50]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import mnist_course  # noqa: F401  first, so that TensorFlow's start-up lines stay off stderr

# isort: split
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from mnist_course import config
from mnist_course.models import load_trained
from mnist_course.preprocess import load_digit
from mnist_course.training import prepare_images, train_best, train_reference


def _arc(cx, cy, rx, ry, start, end, steps=14):
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, 0 = right, 90 =
    down: image coordinates)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, steps)
    ]


# Strokes of each digit in a 100 × 100 box (x right, y down), as a hand writes them.
TEMPLATES = {
    0: [_arc(50, 50, 26, 40, -90, 270, 24)],
    1: [[(38, 24), (54, 10), (54, 90)]],
    2: [_arc(50, 34, 24, 22, 190, 380) + [(26, 88), (78, 88)]],
    3: [_arc(48, 30, 22, 19, 200, 450), _arc(48, 68, 26, 22, -90, 160)],
    4: [[(60, 10), (22, 64), (82, 64)], [(62, 36), (62, 92)]],
    5: [[(74, 12), (34, 12), (30, 46)], _arc(48, 64, 26, 24, -120, 150)],
    6: [[(68, 10), (48, 26)] + _arc(50, 66, 24, 24, 200, 560, 24)],
    7: [[(22, 14), (78, 14), (42, 92)]],
    8: [_arc(50, 30, 20, 19, 90, 450, 20), _arc(50, 70, 25, 21, -90, 270, 22)],
    9: [_arc(48, 34, 22, 22, 0, 360, 20), [(70, 34), (66, 92)]],
}


def draw_digit(digit: int, rng: np.random.Generator) -> Image.Image:
    """One handwritten-looking digit, black on white, on a 280 × 280 canvas."""
    slant, scale = rng.uniform(-0.25, 0.25), rng.uniform(0.75, 1.1)
    angle = math.radians(rng.uniform(-10, 10))
    cos, sin = math.cos(angle), math.sin(angle)

    def place(x, y):
        x, y = x - 50 + slant * (50 - y), y - 50
        x, y = x * cos - y * sin, x * sin + y * cos
        return 140 + 2.2 * scale * x, 140 + 2.2 * scale * y

    canvas = Image.new("L", (280, 280), 255)
    pen = ImageDraw.Draw(canvas)
    width = int(rng.integers(14, 30))
    wobble = rng.normal(0, 3.5, (2,))  # one shift per stroke end, like a real hand
    for stroke in TEMPLATES[digit]:
        points = np.asarray(stroke, float) + rng.normal(0, 2.0, (len(stroke), 2))
        points[-1] += wobble
        line = [place(x, y) for x, y in points]
        pen.line(line, fill=0, width=width, joint="curve")
        for x, y in (line[0], line[-1]):  # round pen ends
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), 0)
    return canvas


def photograph(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The digit as a phone photo or a scan: size, tint, polarity, blur, light,
    noise."""
    side = int(rng.integers(60, 600))
    ink = digit.resize((side, side), Image.Resampling.BILINEAR)
    ink = ink.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.5) * side / 280))
    amount = 1 - np.asarray(ink, float) / 255  # 1 where the pen went
    paper = np.array(rng.uniform([200, 190, 160], [255, 255, 255]))
    pen = np.array(rng.uniform([0, 0, 0], [90, 90, 140]))
    if rng.random() < 0.3:  # light ink on a dark board
        paper, pen = rng.uniform(20, 70, 3), rng.uniform(200, 255, 3)
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.1), side)
    light = light[None, :, None] if rng.random() < 0.5 else light[:, None, None]
    pixels = paper + amount[..., None] * (pen - paper)
    pixels = pixels * light + rng.normal(0, rng.uniform(0, 8), pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def model_for(recipe: str):
    path = config.default_model_path(recipe)
    if not path.is_file():
        print(f"training the {recipe} model first (it is not in {path.parent})")
        train = train_best if recipe == "best" else train_reference
        train(out=path, fast=False, verbose=0)
    return load_trained(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    labels = np.repeat(np.arange(10), args.per_digit)
    with tempfile.TemporaryDirectory() as folder:
        images = []
        for i, label in enumerate(labels):
            path = Path(folder) / f"photo_{i:04d}.png"
            photograph(draw_digit(int(label), rng), rng).save(path)
            images.append(load_digit(path))  # what `predict` does with the file
    x = prepare_images(np.stack(images))
    accuracy = {}
    for recipe in ("reference", "best"):
        predicted = model_for(recipe).predict(x, verbose=0).argmax(axis=1)
        accuracy[recipe] = float(np.mean(predicted == labels))
        wrong = np.bincount(labels[predicted != labels], minlength=10)
        print(f"{recipe}: {accuracy[recipe]:.1%}; mistakes per digit {wrong.tolist()}")
    print(
        f"photos: reference {accuracy['reference']:.1%}  best {accuracy['best']:.1%}"
        f"  ({len(labels)} images)"
    )


if __name__ == "__main__":
    main()
