"""What every notebook's checkers share: the ``Exercise`` and ``Mistake`` records, the call into the learner's code
(:func:`call_learner`, whose exceptions alone are the learner's), and the checkers of a function to write, of a
number to predict, of a whole number and of a dict of numbers per layer. Introduced in notebook 00.

A checker compares the learner's answer with an **independent reference** (NumPy, written in the notebook's
module), never with the package's own function, and names each typical mistake (a :class:`Mistake`): the
correct answer is tested first, then each mistake, then what is left is described ("too high", "shape …").
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

RELATIVE_TOLERANCE = 0.05  # a predicted number within 5 % of a mistake's value (two significant digits) is that mistake


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the feedback naming it (notebook 00): ``answer`` is a wrong value (a number to
    predict) or a wrong function (a function to write). A number is that mistake within ``tolerance`` of its value:
    by default 5 % of the value (a prediction rounded to two significant digits); a whole number only when equal."""

    answer: Any
    message: str
    tolerance: float | None = None

    def near(self, answer: float) -> bool:
        """Whether the number ``answer`` is this mistake (notebook 00)."""
        tolerance = RELATIVE_TOLERANCE * abs(self.answer) if self.tolerance is None else self.tolerance
        return abs(answer - self.answer) <= tolerance


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise (notebook 00): ``check(answer) -> (correct, message)``; ``solution`` is a function whose source
    is the reference answer (a function to write) or that returns it (a number to predict, a measurement to make).
    ``mistakes`` are the :class:`Mistake` s its checker names, each with its own message (the tests send each one
    and expect that message); ``wrong`` lists further (wrong answer, words the feedback must contain) for the
    tests. An open question (``kind="open"``) has no single right answer: its check verifies that the experiment
    ran, and ``reference()`` returns the reference runs' numbers for ``exercises.reference_series``."""

    id: str
    task: str
    check: Callable[[Any], tuple[bool, str]]
    hint: str
    solution: Callable
    answer_is_function: bool = True
    wrong: tuple = ()
    kind: str = ""  # "experiment": a measurement to make; "open": any answer from a run that worked is right
    reference: Callable | None = None
    mistakes: tuple[Mistake, ...] = ()

    def reference_answer(self):
        """The reference solution: the function to write, or the value to give (notebook 00)."""
        return self.solution if self.answer_is_function else self.solution()


class LearnerError(Exception):
    """An exception raised by the learner's own code, called by a checker (notebook 00); ``original`` is that
    exception. ``exercises.check`` turns it into feedback; any other exception inside a checker is a bug of the
    checker and propagates."""

    def __init__(self, original: Exception, feedback: str = ""):
        super().__init__(feedback or f"your answer raised {type(original).__name__}: {original}")
        self.original = original


def call_learner(function: Callable, *arguments):
    """``function(*arguments)`` for the learner's ``function``: what it raises comes back as a
    :class:`LearnerError` carrying the original (notebook 00)."""
    try:
        return function(*arguments)
    except Exception as error:
        raise LearnerError(error) from error


def learner_array(function: Callable, *arguments) -> np.ndarray:
    """The learner's ``function`` on copies of ``arguments`` (it may write into them), as a float64 array; a
    result that is not numbers is a :class:`LearnerError` too (notebook 00)."""
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments]
    result = call_learner(function, *copies)
    try:
        return np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise LearnerError(error, f"your function returned a {type(result).__name__}, not numbers: return a NumPy "
                                  "array or a number") from error


def _same(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, equal_nan=True))


def named_mistake(result: np.ndarray, expected: np.ndarray, arguments, mistakes, atol: float = 1e-6) -> str | None:
    """The message of the first mistaken function (a :class:`Mistake`) whose output on ``arguments`` the learner's
    ``result`` equals, among those whose output differs from ``expected``; None if none (notebook 00)."""
    for mistake in mistakes:
        wrong = np.asarray(mistake.answer(*arguments), dtype=np.float64)
        if not _same(wrong, expected, atol) and _same(result, wrong, atol):
            return mistake.message
    return None


