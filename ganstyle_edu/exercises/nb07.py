"""Notebook 07's exercises (07_inside_the_generator): the IoU of two masks, the IoU two random masks reach by
chance, and GAN Dissection's per-unit masks.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 07.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function, learner_array

EXERCISES: list[Exercise] = []


def _iou_reference(mask_a, mask_b):
    both = sum(bool(x and y) for x, y in zip(mask_a.flat, mask_b.flat))
    either = sum(bool(x or y) for x, y in zip(mask_a.flat, mask_b.flat))
    return both / either if either else 1.0


def _random_masks():
    rng = np.random.default_rng(5)
    return [(rng.random((16, 16)) > 0.6, rng.random((16, 16)) > 0.5)]


_IOU_MISTAKES = (
    Mistake(lambda a, b: 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum()),
            "that is the Dice coefficient 2|A∩B| / (|A| + |B|); IoU divides by |A∪B|"),
    Mistake(lambda a, b: np.logical_and(a, b).sum() / a.sum(),
            "divided by |A| (a recall); IoU divides by the union |A∪B|"))


def _check_iou(function) -> tuple[bool, str]:
    ok, message = check_function(function, _iou_reference, _random_masks(), _IOU_MISTAKES,
                                 describe="two random 16×16 masks", atol=1e-9)
    if not ok:
        return ok, message
    empty = np.zeros((4, 4), bool)
    agreement = learner_array(function, empty, empty)
    if agreement.size != 1 or not abs(float(agreement.flat[0]) - 1.0) <= 1e-9:  # NaN fails too
        return False, "two empty masks: define IoU as 1 (they agree), not 0 or NaN"
    return True, message + "; empty vs empty gives 1"


def _iou_solution(mask_a, mask_b):
    union = np.logical_or(mask_a, mask_b).sum()
    return np.logical_and(mask_a, mask_b).sum() / union if union else 1.0


EXERCISES.append(Exercise(
    id="07.1",
    task="Write iou(mask_a, mask_b) for two boolean masks; two empty masks agree perfectly (IoU 1).",
    check=_check_iou, hint="|A∩B| / |A∪B| with np.logical_and / np.logical_or; guard the empty union.",
    solution=_iou_solution, mistakes=_IOU_MISTAKES,
    wrong=((lambda a, b: np.logical_and(a, b).sum() / max(np.logical_or(a, b).sum(), 1), "two empty masks"),
           (lambda a, b: np.logical_and(a, b).sum() / np.logical_or(a, b).sum(), "two empty masks"),
           (lambda a, b: np.logical_and(a, b).sum() / b.size, "largest difference")),
))


_CHANCE_IOU_MISTAKES = (
    Mistake(0.10 * 0.05, "0.005 is the expected intersection alone; divide by the expected union a + b − ab"),
    Mistake(0.05, "0.05 is the smaller mask's share, the IoU's ceiling only if it lies inside the other"),
    Mistake(0.05 / 0.10, "0.5 is the ratio of the two shares: the largest IoU possible, not the chance level"))


def _check_chance_iou(answer) -> tuple[bool, str]:
    a, b = 0.10, 0.05
    both = a * b
    return check_float(answer, both / (a + b - both), 0.002, _CHANCE_IOU_MISTAKES)


EXERCISES.append(Exercise(
    id="07.2",
    task="Predict: two independent random masks cover 10 % and 5 % of the pixels. What IoU do they reach by chance "
         "(expected intersection over expected union)?",
    check=_check_chance_iou, hint="independent: the intersection covers a·b, the union a + b − a·b.",
    solution=lambda: 0.005 / 0.145, answer_is_function=False, mistakes=_CHANCE_IOU_MISTAKES,
    wrong=((0.1, "too high"), (0.0, "too low")),
))


def _unit_masks_reference(activations, quantile):
    out = np.zeros(activations.shape, dtype=bool)
    for unit in range(activations.shape[-1]):
        threshold = np.quantile(activations[..., unit], quantile)  # over all images and positions
        out[..., unit] = activations[..., unit] > threshold
    return out


def _unit_masks_solution(activations, quantile):
    threshold = np.quantile(activations.reshape(-1, activations.shape[-1]), quantile, axis=0)  # (N·H·W, C) -> (C,)
    return activations > threshold  # (N, H, W, C) > (C,): broadcast over images and positions


def _unit_mask_cases():
    rng = np.random.default_rng(12)
    return [(rng.gamma(2.0, 1.0, (3, 6, 5, 4)) * np.array([1.0, 4.0, 0.25, 2.0]), 0.9)]


_UNIT_MASK_MISTAKES = (
    Mistake(lambda x, q: x > np.quantile(x, q), "one threshold for all units: each unit has its own scale, so take the "
                                               "quantile per channel"),
    Mistake(lambda x, q: x > np.quantile(x, q, axis=(1, 2), keepdims=True),
            "a threshold per image: the rule takes each unit's quantile over the whole set of images"),
    Mistake(lambda x, q: _unit_masks_reference(x, 1 - q),
            "the quantile is inverted: the top 10 % is above the 0.9 quantile"))

EXERCISES.append(Exercise(
    id="07.3",
    task="Write unit_masks(activations, quantile): for activations (N, H, W, C), a boolean mask of where each unit "
         "(channel) exceeds its own threshold — the given quantile of that unit's values over all N images and "
         "positions (the GAN Dissection rule).",
    check=lambda f: check_function(f, _unit_masks_reference, _unit_mask_cases(), _UNIT_MASK_MISTAKES,
                                   describe="4 units of different scales over 3 images of 6×5"),
    hint="np.quantile(activations.reshape(-1, C), quantile, axis=0) gives one threshold per unit.",
    solution=_unit_masks_solution, mistakes=_UNIT_MASK_MISTAKES,
    wrong=((lambda x, q: x > np.quantile(x, 0.5), "largest difference"),),
))
