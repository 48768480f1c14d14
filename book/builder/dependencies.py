"""The import rule: which files of ``mnist_course`` a chapter can run
(:func:`chapter_dependencies`), and the short hash of them and of requirements.txt that
stamps its page (:func:`chapter_fingerprint`), so that jupyter-cache runs the chapter
again when one of them changes, and only then."""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from mnist_course.authoring import cell_source


class Untraceable(Exception):
    """Code that does something the import rule cannot follow (the message says
    what)."""


# Magics that bring code into the kernel from a file the rule does not read.
MAGIC_RUNS_FILE = re.compile(r"%(run|load|loadpy)\b")
# Calls that import the module named by their argument: harmless only when that is a
# string literal naming a module outside the package.
IMPORTING_CALLS = {"import_module", "__import__", "run_module"}
# Calls that run the code in their argument; the rule reads a string literal as code.
RUNNING_CALLS = {"exec", "eval"}
# Calls that run a file, which the rule does not read.
RUNNING_FILE_CALLS = {"run_path"}


def package_files(package_root: Path) -> list[Path]:
    """Every file of the package, sorted, but Python's bytecode caches
    (``__pycache__``)."""
    return sorted(
        path
        for path in package_root.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.relative_to(package_root).parts
        and path.suffix != ".pyc"
    )


def python_source(cell_text: str, package: str) -> str:
    """A code cell as plain Python: its IPython magic (``%``) and shell (``!``) lines
    become ``pass``.

    ``pass`` keeps the indentation, so a magic inside a block still parses. A magic
    or shell line that names the package, or that runs a file (``%run``, ``%load``),
    is code the rule cannot read: it raises :class:`Untraceable`.

    >>> python_source("%matplotlib inline\\nimport pkg.a", "pkg")
    'pass\\nimport pkg.a'
    """
    lines = []
    for line in cell_text.split("\n"):
        text = line.lstrip()
        if text.startswith(("%", "!")):
            if package in text or MAGIC_RUNS_FILE.match(text):
                raise Untraceable(f"the line {text!r} runs code the rule cannot read")
            line = line[: len(line) - len(text)] + "pass"
        lines.append(line)
    return "\n".join(lines)


def _called_name(call: ast.Call) -> str:
    """``f`` for ``f(...)`` and ``m.f(...)``: calls are recognised by name, whatever the
    alias of ``m``."""
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


ModuleImport = tuple[list[str], list[str]]  # (module, names): see imported_modules


