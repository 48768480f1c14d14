"""One-edit variants of a reference solution, to name the edit a wrong answer made.

Most wrong answers are a right answer with one thing changed: ``axis=0`` for
``axis=1``, ``np.mean`` for ``np.sum``, ``<`` for ``<=``, a ``- 1`` too many, a term
left out. :func:`variants` makes every such one-edit variant of the reference
function (its source, parsed); when one of them returns what the learner's function
returned on every input judged, that edit is, very likely, the learner's mistake, and
:meth:`Variant.hint` says it in the learner's terms: which expression, and what it
should be.

Only trusted code runs here (the reference, edited by this module), on the cases.
Edits that could make a loop run forever (inside a ``while`` condition) are not made.
"""

from __future__ import annotations
import __future__

import ast
import copy
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Functions and methods a learner confuses with one another, most likely first.
_SWAPS = {
    "sum": ("mean",),
    "mean": ("sum", "median"),
    "median": ("mean",),
    "max": ("min", "argmax"),
    "min": ("max", "argmin"),
    "argmax": ("argmin", "max"),
    "argmin": ("argmax", "min"),
    "maximum": ("minimum",),
    "minimum": ("maximum",),
    "sort": ("argsort",),
    "argsort": ("sort",),
    "std": ("var",),
    "var": ("std",),
    "floor": ("ceil", "round", "trunc"),
    "ceil": ("floor", "round"),
    "round": ("floor", "ceil", "trunc"),
    "log": ("log2", "log10", "exp"),
    "exp": ("log",),
    "sqrt": ("square",),
    "cumsum": ("sum",),
    "bincount": ("unique",),
    "any": ("all",),
    "all": ("any",),
    "dot": ("multiply",),
    "matmul": ("multiply",),
}
# Functions whose call can be left out entirely (``np.abs(x)`` → ``x``).
_DROPPABLE = {
    "abs",
    "sqrt",
    "exp",
    "log",
    "round",
    "floor",
    "ceil",
    "clip",
    "maximum",
    "minimum",
    "astype",
    "float",
    "int",
    "transpose",
    "squeeze",
    "reshape",
    "ravel",
    "flatten",
}
_OPERATORS = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div,),
    ast.Pow: (ast.Mult,),
    ast.Mod: (ast.FloorDiv,),
}
_COMPARISONS = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
}
_AXES = (0, 1, -1, None)
MAX_VARIANTS = 400
SHOWN_LENGTH = 25  # characters of source shown around an edit, at least


@dataclass(frozen=True)
class Variant:
    """The reference with one edit: ``right`` became ``wrong`` (both as source)."""

    function: Callable
    right: str
    wrong: str

    def hint(self) -> str:
        return (
            f"your results are what `{self.wrong}` gives where `{self.right}` is needed"
            " (on every input checked): look at that step."
        )


def _name(call: ast.Call) -> str | None:
    func = call.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else None
    )


def _number(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _constant(value) -> ast.expr:
    if isinstance(value, int) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


# An edit takes the node (in a fresh copy of the tree) and returns what replaces it.
Edit = Callable[[ast.AST], ast.AST]


def _edits(node: ast.AST, parameters: list[str]) -> Iterator[Edit]:
    """The one-edit changes of ``node`` itself, most likely mistakes first."""
    if (
        isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and node.id in parameters
    ):
        for (
            other
        ) in parameters:  # one argument used where another is meant (beta1 for beta2)
            if other != node.id:
                yield lambda n, other=other: ast.Name(other, ast.Load())
    elif isinstance(node, ast.Call):
        name = _name(node)
        for other in _SWAPS.get(name, ()):

            def swap(n, other=other):
                if isinstance(n.func, ast.Attribute):
                    n.func.attr = other
                else:
                    n.func.id = other
                return n

            yield swap
        for index, keyword in enumerate(node.keywords):
            if keyword.arg == "axis":
                for axis in _AXES:
                    if axis != _number(keyword.value) and not (
                        axis is None
                        and isinstance(keyword.value, ast.Constant)
                        and keyword.value.value is None
                    ):
                        yield lambda n, i=index, axis=axis: _set_keyword(
                            n, i, _constant(axis)
                        )
                yield lambda n, i=index: _drop_keyword(n, i)
            elif keyword.arg in ("keepdims", "ddof", "endpoint", "right", "replace"):
                yield lambda n, i=index: _drop_keyword(n, i)
        if name in ("std", "var") and not any(k.arg == "ddof" for k in node.keywords):
            yield lambda n: _add_keyword(n, "ddof", 1)
        if name in (
            "sum",
            "mean",
            "max",
            "min",
            "argmax",
            "argmin",
            "std",
            "var",
            "median",
        ) and not any(k.arg == "axis" for k in node.keywords):
            for axis in (0, 1):
                yield lambda n, axis=axis: _add_keyword(n, "axis", axis)
        if name in _DROPPABLE:
            if (
                (
                    isinstance(node.func, ast.Attribute)
                    and not node.args
                    and name in ("astype", "transpose", "squeeze", "ravel", "flatten")
                )
                or isinstance(node.func, ast.Attribute)
                and name in ("astype", "reshape")
            ):
                yield lambda n: n.func.value
            for position in range(min(len(node.args), 2)):
                yield lambda n, position=position: n.args[position]
        if len(node.args) == 2 and not isinstance(node.func, ast.Name):
            yield lambda n: _swap_arguments(n)
        if (
            len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.BinOp)
        ):
            # the bracket closed too early: f(a + b) → f(a) + b
            yield lambda n: ast.BinOp(
                ast.Call(n.func, [n.args[0].left], []), n.args[0].op, n.args[0].right
            )
    elif isinstance(node, ast.BinOp):
        for other in _OPERATORS.get(type(node.op), ()):
            yield lambda n, other=other: ast.BinOp(n.left, other(), n.right)
        if isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult, ast.Pow)):
            yield lambda n: ast.BinOp(n.right, n.op, n.left)
        yield lambda n: n.left
        yield lambda n: n.right
        if isinstance(
            node.right, ast.BinOp
        ):  # brackets left out: a * (b + c) → a * b + c
            yield lambda n: ast.BinOp(
                ast.BinOp(n.left, n.op, n.right.left), n.right.op, n.right.right
            )
        if isinstance(node.left, ast.BinOp):  # (a + b) * c → a + b * c
            yield lambda n: ast.BinOp(
                n.left.left, n.left.op, ast.BinOp(n.left.right, n.op, n.right)
            )
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for other in _COMPARISONS.get(type(node.ops[0]), ()):
            yield lambda n, other=other: ast.Compare(n.left, [other()], n.comparators)
    elif (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and _number(node) is None
    ):
        yield lambda n: n.operand
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield lambda n: n.value
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for other in (node.value + 1, node.value - 1):
            yield lambda n, other=other: _constant(other)


