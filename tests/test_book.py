"""The built book, in a real browser: every page works offline and shows real output.

The tests read ``book/_build/html``. When it is missing or older than its sources
(the book's pages and config, ``solutions/``, ``chapters/``, ``mnist_course/``), the
session first builds it in fast mode with ``book/build.py --fast``.

They drive Debian's Chromium (``/usr/bin/chromium``) through Playwright; without it
they are skipped (``apt-get install chromium``), unless
``MNIST_COURSE_REQUIRE_BROWSER=1`` (as in CI), which makes a missing browser a failure.
A screenshot of every page is saved under ``book/_build/screenshots/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import re
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image

from tests.conftest import build_book, load_build_script

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
SCREENSHOTS = BOOK / "_build" / "screenshots"
WIDGET_TIMEOUT_MS = 20_000

# The first test may build the book (fast mode) in its setup: allow for it.
pytestmark = pytest.mark.timeout(1800)


build = load_build_script()
PAGES = build.pages()
CHAPTERS = [page for page in PAGES if build.CHAPTER_NAME.match(page)]


def _sources() -> list[Path]:
    """Files whose change makes the built book out of date."""
    files = [
        p for p in BOOK.iterdir() if p.is_file() and p.suffix in {".md", ".yml", ".py"}
    ]
    files += [p for p in (BOOK / "_assets").rglob("*") if p.is_file()]
    files += list((ROOT / "solutions").glob(build.SOURCE_GLOB))
    files += list((ROOT / "chapters").glob(build.CHAPTER_GLOB))
    files += list((ROOT / "mnist_course").rglob("*.py"))
    return files


@pytest.fixture(scope="session")
def book_html() -> Path:
    """book/_build/html, built in fast mode first when missing or out of date."""
    index = HTML / "index.html"
    newest = max(p.stat().st_mtime for p in _sources())
    if not index.exists() or index.stat().st_mtime < newest:
        build_book()
    assert index.exists()
    return HTML


@pytest.fixture(scope="session")
def server(book_html):
    """The built book, served on 127.0.0.1 at a free port; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(book_html))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


class Visit:
    """What loading one page showed: requests, failures, console errors, the DOM."""

    def __init__(self, browser, url: str, screenshot: Path, ready: str | None = None):
        self.url, self.requests, self.failed, self.errors = url, [], [], []
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = page = context.new_page()
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.failed.append(f"{r.url} (HTTP {r.status})")
            ),
        )
        page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.response = page.goto(url, wait_until="load")
        self.widget_views = page.locator(
            'script[type="application/vnd.jupyter.widget-view+json"]'
        ).count()
        if self.widget_views:
            # the embedder replaces nothing: it inserts a rendered view before each
            # view tag. Not waited for in vain: the test on widgets says what is
            # missing.
            with contextlib.suppress(Exception):
                page.wait_for_function(
                    "n => document.querySelectorAll("
                    "'.widget-subarea > .jupyter-widgets').length >= n",
                    arg=self.widget_views,
                    timeout=WIDGET_TIMEOUT_MS,
                )
        if page.evaluate("() => !!(window.MathJax && window.MathJax.startup)"):
            page.evaluate("() => window.MathJax.startup.promise")
        if ready:
            # no error here if it never shows: the test says what is missing
            with contextlib.suppress(Exception):
                page.locator(ready).first.wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "() => Promise.all(Array.from(document.images).map(i => i.decode().catch(()"
            " => null)))"
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)

    def outside_requests(self) -> list[str]:
        return [
            u
            for u in self.requests
            if urlparse(u).scheme not in {"data", "blob", "about"}
            and urlparse(u).hostname != "127.0.0.1"
        ]


