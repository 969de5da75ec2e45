"""Exercises that answer back: a registry of tasks, each with a checker, a hint and a reference solution.

``check("01.1", answer)`` prints what is wrong — a wrong shape, a missing normalisation, a sign error — or
"correct" with the measured number, and returns True or False; an answer of ``None`` (the learner's cell not
filled in yet) prints "not attempted yet" and returns None, so a committed notebook runs clean.
``hint(id)`` and ``solution(id)`` print the hint and the reference solution's code.

Every checker compares the learner's answer with an **independent reference** (NumPy, written here), never
with the package's own function, and tries to name the mistake: each exercise lists typical wrong answers
with the words its feedback must contain, and the tests run every checker on its solution and on each wrong
answer. Introduced in notebook 01; each notebook's exercises carry its number ("01.2" is notebook 01's second).
"""
from __future__ import annotations

import dataclasses
import inspect
import textwrap
from typing import Any, Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: ``check(answer) -> (correct, message)``; ``solution`` is a function whose source is the
    reference answer (a function to write) or that returns it (a number to predict); ``wrong`` lists
    (wrong answer, words the feedback must contain) for the tests."""

    id: str
    task: str
    check: Callable[[Any], tuple[bool, str]]
    hint: str
    solution: Callable
    answer_is_function: bool = True
    wrong: tuple = ()

    def reference_answer(self):
        return self.solution if self.answer_is_function else self.solution()


REGISTRY: dict[str, Exercise] = {}


def _register(exercise: Exercise) -> Exercise:
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id} is registered twice")
    REGISTRY[exercise.id] = exercise
    return exercise


def _get(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        raise KeyError(f"no exercise {exercise_id!r}; the exercises are {', '.join(sorted(REGISTRY))}")
    return REGISTRY[exercise_id]


def check(exercise_id: str, answer) -> bool | None:
    """Print the feedback on ``answer`` and return True (correct), False, or None (not attempted yet)
    (notebook 01)."""
    exercise = _get(exercise_id)
    if answer is None:
        print(f"{exercise_id}: not attempted yet — write your answer in the cell above (hint: `exercises.hint"
              f"({exercise_id!r})`)")
        return None
    try:
        correct, message = exercise.check(answer)
    except Exception as error:  # the learner's function crashed on the test input: say so, do not raise
        correct, message = False, f"your answer raised {type(error).__name__}: {error}"
    print(f"{exercise_id}: {'correct' if correct else 'not yet'} — {message}")
    return correct


def hint(exercise_id: str) -> None:
    """Print the exercise's hint (notebook 01)."""
    print(f"{exercise_id} hint: {_get(exercise_id).hint}")


def solution(exercise_id: str) -> None:
    """Print the reference solution: the code of a function to write, or the number to predict with its
    reasoning (notebook 01)."""
    exercise = _get(exercise_id)
    if exercise.answer_is_function:
        print(textwrap.dedent(inspect.getsource(exercise.solution)))
    else:
        print(f"{exercise_id}: {exercise.reference_answer()!r} — {exercise.hint}")


# ---------------------------------------------------------------- notebook 01: the Gram matrix

def _features(seed: int = 0, shape=(5, 7, 4)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float64)  # (H, W, C)


def _gram_reference(features: np.ndarray) -> np.ndarray:
    height, width, channels = features.shape
    flat = features.reshape(height * width, channels)  # (H, W, C) -> (H·W, C)
    return flat.T @ flat / (height * width)


