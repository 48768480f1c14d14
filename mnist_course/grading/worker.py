"""The grading worker: a supervisor that forks one confined child per exercise.

The grader starts ``python -I`` running :func:`serve` (isolated mode: neither the
current directory nor ``PYTHON*`` variables touch ``sys.path``), in a temporary
directory of its own. The supervisor imports NumPy (and Keras or SciPy when a job's
code does) once; then for each job it forks a child that

1. starts its own session (so the supervisor can kill its whole process group),
   moves into a fresh temporary directory, sends stdout/stderr to a file there;
2. confines itself (:mod:`.sandbox`: memory, CPU, file size, Landlock);
3. runs the exercise's program (imports, helpers, constants, the function), calls the
   function on every input and writes one JSON line per event to a pipe:
   what each call returned (as :mod:`.wire` data) or raised.

The supervisor forwards those lines to the grader unread, with how the child ended
(exit code, signal, timeout). The child never reports a verdict: the grader computes
it from the returned values. Messages between grader and supervisor are
length-prefixed JSON on the supervisor's stdin/stdout, which the child cannot reach,
of at most :data:`MAX_MESSAGE` bytes: a larger reply is replaced by a short
``too_large`` one, and the grader refuses a larger header before reading its body.

The workers that need Keras are not started this way but forked by a :func:`zygote`:
a process that imported Keras once (seconds of CPU that every heavy worker would
otherwise spend again) and then forks a worker for each request on its socket.

A job of kind ``models`` runs no learner code: a fresh confined child loads the
``.keras`` files a NumPy exercise returned (:func:`.wire.model_facts`) and reports each
one's size, so that the grader never builds a model nobody has built within limits.
(The Keras exercises' models are built by the judge, within its own limits.)

A case model that a function of the exercises made travels as that call (a recipe);
the child makes it again before it runs any learner code's call.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time

# Libraries whose modules the supervisor imports once, before forking, when a job's code
# imports them (importing them in every child would cost seconds per exercise).
PRELOADABLE = (
    "numpy",
    "keras",
    "tensorflow",
    "scipy",
    "matplotlib",
    "PIL",
    "ipywidgets",
    "mnist_course",
    "sklearn",
    "pandas",
)
MAX_MESSAGE = 64 << 20  # bytes of one message between grader and supervisor
MAX_STREAM = 32 << 20  # bytes of child output forwarded at most (JSON may grow it)
_TRIED: set[str] = set()  # modules this supervisor has already imported (or tried to)


def send(stream, message: dict) -> None:
    data = json.dumps(message).encode("utf-8")
    if len(data) > MAX_MESSAGE:  # say so in a few bytes rather than send it
        data = json.dumps(
            {"status": "too_large", "bytes": len(data), "id": message.get("id")}
        ).encode()
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def receive(stream) -> dict | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    return json.loads(stream.read(size).decode("utf-8"))


# ------------------------------------------------------------------ the child


def _child(job: dict, out_fd: int, workdir: str) -> None:
    """Runs in the forked child. Never returns."""
    code = 70
    try:
        os.setsid()
        os.chdir(workdir)
        os.environ.update({"TMPDIR": workdir, "HOME": workdir, "MPLCONFIGDIR": workdir})
        log = os.open(
            os.path.join(workdir, "output.txt"),
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
            0o600,
        )
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(out_fd, 3)
        os.closerange(4, 1 << 16)
        sys.dont_write_bytecode = True
        tempfile.tempdir = workdir
        from .sandbox import confine

        confine(workdir, memory=int(job["memory"]), cpu_seconds=int(job["timeout"]) + 1)
        out = os.fdopen(3, "w", encoding="utf-8", buffering=1)
        (_inspect_models if job.get("kind") == "models" else _run)(job, out, workdir)
        out.flush()
        code = 0
    finally:
        os._exit(code)


def _run(job: dict, out, workdir: str) -> None:
    import builtins
    import linecache

    from ..exercises._core import call_function
    from .wire import build_case_model as build_case_model_once
    from .wire import decode, encode, load_model

    models: dict[str, object] = {}

    def load_case_model(data: str) -> object:
        """Cases that share a model share it here too, as they do in ``check()`` (and it
        loads once)."""
        if data not in models:
            models[data] = load_model(data)
        return models[data]

    def build_case_model(recipe: str) -> object:
        if recipe not in models:
            models[recipe] = build_case_model_once(recipe)
        return models[recipe]

    def emit(**event):
        out.write(json.dumps(event) + "\n")

    namespace: dict = {"__name__": "__exercise__", "__builtins__": builtins}
    for where, code in job["statements"]:
        filename = f"<{where}>"
        linecache.cache[filename] = (
            len(code),
            None,
            code.splitlines(True),
            filename,
        )  # for error lines
        try:
            exec(compile(code, filename, "exec"), namespace)
        except BaseException as exc:  # noqa: BLE001 - reported to the grader as data
            emit(
                event="statement_error",
                where=where,
                error=type(exc).__name__,
                message=str(exc)[:500],
            )
    # The other exercises' names are bound to the reference solutions, so a mistake in
    # one exercise never fails another that happens to call it.
    module = importlib.import_module(job["module"])
    for exercise in module.chapter:
        if exercise.function_name != job["function"]:
            namespace[exercise.function_name] = exercise.reference
    function = namespace.get(job["function"])
    if not callable(function):
        emit(
            event="missing",
            type=type(function).__name__ if job["function"] in namespace else None,
        )
        return
    for index, args in enumerate(job["calls"]):
        emit(event="start", index=index)
        outcome = call_function(
            function, decode(args, load_case_model, build_case_model)
        )
        record = outcome.as_data()
        record["value"] = encode(outcome.value, workdir)
        emit(event="outcome", index=index, **record)
    emit(event="done")


def _inspect_models(job: dict, out, workdir: str) -> None:
    """Load each returned model, in order, until one cannot be built: the exercise
    fails on that one, and a model that overflows memory costs time (TensorFlow's
    allocator waits about 10 s for memory before it gives up), so the others are
    reported unchecked rather than tried."""
    from .wire import model_facts

    failed = False
    for index, data in enumerate(job["models"]):
        if failed:
            facts = {"error": "not checked: an earlier returned model failed"}
        elif isinstance(data, str):
            facts = model_facts(data, workdir)
        else:
            facts = {"error": "not a model"}
        failed = failed or "error" in facts
        out.write(json.dumps({"event": "model", "index": index, **facts}) + "\n")


# ------------------------------------------------------------- the supervisor


def _children_of(pid: int) -> list[int]:
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _kill_everything(child: int) -> None:
    """Kill the child's process group and every descendant that was orphaned to us."""
    for _ in range(50):
        with contextlib.suppress(OSError):
            os.killpg(child, signal.SIGKILL)
        orphans = [pid for pid in _children_of(os.getpid())]
        for pid in orphans:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        while True:  # reap whatever has ended
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                break
        if not orphans and not _children_of(os.getpid()):
            return
        time.sleep(0.01)