def check_function(function, reference: Callable, cases, mistakes=(), describe: str = "", atol: float = 1e-6,
                   advice: str = "") -> tuple[bool, str]:
    """Run the learner's ``function`` and the ``reference`` on each case (a tuple of arguments) and compare
    (notebook 00). A result that is not the reference's is named by the first matching :class:`Mistake` of
    ``mistakes`` (wrong functions), else described (shape, NaN, largest difference, then ``advice``).
    ``describe`` says what was tried, for the messages."""
    worst = 0.0
    for arguments in cases:
        result = learner_array(function, *arguments)
        expected = np.asarray(reference(*arguments), dtype=np.float64)
        error = float(np.abs(result - expected).max()) if result.shape == expected.shape and result.size else 0.0
        if result.shape == expected.shape and error <= atol * max(1.0, float(np.abs(expected).max(initial=0.0))):
            worst = max(worst, error)
            continue
        message = named_mistake(result, expected, arguments, mistakes, atol)
        if message:
            return False, message
        if result.shape != expected.shape:
            return False, f"shape {result.shape}: expected {expected.shape}"
        if not np.all(np.isfinite(result)):
            return False, "the result holds NaN or infinity: guard the divisions and the logarithms"
        return False, (f"largest difference from the reference {error:.3g} (on {describe or 'the test input'})"
                       + (f": {advice}" if advice else ""))
    return True, f"matches the reference on {describe or 'the test inputs'} (largest difference {worst:.1e})"


def _is_number(answer) -> bool:
    return not isinstance(answer, bool) and isinstance(answer, (int, float, np.integer, np.floating))


def check_float(answer, expected: float, tolerance: float, mistakes=(), unit: str = "") -> tuple[bool, str]:
    """A predicted or measured number (notebook 00): correct within ``tolerance`` of ``expected``; otherwise the
    first :class:`Mistake` of ``mistakes`` near it (each within its own tolerance) names the error."""
    if not _is_number(answer):
        return False, f"give a number, not {type(answer).__name__}"
    try:
        answer = float(answer)
    except OverflowError:  # a whole number beyond float's range
        return False, "that number is too large to be it"
    if not np.isfinite(answer):
        return False, f"{answer} is not a finite number"
    if abs(answer - expected) <= tolerance:
        return True, f"{answer:.4g}{unit} (reference {expected:.4g}{unit}, tolerance ±{tolerance:.2g})"
    for mistake in mistakes:
        if mistake.near(answer):
            return False, mistake.message
    return False, f"{answer:.4g}{unit} is too {'high' if answer > expected else 'low'} (tolerance ±{tolerance:.2g})"


def check_whole_number(answer, expected: int, mistakes, missed: str, correct: str,
                       what: str = "a whole number") -> tuple[bool, str]:
    """A predicted whole number (notebook 00): each :class:`Mistake` of ``mistakes`` names its value's error;
    ``missed`` is said of any other wrong value and ``correct`` of the right one (both may use {answer:,})."""
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return False, f"give {what}, not {type(answer).__name__}"
    if answer == expected:
        return True, correct.format(answer=answer)
    for mistake in mistakes:
        if answer == mistake.answer:
            return False, mistake.message
    return False, missed.format(answer=answer)


def check_layer_dict(answer, layers) -> tuple[bool, str]:
    """A measurement per layer (notebook 00): a dict with exactly one finite number for each of ``layers``;
    (True, "") when it is one, else (False, what to give)."""
    if not isinstance(answer, dict) or set(answer) != set(layers):
        return False, f"give a dict with one number per layer: {', '.join(layers)}"
    if not all(_is_number(v) and np.isfinite(v) for v in answer.values()):
        return False, "every value must be a finite number"
    return True, ""
