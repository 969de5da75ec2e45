"""Notebook 08's exercises (08_inside_the_discriminator): integrated gradients, the attribution of one input of a
linear function, and the probability a discriminator's logit stands for.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 08.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function, learner_array

EXERCISES: list[Exercise] = []


def _quadratic(x):
    return float(np.sum(np.arange(1, x.size + 1) * x ** 2) + x[0] * x[1])


def _quadratic_gradient(x):
    gradient = 2 * np.arange(1, x.size + 1) * x
    gradient[0] += x[1]
    gradient[1] += x[0]
    return gradient


def _ig_reference(gradient, x, baseline, steps):
    total = np.zeros_like(x)
    for k in range(steps):
        alpha = (k + 0.5) / steps  # midpoints
        total += gradient(baseline + alpha * (x - baseline))
    return (x - baseline) * total / steps


def _ig_solution(gradient, x, baseline, steps):
    alphas = (np.arange(steps) + 0.5) / steps  # midpoints of [0, 1]
    average = np.mean([gradient(baseline + a * (x - baseline)) for a in alphas], axis=0)
    return (x - baseline) * average


def _path_average(g, a, b, n):
    return np.mean([g(b + (k + 0.5) / n * (a - b)) for k in range(n)], axis=0)  # the gradient at n midpoints


_IG_MISTAKES = (
    Mistake(_path_average, "the average gradient alone: multiply by (x − baseline)"),
    Mistake(lambda g, a, b, n: g(a) * (a - b),
            "the gradient at x only (gradient × input): average it along the path"),
    Mistake(lambda g, a, b, n: a * _path_average(g, a, b, n), "multiplied by x: use x − baseline"))


def _check_ig(function) -> tuple[bool, str]:
    x, baseline = np.array([1.0, -2.0, 0.5, 3.0]), np.array([0.2, 0.1, -0.4, 0.0])
    ok, message = check_function(function, _ig_reference, [(_quadratic_gradient, x, baseline, 64)], _IG_MISTAKES,
                                 describe="a quadratic function of 4 inputs, 64 midpoint steps", atol=1e-3)
    if ok:
        result = learner_array(function, _quadratic_gradient, x, baseline, 64)
        gap = float(result.sum() - (_quadratic(x) - _quadratic(baseline)))
        message += f"; completeness: the attributions sum to f(x) − f(baseline) within {abs(gap):.1e}"
    return ok, message


EXERCISES.append(Exercise(
    id="08.1",
    task="Write integrated_gradients(gradient, x, baseline, steps): (x − x′) times the average gradient at the "
         "midpoints x′ + (k + ½)/steps · (x − x′), k = 0 … steps − 1 (Sundararajan et al. 2017). gradient(point) "
         "returns ∂f/∂point.",
    check=_check_ig, hint="average gradient(baseline + α (x − baseline)) over α = (k + 0.5)/steps, then multiply "
                          "elementwise by (x − baseline).",
    solution=_ig_solution, mistakes=_IG_MISTAKES,
    wrong=((lambda g, a, b, n: (a - b) * np.mean([g(b + k / n * (a - b)) for k in range(n)], axis=0),
            "largest difference"),),
))


_LINEAR_ATTRIBUTION_MISTAKES = (
    Mistake(-2.0, "−2 is the gradient alone: integrated gradients multiply it by (x₂ − 0) = 5"),
    Mistake(10.0, "the sign: the weight of x₂ is −2"),
    Mistake(6.0, "6 is x₁'s attribution (3 × 2)"),
    Mistake(-4.0, "−4 is f(x) = 6 − 10, the sum of both attributions"))


def _check_linear_attribution(answer) -> tuple[bool, str]:
    return check_float(answer, -10.0, 1e-6, _LINEAR_ATTRIBUTION_MISTAKES)


EXERCISES.append(Exercise(
    id="08.2",
    task="Predict: f(x) = 3·x₁ − 2·x₂, x = (2, 5), baseline (0, 0). What is the integrated-gradients attribution of "
         "x₂?",
    check=_check_linear_attribution, hint="for a linear f the gradient is constant along the path: attribution = "
                                          "weight × (x − baseline).",
    solution=lambda: -10.0, answer_is_function=False, mistakes=_LINEAR_ATTRIBUTION_MISTAKES,
    wrong=((-5, "too high"), ((2, 5), "a number")),
))


_LOGIT_MISTAKES = (
    Mistake(6.7, "6.7 is the logit itself: D(x) = σ(6.7)"),
    Mistake(1 / (1 + np.exp(6.7)), "that is 1 − D(x), the probability of 'generated'", tolerance=5e-4),
    Mistake(np.exp(6.7), "e^6.7 is the odds; a probability is odds / (1 + odds)"))


def _check_logit_probability(answer) -> tuple[bool, str]:
    return check_float(answer, 1 / (1 + np.exp(-6.7)), 2e-4, _LOGIT_MISTAKES)


EXERCISES.append(Exercise(
    id="08.3",
    task="Predict D(x), to 3 decimals, for a logit of 6.7 — and so see why the optimised "
         "patch's logit above reaches 'D(x) = 1.000' although it is not 'more real'.",
    check=_check_logit_probability, hint="D(x) = σ(logit) = 1 / (1 + e^{−logit}).",
    solution=lambda: float(1 / (1 + np.exp(-6.7))), answer_is_function=False, mistakes=_LOGIT_MISTAKES,
    wrong=((0.001, "1 − D(x)"), (812, "odds"), (0.9, "too low")),
))