def _run_job(job: dict) -> dict:
    for name in job.get("preload", []):
        if (
            isinstance(name, str)
            and name.split(".")[0] in PRELOADABLE
            and name not in _TRIED
        ):
            _TRIED.add(name)
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if (
                    exc.name != name
                ):  # "from a import b" where b is not a module is expected
                    print(
                        f"grading worker: preloading {name} failed: {exc!r}",
                        file=sys.stderr,
                    )
            except Exception as exc:  # the child will report it, if it matters
                print(
                    f"grading worker: preloading {name} failed: {exc!r}",
                    file=sys.stderr,
                )
    # Inside the supervisor's own folder (its working directory), which the grader
    # removes when it stops this worker: a worker killed mid-job leaves nothing behind.
    workdir = tempfile.mkdtemp(prefix="mnist_course_exercise_", dir=os.getcwd())
    read_end, write_end = os.pipe()
    # The garbage collector would touch (and so copy) every object the child inherits:
    # leave what exists now to reference counting alone, as long as the child lives.
    gc.freeze()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(job, write_end, workdir)
    gc.unfreeze()  # the child keeps its own copy frozen
    os.close(write_end)
    deadline = started + float(job["timeout"])
    chunks, size, status, exit_code, signal_number = [], 0, None, None, None
    eof = reaped = False

    def read_available(wait: float) -> None:
        nonlocal eof, size, status
        while not eof and not status:
            ready, _, _ = select.select([read_end], [], [], wait)
            if not ready:
                return
            chunk = os.read(read_end, 1 << 16)
            if not chunk:  # every writer closed the pipe
                eof = True
                return
            size += len(chunk)
            if size > MAX_STREAM:
                status = "too_much_output"
                return
            chunks.append(chunk)
            wait = 0

    try:
        while not status:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                status = "timeout"
                break
            read_available(min(remaining, 0.05) if not eof else 0)
            try:
                done, wait_status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, wait_status = pid, 0
            if done == pid:
                reaped = True
                exit_code, signal_number = _decode_status(wait_status)
                read_available(
                    0
                )  # what it wrote before exiting; a descendant may still hold the pipe
                break
            if eof:
                time.sleep(0.005)
        if not reaped:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            try:
                _, wait_status = os.waitpid(pid, 0)
                exit_code, signal_number = _decode_status(wait_status)
            except ChildProcessError:
                pass
    finally:
        _kill_everything(pid)
        os.close(read_end)
        output = _tail(os.path.join(workdir, "output.txt"))
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "status": status or "ended",
        "exit_code": exit_code,
        "signal": signal_number,
        "seconds": time.monotonic() - started,
        "stream": b"".join(chunks).decode("utf-8", "replace"),
        "printed": output,
    }


