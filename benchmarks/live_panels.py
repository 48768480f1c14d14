"""How fast the book's live draw panel answers, in Chromium (target: the median update
while drawing fits in one 16 ms frame).

Serves the built book (``book/_build/html``; run ``make book`` first) on 127.0.0.1,
opens the front page in Debian's Chromium through Playwright and measures:

- the size of the exported network (``_static/mnist-live-model.js``);
- page load → first prediction: from the start of navigation to the end of the first
  ``mnistLive.predict`` (the script parsed, the weights decoded, one forward pass);
- one update while drawing: what each animation frame with new ink does (read the
  pad, preprocess as ``python -m mnist_course predict`` does, classify, redraw), timed
  by the panel itself while the mouse traces one test digit of each class.

Exits with status 1 when the median update is above the target.

    python benchmarks/live_panels.py
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

import numpy as np

from mnist_course.live import pen_strokes, test_examples

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
FRAME_MS = 16.0


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    from playwright.sync_api import sync_playwright

    model_file = HTML / "_static" / "mnist-live-model.js"
    if not model_file.is_file():
        sys.exit(f"{model_file} is missing: build the book first (make book).")
    server = serve(HTML)
    url = f"http://127.0.0.1:{server.server_port}/intro.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url, wait_until="load")
        first = page.evaluate(
            "() => window.mnistLive.ready.then(() => {"
            " window.mnistLive.predict(new Float32Array(784));"
            " return performance.now(); })"
        )
        page.locator("canvas.mnist-live-pad").scroll_into_view_if_needed()
        box = page.locator("canvas.mnist-live-pad").bounding_box()
        clear = page.get_by_role("button", name="Clear")
        for _, digit in test_examples():
            clear.click()
            for y, start, end in pen_strokes(digit, pad=box["width"]):
                page.mouse.move(box["x"] + start, box["y"] + y)
                page.mouse.down()
                page.mouse.move(box["x"] + end, box["y"] + y, steps=4)
                page.mouse.up()
        times = np.array(
            page.evaluate(
                "() => document.querySelector('.mnist-live[data-panel=\"draw\"]')"
                ".mnistLiveState.times"
            )
        )
        browser.close()
    server.shutdown()
    median = float(np.median(times))
    print(f"exported network: {model_file.stat().st_size / 1024:,.0f} KB")
    print(f"page load → first prediction: {first:.0f} ms")
    print(
        f"update while drawing: median {median:.1f} ms, 90th percentile"
        f" {np.percentile(times, 90):.1f} ms over {times.size} updates (a frame is"
        f" {FRAME_MS:.0f} ms)"
    )
    return 0 if median <= FRAME_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
