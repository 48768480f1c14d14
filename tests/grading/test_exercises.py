import pytest


def test_exercise(graded, grade):
    notebook, module, exercise = graded
    passed, message = grade(notebook, module, exercise)
    if not passed:
        pytest.fail(f"{exercise.qid} ({exercise.function_name}): {message}", pytrace=False)
