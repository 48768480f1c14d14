"""The grader's trusted process parses nothing unbounded (issue 27).

A learner's answer can be a Keras model, sent back as a ``.keras`` file whose
``config.json`` says what to build: a 45 KB file can declare gigabytes of weights. And
every reply from a worker starts with a length header. Neither may make the trusted
process allocate what the learner chose.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mnist_course.exercises import ch06
from mnist_course.grading import Grader
from mnist_course.grading.supervisor import WorkerProcess
from mnist_course.grading.worker import MAX_MESSAGE
from tests.test_grading import write_notebook

ROOT = Path(__file__).resolve().parents[1]

# layer_outputs (chapter 6) returns a model; this one's save() rewrites config.json
# to declare a Dense layer of 1.2 million units on 784 inputs (3.8 GB of float32).
FORGED = textwrap.dedent("""
    def layer_outputs(model, layer_names):
        import json, zipfile
        import keras

        original = keras.Model.save

        def forged_save(self, path, *args, **kwargs):
            original(self, path, *args, **kwargs)
            with zipfile.ZipFile(path) as archive:
                files = {name: archive.read(name) for name in archive.namelist()}
            config = json.loads(files["config.json"])
            for layer in config["config"]["layers"]:
                if layer["class_name"] == "Dense":
                    layer["config"]["units"] = 1_200_000
            files["config.json"] = json.dumps(config).encode()
            with zipfile.ZipFile(path, "w") as archive:
                for name, data in files.items():
                    archive.writestr(name, data)

        keras.Model.save = forged_save
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(4)])
""")
CORRECT = textwrap.dedent("""
    def layer_outputs(model, layer_names):
        import keras
        return keras.Model(
            model.inputs[0], [model.get_layer(n).output for n in layer_names]
        )
""")

# Run in a fresh interpreter: ru_maxrss is the peak of the whole process, so the
# baseline is taken after TensorFlow and Keras are loaded and a model was built.
MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    import keras
    from mnist_course.grading import Grader

    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])(keras.ops.ones((1, 4)))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with Grader(timeout=60) as grader:
        rows = grader.grade_paths(sys.argv[1:])
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = [[r.notebook, r.exercise, r.passed, r.message] for r in rows]
    print(json.dumps({"grown_mb": (after - before) / 1024, "seconds": seconds,
                      "rows": rows}))
""")


def _grade_measured(*notebooks: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, notebooks)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _forged_notebook(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_notebook(
        folder / "06_visualization.ipynb",
        "import numpy as np\nfrom mnist_course.exercises import ch06\n",
        FORGED,
        "ch06.q1.check(layer_outputs)",
    )


def test_a_model_declaring_gigabytes_fails_quickly_without_the_grader_allocating_it(
    tmp_path,
):
    result = _grade_measured(_forged_notebook(tmp_path))
    row = next(r for r in result["rows"] if r[1] == "ch06.q1")
    assert not row[2]
    assert "cannot load back" in row[3] and "limits" in row[3], row[3]
    assert result["seconds"] < 15, f"grading took {result['seconds']:.1f} s"
    assert result["grown_mb"] < 500, (
        f"the grader's peak memory grew by {result['grown_mb']:.0f} MB"
    )


def test_the_forged_model_in_a_batch_of_correct_notebooks_fails_alone(tmp_path):
    correct = []
    for i in range(2):
        folder = tmp_path / f"learner{i}"
        folder.mkdir()
        correct.append(
            write_notebook(
                folder / "06_visualization.ipynb",
                "import numpy as np\nfrom mnist_course.exercises import ch06\n",
                CORRECT,
                "ch06.q1.check(layer_outputs)",
            )
        )
    forged = _forged_notebook(tmp_path / "mischief")
    result = _grade_measured(correct[0], forged, correct[1])
    verdicts = {(Path(r[0]).parent.name, r[1]): r[2] for r in result["rows"]}
    assert verdicts[("learner0", "ch06.q1")] and verdicts[("learner1", "ch06.q1")]
    assert not verdicts[("mischief", "ch06.q1")]
    assert result["grown_mb"] < 500, (
        f"the grader's peak memory grew by {result['grown_mb']:.0f} MB"
    )


NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "source": CORRECT},
        {"cell_type": "code", "source": "ch06.q1.check(layer_outputs)"},
    ]
}


def test_a_correct_model_answer_still_passes():
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise(NOTEBOOK, ch06, ch06.q1)
    assert grade.passed, grade.message


# A worker whose reply header announces 4 GB; it reads its job like a real one would.
FAKE_WORKER = (
    "import struct, sys\nsys.stdout.buffer.write(struct.pack('>I', 0xFFFFFFF0));"
    " sys.stdout.buffer.flush()\nwhile sys.stdin.buffer.read(1 << 16):\n    pass\n"
)


