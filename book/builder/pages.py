"""The chapter pages: ``book/NN_name.ipynb`` written from ``solutions/NN_name.md``,
solutions folded, the exercise notebook linked, and stamped with the chapter's
fingerprint (:mod:`.dependencies`); and the table of contents without the chapters that
are not written yet."""

from __future__ import annotations

import copy
import os
import re
import sys
from pathlib import Path

import yaml

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

from .dependencies import chapter_dependencies, chapter_fingerprint, package_files
from .paths import BOOK, CHAPTERS, PACKAGE, REQUIREMENTS, ROOT, SOLUTIONS, log

CHAPTER_NAME = re.compile(r"^\d\d_")


def _fence(text: str) -> str:
    """A colon fence longer than any in ``text``, so it can wrap it."""
    longest = max(
        (len(m.group(0)) for m in re.finditer(r"^:{3,}", text, re.M)), default=2
    )
    return ":" * max(3, longest + 1)


def exercise_box(name: str, book: Path = BOOK) -> str:
    """The Markdown of the box that links a chapter's exercise notebook from a page in
    ``book``."""
    link = Path(os.path.relpath(CHAPTERS / name, book)).as_posix()
    return (
        ":::{admonition} Do the exercises yourself\n:class: tip\nOn this page the"
        " solutions are folded away: **Show solution** opens one.\nDownload the"
        f" exercise notebook {{download}}`{name} <{link}>`, or run `make lab` and"
        f" open\n`my_work/{name}`, your own copy that no command overwrites; `make"
        " grade` grades it.\n:::\n"
    )


# A line that only marks where a solution begins or ends: the page shows the code alone.
MARKER_LINE = re.compile(
    rf"^[ \t]*(?:{re.escape(BEGIN)}|{re.escape(END)})[^\n]*(?:\n|$)", re.M
)


def chapter_page(
    solution: dict, name: str, fingerprint: str = "", book: Path = BOOK
) -> dict:
    """The book's version of a solutions notebook (a new dict; the input is unchanged).

    Code cells holding a solution (``# BEGIN SOLUTION``, or tagged ``solution-only``)
    lose their marker lines and get the ``hide-input`` tag and a "Show solution" button;
    Markdown cells tagged ``solution-only`` become a folded "Solution" drop-down; the
    exercise box goes after the first cell (the title and objectives); a hidden last
    cell holds the chapter's ``fingerprint``. Outputs are dropped: the book executes the
    notebook. ``book`` is the folder the page goes in, which the box's link starts from.
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
    box = {"cell_type": "markdown", "metadata": {}, "source": exercise_box(name, book)}
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


def prepare_chapters(book: Path = BOOK, requirements: Path = REQUIREMENTS) -> list[str]:
    """Write book/NN_*.ipynb from solutions/; remove pages whose source is gone.

    ``book`` is where the pages go, ``requirements`` the pins their stamps hash.
    """
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
            solution,
            name,
            chapter_fingerprint(dependencies, PACKAGE, requirements),
            book,
        )
        changed = write_if_changed(book / name, dumps(page))
        log(
            f"chapter {source.stem}: {'updated' if changed else 'unchanged'} "
            f"(depends on {len(dependencies)} of {package_size} package files)"
        )
        names.append(source.stem)
    for stale in book.glob(CHAPTER_GLOB):
        if stale.stem not in names:
            stale.unlink()
            log(
                f"removed {stale.relative_to(ROOT)} (no solutions/{stale.stem}.md any"
                " more)"
            )
    return names


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
