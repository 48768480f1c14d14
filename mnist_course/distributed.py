"""The reference recipe on several devices and several machines, with ``tf.distribute``.

- :func:`split_cpu` makes the one CPU look like several devices, so that
  ``MirroredStrategy`` has replicas to mirror on a laptop (it must run before
  TensorFlow starts its runtime: first thing in a program or notebook).
- :func:`train_worker`: one worker of a ``MultiWorkerMirroredStrategy`` cluster. Keras
  3's ``fit`` does not run under that strategy (keras-team/keras#20585), so it trains
  with chapter 4's custom loop: ``strategy.run`` on each worker's shard,
  ``tf.nn.compute_average_loss`` over the global batch, gradients summed across
  workers by the optimizer.
- :func:`launch`: starts ``workers`` such processes on 127.0.0.1 (``python -m
  mnist_course train --workers 2``), watches them, and stops them all when one fails,
  when time runs out, or when the launcher itself is stopped.

TensorFlow's gRPC server listens on every network interface, whatever address
``TF_CONFIG`` names: a cluster's ports must not be reachable from an untrusted network.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass

from . import config
from .errors import MnistCourseError, UsageError

RESULT_PREFIX = "RESULT "  # the chief's last line: RESULT {json}
WORKER_TIMEOUT = 900.0  # seconds the launcher waits for a whole run (fast mode: 1/5)
_PR_SET_PDEATHSIG = 1  # prctl(2): a signal the kernel sends when the parent dies


class WorkerError(MnistCourseError):
    """A worker of a multi-worker run failed, or the run took too long."""


# ------------------------------------------------------------------ one machine


def split_cpu(devices: int = 2) -> list[str]:
    """Make TensorFlow see ``devices`` logical CPU devices and return their names.

    They share the same cores: this shows how ``MirroredStrategy`` splits the work, it
    does not make a laptop faster. Call it before anything runs on TensorFlow.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration()] * devices
    current = tf.config.get_logical_device_configuration(cpu)
    if current is None or len(current) != devices:
        try:
            tf.config.set_logical_device_configuration(cpu, wanted)
        except RuntimeError as error:
            raise UsageError(
                "TensorFlow has already started: call split_cpu() first, before"
                " anything runs on TensorFlow (restart the kernel, then run it in"
                " the first cell)."
            ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


@dataclass
class Run:
    """What a training run gave: test accuracy, seconds of training, and its layout."""

    accuracy: float
    seconds: float
    replicas: int
    global_batch: int
    steps: int


def _data(fast: bool):
    from .data import load_mnist
    from .training import fast_subset, prepare_images

    (x_train, y_train), (x_test, y_test) = load_mnist()
    if fast:
        x_train, y_train = fast_subset(x_train, y_train)
    return prepare_images(x_train), y_train, prepare_images(x_test), y_test


def _plain_copy(model):
    """The model outside its strategy, with the same weights: under the strategy,
    ``predict`` splits each batch between the replicas and gathers their answers;
    outside, it is chapter 4's model again (and saves as one)."""
    from .models import reference_cnn

    plain = reference_cnn()
    plain.set_weights(model.get_weights())
    return plain


# ------------------------------------------------------------- many machines


def tf_config(cluster: list[str], index: int) -> dict:
    """The ``TF_CONFIG`` of worker ``index`` in ``cluster`` (its host:port list), as
    a dict: ``json.dumps`` it into the variable."""
    if not 0 <= index < len(cluster):
        raise UsageError(
            f"--index {index}: the cluster has {len(cluster)} workers, numbered 0 to"
            f" {len(cluster) - 1}."
        )
    return {"cluster": {"worker": cluster}, "task": {"type": "worker", "index": index}}


def train_worker(
    *,
    epochs: int = config.DEFAULT_EPOCHS,
    seed: int = 0,
    fast: bool | None = None,
    out: str | os.PathLike | None = None,
) -> Run:
    """Train as one worker of the cluster ``TF_CONFIG`` describes (set it first).

    Every worker runs this same function. Each reads its own shard of the training
    images (every ``num_workers``-th example of one shuffled order: the same seed on
    every worker, so the shards never overlap), computes its replica's gradients, and
    the optimizer adds them up across workers before every update, so all workers keep
    identical weights. Worker 0, the chief, evaluates on the test set and saves
    ``out``; every worker returns the :class:`Run`.
    """
    import keras
    import tensorflow as tf

    from .models import reference_cnn
    from .training import (
        BATCH_SIZE,
        LABEL_SMOOTHING,
        PEAK_LR,
        OneCycle,
        measure_accuracy,
        save_model,
    )

    fast = config.fast_mode() if fast is None else fast
    tf.config.threading.set_inter_op_parallelism_threads(1)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    x_train, y_train, x_test, y_test = _data(fast)
    global_batch = BATCH_SIZE
    steps_per_epoch = len(x_train) // global_batch
    images, digits = tf.constant(x_train), tf.constant(y_train, dtype="int32")

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        batch = context.get_per_replica_batch_size(global_batch)
        order = tf.data.Dataset.range(len(x_train)).shuffle(
            len(x_train), seed=seed, reshuffle_each_iteration=True
        )
        order = order.shard(context.num_input_pipelines, context.input_pipeline_id)
        return (
            order.repeat()
            .batch(batch, drop_remainder=True)
            .map(lambda i: (tf.gather(images, i), tf.one_hot(tf.gather(digits, i), 10)))
            .prefetch(1)
        )

    keras.utils.set_random_seed(seed)
    with strategy.scope():
        model = reference_cnn()
        optimizer = keras.optimizers.Adam(OneCycle(PEAK_LR, steps_per_epoch * epochs))
    loss_fn = keras.losses.CategoricalCrossentropy(
        label_smoothing=LABEL_SMOOTHING, reduction="none"
    )
    batches = iter(strategy.distribute_datasets_from_function(dataset_fn))

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            per_example = loss_fn(y, model(x, training=True))
            # divide by the GLOBAL batch: the sum over replicas is then the mean
            loss = tf.nn.compute_average_loss(
                per_example, global_batch_size=global_batch
            )
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(
            zip(gradients, model.trainable_variables, strict=True)
        )
        return loss

    @tf.function
    def train_step(iterator):
        losses = strategy.run(replica_step, args=next(iterator))
        return strategy.reduce("SUM", losses, axis=None)

    start = time.perf_counter()
    try:
        for epoch in range(epochs):
            total = 0.0
            for _ in range(steps_per_epoch):
                total += float(train_step(batches))
            print(
                f"epoch {epoch + 1}/{epochs}: loss {total / steps_per_epoch:.4f}",
                flush=True,
            )
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError) as error:
        raise WorkerError(_lost_peer(error, task["index"])) from None
    seconds = time.perf_counter() - start
    plain = _plain_copy(model)
    run = Run(
        measure_accuracy(plain, x_test, y_test),
        seconds,
        strategy.num_replicas_in_sync,
        global_batch,
        steps_per_epoch * epochs,
    )
    if task["index"] == 0 and out:
        save_model(plain, out)
    return run


