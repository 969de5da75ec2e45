"""Every exercise's checker accepts its reference solution and rejects each listed wrong answer, naming the mistake."""
import numpy as np
import pytest

from ganstyle_edu import exercises

IDS = sorted(exercises.REGISTRY)
WRONG = [(exercise_id, index) for exercise_id in IDS for index in range(len(exercises.REGISTRY[exercise_id].wrong))]


def test_there_are_exercises_with_wrong_answers_listed():
    assert len(IDS) >= 33
    assert all(exercises.REGISTRY[i].wrong for i in IDS), "each exercise lists at least one wrong answer"


def test_every_notebook_has_three_to_five_exercises_of_mixed_kinds():
    from pathlib import Path

    notebooks = sorted(p.name[:2] for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for number in notebooks:
        count = sum(i.startswith(number + ".") for i in IDS)
        assert 3 <= count <= 5, f"notebook {number} has {count} exercises"
    kinds = [exercises.REGISTRY[i] for i in IDS]
    assert sum(e.answer_is_function for e in kinds) >= 10  # functions to write
    assert sum(not e.answer_is_function and not e.kind for e in kinds) >= 10  # numbers to predict
    assert sum(e.kind == "experiment" for e in kinds) >= 3
    assert [e.id for e in kinds if e.kind == "open"] and all(e.reference for e in kinds if e.kind == "open")


def test_an_open_question_shows_its_reference_figure(capsys):
    import matplotlib

    matplotlib.use("Agg")
    from ganstyle_edu import viz

    answer = exercises.REGISTRY["00.4"].reference_answer()
    assert exercises.check("00.4", answer) is True
    assert "no single right answer" in capsys.readouterr().out
    fig = viz.exercise_reference("00.4", answer)
    bars = fig.axes[0].patches
    assert len(bars) == 3 * 5  # photo, texture and the answer, five layers each
    assert [round(b.get_height(), 6) for b in bars[-5:]] == [round(v, 6) for v in answer.values()]
    with pytest.raises(ValueError, match="no reference figure"):
        viz.exercise_reference("01.1")


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
    capsys.readouterr()
    exercises.solution("04.2")
    assert capsys.readouterr().out.startswith("04.2: 7 — ")


def test_exercise_cells_in_the_notebooks_are_registered_and_left_for_the_learner():
    import json
    import re
    from pathlib import Path

    found = set()
    for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for exercise_id in re.findall(r'exercises\.check\("([0-9.]+)"', source) if cell["cell_type"] == "code" else []:
                found.add(exercise_id)
                assert exercise_id in exercises.REGISTRY, f"{path.name}: exercise {exercise_id} is not registered"
                assert exercise_id.startswith(path.name[:2]), f"{path.name}: {exercise_id} belongs to another notebook"
                shown = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
                assert f"{exercise_id}: not attempted yet" in shown, f"{path.name}: commit {exercise_id} unanswered"
    assert found == set(IDS), f"registered but in no notebook: {sorted(set(IDS) - found)}"
