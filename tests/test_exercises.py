"""Every exercise's checker accepts its reference solution, gives each listed mistake its own message, rejects each
further wrong answer naming what is wrong, and blames the learner only for what the learner's code raised."""
import numpy as np
import pytest

from ganstyle_edu import exercises
from ganstyle_edu.exercises import nb01, nb06

IDS = sorted(exercises.REGISTRY)
WRONG = [(exercise_id, index) for exercise_id in IDS for index in range(len(exercises.REGISTRY[exercise_id].wrong))]
MISTAKES = [(exercise_id, index) for exercise_id in IDS
            for index in range(len(exercises.REGISTRY[exercise_id].mistakes))]
FUNCTIONS = [exercise_id for exercise_id in IDS if exercises.REGISTRY[exercise_id].answer_is_function]


def test_there_are_exercises_with_wrong_answers_listed():
    assert len(IDS) == 38
    assert all(exercises.REGISTRY[i].wrong or exercises.REGISTRY[i].mistakes for i in IDS), \
        "each exercise lists at least one mistake or wrong answer"
    assert len(MISTAKES) >= 80


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
    series = exercises.reference_series("00.4", answer)
    assert list(series) == ["photo (tubingen)", "texture (gravel)", "your answer"]
    assert list(series["your answer"]) == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    fig = viz.grouped_bars(series, title="00.4: the reference runs")
    bars = fig.axes[0].patches
    assert len(bars) == 3 * 5  # photo, texture and the answer, five layers each
    assert [round(b.get_height(), 6) for b in bars[-5:]] == [round(v, 6) for v in answer.values()]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(series["your answer"])
    with pytest.raises(ValueError, match="exercise_id '01.1' has no reference run"):
        exercises.reference_series("01.1")
    with pytest.raises(ValueError, match="series"):
        viz.grouped_bars({})


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


@pytest.mark.parametrize("exercise_id,index", MISTAKES)
def test_each_listed_mistake_gets_its_own_message(exercise_id, index, capsys):
    """Every feedback message is reachable: the mistake itself, sent as the answer, is named by its own message."""
    mistake = exercises.REGISTRY[exercise_id].mistakes[index]
    assert exercises.check(exercise_id, mistake.answer) is False
    assert capsys.readouterr().out == f"{exercise_id}: not yet — {mistake.message}\n"


def test_a_numeric_mistake_is_matched_within_its_own_tolerance(capsys):
    """02.2: 0.125 is the 1/8 mistake, not 1/64's (both once matched within the correct answer's ±0.5)."""
    for answer, words in ((0.125, "inverted, and the channels need squaring"), (0.13, "need squaring"),
                          (0.0156, "inverted: relu1_1"), (64.3, "correct"), (8.1, "square it")):
        exercises.check("02.2", answer)
        assert words in capsys.readouterr().out, answer
    exercises.check("08.3", 0.001)  # 1 − D(x) = 0.00123 to three decimals
    assert "1 − D(x)" in capsys.readouterr().out
    exercises.check("09.2", 41)
    assert "rounded down" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_a_learner_function_that_raises_is_feedback(exercise_id, capsys):
    def crashing(*arguments):
        raise IndexError("index 9 is out of bounds")

    assert exercises.check(exercise_id, crashing) is False
    assert capsys.readouterr().out == (f"{exercise_id}: not yet — your answer raised IndexError: index 9 is out of "
                                       "bounds\n")


def test_a_learner_function_that_returns_no_numbers_or_is_no_function_is_feedback(capsys):
    assert exercises.check("00.1", lambda image, kernel, bias: "done") is False
    assert "your function returned a str, not numbers" in capsys.readouterr().out
    assert exercises.check("01.1", np.zeros((4, 4))) is False
    assert "give a function" in capsys.readouterr().out


def test_a_checker_whose_own_reference_fails_raises_instead_of_blaming_the_learner(monkeypatch, capsys):
    """A bug or a missing file in the checker's own computation is not the learner's mistake: it propagates."""
    def broken(*arguments):
        raise RuntimeError("the checker's reference failed")

    monkeypatch.setattr(nb01, "_gram_reference", broken)
    with pytest.raises(RuntimeError, match="the checker's reference failed"):
        exercises.check("01.1", exercises.REGISTRY["01.1"].reference_answer())

    def weights_missing():
        raise FileNotFoundError("ganstyle_edu/weights/styles.weights.h5")

    monkeypatch.setattr(nb06, "_blend_reference", weights_missing)
    with pytest.raises(FileNotFoundError, match="styles.weights.h5"):
        exercises.check("06.3", 0.05)
    assert "your answer raised" not in capsys.readouterr().out


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
    exercises.solution("01.4")  # an experiment's code imports the package as a notebook does
    printed = capsys.readouterr().out
    assert "from ganstyle_edu import data, features, gram, images" in printed and "from .." not in printed


def test_each_notebook_module_holds_its_notebooks_exercises():
    from ganstyle_edu.exercises import nb00, nb11

    assert [e.id for e in nb00.EXERCISES] == ["00.1", "00.2", "00.3", "00.4"]
    assert [e.id for e in nb11.EXERCISES] == ["11.1", "11.2", "11.3"]


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


def _readme_ids(text: str) -> list[str]:
    """Exercise ids a README passage names: '05.1, 05.3' and ranges '01.1–01.2' (within one notebook)."""
    import re

    ids = []
    for first, last in re.findall(r"\b(\d\d\.\d)(?:–(\d\d\.\d))?", text):
        ids.append(first)
        if last:
            ids += [f"{first[:3]}{n}" for n in range(int(first[3:]) + 1, int(last[3:]) + 1)]
    return ids


def test_the_readme_counts_and_lists_the_registry_s_exercises():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exercises", 1)[1].split("\n## ", 1)[0]
    assert f"({len(IDS)} in all)" in section, "the README's exercise count differs from exercises.REGISTRY"
    bullets = {match[0]: match[1] for match in re.findall(r"^- \*\*(.+?)\*\*(.*?)(?=^- \*\*|^```|\Z)", section,
                                                           re.S | re.M)}
    kinds = {"write a function": FUNCTIONS,
             "run an experiment": [i for i in IDS if exercises.REGISTRY[i].kind == "experiment"],
             "an open question": [i for i in IDS if exercises.REGISTRY[i].kind == "open"]}
    for bullet, expected in kinds.items():
        assert sorted(set(_readme_ids(bullets[bullet]))) == sorted(expected), f"the README's '{bullet}' list"


def test_readme_ids_expand_ranges():
    assert _readme_ids("(01.1–01.3), the hinge loss (03.1) and 05.1, 05.3") == ["01.1", "01.2", "01.3", "03.1",
                                                                                  "05.1", "05.3"]
