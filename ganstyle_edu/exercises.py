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
import functools
import inspect
import textwrap
from typing import Any, Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: ``check(answer) -> (correct, message)``; ``solution`` is a function whose source is the
    reference answer (a function to write) or that returns it (a number to predict, a measurement to make);
    ``wrong`` lists (wrong answer, words the feedback must contain) for the tests. An open question
    (``kind="open"``) has no single right answer: its check verifies that the experiment ran, and
    ``reference()`` returns the reference run's numbers for :func:`ganstyle_edu.viz.exercise_reference`."""

    id: str
    task: str
    check: Callable[[Any], tuple[bool, str]]
    hint: str
    solution: Callable
    answer_is_function: bool = True
    wrong: tuple = ()
    kind: str = ""  # "open": any answer from a run that worked is right; ``reference`` feeds its reference figure
    reference: Callable | None = None

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
        with np.errstate(all="ignore"):  # a NaN or overflow in the learner's code is named by the checker
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
    if exercise.answer_is_function or exercise.kind in ("experiment", "open"):
        print(textwrap.dedent(inspect.getsource(exercise.solution)))
    else:
        print(f"{exercise_id}: {exercise.reference_answer()!r} — {exercise.hint}")


# ---------------------------------------------------------------- checkers shared by many exercises


def _check_function(function, reference: Callable, cases, mistakes=(), describe: str = "", atol: float = 1e-6):
    """Run ``function`` and ``reference`` on each case (a tuple of arguments) and compare. A mistake is
    (mistaken_function, message): when the learner's output equals the mistaken function's, its message names
    the error. ``describe`` says what was tried, for the "correct" message."""
    worst = 0.0
    for arguments in cases:
        copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments]  # the learner may write in place
        result = np.asarray(function(*copies), dtype=np.float64)
        expected = np.asarray(reference(*arguments), dtype=np.float64)
        for mistaken, message in mistakes:
            wrong = np.asarray(mistaken(*arguments), dtype=np.float64)
            differs = wrong.shape != expected.shape or not np.allclose(wrong, expected, atol=atol, equal_nan=True)
            if differs and wrong.shape == result.shape and np.allclose(result, wrong, atol=atol, equal_nan=True):
                return False, message
        if result.shape != expected.shape:
            return False, f"shape {result.shape}: expected {expected.shape}"
        if not np.all(np.isfinite(result)):
            return False, "the result holds NaN or infinity: guard the divisions and the logarithms"
        error = float(np.abs(result - expected).max()) if result.size else 0.0
        if error > atol * max(1.0, float(np.abs(expected).max())):
            return False, f"largest difference from the reference {error:.3g} (on {describe or 'the test input'})"
        worst = max(worst, error)
    return True, f"matches the reference on {describe or 'the test inputs'} (largest difference {worst:.1e})"