@pytest.fixture(scope="session")
def visit(chromium, server):
    """visit(path) -> Visit, each page loaded once per session."""
    seen: dict[str, Visit] = {}

    def load(path: str, ready: str | None = None) -> Visit:
        if path not in seen:
            name = (
                re.sub(r"[^A-Za-z0-9_-]+", "_", path.replace(".html", "")).strip("_")
                or "index"
            )
            seen[path] = Visit(
                chromium, server + path, SCREENSHOTS / f"{name}.png", ready
            )
        return seen[path]

    yield load
    for v in seen.values():
        v.page.context.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_failed_requests_or_console_errors(visit, page):
    v = visit(f"{page}.html")
    assert v.response is not None and v.response.ok, (
        f"{page}.html: HTTP {v.response and v.response.status}"
    )
    assert not v.outside_requests(), (
        f"{page}.html reached outside 127.0.0.1: {v.outside_requests()}"
    )
    assert not v.failed, f"{page}.html: failed requests: {v.failed}"
    assert not v.errors, f"{page}.html: {v.errors}"


@pytest.mark.parametrize("page", PAGES)
def test_every_image_is_drawn(visit, page):
    v = visit(f"{page}.html")
    images = v.page.evaluate(
        "() => Array.from(document.images).map(i => [i.getAttribute('src') || '', i.alt"
        " || '', i.naturalWidth])"
    )
    broken = [(src[:80], alt) for src, alt, width in images if width == 0]
    assert not broken, f"{page}.html: images that did not load: {broken}"


@pytest.mark.parametrize("page", PAGES)
def test_no_error_output_or_traceback(visit, page):
    v = visit(f"{page}.html")
    tracebacks = v.page.locator(".output.traceback, .cell_output .traceback").count()
    stderr = [
        t
        for t in v.page.locator(".output.stderr").all_inner_texts()
        if re.search(r"Error|Traceback", t)
    ]
    text = v.page.locator("main").inner_text()
    assert tracebacks == 0, f"{page}.html shows {tracebacks} traceback output(s)"
    assert not stderr, (
        f"{page}.html shows errors on stderr: {[s[:300] for s in stderr]}"
    )
    assert "Traceback (most recent call last)" not in text, (
        f"{page}.html shows a Python traceback"
    )


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset_offline(visit, page):
    v = visit(f"{page}.html")
    formulas = v.page.locator("span.math, div.math").count()
    rendered = v.page.locator("mjx-container").count()
    assert rendered >= formulas, (
        f"{page}.html: {formulas} formulas, {rendered} typeset by MathJax"
    )


def test_glossary_math_renders(visit):
    """The glossary has formulas (softmax, ReLU): MathJax, served with the book, draws
    them."""
    v = visit("glossary.html")
    assert v.page.locator("mjx-container").count() >= 3


# axe-core, the engine of Lighthouse's accessibility audit, from npm, pinned like the
# widget JavaScript; the WCAG 2 A and AA rules.
AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa"]
# and the structure rules of its best practices (not WCAG criteria, but what a screen
# reader's user navigates by): one h1, headings in order, one main landmark
AXE_STRUCTURE = ["page-has-heading-one", "heading-order", "landmark-one-main"]
# link texts that say nothing once read out of their sentence, as screen readers list
# them
VAGUE_LINKS = re.compile(r"^(here|click here|this|link|more|read more)$", re.I)


@pytest.fixture(scope="session")
def axe_source() -> str:
    folder = BOOK / "_build" / ".axe"
    script = folder / f"axe-{AXE_VERSION}.min.js"
    if not script.exists():
        tarball = build._npm_pack("axe-core", AXE_VERSION, folder)
        build._extract(tarball, {"axe.min.js": script.name}, folder)
    return script.read_text(encoding="utf-8")


