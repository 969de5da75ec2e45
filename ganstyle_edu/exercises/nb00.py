"""Notebook 00's exercises (00_setup_and_tour): a 3×3 convolution with its ReLU, the shape of a VGG feature map,
a receptive field, and an open question — what shuffling tiles does to a texture's channel profile.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 00.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_function, check_layer_dict, check_whole_number

EXERCISES: list[Exercise] = []


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


_CONV_MISTAKES = (
    Mistake(_conv_no_relu, "no ReLU: negative values must become 0 (np.maximum(x, 0))"),
    Mistake(lambda i, k, b: _conv3x3_relu_reference(i, k[::-1, ::-1], b),
            "the kernel is flipped: Keras' Conv2D does not flip (cross-correlation), take kernel[dy, dx] as it is"),
    Mistake(lambda i, k, b: _conv3x3_relu_reference(i, k, b)[1:-1, 1:-1],
            "'valid' output (H − 2, W − 2): pad one pixel of zeros around the image first"))

EXERCISES.append(Exercise(
    id="00.1",
    task="Write conv3x3_relu(image, kernel, bias): image (H, W, C_in), kernel (3, 3, C_in, C_out), bias (C_out,); "
         "zero padding so the output is (H, W, C_out); Keras' cross-correlation (no kernel flip); then the ReLU.",
    check=lambda f: check_function(f, _conv3x3_relu_reference, _conv_cases(), _CONV_MISTAKES,
                                   describe="a random 6×5×3 image and a 3→4-channel kernel"),
    hint="pad with np.pad(image, ((1, 1), (1, 1), (0, 0))); each output pixel is the sum of window × kernel over "
         "the 3×3×C_in window, plus the bias.",
    solution=_conv3x3_relu_solution,
    mistakes=_CONV_MISTAKES,
    wrong=((lambda i, k, b: _conv3x3_relu_reference(i, k, b) * 2, "largest difference"),),
))


def _check_shape_prediction(answer) -> tuple[bool, str]:
    if not isinstance(answer, tuple) or len(answer) != 3 or not all(isinstance(v, (int, np.integer)) for v in answer):
        return False, "give a tuple of three whole numbers (height, width, channels)"
    answer = tuple(int(v) for v in answer)
    if answer == (64, 64, 256):
        return True, ("(64, 64, 256): two 2×2 poolings (256 → 128 → 64) before block 3, whose convolutions have 256 "
                      "channels")
    if answer[:2] == (256, 256):
        return False, "the height and width: blocks 2 and 3 each start with a 2×2 max-pooling that halves them"
    if answer[:2] == (32, 32):
        return False, "relu3_1 comes after two poolings (before blocks 2 and 3), not three"
    if answer[:2] == (128, 128):
        return False, "two poolings, not one: one before block 2 and one before block 3"
    if answer[:2] == (64, 64):
        return False, f"the size is right; the channels are not {answer[2]}: VGG's blocks have 64, 128, 256, 512, 512"
    return False, f"{answer} is not it: count the poolings before block 3, and look up block 3's channels"


EXERCISES.append(Exercise(
    id="00.2",
    task="Predict: the shape (height, width, channels) of relu3_1's feature map (block3_conv1) for a 256 × 256 photo.",
    check=_check_shape_prediction, hint="a 2×2 max-pooling starts blocks 2–5; the blocks have 64, 128, 256, 512, 512 "
                                        "channels.",
    solution=lambda: (64, 64, 256), answer_is_function=False,
    wrong=(((256, 256, 256), "halves"), ((32, 32, 256), "not three"), ((128, 128, 256), "not one"),
           ((64, 64, 128), "channels"), ((16, 16, 512), "is not it"), (256, "tuple")),
))


_FIELD_MISTAKES = (
    Mistake(9, "the pooling counts: it adds (2 − 1)·1 = 1 pixel, and after it each 3×3 step spans 2 pixels"),
    Mistake(10, "after the pooling one step of conv2_1 spans 2 input pixels: it adds (3 − 1)·2 = 4, not 2"),
    Mistake(8, "that is the field after the pooling; conv2_1 adds (3 − 1)·2 = 4 more"),
    Mistake(11, "one convolution too few before the pooling: this network's first block has three"))


def _check_three_conv_field(answer) -> tuple[bool, str]:
    return check_whole_number(
        answer, 12, _FIELD_MISTAKES,
        missed="{answer} is not it: r ← r + (k − 1)·j, j ← j·s through conv1_1, conv1_2, conv1_3, pool1, conv2_1",
        correct="1 + 2 + 2 + 2 + 1 + 4 = 12 pixels: the third convolution adds 2 to VGG16's 10",
        what="a whole number of pixels")


EXERCISES.append(Exercise(
    id="00.3",
    task="Predict: the receptive field (pixels, one side) of conv2_1 in a network the table does not list, whose "
         "first block has three 3×3 convolutions — conv1_1, conv1_2, conv1_3, then pool1 (2×2, stride 2), then "
         "conv2_1 (3×3).",
    check=_check_three_conv_field, hint="r ← r + (k − 1)·j and j ← j·s, layer by layer from r = 1, j = 1.",
    solution=lambda: 12, answer_is_function=False,
    mistakes=_FIELD_MISTAKES, wrong=((14, "is not it"), (12.0, "a whole number")),
))


def _profile_similarity_reference(name: str, tile: int = 32, size: int = 256) -> dict:
    """Each style layer's cosine similarity of per-channel means before and after shuffling tiles of a sample."""
    from .. import data, features, images

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


def _check_texture_shuffle(answer) -> tuple[bool, str]:
    from ..features import STYLE_LAYERS

    ok, message = check_layer_dict(answer, STYLE_LAYERS)
    if not ok:
        return ok, message
    if not all(-1.0 <= v <= 1.0 for v in answer.values()):
        return False, "a cosine similarity lies in [−1, 1]: check the formula"
    if all(abs(v - 1.0) < 1e-9 for v in answer.values()):
        return False, ("every layer gives exactly 1: did you compare the texture with itself, not with its shuffled "
                       "copy?")
    return True, ("the experiment ran. There is no single right answer: compare your numbers with the reference "
                  "run's, photo and texture: `viz.grouped_bars(exercises.reference_series(\"00.4\", your_answer))`")


def _texture_shuffle_solution():
    from .. import data, features, images

    texture = images.resize_and_crop(data.sample("gravel"), 256)
    shuffled = images.shuffle_tiles(texture, 32, seed=0)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS)
    before, after = extractor(texture), extractor(shuffled)
    return {layer: features.channel_profile_similarity(before[layer], after[layer]) for layer in features.STYLE_LAYERS}


EXERCISES.append(Exercise(
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
