"""Find library calls in a function that the exercise asks to write by hand.

Static: the source is parsed, never run. ``resolve`` maps a global name used in the
function to the dotted path it stands for (``"tf"`` → ``"tensorflow"``,
``"softmax"`` → ``"scipy.special.softmax"``); helper functions the learner wrote are
followed through ``helper_source``.

>>> import_aliases("import tensorflow as tf\\nfrom keras import layers")
{'tf': 'tensorflow', 'layers': 'keras.layers'}
>>> source = "def f(x):\\n    return tf.nn.softmax(x)\\n"
>>> library_uses(
...     source, {"tf": "tensorflow"}.get, lambda name: None, ("tensorflow", "keras")
... )
['tensorflow.nn.softmax']
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable

DEEP_LEARNING = ("keras", "tensorflow", "torch", "jax", "tf_keras")


def import_aliases(source: str) -> dict[str, str]:
    """Names bound by the import statements of ``source`` → the dotted paths they stand
    for."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    """``path`` is one of ``prefixes`` or inside one (``keras.layers.Dense`` is under
    ``keras``)."""
    return any(path == prefix or path.startswith(prefix + ".") for prefix in prefixes)


def _local_names(tree: ast.AST) -> set[str]:
    """Names bound inside the functions of ``tree``: parameters and assigned
    variables."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            for arg in [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                arguments.vararg,
                arguments.kwarg,
            ]:
                if arg is not None:
                    names.add(arg.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _dotted(node: ast.AST) -> tuple[str, str] | None:
    """``a.b.c`` → ("a", "a.b.c") for a chain of attributes on a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, ".".join([node.id, *reversed(parts)])
    return None


def library_uses(
    source: str,
    resolve: Callable[[str], str | None],
    helper_source: Callable[[str], str | None],
    forbidden: tuple[str, ...] = DEEP_LEARNING,
    _seen: set[str] | None = None,
) -> list[str]:
    """Dotted paths under ``forbidden`` that the function (or a helper it calls)
    uses."""
    seen = _seen if _seen is not None else set()
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return []
    local = import_aliases(source)  # imports inside the function itself
    own = _local_names(tree)  # parameters and variables shadow globals of the same name
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            found += [m for m in modules if _under(m, forbidden)]
            continue
        if not isinstance(node, (ast.Attribute, ast.Name)):
            continue
        chain = _dotted(node)
        if chain is None:
            continue
        root, dotted = chain
        if root in own and root not in local:
            continue
        target = local.get(root) or resolve(root)
        if target is None:
            if isinstance(node, ast.Name) and root not in seen:
                seen.add(root)
                helper = helper_source(root)
                if helper:
                    found += library_uses(
                        helper, resolve, helper_source, forbidden, seen
                    )
            continue
        path = target + dotted[len(root) :]
        if _under(path, forbidden):
            found.append(path)
    unique: list[str] = []
    for path in found:  # the longest chains first, each once
        if (
            not any(other != path and other.startswith(path + ".") for other in found)
            and path not in unique
        ):
            unique.append(path)
    return unique
