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

import base64
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
    files += list((BOOK / "builder").rglob("*.py"))
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


# The pages with live panels, and which: the book's sources say where they go.
LIVE_PAGES = {
    page: re.findall(r'class="mnist-live" data-panel="(\w+)"', text)
    for page, text in (
        (path.stem, path.read_text(encoding="utf-8"))
        for path in [BOOK / "intro.md", *(ROOT / "solutions").glob(build.SOURCE_GLOB)]
    )
    if 'class="mnist-live"' in text
}


def test_the_live_panels_are_where_the_issue_puts_them():
    """Draw on the front page and in chapter 3; robustness and convolution in
    chapter 3, each after the explorer it brings to life."""
    assert "draw" in LIVE_PAGES.get("intro", []), LIVE_PAGES
    assert sorted(LIVE_PAGES.get("03_cnn_layers", [])) == [
        "convolution",
        "draw",
        "robustness",
    ], LIVE_PAGES


@pytest.mark.parametrize("page", sorted(LIVE_PAGES))
def test_a_page_with_live_panels_loads_the_network_once_and_shows_them(visit, page):
    v = visit(f"{page}.html")
    scripts = v.page.evaluate(
        "() => Array.from(document.scripts).map(s => s.getAttribute('src') || '')"
    )
    for name in ("_static/mnist-live-model.js", "_static/live.js"):
        assert sum(src.endswith(name) for src in scripts) == 1, (page, name, scripts)
    v.page.evaluate("() => window.mnistLive.ready")
    for kind in LIVE_PAGES[page]:
        panel = v.page.locator(f'.mnist-live[data-panel="{kind}"]').first
        note = panel.locator(".mnist-live-note")
        note.wait_for(timeout=10_000)
        assert "Running in your browser" in note.inner_text()


# The one warning not ours: @jupyter-widgets/html-manager compiles its widget-state
# schema with ajv in strict mode, which warns about the schema's union types on every
# page with widget snapshots (chapter 3 has both).
WIDGET_EMBEDDER_WARNING = re.compile(r"strict mode: use allowUnionTypes ")


