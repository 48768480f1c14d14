"""Self-checking exercises, one module per chapter.

>>> from mnist_course.exercises import ch01
>>> ch01.q4                                  # doctest: +ELLIPSIS
<Exercise ch01.q4: normalize() — check(), hint(), solution()>
"""

from ._core import Case, Chapter, Exercise, Nudge, Result, Verdict

__all__ = ["Case", "Chapter", "Exercise", "Nudge", "Result", "Verdict"]