def test_a_reply_announcing_4_gb_is_refused_unread_and_grading_goes_on():
    with Grader(workers=1) as grader:
        supervisor: WorkerProcess = grader._all[0].heavy  # chapter 6's jobs need Keras
        supervisor.process = subprocess.Popen(
            [sys.executable, "-c", FAKE_WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        notebook = NOTEBOOK
        start = time.monotonic()
        refused = grader.grade_exercise(notebook, ch06, ch06.q1)
        assert time.monotonic() - start < 10, (
            "the header should be refused before any body is read"
        )
        assert not refused.passed
        assert (
            "too large to grade" in refused.message
            and f"{MAX_MESSAGE >> 20} MB" in refused.message
        )
        assert supervisor.process is None or supervisor.process.poll() is not None
        again = grader.grade_exercise(
            notebook, ch06, ch06.q1
        )  # a new worker takes over
        assert again.passed, again.message


def test_a_parameter_named_like_an_import_does_not_pull_the_import_in():
    from mnist_course.notebook import exercise_program

    notebook = {
        "cells": [
            {"cell_type": "code", "source": "import keras\nfrom keras import layers"},
            {
                "cell_type": "code",
                "source": (
                    "def receptive_field(layers):\n    return 1 + sum(k - 1 for k, _ in"
                    " layers)"
                ),
            },
            {"cell_type": "code", "source": "q4.check(receptive_field)"},
        ]
    }
    program = exercise_program(notebook, "receptive_field")
    assert [code for _, code in program.statements] == [
        notebook["cells"][1]["source"] + "\n"
    ]


def test_a_numpy_exercise_runs_in_a_worker_that_never_imported_tensorflow():
    from mnist_course.exercises import ch01

    source = (
        "import sys\n\ndef class_counts(labels):\n"
        "    assert 'tensorflow' not in sys.modules, 'TensorFlow is loaded'\n"
        "    return np.bincount(labels, minlength=10)\n"
    )
    with Grader(workers=1) as grader:
        grader.grade_exercise(NOTEBOOK, ch06, ch06.q1)  # the heavy worker has Keras now
        cells = [
            {"cell_type": "code", "source": source},
            {"cell_type": "code", "source": "q2.check(class_counts)"},
        ]
        grade = grader.grade_exercise({"cells": cells}, ch01, ch01.q2)
    assert grade.passed, grade.message


def test_an_exercise_runs_in_a_folder_that_goes_with_its_worker():
    """A worker killed mid-job cannot clean up: its exercise folder lives inside the
    folder the grader removes with it, so nothing is left in /tmp."""
    from mnist_course.exercises import ch01

    source = (
        "import os\n\ndef class_counts(labels):\n    raise ValueError('in ' +"
        " os.getcwd())\n"
    )
    cells = [
        {"cell_type": "code", "source": source},
        {"cell_type": "code", "source": "q2.check(class_counts)"},
    ]
    with Grader(workers=1) as grader:
        grade = grader.grade_exercise({"cells": cells}, ch01, ch01.q2)
        found = re.search(r"in (\S*mnist_course_exercise_[^\s.]+)", grade.message)
        assert found, grade.message
        folder = Path(found.group(1))
        assert folder.parent.name.startswith("mnist_course_grader_"), grade.message
    assert not folder.parent.exists()


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def test_the_heavy_workers_are_forked_by_one_zygote_and_replaced_when_they_die():
    import os
    import signal

    with Grader(workers=2) as grader:
        keras_lane = grader._lanes[True]
        for supervisor in keras_lane:
            supervisor.heavy._start()
        zygote = grader._zygote.process.pid
        workers = [supervisor.heavy.process.pid for supervisor in keras_lane]
        assert [_parent(pid) for pid in workers] == [
            zygote,
            zygote,
        ]  # Keras was imported once, by the zygote
        assert grader.grade_exercise(NOTEBOOK, ch06, ch06.q1).passed
        judge = grader._judge._process.process.pid
        assert _parent(judge) == zygote  # and the judge did not import it again
        for pid in (
            workers
        ):  # killed between two jobs: the next job gets a new worker, not an error
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (
            any(s.heavy.process.poll() is None for s in keras_lane)
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        grade = grader.grade_exercise(NOTEBOOK, ch06, ch06.q1)
        assert grade.passed, grade.message
        replaced = [
            s.heavy.process.pid for s in keras_lane if s.heavy.process is not None
        ]
        assert replaced and all(_parent(pid) == zygote for pid in replaced)
    for pid in [zygote, judge, *workers, *replaced]:  # closing the grader ends them all
        assert not Path(f"/proc/{pid}").exists()


# Grades chapters 3 and 6 (a returned model, case models, gradients) in a fresh
# interpreter and reports what the grader's own process imported.
WITHOUT_KERAS = textwrap.dedent("""
    import json, sys
    from mnist_course.grading import Grader

    with Grader() as grader:
        rows = grader.grade_paths(sys.argv[1:])
    print(json.dumps({
        "failed": [r.exercise for r in rows if not r.passed],
        "graded": len(rows),
        "imported": [m for m in ("keras", "tensorflow") if m in sys.modules],
    }))
""")


def test_the_grader_itself_never_imports_keras():
    from tests.conftest import SOLVED

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_KERAS,
            str(SOLVED / "03_cnn_layers.ipynb"),
            str(SOLVED / "06_visualization.ipynb"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["graded"] == 10 and result["failed"] == []
    # The zygote imported Keras for the workers and the judge: the grader, which only
    # compares and reports, need not spend those seconds again.
    assert result["imported"] == []


def test_a_judge_that_died_is_replaced_and_grading_goes_on():
    import os
    import signal

    with Grader(workers=1) as grader:
        assert grader.grade_exercise(NOTEBOOK, ch06, ch06.q1).passed
        judge = grader._judge._process.process.pid
        os.kill(judge, signal.SIGKILL)
        grade = grader.grade_exercise(NOTEBOOK, ch06, ch06.q1)
        assert grade.passed, grade.message
        assert grader._judge._process.process.pid != judge
