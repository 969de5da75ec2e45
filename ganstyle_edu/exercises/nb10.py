"""Notebook 10's exercises (10_playground): Otsu's threshold, the weight of the letters after normalising the
weights, and dilating a mask to leave a margin around the letters.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 10.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, call_learner, check_float, check_function

EXERCISES: list[Exercise] = []


def _between_class_variance(values, threshold):
    low, high = values[values <= threshold], values[values > threshold]
    if not len(low) or not len(high):
        return 0.0
    return len(low) * len(high) * (low.mean() - high.mean()) ** 2 / len(values) ** 2


def _otsu_values():
    rng = np.random.default_rng(14)
    return np.clip(np.concatenate([rng.normal(0.2, 0.05, 900), rng.normal(0.75, 0.08, 100)]), 0, 1)


_OTSU_MISTAKES = (
    Mistake(lambda v: float(np.mean(v)), "the mean of the values: with 90 % paper and 10 % ink it cuts into the paper"),
    Mistake(lambda v: float(np.median(v)), "the median: it splits the pixels in half, not paper from ink"))


def _check_otsu(function) -> tuple[bool, str]:
    values = _otsu_values()
    answer = call_learner(function, values)
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return False, f"return one threshold, a number, not {type(answer).__name__}"
    answer = float(answer)
    best = max(_between_class_variance(values, t) for t in np.linspace(0, 1, 1001))
    reached = _between_class_variance(values, answer)
    if reached >= 0.99 * best:
        return True, (f"threshold {answer:.3f} separates the two groups (between-class variance {reached:.4f} of "
                      f"{best:.4f})")
    for mistake in _OTSU_MISTAKES:
        if abs(answer - mistake.answer(values)) < 1e-6:
            return False, mistake.message
    return False, f"threshold {answer:.3f}: its between-class variance is {reached:.4f}, the best is {best:.4f}"


def _otsu_solution(values):
    candidates = np.linspace(0, 1, 257)[1:-1]

    def between(t):
        low, high = values[values <= t], values[values > t]
        if not len(low) or not len(high):
            return 0.0
        return len(low) * len(high) * (low.mean() - high.mean()) ** 2  # ∝ ω₀ ω₁ (μ₀ − μ₁)²
    return float(max(candidates, key=between))


EXERCISES.append(Exercise(
    id="10.1",
    task="Write otsu(values): Otsu's threshold for values in [0, 1] — the cut t that maximises the between-class "
         "variance ω₀ ω₁ (μ₀ − μ₁)² of the values ≤ t and > t.",
    check=_check_otsu, hint="try every t on a fine grid and keep the best; ω are the shares, μ the means.",
    solution=_otsu_solution, mistakes=_OTSU_MISTAKES,
    wrong=((lambda v: 0.9, "between-class variance"), (lambda v: "0.5", "a number")),
))


_NORMALISED_WEIGHT_MISTAKES = (
    Mistake(3.0, "3 is the weight before normalising: divide by the mean weight 0.2·3 + 0.8·1"),
    Mistake(3.0 / (0.2 * 3.0), "divided by the letters' part of the mean only: include the ground's 0.8·1"),
    Mistake(1.0 / 1.4, "that is the ground's weight after normalising"))


def _check_normalised_weight(answer) -> tuple[bool, str]:
    share, weight = 0.2, 3.0
    mean = share * weight + (1 - share) * 1.0
    return check_float(answer, weight / mean, 0.01, _NORMALISED_WEIGHT_MISTAKES)


EXERCISES.append(Exercise(
    id="10.2",
    task="Predict: the letters cover 20 % of the image and weigh λ = 3, the ground 1; the weights are then scaled to "
         "a mean of 1. What weight do the letters end with?",
    check=_check_normalised_weight, hint="the mean weight is 0.2·3 + 0.8·1 = 1.4.",
    solution=lambda: 3.0 / 1.4, answer_is_function=False, mistakes=_NORMALISED_WEIGHT_MISTAKES,
    wrong=((0.71, "ground's weight"), (2.5, "too high")),
))


def _dilate_reference(mask, radius):
    height, width = mask.shape
    out = np.zeros((height, width), dtype=bool)
    for row in range(height):
        for col in range(width):
            window = mask[max(0, row - radius):row + radius + 1, max(0, col - radius):col + radius + 1]
            out[row, col] = bool(window.any())
    return out


def _dilate_solution(mask, radius):
    height, width = mask.shape
    padded = np.pad(mask, radius)  # (H + 2r, W + 2r), False around
    out = np.zeros((height, width), dtype=bool)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[dy:dy + height, dx:dx + width]
    return out


def _dilate_cases():
    mask = np.zeros((9, 11), dtype=bool)
    mask[2, 3] = mask[6, 9] = mask[0, 0] = True
    return [(mask, 1), (mask, 2)]


_DILATE_MISTAKES = (
    Mistake(lambda m, r: ~_dilate_reference(~m, r),
            "that is an erosion (a pixel stays on only if all around it are): take any, not all"),
    Mistake(lambda m, r: _dilate_reference(m, 2 * r),
            "grown by 2·radius: the square is (2r + 1) pixels wide, r each side"),
    Mistake(lambda m, r: _dilate_reference(m, r - 1) if r > 1 else m.copy(),
            "grown by radius − 1: the square is (2r + 1) pixels wide"))

EXERCISES.append(Exercise(
    id="10.3",
    task="Write dilate(mask, radius): a boolean (H, W) mask grown by `radius` pixels in every direction — a pixel is "
         "on when any pixel of the (2r + 1)² square around it is on (the margin around the letters).",
    check=lambda f: check_function(f, _dilate_reference, _dilate_cases(), _DILATE_MISTAKES,
                                   describe="three pixels, one in a corner, at radius 1 and 2"),
    hint="pad by radius, then OR together the (2r + 1)² shifted copies.",
    solution=_dilate_solution, mistakes=_DILATE_MISTAKES,
    wrong=((lambda m, r: np.roll(_dilate_reference(m, r), 1, axis=0), "largest difference"),),
))
