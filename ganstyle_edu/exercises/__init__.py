"""Exercises that answer back: a registry of tasks, each with a checker, a hint and a reference solution.

``check("01.1", answer)`` prints what is wrong — a wrong shape, a missing normalisation, a sign error — or
"correct" with the measured number, and returns True or False; an answer of ``None`` (the learner's cell not
filled in yet) prints "not attempted yet" and returns None, so a committed notebook runs clean.
``hint(id)`` and ``solution(id)`` print the hint and the reference solution's code; ``reference_series(id)``
gives an open exercise's reference runs for ``viz.grouped_bars``.

Every checker compares the learner's answer with an **independent reference** (NumPy), never with the package's
own function, and names each typical mistake with its own message (``Exercise.mistakes``); the tests run every
checker on its solution, on each listed mistake and on each further wrong answer. An exception raised by the
learner's code is feedback ("your answer raised …"); one raised by a checker itself is a bug, and propagates.

This package holds the registry and this API; ``checking`` holds the shared checkers, and ``nb00`` … ``nb11``
each notebook's exercises. Introduced in notebook 00; each notebook's exercises carry its number ("01.2" is
notebook 01's second).
"""
from __future__ import annotations

import inspect
import textwrap

import numpy as np

from . import nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11
from .checking import Exercise, LearnerError


def _collect(*modules) -> dict[str, Exercise]:
    """The exercises of each notebook's module, by id; each module holds only its own notebook's."""
    registry = {}
    for module in modules:
        notebook = module.__name__.rsplit(".", 1)[-1].removeprefix("nb")
        for exercise in module.EXERCISES:
            if not exercise.id.startswith(notebook + "."):
                raise ValueError(f"{module.__name__} holds exercise {exercise.id}: move it to nb{exercise.id[:2]}")
            if exercise.id in registry:
                raise ValueError(f"exercise {exercise.id} is registered twice: give the second one the next number")
            registry[exercise.id] = exercise
    return registry


REGISTRY: dict[str, Exercise] = _collect(nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11)


def _get(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        raise KeyError(f"no exercise {exercise_id!r}; the exercises are {', '.join(sorted(REGISTRY))}")
    return REGISTRY[exercise_id]


def _feedback(exercise: Exercise, answer) -> tuple[bool, str]:
    if exercise.answer_is_function and not callable(answer):
        return False, f"give a function (def …), not a {type(answer).__name__}: this exercise asks you to write one"
    try:
        with np.errstate(all="ignore"):  # a NaN or overflow in the learner's code is named by the checker
            return exercise.check(answer)
    except LearnerError as error:  # the learner's own code raised: say so; an error of the checker itself propagates
        return False, str(error)


def check(exercise_id: str, answer) -> bool | None:
    """Print the feedback on ``answer`` and return True (correct), False, or None (not attempted yet)
    (notebook 00). An exception raised by the learner's code is feedback; one raised by the checker's own
    reference computation (e.g. shipped weights missing) is a bug and propagates."""
    exercise = _get(exercise_id)
    if answer is None:
        print(f"{exercise_id}: not attempted yet — write your answer in the cell above (hint: `exercises.hint"
              f"({exercise_id!r})`)")
        return None
    correct, message = _feedback(exercise, answer)
    print(f"{exercise_id}: {'correct' if correct else 'not yet'} — {message}")
    return correct


def hint(exercise_id: str) -> None:
    """Print the exercise's hint (notebook 00)."""
    print(f"{exercise_id} hint: {_get(exercise_id).hint}")


def solution(exercise_id: str) -> None:
    """Print the reference solution: the code of a function to write, or the number to predict with its
    reasoning (notebook 00)."""
    exercise = _get(exercise_id)
    if exercise.answer_is_function or exercise.kind in ("experiment", "open"):
        source = textwrap.dedent(inspect.getsource(exercise.solution))
        print(source.replace("from .. import", "from ganstyle_edu import"))  # code to run in a notebook
    else:
        print(f"{exercise_id}: {exercise.reference_answer()!r} — {exercise.hint}")


def reference_series(exercise_id: str, answer: dict | None = None) -> dict[str, dict[str, float]]:
    """An open exercise's reference runs, one series {item: number} per run (e.g. photo and texture), with
    ``answer`` last as "your answer"; layers carry the notebooks' names (relu1_1). For ``viz.grouped_bars``
    (notebook 00)."""
    from .. import features

    exercise = _get(exercise_id)
    if exercise.reference is None:
        open_ones = ", ".join(i for i, e in REGISTRY.items() if e.reference is not None)
        raise ValueError(f"exercise_id {exercise_id!r} has no reference run; give an open exercise's: {open_ones}")
    series = dict(exercise.reference())
    if answer is not None:
        series["your answer"] = answer
    return {name: {features.paper_name(item): float(value) for item, value in values.items()}
            for name, values in series.items()}
