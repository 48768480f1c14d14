import pytest


def test_exercise(graded, grade):
    path, module, what = graded
    row = grade(path, module, what)
    if not row.passed:
        where = f"{row.exercise} ({row.function})" if row.exercise else "not graded"
        pytest.fail(f"{where}: {row.message}", pytrace=False)
