"""How long one RobustnessExplorer update takes (target: median <= 50 ms, SPEC section
7).

An update is what moving one slider does: transform the digit, one prediction, redraw
(PNG image and probability bars). The sliders get varied random values, one slider
per update, as a learner dragging them would. Uses the trained reference CNN when
`python -m mnist_course train` has saved one, else an untrained one (same cost).
Exits with status 1 when the median is above the target.

    python benchmarks/widget_latency.py [--updates 200]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from mnist_course import config, load_mnist
from mnist_course.models import load_trained, reference_cnn
from mnist_course.widgets import RobustnessExplorer

TARGET_MS = 50.0
WARM_UP = 10  # updates not timed: the first model calls trace and allocate


def random_moves(
    explorer: RobustnessExplorer, count: int, seed: int = 0
) -> list[tuple[object, float]]:
    """(slider, value) pairs, each a value the slider allows, cycling through the
    sliders."""
    rng = np.random.default_rng(seed)
    sliders = [
        explorer.rotation,
        explorer.shift_x,
        explorer.shift_y,
        explorer.scale,
        explorer.noise,
        explorer.erase,
        explorer.erase_x,
        explorer.erase_y,
    ]
    moves = []
    for i in range(count):
        slider = sliders[i % len(sliders)]
        steps = round((slider.max - slider.min) / slider.step)
        moves.append((slider, slider.min + slider.step * int(rng.integers(steps + 1))))
    return moves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200)
    updates = parser.parse_args().updates

    path = config.default_model_path()
    model = load_trained(path) if path.is_file() else reference_cnn()
    untrained = "untrained reference CNN (no trained model found)"
    print(f"model: {path if path.is_file() else untrained}")
    _, (x_test, y_test) = load_mnist()
    explorer = RobustnessExplorer(model, x_test[0], label=y_test[0])

    times = []
    for i, (slider, value) in enumerate(random_moves(explorer, WARM_UP + updates)):
        if (
            slider.value == value
        ):  # no change, no update: nudge it to another allowed value
            value = slider.min if value != slider.min else slider.max
        start = time.perf_counter()
        slider.value = value
        if i >= WARM_UP:
            times.append(1000 * (time.perf_counter() - start))

    median, p90 = np.median(times), np.percentile(times, 90)
    print(
        f"RobustnessExplorer update over {updates} slider moves: median {median:.1f}"
        f" ms, p90 {p90:.1f} ms"
    )
    met = median <= TARGET_MS
    print(f"target: median <= {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
