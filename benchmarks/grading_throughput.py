"""How many exercises per second the grader checks (target >= 10 on 2 cores, SPEC
section 7).

A class's submissions are simulated by 40 notebooks: copies of every chapter's
solution notebook, in turn, in a temporary folder. The whole run is timed, as an
instructor would see it: `python -m mnist_course grade FOLDER --json report.json`,
start-up (a fresh Python, the grading workers importing Keras) included, every
isolation guarantee on.

    python benchmarks/grading_throughput.py [--notebooks 40] [--jobs 2]
        [--chapters 01,02,03,04,05,06]

``--chapters`` keeps only those chapters' notebooks: to compare with a version of the
course that had fewer chapters, on the same work.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mnist_course.authoring import write_solution_notebooks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chapters", default="", help="e.g. 01,02,03 (default: all)")
    args = parser.parse_args()
    solutions = write_solution_notebooks(
        ROOT / "solutions", ROOT / "build" / "solutions"
    )
    if args.chapters:
        wanted = set(args.chapters.split(","))
        solutions = [s for s in solutions if s.name[:2] in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        for i in range(args.notebooks):
            source = solutions[i % len(solutions)]
            target = folder / f"student_{i:02d}" / source.name
            target.parent.mkdir(parents=True)
            shutil.copy(source, target)
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "mnist_course",
            "grade",
            *sorted(str(p.parent) for p in folder.glob("*/*.ipynb")),
            "--json",
            str(report),
            "--jobs",
            str(args.jobs),
        ]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        rows = json.loads(report.read_text())
    graded = [r for r in rows if r["exercise"]]
    passed = sum(r["passed"] for r in graded)
    print(
        f"{args.notebooks} notebooks ({', '.join(s.stem for s in solutions)} in turn),"
        f" {args.jobs} workers"
    )
    print(
        f"{len(graded)} exercises graded in {seconds:.1f} s, {passed} passed (exit code"
        f" {result.returncode})"
    )
    if passed != len(graded) or not graded:
        print(
            "WARNING: every copied solution should pass; the grader is broken",
            file=sys.stderr,
        )
    rate = len(graded) / seconds
    print(f"target >= 10 exercises/s: {'met' if rate >= 10 else 'NOT met'}")
    print(f"exercises/s: {rate:.1f}")


if __name__ == "__main__":
    main()
