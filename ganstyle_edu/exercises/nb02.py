"""Notebook 02's exercises (02_neural_style_transfer): the total-variation loss, the ratio of Gatys et al.'s
layer weights, and how far the colours move with and without ``preserve_color``.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 02.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function

EXERCISES: list[Exercise] = []


def _tv_reference(image):
    image = np.asarray(image, np.float64)
    total = 0.0
    for row in range(image.shape[0]):
        for col in range(image.shape[1]):
            if row + 1 < image.shape[0]:
                total += np.abs(image[row + 1, col] - image[row, col]).sum()
            if col + 1 < image.shape[1]:
                total += np.abs(image[row, col + 1] - image[row, col]).sum()
    return total


def _tv_solution(image):
    down = image[1:, :, :] - image[:-1, :, :]   # (H − 1, W, 3): each pixel minus the one above
    right = image[:, 1:, :] - image[:, :-1, :]  # (H, W − 1, 3): each pixel minus the one on its left
    return np.abs(down).sum() + np.abs(right).sum()


def _tv_cases():
    return [(np.random.default_rng(7).random((5, 6, 3)),)]


_TV_MISTAKES = (
    Mistake(lambda i: (np.diff(i, axis=0) ** 2).sum() + (np.diff(i, axis=1) ** 2).sum(),
            "squared differences: this loss sums absolute values |d| (squares let single sharp edges off lightly)"),
    Mistake(lambda i: np.abs(np.diff(i, axis=1)).sum(), "only the horizontal neighbours: add the vertical ones"),
    Mistake(lambda i: np.abs(np.diff(i, axis=0)).sum(), "only the vertical neighbours: add the horizontal ones"),
    Mistake(lambda i: np.abs(np.diff(i, axis=0)).mean() + np.abs(np.diff(i, axis=1)).mean(),
            "a mean: this loss is a sum over all neighbouring pairs and channels"))

EXERCISES.append(Exercise(
    id="02.1",
    task="Write tv_loss(image) for one (H, W, 3) image: the sum of absolute differences between vertically and "
         "horizontally neighbouring pixels, over all channels (tf.image.total_variation's definition).",
    check=lambda f: check_function(f, _tv_reference, _tv_cases(), _TV_MISTAKES, describe="a random 5×6×3 image"),
    hint="image[1:] − image[:-1] are the vertical differences, image[:, 1:] − image[:, :-1] the horizontal ones.",
    solution=_tv_solution,
    mistakes=_TV_MISTAKES, wrong=((lambda i: 2 * _tv_reference(i), "largest difference"),),
))


_LAYER_WEIGHT_MISTAKES = (
    Mistake(8.0, "512 / 64 = 8 is the ratio of channels; the weights divide by C², so square it"),
    Mistake(1 / 64, "inverted: relu1_1 has fewer channels (64), so its weight 1000/64² is the larger one"),
    Mistake(1 / 8, "inverted, and the channels need squaring"))


def _check_layer_weight_ratio(answer) -> tuple[bool, str]:
    return check_float(answer, 64.0, 0.5, _LAYER_WEIGHT_MISTAKES)


EXERCISES.append(Exercise(
    id="02.2",
    task="Predict: with Gatys et al.'s layer weights 1000 / C_l², how many times larger is relu1_1's weight "
         "(64 channels) than relu5_1's (512 channels)?",
    check=_check_layer_weight_ratio, hint="(1000/64²) / (1000/512²) = (512/64)².",
    solution=lambda: 64.0, answer_is_function=False, mistakes=_LAYER_WEIGHT_MISTAKES,
    wrong=((32, "too low"), (0.13, "the channels need squaring"), (0.016, "inverted: relu1_1")),
))


def _chroma_change(result, photo) -> float:
    """Mean absolute difference of the YIQ chroma channels (I, Q) between two (H, W, 3) images in [0, 1]."""
    to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    a = np.asarray(result, np.float64) @ to_yiq.T  # (H, W, 3) RGB -> YIQ
    b = np.asarray(photo, np.float64) @ to_yiq.T
    return float(np.abs(a[..., 1:] - b[..., 1:]).mean())


@functools.cache  # the checker measures once per session
def _chroma_reference() -> dict:
    from .. import data, nst

    photo, painting = data.sample("tubingen", max_side=128), data.sample("starry_night", max_side=128)
    config = dataclasses.replace(nst.FAST, size=128, num_steps=20)
    plain = nst.stylize(photo, painting, config).image
    kept = nst.stylize(photo, painting, dataclasses.replace(config, preserve_color=True)).image
    return {"plain": _chroma_change(plain, photo), "kept": _chroma_change(kept, photo)}


def _check_chroma(answer) -> tuple[bool, str]:
    if (not isinstance(answer, tuple) or len(answer) != 2
            or not all(isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) for v in answer)):
        return False, "give a tuple of two numbers: (plain transfer, preserve_color=True)"
    plain, kept = (float(v) for v in answer)
    reference = _chroma_reference()
    if abs(plain - reference["kept"]) < 0.003 and abs(kept - reference["plain"]) < 0.15 * reference["plain"]:
        return False, "the two are swapped: the plain transfer first, then the colour-preserving one"
    if plain == 0.0:
        return False, "the plain transfer's change is exactly 0: did you compare the photo with itself?"
    if abs(plain - reference["plain"]) > 0.15 * reference["plain"]:
        return False, (f"the plain transfer: {plain:.4f}, the reference measures {reference['plain']:.4f} — check the "
                       "size (128), the 20 steps of nst.FAST and the chroma channels I, Q (not Y)")
    if abs(kept - reference["kept"]) > 0.003:
        return False, f"with preserve_color=True: {kept:.4f}, the reference measures {reference['kept']:.5f}"
    return True, (f"the plain transfer moves the chroma by {plain:.4f} on average, the colour-preserving one by "
                  f"{kept:.5f}: {plain / max(kept, 1e-9):,.0f}× less — only the luminance was painted")


def _chroma_solution():
    import dataclasses

    from .. import data, nst

    photo, painting = data.sample("tubingen", max_side=128), data.sample("starry_night", max_side=128)
    changes = []
    for preserve_color in (False, True):
        config = dataclasses.replace(nst.FAST, size=128, num_steps=20, preserve_color=preserve_color)
        result = nst.stylize(photo, painting, config).image
        i_q = (nst.to_yiq(result) - nst.to_yiq(photo))[..., 1:]  # (H, W, 2): the two chroma channels
        changes.append(float(np.abs(i_q).mean()))
    return tuple(changes)


EXERCISES.append(Exercise(
    id="02.3",
    task="Experiment: stylise tubingen with The Starry Night at 128 px with 20 L-BFGS steps of nst.FAST, plain and "
         "with preserve_color=True; for each, report how far the colours moved — the mean |Δ| of the YIQ chroma "
         "channels I and Q against the photo — as a tuple (plain, preserved).",
    check=_check_chroma,
    hint="dataclasses.replace(nst.FAST, size=128, num_steps=20, preserve_color=...); nst.to_yiq gives (Y, I, Q) "
         "per pixel; compare channels 1 and 2 of result and photo.",
    solution=_chroma_solution, answer_is_function=False, kind="experiment",
    wrong=(((0.0, 0.0), "compare the photo with itself"), ((0.1, 0.0), "the reference measures"), (0.04, "a tuple"),
           ((0.0, 0.0411), "swapped")),
))
