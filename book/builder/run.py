"""Running the build: this build's configuration, the execution cache of each mode,
the kernels' settings, ``jupyter-book build`` with its output filtered into the log, and
the summary printed at the end (also in ``book/_build/last_build.json``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from mnist_course.authoring import write_if_changed

from .assets import asset_config, serve_widget_bundles
from .live import export_live_model
from .pages import effective_toc, pages, prepare_chapters
from .paths import BOOK, BUILD, HTML, JUPYTER_CACHE, ROOT, WARNINGS, log

FAST_BANNER = (
    "Built in fast mode (MNIST_COURSE_FAST=1): the notebooks ran on small subsets for "
    "one epoch, so the numbers on these pages are not the course's real results."
)


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
# Written by book/build.py (see KERNEL_CONFIG in book/builder/run.py).
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


def ipython_dir(build: Path = BUILD) -> Path:
    """An IPython folder in ``build`` for the build's kernels, configured by
    :data:`KERNEL_CONFIG`: the user's start-up files do not apply. Python's own
    warnings still show."""
    folder = build / ".ipython"
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
