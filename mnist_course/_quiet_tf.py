"""Keep TensorFlow's start-up chatter off stderr, wherever TensorFlow gets imported.

``import tensorflow`` (which ``import keras`` does) writes these lines to stderr:

    WARNING: All log messages before absl::InitializeLog() is called are written to
    STDERR I0000 00:00:1795528224.822118    3004 port.cc:153] oneDNN custom operations
    are on. ...

twice, once per shared library. TensorFlow 2.21 logs them from C++ while loading, before
it reads ``TF_CPP_MIN_LOG_LEVEL``, so that setting cannot reach them. The only switch
that does, ``TF_ENABLE_ONEDNN_OPTS=0``, turns oneDNN off and makes training the
reference CNN about 35 % slower. So ``mnist_course`` applies the log level itself:
``install()`` (run by ``import mnist_course``) sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless
you set it, and the first import of ``tensorflow`` afterwards, by anyone, runs with file
descriptor 2 sent to a temporary file; what TensorFlow wrote there is then passed on to
stderr, minus those lines while the level hides INFO messages (anything at 1 or more).
Set ``TF_CPP_MIN_LOG_LEVEL=0`` to see them.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import logging
import os
import re
import sys
import tempfile

LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
_STARTUP_LINE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written"
    rb" to STDERR"
    rb"|I\d{4} [\d:. ]+\d+ port\.cc:\d+\] oneDNN custom operations are on\..*)\r?\n?$"
)


def _hides_info() -> bool:
    try:
        return int(os.environ.get(LEVEL_ENV, "0")) >= 1
    except ValueError:
        return False


def filter_startup_lines(raw: bytes) -> bytes:
    """Drop TensorFlow's start-up INFO lines from captured stderr output; keep
    everything else.

    >>> filter_startup_lines(
    ...     b"WARNING: All log messages before absl::InitializeLog() is called are "
    ...     b"written to STDERR\\nsomething else\\n")
    b'something else\\n'
    """
    return b"".join(
        line for line in raw.splitlines(keepends=True) if not _STARTUP_LINE.match(line)
    )


@contextlib.contextmanager
def _stderr_filtered():
    """Send fd 2 to a temporary file for the duration; then write it back without the
    start-up lines."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (
        OSError,
        ValueError,
        AttributeError,
    ):  # no usable fd 2 (closed, or a GUI without console)
        yield
        return
    with tempfile.TemporaryFile() as capture:
        try:
            os.dup2(capture.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = filter_startup_lines(capture.read())
            if kept:
                os.write(2, kept)


class _QuietLoader(importlib.abc.Loader):
    """Wraps the loader of the ``tensorflow`` package: runs its ``exec_module`` with
    stderr filtered."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(
        self, name
    ):  # everything else (resources, get_code, ...) goes to the real loader
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        if not _hides_info():
            return self._loader.exec_module(module)
        with _stderr_filtered():
            self._loader.exec_module(module)
        # the same level for TensorFlow's Python logger, whose INFO lines (a
        # strategy's devices, every all-reduce, "Assets written to") go to stderr
        logger = logging.getLogger("tensorflow")
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the usual finders and wraps its loader; used once, then
    removed."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall()
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


_FINDER = _TensorFlowFinder()


def install() -> None:
    """Default ``TF_CPP_MIN_LOG_LEVEL`` to 2 and quiet the next import of TensorFlow, if
    still to come."""
    os.environ.setdefault(LEVEL_ENV, "2")
    if "tensorflow" not in sys.modules and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_FINDER)