def _set_keyword(call: ast.Call, index: int, value: ast.expr) -> ast.Call:
    call.keywords[index] = ast.keyword(call.keywords[index].arg, value)
    return call


def _drop_keyword(call: ast.Call, index: int) -> ast.Call:
    del call.keywords[index]
    return call


def _add_keyword(call: ast.Call, name: str, value) -> ast.Call:
    call.keywords.append(ast.keyword(name, _constant(value)))
    return call


def _swap_arguments(call: ast.Call) -> ast.Call:
    call.args = call.args[::-1]
    return call


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {
        child: parent
        for parent in ast.walk(tree)
        for child in ast.iter_child_nodes(parent)
    }


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return


def _shown(node: ast.AST, parents: dict) -> ast.AST:
    """The expression a learner recognises around ``node``: itself if a call or an
    operation."""
    while (
        not isinstance(node, (ast.Call, ast.BinOp, ast.Compare, ast.Subscript))
        and node in parents
        and not isinstance(node, ast.stmt)
    ):
        node = parents[node]
    return node


def _in_while_test(node: ast.AST, parents: dict) -> bool:
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.While) and child is parent.test:
            return True
        child = parent
    return False


def variants(reference: Callable) -> Iterator[Variant]:
    """Every one-edit variant of ``reference`` that compiles (at most
    :data:`MAX_VARIANTS`)."""
    try:
        source = textwrap.dedent(inspect.getsource(reference))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef):
        return
    function.decorator_list = []
    parameters = [
        a.arg
        for a in (
            function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        )
    ]
    nodes = list(ast.walk(function))
    parents = _parents(tree)
    made, seen = 0, set()
    for index, node in enumerate(nodes):
        if (
            node is function
            or isinstance(node, (ast.arguments, ast.arg))
            or _in_while_test(node, parents)
        ):
            continue
        if any(
            isinstance(parents.get(node), kind) for kind in (ast.arg, ast.arguments)
        ):
            continue  # defaults and annotations are not what the learner wrote wrong
        for edit in _edits(node, parameters):
            edited = copy.deepcopy(tree)
            edited_nodes = list(ast.walk(edited.body[0]))
            edited_parents = _parents(edited)
            target = edited_nodes[index]
            shown = _shown(target, edited_parents)
            while len(ast.unparse(shown)) < SHOWN_LENGTH and isinstance(
                edited_parents.get(shown), ast.expr
            ):
                shown = edited_parents[
                    shown
                ]  # enough around it to find it (`beta2 ** t` is in two places)
            right = ast.unparse(shown)
            replacement = edit(target)
            if replacement is not target:
                _replace(edited_parents[target], target, replacement)
                if shown is target:
                    shown = replacement
            wrong = ast.unparse(shown)
            if wrong == right or (right, wrong) in seen:
                continue
            seen.add((right, wrong))
            ast.fix_missing_locations(edited)
            try:
                code = compile(
                    edited,
                    f"<variant of {reference.__name__}>",
                    "exec",
                    flags=__future__.annotations.compiler_flag,
                    dont_inherit=True,
                )
            except (SyntaxError, ValueError, TypeError):
                continue
            body = next(
                c
                for c in code.co_consts
                if isinstance(c, types.CodeType) and c.co_name == function.name
            )
            # The edited body with the reference's own globals and defaults (defaults
            # are never edited).
            edited_function = types.FunctionType(
                body, reference.__globals__, function.name, reference.__defaults__
            )
            edited_function.__kwdefaults__ = reference.__kwdefaults__
            yield Variant(edited_function, right, wrong)
            made += 1
            if made >= MAX_VARIANTS:
                return