@pytest.fixture
def live_page(chromium, server):
    """live_page(path) -> a fresh page (its own context) with its panels drawn; the
    test fails if the page logged an error or a warning."""
    contexts, problems = [], []

    def open_page(path: str):
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                m.type in ("error", "warning")
                and not WIDGET_EMBEDDER_WARNING.match(m.text)
                and problems.append(f"{m.type}: {m.text}")
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).scheme in ("http", "https")
                and urlparse(r.url).hostname != "127.0.0.1"
                and problems.append(f"request off 127.0.0.1: {r.url}")
            ),
        )
        page.goto(server + path, wait_until="load")
        page.evaluate("() => window.mnistLive.ready")
        page.locator(".mnist-live .mnist-live-note").first.wait_for(timeout=10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture(scope="session")
def live_model(book_html):
    import keras

    return keras.saving.load_model(live_model_path(book_html))


def panel_state(page, kind: str) -> dict:
    """What a panel computed last (``root.mnistLiveState``), typed arrays as lists."""
    return page.evaluate(
        """kind => {
            const state = document.querySelector(
                `.mnist-live[data-panel="${kind}"]`).mnistLiveState;
            const out = {};
            for (const [k, v] of Object.entries(state))
                out[k] = v && typeof v === "object" && "length" in v
                    ? Array.from(v) : v;
            return out;
        }""",
        kind,
    )


def next_frames(page) -> None:
    page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


def pad_picture(page) -> Image.Image:
    """The draw panel's canvas, as the PNG a reader would save of it."""
    url = page.evaluate(
        "() => document.querySelector('canvas.mnist-live-pad').toDataURL('image/png')"
    )
    return Image.open(io.BytesIO(base64.b64decode(url.split(",")[1])))


def trace(page, digit: np.ndarray) -> None:
    """Draw ``digit`` (28×28 uint8) on the pad with the mouse, row by row."""
    from mnist_course.live import pen_strokes

    box = page.locator("canvas.mnist-live-pad").bounding_box()
    for y, start, end in pen_strokes(digit, pad=box["width"]):
        page.mouse.move(box["x"] + start, box["y"] + y)
        page.mouse.down()
        page.mouse.move(box["x"] + end, box["y"] + y, steps=3)
        page.mouse.up()


def check_against_python(page, live_model) -> dict:
    """The draw panel's 28×28 image and probabilities against mnist_course.preprocess
    on the same canvas picture and the Keras model on its result."""
    from mnist_course.preprocess import to_mnist

    next_frames(page)
    state = panel_state(page, "draw")
    expected_image = to_mnist(pad_picture(page)).astype(int)
    got_image = np.array(state["image"]).reshape(28, 28)
    worst = np.abs(got_image - expected_image).max()
    assert worst <= 1, f"the panel's 28×28 image differs by {worst} grey levels"
    expected = live_model.predict(
        (expected_image / 255).astype(np.float32)[None, ..., None], verbose=0
    )[0]
    got = np.array(state["probabilities"])
    assert got.argmax() == expected.argmax()
    assert np.abs(got - expected).max() < 1e-4, np.abs(got - expected).max()
    return state


def test_digits_drawn_with_the_mouse_are_seen_as_predict_sees_them(
    live_page, live_model, mnist_dir
):
    """One real test digit of each class, traced with the mouse: the page's 28×28
    image is what ``python -m mnist_course predict`` makes of the same picture, and
    the network in the page answers as Keras does."""
    from mnist_course import load_mnist

    _, (x_test, y_test) = load_mnist()
    page = live_page("intro.html")
    clear = page.get_by_role("button", name="Clear")
    right = 0
    for digit in range(10):
        clear.click()
        trace(page, x_test[np.argmax(y_test == digit)])
        state = check_against_python(page, live_model)
        right += int(np.argmax(state["probabilities"]) == digit)
        answer = page.locator(".mnist-live-answer").inner_text()
        assert answer.startswith("Your digit: the network says"), answer
    # traced by rows with a round pen, the digits stay readable to the network
    assert right >= 7, f"only {right} of 10 traced digits recognised"


def test_the_clear_button_and_a_test_digit_on_the_pad(live_page, live_model):
    page = live_page("03_cnn_layers.html")
    panel = page.locator('.mnist-live[data-panel="draw"]')
    panel.get_by_role("button", name="test digit labelled 3").click()
    state = check_against_python(page, live_model)
    assert np.argmax(state["probabilities"]) == 3
    assert panel.locator("ol.mnist-live-bars li").count() == 10
    panel.get_by_role("button", name="Clear").click()
    next_frames(page)
    assert panel_state(page, "draw")["image"] is None
    assert np.asarray(pad_picture(page).convert("L")).min() == 255  # all white
    assert panel.locator("ol.mnist-live-bars").count() == 0
    answer = panel.locator(".mnist-live-answer").inner_text()
    assert answer == "Draw a digit in the box."


def test_the_panels_answer_the_keyboard(live_page):
    """Every control is a button, a slider, a list or a text field: Tab reaches it
    and Enter or the arrow keys work it."""
    page = live_page("03_cnn_layers.html")
    draw = page.locator('.mnist-live[data-panel="draw"]')
    draw.get_by_role("button", name="test digit labelled 6").focus()
    page.keyboard.press("Enter")
    next_frames(page)
    assert panel_state(page, "draw")["image"] is not None
    rotation = page.locator('.mnist-live[data-panel="robustness"] input[data-name]')
    rotation.first.focus()
    page.keyboard.press("ArrowRight")  # one step: 5 degrees
    assert panel_state(page, "robustness")["settings"]["rotation"] == 5
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.dataset.name")
    assert focused == "shiftX"


def test_without_javascript_the_snapshot_stays_and_says_why(chromium, server):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "03_cnn_layers.html", wait_until="load")
        notes = page.locator(".mnist-live noscript")
        assert notes.count() == 3
        text = page.locator(".mnist-live").first.inner_text()
        assert "This live panel needs JavaScript" in text
        # the figures stay (the widget snapshots themselves need JavaScript too)
        assert page.locator("img").count() > 3
    finally:
        context.close()