def imported_modules(
    source: str | bytes, package: str, here: tuple[str, ...] = ()
) -> Iterator[ModuleImport]:
    """(module, names) for every import anywhere in ``source``, in functions too.

    ``from x.y import a, b`` gives (["x", "y"], ["a", "b"]) and ``import x.y`` gives
    (["x", "y"], []). ``here`` is the package the code belongs to (("pkg", "sub") for
    pkg/sub/d.py, () for a notebook), against which relative imports resolve. Raises
    :class:`Untraceable` if the source does not parse, or imports or runs something
    the rule cannot name (see the ``*_CALLS`` sets above).

    >>> list(imported_modules("def f():\\n    from .b import x", "pkg", ("pkg",)))
    [(['pkg', 'b'], ['x'])]
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as error:  # ValueError: a null byte
        raise Untraceable(f"the code does not parse ({error})") from error
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split("."), []
        elif isinstance(node, ast.ImportFrom):
            if node.level > len(here):  # above the top package: an ImportError when run
                continue
            base = list(here[: len(here) - node.level + 1]) if node.level else []
            yield (
                base + (node.module.split(".") if node.module else []),
                [alias.name for alias in node.names],
            )
        elif isinstance(node, ast.Call):
            yield from _imported_by_call(node, package, here)


def _imported_by_call(
    call: ast.Call, package: str, here: tuple[str, ...]
) -> Iterator[ModuleImport]:
    """What a call imports, if it is one of the ``*_CALLS`` (see
    :func:`imported_modules`)."""
    name = _called_name(call)
    first = call.args[0] if call.args else None
    literal = (
        first.value
        if isinstance(first, ast.Constant) and isinstance(first.value, str)
        else None
    )
    if name in IMPORTING_CALLS:
        elsewhere = (
            literal is not None
            and len(call.args) == 1
            and not call.keywords
            and not literal.startswith(".")
            and literal.split(".")[0] != package
        )
        if not elsewhere:
            raise Untraceable(
                f"{name}() imports a computed name, a relative one, or one of the"
                " package"
            )
    elif name in RUNNING_CALLS and call.args:  # model.eval() runs no string
        if literal is None:
            raise Untraceable(f"{name}() runs code that is not a string literal")
        yield from imported_modules(literal, package, here)
    elif name in RUNNING_FILE_CALLS:
        raise Untraceable(f"{name}() runs a file the rule does not read")


def _find_module(folder: Path, name: str) -> tuple[Path | None, Path | None]:
    """Where Python finds module ``name`` in ``folder``: (the file it runs, its folder
    if a package).

    A package (``name/__init__.py``) comes before a module (``name.py``), which comes
    before a namespace package (a bare folder, which runs no file).
    """
    if (folder / name / "__init__.py").is_file():
        return folder / name / "__init__.py", folder / name
    if (folder / f"{name}.py").is_file():
        return folder / f"{name}.py", None
    return None, (folder / name if (folder / name).is_dir() else None)


def module_files(package_root: Path, module: list[str], names: list[str]) -> list[Path]:
    """The files of the package that ``from <module> import <names>`` runs (``import
    <module>`` if no names).

    Importing ``pkg.a.b`` runs ``pkg/__init__.py``, ``pkg/a/__init__.py`` and
    ``pkg/a/b.py``; a name imported from a package may be a submodule
    (``from pkg import a``), and ``*`` may load any of them. A module outside the
    package gives [].
    """
    if module[:1] != [package_root.name]:
        return []
    files, folder = [], package_root.parent
    for part in module:
        file, folder = _find_module(folder, part)
        files += [file] if file else []
        if folder is None:  # a module, not a package: the names are its attributes
            return files
    if names == ["*"]:  # may load any submodule the package's __all__ lists
        names = [p.stem for p in folder.glob("*.py")] + [
            p.parent.name for p in folder.glob("*/__init__.py")
        ]
    for name in names:
        file, _ = _find_module(folder, name)
        files += [file] if file else []
    return files


def chapter_dependencies(notebook: dict, package_root: Path) -> list[Path]:
    """The files of the package a notebook can run, sorted: what its fingerprint hashes.

    The rule: every import in the notebook's code cells, at any depth (imports inside
    functions count), and then every import in each module so reached (absolute, or
    relative to the module's package), transitively. Importing ``pkg.a.b`` runs the
    ``__init__.py`` of ``pkg`` and ``pkg.a`` too. The package's files that are not
    Python (data read at run time) are always included.

    It stays on the safe side: when the notebook or a module reached uses what the
    rule cannot follow (code that does not parse, ``importlib.import_module`` or
    ``__import__`` of a computed name or of the package, ``exec``/``eval`` of a
    computed string, ``runpy``, ``%run``, a magic or shell line naming the package),
    the notebook depends on every file of the package. Its limits: calls are
    recognised by name, so an alias (``load = importlib.import_module``) escapes it;
    modules outside the package are not followed, so a helper file next to the
    notebook that imports the package hides what it imports; and what the code reads
    at run time (environment variables, the MNIST files) is no file of the package:
    see the docstring of ``book/build.py`` for what covers those.
    """
    package = package_root.name
    everything = package_files(package_root)
    found: set[Path] = set()
    try:
        cells = [
            python_source(cell_source(cell), package)
            for cell in notebook["cells"]
            if cell["cell_type"] == "code"
        ]
        queue = [
            file
            for cell in cells
            for module, names in imported_modules(cell, package)
            for file in module_files(package_root, module, names)
        ]
        while queue:
            path = queue.pop()
            if path in found:
                continue
            found.add(path)
            here = path.relative_to(package_root.parent).parts[
                :-1
            ]  # its package: ("pkg", "sub") for pkg/sub/d.py
            for module, names in imported_modules(path.read_bytes(), package, here):
                queue += module_files(package_root, module, names)
    except Untraceable:
        return everything
    return sorted(found | {path for path in everything if path.suffix != ".py"})


def chapter_fingerprint(
    dependencies: Iterable[Path], package_root: Path, requirements: Path
) -> str:
    """A short hash of a chapter's package files and of the pinned requirements: names
    and contents.

    A package file is named by its path from the package's folder (``pkg/sub/d.py``),
    so moving a module changes the hash too; a missing requirements file is skipped.
    It goes into the chapter page as a hidden code cell, so jupyter-cache (which keys a
    notebook on its code cells) runs the chapter again when one of these files changes.
    """
    digest = hashlib.sha256()
    named = [
        (path.relative_to(package_root.parent).as_posix(), path)
        for path in dependencies
    ]
    for name, path in [*named, (requirements.name, requirements)]:
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
