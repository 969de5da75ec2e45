"""Notebook 04's exercises (04_building_the_dcgan): the parameters of a convolution, the receptive field of a
stack of them, and a binary cross-entropy from logits that does not overflow.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 04.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_function, check_whole_number

EXERCISES: list[Exercise] = []


_ALL_INPUT_CHANNELS = "each output channel has a kernel over *all* input channels: k·k·C_in weights"
_CONV_PARAMETER_MISTAKES = (
    Mistake(4 * 4 * 128 * 256, "524,288 counts the kernel weights only: add one bias per output channel"),
    Mistake(4 * 4 * 256 + 256, _ALL_INPUT_CHANNELS),
    Mistake(4 * 4 * 128, _ALL_INPUT_CHANNELS))


def _check_conv_parameters(answer) -> tuple[bool, str]:
    return check_whole_number(answer, 4 * 4 * 128 * 256 + 256, _CONV_PARAMETER_MISTAKES,
                              missed="{answer:,} is not it: k·k·C_in·C_out weights plus C_out biases",
                              correct="4·4·128·256 + 256 = {answer:,}")


EXERCISES.append(Exercise(
    id="04.1",
    task="Predict: how many parameters has Conv2D(256, kernel_size=4) applied to a 128-channel input?",
    check=_check_conv_parameters, hint="k·k·C_in weights per output channel, and one bias each.",
    solution=lambda: 4 * 4 * 128 * 256 + 256, answer_is_function=False, mistakes=_CONV_PARAMETER_MISTAKES,
    wrong=((12345, "is not it"),),
))


_FIELD_MISTAKES = (
    Mistake(9, "3 × 3 per layer does not multiply: each layer adds k − 1 = 2 pixels at stride 1"),
    Mistake(6, "start from the single pixel (1) and add k − 1 = 2 per layer"))


def _check_receptive_field(answer) -> tuple[bool, str]:
    return check_whole_number(answer, 7, _FIELD_MISTAKES,
                              missed="{answer} is not it: r = 1 + Σ (k − 1) at stride 1",
                              correct="1 + 3·(3 − 1) = 7 pixels", what="a whole number of pixels")


EXERCISES.append(Exercise(
    id="04.2",
    task="Predict: the receptive field (in pixels, one side) of three stacked 3×3 convolutions with stride 1.",
    check=_check_receptive_field, hint="each 3×3 layer at stride 1 widens the field by 2 pixels.",
    solution=lambda: 7, answer_is_function=False, mistakes=_FIELD_MISTAKES,
    wrong=((5, "is not it"), ("7", "a whole number of pixels")),
))


def _bce_reference(logits, labels):
    out = np.empty(len(logits))
    for i, (x, y) in enumerate(zip(logits, labels)):
        # −[y log σ(x) + (1 − y) log(1 − σ(x))], with log σ(x) = −log(1 + e^{−x}) written so nothing overflows
        log_sigmoid = -np.logaddexp(0.0, -x)
        log_one_minus = -np.logaddexp(0.0, x)
        out[i] = -(y * log_sigmoid + (1 - y) * log_one_minus)
    return out.mean()


def _bce_solution(logits, labels):
    return np.mean(np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits))))


def _bce_naive(logits, labels):
    with np.errstate(all="ignore"):
        probability = 1 / (1 + np.exp(-logits))
        return np.mean(-(labels * np.log(probability) + (1 - labels) * np.log(1 - probability)))


def _bce_after_sigmoid(logits, labels):
    return _bce_reference(0.5 * (1 + np.tanh(logits / 2)), labels)  # σ(x), written without overflow


def _bce_cases():
    rng = np.random.default_rng(8)
    return [(rng.normal(0, 3, 32), (rng.random(32) > 0.5).astype(np.float64)),
            (np.array([-60.0, 60.0, -800.0, 800.0, 0.0]), np.array([1.0, 0.0, 0.0, 1.0, 1.0]))]


_BCE_MISTAKES = (
    Mistake(_bce_after_sigmoid, "the logits went through a sigmoid first: that is the bug of this notebook — the loss "
                                "squeezed into [0.31, 1.31]; use the raw logits"),
    Mistake(lambda x, y: _bce_reference(x, 1 - y), "the labels are swapped: a real (1) should cost −log σ(x)"))

EXERCISES.append(Exercise(
    id="04.3",
    task="Write bce_from_logits(logits, labels): the mean binary cross-entropy of labels in {0, 1} given raw "
         "logits, without overflow for logits like ±800 (what from_logits=True computes).",
    check=lambda f: check_function(f, _bce_reference, _bce_cases(), _BCE_MISTAKES,
                                   describe="32 random logits and the extremes ±60, ±800", atol=1e-6),
    hint="max(x, 0) − x·y + log(1 + e^{−|x|}) is the same loss, with no exponential of a large number.",
    solution=_bce_solution, mistakes=_BCE_MISTAKES,
    wrong=((_bce_naive, "NaN or infinity"), (lambda x, y: _bce_solution(x, 1 - y), "labels are swapped")),
))
