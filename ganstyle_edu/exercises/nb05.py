"""Notebook 05's exercises (05_training_a_gan_on_painting_patches): spherical interpolation of latent codes, the
number of distinct crops of a painting, and the distance of each sample to its nearest training crop.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 05.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_function, check_whole_number

EXERCISES: list[Exercise] = []


def _slerp_reference(z0, z1, t):
    omega = np.arccos(np.clip(z0 @ z1 / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def _slerp_solution(z0, z1, t):
    cosine = z0 @ z1 / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))  # the angle between the two codes
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def _slerp_cases():
    rng = np.random.default_rng(9)
    z0, z1 = rng.standard_normal(16), rng.standard_normal(16)
    return [(z0, z1, 0.3), (z0, z1, 0.0), (z0, z1, 1.0), (z0, z1, 0.5)]


_SLERP_MISTAKES = (
    Mistake(lambda a, b, t: (1 - t) * a + t * b, "a straight line (lerp): its midpoint has a smaller norm than a "
                                                 "Gaussian code — follow the great circle"),
    Mistake(lambda a, b, t: _slerp_reference(a, b, 1 - t), "t runs the wrong way: t = 0 must give z0"),
    Mistake(lambda a, b, t: _slerp_reference(a / np.linalg.norm(a), b / np.linalg.norm(b), t),
            "the codes were normalised: slerp the codes themselves, only the angle uses unit vectors"))

EXERCISES.append(Exercise(
    id="05.1",
    task="Write slerp(z0, z1, t): spherical interpolation between two latent codes (1-D arrays), t in [0, 1] "
         "(t = 0 gives z0); Shoemake 1985, as used for GAN latent walks.",
    check=lambda f: check_function(f, _slerp_reference, _slerp_cases(), _SLERP_MISTAKES,
                                   describe="two random 16-d codes at t = 0, 0.3, 0.5, 1"),
    hint="Ω = arccos(ẑ0 · ẑ1); slerp = [sin((1 − t)Ω) z0 + sin(tΩ) z1] / sin Ω.",
    solution=_slerp_solution, mistakes=_SLERP_MISTAKES,
    wrong=((lambda a, b, t: _slerp_reference(a, b, t)[:-1], "shape"),),
))


_CROP_COUNT_MISTAKES = (
    Mistake(48, "48 counts non-overlapping tiles; a random crop may start at any pixel"),
    Mistake(448 * 320, "off by one: a 64-px crop in 512 px can start at 0 … 448, that is 449 positions"),
    Mistake(512 * 384, "a crop cannot start within 63 pixels of the right or bottom edge"))


def _check_crop_count(answer) -> tuple[bool, str]:
    return check_whole_number(answer, 449 * 321, _CROP_COUNT_MISTAKES,
                              missed="{answer:,} is not it: (W − 64 + 1) · (H − 64 + 1)",
                              correct="449 × 321 = {answer:,} distinct crops")


EXERCISES.append(Exercise(
    id="05.2",
    task="Predict: how many distinct 64×64 crops (at whole-pixel positions) has a 512 × 384 painting?",
    check=_check_crop_count, hint="a crop of side s starts at 0 … W − s horizontally: W − s + 1 positions.",
    solution=lambda: 449 * 321, answer_is_function=False, mistakes=_CROP_COUNT_MISTAKES,
    wrong=((1000, "is not it"),),
))


def _nearest_reference(samples, crops):
    out = np.empty(len(samples))
    for i, sample in enumerate(samples):
        out[i] = min(np.sqrt(((sample - crop) ** 2).sum()) for crop in crops)
    return out


def _nearest_solution(samples, crops):
    a = samples.reshape(len(samples), -1)  # (N, H, W, 3) -> (N, H·W·3)
    b = crops.reshape(len(crops), -1)      # (M, H, W, 3) -> (M, H·W·3)
    squared = (a ** 2).sum(1)[:, None] - 2 * a @ b.T + (b ** 2).sum(1)[None, :]  # (N, M)
    return np.sqrt(np.maximum(squared, 0).min(axis=1))


def _nearest_cases():
    rng = np.random.default_rng(10)
    return [(rng.random((5, 4, 4, 3)), rng.random((7, 4, 4, 3)))]


_NEAREST_MISTAKES = (
    Mistake(lambda a, b: _nearest_reference(a, b) ** 2, "squared distances: take the square root"),
    Mistake(lambda a, b: np.array([np.mean([np.sqrt(((x - c) ** 2).sum()) for c in b]) for x in a]),
            "the mean distance over crops: memorisation is about the *nearest* one (min)"),
    Mistake(lambda a, b: np.array([max(np.sqrt(((x - c) ** 2).sum()) for c in b) for x in a]),
            "the farthest crop (max): take the nearest (min)"))

EXERCISES.append(Exercise(
    id="05.3",
    task="Write nearest_distance(samples, crops): for each sample (N, H, W, 3) the Euclidean distance to its nearest "
         "training crop (M, H, W, 3) — the memorisation check.",
    check=lambda f: check_function(f, _nearest_reference, _nearest_cases(), _NEAREST_MISTAKES,
                                   describe="5 samples against 7 random crops"),
    hint="flatten each image; ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖² gives all pairs at once; then min over crops.",
    solution=_nearest_solution, mistakes=_NEAREST_MISTAKES,
    wrong=((lambda a, b: _nearest_reference(a[:, ::-1], b), "largest difference"),),
))
