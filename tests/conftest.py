"""Shared fixtures: the real MNIST files, an isolated cache, and one fully trained
model."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_course import config, data

ROOT = Path(__file__).resolve().parents[1]


def load_build_script():
    """``book/build.py`` as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location(
        "book_build", ROOT / "book" / "build.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_book() -> subprocess.CompletedProcess:
    """Build the book as the tests do (``book/build.py --fast``); the test fails if the
    build does.

    Returns the finished process, its output captured.
    """
    env = {**os.environ, config.FAST_ENV: "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "book" / "build.py"), "--fast"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, (
        f"the book build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The user's verified MNIST cache (fetched on first use, as `make data` does)."""
    return data.fetch(log=print)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache directory that the package uses for this test only."""
    directory = tmp_path / "cache"
    monkeypatch.setenv(config.CACHE_ENV, str(directory))
    monkeypatch.delenv(config.FAST_ENV, raising=False)
    return directory


def copy_mnist(source: Path, cache_root: Path) -> Path:
    target = cache_root / "mnist"
    target.mkdir(parents=True, exist_ok=True)
    for f in data.FILES:
        shutil.copyfile(source / f.name, target / f.name)
    return target


@pytest.fixture
def cache_with_mnist(cache, mnist_dir) -> Path:
    """An isolated cache holding its own copy of the four verified files."""
    copy_mnist(mnist_dir, cache)
    return cache


def run_cli(
    *args: str, cache_root: Path, fast: bool = False, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run `python -m mnist_course ARGS` with its own cache; return the finished
    process."""
    env = {k: v for k, v in os.environ.items() if k != config.FAST_ENV}
    env[config.CACHE_ENV] = str(cache_root)
    if fast:
        env[config.FAST_ENV] = "1"
    return subprocess.run(
        [sys.executable, "-m", "mnist_course", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def trained(tmp_path_factory, mnist_dir):
    """`python -m mnist_course train` with its defaults, run once for the whole
    session."""
    root = tmp_path_factory.mktemp("trained")
    copy_mnist(mnist_dir, root)
    proc = run_cli("train", cache_root=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, proc


CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = (  # CI sets it: a missing browser fails, not skips
    "MNIST_COURSE_REQUIRE_BROWSER"
)
HOW_TO_INSTALL = (
    "Install Debian's Chromium with `apt-get update && apt-get install -y chromium` "
    "(the tests drive /usr/bin/chromium; never `playwright install`)."
)


def skip_without_browser(reason: str) -> None:
    """Skip a browser test and say why; in CI (MNIST_COURSE_REQUIRE_BROWSER=1) fail
    instead."""
    if os.environ.get(REQUIRE_BROWSER_ENV, "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }:
        pytest.fail(f"{REQUIRE_BROWSER_ENV}=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium, driven by Playwright, for every browser test of the
    session.

    Playwright's sync API runs one event loop at a time, so the book and the JupyterLab
    tests share this browser instead of starting their own.
    """
    if not CHROMIUM.exists():
        skip_without_browser(f"{CHROMIUM} is missing. {HOW_TO_INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_without_browser("the playwright package is missing: run `make setup`.")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox"]
    )
    yield browser
    browser.close()
    playwright.stop()


def pytest_ignore_collect(collection_path, config):
    """tests/grading grades the learner's notebooks: only when asked for by path."""
    grading = Path(__file__).parent / "grading"
    if Path(collection_path) == grading:
        asked = any(
            Path(str(arg).split("::")[0]).resolve().is_relative_to(grading)
            for arg in config.args
        )
        return None if asked else True
    return None


# The chapters' full solution notebooks, written from their text sources
# (solutions/*.md) as `make solutions` does: what tests grade, copy or run as a
# learner's notebook.
SOLVED = ROOT / "build" / "solutions"


def pytest_sessionstart(session):
    from mnist_course.authoring import write_solution_notebooks

    write_solution_notebooks(ROOT / "solutions", SOLVED)


def chapter_modules() -> list:
    """Every chapter's exercises module (``mnist_course.exercises.chNN``), found on
    disk: a new chapter's exercises are in every test that loops over the chapters."""
    import importlib

    from mnist_course.grading import graded_chapters

    return [
        importlib.import_module(f"mnist_course.exercises.ch{number}")
        for number in graded_chapters()
    ]
