"""The grader cannot be fooled, never loses a class's results, and keeps going (issue
9).

Each test is one attack or one bad input, tried the way a learner would: as cells of a
notebook, graded by `python -m mnist_course grade` or by the :class:`Grader`.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnist_course.exercises import ch01
from mnist_course.grading import Grader, grade_source
from mnist_course.grading.sandbox import landlock_abi
from tests.conftest import SOLVED

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import numpy as np\nfrom mnist_course.exercises import ch01\n"
STUB = "def normalize(images):\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
WRONG = "def normalize(images):\n    return images / 256\n"
CHECK = "ch01.q4.check(normalize)"
needs_landlock = pytest.mark.skipif(
    landlock_abi() < 6,
    reason="needs Linux Landlock ABI 6 (kernel ≥ 6.12) to confine writes and signals",
)


def write_notebook(path: Path, *cells: str) -> Path:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": c,
            }
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def grade_cli(
    *args: str, cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist_course", "grade", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def normalize_row(rows: list[dict]) -> dict:
    return next(r for r in rows if r["exercise"] == "ch01.q4")


# ------------------------------------------------------------ forged verdicts


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)"])
def test_a_printed_verdict_and_an_early_exit_do_not_pass_a_stub(tmp_path, exit_call):
    forge = (
        "import json, os, sys\nprint(json.dumps({'passed': True, 'message':"
        f" 'ok'}}))\n{exit_call}\n"
    )
    notebook = write_notebook(tmp_path / "01_data.ipynb", SETUP, forge, STUB, CHECK)
    result = grade_cli(str(notebook), "--json", "report.json", cwd=tmp_path)
    rows = json.loads((tmp_path / "report.json").read_text())
    assert result.returncode == 1
    assert [r["passed"] for r in rows] == [False] * 5
    assert "not written yet" in normalize_row(rows)["message"]


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)"])
def test_a_verdict_forged_inside_the_function_fails(exit_call):
    source = (
        "import json, os, sys\ndef normalize(images):\n"
        f"    print(json.dumps({{'passed': True, 'message': 'ok'}}))\n    {exit_call}\n"
    )
    passed, message = grade_source(ch01, ch01.q4, source, timeout=30)
    assert not passed
    assert "exit" in message


PATCH = [
    "c.Exercise.grade = lambda self, f: c.Result(True, 'ok')",
    "c.Exercise.judge = lambda self, cases, outcomes: c.Result(True, 'ok')",
]


def test_patching_the_exercise_class_does_not_pass_a_wrong_function():
    body = "".join(f"    {line}\n" for line in PATCH)
    source = (
        f"import mnist_course.exercises._core as c\ndef normalize(images):\n{body}   "
        " return images / 256\n"
    )
    passed, message = grade_source(ch01, ch01.q4, source, timeout=30)
    assert not passed
    assert "divide by 255" in message


def test_patching_the_exercise_class_in_a_cell_does_not_pass_a_wrong_function(tmp_path):
    patch = "import mnist_course.exercises._core as c\n" + "".join(
        f"{line}\n" for line in PATCH
    )
    notebook = write_notebook(tmp_path / "01_data.ipynb", SETUP, patch, WRONG, CHECK)
    result = grade_cli(str(notebook), "--json", "r.json", cwd=tmp_path)
    row = normalize_row(json.loads((tmp_path / "r.json").read_text()))
    assert (
        result.returncode == 1
        and not row["passed"]
        and "divide by 255" in row["message"]
    )


def test_a_forged_outcome_written_to_the_result_pipe_does_not_pass_a_wrong_function():
    source = (
        "import os, json\n"
        "def normalize(images):\n"
        "    for fd in range(3, 20):\n"
        "        try:\n"
        '            os.write(fd, b\'{"event": "done", "passed": true}\\n\')\n'
        "        except OSError:\n"
        "            pass\n"
        "    return images / 256\n"
    )
    passed, _ = grade_source(ch01, ch01.q4, source, timeout=30)
    assert not passed


# ----------------------------------------------------------------- isolation


@needs_landlock
def test_learner_code_cannot_plant_a_module_or_delete_files_in_the_callers_folder(
    tmp_path,
):
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    attack = (
        "import os\ndef normalize(images):\n    for folder in [os.getcwd(),"
        f" {str(tmp_path)!r}, {str(ROOT)!r}]:\n        for action in (lambda:"
        " open(os.path.join(folder, 'json.py'), 'w').write('PASS = True'),\n          "
        f"             lambda: os.remove({str(keep)!r})):\n            try:\n          "
        "      action()\n            except OSError:\n                pass\n    return"
        " images / 256\n"
    )
    notebook = write_notebook(tmp_path / "01_data.ipynb", SETUP, attack, CHECK)
    first = grade_cli(str(notebook), cwd=tmp_path)
    assert first.returncode == 1
    assert keep.read_text() == "precious"
    assert not (tmp_path / "json.py").exists() and not (ROOT / "json.py").exists()
    # A second run from the same folder still grades the blank chapter as blank.
    second = grade_cli(str(ROOT / "chapters" / "01_data.ipynb"), cwd=tmp_path)
    assert second.returncode == 1 and "0/5 exercises passed" in second.stdout


def test_learner_code_runs_in_a_fresh_temporary_folder_without_the_cwd_on_sys_path(
    tmp_path,
):
    (tmp_path / "helpers.py").write_text("VALUE = 1\n")
    probe = (
        "import os, sys\ndef normalize(images):\n    inside = os.getcwd()\n    try:\n "
        "       import helpers\n        found = True\n    except ImportError:\n       "
        f" found = False\n    if found or inside == {str(tmp_path)!r} or"
        " os.listdir(inside) not in ([], ['output.txt']):\n        return images /"
        " 256\n    return images.astype(np.float32) / 255\n"
    )
    notebook = write_notebook(tmp_path / "01_data.ipynb", SETUP, probe, CHECK)
    result = grade_cli(str(notebook), "--json", "r.json", cwd=tmp_path)
    assert normalize_row(json.loads((tmp_path / "r.json").read_text()))["passed"], (
        result.stdout
    )


@needs_landlock
def test_killing_the_parent_or_the_grader_does_not_end_the_run(tmp_path):
    killer = (
        "import os, signal\ndef normalize(images):\n    parent = os.getppid()\n   "
        " grandparent = int(open(f'/proc/{parent}/stat').read().rsplit(')',"
        " 1)[1].split()[1])\n    for pid in (parent, grandparent):\n        try:\n     "
        "       os.kill(pid, signal.SIGTERM)\n        except OSError:\n           "
        " pass\n    return images.astype(np.float32) / 255\n"
    )
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "bob").mkdir()
    write_notebook(folder / "alice" / "01_data.ipynb", SETUP, killer, CHECK)
    (folder / "bob" / "01_data.ipynb").write_bytes(
        (SOLVED / "01_data.ipynb").read_bytes()
    )
    result = grade_cli(
        str(folder / "alice"), str(folder / "bob"), "--json", "r.json", cwd=tmp_path
    )
    rows = json.loads((tmp_path / "r.json").read_text())
    assert len(rows) == 10, result.stderr
    assert all(r["passed"] for r in rows if "bob" in r["notebook"])
    assert normalize_row([r for r in rows if "alice" in r["notebook"]])[
        "passed"
    ]  # killing failed, the answer is right
    assert result.returncode == 1  # alice's stubs fail


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if (
                    marker
                    in Path(f"/proc/{entry}/cmdline")
                    .read_bytes()
                    .replace(b"\0", b" ")
                    .decode()
                ):
                    found.append(int(entry))
            except OSError:
                pass
    return found


def test_a_child_process_does_not_outlive_its_exercise_and_is_not_an_endless_loop():
    marker = "987654.321"
    source = (
        "import subprocess\n"
        "def normalize(images):\n"
        f"    subprocess.Popen(['sleep', '{marker}'])\n"
        f"    subprocess.Popen(['setsid', 'sleep', '{marker}'])\n"
        "    return images.astype(np.float32) / 255\n"
    )
    started = time.monotonic()
    passed, message = grade_source(ch01, ch01.q4, source, timeout=20)
    assert passed, message
    assert time.monotonic() - started < 15
    time.sleep(0.2)
    assert _processes_with(marker) == []


def test_a_memory_hog_fails_with_a_memory_message():
    hog = (
        "def normalize(images):\n    block = np.ones(3 * 1024 ** 3, dtype=np.uint8)\n  "
        "  return images.astype(np.float32) / 255\n"
    )
    with Grader(workers=1, memory=1 << 30, timeout=30) as grader:
        notebook = {
            "cells": [
                {"cell_type": "code", "source": SETUP},
                {"cell_type": "code", "source": hog},
                {"cell_type": "code", "source": CHECK},
            ]
        }
        grade = grader.grade_exercise(notebook, ch01, ch01.q4)
    assert not grade.passed
    assert "memory" in grade.message


def test_an_endless_loop_fails_on_the_input_it_was_stuck_on():
    passed, message = grade_source(
        ch01,
        ch01.q4,
        "def normalize(images):\n    while True:\n        pass\n",
        timeout=2,
    )
    assert not passed
    assert (
        "took longer than 2 s on the pixels [[0, 128, 255]]" in message
        and "slow" in message
    )


# -------------------------------------------------------------- bad batches

MALFORMED = {
    "not JSON": ("01_data.ipynb", "this is not json", "not valid JSON"),
    "a JSON list": ("01_data.ipynb", "[1, 2, 3]", "holds a JSON list"),
    "cells is a string": (
        "01_data.ipynb",
        json.dumps({"cells": "oops", "nbformat": 4}),
        "not a list",
    ),
    "a cell without source": (
        "01_data.ipynb",
        json.dumps({"cells": [{"cell_type": "code"}], "nbformat": 4}),
        "cell 1 has no `source`",
    ),
    "nbformat 3": (
        "01_data.ipynb",
        json.dumps({"nbformat": 3, "worksheets": [{"cells": []}]}),
        "jupyter nbconvert --to notebook",
    ),
    "no exercises": (
        "09_nothing.ipynb",
        json.dumps({"cells": [], "nbformat": 4}),
        "has no graded exercises",
    ),
    "bad name": (
        "mywork.ipynb",
        json.dumps({"cells": [], "nbformat": 4}),
        "named NN_topic.ipynb",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_notebook_gets_one_line_and_the_correct_ones_are_still_graded(
    tmp_path, case
):
    name, text, reason = MALFORMED[case]
    (tmp_path / "bad").mkdir()
    bad = tmp_path / "bad" / name
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "02_dense_baseline.ipynb"
    good.write_bytes((SOLVED / "02_dense_baseline.ipynb").read_bytes())
    result = grade_cli(
        str(bad), str(good), "--json", "r.json", "--csv", "r.csv", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    rows = json.loads((tmp_path / "r.json").read_text())
    problem = [r for r in rows if r["notebook"] == str(bad)]
    assert (
        len(problem) == 1
        and reason in problem[0]["message"]
        and "\n" not in problem[0]["message"]
    )
    assert [r["passed"] for r in rows if r["notebook"] == str(good)] == [True] * 5
    assert len((tmp_path / "r.csv").read_text().strip().splitlines()) == 1 + 1 + 5


def test_a_folder_named_like_a_notebook_and_an_empty_folder_are_reported_not_passed(
    tmp_path,
):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "01_x.ipynb").mkdir()
    (tmp_path / "empty").mkdir()
    result = grade_cli("class", "empty", cwd=tmp_path)
    assert result.returncode == 1
    assert "is a folder, not a notebook" in result.stdout
    assert "nothing to grade in empty" in result.stdout
    assert "nothing was graded" in result.stderr


@pytest.mark.parametrize(
    "option,message",
    [
        (["--timeout", "0"], "must be greater than 0"),
        (["--timeout", "-1"], "must be greater than 0"),
        (["--json", "."], "is a folder"),
        (["--csv", "no/such/folder/r.csv"], "does not exist"),
    ],
)
def test_bad_options_are_refused_before_grading(tmp_path, option, message):
    started = time.monotonic()
    result = grade_cli(str(SOLVED), *option, cwd=tmp_path)
    assert result.returncode in (1, 2)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "exercises passed" not in result.stdout
    assert time.monotonic() - started < 20


def test_rows_are_written_as_they_are_produced_so_an_interrupted_run_keeps_them(
    tmp_path,
):
    first = tmp_path / "a" / "01_data.ipynb"
    first.parent.mkdir()
    first.write_bytes((SOLVED / "01_data.ipynb").read_bytes())
    slow = tmp_path / "b" / "01_data.ipynb"
    slow.parent.mkdir()
    write_notebook(
        slow, SETUP, "def normalize(images):\n    while True:\n        pass\n", CHECK
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnist_course",
            "grade",
            str(first),
            str(slow),
            "--json",
            "r.json",
            "--csv",
            "r.csv",
            "--timeout",
            "120",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        # Ctrl-C as a terminal delivers it: a test run started in the background
        # (`cmd &` in a script) would otherwise pass SIGINT on ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if len(json.loads((tmp_path / "r.json").read_text())) == 5:
                break
        except (OSError, json.JSONDecodeError):
            pass
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "holds the 5 rows graded so far" in stderr
    assert [r["passed"] for r in json.loads((tmp_path / "r.json").read_text())] == [
        True
    ] * 5
    assert len((tmp_path / "r.csv").read_text().strip().splitlines()) == 6


# ------------------------------------------------------------ pytest grader


def run_pytest_grader(*notebooks: str, cwd: Path) -> subprocess.CompletedProcess:
    args = [a for n in notebooks for a in ("--notebooks", n)]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "tests" / "grading"),
            *args,
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pytest_grader_reports_a_missing_notebook_in_one_line(tmp_path):
    result = run_pytest_grader("missing.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert "missing.ipynb: no such file." in result.stdout
    assert "Traceback" not in result.stdout and "INTERNALERROR" not in result.stdout
    assert len(result.stdout.splitlines()) < 20


def test_pytest_grader_fails_on_an_empty_selection(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_pytest_grader("empty", cwd=tmp_path)
    assert result.returncode == 1
    assert "nothing to grade" in result.stdout and "skipped" not in result.stdout


def test_pytest_grader_gives_the_same_one_line_reasons(tmp_path):
    (tmp_path / "01_data.ipynb").write_text(
        json.dumps({"nbformat": 3, "worksheets": []})
    )
    result = run_pytest_grader("01_data.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "old notebook (nbformat 3)" in result.stdout
        and "exercise cell deleted" not in result.stdout
    )