def test_the_robustness_panel_moves_the_digit_as_the_python_explorer_does(
    live_page, live_model, mnist_dir
):
    from mnist_course.live import test_examples
    from mnist_course.widgets import RobustnessExplorer

    page = live_page("03_cnn_layers.html")
    panel = page.locator('.mnist-live[data-panel="robustness"]')
    panel.get_by_role("button", name="test digit labelled 4").click()
    explorer = RobustnessExplorer(live_model, dict(test_examples())[4], label=4)
    settings = [
        {"rotation": 30, "shiftX": 2, "shiftY": -3, "scale": 1.2},
        {"rotation": -75, "scale": 0.65, "noise": 0.35, "erase": 6, "eraseX": 10},
        {"shiftX": -6, "noise": 0.8, "erase": 9, "eraseY": 20},
    ]
    names = {
        "rotation": "rotation",
        "shiftX": "shift_x",
        "shiftY": "shift_y",
        "scale": "scale",
        "noise": "noise",
        "erase": "erase",
        "eraseX": "erase_x",
        "eraseY": "erase_y",
    }
    for setting in settings:
        panel.get_by_role("button", name="Reset").click()
        explorer.reset_controls()
        for name, value in setting.items():
            panel.locator(f'input[data-name="{name}"]').evaluate(
                "(input, value) => { input.value = value;"
                " input.dispatchEvent(new Event('input')); }",
                value,
            )
            getattr(explorer, names[name]).value = value
        state = panel_state(page, "robustness")
        assert state["settings"] == {**state["settings"], **setting}
        image = np.array(state["image"]).reshape(28, 28).astype(int)
        assert np.abs(image - explorer.shown_image).max() <= 1, setting
        got = np.array(state["probabilities"])
        assert np.abs(got - explorer.probabilities).max() < 1e-4, setting
    panel.get_by_role("button", name="Reset").click()
    state = panel_state(page, "robustness")
    assert state["settings"] == {
        "rotation": 0,
        "shiftX": 0,
        "shiftY": 0,
        "scale": 1,
        "noise": 0,
        "erase": 0,
        "eraseX": 14,
        "eraseY": 14,
    }


def test_the_convolution_panel_computes_chapter_3s_maps(live_page, mnist_dir):
    from mnist_course.exercises.ch03 import max_pool2d
    from mnist_course.live import test_examples
    from mnist_course.widgets.convolution import PRESETS, convolve

    page = live_page("03_cnn_layers.html")
    panel = page.locator('.mnist-live[data-panel="convolution"]')
    seven = dict(test_examples())[7].astype(np.float32) / 255
    kernel_box = panel.get_by_label("kernel", exact=True)
    assert kernel_box.input_value() == "sobel y"  # as the playground above it opens

    def compare(kernel: np.ndarray) -> None:
        state = panel_state(page, "convolution")
        feature = convolve(seven, kernel)
        relu = np.maximum(feature, 0)
        for name, expected in (
            ("feature", feature),
            ("relu", relu),
            ("pooled", max_pool2d(relu)),
        ):
            got = np.array(state[name]).reshape(expected.shape)
            assert np.abs(got - expected).max() < 1e-4, (name, kernel)

    compare(PRESETS["sobel y"])
    kernel_box.select_option("blur")
    compare(PRESETS["blur"])
    custom = [0.5, -1.25, 0, 2, 0.1, -0.3, 0, 0, 1]
    for i, value in enumerate(custom):
        panel.get_by_label(f"kernel weight, row {i // 3 + 1}, column {i % 3 + 1}").fill(
            str(value)
        )
    assert kernel_box.input_value() == "custom"
    compare(np.array(custom, dtype=np.float32).reshape(3, 3))
    caption = panel.locator("figcaption").filter(has_text="feature map").inner_text()
    assert "26×26" in caption


@pytest.mark.parametrize("page_name", sorted(LIVE_PAGES))
def test_the_live_panels_work_from_a_file_url(
    chromium, book_html, test_digits, page_name
):
    images, _ = test_digits
    context = chromium.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        url = (book_html / f"{page_name}.html").resolve().as_uri()
        page.goto(url, wait_until="load")
        got = live_predictions(page, images[:3])
        assert got.shape == (3, 10) and np.allclose(got.sum(axis=1), 1, atol=1e-5)
        for kind in LIVE_PAGES[page_name]:
            panel = page.locator(f'.mnist-live[data-panel="{kind}"]')
            panel.get_by_role("button", name="test digit labelled 5").click()
            if kind != "convolution":
                assert panel.locator("ol.mnist-live-bars li").count() == 10, kind
        assert not errors, errors
    finally:
        context.close()