def accessibility_violations(page, axe_source: str) -> list[str]:
    """What axe-core finds on ``page`` as it is now: one line per element."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source)
    violations = []
    for kind, values in (("tag", AXE_TAGS), ("rule", AXE_STRUCTURE)):
        results = page.evaluate(
            "([kind, values]) => axe.run(document, {runOnly: {type: kind, values},"
            " resultTypes: ['violations']})",
            [kind, values],
        )
        violations += results["violations"]
    found = [
        f"{rule['id']} ({rule['impact']}) at {' '.join(map(str, node['target']))}:"
        f" {' '.join(node['failureSummary'].split())[:160]}"
        for rule in violations
        for node in rule["nodes"]
    ]
    links = page.locator("main a").all_inner_texts()
    found += [
        f"link text {t!r} says nothing alone"
        for t in links
        if VAGUE_LINKS.match(t.strip())
    ]
    return found


def set_theme(page, theme: str) -> None:
    """The book theme's light or dark mode, as its switch sets it."""
    page.evaluate(
        "t => { document.documentElement.dataset.mode = t;"
        " document.documentElement.dataset.theme = t; }",
        theme,
    )
    page.wait_for_timeout(400)  # colour transitions


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_page_passes_an_accessibility_audit(visit, axe_source, page, theme):
    v = visit(f"{page}.html")
    set_theme(v.page, theme)
    try:
        found = accessibility_violations(v.page, axe_source)
    finally:
        set_theme(v.page, "light")
    assert not found, (
        f"{page}.html in {theme} mode: {len(found)} WCAG 2 A/AA violation(s) (axe-core"
        f" {AXE_VERSION}):\n" + "\n".join(found[:20])
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_shows_a_rendered_widget(visit, chapter):
    v = visit(f"{chapter}.html")
    assert v.widget_views > 0, (
        f"{chapter}.html has no widget: each chapter should display at least one widget"
        " explorer (its state is saved when the book executes the notebook)"
    )
    views = v.page.locator(".widget-subarea > .jupyter-widgets")
    assert views.count() >= v.widget_views, (
        f"{chapter}.html: {v.widget_views} widget(s) in the page, {views.count()}"
        " rendered (is the widget embedder served? see the console errors test)"
    )
    errors = v.page.locator(".jupyter-widgets-error-widget").count()
    assert errors == 0, f"{chapter}.html: {errors} widget(s) rendered as an error"
    sizes = views.evaluate_all("els => els.map(e => [e.offsetWidth, e.offsetHeight])")
    assert all(w > 0 and h > 0 for w, h in sizes), (
        f"{chapter}.html: a widget rendered empty: {sizes}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_folds_its_solutions(visit, chapter):
    source = (ROOT / "solutions" / f"{chapter}.md").read_text(encoding="utf-8")
    v = visit(f"{chapter}.html")
    folded = v.page.locator(
        "details.hide:not([open]) summary", has_text="Show solution"
    )
    solutions = source.count(build.BEGIN)
    assert solutions == 0 or folded.count() >= 1, f"{chapter}.html: no folded solution"
    visible = [
        c
        for c in v.page.locator(
            "div.cell:not(.tag_hide-input) div.cell_input"
        ).all_inner_texts()
        if build.BEGIN in c
    ]
    assert not visible, (
        f"{chapter}.html shows solution code unfolded: {visible[0][:200]}"
    )
    shown = [
        c
        for c in v.page.locator("div.cell div.cell_input").all_text_contents()
        if build.BEGIN in c or build.END in c
    ]
    assert not shown, f"{chapter}.html shows the solution markers: {shown[0][:200]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_alt_text_saying_what_it_shows(visit, chapter):
    """A figure's alt text is a sentence from the cell's metadata, never its file
    name."""
    v = visit(f"{chapter}.html")
    figures = v.page.locator(".cell_output img:not(.widget-image)").evaluate_all(
        "imgs => imgs.map(i => [i.getAttribute('src') || '', i.getAttribute('alt') ||"
        " ''])"
    )
    assert figures, f"{chapter}.html shows no figure"
    bad = [
        (src[-40:], alt)
        for src, alt in figures
        if len(alt.split()) < 6 or re.search(r"\.(png|jpe?g|svg)$", alt)
    ]
    assert not bad, (
        f"{chapter}.html: figures without alt text that says what they show: {bad}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_code_or_output_scrolls_sideways(visit, chapter):
    """Code blocks and printed output fit the text column: nothing hides past its
    edge."""
    v = visit(f"{chapter}.html")  # at 1280x900, as every visit
    wide = v.page.locator("div.cell_input pre, div.cell_output pre").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e =>"
        " e.innerText.split('\\n').sort((a, b) => b.length - a.length)[0].slice(0, 90))"
    )
    assert not wide, (
        f"{chapter}.html: {len(wide)} block(s) scroll sideways, e.g. {wide[:3]}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_check_your_understanding_answers_are_folded(visit, chapter):
    """Each question at the end of a chapter has an answer, closed until the reader
    opens it."""
    v = visit(f"{chapter}.html")
    section = v.page.locator(
        "section", has=v.page.locator("h2", has_text="Check your understanding")
    ).last
    questions = section.locator(":scope > p", has_text=re.compile(r"^\d+\.")).count()
    folded = section.locator("details.answer:not([open])")
    assert questions >= 3 and folded.count() == questions, (
        f"{chapter}.html: {questions} questions, {folded.count()} folded answers"
    )
    assert all(
        not text.strip()
        for text in folded.evaluate_all(
            "els => els.map(e => Array.from(e.children).filter(c => c.tagName !=="
            " 'SUMMARY').map(c => c.checkVisibility() ? c.innerText : '').join(''))"
        )
    ), f"{chapter}.html: an answer shows while folded"
    first = section.locator("details.answer").first
    first.locator("summary").click()
    assert (
        first.evaluate("e => e.open") and first.locator(":scope > p").first.is_visible()
    ), f"{chapter}.html: clicking Answer did not open it"
    first.locator("summary").click()
    assert not first.evaluate("e => e.open")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_links_its_exercise_notebook(visit, server, chapter):
    v = visit(f"{chapter}.html")
    links = v.page.locator(f'a.download[href$="/{chapter}.ipynb"]')
    assert links.count() >= 1, (
        f"{chapter}.html has no download link to its exercise notebook"
    )
    href = links.first.get_attribute("href")
    with urllib.request.urlopen(server + href, timeout=10) as response:
        served = response.read()
    assert served == (ROOT / "chapters" / f"{chapter}.ipynb").read_bytes(), (
        f"{href} is not chapters/{chapter}.ipynb"
    )


def test_search_finds_convolution(visit):
    v = visit("search.html?q=convolution", ready="#search-results ul.search li")
    results = v.page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    hits = results.all_inner_texts()
    assert any("Glossary" in hit or "onvolution" in hit for hit in hits), hits
    assert not v.outside_requests() and not v.failed and not v.errors, (
        v.outside_requests(),
        v.failed,
        v.errors,
    )


def test_feature_map_explorer_shows_its_first_view_on_the_static_page(visit):
    """Chapter 6's FeatureMapExplorer: the first convolution's channels for the first
    digit, without a kernel."""
    v = visit("06_visualization.html")
    explorer = v.page.locator(
        ".jupyter-widgets.widget-vbox", has=v.page.locator("select")
    ).filter(has_text="channels of")
    assert explorer.count() >= 1, (
        "06_visualization.html: no FeatureMapExplorer with a layer menu and its"
        " channels"
    )
    widget = explorer.first
    assert "conv2d" in widget.locator("select").input_value()
    drawn = widget.locator("img").evaluate_all(
        "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert len(drawn) >= 2 and all(w > 0 and h > 0 for w, h in drawn), (
        f"the explorer's images: {drawn}"
    )


def test_chapter_page_shows_a_solution_without_its_markers():
    """The folded solution on the page is the code alone; the exercise stub is
    unaffected."""
    solution = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": (
                    "def f(x):\n    # BEGIN SOLUTION\n    return x + 1\n    # END"
                    " SOLUTION\n"
                ),
            },
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "print('# BEGIN SOLUTION is a marker')",
            },
        ]
    }
    page = build.chapter_page(solution, "01_x.ipynb")
    code = [c for c in page["cells"] if c["cell_type"] == "code"]
    folded, other = (build.cell_source(c) for c in code)
    assert folded == "def f(x):\n    return x + 1\n"
    assert "hide-input" in code[0]["metadata"]["tags"]
    assert other == "print('# BEGIN SOLUTION is a marker')"
    assert build.BEGIN in solution["cells"][0]["source"], (
        "the solution itself is unchanged"
    )


