"""The grader's view of a notebook: :mod:`mnist_course.notebook` (where ``check()``
reads it too)."""

from ..notebook import (  # noqa: F401  (re-exported)
    MAX_NOTEBOOK_BYTES,
    NotebookError,
    Program,
    defined_only_below,
    exercise_program,
    explain_missing_name,
    read_notebook,
    without_unused_imports,
)
