"""The grader's side of a grading worker: supervisor processes, restarted when they die.

:class:`WorkerProcess` starts ``python -I`` running :func:`.worker.serve` in a temporary
folder, sends it jobs and reads its replies: length-prefixed JSON of at most
:data:`.worker.MAX_MESSAGE` bytes, each header checked before its body is read.

A :class:`Supervisor` (one per job the grader runs at a time) keeps two of them: one
for jobs that need Keras and one for the others, which never imports it, so that
forking a child for a NumPy exercise stays cheap (a process that has TensorFlow loaded
maps about 1 GB, which every fork copies the page tables of). The heavy workers are
forked by one :class:`Zygote` that the supervisors share, which imports Keras once for
all of them (about 3.5 s of CPU each time it is imported).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..errors import MnistCourseError
from .worker import MAX_MESSAGE, send

_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import os, sys\n"
    "os.nice(int(sys.argv[2]))\n"
    "try:\n    import mnist_course\n"
    "except ImportError:\n    sys.path.append(sys.argv[1])\n"
    "from mnist_course.grading.worker import serve\nserve()\n"
)
# The workers started as a new Python (the NumPy exercises) run at this niceness: when
# both kinds of exercise are graded, the Keras ones take longer and start later (after
# the zygote's import), so they get the CPU first.
LIGHT_NICENESS = 5
_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MPLBACKEND": "Agg",
    # TensorFlow's oneDNN allocator waits about 10 s for memory before it reports an
    # allocation that cannot succeed (a returned model that declares gigabytes); the
    # plain allocator fails at once. The exercises' models are small either way.
    "TF_ENABLE_ONEDNN_OPTS": "0",
}


def read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    """``size`` bytes from ``fd`` before ``deadline``, read into one buffer (linear
    time)."""
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


def _did_not_start() -> MnistCourseError:
    return MnistCourseError(
        "the grading worker did not start; run with MNIST_COURSE_GRADER_DEBUG=1"
        " to see why."
    )


def _stderr():
    return None if os.environ.get("MNIST_COURSE_GRADER_DEBUG") else subprocess.DEVNULL


class Zygote:
    """A process that imports Keras once and forks a worker for each :meth:`spawn` (see
    :func:`.worker.zygote`)."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.lock = threading.Lock()

    def warm_up(self) -> None:
        """Start the zygote now, if it is not running (its Keras import then overlaps
        other work instead of holding up the first heavy job)."""
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()

    def _request(self, message: bytes, fds: list[int] = ()) -> bytes:
        if self.process is None or self.process.poll() is not None:
            self._start()
        socket.send_fds(self.control, [message], list(fds))
        return self.control.recv(64)

    def _start(self) -> None:
        self.stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-c",
                    "from mnist_course.grading.worker import zygote\nzygote()\n",
                    _ROOT,
                    str(theirs.fileno()),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=_stderr(),
                pass_fds=(theirs.fileno(),),
                cwd=tempfile.gettempdir(),
                env=dict(os.environ, **_ENV),
                start_new_session=True,
            )
        self.control = ours
        ours.settimeout(120)
        try:
            ready = ours.recv(16)
        except OSError:
            ready = b""
        if ready != b"ready":
            self.stop()
            raise _did_not_start()

    def spawn(self, directory: str, judge: bool = False) -> _Forked:
        """A new worker (:func:`.worker.serve`) working in ``directory``; with
        ``judge``, the grader's judge instead (:func:`.judge.serve`)."""
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            with self.lock:
                reply = self._request(
                    (b"J" if judge else b"S") + directory.encode(),
                    [job_read, reply_write],
                )
        except OSError:
            reply = b""
        finally:
            os.close(job_read)
            os.close(reply_write)
        if not reply.isdigit():
            os.close(job_write)
            os.close(reply_read)
            self.stop()
            raise _did_not_start()
        return _Forked(self, int(reply), open(job_write, "wb"), open(reply_read, "rb"))

    def reap(self, pid: int) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                with contextlib.suppress(OSError):
                    self._request(b"K%d" % pid)

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()  # the zygote ends its workers and exits
            self.control = None
        if self.process is not None:
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None


class _Forked:
    """A worker the :class:`Zygote` forked, with the part of :class:`subprocess.Popen`
    that
    :class:`WorkerProcess` uses."""

    def __init__(self, zygote: Zygote, pid: int, stdin, stdout):
        self.zygote, self.pid, self.stdin, self.stdout = zygote, pid, stdin, stdout

    def poll(self) -> int | None:
        """None while it runs (it is the zygote's child: /proc says whether it has
        ended)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return (
                    None if stat.read().rsplit(")", 1)[1].split()[0] not in "ZX" else -1
                )
        except (OSError, IndexError):
            return -1

    def wait(self) -> None:
        self.zygote.reap(self.pid)


class WorkerProcess:
    """One worker process (see :mod:`.worker`), restarted whenever it dies; forked by
    ``zygote`` when one is given, else started as a new Python."""

    def __init__(self, zygote: Zygote | None = None, judge: bool = False):
        self.zygote, self.judge = zygote, judge
        self.process: subprocess.Popen | _Forked | None = None
        self.directory: tempfile.TemporaryDirectory | None = None

    def _start(self) -> None:
        self.directory = tempfile.TemporaryDirectory(prefix="mnist_course_grader_")
        if self.zygote is not None:
            self.process = self.zygote.spawn(self.directory.name, judge=self.judge)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, _ROOT, str(LIGHT_NICENESS)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=_stderr(),
                cwd=self.directory.name,
                env=dict(os.environ, **_ENV),
                start_new_session=True,
            )
        if self._receive(time.monotonic() + 120) is None:
            self.stop()
            raise _did_not_start()

    def _receive(self, deadline: float) -> dict | None:
        fd = self.process.stdout.fileno()
        header = read_exact(fd, 4, deadline)
        if header is None:
            return None
        (size,) = struct.unpack(">I", header)
        if (
            size > MAX_MESSAGE
        ):  # refused unread: the stream is out of step, so this worker goes
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

    def kill(self) -> None:
        """End the process, and nothing else: a thread waiting for its reply reads the
        end of its stream, and :meth:`stop` (once that thread is done) cleans up."""
        process = self.process
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            self.process = None
        if self.directory is not None:
            self.directory.cleanup()
            self.directory = None


HEAVY = (
    "keras",
    "tensorflow",
)  # what a job's preload names when it needs the heavy worker


class Supervisor:
    """Runs each job in one of two worker processes: ``heavy`` (Keras, forked by
    ``zygote``) or ``light``."""

    def __init__(self, zygote: Zygote | None = None):
        self.light, self.heavy = WorkerProcess(), WorkerProcess(zygote or Zygote())

    def run(self, job: dict) -> dict:
        heavy = any(str(name).split(".")[0] in HEAVY for name in job.get("preload", []))
        return (self.heavy if heavy else self.light).run(job)

    def kill(self) -> None:
        self.light.kill()
        self.heavy.kill()

    def stop(self) -> None:
        self.light.stop()
        self.heavy.stop()