@pytest.mark.parametrize(
    "chapter",
    [
        c
        for c in CHAPTERS
        if "DrawDigit(" in (ROOT / "solutions" / f"{c}.md").read_text()
    ],
)
def test_the_drawing_pad_shows_its_drawing_without_a_kernel(visit, chapter):
    """DrawDigit's canvas is empty on a static page; the saved image under it shows the
    drawing."""
    v = visit(f"{chapter}.html")
    pads = v.page.locator(".widget-gridbox", has=v.page.locator("canvas"))
    assert pads.count() >= 1, f"{chapter}.html: no drawing pad"
    picture = np.asarray(Image.open(io.BytesIO(pads.first.screenshot())).convert("L"))
    ink = float(np.mean(picture < 100))
    assert 0.01 < ink < 0.5, (
        f"{chapter}.html: the pad shows {ink:.1%} dark pixels, not a drawing"
    )


# ------------------------------------------------------------------ live panels


def live_model_path(book_html) -> Path:
    """The .keras file the built book's live panels run (fast or full build)."""
    fast = build.FAST_BANNER in (book_html / "intro.html").read_text(encoding="utf-8")
    stamp = build.LIVE / ("static-fast.json" if fast else "static.json")
    return Path(json.loads(stamp.read_text())["model"])


@pytest.fixture(scope="session")
def test_digits(mnist_dir) -> tuple[np.ndarray, np.ndarray]:
    """Two test digits of each class, float32 in [0, 1], and their labels."""
    from mnist_course import load_mnist

    _, (x_test, y_test) = load_mnist()
    index = np.concatenate([np.flatnonzero(y_test == d)[:2] for d in range(10)])
    return x_test[index].astype(np.float32) / 255, y_test[index]