def _decode_status(wait_status: int) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(wait_status):
        return None, os.WTERMSIG(wait_status)
    if os.WIFEXITED(wait_status):
        return os.WEXITSTATUS(wait_status), None
    return None, None


def _tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - limit))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""


def serve() -> None:
    """The supervisor's loop: one job in, one reply out, until stdin closes."""
    from .sandbox import become_subreaper

    become_subreaper()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the protocol stream.
    sys.stdout = sys.stderr
    import numpy  # noqa: F401  (every exercise uses it: import once, before forking)

    from ..exercises import _core  # noqa: F401

    send(stdout, {"ready": True})
    while True:
        job = receive(stdin)
        if job is None:
            return
        reply = _run_job(job)
        reply["id"] = job.get("id")
        send(stdout, reply)


def zygote() -> None:
    """Import Keras once, then fork a worker (:func:`serve`) for each request, until the
    socket closes.

    The socket is the file descriptor ``sys.argv[2]``. A request ``S<folder>`` comes
    with two file descriptors, the new worker's job stream and reply stream; the reply
    is the worker's pid. ``J<folder>`` starts the grader's judge (:mod:`.judge`) the
    same way. ``K<pid>`` kills that worker's process group and reaps it
    (its pid cannot be reused before then); the reply is ``ok``.
    """
    from .sandbox import become_subreaper

    become_subreaper()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=int(sys.argv[2]))
    import numpy  # noqa: F401

    for name in ("tensorflow", "keras"):
        _TRIED.add(name)
        importlib.import_module(name)
    from ..exercises import _core  # noqa: F401

    workers: set[int] = set()
    control.send(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 2)
        except OSError:
            break
        if not message:
            break
        if message[:1] in (b"S", b"J") and len(fds) == 2:
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                try:
                    os.setsid()
                    control.detach()
                    os.dup2(fds[0], 0)
                    os.dup2(fds[1], 1)
                    os.closerange(3, 1 << 16)
                    os.chdir(message[1:].decode())
                    if message[:1] == b"J":
                        from .judge import serve as judge

                        judge()
                    else:
                        serve()
                finally:
                    os._exit(0)
            gc.unfreeze()
            workers.add(pid)
            reply = str(pid).encode()
        elif (
            message[:1] == b"K"
            and message[1:].isdigit()
            and int(message[1:]) in workers
        ):
            pid = int(message[1:])
            workers.discard(pid)
            _end(pid)
            reply = b"ok"
        else:
            reply = b"?"
        for fd in fds:
            os.close(fd)
        control.send(reply)
    for pid in workers:
        _end(pid)


def _end(pid: int) -> None:
    """Kill a worker's process group and reap it, and whatever else has ended."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return
