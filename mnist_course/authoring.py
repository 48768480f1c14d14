"""Single source for the chapters: ``solutions/NN_*.md`` → ``chapters/NN_*.ipynb``.

Each chapter's source is a MyST Markdown notebook (text: prose as Markdown, code in
``{code-cell}`` blocks, read with jupytext by :func:`read_source`, the one reader
every tool uses). In a solution notebook, the code between ``# BEGIN SOLUTION`` and ``#
END SOLUTION`` becomes a stub (``# YOUR CODE HERE`` / ``raise NotImplementedError``, at
the marker's indentation), and cells tagged ``solution-only`` are dropped; cells tagged
``book-only`` (the book's live panels) are in neither notebook. Outputs are stripped.
Nothing here replaces a notebook that differs from what it would write unless forced,
and then it keeps a backup; learners work in a copy (``my_work/``, see
:func:`make_workspace`).

>>> print(strip_solution(
...     "def f(x):\\n    # BEGIN SOLUTION\\n    return x\\n    # END SOLUTION\\n"
... ))
def f(x):
    # YOUR CODE HERE
    raise NotImplementedError
<BLANKLINE>
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path

from .errors import MnistCourseError

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_ONLY = "solution-only"
# Cells only the book shows (its live panels: HTML and JavaScript with no use in a
# notebook); dropped from the solution and exercise notebooks.
BOOK_ONLY = "book-only"
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"  # chapter notebooks: NN_topic.ipynb
SOURCE_GLOB = "[0-9][0-9]_*.md"  # their sources in solutions/: NN_topic.md
_REGION = re.compile(
    rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(\n|$)",
    re.S | re.M,
)


def strip_solution(source: str) -> str:
    """Replace every marked solution region of a cell's source by the stub."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers in:\n{source}")
    return _REGION.sub(
        lambda m: (
            f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise"
            f" NotImplementedError{m.group(2)}"
        ),
        source,
    )


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of
    lines)."""
    return (
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    )


def exercise_notebook(solution: dict) -> dict:
    """The student version of a solution notebook (a new dict; the input is
    unchanged)."""
    notebook = copy.deepcopy(solution)
    cells = []
    for cell in notebook["cells"]:
        if SOLUTION_ONLY in cell.get("metadata", {}).get("tags", []):
            continue
        if cell["cell_type"] == "code":
            cell["source"] = strip_solution(cell_source(cell))
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    notebook["cells"] = cells
    return notebook


def dumps(notebook: dict) -> str:
    """Serialize like Jupyter does (1-space indent, trailing newline) for stable
    diffs."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def read_source(path: str | Path) -> dict:
    """A chapter's source ``solutions/NN_topic.md`` as a notebook (a JSON-ready dict).

    Cell ids are derived from each cell's content (the same text gives the same id),
    so the notebooks written from it change only where the source changed.
    """
    import jupytext

    notebook = json.loads(
        jupytext.writes(jupytext.read(Path(path), fmt="md:myst"), fmt="ipynb")
    )
    notebook["metadata"] = {
        "kernelspec": notebook["metadata"].get("kernelspec", {}),
        "language_info": {"name": "python"},
    }
    seen: dict[str, int] = {}
    for cell in notebook["cells"]:
        digest = hashlib.sha1(
            (cell["cell_type"] + "\0" + cell_source(cell)).encode("utf-8")
        ).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell["id"] = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return notebook


def solution_notebooks(solutions: Path) -> dict[str, dict]:
    """Chapter notebook name (``NN_topic.ipynb``) → its full solution notebook, in
    order."""
    return {
        f"{path.stem}.ipynb": without_book_only(read_source(path))
        for path in sorted(Path(solutions).glob(SOURCE_GLOB))
    }


def without_book_only(notebook: dict) -> dict:
    """``notebook`` without the cells tagged ``book-only`` (changed in place)."""
    notebook["cells"] = [
        cell
        for cell in notebook["cells"]
        if BOOK_ONLY not in cell.get("metadata", {}).get("tags", [])
    ]
    return notebook


def write_solution_notebooks(solutions: Path, folder: Path) -> list[Path]:
    """Write every chapter's solution notebook as ``folder/NN_topic.ipynb`` (to run or
    open in JupyterLab like any notebook); returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, notebook in solution_notebooks(solutions).items():
        write_if_changed(folder / name, dumps(notebook))
        written.append(folder / name)
    return written


def expected_chapters(solutions: Path) -> dict[str, str]:
    """File name → the exact text ``chapters/`` should hold."""
    return {
        name: dumps(exercise_notebook(notebook))
        for name, notebook in solution_notebooks(solutions).items()
    }


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it; True if written.

    An unchanged file keeps its modification time, so caches keyed on it still hit.
    """
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


class WouldOverwrite(MnistCourseError):
    """A notebook holds something other than what a command would write there."""


