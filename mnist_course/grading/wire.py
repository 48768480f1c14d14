"""Plain data across the process boundary: JSON plus NumPy arrays, never pickle.

The grader sends an exercise's inputs to the worker and gets back what the learner's
function returned. Values travel as JSON; arrays as dtype, shape and base64 bytes
(``np.frombuffer``, no object arrays); a Keras model as the bytes of its ``.keras``
file. Nothing a worker sends can run code in the grader when decoded, and nothing it
sends makes the grader build something unbounded: a returned model is loaded (Keras'
safe mode) only within limits, by the judge (:func:`.judge.load_within_limits`) or,
for a NumPy exercise, by the grader after a fresh confined worker child built it
(:func:`model_facts`) and reported a parameter count within :data:`MAX_MODEL_PARAMS`
(see :func:`decode`'s ``load_model``).

>>> decode(encode({"shape": (2, 3), "x": np.arange(3, dtype=np.uint8)}))["x"]
array([0, 1, 2], dtype=uint8)
>>> decode(encode(float("nan")))
nan
"""

from __future__ import annotations

import base64
import importlib
import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..exercises._core import Outcome, is_keras_model

_ARRAY_KINDS = set(
    "biufc"
)  # bool, integers, floats, complex: no objects, strings or voids
MAX_ITEMS = 1_000_000  # elements per array the worker may send back
MAX_MODEL_PARAMS = 5_000_000  # parameters of a returned model (the course's have < 1 M)
MODEL_MEMORY = 1 << 30  # bytes that building the models one answer returned may take
MODEL_SECONDS = 30.0  # and the time it may take
MODEL_LIMITS = f"{MODEL_MEMORY >> 30} GB of memory, {MODEL_SECONDS:g} s"