def _check_gram(function) -> tuple[bool, str]:
    features = _features()
    height, width, channels = features.shape
    result = np.asarray(function(features), dtype=np.float64)
    expected = _gram_reference(features)
    if result.shape == (height * width, height * width):
        return False, f"shape {result.shape}: you computed F Fᵀ (positions × positions); a Gram matrix is Fᵀ F, C × C"
    if result.shape != (channels, channels):
        return False, f"shape {result.shape}: a Gram matrix of C = {channels} channels is {channels} × {channels}"
    if np.allclose(result, expected * height * width, rtol=1e-4):
        return False, f"right up to a factor H·W = {height * width}: divide by the number of positions"
    if np.allclose(result, expected * height * width / (height * width * channels), rtol=1e-4):
        return False, "divided by H·W·C: normalise by the number of positions H·W only"
    if not np.allclose(result, result.T, atol=1e-8):
        return False, "not symmetric: G[i, j] and G[j, i] must be equal (both are the mean of f_i · f_j)"
    error = float(np.abs(result - expected).max())
    if error > 1e-5 * max(1.0, float(np.abs(expected).max())):
        return False, f"largest difference from the reference {error:.3g}: check the reshape (H·W rows of C values)"
    return True, f"matches the reference on a {height}×{width}×{channels} input (largest difference {error:.1e})"


def _gram_solution(features):
    height, width, channels = features.shape
    flat = features.reshape(height * width, channels)  # (H, W, C) -> (H·W, C)
    return flat.T @ flat / (height * width)


_register(Exercise(
    id="01.1",
    task="Write gram(features) for one (H, W, C) feature map: the C × C matrix of mean products of channels over "
         "the H·W positions.",
    check=_check_gram, hint="reshape to (H·W, C), then Fᵀ F, then divide by the number of positions.",
    solution=_gram_solution,
    wrong=((lambda f: f.reshape(-1, f.shape[-1]).T @ f.reshape(-1, f.shape[-1]), "divide by the number of positions"),
           (lambda f: f.reshape(-1, f.shape[-1]) @ f.reshape(-1, f.shape[-1]).T, "F Fᵀ"),
           (lambda f: f.reshape(-1, f.shape[-1]).T @ f.reshape(-1, f.shape[-1]) / f.size, "H·W only"),
           (lambda f: np.zeros((3, 3)), "shape")),
))


def _check_masked_gram(function) -> tuple[bool, str]:
    features = _features(1)
    mask = (np.random.default_rng(2).random(features.shape[:2]) > 0.5).astype(np.float64)  # (H, W) of 0/1
    result = np.asarray(function(features, mask), dtype=np.float64)
    flat = features.reshape(-1, features.shape[-1])  # (H·W, C)
    weights = mask.reshape(-1)                        # (H·W,)
    expected = (flat * weights[:, None]).T @ flat / weights.sum()
    if result.shape != expected.shape:
        return False, f"shape {result.shape}: expected C × C = {expected.shape}"
    if np.allclose(result, expected * weights.sum() / weights.size, rtol=1e-4):
        return False, (f"divided by all H·W = {weights.size} positions: divide by the number inside the mask "
                       f"({weights.sum():.0f})")
    if np.allclose(result, _gram_reference(features), rtol=1e-4):
        return False, "the mask is ignored: weight each position's outer product by mask[h, w]"
    error = float(np.abs(result - expected).max())
    if error > 1e-5 * float(np.abs(expected).max()):
        return False, f"largest difference from the reference {error:.3g}"
    return True, f"matches the reference ({weights.sum():.0f} of {weights.size} positions inside; difference {error:.1e})"


def _masked_gram_solution(features, mask):
    flat = features.reshape(-1, features.shape[-1])  # (H, W, C) -> (H·W, C)
    weights = mask.reshape(-1)                        # (H, W) -> (H·W,)
    return (flat * weights[:, None]).T @ flat / weights.sum()


_register(Exercise(
    id="01.2",
    task="Write masked_gram(features, mask): the Gram matrix of only the positions where mask (H, W) is 1 — the "
         "statistics of one region (Gatys et al. 2017's spatial control).",
    check=_check_masked_gram, hint="weight each row of the (H·W, C) matrix by the mask, and divide by mask.sum().",
    solution=_masked_gram_solution,
    wrong=((lambda f, m: (f.reshape(-1, f.shape[-1]) * m.reshape(-1, 1)).T @ f.reshape(-1, f.shape[-1]) / m.size,
            "divide by the number inside the mask"),
           (lambda f, m: _gram_reference(f), "the mask is ignored")),
))