def _lost_peer(error: Exception, me: int) -> str:
    """One line for a collective that failed because a peer went away."""
    peers = sorted(
        {int(t) for t in re.findall(r"/job:worker/replica:\d+/task:(\d+)", str(error))}
        - {me}
    )
    who = (
        " and ".join(f"worker {peer}" for peer in peers) if peers else "another worker"
    )
    return (
        f"lost contact with {who}: it stopped, froze, or the network between us"
        " failed (TensorFlow: "
        + (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(":.")
        + ")."
    )


# ----------------------------------------------------------------- the launcher


def free_ports(count: int) -> list[int]:
    """``count`` TCP ports free on 127.0.0.1 right now."""
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            for _ in range(count)
        ]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def _die_with_parent() -> None:
    """In a worker, before exec: the kernel kills it when the launcher dies, however
    the launcher dies (even SIGKILL, which no handler sees)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_ECHO = threading.Lock()  # the readers of every worker write stdout one line at a time


class _Worker:
    """One worker process, its output echoed with a ``[worker i]`` prefix."""

    def __init__(self, index: int, command: list[str], env: dict[str, str]):
        self.index = index
        self.lines: deque[str] = deque(maxlen=50)
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            preexec_fn=_die_with_parent,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.rstrip()
            if not line:
                continue
            self.lines.append(line)
            if not line.startswith(RESULT_PREFIX):
                with _ECHO:  # one whole line at a time: the workers' never interleave
                    sys.stdout.write(f"[worker {self.index}] {line}\n")
                    sys.stdout.flush()

    def last_line(self) -> str:
        for line in reversed(self.lines):
            if not line.startswith(RESULT_PREFIX):
                return line
        return "(no output)"

    def result(self) -> dict | None:
        for line in reversed(self.lines):
            if line.startswith(RESULT_PREFIX):
                return json.loads(line[len(RESULT_PREFIX) :])
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.reader.join(timeout=5)


def launch(
    workers: int = 2,
    *,
    epochs: int = config.DEFAULT_EPOCHS,
    seed: int = 0,
    fast: bool | None = None,
    out: str | os.PathLike | None = None,
    timeout: float | None = None,
    poll: float = 0.2,
) -> Run:
    """Train on ``workers`` processes on this machine, as a cluster of that many
    machines would: free ports on 127.0.0.1, one ``TF_CONFIG`` each, the same
    command (``python -m mnist_course train --cluster ... --index i``).

    If a worker fails, the others are stopped at once (a peer that never comes back
    would leave them waiting for it forever) and :class:`WorkerError` names the
    worker and its last line; the same after ``timeout`` seconds. Returns the chief's
    :class:`Run`.
    """
    fast = config.fast_mode() if fast is None else fast
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}.")
    timeout = timeout or (WORKER_TIMEOUT / 5 if fast else WORKER_TIMEOUT)
    cluster = [f"127.0.0.1:{port}" for port in free_ports(workers)]
    env = dict(os.environ)
    env.pop("TF_CONFIG", None)
    env[config.FAST_ENV] = "1" if fast else ""
    started: list[_Worker] = []
    previous = signal.getsignal(signal.SIGTERM)
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        for index in range(workers):
            command = [sys.executable, "-m", "mnist_course", "train"]
            command += ["--cluster", ",".join(cluster), "--index", str(index)]
            command += ["--epochs", str(epochs), "--seed", str(seed)]
            if out and index == 0:
                command += ["--out", str(out)]
            started.append(_Worker(index, command, env))
        deadline = time.monotonic() + timeout
        while True:
            codes = [worker.process.poll() for worker in started]
            failed = [w for w, code in zip(started, codes, strict=True) if code]
            if failed:
                # the one killed by a signal, if any: the others failed because of it
                worker = min(failed, key=lambda w: w.process.returncode > 0)
                worker.reader.join(timeout=5)
                others = "; ".join(
                    f"worker {w.index}: {w.last_line()}" for w in started if w != worker
                )
                raise WorkerError(
                    f"worker {worker.index} stopped with exit code"
                    f" {worker.process.returncode}; the other workers were stopped."
                    f" Its last line: {worker.last_line()} (the others' last lines:"
                    f" {others})"
                )
            if all(code == 0 for code in codes):
                for worker in started:
                    worker.reader.join(timeout=5)
                result = started[0].result()
                if result is None:
                    raise WorkerError(
                        "worker 0 finished without reporting its result. Its last"
                        f" line: {started[0].last_line()}"
                    )
                return Run(**result)
            if time.monotonic() > deadline:
                raise WorkerError(
                    f"the run took longer than {timeout:.0f} s; every worker was"
                    " stopped. Their last lines: "
                    + "; ".join(f"worker {w.index}: {w.last_line()}" for w in started)
                )
            time.sleep(poll)
    finally:
        for worker in started:
            worker.stop()
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def run_worker(
    cluster: list[str] | None,
    index: int | None,
    *,
    epochs: int,
    seed: int,
    fast: bool,
    out: str | os.PathLike | None,
) -> Run:
    """``train --cluster ... --index i`` (or with ``TF_CONFIG`` set): this process is
    one worker; its last line is ``RESULT {json}``."""
    if cluster is not None:
        os.environ["TF_CONFIG"] = json.dumps(tf_config(cluster, index or 0))
    elif "TF_CONFIG" not in os.environ:
        raise UsageError("give --cluster HOST:PORT,... and --index, or set TF_CONFIG.")
    run = train_worker(epochs=epochs, seed=seed, fast=fast, out=out)
    print(RESULT_PREFIX + json.dumps(run.__dict__), flush=True)
    return run


def loopback_only(command: list[str]) -> list[str] | None:
    """``command`` run in a network namespace of its own whose only interface is the
    loopback (``unshare --net``, as root on Linux), so that the gRPC ports of a local
    cluster cannot be reached from any network; ``None`` where that is not possible.
    """
    wrap = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    try:
        trial = subprocess.run(
            [*wrap, "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return [*wrap, *command] if trial.returncode == 0 else None


def parse_cluster(text: str) -> list[str]:
    """``host:port,host:port`` → the list, checked."""
    cluster = [part.strip() for part in text.split(",") if part.strip()]
    for address in cluster:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(
                f"each worker is HOST:PORT, got {address!r} (e.g."
                " 10.0.0.1:12345,10.0.0.2:12345)."
            )
    return cluster
