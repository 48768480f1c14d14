"""A real front end: JupyterLab in headless Chromium runs a RobustnessExplorer and a
slider moves it.

This is what the Python-side tests cannot see: the widget renders in JupyterLab, its
slider talks to the kernel, and the probabilities the kernel sends back are drawn.
Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`); without
it the test is skipped, unless MNIST_COURSE_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).with_name("jupyter")

NOTEBOOK_CODE = """\
import keras
from mnist_course import load_mnist
from mnist_course.training import prepare_images
from mnist_course.widgets import RobustnessExplorer

(x_train, y_train), (x_test, y_test) = load_mnist()
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(8, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Flatten(),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(prepare_images(x_train[:2000]), y_train[:2000], epochs=1, verbose=0)
RobustnessExplorer(model, x_test[0], label=y_test[0])
"""

# JupyterLab 4 asks whether to fetch news on first start; the toast must not cover the
# page.
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(directory: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(NOTEBOOK_CODE)]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = directory / "robustness.ipynb"
    nbformat.write(notebook, path)
    return path


def isolated_jupyter_env(home: Path) -> dict[str, str]:
    """Environment for a JupyterLab that reads no user settings or workspaces."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    )
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        env[name] = str(home / name.lower())
    for relative, settings in QUIET_SETTINGS.items():
        path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return env


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


@pytest.fixture
def jupyterlab(tmp_path, mnist_dir, chromium):
    """A JupyterLab server on a free local port serving a notebook that builds the
    explorer."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    write_notebook(notebooks)
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            str(JUPYTER),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--allow-root",
            f"--ServerApp.token={token}",
            f"--notebook-dir={notebooks}",
        ],
        env=isolated_jupyter_env(tmp_path / "jupyter"),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{base}/api/status?token={token}", server, timeout=60)
        yield f"{base}/lab/tree/robustness.ipynb?token={token}", tmp_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.timeout(180)
def test_moving_the_rotation_slider_in_jupyterlab_changes_the_probabilities(
    jupyterlab, chromium
):
    from playwright.sync_api import expect

    url, tmp_path = jupyterlab
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

        bars = page.locator(".mnist-probabilities")
        expect(bars).to_be_visible(timeout=90_000)
        before = bars.inner_text()
        assert before.count("%") == 11, before  # the heading's and one per digit

        rotation = page.locator(
            ".widget-slider", has=page.locator("label", has_text="rotation")
        )
        handle = rotation.locator(".noUi-handle")
        handle.focus()
        for _ in range(9):  # 9 steps of 5°: 45°
            handle.press("ArrowRight")
        expect(rotation.locator(".widget-readout")).to_have_text(
            "45.00", timeout=10_000
        )
        expect(bars).not_to_have_text(before, timeout=30_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        raise
    finally:
        context.close()
