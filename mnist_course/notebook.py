"""Read a learner's notebook and cut out what one exercise needs.

An exercise is graded without running the notebook top to bottom. From the code
cells above the exercise's check cell (``q3.check(my_function)``) the grader keeps,
in notebook order:

- imports (``import math``, ``from collections import Counter``);
- functions and classes defined at the top level of a cell (helpers);
- simple constants: ``NAME = <literals, names, arithmetic, np.array(...)>``;
- the exercise's function itself (its last definition above the check);

and of those only what the function needs, directly or through the helpers and
constants it uses (an unused ``from mnist_course import widgets`` would cost the
grading worker seconds of importing; an unused helper could only fail).

Everything else, such as training a model or a try-out line like
``print(softmax(logits))``, is left out. When the function needs a name the grader
left out, :func:`explain_missing_name` says where that name comes from.

>>> cells = [
...     {"cell_type": "code", "source": "import math\\nx = train()\\nEPS = 1e-7\\n"},
...     {
...         "cell_type": "code",
...         "source": "def f(p):\\n    return -math.log(max(p, EPS))\\n"
...         "print(f(0.5))\\n",
...     },
...     {"cell_type": "code", "source": "q1.check(f)"},
... ]
>>> program = exercise_program({"cells": cells}, "f")
>>> [code.splitlines()[0] for _, code in program.statements]
['import math', 'EPS = 1e-7', 'def f(p):']
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import re
import symtable
from dataclasses import dataclass, field
from pathlib import Path

from .authoring import cell_source
from .errors import MnistCourseError

MAX_NOTEBOOK_BYTES = 50 << 20

# Calls allowed on the right of a "simple constant".
_CONSTANT_CALLS = {
    "int",
    "float",
    "str",
    "bool",
    "tuple",
    "list",
    "dict",
    "set",
    "frozenset",
    "range",
    "len",
    "abs",
    "round",
    "min",
    "max",
    "sum",
    "array",
    "asarray",
    "arange",
    "zeros",
    "ones",
    "full",
    "eye",
    "linspace",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "dtype",
    "sqrt",
    "log",
    "exp",
}


class NotebookError(MnistCourseError):
    """A file that cannot be graded as a notebook; the message is one line with the
    fix."""


def read_notebook(path: str | Path) -> dict:
    """The notebook at ``path`` as a dict, checked enough to grade it.

    Raises :class:`NotebookError` with a one-line reason for a folder, an unreadable or
    non-JSON file, an old (nbformat 3) notebook or a malformed cell.
    """
    path = Path(path)
    if path.is_dir():
        raise NotebookError(f"{path} is a folder, not a notebook.")
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                f"{path} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB: clear its"
                " outputs (Edit → Clear Outputs of All Cells) and save it again."
            )
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such file.") from None
    except OSError as exc:
        raise NotebookError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise NotebookError(
            f"{path} is not a notebook (it is not UTF-8 text). Save the notebook again"
            " from Jupyter."
        ) from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path} is not a notebook: it is not valid JSON (line {exc.lineno}:"
            f" {exc.msg}). Save the notebook again from Jupyter, or download it again."
        ) from None
    if not isinstance(notebook, dict):
        raise NotebookError(
            f"{path} is not a notebook: it holds a JSON {type(notebook).__name__}, not"
            " a notebook object."
        )
    if "worksheets" in notebook or (
        isinstance(notebook.get("nbformat"), int) and notebook["nbformat"] < 4
    ):
        raise NotebookError(
            f"{path} is an old notebook (nbformat {notebook.get('nbformat', 3)}):"
            f" convert it with `jupyter nbconvert --to notebook --output {path.stem}_v4"
            f" {path.name}` and grade the new file."
        )
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(
            f'{path} is not a valid notebook: its "cells" is {type(cells).__name__},'
            " not a list."
        )
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(
                f"{path} is not a valid notebook: cell {number} has no cell_type."
            )
        source = cell.get("source")
        if not (
            isinstance(source, str)
            or (isinstance(source, list) and all(isinstance(s, str) for s in source))
        ):
            raise NotebookError(
                f"{path} is not a valid notebook: cell {number} has no `source` text."
            )
    return notebook


def _python(source: str) -> str:
    """Cell source with IPython-only lines (``%magic``, ``!shell``) blanked out."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )


@dataclass
class Program:
    """What the worker runs for one exercise, and what the grader knows about the
    notebook."""

    statements: list[tuple[str, str]] = field(
        default_factory=list
    )  # (where, code), in run order
    problem: str | None = None  # why the exercise cannot be run at all
    imports: str = (
        ""  # every import above the check, used or not, for the by-hand check
    )
    uses: set[str] | None = field(
        default_factory=set
    )  # names the kept code reads (None: any, via eval & co)
    helpers: dict[str, str] = field(default_factory=dict)  # helper name → source
    function_source: str = ""
    later: dict[str, int] = field(
        default_factory=dict
    )  # names defined below the check → cell number
    above: set[str] = field(
        default_factory=set
    )  # names bound by any statement above the check
    skipped: dict[str, int] = field(
        default_factory=dict
    )  # names set by statements not run → cell number
    check_cell: int | None = None


