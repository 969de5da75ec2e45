"""Notebook 01's exercises (01_style_as_statistics): the Gram matrix, its masked variant, its size, and how
much it moves when a painting's tiles are shuffled.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 01.
"""
from __future__ import annotations

import functools

import numpy as np

from .checking import Exercise, Mistake, check_function, check_layer_dict, check_whole_number, learner_array

EXERCISES: list[Exercise] = []


def _features(seed: int = 0, shape=(5, 7, 4)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float64)  # (H, W, C)


def _flat(features: np.ndarray) -> np.ndarray:
    return features.reshape(-1, features.shape[-1])  # (H, W, C) -> (H·W, C)


def _gram_reference(features: np.ndarray) -> np.ndarray:
    height, width, channels = features.shape
    flat = features.reshape(height * width, channels)  # (H, W, C) -> (H·W, C)
    return flat.T @ flat / (height * width)


_F_F_TRANSPOSED = "shape (35, 35): you computed F Fᵀ (positions × positions); a Gram matrix is Fᵀ F, C × C"
_GRAM_MISTAKES = (
    Mistake(lambda f: _flat(f).T @ _flat(f), "right up to a factor H·W = 35: divide by the number of positions"),
    Mistake(lambda f: _flat(f).T @ _flat(f) / f.size,
            "divided by H·W·C: normalise by the number of positions H·W only"),
    Mistake(lambda f: _flat(f) @ _flat(f).T / len(_flat(f)), _F_F_TRANSPOSED))


def _check_gram(function) -> tuple[bool, str]:
    features = _features()  # (5, 7, 4): 35 positions, 4 channels
    result = learner_array(function, features)
    if result.shape == (35, 35):  # F Fᵀ, normalised or not
        return False, _F_F_TRANSPOSED
    if result.shape == (4, 4) and not np.allclose(result, result.T, atol=1e-8):
        return False, "not symmetric: G[i, j] and G[j, i] must be equal (both are the mean of f_i · f_j)"
    return check_function(function, _gram_reference, [(features,)], _GRAM_MISTAKES, atol=1e-5,
                          describe="a 5×7×4 input", advice="check the reshape (H·W rows of C values)")


def _gram_solution(features):
    height, width, channels = features.shape
    flat = features.reshape(height * width, channels)  # (H, W, C) -> (H·W, C)
    return flat.T @ flat / (height * width)


EXERCISES.append(Exercise(
    id="01.1",
    task="Write gram(features) for one (H, W, C) feature map: the C × C matrix of mean products of channels over "
         "the H·W positions.",
    check=_check_gram, hint="reshape to (H·W, C), then Fᵀ F, then divide by the number of positions.",
    solution=_gram_solution, mistakes=_GRAM_MISTAKES,
    wrong=((lambda f: _flat(f) @ _flat(f).T, "F Fᵀ"), (lambda f: np.zeros((3, 3)), "shape"),
           (lambda f: _gram_reference(f) + np.triu(np.ones((4, 4)), 1), "not symmetric"),
           (lambda f: _gram_reference(f) + 1.0, "check the reshape")),
))


def _masked_gram_reference(features, mask):
    flat, weights = _flat(features), mask.reshape(-1)  # (H·W, C), (H·W,)
    return (flat * weights[:, None]).T @ flat / weights.sum()


def _masked_gram_cases():
    mask = (np.random.default_rng(2).random((5, 7)) > 0.5).astype(np.float64)  # (H, W) of 0/1
    return [(_features(1), mask)]


_MASKED_GRAM_MISTAKES = (
    Mistake(lambda f, m: (_flat(f) * m.reshape(-1, 1)).T @ _flat(f) / m.size,
            "divided by all H·W positions: divide by the number of positions inside the mask, mask.sum()"),
    Mistake(lambda f, m: _gram_reference(f), "the mask is ignored: weight each position's outer product by mask[h, w]"))


def _masked_gram_solution(features, mask):
    flat = features.reshape(-1, features.shape[-1])  # (H, W, C) -> (H·W, C)
    weights = mask.reshape(-1)                        # (H, W) -> (H·W,)
    return (flat * weights[:, None]).T @ flat / weights.sum()


EXERCISES.append(Exercise(
    id="01.2",
    task="Write masked_gram(features, mask): the Gram matrix of only the positions where mask (H, W) is 1 — the "
         "statistics of one region (Gatys et al. 2017's spatial control).",
    check=lambda f: check_function(f, _masked_gram_reference, _masked_gram_cases(), _MASKED_GRAM_MISTAKES,
                                   describe="a 5×7×4 feature map and a random mask", atol=1e-5),
    hint="weight each row of the (H·W, C) matrix by the mask, and divide by mask.sum().",
    solution=_masked_gram_solution, mistakes=_MASKED_GRAM_MISTAKES,
    wrong=((lambda f, m: _masked_gram_reference(f, m)[:2], "shape"),),
))