def _check_number(answer, expected: int, mistakes, missed: str, correct: str, what: str = "a whole number"):
    """A predicted whole number: each (wrong values, message) of ``mistakes`` names its mistake; ``missed`` is said of
    any other wrong value and ``correct`` of the right one. Messages may use {answer:,}."""
    if not isinstance(answer, (int, np.integer)):
        return False, f"give {what}, not {type(answer).__name__}"
    for values, message in mistakes:
        if answer in values:
            return False, message.format(answer=answer)
    if answer != expected:
        return False, missed.format(answer=answer)
    return True, correct.format(answer=answer)


def _check_gram_entries(answer) -> tuple[bool, str]:
    channels = 256  # relu3_1 of VGG16
    return _check_number(answer, channels * channels, [
        ((channels,), "that is C, the number of channels; a Gram matrix has C × C entries"),
        ((channels * (channels + 1) // 2,),
         "that counts the distinct entries of the symmetric matrix; the question asks for all of them"),
        ((64 * 64 * channels, 128 * 128 * channels),
         "that is the size of the feature map (H·W·C); the Gram matrix does not depend on H or W")],
        missed="{answer:,} is not it: how many channels does relu3_1 have, and what shape is G?",
        correct=f"{channels} × {channels} = {{answer:,}} entries, whatever the image size")


_register(Exercise(
    id="01.3",
    task="Predict before running: how many entries has the Gram matrix of relu3_1 (VGG16) for a 512 × 512 image?",
    check=_check_gram_entries, hint="relu3_1 has 256 channels; a Gram matrix is C × C.",
    solution=lambda: 256 * 256, answer_is_function=False,
    wrong=((256, "number of channels"), (256 * 257 // 2, "distinct entries"), (128 * 128 * 256, "feature map"),
           (1000, "is not it")),
))

# ---------------------------------------------------------------- notebook 03: GAN losses


def _logits(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 2, size=64)


def _check_hinge(function) -> tuple[bool, str]:
    real, fake = _logits(3), _logits(4)
    result = float(function(real, fake))
    expected = float(np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)))
    swapped = float(np.mean(np.maximum(0, 1 + real)) + np.mean(np.maximum(0, 1 - fake)))
    no_relu = float(np.mean(1 - real) + np.mean(1 + fake))
    if abs(result - swapped) < 1e-6:
        return False, "sign error: real logits should be pushed above +1 (max(0, 1 − D(x))), fakes below −1"
    if abs(result - no_relu) < 1e-6:
        return False, "no hinge: clip each term at 0 with max(0, ·), or confident logits keep being pushed"
    if abs(result - expected) > 1e-6 * max(1.0, abs(expected)):
        return False, f"{result:.4f} instead of {expected:.4f}: mean over each batch, then add the two terms"
    return True, f"{result:.4f} on 64 real and 64 fake logits, as the reference"


def _hinge_solution(real_logits, fake_logits):
    return np.mean(np.maximum(0, 1 - real_logits)) + np.mean(np.maximum(0, 1 + fake_logits))


_register(Exercise(
    id="03.1",
    task="Write the discriminator's hinge loss d_hinge(real_logits, fake_logits) (Lim & Ye 2017; SAGAN, BigGAN).",
    check=_check_hinge, hint="real logits should exceed +1, fake ones stay below −1; only violations cost.",
    solution=_hinge_solution,
    wrong=((lambda r, f: np.mean(np.maximum(0, 1 + r)) + np.mean(np.maximum(0, 1 - f)), "sign error"),
           (lambda r, f: np.mean(1 - r) + np.mean(1 + f), "no hinge"),
           (lambda r, f: np.sum(np.maximum(0, 1 - r)) + np.sum(np.maximum(0, 1 + f)), "mean over each batch")),
))

# ---------------------------------------------------------------- notebook 04: counting parameters


