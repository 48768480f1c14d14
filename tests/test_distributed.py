"""Training on two worker processes (`train --workers 2`), and what the launcher does
when a worker fails, hangs or loses its launcher.

The workers run in a network namespace whose only interface is the loopback
(:func:`mnist_course.distributed.loopback_only`): TensorFlow's gRPC server listens on
every interface, and a test must not open ports to the network. Where no such namespace
can be made (not root, not Linux), these tests skip and say why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mnist_course import config, load_mnist
from mnist_course.cli import main
from mnist_course.distributed import loopback_only, parse_cluster, tf_config
from mnist_course.errors import UsageError
from mnist_course.training import measure_accuracy, prepare_images

from .conftest import copy_mnist

ISOLATED = loopback_only(["true"]) is not None
needs_loopback = pytest.mark.skipif(
    not ISOLATED,
    reason="cannot make a loopback-only network namespace here (`unshare --net` needs"
    " root on Linux); the workers' gRPC ports would be open on every interface",
)


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory, mnist_dir) -> Path:
    root = tmp_path_factory.mktemp("cluster")
    copy_mnist(mnist_dir, root)
    return root


def _start(cache_root: Path, *args: str) -> subprocess.Popen:
    """`python -m mnist_course train --workers 2 --fast ARGS`, loopback only."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env[config.CACHE_ENV] = str(cache_root)
    command = [sys.executable, "-m", "mnist_course", "train", "--workers", "2"]
    return subprocess.Popen(
        loopback_only([*command, "--fast", *args]),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class _Output:
    """The launcher's stdout, read in the background, and a way to wait for a line."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process) -> None:
        for line in process.stdout:
            with self.changed:
                self.lines.append(line.rstrip())
                self.changed.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> None:
        with self.changed:
            found = self.changed.wait_for(
                lambda: any(text in line for line in self.lines), timeout
            )
        assert found, f"no line with {text!r} in {timeout} s: {self.lines[-5:]}"


def _workers(launcher: int) -> dict[int, int]:
    """The launcher's worker processes: {index: pid}."""
    pids = []
    for task in Path(f"/proc/{launcher}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    found = {}
    for pid in pids:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"--index" in arguments:
            found[int(arguments[arguments.index(b"--index") + 1])] = pid
    return found


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _gone(pids, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


@needs_loopback
def test_two_workers_train_in_step_and_the_chief_saves_the_model(cache_root, tmp_path):
    import keras

    out = tmp_path / "two_workers.keras"
    launcher = _start(cache_root, "--epochs", "2", "--out", str(out))
    stdout, stderr = launcher.communicate(timeout=600)
    assert launcher.returncode == 0, stderr[-3000:]
    assert "trained on 2 workers (2 replicas, global batch 250, 48 steps)" in stdout
    losses = {
        index: [line.rsplit(" ", 1)[1] for line in stdout.splitlines()
                if line.startswith(f"[worker {index}] epoch")]
        for index in (0, 1)
    }  # fmt: skip
    assert len(losses[0]) == 2 and losses[0] == losses[1], losses
    accuracy = float(stdout.split("test_accuracy=")[1].split()[0])
    assert accuracy > 0.9, "two fast epochs on 6,000 images reach 90 % and more"
    model = keras.saving.load_model(out)  # the chief's: what it measured is saved
    _, (x_test, y_test) = load_mnist()
    saved = measure_accuracy(model, prepare_images(x_test), y_test)
    assert f"{saved:.4f}" == f"{accuracy:.4f}"


def _signal_worker_1(cache_root: Path, signum: int, *args: str):
    """Start a long run, send worker 1 ``signum`` once both train, and wait for the
    launcher: (launcher, {index: pid}, seconds from the signal to its end, stderr)."""
    launcher = _start(cache_root, "--epochs", "40", *args)
    output = _Output(launcher)
    try:
        output.wait_for("[worker 1] epoch 1/40")  # both are training
        workers = _workers(launcher.pid)
        assert sorted(workers) == [0, 1]
        sent = time.monotonic()
        os.kill(workers[1], signum)
        launcher.wait(timeout=120)
        noticed = time.monotonic() - sent
        stderr = launcher.stderr.read()
    finally:
        launcher.kill()
    return launcher, workers, noticed, stderr


@needs_loopback
def test_a_killed_worker_stops_the_run_naming_it_and_leaves_no_process(
    cache_root, tmp_path
):
    launcher, workers, noticed, stderr = _signal_worker_1(
        cache_root, signal.SIGKILL, "--out", str(tmp_path / "m.keras")
    )
    assert launcher.returncode == 1
    assert "worker 1 stopped with exit code -9" in stderr, stderr
    assert "the other workers were stopped" in stderr
    assert "the others' last lines: worker 0: " in stderr
    assert _gone(workers.values()), "a worker outlived the failed run"
    assert not (tmp_path / "m.keras").exists(), "nothing is saved from a failed run"
    print(f"the launcher stopped the run {noticed:.1f} s after the kill")


@needs_loopback
def test_a_frozen_worker_is_named_when_its_peer_misses_its_heartbeats(cache_root):
    # SIGSTOP: alive, but never answers again
    launcher, workers, noticed, stderr = _signal_worker_1(cache_root, signal.SIGSTOP)
    assert launcher.returncode == 1
    assert "worker 0 stopped with exit code 1" in stderr, stderr
    assert "lost contact with worker 1: it stopped, froze" in stderr
    assert "bug in mnist_course" not in stderr
    assert _gone(workers.values()), "the frozen worker is killed too"
    print(f"the launcher stopped the run {noticed:.1f} s after the freeze")


@needs_loopback
def test_workers_die_with_their_launcher_even_when_it_is_killed(cache_root, tmp_path):
    launcher = _start(cache_root, "--epochs", "40", "--out", str(tmp_path / "m.keras"))
    output = _Output(launcher)
    try:
        output.wait_for("[worker 0] epoch 1/40")
        workers = _workers(launcher.pid)
        assert len(workers) == 2
    finally:
        launcher.kill()  # SIGKILL: no handler of the launcher runs
        launcher.wait()
    assert _gone(workers.values()), "the kernel stops the workers of a dead launcher"


@needs_loopback
def test_a_run_that_outlasts_its_timeout_is_stopped(cache_root, tmp_path):
    launcher = _start(cache_root, "--epochs", "40", "--timeout", "3")
    output = _Output(launcher)
    stderr = launcher.stderr.read()
    launcher.wait(timeout=120)
    output.reader.join(timeout=5)
    assert launcher.returncode == 1
    assert "the run took longer than 3 s; every worker was stopped." in stderr, stderr
    assert "worker 0: " in stderr and "worker 1: " in stderr, "both last lines"


def test_tf_config_names_the_cluster_and_this_worker():
    assert tf_config(["10.0.0.1:2222", "10.0.0.2:2222"], 1) == {
        "cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]},
        "task": {"type": "worker", "index": 1},
    }
    with pytest.raises(UsageError, match="numbered 0 to 1"):
        tf_config(["a:1", "b:2"], 2)


@pytest.mark.parametrize(
    "text", ["foo", "10.0.0.1", "10.0.0.1:0", "10.0.0.1:99999", ":2222", "h:22a"]
)
def test_a_malformed_cluster_is_refused(text):
    with pytest.raises(UsageError, match="each worker is HOST:PORT"):
        parse_cluster(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cluster", "h:1,h:2"], "--cluster needs --index"),
        (["--cluster", "h:1,h:2", "--index", "2"], "numbered 0 to 1"),
        (["--workers", "2", "--recipe", "best"], "reference recipe only"),
        (["--workers", "0"], "must be from 1 to 16"),
        (["--workers", "2", "--timeout", "0"], "--timeout"),
        (["--cluster", "nohost"], "each worker is HOST:PORT"),
    ],
)
def test_wrong_usage_is_refused_before_any_work(args, message, capsys):
    try:
        code = main(["train", *args])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err
