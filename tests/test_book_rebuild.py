"""A chapter of the book runs again when, and only when, code it can run has changed,
or its outputs are not in the execution cache.

Each chapter page carries a hidden stamp: the hash of the files of ``mnist_course``
its imports reach, and of requirements.txt (``book/build.py``). These tests pin the
rule on a small fake package, then on the real chapters; they neither build the book
nor write into ``book/``. Two tests at the end do: they build the book in fast mode, as
``tests/test_book.py`` does, to see which chapters a rebuild executes and what its log
shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_course.authoring import cell_source, read_source
from tests.conftest import build_book, load_build_script

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
PACKAGE = ROOT / "mnist_course"


build = load_build_script()

# pkg/a.py imports b lazily, nothing imports c, and pkg/sub/d.py imports b relatively.
FAKE_PACKAGE = {
    "__init__.py": "",
    "a.py": "def value():\n    from .b import x\n    return x\n",
    "b.py": "x = 1\n",
    "c.py": "y = 2\n",
    "sub/__init__.py": "",
    "sub/d.py": "from ..b import x\n",
}


@pytest.fixture
def package(tmp_path) -> Path:
    """The fake package ``pkg`` in tmp_path, next to a requirements.txt."""
    root = tmp_path / "pkg"
    for name, text in FAKE_PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (tmp_path / "requirements.txt").write_text("numpy==2.4.6\n")
    return root


def notebook(*code: str) -> dict:
    """A notebook with these code cells, after a Markdown cell whose import must not
    count."""
    cells = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "We never run `import pkg.c` here.",
        }
    ]
    cells += [
        {
            "cell_type": "code",
            "metadata": {},
            "source": text,
            "outputs": [],
            "execution_count": None,
        }
        for text in code
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def files(package: Path, *names: str) -> list[Path]:
    return sorted(package / name for name in names)


def fingerprint(chapter: dict, package: Path) -> str:
    dependencies = build.chapter_dependencies(chapter, package)
    return build.chapter_fingerprint(
        dependencies, package, package.parent / "requirements.txt"
    )


def test_a_lazy_import_inside_a_function_is_followed(package):
    assert build.chapter_dependencies(notebook("import pkg.a"), package) == files(
        package, "__init__.py", "a.py", "b.py"
    )


def test_editing_a_module_nothing_imports_changes_no_fingerprint(package):
    chapters = [
        notebook("import pkg.a"),
        notebook("from pkg.sub import d"),
        notebook("from pkg import b"),
    ]
    before = [fingerprint(chapter, package) for chapter in chapters]
    (package / "c.py").write_text("y = 3\n")
    assert [fingerprint(chapter, package) for chapter in chapters] == before


def test_editing_a_module_imported_lazily_changes_the_fingerprint(package):
    chapter = notebook("import pkg.a")
    before = fingerprint(chapter, package)
    (package / "b.py").write_text("x = 2\n")
    assert fingerprint(chapter, package) != before


def test_editing_the_requirements_changes_every_fingerprint(package):
    chapter = notebook("import pkg.a")
    before = fingerprint(chapter, package)
    (package.parent / "requirements.txt").write_text("numpy==2.4.7\n")
    assert fingerprint(chapter, package) != before


def test_a_submodule_import_runs_the_parent_inits_and_follows_relative_imports(package):
    assert build.chapter_dependencies(
        notebook("from pkg.sub import d"), package
    ) == files(package, "__init__.py", "sub/__init__.py", "sub/d.py", "b.py")


@pytest.mark.parametrize(
    "code",
    [
        "import importlib\nname = 'pkg.c'\nimportlib.import_module(name)",
        "from importlib import import_module\nimport_module('pkg.c')",
        "__import__('pkg')",
        "exec(open('script.py').read())",
        "import runpy\nrunpy.run_path('script.py')",
        "%run script.py",
        "!python -m pkg.c",
        "def broken(:\n    import pkg.c",
    ],
    ids=[
        "import_module of a name",
        "import_module of the package",
        "__import__ of the package",
        "exec of a computed string",
        "runpy",
        "%run",
        "shell line naming the package",
        "syntax error",
    ],
)
def test_what_the_rule_cannot_follow_depends_on_the_whole_package(package, code):
    everything = build.package_files(package)
    assert (
        build.chapter_dependencies(notebook("import pkg.a", code), package)
        == everything
    )
    assert package / "c.py" in everything


def test_a_module_the_rule_cannot_follow_makes_its_importers_depend_on_everything(
    package,
):
    (package / "b.py").write_text(
        "import importlib\n\ndef load(name):\n    return"
        " importlib.import_module(name)\n"
    )
    assert build.chapter_dependencies(
        notebook("import pkg.a"), package
    ) == build.package_files(package)
    assert build.chapter_dependencies(notebook("import pkg.c"), package) == files(
        package, "__init__.py", "c.py"
    )


def test_exec_of_a_string_literal_is_read_as_code(package):
    assert build.chapter_dependencies(
        notebook("exec('import pkg.c')"), package
    ) == files(package, "__init__.py", "c.py")


def test_magic_lines_are_ignored_and_the_cell_still_parses(package):
    chapter = notebook(
        "%matplotlib inline\nimport pkg.c\nfor i in range(2):\n    %time print(i)\n!ls"
    )
    assert build.chapter_dependencies(chapter, package) == files(
        package, "__init__.py", "c.py"
    )


def test_files_that_are_not_python_count_for_every_chapter_but_bytecode_does_not(
    package,
):
    (package / "table.json").write_text("{}")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "c.cpython-311.pyc").write_bytes(b"\0")
    assert build.chapter_dependencies(notebook("import pkg.c"), package) == files(
        package, "__init__.py", "c.py", "table.json"
    )


def test_star_import_of_a_package_may_load_any_of_its_modules(package):
    assert build.chapter_dependencies(
        notebook("from pkg.sub import *"), package
    ) == files(package, "__init__.py", "sub/__init__.py", "sub/d.py", "b.py")


def _solutions() -> dict[str, dict]:
    return {
        path.stem: read_source(path)
        for path in sorted(SOLUTIONS.glob(build.SOURCE_GLOB))
    }


def test_real_chapters_depend_on_what_they_import_and_not_on_the_command_line_or_the_grader():  # noqa: E501
    chapters = _solutions()
    assert chapters, "no solutions/NN_*.md"
    for name, chapter in chapters.items():
        dependencies = build.chapter_dependencies(chapter, PACKAGE)
        assert PACKAGE / "__init__.py" in dependencies, name
        assert PACKAGE / "cli.py" not in dependencies, name
        assert PACKAGE / "grading" / "worker.py" not in dependencies, name
        if "from mnist_course.exercises import ch05" in json.dumps(chapter):
            assert PACKAGE / "exercises" / "_core.py" in dependencies, name
    assert any(
        "from mnist_course.exercises import ch05" in json.dumps(chapter)
        for chapter in chapters.values()
    )


def test_every_page_is_stamped_last_with_its_own_chapters_fingerprint(
    tmp_path, monkeypatch
):
    """prepare_chapters, writing into tmp_path: each stamp hashes the chapter's files
    and requirements.txt."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_bytes(build.REQUIREMENTS.read_bytes())
    monkeypatch.setattr(build, "BOOK", tmp_path / "book")
    monkeypatch.setattr(build, "REQUIREMENTS", requirements)
    (tmp_path / "book").mkdir()

    def stamps() -> dict[str, str]:
        names = build.prepare_chapters()
        pages = {
            name: json.loads(
                (tmp_path / "book" / f"{name}.ipynb").read_text(encoding="utf-8")
            )
            for name in names
        }
        assert all(
            page["cells"][-1]["id"] == "package-fingerprint" for page in pages.values()
        )
        return {name: cell_source(page["cells"][-1]) for name, page in pages.items()}

    before = stamps()
    for name, chapter in _solutions().items():
        own = build.chapter_fingerprint(
            build.chapter_dependencies(chapter, build.PACKAGE),
            build.PACKAGE,
            requirements,
        )
        assert before[name].endswith(own), (name, before[name])
    assert (
        before["01_data"] != before["04_training"]
    )  # 04 also runs training.py and exercises/ch04.py
    requirements.write_text(requirements.read_text() + "# a new pin\n")
    after = stamps()
    assert all(after[name] != before[name] for name in before)


