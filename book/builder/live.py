"""The network the live panels run in the reader's browser: the trained model,
exported by :mod:`mnist_course.live` as ``_static/mnist-live-model.js`` (the panels
themselves are ``book/_assets/live.js``), again only when the model or the exporter
changes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from mnist_course import config

from .paths import HTML, LIVE, PACKAGE, log

LIVE_SCRIPT = "mnist-live-model.js"  # served as _static/mnist-live-model.js


def live_model_source(fast: bool) -> Path:
    """The trained model the book's live panels run: the one ``predict`` uses
    (chapter 7's once trained, else the reference CNN), or, when there is none or in
    fast mode, a reference CNN trained for the book in book/_build/.live (the user's
    own model is never replaced by a fast one)."""
    if not fast:
        path = config.default_model_path()
        if path.is_file():
            return path
    path = LIVE / ("reference_cnn_fast.keras" if fast else "reference_cnn.keras")
    if not path.is_file():
        log(f"live panels: training the reference CNN for them ({path.name})")
        command = [sys.executable, "-m", "mnist_course", "train", "--out", str(path)]
        subprocess.run([*command, *(["--fast"] if fast else [])], check=True)
    return path


def export_live_model(fast: bool) -> Path:
    """Write _static/mnist-live-model.js (``mnist_course.live``) when the model or the
    exporter changed; return the folder to serve under _static/."""
    model = live_model_source(fast)
    folder = LIVE / ("static-fast" if fast else "static")
    target = folder / LIVE_SCRIPT
    digest = hashlib.sha256(model.read_bytes())
    # the exporter, and the robustness panel's noise pattern it writes
    for module in ("live.py", "widgets/robustness.py"):
        digest.update((PACKAGE / module).read_bytes())
    # beside the served folder, not in it: which model, from which bytes
    stamp = folder.with_suffix(".json")
    made = {"model": str(model), "digest": digest.hexdigest()}
    if not (
        target.exists() and stamp.exists() and json.loads(stamp.read_text()) == made
    ):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "mnist_course.live", "--model", str(model)]
            + ["--out", str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stamp.write_text(json.dumps(made))
        size = target.stat().st_size / 1024
        log(f"live panels: {model.name} exported ({size:,.0f} KB)")
    # A served copy from the last build (in the other mode) would be replaced with a
    # line in the log saying it "will overwrite data": remove it first.
    served = HTML / "_static" / LIVE_SCRIPT
    if served.exists() and served.read_bytes() != target.read_bytes():
        served.unlink()
    return folder
