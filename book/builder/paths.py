"""Where the builder reads and writes, and how it talks: the folders of the course and
of ``book/_build``, :func:`log` for its lines and :data:`WARNINGS` for the ones it
repeats at the end."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
PACKAGE = ROOT / "mnist_course"
REQUIREMENTS = ROOT / "requirements.txt"
BUILD = BOOK / "_build"
HTML = BUILD / "html"
ASSETS = BUILD / ".assets"
JUPYTER_CACHE = BUILD / ".jupyter_cache"
LIVE = BUILD / ".live"  # the network the live panels run, and what it was made from

WARNINGS: list[str] = []  # repeated at the end of the build's output


def log(message: str = "") -> None:
    print(f"[book] {message}" if message else "", flush=True)