def test_the_build_summary_names_the_slowest_chapter_and_its_share():
    summary = build.execution_summary(
        [("01_data", 30.0), ("04_training", 90.0), ("05_evaluation", None)]
    )
    assert summary["execution_total_seconds"] == 120.0
    assert summary["slowest_chapter"] == {
        "name": "04_training",
        "seconds": 90.0,
        "share": 0.75,
    }
    assert summary["not_timed"] == ["05_evaluation"]
    assert build.execution_summary([("01_data", None)])["slowest_chapter"] is None


def test_the_build_kernels_log_warnings_but_not_the_one_about_tcp(
    tmp_path, monkeypatch
):
    """ipykernel's warning that it talks over TCP without encryption is filtered out,
    and only it."""
    monkeypatch.setattr(build, "BUILD", tmp_path)
    script = (
        'import nbformat, nbclient\ncell = nbformat.v4.new_code_cell("import logging;'
        " logging.getLogger('IPKernelApp').warning('a real"
        " one')\")\nnbclient.NotebookClient(nbformat.v4.new_notebook(cells=[cell]),"
        " timeout=60).execute()\n"
    )
    env = {**os.environ, "IPYTHONDIR": str(build.ipython_dir())}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[IPKernelApp] WARNING | a real one" in proc.stderr
    assert "without encryption" not in proc.stderr, proc.stderr


def executed_chapters(build_output: str) -> list[str]:
    """The chapters a build executed, from myst-nb's "Executed notebook" lines."""
    return sorted(
        set(re.findall(r"(\d\d_\w+)\.ipynb: Executed notebook in", build_output))
    )


@pytest.mark.timeout(
    1800
)  # the first build runs every chapter when the fast cache is empty
def test_a_chapter_missing_from_the_execution_cache_runs_again_and_only_it():
    """Deleting cached outputs, as the build's docstring advises, makes the next build
    run them."""
    from jupyter_cache import get_cache

    # every page and cache entry up to date: a rebuild would execute nothing
    build_book()
    chapters = [name for name in build.pages() if build.CHAPTER_NAME.match(name)]
    times = dict(build.execution_times(True, chapters))
    chapter = min(chapters, key=lambda name: times[name])  # the quickest to run again
    cache = get_cache(str(build.JUPYTER_CACHE / "fast"))
    cache.remove_cache(cache.match_cache_file(str(build.BOOK / f"{chapter}.ipynb")).pk)

    rebuilt = build_book()
    assert executed_chapters(rebuilt.stdout) == [chapter], rebuilt.stdout[-6000:]
    assert (
        cache.match_cache_file(str(build.BOOK / f"{chapter}.ipynb")).data[
            "execution_seconds"
        ]
        > 0
    )


def test_the_build_log_leaves_out_the_parsers_configuration():
    log = build_book().stdout
    assert "Running Sphinx" in log and "Using jupyter-cache at" in log
    assert "ParserConfig(" not in log, [
        line[:100] for line in log.splitlines() if "ParserConfig(" in line
    ]
