"""The chapters' sources keep the page honest and readable.

- No measured number is typed in the prose: a run on another machine, in fast mode or a
  learner's own run prints other numbers, so the code prints them and the text refers to
  "the printed ...". Only the course's constants and targets, listed in ``ALLOWED``
  with the reason, may be typed.
- Code lines stay within 88 characters, so no code block scrolls sideways on the page.
- Every cell that draws a figure says what it shows and what to notice, in its alt text
  (``mystnb.image.alt``) or caption (``mystnb.figure.caption``): the book renders it as
  the image's alternative text (see ``tests/test_book.py`` for the rendered pages).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mnist_course.authoring import SOURCE_GLOB, cell_source, read_source

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob(SOURCE_GLOB))
MAX_CODE_LINE = 88

# What a measured number looks like in prose: a percentage, a duration, a rate, a ratio
# ("3.1x", "4×" but not "28×28"), a difference in points.
MEASURED = re.compile(
    r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?"
    r"(?:%|percent\b|points?\b|seconds?\b|minutes?\b|images/s\b"
    r"|(?<=\s)m?s\b|[x×](?!\s?\d|\w))"
)
# Course constants and targets that may be typed, each with its reason.
ALLOWED = {
    "99.7 %": "the course's target for an ensemble (SPEC)",
    "99.6 %": "the course's target for one model (SPEC)",
    "99 %": "the reference CNN's target (SPEC)",
    "98 %": "the dense baseline's target (SPEC)",
    "95 %": "the confidence level of an interval, a setting",
    "50 %": "a coin flip, a fact of probability",
    "0.3 points": "the most accuracy int8 may cost against float32 (issue 22's bound,"
    " asserted in chapter 8)",
}
# Parts of the prose that hold no measurement: code, math, HTML tags, and the
# check-your-understanding questions, whose numbers are a hypothetical scenario.
NOT_PROSE = re.compile(
    r"`[^`]*`|\$\$[\s\S]*?\$\$|\$[^$\n]*\$|<[^>]+>|^\*\*\d+\.\*\*.*$", re.M
)


def _cells(path: Path) -> list[dict]:
    return read_source(path)["cells"]


def typed_numbers(markdown: str) -> list[str]:
    """The measured-looking numbers typed in a Markdown cell, minus the allowed ones.

    >>> typed_numbers("The CNN gets 98.76 % right in 12 s; the target is 99 %.")
    ['98.76 %', '12 s']
    >>> typed_numbers("A 28×28 image, `x = 0.5 s`, and $0.9 x$ are not measurements.")
    []
    """
    prose = NOT_PROSE.sub(" ", markdown)
    found = [m.group(0).strip() for m in MEASURED.finditer(prose)]
    return [number for number in found if number not in ALLOWED]


def figure_cells(cells: list[dict]) -> list[int]:
    """Indices of the code cells that draw a figure (a course plot or matplotlib)."""
    draws = re.compile(r"\bshow_(digits|bars|curves|reliability)\(|\bplt\.|\.imshow\(")
    return [
        i
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "code" and draws.search(cell_source(cell))
    ]


def test_typed_numbers_finds_what_it_should():
    assert typed_numbers("92.54 % and 3.1x faster, 6,392 images/s, 4.9 points") == [
        "92.54 %",
        "3.1x",
        "6,392 images/s",
        "4.9 points",
    ]
    assert typed_numbers("It reaches 99.7 % with an ensemble.") == []
    assert typed_numbers("**3.** Model A gets 99.20 % and model B 99.10 %.") == []
    answer = "**3.** A question?\n\n<details>\nIt got 97.5 % here.\n</details>"
    assert typed_numbers(answer) == ["97.5 %"], "an answer's numbers are checked"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_prose_types_no_measured_numbers(path):
    typed = [
        f"cell {i}: {number}"
        for i, cell in enumerate(_cells(path))
        if cell["cell_type"] == "markdown"
        for number in typed_numbers(cell_source(cell))
    ]
    assert not typed, (
        f"{path.name} types measured numbers in its prose: {typed}. Print them from the"
        " code cell (a sentence built from the values) and refer to 'the printed ...';"
        " a course constant belongs in ALLOWED, with its reason."
    )


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    """Every line of a {code-cell} block of the source: the code, and its options (an
    image's alt text, which jupytext wraps at about 80 columns after its first word)."""
    long, inside = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = line.startswith("```{code-cell}")
        elif inside and len(line) > MAX_CODE_LINE:
            long.append(f"line {number}: {len(line)} characters: {line.strip()[:60]}…")
    assert not long, (
        f"{path.name} has code lines over {MAX_CODE_LINE} characters:\n"
        + "\n".join(long)
    )


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_figure_says_what_to_notice(path):
    cells = _cells(path)
    missing = []
    for i in figure_cells(cells):
        options = cells[i].get("metadata", {}).get("mystnb", {})
        text = options.get("image", {}).get("alt") or options.get("figure", {}).get(
            "caption"
        )
        if not text or len(text.split()) < 6:
            missing.append(
                f"cell {i}: {cell_source(cells[i]).strip().splitlines()[0][:60]}"
            )
    assert not missing, (
        f"{path.name}: these figures have no alt text saying what they show (cell"
        " metadata mystnb.image.alt, a sentence of at least six words):\n"
        + "\n".join(missing)
    )


def test_the_figure_finder_sees_figures():
    cells = [
        {"cell_type": "code", "source": "show_curves({'a': [1, 2]});"},
        {"cell_type": "code", "source": "print(1)"},
        {"cell_type": "markdown", "source": "show_digits("},
    ]
    assert figure_cells(cells) == [0]