def backup(path: Path) -> Path:
    """Copy ``path`` to ``NAME.bak-YYYYmmdd-HHMMSS`` beside it (never over an older
    backup).

    >>> backup(Path("chapters/01_data.ipynb"))   # doctest: +SKIP
    PosixPath('chapters/01_data.ipynb.bak-20260101-120000')
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target, n = path.with_name(f"{path.name}.bak-{stamp}"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bak-{stamp}-{n}")
    shutil.copy2(path, target)
    return target


def replace_with_backup(path: Path, text: str) -> Path:
    """Replace the notebook at ``path`` by ``text`` after copying it to a backup;
    returns the backup."""
    saved = backup(path)
    write_if_changed(path, text)
    return saved


# in chapters/: the SHA-256 of each notebook as the generator last wrote it
MANIFEST = ".generated.json"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(chapters: Path) -> dict[str, str]:
    """What the generator last wrote in ``chapters`` (file name → SHA-256); empty if
    unknown."""
    try:
        manifest = json.loads((Path(chapters) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {str(k): str(v) for k, v in manifest.items()}
        if isinstance(manifest, dict)
        else {}
    )


def hand_edited(
    chapters: Path,
    expected: dict[str, str] | None = None,
    solutions: Path | None = None,
) -> list[Path]:
    """Chapter notebooks that hold something the generator neither wrote nor would write
    now.

    A notebook still exactly as the generator last wrote it (its hash is in the
    manifest) is not hand-edited, even if ``solutions/`` has changed since: regenerating
    it loses nothing.
    """
    chapters = Path(chapters)
    expected = expected if expected is not None else expected_chapters(solutions)
    manifest = read_manifest(chapters)
    edited = []
    for name, text in expected.items():
        path = chapters / name
        if path.exists():
            current = path.read_text(encoding="utf-8")
            if current != text and manifest.get(name) != _sha(current):
                edited.append(path)
    return edited


def write_chapters(
    solutions: Path, chapters: Path, *, force: bool = False, log=None
) -> list[Path]:
    """Regenerate the chapter notebooks; returns the files written.

    A notebook that is still exactly what the generator last wrote is simply replaced
    (an instructor edited ``solutions/``). One that was edited by hand (it matches
    neither) is replaced only with ``force=True``, after a copy to
    ``NAME.ipynb.bak-<timestamp>`` (``log``, if given, is called with a line about each
    backup); without ``force`` nothing is written and :class:`WouldOverwrite` names
    every such notebook. ``chapters/.generated.json`` records what was written.

    >>> write_chapters(Path("solutions"), Path("chapters"))   # doctest: +SKIP
    []
    """
    chapters = Path(chapters)
    expected = expected_chapters(solutions)
    differ = hand_edited(chapters, expected)
    if differ and not force:
        names = ", ".join(str(p) for p in differ)
        raise WouldOverwrite(
            f"not replacing {names}: {'it was' if len(differ) == 1 else 'they were'}"
            " edited by hand (not what `make exercises` wrote). Learners: work in"
            " my_work/ (`make lab` makes it). Instructors: `make exercises FORCE=1`"
            " (or `python -m mnist_course exercises --force`) replaces"
            f" {'it' if len(differ) == 1 else 'them'} and keeps a copy of each as"
            " NAME.ipynb.bak-<timestamp>."
        )
    chapters.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected.items():
        path = chapters / name
        if path in differ:  # edited by hand, and forced
            saved = replace_with_backup(path, text)
            if log:
                log(f"kept the previous {path} as {saved}")
            written.append(path)
        elif write_if_changed(path, text):
            written.append(path)
    manifest = {name: _sha(text) for name, text in expected.items()}
    write_if_changed(
        chapters / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    )
    return written


def make_workspace(chapters: Path, workspace: Path) -> tuple[list[Path], list[Path]]:
    """Copy the exercise notebooks the learner does not have yet into ``workspace``.

    Returns ``(copied, kept)``. A notebook already in ``workspace`` is never touched,
    whatever it holds: that is the learner's work. Only missing ones are copied, so a
    chapter added to the course later appears in the workspace on the next call.

    >>> copied, kept = make_workspace(  # doctest: +SKIP
    ...     Path("chapters"), Path("my_work")
    ... )
    """
    chapters, workspace = Path(chapters), Path(workspace)
    sources = sorted(chapters.glob(CHAPTER_GLOB))
    if not sources:
        raise MnistCourseError(
            f"{chapters} holds no exercise notebooks (NN_name.ipynb) to copy."
        )
    if workspace.exists() and not workspace.is_dir():
        raise MnistCourseError(
            f"{workspace} exists and is not a folder: move it away, then try again."
        )
    workspace.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for source in sources:
        target = workspace / source.name
        if target.exists():
            kept.append(target)
            continue
        if _copy_new(source, target):
            copied.append(target)
        else:
            kept.append(target)
    return copied, kept


def _copy_new(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` only if ``target`` does not exist; False if it
    does.

    The copy is written beside the target, then linked into place: a reader never sees
    half a notebook, and a file that appears meanwhile is not replaced.
    """
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system: exclusive creation instead
        try:
            with open(target, "xb") as out:
                out.write(tmp.read_bytes())
            return True
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)


def stale_chapters(solutions: Path, chapters: Path) -> list[str]:
    """Names of chapter notebooks missing or different from what the generator
    writes."""
    expected = expected_chapters(solutions)
    stale = [
        n
        for n, text in expected.items()
        if not (Path(chapters) / n).exists()
        or (Path(chapters) / n).read_text(encoding="utf-8") != text
    ]
    extra = [
        p.name for p in Path(chapters).glob(CHAPTER_GLOB) if p.name not in expected
    ]
    manifest = (
        []
        if read_manifest(chapters) == {n: _sha(t) for n, t in expected.items()}
        else [MANIFEST]
    )
    return stale + extra + manifest
