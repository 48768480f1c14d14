"""Publishing: the GitHub workflows and `make publish`.

The workflows cannot run here, so they are checked offline by two linters from
requirements.txt: check-jsonschema against the GitHub workflow schema it ships
(a misspelt key, a missing `runs-on`, a wrong type) and zizmor's security audits
(permissions, template injection, pinning). Each linter is also shown a broken
workflow, so that its pass means something. `make publish` is checked without building
the book and without pushing anywhere but a bare repository in a temporary folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent

# GitHub's own actions (actions/checkout, actions/deploy-pages, ...) may be pinned by
# version tag, as their documentation shows; any other action must be pinned by
# commit hash.
ZIZMOR_POLICY = """\
rules:
  unpinned-uses:
    config:
      policies:
        "actions/*": ref-pin
        "*": hash-pin
"""

# A workflow that is valid YAML but not a valid workflow: `runs_on` for `runs-on`.
MISSPELT_KEY = """\
name: broken
on: push
permissions: {}
jobs:
  test:
    runs_on: ubuntu-24.04
    steps:
      - run: echo hello
"""

# A pull request's title, which anyone can choose, pasted into a shell command.
TEMPLATE_INJECTION = """\
name: injectable
on: pull_request
permissions: {}
jobs:
  greet:
    name: greet
    runs-on: ubuntu-24.04
    steps:
      - name: greet
        run: echo "${{ github.event.pull_request.title }}"
"""


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(
            f"{name} is not installed in {BIN} (it is pinned in requirements.txt: run"
            " `make setup`)"
        )
    return path


def _run(args: list, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # Without the variables of a surrounding git or make command (GIT_DIR, MAKEFLAGS
    # with -i or -n, ...), which would change what git and make do here.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "MAKE", "MFLAGS"))
    }
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _schema_check(*files: Path) -> subprocess.CompletedProcess:
    return _run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *files,
        ]
    )


def _zizmor(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess:
    config = tmp_path / "zizmor.yml"
    config.write_text(ZIZMOR_POLICY)
    # --offline: no audit that asks GitHub's API; --no-progress: plain output
    return _run(
        [_tool("zizmor"), "--offline", "--no-progress", "--config", config, *files]
    )


def _workflow_files() -> list[Path]:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {"ci.yml", "pages.yml"} <= {f.name for f in files}
    return files


def _load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True
    workflow["on"] = workflow.pop(True)
    return workflow


def _uses(job: dict, action: str) -> dict:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]
    return step


def test_workflows_match_githubs_workflow_schema():
    proc = _schema_check(*_workflow_files())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_the_schema_check_rejects_a_misspelt_key(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(MISSPELT_KEY)
    proc = _schema_check(broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "'runs-on' is a required property" in proc.stdout


def test_workflows_pass_zizmors_security_audits(tmp_path):
    proc = _zizmor(tmp_path, *_workflow_files())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


def test_zizmor_reports_a_template_injection(tmp_path):
    broken = tmp_path / "injectable.yml"
    broken.write_text(TEMPLATE_INJECTION)
    proc = _zizmor(tmp_path, broken)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "error[template-injection]" in proc.stdout


def test_ci_workflow_runs_the_ci_script_on_pushes_and_pull_requests():
    ci = _load("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    assert ci["permissions"] == {"contents": "read"}
    assert "concurrency" in ci
    (job,) = ci["jobs"].values()
    assert job["timeout-minutes"] <= 90  # CI's own limit for one run of .ci/run
    assert _uses(job, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert job["steps"][-1]["run"] == "bash .ci/run"


def test_pages_workflow_builds_the_book_and_deploys_it_with_githubs_actions():
    pages = _load("pages.yml")
    assert pages["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert pages["concurrency"]["group"] == "pages"
    build, deploy = pages["jobs"]["build"], pages["jobs"]["deploy"]
    assert "make book" in [s.get("run") for s in build["steps"]]
    _uses(build, "actions/configure-pages")
    upload = _uses(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "book/_build/html"

    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    step = _uses(deploy, "actions/deploy-pages")
    # the page's address shown on the run comes from that step's output
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps." + step["id"] + ".outputs.page_url }}",
    }


def _git(*args: str, cwd: Path) -> str:
    proc = _run(["git", *args], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _clone_without_remote(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    clone.mkdir()
    _git("init", "-q", "-b", "main", cwd=clone)
    _git("config", "user.name", "Course Tests", cwd=clone)
    _git("config", "user.email", "tests@example.invalid", cwd=clone)
    shutil.copy(ROOT / "Makefile", clone / "Makefile")
    return clone


def test_make_publish_without_origin_says_what_to_do_and_builds_nothing(tmp_path):
    clone = _clone_without_remote(tmp_path)
    proc = _run(["make", "--no-print-directory", "publish"], cwd=clone)
    assert proc.returncode != 0
    assert 'There is no git remote "origin" to publish to.' in proc.stderr
    assert "git remote add origin" in proc.stderr
    # stopped before `make book` and ghp-import
    assert "book" not in proc.stdout
    assert not (clone / ".venv").exists()
    assert "gh-pages" not in _git("branch", "--list", cwd=clone)


def test_make_publish_pushes_the_html_with_nojekyll_to_gh_pages(tmp_path):
    # The command `make publish` runs after the build, as make prints it...
    plan = _run(["make", "-n", "--no-print-directory", "publish"]).stdout
    (line,) = [ln for ln in plan.splitlines() if "ghp-import" in ln]
    command = shlex.split(line)
    assert command[1:] == ["-n", "-p", "-f", "book/_build/html"]

    # ...run in a clone whose origin is a bare repository in tmp_path, on a stand-in
    # for the built book.
    clone = _clone_without_remote(tmp_path)
    origin = tmp_path / "origin.git"
    _git("init", "-q", "--bare", str(origin), cwd=tmp_path)
    _git("remote", "add", "origin", str(origin), cwd=clone)
    html = clone / "book" / "_build" / "html"
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text("<h1>MNIST</h1>")
    (html / "_static" / "book.css").write_text("h1 {}")

    checked = _run(["make", "--no-print-directory", "publish-remote"], cwd=clone)
    assert checked.returncode == 0, checked.stderr
    pushed = _run([_tool("ghp-import"), *command[1:]], cwd=clone)
    assert pushed.returncode == 0, pushed.stderr

    files = _git("ls-tree", "-r", "--name-only", "gh-pages", cwd=origin).split()
    assert sorted(files) == [".nojekyll", "_static/book.css", "index.html"]
