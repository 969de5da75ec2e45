"""Notebook 03's exercises (03_gan_theory_in_2d): the discriminator's hinge loss, the optimal discriminator, and
the value of the game at equilibrium.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 03.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function

EXERCISES: list[Exercise] = []


def _logits(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 2, size=64)


def _hinge_reference(real_logits, fake_logits):
    return float(np.mean(np.maximum(0, 1 - real_logits)) + np.mean(np.maximum(0, 1 + fake_logits)))


_HINGE_MISTAKES = (
    Mistake(lambda r, f: np.mean(np.maximum(0, 1 + r)) + np.mean(np.maximum(0, 1 - f)),
            "sign error: real logits should be pushed above +1 (max(0, 1 − D(x))), fakes below −1"),
    Mistake(lambda r, f: np.mean(1 - r) + np.mean(1 + f),
            "no hinge: clip each term at 0 with max(0, ·), or confident logits keep being pushed"))


def _hinge_solution(real_logits, fake_logits):
    return np.mean(np.maximum(0, 1 - real_logits)) + np.mean(np.maximum(0, 1 + fake_logits))


EXERCISES.append(Exercise(
    id="03.1",
    task="Write the discriminator's hinge loss d_hinge(real_logits, fake_logits) (Lim & Ye 2017; SAGAN, BigGAN).",
    check=lambda f: check_function(f, _hinge_reference, [(_logits(3), _logits(4))], _HINGE_MISTAKES,
                                   describe="64 real and 64 fake logits",
                                   advice="mean over each batch, then add the two terms"),
    hint="real logits should exceed +1, fake ones stay below −1; only violations cost.",
    solution=_hinge_solution, mistakes=_HINGE_MISTAKES,
    wrong=((lambda r, f: np.sum(np.maximum(0, 1 - r)) + np.sum(np.maximum(0, 1 + f)), "mean over each batch"),
           (lambda r, f: np.zeros(2), "shape")),
))


def _optimal_d_reference(p_data, p_model):
    out = np.full(np.shape(p_data), 0.5)
    for index in np.ndindex(np.shape(p_data)):
        total = p_data[index] + p_model[index]
        if total > 0:
            out[index] = p_data[index] / total
    return out


def _optimal_d_solution(p_data, p_model):
    total = p_data + p_model
    return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def _densities():
    x = np.linspace(-4, 4, 41)
    p_data = np.exp(-0.5 * (x - 1) ** 2)
    p_model = np.where(np.abs(x + 1) < 1.5, 0.4, 0.0)  # zero where neither has mass at the far left
    p_data[:3] = 0.0
    return [(p_data, p_model)]


_OPTIMAL_D_MISTAKES = (
    Mistake(lambda a, b: _optimal_d_reference(b, a),
            "swapped: D*(x) is the probability that x is *real*, p_data on top"),
    Mistake(lambda a, b: np.where(a + b > 0, a / np.where(b > 0, b, 1.0), 0.5),
            "a density ratio p_data / p_model is not a probability: divide by the sum"),
    Mistake(lambda a, b: np.where(a + b > 0, a / np.where(a + b > 0, a + b, 1.0), 0.0),
            "where both densities are 0, answer 0.5 (D cannot tell), not 0"))

EXERCISES.append(Exercise(
    id="03.2",
    task="Write optimal_d(p_data, p_model): the best discriminator D*(x) = p_data / (p_data + p_model) on a grid of "
         "densities; where both are 0, nothing can be told apart: answer 0.5.",
    check=lambda f: check_function(f, _optimal_d_reference, _densities(), _OPTIMAL_D_MISTAKES,
                                   describe="a Gaussian against a box density, with empty cells"),
    hint="np.where(total > 0, p_data / total, 0.5), dividing by a safe total to avoid 0/0.",
    solution=_optimal_d_solution, mistakes=_OPTIMAL_D_MISTAKES,
    wrong=((lambda a, b: b / np.where(a + b > 0, a + b, 1.0) + np.where(a + b > 0, 0.0, 0.5), "swapped"),
           (lambda a, b: a / (a + b), "NaN")),
))


_DROPPED_HALF = 0.5 * np.log(1 / 3) + np.log(2 / 3)  # E_data[log D*] + E_model[log(1 − D*)], D* = ⅓ on [0, 1], 1 beyond


_MINIMAX_MISTAKES = (
    Mistake(-np.log(4.0), "−log 4 is the value when p_model = p_data; this generator drops half the data",
            tolerance=0.01),
    Mistake(0.5 * np.log(1 / 3), "that is only the data's term: add the generator's E_model[log(1 − D*)] = log ⅔",
            tolerance=0.01),
    Mistake(np.log(2 / 3), "that is only the generator's term: half the data has D* = ⅓, and log ⅓ counts",
            tolerance=0.01),
    Mistake(-_DROPPED_HALF, "a sign: log D* and log(1 − D*) are negative", tolerance=0.01),
    Mistake(1 / 3, "⅓ is D*(x) on [0, 1], not the value of the game", tolerance=0.01))


def _check_minimax_value(answer) -> tuple[bool, str]:
    return check_float(answer, _DROPPED_HALF, 0.01, _MINIMAX_MISTAKES)


EXERCISES.append(Exercise(
    id="03.3",
    task="Predict: the value V(D*, G) = E_data[log D*(x)] + E_model[log(1 − D*(x))] when the generator drops half "
         "the data: p_data uniform on [0, 2], p_model uniform on [0, 1]. A number, natural logarithms.",
    check=_check_minimax_value,
    hint="D*(x) = p_data / (p_data + p_model): ½ / (½ + 1) = ⅓ on [0, 1] and 1 on (1, 2], where log 1 = 0.",
    solution=lambda: float(_DROPPED_HALF), answer_is_function=False, mistakes=_MINIMAX_MISTAKES,
    wrong=((-1.386, "drops half"), (-2.0, "too low"), ("-0.955", "a number")),
))
