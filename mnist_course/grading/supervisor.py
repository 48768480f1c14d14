"""The grader's side of a grading worker: supervisor processes, restarted when they die.

:class:`WorkerProcess` starts ``python -I`` running :func:`.worker.serve` in a temporary
folder, sends it jobs and reads its replies: length-prefixed JSON of at most
:data:`.worker.MAX_MESSAGE` bytes, each header checked before its body is read.

A :class:`Supervisor` (one per job the grader runs at a time) keeps two of them: one
for jobs that need Keras (it imports TensorFlow once) and one for the others, which
never imports it, so that forking a child for a NumPy exercise stays cheap (a process
that has TensorFlow loaded maps about 1 GB, which every fork copies the page tables of).
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..errors import MnistCourseError
from .worker import MAX_MESSAGE, send

_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys\n"
    "try:\n    import mnist_course\n"
    "except ImportError:\n    sys.path.append(sys.argv[1])\n"
    "from mnist_course.grading.worker import serve\nserve()\n"
)


def read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    """``size`` bytes from ``fd`` before ``deadline``, read into one buffer (linear time)."""
    data = bytearray(size)
    view, filled = memoryview(data), 0
    while filled < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        count = os.readv(fd, [view[filled:]])
        if not count:
            return None
        filled += count
    return bytes(data)


class WorkerProcess:
    """One worker process (see :mod:`.worker`), restarted whenever it dies."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.directory: tempfile.TemporaryDirectory | None = None

    def _start(self) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="mnist_course_grader_")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
        debug = os.environ.get("MNIST_COURSE_GRADER_DEBUG")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, _ROOT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            cwd=self.directory.name, env=env, start_new_session=True,
        )
        if self._receive(time.monotonic() + 120) is None:
            self.stop()
            raise MnistCourseError("the grading worker did not start; run with MNIST_COURSE_GRADER_DEBUG=1 to see why.")

    def _receive(self, deadline: float) -> dict | None:
        fd = self.process.stdout.fileno()
        header = read_exact(fd, 4, deadline)
        if header is None:
            return None
        (size,) = struct.unpack(">I", header)
        if size > MAX_MESSAGE:  # refused unread: the stream is out of step, so this worker goes
            return {"status": "too_large", "bytes": size, "unread": True}
        body = read_exact(fd, size, deadline)
        try:
            return json.loads(body) if body is not None else None
        except json.JSONDecodeError:
            return None

    def run(self, job: dict) -> dict:
        if self.process is None or self.process.poll() is not None:
            self._start()
        try:
            send(self.process.stdin, job)
        except (BrokenPipeError, OSError):
            self.stop()
            return {"status": "worker_died"}
        # The supervisor enforces the time limit; this margin covers it hanging itself.
        reply = self._receive(time.monotonic() + float(job["timeout"]) + 60)
        if reply is None:
            self.stop()
            return {"status": "worker_died"}
        if reply.get("unread"):
            self.stop()
        return reply

    def stop(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.process = None
        if self.directory is not None:
            self.directory.cleanup()
            self.directory = None




HEAVY = ("keras", "tensorflow")  # what a job's preload names when it needs the heavy worker


class Supervisor:
    """Runs each job in one of two worker processes: ``heavy`` (Keras) or ``light``."""

    def __init__(self):
        self.light, self.heavy = WorkerProcess(), WorkerProcess()

    def run(self, job: dict) -> dict:
        heavy = any(str(name).split(".")[0] in HEAVY for name in job.get("preload", []))
        return (self.heavy if heavy else self.light).run(job)

    def stop(self) -> None:
        self.light.stop()
        self.heavy.stop()