class Unreadable:
    """A returned value the grader cannot (or will not) turn back into data."""

    def __init__(self, type_name: str, reason: str = ""):
        self.type_name, self.reason = type_name, reason

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(
    value: Any,
    scratch: Path | None = None,
    depth: int = 0,
    saved: dict | None = None,
    recipes: bool = False,
) -> Any:
    """``value`` as JSON-ready data; a Keras model is saved in the folder ``scratch``
    first.

    The worker encodes what the learner's function returned; the grader encodes the
    inputs it sends (an exercise may take a model, which the worker loads safely).
    ``saved`` (id → data) makes one model in several inputs one payload, so the worker
    loads it once and its cases share it, as ``check()``'s do (each save differs: it
    records the time). With ``recipes`` (the grader's inputs only), a case model that
    a function of the exercises made (its ``_case_recipe``: see ``ch06.case_cnn``)
    travels as that call, which the worker repeats: building a small model is quicker
    than loading its file."""
    if depth > 20:
        return {
            "__unreadable__": "deeply nested value",
            "reason": "nested more than 20 levels",
        }
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": _b64(bytes(value))}
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__bigint__": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS:
        return {
            "__npscalar__": value.dtype.str,
            "data": _b64(np.asarray(value).tobytes()),
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS:
            return {
                "__unreadable__": f"array of dtype {value.dtype}",
                "reason": "only numeric arrays can be graded",
            }
        if value.size > MAX_ITEMS:
            return {
                "__unreadable__": f"array of shape {value.shape}",
                "reason": f"more than {MAX_ITEMS:,} numbers",
            }
        return {
            "__ndarray__": value.dtype.str,
            "shape": list(value.shape),
            "data": _b64(np.ascontiguousarray(value).tobytes()),
        }
    if isinstance(value, (list, tuple)):
        items = [encode(v, scratch, depth + 1, saved, recipes) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {
            "__dict__": {
                k: encode(v, scratch, depth + 1, saved, recipes)
                for k, v in value.items()
            }
        }
    if saved is not None and id(value) in saved:
        return saved[id(value)]
    recipe = getattr(value, "_case_recipe", None) if recipes else None
    if isinstance(recipe, str) and is_keras_model(value):
        return {"__case_model__": recipe}
    if is_keras_model(value) and scratch is not None:
        try:
            value.inputs[0].shape  # noqa: B018  (an unbuilt model has none)
        except Exception:
            return {
                "__unreadable__": "Keras model",
                "reason": "(it has no defined input: it was never built)",
            }
        path = Path(scratch) / "model.keras"
        try:
            value.save(path)
        except Exception as exc:  # e.g. a Lambda layer or an unbuilt model
            return {
                "__unreadable__": "Keras model",
                "reason": (
                    f"it could not be saved: {type(exc).__name__}: {str(exc)[:300]}"
                ),
            }
        data = {"__keras__": _b64(path.read_bytes())}
        if saved is not None:
            saved[id(value)] = data
        return data
    if (
        hasattr(value, "numpy")
        and callable(value.numpy)
        and type(value).__module__.startswith("tensorflow")
    ):
        try:
            return encode(np.asarray(value.numpy()), scratch, depth + 1)
        except Exception:
            pass
    return {"__unreadable__": type(value).__name__, "reason": ""}


def _array(dtype: str, data: str, shape: list[int]) -> np.ndarray:
    kind = np.dtype(dtype)
    if kind.kind not in _ARRAY_KINDS:
        raise ValueError(f"refused dtype {dtype}")
    if (
        any(not isinstance(n, int) or n < 0 for n in shape)
        or math.prod(shape) > MAX_ITEMS
    ):
        raise ValueError("refused shape")
    return np.frombuffer(base64.b64decode(data), dtype=kind).reshape(shape).copy()


def _load(data: str, folder: str | None = None) -> Any:
    import keras

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "model.keras"
        path.write_bytes(base64.b64decode(data))
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def load_model(data: str) -> Any:
    """A ``.keras`` payload as a model (Keras' safe mode), or :class:`Unreadable`."""
    try:
        return _load(data)
    except Exception as exc:
        return Unreadable(
            "Keras model",
            f"it could not be loaded back safely ({type(exc).__name__}:"
            f" {str(exc)[:300]})",
        )


def model_payloads(data: Any, depth: int = 0, tag: str = "__keras__") -> list[str]:
    """The ``.keras`` payloads inside wire data (what :func:`encode` made of models);
    with ``tag="__case_model__"``, the case recipes.

    >>> model_payloads([1, {"__tuple__": [{"__keras__": "UEsD"}]}])
    ['UEsD']
    """
    if depth > 20:
        return []
    if isinstance(data, list):
        return [p for v in data for p in model_payloads(v, depth + 1, tag)]
    if not isinstance(data, dict):
        return []
    if isinstance(data.get(tag), str):
        return [data[tag]]
    values = data.get("__tuple__", data.get("__dict__", []))
    values = list(values.values()) if isinstance(values, dict) else values
    if not isinstance(values, list):
        return []
    return [p for v in values for p in model_payloads(v, depth + 1, tag)]


def holds_models(data: Any) -> bool:
    """Whether wire data holds a model, as a file or as a case recipe."""
    return bool(model_payloads(data) or model_payloads(data, tag="__case_model__"))


def model_facts(data: str, folder: str) -> dict:
    """Load a returned model (safe mode) and say how big it is: run in a confined child.

    Building a model from its ``config.json`` allocates what the config declares (a
    45 KB file can declare gigabytes of weights), so only a child under the worker's
    memory and time limits, which never ran learner code, does it first."""
    try:
        model = _load(data, folder)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {str(exc)[:150]}"}
    return {"params": int(model.count_params()), "layers": len(model.layers)}


def vet_model(facts: dict | None, limits: str) -> str | None:
    """Why the grader must not load a model, from :func:`model_facts`' report (None:
    load it).

    >>> vet_model({"params": 10}, "1 GB, 30 s") is None
    True
    >>> vet_model({"params": 10**8}, "1 GB, 30 s")
    'it declares 100,000,000 parameters; the grader loads models of at most 5,000,000'
    """
    failed = f"it could not be built within the grader's limits ({limits})"
    if not isinstance(facts, dict):
        return failed
    if isinstance(facts.get("error"), str):
        return f"{failed}: {facts['error'][:200]}"
    params = facts.get("params")
    if not isinstance(params, int) or isinstance(params, bool) or params < 0:
        return failed
    if params > MAX_MODEL_PARAMS:
        return (
            f"it declares {params:,} parameters; the grader loads models of at most"
            f" {MAX_MODEL_PARAMS:,}"
        )
    return None


CASE_MODULES = "mnist_course.exercises."  # where the functions of case recipes live


def build_case_model(recipe: str) -> Any:
    """The model a case recipe names (the worker's side; recipes come only from the
    grader, and only functions of ``mnist_course.exercises`` are called)."""
    module, function, args = json.loads(recipe)
    if not (
        isinstance(module, str)
        and module.startswith(CASE_MODULES)
        and isinstance(function, str)
        and all(isinstance(a, int) for a in args)
    ):
        raise ValueError(f"refused case recipe {recipe[:80]!r}")
    return getattr(importlib.import_module(module), function)(*args)


def decode(
    data: Any,
    load_model: Callable[[str], Any] = load_model,
    build: Callable[[str], Any] | None = None,
) -> Any:
    """Inverse of :func:`encode`: only plain data comes out.

    ``load_model`` turns a ``.keras`` payload into a model: the worker loads the
    grader's (trusted) inputs directly; the grader passes one that loads only what a
    confined child vetted, and returns :class:`Unreadable` for the rest. ``build``
    makes a case model from its recipe: only the worker passes one (what a worker sends
    back is never a recipe)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, load_model, build) for v in data]
    if not isinstance(data, dict):
        return Unreadable(type(data).__name__)
    try:
        if "__tuple__" in data:
            return tuple(decode(v, load_model, build) for v in data["__tuple__"])
        if "__dict__" in data:
            items = data["__dict__"].items()
            return {str(k): decode(v, load_model, build) for k, v in items}
        if "__case_model__" in data and build is not None:
            return build(str(data["__case_model__"]))
        if "__ndarray__" in data:
            return _array(data["__ndarray__"], data["data"], list(data["shape"]))
        if "__npscalar__" in data:
            return _array(data["__npscalar__"], data["data"], [])[()]
        if "__bytes__" in data:
            return base64.b64decode(data["__bytes__"])
        if "__float__" in data:
            return float(data["__float__"])
        if "__bigint__" in data:
            return int(data["__bigint__"])
        if "__keras__" in data:
            return load_model(data["__keras__"])
        if "__unreadable__" in data:
            return Unreadable(str(data["__unreadable__"]), str(data.get("reason", "")))
    except (ValueError, TypeError, KeyError) as exc:
        return Unreadable("malformed value", str(exc))
    return Unreadable("dict")


def returned_payloads(events: list[dict]) -> list[str]:
    """The distinct ``.keras`` payloads the outcome events of one exercise hold, in
    order (the grader vets them; the judge is told which it may load, in this order)."""
    return list(
        dict.fromkeys(
            p
            for e in events
            if isinstance(e, dict) and e.get("event") == "outcome"
            for p in model_payloads(e.get("value"))
        )
    )


def outcome(event: dict | None, load_model: Callable[[str], Any]) -> Outcome:
    """What one call returned or raised, from its ``outcome`` event (None: never
    run)."""
    if event is None:
        return Outcome()
    error = event.get("error")
    mutated = event.get("mutated")
    return Outcome(
        value=decode(event.get("value"), load_model),
        error=error if isinstance(error, str) else None,
        message=str(event.get("message", ""))[:1000],
        where=str(event.get("where", ""))[:300],
        not_written=event.get("not_written") is True,
        mutated=(
            mutated
            if isinstance(mutated, int) and not isinstance(mutated, bool)
            else None
        ),
    )


def vetted_loader(
    payloads: list[str], reasons: list, load: Callable[[str], Any] = load_model
) -> Callable[[str], Any]:
    """A ``load_model`` that loads a returned payload only when the vetting child
    built it (``reasons[i]`` is None for ``payloads[i]``)."""
    refused = {
        p: (r if isinstance(r, str) or r is None else "it was not checked first")
        for p, r in zip(payloads, reasons, strict=False)
    }

    def loader(data: str) -> Any:
        reason = refused.get(data, "it was not checked first")
        return Unreadable("Keras model", f"({reason})") if reason else load(data)

    return loader