def _is_constant(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(
            child,
            (
                ast.Lambda,
                ast.ListComp,
                ast.SetComp,
                ast.DictComp,
                ast.GeneratorExp,
                ast.Await,
                ast.Yield,
                ast.YieldFrom,
                ast.NamedExpr,
            ),
        ):
            return False
        if isinstance(child, ast.Call):
            func = child.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else None
            )
            if name not in _CONSTANT_CALLS:
                return False
    return True


def _uses(node: ast.AST) -> set[str]:
    return {
        child.id
        for child in ast.walk(node)
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)
    }


def _reads(code: str, node: ast.AST) -> set[str]:
    """The names a top-level statement reads from the notebook's namespace: not a
    function's parameters and locals (a parameter named ``layers`` does not read
    ``keras.layers``).

    >>> source = ("def f(layers, k=K): return [np.sum(x) for x in layers] "
    ...           "+ [len(layers)]")
    >>> sorted(_reads(source, None))
    ['K', 'len', 'np']
    """
    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return _uses(node)
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    scopes = list(table.get_children())
    while scopes:
        scope = scopes.pop()
        names |= {
            s.get_name()
            for s in scope.get_symbols()
            if s.is_referenced() and s.is_global()
        }
        scopes += scope.get_children()
    return names


def _assigned_names(node: ast.AST) -> list[str]:
    targets = (
        node.targets
        if isinstance(node, ast.Assign)
        else [node.target]
        if isinstance(node, (ast.AnnAssign, ast.AugAssign))
        else []
    )
    names = []
    for target in targets:
        for child in ast.walk(target):
            if isinstance(child, ast.Name):
                names.append(child.id)
    return names


