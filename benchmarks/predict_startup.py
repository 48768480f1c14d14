"""Wall time of `python -m mnist_course predict` on one image: with a .tflite file
(NumPy and the LiteRT interpreter, TensorFlow never imported) and with the .keras
model it was exported from.

Exports the default model (what `train` saved) to float32 and int8 TFLite in a
temporary folder, then runs each `predict` five times in a fresh Python and prints the
median. Target (SPEC section 7): the .tflite run <= 1 s. The last line is

    predict start-up: tflite N.NN s, int8 N.NN s, keras N.NN s (median of 5)

    python benchmarks/predict_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


def median_seconds(*args: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        cli(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        image = folder / "seven.png"  # a 7 in dark ink on white paper
        pixels = np.full((120, 120), 255, np.uint8)
        pixels[25:35, 25:95], pixels[35:100, 70:80] = 0, 0
        Image.fromarray(pixels).save(image)
        files = {}
        for name, extra in (("tflite", []), ("int8", ["--int8"])):
            files[name] = folder / f"{name}.tflite"
            cli("export", "--format", "tflite", *extra, "--out", str(files[name]))
        seconds = {
            name: median_seconds("predict", "--model", str(path), str(image))
            for name, path in files.items()
        }
        seconds["keras"] = median_seconds("predict", str(image))
    print(
        f"predict start-up: tflite {seconds['tflite']:.2f} s, int8"
        f" {seconds['int8']:.2f} s, keras {seconds['keras']:.2f} s (median of {RUNS})"
    )


if __name__ == "__main__":
    main()
