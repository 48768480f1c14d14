"""The grader's judge for the exercises that need Keras, in a process of its own.

Judging chapter 6's answers runs the reference on the case models (gradients,
occlusions) and loads the models an answer returned, so a grader that judged them
itself would import Keras: seconds of CPU that the :class:`.supervisor.Zygote`, which
has imported it already, need not spend twice. So the zygote forks, besides the
workers, one judge per grader (:func:`serve`). It is trusted code: it never runs
learner code, and builds the models an answer returned (Keras' safe mode) only within
limits (:func:`load_within_limits`). It answers two requests, length-prefixed JSON like
a worker's:

- ``{"op": "inputs", "module", "qid"}``: the exercise's cases, built once, as the
  labels and the wire form of the calls (a case model as its recipe);
- ``{"op": "judge", "module", "qid", "outcomes"}``: the verdict on what the learner's
  function returned (the worker's ``outcome`` events, None for a call never made).

The reply is ``{"passed", "message"}``, as :meth:`.Exercise.judge` gives it.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import threading
from pathlib import Path

from ..errors import MnistCourseError
from .wire import MODEL_LIMITS, MODEL_MEMORY, MODEL_SECONDS, returned_payloads
from .worker import receive, send

JUDGE_SECONDS = MODEL_SECONDS  # what one request may take (the models' loading too)


def _exercise(module: str, qid: str):
    if not module.startswith("mnist_course.exercises."):
        raise ValueError(f"not an exercises module: {module!r}")
    for exercise in importlib.import_module(module).chapter:
        if exercise.qid == qid:
            return exercise
    raise ValueError(f"no exercise {qid!r} in {module}")


def load_within_limits(data: str):
    """A returned ``.keras`` payload as a model (Keras' safe mode), allocating at most
    :data:`MODEL_MEMORY` more while it is built, and of at most ``MAX_MODEL_PARAMS``
    parameters; else :class:`.wire.Unreadable` with why.

    A ``config.json`` can declare gigabytes of weights: building them fails here,
    under the address-space limit, instead of taking the machine's memory (and a
    load that takes too long ends this process, which the grader then replaces)."""
    import resource

    from .sandbox import _virtual_memory
    from .wire import Unreadable, _load, vet_model

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _virtual_memory() + MODEL_MEMORY
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        model = _load(data)
        facts = {"params": int(model.count_params())}
    except Exception as exc:  # noqa: BLE001 - whatever the file makes Keras raise
        facts = {"error": f"{type(exc).__name__}: {str(exc)[:150]}"}
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    reason = vet_model(facts, MODEL_LIMITS)  # the reasons a vetting child gives
    return Unreadable("Keras model", f"({reason})") if reason else model


def serve() -> None:
    """The judge's loop: one request in, one reply out, until its input closes."""
    from .wire import encode, outcome

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the protocol stream
    cases: dict[str, list] = {}
    send(stdout, {"ready": True})
    while True:
        request = receive(stdin)
        if request is None:
            return
        try:
            exercise = _exercise(str(request["module"]), str(request["qid"]))
            if exercise.qid not in cases:
                cases[exercise.qid] = exercise.cases()
            if request["op"] == "inputs":
                with tempfile.TemporaryDirectory() as scratch:
                    saved: dict = {}
                    reply = {
                        "labels": [case.label for case in cases[exercise.qid]],
                        "calls": [
                            encode(case.args, Path(scratch), saved=saved, recipes=True)
                            for case in cases[exercise.qid]
                        ],
                    }
            else:
                result = exercise.judge(
                    cases[exercise.qid],
                    [outcome(e, load_within_limits) for e in request["outcomes"]],
                )
                reply = {"passed": bool(result.passed), "message": str(result.message)}
        except Exception as exc:  # a judge bug is this request's failure, not the end
            reply = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        send(stdout, reply)


class Judge:
    """The grader's end of the judge: started through ``zygote`` on first use,
    restarted if it dies; one request at a time."""

    def __init__(self, zygote):
        from .supervisor import WorkerProcess

        self._process = WorkerProcess(zygote, judge=True)
        self._lock = threading.Lock()

    def _ask(self, request: dict) -> dict:
        with self._lock:
            reply = self._process.run({**request, "timeout": JUDGE_SECONDS})
            if reply.get("status"):  # it died or hung: the next request gets a new one
                self._process.stop()
        return reply

    def _answer(self, request: dict) -> dict:
        reply = self._ask(request)
        if "error" in reply or reply.get("status"):
            raise MnistCourseError(
                "the grader's judge failed:"
                f" {reply.get('error') or reply.get('status')}"
            )
        return reply

    def inputs(self, module: str, qid: str) -> tuple[list[str], list]:
        """The labels of an exercise's cases and the calls to send to a worker."""
        reply = self._answer({"op": "inputs", "module": module, "qid": qid})
        return [str(label) for label in reply["labels"]], list(reply["calls"])

    def judge(self, module: str, qid: str, outcomes: list) -> tuple[bool, str]:
        """The verdict on the outcome events of one exercise."""
        reply = self._ask(
            {"op": "judge", "module": module, "qid": qid, "outcomes": outcomes}
        )
        if reply.get("status") and returned_payloads(outcomes):
            # Loading what the answer returned ended or stalled the judge.
            return False, (
                "your function returned a model the grader cannot load back (it could"
                f" not be built within the grader's limits ({MODEL_LIMITS}))."
            )
        if "error" in reply or reply.get("status"):
            raise MnistCourseError(
                "the grader's judge failed:"
                f" {reply.get('error') or reply.get('status')}"
            )
        return reply.get("passed") is True, str(reply.get("message", ""))

    def kill(self) -> None:
        self._process.kill()

    def stop(self) -> None:
        self._process.stop()