def _check_conv_parameters(answer) -> tuple[bool, str]:
    kernel, channels_in, channels_out = 4, 128, 256
    weights = kernel * kernel * channels_in * channels_out
    return _check_number(answer, weights + channels_out, [
        ((weights,), "{answer:,} counts the kernel weights only: add one bias per output channel"),
        ((kernel * kernel * channels_out + channels_out, kernel * kernel * channels_in),
         "each output channel has a kernel over *all* input channels: k·k·C_in weights")],
        missed="{answer:,} is not it: k·k·C_in·C_out weights plus C_out biases", correct="4·4·128·256 + 256 = {answer:,}")


_register(Exercise(
    id="04.1",
    task="Predict: how many parameters has Conv2D(256, kernel_size=4) applied to a 128-channel input?",
    check=_check_conv_parameters, hint="k·k·C_in weights per output channel, and one bias each.",
    solution=lambda: 4 * 4 * 128 * 256 + 256, answer_is_function=False,
    wrong=((4 * 4 * 128 * 256, "add one bias"), (4 * 4 * 256 + 256, "all* input channels"), (12345, "is not it")),
))


def _check_receptive_field(answer) -> tuple[bool, str]:
    return _check_number(answer, 7, [
        ((9,), "3 × 3 per layer does not multiply: each layer adds k − 1 = 2 pixels at stride 1"),
        ((6,), "start from the single pixel (1) and add k − 1 = 2 per layer")],
        missed="{answer} is not it: r = 1 + Σ (k − 1) at stride 1", correct="1 + 3·(3 − 1) = 7 pixels",
        what="a whole number of pixels")


_register(Exercise(
    id="04.2",
    task="Predict: the receptive field (in pixels, one side) of three stacked 3×3 convolutions with stride 1.",
    check=_check_receptive_field, hint="each 3×3 layer at stride 1 widens the field by 2 pixels.",
    solution=lambda: 7, answer_is_function=False,
    wrong=((9, "does not multiply"), (6, "start from the single pixel"), (5, "is not it")),
))

# ---------------------------------------------------------------- notebook 07: IoU of a unit with a concept


def _check_iou(function) -> tuple[bool, str]:
    rng = np.random.default_rng(5)
    a, b = rng.random((16, 16)) > 0.6, rng.random((16, 16)) > 0.5
    expected = np.logical_and(a, b).sum() / np.logical_or(a, b).sum()
    result = float(function(a, b))
    dice = 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())
    if abs(result - dice) < 1e-9:
        return False, "that is the Dice coefficient 2|A∩B| / (|A| + |B|); IoU divides by |A∪B|"
    if abs(result - np.logical_and(a, b).sum() / a.sum()) < 1e-9:
        return False, "divided by |A| (a recall); IoU divides by the union |A∪B|"
    if abs(float(function(np.zeros((4, 4), bool), np.zeros((4, 4), bool))) - 1.0) > 1e-9:
        return False, "two empty masks: define IoU as 1 (they agree), not 0 or NaN"
    if abs(result - expected) > 1e-9:
        return False, f"{result:.4f} instead of {expected:.4f}"
    return True, f"IoU {result:.4f} on two random 16×16 masks, as the reference; empty vs empty gives 1"


def _iou_solution(mask_a, mask_b):
    union = np.logical_or(mask_a, mask_b).sum()
    return np.logical_and(mask_a, mask_b).sum() / union if union else 1.0


_register(Exercise(
    id="07.1",
    task="Write iou(mask_a, mask_b) for two boolean masks; two empty masks agree perfectly (IoU 1).",
    check=_check_iou, hint="|A∩B| / |A∪B| with np.logical_and / np.logical_or; guard the empty union.",
    solution=_iou_solution,
    wrong=((lambda a, b: 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum()), "Dice"),
           (lambda a, b: np.logical_and(a, b).sum() / a.sum(), "recall"),
           (lambda a, b: np.logical_and(a, b).sum() / max(np.logical_or(a, b).sum(), 1), "two empty masks")),
))