def _check_float(answer, expected: float, tolerance: float, mistakes=(), unit: str = "") -> tuple[bool, str]:
    """A predicted or measured number: within ``tolerance`` of ``expected``; each (value, message) of ``mistakes``
    names a typical wrong value (matched within the same tolerance)."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return False, f"give a number, not {type(answer).__name__}"
    answer = float(answer)
    if not np.isfinite(answer):
        return False, f"{answer} is not a finite number"
    for value, message in mistakes:
        if abs(answer - value) <= max(tolerance, 0.01 * abs(value)) and abs(value - expected) > tolerance:
            return False, message
    if abs(answer - expected) > tolerance:
        return False, f"{answer:.4g}{unit} is too {'high' if answer > expected else 'low'} (tolerance ±{tolerance:.2g})"
    return True, f"{answer:.4g}{unit} (reference {expected:.4g}{unit}, tolerance ±{tolerance:.2g})"


# ---------------------------------------------------------------- notebook 00: a convolution, shapes, receptive fields


def _conv3x3_relu_reference(image, kernel, bias):
    height, width, _ = image.shape
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)))  # (H + 2, W + 2, C_in), zeros around
    out = np.zeros((height, width, kernel.shape[-1]))
    for row in range(height):
        for col in range(width):
            window = padded[row:row + 3, col:col + 3, :]  # (3, 3, C_in)
            out[row, col] = np.tensordot(window, kernel, axes=3) + bias  # (C_out,)
    return np.maximum(out, 0)


def _conv3x3_relu_solution(image, kernel, bias):
    height, width, _ = image.shape
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)))  # (H, W, C_in) -> (H + 2, W + 2, C_in)
    out = np.zeros((height, width, kernel.shape[-1]))
    for dy in range(3):
        for dx in range(3):
            out += padded[dy:dy + height, dx:dx + width, :] @ kernel[dy, dx]  # (H, W, C_in) @ (C_in, C_out)
    return np.maximum(out + bias, 0)


def _conv_no_relu(image, kernel, bias):
    height, width, _ = image.shape
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)))  # (H + 2, W + 2, C_in)
    return sum(padded[dy:dy + height, dx:dx + width, :] @ kernel[dy, dx] for dy in range(3) for dx in range(3)) + bias


def _conv_cases():
    rng = np.random.default_rng(6)
    return [(rng.random((6, 5, 3)), rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4) * 0.5)]


_register(Exercise(
    id="00.1",
    task="Write conv3x3_relu(image, kernel, bias): image (H, W, C_in), kernel (3, 3, C_in, C_out), bias (C_out,); "
         "zero padding so the output is (H, W, C_out); Keras' cross-correlation (no kernel flip); then the ReLU.",
    check=lambda f: _check_function(f, _conv3x3_relu_reference, _conv_cases(), [
        (_conv_no_relu, "no ReLU: negative values must become 0 (np.maximum(x, 0))"),
        (lambda i, k, b: _conv3x3_relu_reference(i, k[::-1, ::-1], b),
         "the kernel is flipped: Keras' Conv2D does not flip (cross-correlation), take kernel[dy, dx] as it is"),
        (lambda i, k, b: _conv3x3_relu_reference(i, k, b)[1:-1, 1:-1],
         "'valid' output (H − 2, W − 2): pad one pixel of zeros around the image first")],
        describe="a random 6×5×3 image and a 3→4-channel kernel"),
    hint="pad with np.pad(image, ((1, 1), (1, 1), (0, 0))); each output pixel is the sum of window × kernel over "
         "the 3×3×C_in window, plus the bias.",
    solution=_conv3x3_relu_solution,
    wrong=((_conv_no_relu, "no ReLU"),
           (lambda i, k, b: _conv3x3_relu_reference(i, k[::-1, ::-1], b), "flipped"),
           (lambda i, k, b: _conv3x3_relu_reference(i, k, b)[1:-1, 1:-1], "pad one pixel")),
))


def _check_shape_prediction(answer) -> tuple[bool, str]:
    if not isinstance(answer, tuple) or len(answer) != 3 or not all(isinstance(v, (int, np.integer)) for v in answer):
        return False, "give a tuple of three whole numbers (height, width, channels)"
    answer = tuple(int(v) for v in answer)
    if answer == (64, 64, 256):
        return True, "(64, 64, 256): two 2×2 poolings (256 → 128 → 64) before block 3, whose convolutions have 256 channels"
    if answer[:2] == (256, 256):
        return False, "the height and width: blocks 2 and 3 each start with a 2×2 max-pooling that halves them"
    if answer[:2] == (32, 32):
        return False, "relu3_1 comes after two poolings (before blocks 2 and 3), not three"
    if answer[:2] == (128, 128):
        return False, "two poolings, not one: one before block 2 and one before block 3"
    if answer[:2] == (64, 64):
        return False, f"the size is right; the channels are not {answer[2]}: VGG's blocks have 64, 128, 256, 512, 512"
    return False, f"{answer} is not it: count the poolings before block 3, and look up block 3's channels"


_register(Exercise(
    id="00.2",
    task="Predict: the shape (height, width, channels) of relu3_1's feature map (block3_conv1) for a 256 × 256 photo.",
    check=_check_shape_prediction, hint="a 2×2 max-pooling starts blocks 2–5; the blocks have 64, 128, 256, 512, 512 "
                                        "channels.",
    solution=lambda: (64, 64, 256), answer_is_function=False,
    wrong=(((256, 256, 256), "halves"), ((32, 32, 256), "not three"), ((64, 64, 128), "channels"), (256, "tuple")),
))


def _check_relu2_1_field(answer) -> tuple[bool, str]:
    return _check_number(answer, 10, [
        ((7,), "the pooling counts: it adds (2 − 1)·1 = 1 pixel, and after it each 3×3 step spans 2 pixels"),
        ((8,), "after the pooling one step of conv2_1 spans 2 input pixels: it adds (3 − 1)·2 = 4, not 2"),
        ((6,), "that is the field after the pooling; conv2_1 adds (3 − 1)·2 = 4 more")],
        missed="{answer} is not it: r ← r + (k − 1)·j, j ← j·s through conv1_1, conv1_2, pool1, conv2_1",
        correct="1 + 2 + 2 + 1 + 4 = 10 pixels, as the layer table says", what="a whole number of pixels")


_register(Exercise(
    id="00.3",
    task="Predict: the receptive field (pixels, one side) of relu2_1 — conv1_1, conv1_2 (3×3), pool1 (2×2, "
         "stride 2), conv2_1 (3×3).",
    check=_check_relu2_1_field, hint="r ← r + (k − 1)·j and j ← j·s, layer by layer from r = 1, j = 1.",
    solution=lambda: 10, answer_is_function=False,
    wrong=((7, "the pooling counts"), (8, "spans 2 input pixels"), (6, "4 more"), (12, "is not it")),
))


def _profile_similarity_reference(name: str, tile: int = 32, size: int = 256) -> dict:
    """Each style layer's cosine similarity of per-channel means before and after shuffling tiles of a sample."""
    from . import data, features, images

    image = images.resize_and_crop(data.sample(name), size)
    shuffled = images.shuffle_tiles(image, tile, seed=0)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS)
    before, after = extractor(image), extractor(shuffled)
    result = {}
    for layer in features.STYLE_LAYERS:
        a = np.asarray(before[layer], np.float64).mean(axis=(0, 1, 2))  # (1, H, W, C) -> (C,)
        b = np.asarray(after[layer], np.float64).mean(axis=(0, 1, 2))
        result[layer] = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return result


def _check_open_layers(answer, layers) -> tuple[bool, str]:
    if not isinstance(answer, dict) or sorted(answer) != sorted(layers):
        return False, f"give a dict with one number per layer: {', '.join(layers)}"
    if not all(isinstance(v, (int, float, np.floating)) and np.isfinite(v) for v in answer.values()):
        return False, "every value must be a finite number"
    return True, ""


def _check_texture_shuffle(answer) -> tuple[bool, str]:
    from .features import STYLE_LAYERS

    ok, message = _check_open_layers(answer, STYLE_LAYERS)
    if not ok:
        return ok, message
    if not all(-1.0 <= v <= 1.0 for v in answer.values()):
        return False, "a cosine similarity lies in [−1, 1]: check the formula"
    if all(abs(v - 1.0) < 1e-9 for v in answer.values()):
        return False, "every layer gives exactly 1: did you compare the texture with itself, not with its shuffled copy?"
    return True, ("the experiment ran. There is no single right answer: compare your numbers with the reference "
                  "run's, photo and texture, in `viz.exercise_reference(\"00.4\", your_answer)`")


def _texture_shuffle_solution():
    from . import data, features, images

    texture = images.resize_and_crop(data.sample("gravel"), 256)
    shuffled = images.shuffle_tiles(texture, 32, seed=0)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS)
    before, after = extractor(texture), extractor(shuffled)
    return {layer: features.channel_profile_similarity(before[layer], after[layer]) for layer in features.STYLE_LAYERS}


