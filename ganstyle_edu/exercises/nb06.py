"""Notebook 06's exercises: instance normalisation with one style's (γ, β) and the number of (γ, β) a style has
(part 1, 06_gan_style_transfer), and whether a 50/50 blend of two styles paints the average of the two (part 2,
06_gan_style_transfer_part2).

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 06.
"""
from __future__ import annotations

import functools

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function, check_whole_number

EXERCISES: list[Exercise] = []


def _cin_reference(x, gamma, beta):
    out = np.empty_like(x, dtype=np.float64)
    for b in range(x.shape[0]):
        for c in range(x.shape[3]):
            channel = x[b, :, :, c]
            out[b, :, :, c] = gamma[c] * (channel - channel.mean()) / np.sqrt(channel.var() + 1e-5) + beta[c]
    return out


def _cin_solution(x, gamma, beta):
    mean = x.mean(axis=(1, 2), keepdims=True)      # (B, 1, 1, C): one mean per image and channel
    variance = x.var(axis=(1, 2), keepdims=True)   # (B, 1, 1, C)
    return gamma * (x - mean) / np.sqrt(variance + 1e-5) + beta  # γ, β (C,) broadcast over B, H, W


def _cin_cases():
    rng = np.random.default_rng(11)
    x = rng.normal(2.0, 3.0, (2, 5, 4, 3)) * np.array([1.0, 0.2, 5.0])
    return [(x, np.array([1.5, 0.5, -1.0]), np.array([0.1, -0.3, 2.0]))]


def _norm_over(axes):
    def normalise(x, gamma, beta):
        mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return gamma * (x - mean) / np.sqrt(variance + 1e-5) + beta
    return normalise


_CIN_MISTAKES = (
    Mistake(_norm_over((0, 1, 2)), "batch normalisation: the statistics must be per image, over H and W only"),
    Mistake(_norm_over((1, 2, 3)), "layer normalisation (over channels too): each channel gets its own statistics"),
    Mistake(lambda x, g, b: b * (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5) + g,
            "γ and β swapped: γ scales, β shifts"),
    Mistake(lambda x, g, b: (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5),
            "γ and β are missing: they carry the style"))

EXERCISES.append(Exercise(
    id="06.1",
    task="Write instance_norm(x, gamma, beta) for x (B, H, W, C): normalise each channel of each image over its "
         "H·W positions (ε = 1e-5 inside the square root), then scale by γ (C,) and shift by β (C,) — one style's "
         "pair of conditional instance normalisation.",
    check=lambda f: check_function(f, _cin_reference, _cin_cases(), _CIN_MISTAKES, atol=1e-5,
                                   describe="two images of 5×4 positions and 3 channels of different scales"),
    hint="x.mean(axis=(1, 2), keepdims=True) and x.var(axis=(1, 2), keepdims=True).",
    solution=_cin_solution, mistakes=_CIN_MISTAKES,
    wrong=((lambda x, g, b: g * (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1) + b,
            "largest difference"),),
))


_SHIPPED_STYLE_PARAMETERS = 2 * (32 + 64 + 5 * 2 * 64 + 32)  # one style's (γ, β) in the shipped network: 1,536
_STYLE_PARAMETER_MISTAKES = (
    Mistake(_SHIPPED_STYLE_PARAMETERS,
            "1,536 is the shipped width's count: here every normalised layer has twice the channels"),
    Mistake(4 * _SHIPPED_STYLE_PARAMETERS,
            "(γ, β) grow with the channels, not with their square as a convolution's weights do"),
    Mistake(6 * 2 * _SHIPPED_STYLE_PARAMETERS, "that is all six styles: the question asks for one"))


def _check_style_parameters(answer) -> tuple[bool, str]:
    return check_whole_number(answer, 2 * _SHIPPED_STYLE_PARAMETERS, _STYLE_PARAMETER_MISTAKES,
                              missed="{answer:,} is not it: 2 × (the channels of every normalised layer)",
                              correct="2 × (64 + 128 + 10·128 + 64) = {answer:,}: twice 1,536, while the "
                                      "convolutions' weights grow four times — a style's share halves")


EXERCISES.append(Exercise(
    id="06.2",
    task="Predict: the shipped network's normalised layers have 32 and 64 channels, 5 residual blocks of two "
         "64-channel convolutions, and one of 32 — 1,536 (γ, β) numbers per style (printed above). How many would "
         "one style have in a network twice as wide (every layer's channels doubled)?",
    check=_check_style_parameters, hint="one γ and one β per channel of every normalised layer.",
    solution=lambda: 2 * _SHIPPED_STYLE_PARAMETERS, answer_is_function=False,
    mistakes=_STYLE_PARAMETER_MISTAKES, wrong=((3000, "is not it"),),
))


@functools.cache  # the checker measures once per session
def _blend_reference() -> float:
    from .. import data, stylegen, stylenet

    photo = data.sample("flower", max_side=256)
    outputs = {}
    for name, mix in (("starry_night", None), ("the_scream", None), ("starry_night+the_scream", 0.5)):
        generator, _ = stylenet.pretrained(name, mix=mix)
        outputs[name] = np.asarray(stylegen.stylize_with(generator, photo), np.float64)
    average = (outputs["starry_night"] + outputs["the_scream"]) / 2
    return float(np.abs(outputs["starry_night+the_scream"] - average).mean())


_BLEND_MISTAKES = (
    Mistake(0.0, "0 would mean the network is linear in (γ, β) — it is not; did you compare an image with itself?",
            tolerance=1e-6),)


def _check_blend(answer) -> tuple[bool, str]:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)):
        return False, f"give a number, not {type(answer).__name__}"
    reference = _blend_reference()
    ok, message = check_float(answer, reference, max(0.002, 0.1 * reference), _BLEND_MISTAKES)
    if ok:
        message += ": the blended network paints something other than the average of the two paintings"
    return ok, message


def _blend_solution():
    from .. import data, stylegen, stylenet

    photo = data.sample("flower", max_side=256)
    starry, _ = stylenet.pretrained("starry_night")
    scream, _ = stylenet.pretrained("the_scream")
    blend, _ = stylenet.pretrained("starry_night+the_scream", mix=0.5)
    average = (stylegen.stylize_with(starry, photo) + stylegen.stylize_with(scream, photo)) / 2
    return float(np.abs(stylegen.stylize_with(blend, photo) - average).mean())


EXERCISES.append(Exercise(
    id="06.3",
    task="Experiment: is a 50/50 blend of two styles the average of their two paintings? Stylise the flower (256 px) "
         "with starry_night, the_scream and 'starry_night+the_scream' at mix 0.5; report the mean absolute "
         "difference between the blend and the average of the other two.",
    check=_check_blend,
    hint="stylenet.pretrained(name, mix=...) returns (generator, record); stylegen.stylize_with(generator, photo).",
    solution=_blend_solution, answer_is_function=False, kind="experiment",
    mistakes=_BLEND_MISTAKES, wrong=(("0.05", "give a number"), (1.0, "too high")),
))
