"""Grade exercise notebooks without running them top to bottom.

For each exercise of a chapter, the grader cuts out of the notebook the exercise's
function and what it depends on (:mod:`.notebook`), runs that code in a confined
worker on the exercise's inputs, gets back what the function returned, and judges
it against the reference solution: in its own process for the NumPy exercises, and
in a trusted judge process (:mod:`.judge`) for those that need Keras, so that the
grader itself never imports it. The notebook file is only read, never written.

>>> with Grader() as grader:                                   # doctest: +SKIP
...     grades = grader.grade_notebook("solutions/01_data.ipynb")
>>> all(g.passed for g in grades)                              # doctest: +SKIP
True

Layout: :mod:`.grader` (the :class:`Grader`, one exercise's verdict, batches),
:mod:`.notebook` (what of a notebook the grader runs), :mod:`.supervisor` (the
grader's end of a worker, and the zygote that forks the Keras ones), :mod:`.worker`
(the worker: supervisor and confined children), :mod:`.judge` (the verdicts that need
Keras), :mod:`.sandbox` (the limits), :mod:`.wire` (plain data across the boundary),
:mod:`.reports` (JSON/CSV reports and the scoreboard). This module is the public
face.

Threat model
------------
Learner code is untrusted: a learner may try, on purpose or by accident, to pass an
exercise without solving it, or to disturb the grading of others. The guarantees:

- **The verdict is computed where learner code cannot reach it.** The worker only
  reports what the function returned, as plain data (:mod:`.wire`: JSON and NumPy
  arrays, never pickle; a Keras model as a ``.keras`` file loaded back with Keras'
  safe mode). The grader, or for the Keras exercises the judge, a process forked from
  the zygote that never runs learner code, compares those values with the reference.
  Printing a fake verdict, exiting early (``sys.exit``, ``os._exit``), patching
  ``Exercise.grade`` or anything else in the worker's memory cannot turn a FAIL into
  a PASS: an exercise passes only when every call returned the right value.
- **Isolation** (:mod:`.worker`, :mod:`.sandbox`): each exercise runs in a child
  forked from a supervisor started with ``python -I`` (the current directory is not
  on ``sys.path``; a supervisor that needs Keras is forked, before it runs any job,
  from one such process that only imported Keras), in a fresh temporary directory, in
  its own session, with limits on memory, CPU time, wall-clock time and file size; on
  Linux ≥ 5.13 Landlock forbids writing outside that directory, opening TCP connections
  and signalling any process outside the sandbox (so ``os.kill(os.getppid(), ...)``
  fails). The child's whole process group, and every orphan it leaves, is killed when
  the exercise ends. If the supervisor dies anyway, that exercise fails and a new
  supervisor serves the next one.
- **A returned model is built where it cannot hurt.** Safe mode stops a ``.keras``
  file from running code, not from declaring gigabytes of weights in its
  ``config.json``. (Validating ``config.json`` instead would mean re-implementing
  every layer's shape rules; building it asks Keras itself.) So the grader never
  builds a returned model. The judge builds those of the Keras exercises under an
  address-space limit of :data:`.wire.MODEL_MEMORY` more than it maps, within
  :data:`.judge.JUDGE_SECONDS` per answer (a judge that fails or stalls is replaced,
  and the answer fails), and judges only models of at most
  ``wire.MAX_MODEL_PARAMS`` parameters. A model returned by a NumPy exercise is first
  built by a fresh worker child, which never ran learner code, under
  :data:`MODEL_MEMORY` and :data:`MODEL_SECONDS`, and the grader loads only those
  that child built.
- **Messages are bounded.** Every message between grader and worker is at most
  ``worker.MAX_MESSAGE`` bytes: the worker replaces a larger reply by a short
  ``too_large`` one, the grader checks each length header before reading (a header
  announcing more is refused unread and that worker is replaced), and reads a body
  into one buffer in linear time. The exercise fails with "too large to grade (N MB;
  the limit is M MB)"; the batch goes on.
- **A batch never loses results**: every notebook is graded or gets a one-line
  reason; rows are written as they are produced.

Out of scope: calling the published reference solution (the solutions are part of
the course, so an answer that imports them is not cheating the grader); a learner
reading files the grader's user can read (Landlock restricts writes, not reads);
kernels without Landlock (older Linux, macOS), where the process limits and the
out-of-process verdict still hold but file writes and signals are not confined;
and denial of service against the machine beyond the per-exercise limits.
"""

from .grader import (
    DEFAULT_TIMEOUT,
    Grade,
    Grader,
    chapter_of,
    expand_paths,
    grade_notebook,
    grade_source,
    graded_chapters,
)
from .notebook import NotebookError, read_notebook
from .reports import ReportWriter, report, scoreboard

__all__ = [
    "DEFAULT_TIMEOUT",
    "Grade",
    "Grader",
    "NotebookError",
    "ReportWriter",
    "chapter_of",
    "grade_notebook",
    "expand_paths",
    "grade_source",
    "graded_chapters",
    "read_notebook",
    "report",
    "scoreboard",
]