def _defined_names(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    names = _assigned_names(node)
    for child in ast.walk(node):
        if isinstance(child, (ast.For, ast.comprehension)):
            names += [n.id for n in ast.walk(child.target) if isinstance(n, ast.Name)]
        elif isinstance(child, (ast.FunctionDef, ast.ClassDef)) and child is not node:
            names.append(child.name)
        elif isinstance(child, ast.NamedExpr):
            names.append(child.target.id)
        elif isinstance(child, ast.withitem) and child.optional_vars is not None:
            names += [
                n.id for n in ast.walk(child.optional_vars) if isinstance(n, ast.Name)
            ]
    return names


@functools.lru_cache(maxsize=2048)
def _parsed(source: str) -> tuple[ast.Module | None, SyntaxError | None]:
    """A cell's syntax tree (read-only: shared by every exercise, and by notebooks with
    the same cell)."""
    try:
        return ast.parse(source), None
    except SyntaxError as exc:
        return None, exc


@functools.lru_cache(maxsize=4096)
def _statements(source: str) -> tuple:
    """Per top-level statement of a cell that parses: (node, names it binds, its code,
    names it reads, whether it is a simple constant, names its value reads). Worked out
    once per cell text (every exercise of a notebook, and every copy of a notebook,
    shares it).
    """
    tree, _ = _parsed(source)
    lines = source.splitlines(True)
    found = []
    for node in tree.body if tree is not None else []:
        decorators = getattr(node, "decorator_list", None)
        first = decorators[0].lineno if decorators else node.lineno
        code = "".join(lines[first - 1 : node.end_lineno]).rstrip("\n") + "\n"
        constant = (
            isinstance(node, (ast.Assign, ast.AnnAssign))
            and node.value is not None
            and _is_constant(node.value)
            and all(
                isinstance(t, (ast.Name, ast.Tuple))
                for t in (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
            )
        )
        value_reads = frozenset(_uses(node.value)) if constant else frozenset()
        found.append(
            (
                node,
                tuple(_defined_names(node)),
                code,
                frozenset(_reads(code, node)),
                constant,
                value_reads,
            )
        )
    return tuple(found)


def _check_cell(sources: list[str], function: str) -> int | None:
    pattern = re.compile(rf"\.check\(\s*{re.escape(function)}\s*\)")
    for index, source in enumerate(sources):
        if pattern.search(source):
            return index
    return None


def exercise_program(notebook: dict, function: str) -> Program:
    """The statements that define ``function`` and what it depends on (see the module
    doc)."""
    cells = [
        (number, _python(cell_source(cell)))
        for number, cell in enumerate(notebook["cells"], start=1)
        if cell.get("cell_type") == "code"
    ]
    sources = [source for _, source in cells]
    check = _check_cell(sources, function)
    def_pattern = re.compile(rf"^(async\s+)?def\s+{re.escape(function)}\s*\(", re.M)
    defining = [i for i, source in enumerate(sources) if def_pattern.search(source)]
    program = Program(check_cell=cells[check][0] if check is not None else None)
    if check is None:
        # No check cell (deleted or renamed): the last cell defining the function is the
        # limit.
        last = defining[-1] if defining else len(cells) - 1
    else:
        above = [i for i in defining if i <= check]
        if not above and defining:
            program.problem = (
                f"`{function}` is defined in cell {cells[defining[0]][0]}, below its"
                f" check cell (cell {cells[check][0]}). Move the definition above the"
                " check and run it again."
            )
            return program
        last = check
    found = False
    imports: list[str] = []
    facts: list[
        tuple[set[str], set[str], ast.AST]
    ] = []  # per statement: names it binds, names it reads
    known = set(dir(builtins)) | {"np"}  # names a kept constant may use
    for index, (number, source) in enumerate(cells):
        tree, exc = _parsed(source)
        if exc is not None:
            if index <= last and def_pattern.search(source):
                program.problem = (
                    f"The cell defining `{function}` (cell {number}) has a syntax error"
                    f" on line {exc.lineno}: {exc.msg}. Fix it and run the cell."
                )
                return program
            continue
        for node, names, code, reads, constant, value_reads in _statements(source):
            if index > last:
                for name in names:
                    program.later.setdefault(name, number)
                continue
            program.above.update(names)
            where = f"cell {number}, line {node.lineno}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                program.statements.append((where, code))
                facts.append((set(names), set(), node))
                imports.append(code)
            elif isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                program.statements.append((where, code))
                facts.append((set(names), set(reads), node))
                if node.name == function:
                    found = True
                    program.function_source = code
                else:
                    program.helpers[node.name] = code
            elif constant and value_reads <= known:
                program.statements.append((where, code))
                facts.append((set(names), set(reads), node))
                for name in names:
                    program.skipped.pop(name, None)
            else:
                for name in names:
                    program.skipped[name] = number
                known.difference_update(names)
                continue
            known.update(names)
    program.imports = "".join(imports)
    program.uses = _needed_names(facts, function)
    program.statements = [
        statement
        for statement, (binds, _, node) in zip(program.statements, facts, strict=True)
        if _keep(node, binds, program.uses)
    ]
    if not found:
        program.problem = (
            f"No cell defines `{function}`. Was the exercise cell deleted, or the"
            f" function renamed? Restore `def {function}(...)` above its check cell."
        )
    return program


_DYNAMIC = {"eval", "exec", "globals", "vars", "locals", "__import__", "importlib"}


def _needed_names(
    facts: list[tuple[set[str], set[str], ast.AST]], function: str
) -> set[str] | None:
    """The names ``function`` needs, directly or through the helpers and constants it
    uses; None when some of that code may look names up by string (``eval``,
    ``globals()``...).
    """
    needed, done = {function}, set()
    while True:
        more = set()
        for index, (binds, reads, _) in enumerate(facts):
            if index not in done and binds & needed:
                done.add(index)
                more |= reads
        if more & _DYNAMIC:
            return None
        if more <= needed:
            return needed
        needed |= more


def _keep(node: ast.AST, binds: set[str], needed: set[str] | None) -> bool:
    """Whether a statement kept by the rules above is needed by the exercise's
    function."""
    if needed is None or binds & needed:
        return True
    return isinstance(node, ast.ImportFrom) and (
        node.module == "__future__" or any(a.name == "*" for a in node.names)
    )


def without_unused_imports(code: str, needed: set[str] | None) -> str:
    """``code`` (the chapter's set-up) without the imports of names ``needed`` lacks.

    >>> without_unused_imports(
    ...     "import math\\nfrom mnist_course import widgets\\n", {"math"}
    ... )
    'import math\\n'
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines(True)
    kept = [
        "".join(lines[node.lineno - 1 : node.end_lineno]).rstrip("\n") + "\n"
        for node in tree.body
        if not isinstance(node, (ast.Import, ast.ImportFrom))
        or _keep(node, set(_defined_names(node)), needed)
    ]
    return "".join(kept)


def defined_only_below(program: Program, setup: str = "") -> dict[str, int]:
    """The names the function needs that only cells below its check define → the first
    such cell.

    ``check()`` in a notebook finds them (the cell below has run, so the name exists);
    the grader, which runs only the cells above, would fail with a ``NameError``."""
    if program.uses is None or program.problem:
        return {}
    tree, _ = _parsed(setup)
    bound = (
        program.above
        | set(dir(builtins))
        | {n for node in (tree.body if tree else []) for n in _defined_names(node)}
    )
    return {
        name: cell
        for name, cell in program.later.items()
        if name in program.uses and name not in bound
    }


_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")


def explain_missing_name(program: Program, message: str) -> str:
    """Advice for a ``NameError`` raised while grading: where the name comes from."""
    match = _NAME_ERROR.search(message)
    if not match:
        return ""
    name = match.group(1)
    if name in program.later:
        return (
            f" `{name}` is defined in cell {program.later[name]}, below the check cell:"
            " the grader only uses cells above the check. Move that cell up."
        )
    if name in program.skipped:
        return (
            f" `{name}` is computed in cell {program.skipped[name]}, which the grader"
            " does not run (it runs only imports, function and class definitions and"
            " simple constants). Pass the value as an argument, or define it inside"
            " your function."
        )
    return (
        f" `{name}` is not defined in any cell above the check: define or import it"
        " there."
    )
