"""Every exercise's checker accepts its reference solution and rejects each listed wrong answer, naming the mistake."""
import numpy as np
import pytest

from ganstyle_edu import exercises

IDS = sorted(exercises.REGISTRY)
WRONG = [(exercise_id, index) for exercise_id in IDS for index in range(len(exercises.REGISTRY[exercise_id].wrong))]


def test_there_are_exercises_with_wrong_answers_listed():
    assert len(IDS) >= 7
    assert all(exercises.REGISTRY[i].wrong for i in IDS), "each exercise lists at least one wrong answer"


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_solution_is_correct(exercise_id, capsys):
    exercise = exercises.REGISTRY[exercise_id]
    assert exercises.check(exercise_id, exercise.reference_answer()) is True
    assert capsys.readouterr().out.startswith(f"{exercise_id}: correct — ")


@pytest.mark.parametrize("exercise_id,index", WRONG)
def test_a_wrong_answer_is_rejected_and_its_mistake_named(exercise_id, index, capsys):
    answer, words = exercises.REGISTRY[exercise_id].wrong[index]
    assert exercises.check(exercise_id, answer) is False
    out = capsys.readouterr().out
    assert out.startswith(f"{exercise_id}: not yet — ") and words in out, out


def test_not_attempted_crashing_and_unknown(capsys):
    assert exercises.check("01.1", None) is None
    assert "not attempted yet" in capsys.readouterr().out
    assert exercises.check("01.1", lambda features: 1 / 0) is False
    assert "raised ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(KeyError, match="01.1"):
        exercises.check("99.9", 1)


def test_hint_and_solution_print(capsys):
    exercises.hint("03.1")
    assert "03.1 hint:" in capsys.readouterr().out
    exercises.solution("01.1")
    printed = capsys.readouterr().out
    assert printed.startswith("def _gram_solution") and "reshape" in printed
    namespace = {"np": np}
    exec(printed, namespace)  # the printed solution runs and passes its own check
    assert exercises.check("01.1", namespace["_gram_solution"]) is True