_FEATURE_MAP = "that is the size of the feature map (H·W·C); the Gram matrix does not depend on H or W"
_GRAM_ENTRIES_MISTAKES = (
    Mistake(256, "that is C, the number of channels; a Gram matrix has C × C entries"),
    Mistake(256 * 257 // 2,
            "that counts the distinct entries of the symmetric matrix; the question asks for all of them"),
    Mistake(64 * 64 * 256, _FEATURE_MAP),
    Mistake(128 * 128 * 256, _FEATURE_MAP))


def _check_gram_entries(answer) -> tuple[bool, str]:
    channels = 256  # relu3_1 of VGG16
    return check_whole_number(
        answer, channels * channels, _GRAM_ENTRIES_MISTAKES,
        missed="{answer:,} is not it: how many channels does relu3_1 have, and what shape is G?",
        correct=f"{channels} × {channels} = {{answer:,}} entries, whatever the image size")


EXERCISES.append(Exercise(
    id="01.3",
    task="Predict before running: how many entries has the Gram matrix of relu3_1 (VGG16) for a 512 × 512 image?",
    check=_check_gram_entries, hint="relu3_1 has 256 channels; a Gram matrix is C × C.",
    solution=lambda: 256 * 256, answer_is_function=False, mistakes=_GRAM_ENTRIES_MISTAKES,
    wrong=((1000, "is not it"), (65536.0, "a whole number")),
))


@functools.cache  # the checker measures once per session
def _shuffled_gram_reference() -> dict:
    from .. import data, features, images

    painting = images.resize_and_crop(data.sample("starry_night"), 256)
    shuffled = images.shuffle_tiles(painting, 16, seed=0)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS)
    before, after = extractor(painting), extractor(shuffled)
    result = {}
    for layer in features.STYLE_LAYERS:
        original = _gram_reference(np.asarray(before[layer], np.float64)[0])  # (1, H, W, C) -> (H, W, C)
        moved = _gram_reference(np.asarray(after[layer], np.float64)[0])
        result[layer] = float(np.linalg.norm(moved - original) / np.linalg.norm(original))
    return result


def _check_shuffled_gram(answer) -> tuple[bool, str]:
    from ..features import STYLE_LAYERS

    ok, message = check_layer_dict(answer, STYLE_LAYERS)
    if not ok:
        return ok, message
    if all(abs(v) < 1e-9 for v in answer.values()):
        return False, ("every change is 0: compare the shuffled painting's Gram matrices with the original's, not "
                       "with themselves")
    reference = _shuffled_gram_reference()
    if all(abs(answer[layer] - reference[layer] ** 2) <= 0.1 * reference[layer] ** 2 + 1e-6 for layer in STYLE_LAYERS):
        return False, "these are squared ratios ‖ΔG‖² / ‖G‖²: take the norms, not their squares"
    for layer in STYLE_LAYERS:
        if abs(answer[layer] - reference[layer]) > 0.1 * reference[layer] + 0.003:
            return False, (f"{layer}: {answer[layer]:.3f}, the reference measures {reference[layer]:.3f} — check the "
                           "tile size (16), the seed (0), the 256-px square crop and the ratio ‖G' − G‖_F / ‖G‖_F")
    ranked = sorted(STYLE_LAYERS, key=answer.get)
    return True, (f"within 10 % of the reference at every layer; least moved {ranked[0]} ({answer[ranked[0]]:.3f}), "
                  f"most moved {ranked[-1]} ({answer[ranked[-1]]:.3f})")


def _shuffled_gram_solution():
    from .. import data, features, gram, images

    painting = images.resize_and_crop(data.sample("starry_night"), 256)
    shuffled = images.shuffle_tiles(painting, 16, seed=0)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS)
    before, after = extractor(painting), extractor(shuffled)
    change = {}
    for layer in features.STYLE_LAYERS:
        original = gram.gram_matrix(before[layer]).numpy()[0]  # (1, C, C) -> (C, C)
        moved = gram.gram_matrix(after[layer]).numpy()[0]
        change[layer] = float(np.linalg.norm(moved - original) / np.linalg.norm(original))
    return change


EXERCISES.append(Exercise(
    id="01.4",
    task="Experiment: shuffle 16×16 tiles of The Starry Night (256-px square crop, seed 0) and report, per style "
         "layer, how much its Gram matrix moves: ‖G(shuffled) − G(painting)‖_F / ‖G(painting)‖_F, as a dict.",
    check=_check_shuffled_gram,
    hint="images.resize_and_crop(data.sample('starry_night'), 256), images.shuffle_tiles(painting, 16, seed=0), "
         "one FeatureExtractor(features.STYLE_LAYERS) call per image, then gram.gram_matrix per layer.",
    solution=_shuffled_gram_solution, answer_is_function=False, kind="experiment",
    wrong=(({layer: 0.0 for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")},
            "not with themselves"),
           ({layer: 0.5 for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")},
            "the reference measures"),
           ({"relu1_1": 0.1}, "one number per layer")),
))