_register(Exercise(
    id="00.4",
    task="Open question: shuffle 32×32 tiles of the gravel texture (256 px) and report each style layer's "
         "'same profile after shuffle' as a dict. Why does a texture behave differently from a photo?",
    check=_check_texture_shuffle,
    hint="the Look-inside cell does it for the photo: images.resize_and_crop(data.sample('gravel'), 256), "
         "images.shuffle_tiles(..., 32, seed=0), features.channel_profile_similarity per layer.",
    solution=_texture_shuffle_solution, answer_is_function=False, kind="open",
    reference=lambda: {"photo (tubingen)": _profile_similarity_reference("tubingen"),
                       "texture (gravel)": _profile_similarity_reference("gravel")},
    wrong=(({"block1_conv1": 1.0}, "one number per layer"),
           ({layer: 1.0 for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")},
            "compare the texture with itself"),
           ({layer: 2.0 for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")},
            "[−1, 1]")),
))


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

@functools.cache  # the checker measures once per session
def _shuffled_gram_reference() -> dict:
    from . import data, features, images

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
    from .features import STYLE_LAYERS

    ok, message = _check_open_layers(answer, STYLE_LAYERS)
    if not ok:
        return ok, message
    reference = _shuffled_gram_reference()
    if all(abs(v) < 1e-9 for v in answer.values()):
        return False, "every change is 0: compare the shuffled painting's Gram matrices with the original's, not with themselves"
    if all(abs(answer[layer] - reference[layer] ** 2) <= 0.1 * reference[layer] ** 2 + 1e-6 for layer in STYLE_LAYERS):
        return False, "these are squared ratios ‖ΔG‖² / ‖G‖²: take the norms, not their squares"
    for layer in STYLE_LAYERS:
        if abs(answer[layer] - reference[layer]) > 0.1 * reference[layer] + 0.003:
            return False, (f"{layer}: {answer[layer]:.3f}, the reference measures {reference[layer]:.3f} — check the tile "
                           "size (16), the seed (0), the 256-px square crop and the ratio ‖G' − G‖_F / ‖G‖_F")
    ranked = sorted(STYLE_LAYERS, key=answer.get)
    return True, (f"within 10 % of the reference at every layer; least moved {ranked[0]} ({answer[ranked[0]]:.3f}), "
                  f"most moved {ranked[-1]} ({answer[ranked[-1]]:.3f})")


def _shuffled_gram_solution():
    from . import data, features, gram, images

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


_register(Exercise(
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

# ---------------------------------------------------------------- notebook 02: the losses of style transfer


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


_register(Exercise(
    id="02.1",
    task="Write tv_loss(image) for one (H, W, 3) image: the sum of absolute differences between vertically and "
         "horizontally neighbouring pixels, over all channels (tf.image.total_variation's definition).",
    check=lambda f: _check_function(f, _tv_reference, _tv_cases(), [
        (lambda i: (np.diff(i, axis=0) ** 2).sum() + (np.diff(i, axis=1) ** 2).sum(),
         "squared differences: this loss sums absolute values |d| (squares let single sharp edges off lightly)"),
        (lambda i: np.abs(np.diff(i, axis=1)).sum(), "only the horizontal neighbours: add the vertical ones"),
        (lambda i: np.abs(np.diff(i, axis=0)).sum(), "only the vertical neighbours: add the horizontal ones"),
        (lambda i: np.abs(np.diff(i, axis=0)).mean() + np.abs(np.diff(i, axis=1)).mean(),
         "a mean: this loss is a sum over all neighbouring pairs and channels")],
        describe="a random 5×6×3 image"),
    hint="image[1:] − image[:-1] are the vertical differences, image[:, 1:] − image[:, :-1] the horizontal ones.",
    solution=_tv_solution,
    wrong=((lambda i: (np.diff(i, axis=0) ** 2).sum() + (np.diff(i, axis=1) ** 2).sum(), "squared"),
           (lambda i: np.abs(np.diff(i, axis=1)).sum(), "only the horizontal"),
           (lambda i: np.abs(np.diff(i, axis=0)).mean() + np.abs(np.diff(i, axis=1)).mean(), "a mean")),
))


def _check_layer_weight_ratio(answer) -> tuple[bool, str]:
    return _check_float(answer, 64.0, 0.5, [
        (8.0, "512 / 64 = 8 is the ratio of channels; the weights divide by C², so square it"),
        (1 / 64, "inverted: relu1_1 has fewer channels (64), so its weight 1000/64² is the larger one"),
        (1 / 8, "inverted, and the channels need squaring")])


_register(Exercise(
    id="02.2",
    task="Predict: with Gatys et al.'s layer weights 1000 / C_l², how many times larger is relu1_1's weight "
         "(64 channels) than relu5_1's (512 channels)?",
    check=_check_layer_weight_ratio, hint="(1000/64²) / (1000/512²) = (512/64)².",
    solution=lambda: 64.0, answer_is_function=False,
    wrong=((8, "square it"), (1 / 64, "inverted"), (32, "too low")),
))


def _chroma_change(result, photo) -> float:
    """Mean absolute difference of the YIQ chroma channels (I, Q) between two (H, W, 3) images in [0, 1]."""
    to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    a = np.asarray(result, np.float64) @ to_yiq.T  # (H, W, 3) RGB -> YIQ
    b = np.asarray(photo, np.float64) @ to_yiq.T
    return float(np.abs(a[..., 1:] - b[..., 1:]).mean())


@functools.cache  # the checker measures once per session
def _chroma_reference() -> dict:
    from . import data, nst

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

    from . import data, nst

    photo, painting = data.sample("tubingen", max_side=128), data.sample("starry_night", max_side=128)
    changes = []
    for preserve_color in (False, True):
        config = dataclasses.replace(nst.FAST, size=128, num_steps=20, preserve_color=preserve_color)
        result = nst.stylize(photo, painting, config).image
        i_q = (nst.to_yiq(result) - nst.to_yiq(photo))[..., 1:]  # (H, W, 2): the two chroma channels
        changes.append(float(np.abs(i_q).mean()))
    return tuple(changes)


_register(Exercise(
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


_register(Exercise(
    id="03.2",
    task="Write optimal_d(p_data, p_model): the best discriminator D*(x) = p_data / (p_data + p_model) on a grid of "
         "densities; where both are 0, nothing can be told apart: answer 0.5.",
    check=lambda f: _check_function(f, _optimal_d_reference, _densities(), [
        (lambda a, b: _optimal_d_reference(b, a), "swapped: D*(x) is the probability that x is *real*, p_data on top"),
        (lambda a, b: np.where(a + b > 0, a / np.where(b > 0, b, 1.0), 0.5),
         "a density ratio p_data / p_model is not a probability: divide by the sum"),
        (lambda a, b: np.where(a + b > 0, a / np.where(a + b > 0, a + b, 1.0), 0.0),
         "where both densities are 0, answer 0.5 (D cannot tell), not 0")],
        describe="a Gaussian against a box density, with empty cells"),
    hint="np.where(total > 0, p_data / total, 0.5), dividing by a safe total to avoid 0/0.",
    solution=_optimal_d_solution,
    wrong=((lambda a, b: b / np.where(a + b > 0, a + b, 1.0) + np.where(a + b > 0, 0.0, 0.5), "swapped"),
           (lambda a, b: np.where(a + b > 0, a / np.where(a + b > 0, a + b, 1.0), 0.0), "answer 0.5"),
           (lambda a, b: a / (a + b), "NaN")),
))


def _check_minimax_value(answer) -> tuple[bool, str]:
    return _check_float(answer, -np.log(4.0), 0.01, [
        (0.0, "0 is the JSD part; the value itself is −log 4 + 2·JSD"),
        (-np.log(2.0), "each of the two expectations is log ½ = −0.693: add both"),
        (np.log(4.0), "a sign: log D* = log ½ is negative"),
        (0.5, "0.5 is D*(x), not the value of the game")])


_register(Exercise(
    id="03.3",
    task="Predict: the value V(D*, G) = E_data[log D*(x)] + E_model[log(1 − D*(x))] when the generator matches the "
         "data exactly (p_model = p_data). A number, natural logarithms.",
    check=_check_minimax_value, hint="when p_model = p_data, D*(x) = ½ everywhere.",
    solution=lambda: float(-np.log(4.0)), answer_is_function=False,
    wrong=((0.0, "JSD part"), (-0.693, "add both"), (1.386, "a sign"), (0.5, "not the value")),
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


_register(Exercise(
    id="04.3",
    task="Write bce_from_logits(logits, labels): the mean binary cross-entropy of labels in {0, 1} given raw "
         "logits, without overflow for logits like ±800 (what from_logits=True computes).",
    check=lambda f: _check_function(f, _bce_reference, _bce_cases(), [
        (_bce_after_sigmoid, "the logits went through a sigmoid first: that is the bug of this notebook — the loss "
                             "squeezed into [0.31, 1.31]; use the raw logits"),
        (lambda x, y: _bce_reference(x, 1 - y), "the labels are swapped: a real (1) should cost −log σ(x)")],
        describe="32 random logits and the extremes ±60, ±800", atol=1e-6),
    hint="max(x, 0) − x·y + log(1 + e^{−|x|}) is the same loss, with no exponential of a large number.",
    solution=_bce_solution,
    wrong=((_bce_naive, "NaN or infinity"), (_bce_after_sigmoid, "through a sigmoid first"),
           (lambda x, y: _bce_solution(x, 1 - y), "labels are swapped")),
))

# ---------------------------------------------------------------- notebook 05: crops, latent paths, memorisation


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


_register(Exercise(
    id="05.1",
    task="Write slerp(z0, z1, t): spherical interpolation between two latent codes (1-D arrays), t in [0, 1] "
         "(t = 0 gives z0); Shoemake 1985, as used for GAN latent walks.",
    check=lambda f: _check_function(f, _slerp_reference, _slerp_cases(), [
        (lambda a, b, t: (1 - t) * a + t * b, "a straight line (lerp): its midpoint has a smaller norm than a "
                                              "Gaussian code — follow the great circle"),
        (lambda a, b, t: _slerp_reference(a, b, 1 - t), "t runs the wrong way: t = 0 must give z0"),
        (lambda a, b, t: _slerp_reference(a / np.linalg.norm(a), b / np.linalg.norm(b), t),
         "the codes were normalised: slerp the codes themselves, only the angle uses unit vectors")],
        describe="two random 16-d codes at t = 0, 0.3, 0.5, 1"),
    hint="Ω = arccos(ẑ0 · ẑ1); slerp = [sin((1 − t)Ω) z0 + sin(tΩ) z1] / sin Ω.",
    solution=_slerp_solution,
    wrong=((lambda a, b, t: (1 - t) * a + t * b, "lerp"), (lambda a, b, t: _slerp_reference(a, b, 1 - t), "wrong way"),
           (lambda a, b, t: _slerp_reference(a / np.linalg.norm(a), b / np.linalg.norm(b), t), "normalised")),
))


def _check_crop_count(answer) -> tuple[bool, str]:
    return _check_number(answer, 449 * 321, [
        ((48,), "48 counts non-overlapping tiles; a random crop may start at any pixel"),
        ((448 * 320,), "off by one: a 64-px crop in 512 px can start at 0 … 448, that is 449 positions"),
        ((512 * 384,), "a crop cannot start within 63 pixels of the right or bottom edge")],
        missed="{answer:,} is not it: (W − 64 + 1) · (H − 64 + 1)", correct="449 × 321 = {answer:,} distinct crops")


_register(Exercise(
    id="05.2",
    task="Predict: how many distinct 64×64 crops (at whole-pixel positions) has a 512 × 384 painting?",
    check=_check_crop_count, hint="a crop of side s starts at 0 … W − s horizontally: W − s + 1 positions.",
    solution=lambda: 449 * 321, answer_is_function=False,
    wrong=((48, "non-overlapping"), (448 * 320, "off by one"), (512 * 384, "cannot start"), (1000, "is not it")),
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


_register(Exercise(
    id="05.3",
    task="Write nearest_distance(samples, crops): for each sample (N, H, W, 3) the Euclidean distance to its nearest "
         "training crop (M, H, W, 3) — the memorisation check.",
    check=lambda f: _check_function(f, _nearest_reference, _nearest_cases(), [
        (lambda a, b: _nearest_reference(a, b) ** 2, "squared distances: take the square root"),
        (lambda a, b: np.array([np.mean([np.sqrt(((x - c) ** 2).sum()) for c in b]) for x in a]),
         "the mean distance over crops: memorisation is about the *nearest* one (min)"),
        (lambda a, b: np.array([max(np.sqrt(((x - c) ** 2).sum()) for c in b) for x in a]),
         "the farthest crop (max): take the nearest (min)")],
        describe="5 samples against 7 random crops"),
    hint="flatten each image; ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖² gives all pairs at once; then min over crops.",
    solution=_nearest_solution,
    wrong=((lambda a, b: _nearest_reference(a, b) ** 2, "square root"),
           (lambda a, b: np.array([np.mean([np.sqrt(((x - c) ** 2).sum()) for c in b]) for x in a]), "the mean"),
           (lambda a, b: _nearest_reference(a[:, ::-1], b), "largest difference")),
))

# ---------------------------------------------------------------- notebook 06: conditional instance normalisation


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


_register(Exercise(
    id="06.1",
    task="Write instance_norm(x, gamma, beta) for x (B, H, W, C): normalise each channel of each image over its "
         "H·W positions (ε = 1e-5 inside the square root), then scale by γ (C,) and shift by β (C,) — one style's "
         "pair of conditional instance normalisation.",
    check=lambda f: _check_function(f, _cin_reference, _cin_cases(), [
        (_norm_over((0, 1, 2)), "batch normalisation: the statistics must be per image, over H and W only"),
        (_norm_over((1, 2, 3)), "layer normalisation (over channels too): each channel gets its own statistics"),
        (lambda x, g, b: b * (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5) + g,
         "γ and β swapped: γ scales, β shifts"),
        (lambda x, g, b: (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5),
         "γ and β are missing: they carry the style")],
        describe="two images of 5×4 positions and 3 channels of different scales", atol=1e-5),
    hint="x.mean(axis=(1, 2), keepdims=True) and x.var(axis=(1, 2), keepdims=True).",
    solution=_cin_solution,
    wrong=((_norm_over((0, 1, 2)), "batch normalisation"), (_norm_over((1, 2, 3)), "layer normalisation"),
           (lambda x, g, b: (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5),
            "γ and β are missing")),
))


def _check_style_parameters(answer) -> tuple[bool, str]:
    channels = 32 + 64 + 128 + 5 * 2 * 128 + 64 + 32
    return _check_number(answer, 2 * channels, [
        ((channels,), "{answer:,} counts one number per channel: each style has a γ *and* a β"),
        ((2 * (32 + 64 + 128 + 5 * 128 + 64 + 32),), "a residual block has two convolutions, each normalised"),
        ((6 * 2 * channels,), "that is all six styles: the question asks for one")],
        missed="{answer:,} is not it: 2 × (the channels of every normalised layer)",
        correct="2 × (32 + 64 + 128 + 10·128 + 64 + 32) = {answer:,}, 0.2 % of the network")


_register(Exercise(
    id="06.2",
    task="Predict: the shipped network normalises after convolutions of 32, 64 and 128 channels, in 5 residual "
         "blocks of two 128-channel convolutions each, and after 64 and 32 channels. How many (γ, β) numbers has "
         "one style?",
    check=_check_style_parameters, hint="one γ and one β per channel of every normalised layer.",
    solution=lambda: 2 * (32 + 64 + 128 + 5 * 2 * 128 + 64 + 32), answer_is_function=False,
    wrong=((1600, "a γ *and* a β"), (1920, "two convolutions"), (19200, "all six styles"), (3000, "is not it")),
))


@functools.cache  # the checker measures once per session
def _blend_reference() -> float:
    from . import data, stylegen, stylenet

    photo = data.sample("flower", max_side=256)
    outputs = {}
    for name, mix in (("starry_night", None), ("the_scream", None), ("starry_night+the_scream", 0.5)):
        generator, _ = stylenet.pretrained(name, mix=mix)
        outputs[name] = np.asarray(stylegen.stylize_with(generator, photo), np.float64)
    average = (outputs["starry_night"] + outputs["the_scream"]) / 2
    return float(np.abs(outputs["starry_night+the_scream"] - average).mean())


def _check_blend(answer) -> tuple[bool, str]:
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)):
        return False, f"give a number, not {type(answer).__name__}"
    reference = _blend_reference()
    ok, message = _check_float(answer, reference, max(0.002, 0.1 * reference), [
        (0.0, "0 would mean the network is linear in (γ, β) — it is not; did you compare an image with itself?")])
    if ok:
        message += ": the blended network paints something other than the average of the two paintings"
    return ok, message


def _blend_solution():
    from . import data, stylegen, stylenet

    photo = data.sample("flower", max_side=256)
    starry, _ = stylenet.pretrained("starry_night")
    scream, _ = stylenet.pretrained("the_scream")
    blend, _ = stylenet.pretrained("starry_night+the_scream", mix=0.5)
    average = (stylegen.stylize_with(starry, photo) + stylegen.stylize_with(scream, photo)) / 2
    return float(np.abs(stylegen.stylize_with(blend, photo) - average).mean())


_register(Exercise(
    id="06.3",
    task="Experiment: is a 50/50 blend of two styles the average of their two paintings? Stylise the flower (256 px) "
         "with starry_night, the_scream and 'starry_night+the_scream' at mix 0.5; report the mean absolute "
         "difference between the blend and the average of the other two.",
    check=_check_blend,
    hint="stylenet.pretrained(name, mix=...) returns (generator, record); stylegen.stylize_with(generator, photo).",
    solution=_blend_solution, answer_is_function=False, kind="experiment",
    wrong=((0.0, "linear in (γ, β)"), ("0.05", "give a number")),
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


def _check_chance_iou(answer) -> tuple[bool, str]:
    a, b = 0.10, 0.05
    both = a * b
    return _check_float(answer, both / (a + b - both), 0.002, [
        (both, "0.005 is the expected intersection alone; divide by the expected union a + b − ab"),
        (b, "0.05 is the smaller mask's share, the IoU's ceiling only if it lies inside the other"),
        (b / a, "0.5 is the ratio of the two shares: the largest IoU possible, not the chance level")])


_register(Exercise(
    id="07.2",
    task="Predict: two independent random masks cover 10 % and 5 % of the pixels. What IoU do they reach by chance "
         "(expected intersection over expected union)?",
    check=_check_chance_iou, hint="independent: the intersection covers a·b, the union a + b − a·b.",
    solution=lambda: 0.005 / 0.145, answer_is_function=False,
    wrong=((0.005, "intersection alone"), (0.05, "smaller mask"), (0.5, "ratio"), (0.1, "too high")),
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


_register(Exercise(
    id="07.3",
    task="Write unit_masks(activations, quantile): for activations (N, H, W, C), a boolean mask of where each unit "
         "(channel) exceeds its own threshold — the given quantile of that unit's values over all N images and "
         "positions (the GAN Dissection rule).",
    check=lambda f: _check_function(f, _unit_masks_reference, _unit_mask_cases(), [
        (lambda x, q: x > np.quantile(x, q), "one threshold for all units: each unit has its own scale, so take the "
                                            "quantile per channel"),
        (lambda x, q: x > np.quantile(x, q, axis=(1, 2), keepdims=True),
         "a threshold per image: the rule takes each unit's quantile over the whole set of images"),
        (lambda x, q: _unit_masks_reference(x, 1 - q), "the quantile is inverted: the top 10 % is above the 0.9 quantile")],
        describe="4 units of different scales over 3 images of 6×5"),
    hint="np.quantile(activations.reshape(-1, C), quantile, axis=0) gives one threshold per unit.",
    solution=_unit_masks_solution,
    wrong=((lambda x, q: x > np.quantile(x, q), "one threshold for all units"),
           (lambda x, q: x > np.quantile(x, q, axis=(1, 2), keepdims=True), "a threshold per image"),
           (lambda x, q: _unit_masks_reference(x, 1 - q), "inverted")),
))

# ---------------------------------------------------------------- notebook 08: attributions of a discriminator


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


def _check_ig(function) -> tuple[bool, str]:
    x, baseline = np.array([1.0, -2.0, 0.5, 3.0]), np.array([0.2, 0.1, -0.4, 0.0])
    result = np.asarray(function(_quadratic_gradient, x, baseline, 64), dtype=np.float64)
    ok, message = _check_function(function, _ig_reference, [(_quadratic_gradient, x, baseline, 64)], [
        (lambda g, a, b, n: np.mean([g(b + (k + 0.5) / n * (a - b)) for k in range(n)], axis=0),
         "the average gradient alone: multiply by (x − baseline)"),
        (lambda g, a, b, n: g(a) * (a - b), "the gradient at x only (gradient × input): average it along the path"),
        (lambda g, a, b, n: a * np.mean([g(b + (k + 0.5) / n * (a - b)) for k in range(n)], axis=0),
         "multiplied by x: use x − baseline")],
        describe="a quadratic function of 4 inputs, 64 midpoint steps", atol=1e-3)
    if ok:
        gap = float(result.sum() - (_quadratic(x) - _quadratic(baseline)))
        message += f"; completeness: the attributions sum to f(x) − f(baseline) within {abs(gap):.1e}"
    return ok, message


_register(Exercise(
    id="08.1",
    task="Write integrated_gradients(gradient, x, baseline, steps): (x − x′) times the average gradient at the "
         "midpoints x′ + (k + ½)/steps · (x − x′), k = 0 … steps − 1 (Sundararajan et al. 2017). gradient(point) "
         "returns ∂f/∂point.",
    check=_check_ig, hint="average gradient(baseline + α (x − baseline)) over α = (k + 0.5)/steps, then multiply "
                          "elementwise by (x − baseline).",
    solution=_ig_solution,
    wrong=((lambda g, a, b, n: np.mean([g(b + (k + 0.5) / n * (a - b)) for k in range(n)], axis=0), "(x − baseline)"),
           (lambda g, a, b, n: g(a) * (a - b), "gradient at x only"),
           (lambda g, a, b, n: a * np.mean([g(b + (k + 0.5) / n * (a - b)) for k in range(n)], axis=0), "multiplied by x")),
))


def _check_linear_attribution(answer) -> tuple[bool, str]:
    return _check_float(answer, -10.0, 1e-6, [
        (-2.0, "−2 is the gradient alone: integrated gradients multiply it by (x₂ − 0) = 5"),
        (10.0, "the sign: the weight of x₂ is −2"),
        (6.0, "6 is x₁'s attribution (3 × 2)"),
        (-4.0, "−4 is f(x) = 6 − 10, the sum of both attributions")])


_register(Exercise(
    id="08.2",
    task="Predict: f(x) = 3·x₁ − 2·x₂, x = (2, 5), baseline (0, 0). What is the integrated-gradients attribution of "
         "x₂?",
    check=_check_linear_attribution, hint="for a linear f the gradient is constant along the path: attribution = "
                                          "weight × (x − baseline).",
    solution=lambda: -10.0, answer_is_function=False,
    wrong=((-2, "gradient alone"), (10, "the sign"), (6, "x₁'s attribution"), (-4, "sum of both")),
))


def _check_logit_probability(answer) -> tuple[bool, str]:
    return _check_float(answer, 1 / (1 + np.exp(-6.7)), 2e-4, [
        (6.7, "6.7 is the logit itself: D(x) = σ(6.7)"),
        (1 / (1 + np.exp(6.7)), "that is 1 − D(x), the probability of 'generated'"),
        (np.exp(6.7), "e^6.7 is the odds; a probability is odds / (1 + odds)")])


_register(Exercise(
    id="08.3",
    task="Predict D(x), to 3 decimals, for a logit of 6.7 — and so see why a "
         "logit of 10.9 reaches 'D(x) = 1.000' although it is not 'more real'.",
    check=_check_logit_probability, hint="D(x) = σ(logit) = 1 / (1 + e^{−logit}).",
    solution=lambda: float(1 / (1 + np.exp(-6.7))), answer_is_function=False,
    wrong=((6.7, "the logit itself"), (0.0012, "1 − D(x)"), (812.4, "odds"), (0.9, "too low")),
))

# ---------------------------------------------------------------- notebook 09: testing claims


def _average_ranks(values):
    values = np.asarray(values, np.float64)
    ranks = np.empty(len(values))
    for i, value in enumerate(values):
        ranks[i] = (values < value).sum() + ((values == value).sum() + 1) / 2  # ties share the average rank
    return ranks


def _spearman_reference(x, y):
    return float(np.corrcoef(_average_ranks(x), _average_ranks(y))[0, 1])


def _spearman_solution(x, y):
    def ranks(values):
        order = np.argsort(values, kind="stable")
        result = np.empty(len(values))
        result[order] = np.arange(1, len(values) + 1)
        for value in np.unique(values):  # ties: every tied value gets the mean of their ranks
            tied = values == value
            result[tied] = result[tied].mean()
        return result
    return float(np.corrcoef(ranks(np.asarray(x)), ranks(np.asarray(y)))[0, 1])


def _spearman_cases():
    rng = np.random.default_rng(13)
    x = rng.integers(0, 6, 20).astype(np.float64)  # many ties
    y = x ** 3 + rng.normal(0, 20, 20)
    return [(x, y), (np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 8.0, 27.0, 64.0, 1000.0]))]


def _ranks_without_ties(values):
    result = np.empty(len(values))
    result[np.argsort(values, kind="stable")] = np.arange(1, len(values) + 1)
    return result


_register(Exercise(
    id="09.1",
    task="Write spearman(x, y): Spearman's ρ, Pearson's correlation of the ranks, with tied values sharing their "
         "average rank.",
    check=lambda f: _check_function(f, _spearman_reference, _spearman_cases(), [
        (lambda x, y: float(np.corrcoef(x, y)[0, 1]), "that is Pearson's correlation of the values: rank them first"),
        (lambda x, y: float(np.corrcoef(_ranks_without_ties(x), _ranks_without_ties(y))[0, 1]),
         "ties get different ranks: give tied values the mean of their ranks")],
        describe="20 pairs with many ties and a monotone curve", atol=1e-9),
    hint="rank with np.argsort, then replace each tied group's ranks by their mean; np.corrcoef of the ranks.",
    solution=_spearman_solution,
    wrong=((lambda x, y: float(np.corrcoef(x, y)[0, 1]), "Pearson"),
           (lambda x, y: float(np.corrcoef(_ranks_without_ties(x), _ranks_without_ties(y))[0, 1]), "ties")),
))


def _check_break_even(answer) -> tuple[bool, str]:
    training, network, gatys = 8358.0, 0.13, 268.0
    return _check_number(answer, int(np.ceil(training / (gatys - network))), [
        ((31,), "31 photos do not yet pay back: round *up* — the break-even is the first whole photo past it"),
        ((int(training / network), int(np.ceil(training / network))), "that divides by the network's time: the "
                                                                        "saving per photo is Gatys' time minus it"),
        ((int(training / gatys),), "rounded down: 31 photos save less than the training cost")],
        missed="{answer:,} is not it: the smallest n with n · (268 − 0.13) ≥ 8,358",
        correct="8,358 s / (268 − 0.13) s = 31.2 → {answer} photos", what="a whole number of photos")


_register(Exercise(
    id="09.2",
    task="Predict: training took 8,358 s; the network stylises a photo in 0.13 s, converged Gatys in 268 s. From "
         "which number of photos is the network cheaper in total?",
    check=_check_break_even, hint="n photos cost 8,358 + 0.13 n with the network, 268 n with Gatys.",
    solution=lambda: 32, answer_is_function=False,
    wrong=((31, "round *up*"), (64292, "Gatys' time minus it"), (100, "is not it")),
))


def _share_reference(photo_distance, result_distance, reference_distance):
    return (photo_distance - result_distance) / (photo_distance - reference_distance)


_register(Exercise(
    id="09.3",
    task="Write share_of_the_way(photo_distance, result_distance, reference_distance): the share of the way from the "
         "photo (0) to the reference result (1) that a result covers, on any distance to the painting — how "
         "'83 % and 99 %' were computed. Works on arrays.",
    check=lambda f: _check_function(f, _share_reference, [(np.array([10.0, 8.0, 5.0]), np.array([3.0, 7.9, 5.5]),
                                                           np.array([1.0, 2.0, 4.0]))], [
        (lambda p, r, g: r / p, "result / photo is the distance *left*, relative to the photo; measure the way covered"),
        (lambda p, r, g: (p - r) / p, "that divides by the photo's distance: the way runs to the reference, not to 0"),
        (lambda p, r, g: (r - g) / (p - g), "that is the share still to go: 1 minus it")],
        describe="three results, one overshooting the reference"),
    hint="(photo − result) / (photo − reference).",
    solution=_share_reference,
    wrong=((lambda p, r, g: r / p, "distance *left*"), (lambda p, r, g: (p - r) / p, "runs to the reference"),
           (lambda p, r, g: (r - g) / (p - g), "still to go")),
))

# ---------------------------------------------------------------- notebook 10: lettering


def _between_class_variance(values, threshold):
    low, high = values[values <= threshold], values[values > threshold]
    if not len(low) or not len(high):
        return 0.0
    return len(low) * len(high) * (low.mean() - high.mean()) ** 2 / len(values) ** 2


def _otsu_values():
    rng = np.random.default_rng(14)
    return np.clip(np.concatenate([rng.normal(0.2, 0.05, 900), rng.normal(0.75, 0.08, 100)]), 0, 1)


def _check_otsu(function) -> tuple[bool, str]:
    values = _otsu_values()
    answer = function(values)
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.floating)):
        return False, f"return one threshold, a number, not {type(answer).__name__}"
    answer = float(answer)
    best = max(_between_class_variance(values, t) for t in np.linspace(0, 1, 1001))
    reached = _between_class_variance(values, answer)
    if abs(answer - values.mean()) < 1e-6:
        return False, "the mean of the values: with 90 % paper and 10 % ink it cuts into the paper"
    if abs(answer - np.median(values)) < 1e-6:
        return False, "the median: it splits the pixels in half, not paper from ink"
    if reached < 0.99 * best:
        return False, (f"threshold {answer:.3f}: its between-class variance is {reached:.4f}, the best is {best:.4f}")
    return True, f"threshold {answer:.3f} separates the two groups (between-class variance {reached:.4f} of {best:.4f})"


def _otsu_solution(values):
    candidates = np.linspace(0, 1, 257)[1:-1]

    def between(t):
        low, high = values[values <= t], values[values > t]
        if not len(low) or not len(high):
            return 0.0
        return len(low) * len(high) * (low.mean() - high.mean()) ** 2  # ∝ ω₀ ω₁ (μ₀ − μ₁)²
    return float(max(candidates, key=between))


_register(Exercise(
    id="10.1",
    task="Write otsu(values): Otsu's threshold for values in [0, 1] — the cut t that maximises the between-class "
         "variance ω₀ ω₁ (μ₀ − μ₁)² of the values ≤ t and > t.",
    check=_check_otsu, hint="try every t on a fine grid and keep the best; ω are the shares, μ the means.",
    solution=_otsu_solution,
    wrong=((lambda v: float(np.mean(v)), "the mean of the values"), (lambda v: float(np.median(v)), "the median"),
           (lambda v: 0.9, "between-class variance"), (lambda v: "0.5", "a number")),
))


def _check_normalised_weight(answer) -> tuple[bool, str]:
    share, weight = 0.2, 3.0
    mean = share * weight + (1 - share) * 1.0
    return _check_float(answer, weight / mean, 0.01, [
        (weight, "3 is the weight before normalising: divide by the mean weight 0.2·3 + 0.8·1"),
        (weight / (share * weight), "divided by the letters' part of the mean only: include the ground's 0.8·1"),
        (1.0 / mean, "that is the ground's weight after normalising")])


_register(Exercise(
    id="10.2",
    task="Predict: the letters cover 20 % of the image and weigh λ = 3, the ground 1; the weights are then scaled to "
         "a mean of 1. What weight do the letters end with?",
    check=_check_normalised_weight, hint="the mean weight is 0.2·3 + 0.8·1 = 1.4.",
    solution=lambda: 3.0 / 1.4, answer_is_function=False,
    wrong=((3, "before normalising"), (5, "ground's 0.8"), (0.714, "ground's weight"), (2.5, "too high")),
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


_register(Exercise(
    id="10.3",
    task="Write dilate(mask, radius): a boolean (H, W) mask grown by `radius` pixels in every direction — a pixel is "
         "on when any pixel of the (2r + 1)² square around it is on (the margin around the letters).",
    check=lambda f: _check_function(f, _dilate_reference, _dilate_cases(), [
        (lambda m, r: ~_dilate_reference(~m, r), "that is an erosion (a pixel stays on only if all around it are): "
                                                 "take any, not all"),
        (lambda m, r: _dilate_reference(m, 2 * r), "grown by 2·radius: the square is (2r + 1) pixels wide, r each side"),
        (lambda m, r: _dilate_reference(m, r - 1) if r > 1 else m.copy(), "grown by radius − 1: the square is (2r + 1) "
                                                                            "pixels wide")],
        describe="three pixels, one in a corner, at radius 1 and 2"),
    hint="pad by radius, then OR together the (2r + 1)² shifted copies.",
    solution=_dilate_solution,
    wrong=((lambda m, r: ~_dilate_reference(~m, r), "erosion"), (lambda m, r: _dilate_reference(m, 2 * r), "2·radius"),
           (lambda m, r: np.roll(_dilate_reference(m, r), 1, axis=0), "largest difference")),
))


# ---------------------------------------------------------------- notebook 11: data parallelism


def _replica_losses_reference(per_image_losses, replicas):
    losses = np.asarray(per_image_losses, dtype=np.float64)
    per_replica = len(losses) // replicas
    return np.array([losses[r * per_replica:(r + 1) * per_replica].mean() / replicas for r in range(replicas)])


def _replica_losses_solution(per_image_losses, replicas):
    losses = np.asarray(per_image_losses, dtype=np.float64)
    shares = losses.reshape(replicas, -1)  # (B,) -> (R, b): replica r holds images r·b … (r+1)·b − 1
    return shares.mean(axis=1) / replicas  # (R,): each local mean ÷ R; their sum is the global mean


def _replica_losses_cases():
    rng = np.random.default_rng(11)
    return [(rng.standard_normal(8), 2), (rng.standard_normal(12) + 3, 4), (rng.standard_normal(6), 1)]


def _unscaled_replica_losses(losses, replicas):
    return np.asarray(losses, float).reshape(replicas, -1).mean(axis=1)  # (B,) -> (R, b) -> (R,)


def _replica_losses_over_global_batch(losses, replicas):
    return _unscaled_replica_losses(losses, replicas) / len(losses)


_register(Exercise(
    id="11.1",
    task="Write replica_losses(per_image_losses, replicas): the B per-image losses of a global batch, split in order "
         "over R replicas of b = B/R images; return the R losses the replicas differentiate, scaled so that the "
         "sum of their gradients is the gradient of the global mean.",
    check=lambda f: _check_function(f, _replica_losses_reference, _replica_losses_cases(), [
        (_unscaled_replica_losses, "not scaled: the all-reduce adds R gradients, R times the global mean's"),
        (_replica_losses_over_global_batch, "divided by the global batch after taking the mean: divide by R"),
        (lambda x, r: np.asarray(x, float).reshape(-1, r).mean(axis=0) / r, "interleaved: replica r holds a "
                                                                            "contiguous block of b images")],
        describe="B = 8, 12 and 6 over 2, 4 and 1 replicas"),
    hint="each replica's local mean, divided by R (equivalently: its local sum divided by the global batch B).",
    solution=_replica_losses_solution,
    wrong=((_unscaled_replica_losses, "not scaled"), (_replica_losses_over_global_batch, "divided by the global batch"),
           (lambda x, r: np.asarray(x, float).reshape(r, -1).sum(axis=1), "largest difference")),
))

_register(Exercise(
    id="11.2",
    task="Predict: a global batch of 32 over 4 replicas, batch normalisation not synchronised. Over how many "
         "images does each replica's batch normalisation take its mean and variance?",
    check=lambda answer: _check_float(answer, 8, 0.01, [
        (32, "that is the synchronised layer: without synchronized=True each replica sees only its share"),
        (4, "that is the number of replicas"), (128, "the global batch is already split, not copied")]),
    hint="b = B / R images per replica; an unsynchronised layer sees only its own.",
    solution=lambda: 8, answer_is_function=False,
    wrong=((32, "synchronised layer"), (4, "number of replicas"), (128, "not copied")),
))

_register(Exercise(
    id="11.3",
    task="Predict: a mirrored run on 2 GPUs takes 1,000 steps at a global batch of 32. How many training images "
         "does it process in total (both GPUs together)?",
    check=lambda answer: _check_float(answer, 32000, 0.5, [
        (64000, "the global batch is already the batch of both replicas together: 32 per step, not 2 × 32"),
        (16000, "that is one replica's share")]),
    hint="one step consumes one global batch, split between the replicas.",
    solution=lambda: 32 * 1000, answer_is_function=False,
    wrong=((64000, "already the batch of both replicas"), (16000, "one replica's share")),
))
