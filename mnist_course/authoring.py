"""Single source for the chapters: ``solutions/NN_*.ipynb`` → ``chapters/NN_*.ipynb``.

In a solution notebook, the code between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
becomes a stub (``# YOUR CODE HERE`` / ``raise NotImplementedError``, at the marker's
indentation), and cells tagged ``solution-only`` are dropped. Outputs are stripped.

>>> print(strip_solution("def f(x):\\n    # BEGIN SOLUTION\\n    return x\\n    # END SOLUTION\\n"))
def f(x):
    # YOUR CODE HERE
    raise NotImplementedError
<BLANKLINE>
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_ONLY = "solution-only"
CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"  # chapter notebooks: NN_topic.ipynb
_REGION = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(\n|$)", re.S | re.M)


def strip_solution(source: str) -> str:
    """Replace every marked solution region of a cell's source by the stub."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers in:\n{source}")
    return _REGION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError{m.group(2)}", source)


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def exercise_notebook(solution: dict) -> dict:
    """The student version of a solution notebook (a new dict; the input is unchanged)."""
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
    """Serialize like Jupyter does (1-space indent, trailing newline) for stable diffs."""
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def expected_chapters(solutions: Path) -> dict[str, str]:
    """File name → the exact text ``chapters/`` should hold."""
    return {
        path.name: dumps(exercise_notebook(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted(Path(solutions).glob(CHAPTER_GLOB))
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


def write_chapters(solutions: Path, chapters: Path) -> list[Path]:
    """Regenerate every chapter notebook; returns the files written."""
    chapters = Path(chapters)
    chapters.mkdir(parents=True, exist_ok=True)
    return [chapters / name for name, text in expected_chapters(solutions).items() if write_if_changed(chapters / name, text)]


def stale_chapters(solutions: Path, chapters: Path) -> list[str]:
    """Names of chapter notebooks missing or different from what the generator writes."""
    expected = expected_chapters(solutions)
    stale = [n for n, text in expected.items() if not (Path(chapters) / n).exists() or (Path(chapters) / n).read_text(encoding="utf-8") != text]
    extra = [p.name for p in Path(chapters).glob(CHAPTER_GLOB) if p.name not in expected]
    return stale + extra