def live_predictions(page, images: np.ndarray) -> np.ndarray:
    page.evaluate("() => window.mnistLive.ready")
    return np.array(
        page.evaluate(
            "rows => rows.map(r => window.mnistLive.predict(r))",
            images.reshape(len(images), 784).tolist(),
        )
    )


def test_the_network_in_the_page_answers_as_keras_does(visit, book_html, test_digits):
    import keras

    images, labels = test_digits
    model = keras.saving.load_model(live_model_path(book_html))
    expected = model.predict(images[..., None], verbose=0)
    got = live_predictions(visit("intro.html").page, images)
    assert got.shape == (20, 10)
    assert np.abs(got - expected).max() < 1e-4, np.abs(got - expected).max()
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_the_live_panel_shows_a_digit_and_its_ten_probabilities(visit):
    page = visit("intro.html").page
    panel = page.locator('.mnist-live[data-panel="examples"]')
    panel.locator("ol.mnist-live-bars li").first.wait_for(timeout=10_000)
    assert panel.locator("ol.mnist-live-bars li").count() == 10
    assert "the network says" in panel.locator(".mnist-live-answer").inner_text()
    panel.get_by_role("button", name="test digit labelled 3").click()
    assert panel.get_attribute("data-shown") == "3"
    answer = panel.locator(".mnist-live-answer").inner_text()
    assert answer.startswith("Labelled 3; the network says"), answer
    values = [
        float(t.split()[0])
        for t in panel.locator("ol.mnist-live-bars .value").all_inner_texts()
    ]
    assert sum(values) == pytest.approx(100, abs=0.6)
    canvas = panel.locator("canvas.mnist-live-digit")
    assert canvas.get_attribute("aria-label") == "test digit labelled 3"


def test_the_live_network_works_from_a_file_url(chromium, book_html, test_digits):
    images, _ = test_digits
    context = chromium.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((book_html / "intro.html").resolve().as_uri(), wait_until="load")
        got = live_predictions(page, images[:3])
        assert got.shape == (3, 10) and np.allclose(got.sum(axis=1), 1, atol=1e-5)
        assert page.locator("ol.mnist-live-bars li").count() == 10
        assert not errors, errors
    finally:
        context.close()
