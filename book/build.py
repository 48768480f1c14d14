"""Build the course's book: ``.venv/bin/python book/build.py`` (what ``make book``
runs).

1. Writes each chapter page ``book/NN_name.ipynb`` from ``solutions/NN_name.md``:
   the solution code is folded behind a "Show solution" button, and a box at the top
   links the exercise notebook ``chapters/NN_name.ipynb`` (copied into the HTML, so
   the link works offline). A page is rewritten only when its content changes, so the
   execution cache and Sphinx's incremental build see an unchanged chapter as unchanged.
   A hidden last cell stamps the page with a hash of what the chapter runs besides its
   own cells: the files of ``mnist_course`` its imports reach, and requirements.txt
   (see :func:`builder.dependencies.chapter_dependencies`). jupyter-cache keys a
   notebook on its code cells, so a chapter runs again when one of *its* modules
   changes, and only then.
   Not in the stamp: the environment (``MNIST_COURSE_FAST`` picks a separate cache, see
   3; other variables such as ``MNIST_COURSE_CACHE`` are not covered), the MNIST files
   (fixed by the MD5 sums in ``mnist_course/data.py``, which every chapter imports),
   files outside the package that a chapter reads or runs, the Python version and the
   machine. After changing one of those, delete ``book/_build/.jupyter_cache`` (or its
   ``full`` or ``fast`` folder): the next build executes every chapter whose outputs
   are not in the cache, even though its page is unchanged (see
   :func:`builder.run.run_uncached`).
2. Fetches the JavaScript that renders math and widget snapshots offline (require.js,
   the ipywidgets embedder ``@jupyter-widgets/html-manager``, MathJax) with
   ``npm pack`` at the versions pinned in ``builder/assets.py``, into
   ``book/_build/.assets``. Without npm the pages load them from public CDNs instead,
   and the build says so.
   Writes the network the live panels run in the reader's browser
   (``_static/mnist-live-model.js``, from :mod:`mnist_course.live`; the panels are
   ``book/_assets/live.js``): the model ``predict`` uses, else a reference CNN trained
   for the book into ``book/_build/.live`` (always so in fast mode). Re-exported only
   when the model file or the exporter changes.
3. Runs ``jupyter-book build`` with ``-W -n --keep-going``: every notebook is executed
   (in full mode unless ``MNIST_COURSE_FAST=1``), its outputs are kept in a
   jupyter-cache (``book/_build/.jupyter_cache/full`` or ``.../fast``), and any
   execution error or Sphinx warning fails the build. The log shows Sphinx's and the
   kernels' messages but two kinds of noise: the parsers' configuration dumps and the
   kernels' warning about unencrypted TCP (see :data:`CONFIG_DUMP` and
   :data:`KERNEL_CONFIG` in ``builder/run.py``).
4. Prints how long each notebook took to execute, their total, the slowest chapter's
   share of it (also in ``book/_build/last_build.json``, with the chapters this build
   executed) and where ``index.html`` is.

Options: ``--fast`` (same as ``MNIST_COURSE_FAST=1``), ``--cdn`` (skip npm, use the
CDNs).

The work is done by the package ``book/builder/``, one job a module (its docstring
lists them); this script is its command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The builder package sits next to this script: importable when the script runs, and
# when the tests load it by its path (tests/conftest.py).
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from builder import pages as _pages  # noqa: E402
from builder import run as _run  # noqa: E402
from builder.assets import _extract, _npm_pack  # noqa: E402
from builder.dependencies import (  # noqa: E402
    chapter_dependencies,
    chapter_fingerprint,
    package_files,
)
from builder.pages import CHAPTER_NAME, chapter_page, pages  # noqa: E402
from builder.paths import (  # noqa: E402
    BOOK,
    BUILD,
    JUPYTER_CACHE,
    LIVE,
    PACKAGE,
    REQUIREMENTS,
)
from builder.run import FAST_BANNER, build, execution_summary, execution_times  # noqa: E402

from mnist_course import config  # noqa: E402
from mnist_course.authoring import (  # noqa: E402
    BEGIN,
    CHAPTER_GLOB,
    END,
    SOURCE_GLOB,
    cell_source,
)

# What the tests use of the builder, under one name (tests/conftest.py loads this
# script as a module).
__all__ = [
    "BEGIN",
    "BOOK",
    "BUILD",
    "CHAPTER_GLOB",
    "CHAPTER_NAME",
    "END",
    "FAST_BANNER",
    "JUPYTER_CACHE",
    "LIVE",
    "PACKAGE",
    "REQUIREMENTS",
    "SOURCE_GLOB",
    "_extract",
    "_npm_pack",
    "build",
    "cell_source",
    "chapter_dependencies",
    "chapter_fingerprint",
    "chapter_page",
    "execution_summary",
    "execution_times",
    "ipython_dir",
    "main",
    "package_files",
    "pages",
    "prepare_chapters",
]


# These two read BOOK, REQUIREMENTS and BUILD from this module at each call, so a test
# that sets them here (monkeypatch.setattr(build, "BOOK", ...)) moves what they write.
def prepare_chapters() -> list[str]:
    """:func:`builder.pages.prepare_chapters` into BOOK, stamped with REQUIREMENTS."""
    return _pages.prepare_chapters(BOOK, REQUIREMENTS)


def ipython_dir() -> Path:
    """:func:`builder.run.ipython_dir` in BUILD."""
    return _run.ipython_dir(BUILD)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fast",
        action="store_true",
        help="build in fast mode (like MNIST_COURSE_FAST=1)",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="load MathJax and the widget embedder from CDNs",
    )
    args = parser.parse_args(argv)
    fast = args.fast or config.fast_mode()
    return build(fast=fast, use_cdn=args.cdn)


if __name__ == "__main__":
    sys.exit(main())
