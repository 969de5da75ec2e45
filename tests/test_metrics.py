"""Metrics: an image against itself scores 0 (SSIM 1), a mild change scores below noise, symmetry and
determinism where promised, NumPy references for the estimators, and one clear error per bad argument."""
import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from ganstyle_edu import artefacts, data, images, metrics
from ganstyle_edu.config import import_tensorflow
from ganstyle_edu.features import FeatureExtractor

SIDE = 96
tf = import_tensorflow()


def _uint8(image):
    return Image.fromarray(np.round(image * 255.0).astype(np.uint8))


def _blur(image, radius=1.0):
    return np.asarray(_uint8(image).filter(ImageFilter.GaussianBlur(radius)), np.float32) / 255.0


def _jpeg(image, quality=30):
    buffer = io.BytesIO()
    _uint8(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer), np.float32) / 255.0


@pytest.fixture(scope="module")
def painting():
    return images.resize_and_crop(data.sample("starry_night"), SIDE)


@pytest.fixture(scope="module")
def variants(painting):
    noise = np.random.default_rng(0).uniform(0.0, 1.0, painting.shape).astype(np.float32)
    return {"same": painting, "jpeg": _jpeg(painting), "blur": _blur(painting), "noise": noise}


def _assert_ordering(scores):
    """0 for the image itself; a JPEG or a mild blur is closer than uniform noise."""
    assert scores["same"] == pytest.approx(0.0, abs=1e-6 * scores["noise"]), scores
    assert 0.0 < scores["jpeg"] < scores["noise"], scores
    assert 0.0 < scores["blur"] < scores["noise"], scores


# --- per-layer share of the way --------------------------------------------------------------------


class _PixelFeatures:
    """A stand-in feature network: layer "a" is the image itself, layer "b" its 2×2 average-pooled squares."""

    def __call__(self, batch):
        batch = np.asarray(batch, np.float64)
        height, width = batch.shape[1] // 2 * 2, batch.shape[2] // 2 * 2
        pooled = batch[:, :height, :width].reshape(batch.shape[0], height // 2, 2, width // 2, 2, 3).mean(axis=(2, 4))
        return {"a": tf.constant(batch, tf.float32), "b": tf.constant(pooled ** 2, tf.float32)}


def _numpy_share(image, photo, painting, features):
    """1 − D(image, painting) / D(photo, painting) per layer, with Gram matrices from explicit loops."""
    def gram(maps):
        maps = np.asarray(maps, np.float64)[0]  # (H, W, C)
        height, width, channels = maps.shape
        out = np.zeros((channels, channels))
        for i in range(height):
            for j in range(width):
                out += np.outer(maps[i, j], maps[i, j])
        return out / (height * width)

    grams = [{k: gram(v) for k, v in features(x[None]).items()} for x in (image, photo, painting)]
    return {k: 1 - np.mean((grams[0][k] - grams[2][k]) ** 2) / np.mean((grams[1][k] - grams[2][k]) ** 2)
            for k in grams[0]}


def test_share_of_the_way_against_a_numpy_loop():
    rng = np.random.default_rng(4)
    photo, painting = rng.uniform(0, 1, (10, 12, 3)), rng.uniform(0, 1, (14, 8, 3)) ** 2
    image = 0.3 * photo + 0.7 * rng.uniform(0, 1, (10, 12, 3)) ** 2
    found = metrics.style_share_of_the_way(image, photo, painting, extractor=_PixelFeatures(), layers=["a", "b"])
    expected = _numpy_share(image, photo, painting, _PixelFeatures())
    assert found == pytest.approx(expected, rel=1e-4)
    same = metrics.style_share_of_the_way(photo, photo, painting, extractor=_PixelFeatures(), layers=["a", "b"])
    assert same == pytest.approx({"a": 0.0, "b": 0.0}, abs=1e-6)  # the photo itself has gone no way
    assert metrics.style_share_of_the_way(painting, photo, painting, extractor=_PixelFeatures(),
                                          layers=["a"])["a"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at a the photo already has the painting's Gram matrix"):
        metrics.style_share_of_the_way(image, painting, painting, extractor=_PixelFeatures(), layers=["a"])


# --- style distance --------------------------------------------------------------------------------


def test_style_distance_ordering(painting, variants):
    _assert_ordering({name: metrics.style_distance(other, painting) for name, other in variants.items()})


def test_style_distance_grows_with_blur(painting):
    values = [metrics.style_distance(_blur(painting, radius), painting) for radius in (0.5, 1.0, 2.0)]
    assert values[0] < values[1] < values[2], values


def test_style_distance_accepts_other_sizes_and_shrinks_the_style(painting, variants):
    large = images.resize(painting, 160)
    assert isinstance(metrics.style_distance(painting, large), float)
    assert metrics.style_distance(painting, large) < metrics.style_distance(variants["noise"], large)
    shrunk = metrics.style_distance(painting, large, style_max_side=SIDE)
    assert shrunk == pytest.approx(metrics.style_distance(painting, images.resize(large, max_side=SIDE)), rel=1e-5)


def test_style_distance_matches_the_gram_definition(painting, variants):
    extractor = FeatureExtractor(["block1_conv1", "block3_conv1"])
    first = extractor(painting[None])
    second = extractor(variants["jpeg"][None])
    expected = 0.0
    for layer in ("block1_conv1", "block3_conv1"):
        f1 = first[layer].numpy()[0].reshape(-1, first[layer].shape[-1])  # (H*W, C)
        f2 = second[layer].numpy()[0].reshape(-1, second[layer].shape[-1])  # (H*W, C)
        g1, g2 = f1.T @ f1 / len(f1), f2.T @ f2 / len(f2)
        expected += np.mean((g1.astype(np.float64) - g2) ** 2)
    value = metrics.style_distance(variants["jpeg"], painting, extractor=extractor,
                                   layers=["block1_conv1", "relu3_1"])
    assert value == pytest.approx(expected, rel=1e-3)


def test_style_distance_to_a_style_target_equals_the_distance_to_its_image(painting, variants):
    large = images.resize(painting, 160)                               # other sizes: one forward pass each either way
    target = metrics.style_target(large, style_max_side=128)
    for name in ("jpeg", "noise"):
        direct = metrics.style_distance(variants[name], large, style_max_side=128)
        assert metrics.style_distance(variants[name], target) == pytest.approx(direct, rel=1e-5), name
    with pytest.raises(ValueError, match="no Gram matrix for block1_conv1.*style_target"):
        metrics.style_distance(painting, metrics.style_target(large, layers=["block3_conv1"]), layers=["block1_conv1"])
    with pytest.raises(ValueError, match="style_max_side.*style_target"):
        metrics.style_distance(painting, target, style_max_side=64)


# --- Laplacian pyramid and SWD ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(37, 50, 3), (64, 64, 3), (33, 41)])
def test_laplacian_pyramid_collapses_to_the_image(shape):
    image = np.random.default_rng(1).uniform(size=shape)
    levels = metrics.laplacian_pyramid(image, num_levels=4)
    assert len(levels) == 4
    assert [level.shape[:2] for level in levels] == [
        shape[:2], tuple(-(-s // 2) for s in shape[:2]), tuple(-(-s // 4) for s in shape[:2]),
        tuple(-(-s // 8) for s in shape[:2])]
    np.testing.assert_allclose(metrics.collapse_laplacian_pyramid(levels), image, atol=1e-12)


def test_laplacian_pyramid_of_a_constant_has_no_detail():
    levels = metrics.laplacian_pyramid(np.full((40, 30, 3), 0.25), num_levels=3)
    for detail in levels[:-1]:
        np.testing.assert_allclose(detail, 0.0, atol=1e-12)
    np.testing.assert_allclose(levels[-1], 0.25, atol=1e-12)


def test_swd_ordering_levels_and_symmetry(painting, variants):
    results = {name: metrics.sliced_wasserstein(painting, other) for name, other in variants.items()}
    assert results["same"] == {"levels": [0.0, 0.0, 0.0], "mean": 0.0}
    for result in results.values():
        assert len(result["levels"]) == 3 and result["mean"] == pytest.approx(np.mean(result["levels"]))
    _assert_ordering({name: result["mean"] for name, result in results.items()})
    swapped = metrics.sliced_wasserstein(variants["noise"], painting)
    np.testing.assert_allclose(swapped["levels"], results["noise"]["levels"], rtol=1e-6)


def test_swd_is_deterministic_given_the_seed(painting, variants):
    first = metrics.sliced_wasserstein(painting, variants["blur"], seed=3)
    assert metrics.sliced_wasserstein(painting, variants["blur"], seed=3) == first
    other = metrics.sliced_wasserstein(painting, variants["blur"], seed=4)
    assert other != first
    assert other["mean"] == pytest.approx(first["mean"], rel=0.2)  # another sampling, about the same distance


def test_swd_accepts_different_sizes(painting, variants):
    wide = images.resize(data.sample("great_wave"), 80)
    assert metrics.sliced_wasserstein(painting, wide, num_levels=2)["mean"] > 0.0
    resized = metrics.sliced_wasserstein(painting, images.resize(painting, 128))["mean"]
    assert resized < metrics.sliced_wasserstein(painting, variants["noise"])["mean"]


def test_swd_normalization_per_set_ignores_a_per_channel_contrast_change(painting):
    faded = painting * np.float32([0.5, 0.6, 0.4]) + np.float32([0.3, 0.2, 0.1])  # per-channel affine
    per_set = metrics.sliced_wasserstein(painting, faded, normalization="per_set")["mean"]
    pooled = metrics.sliced_wasserstein(painting, faded)["mean"]
    assert per_set < 0.5  # 0 up to float32 rounding (× 10³)
    assert pooled > 50.0


# --- MMD and KID -----------------------------------------------------------------------------------


def _kernel(a, b):
    return (a @ b / len(a) + 1.0) ** 3


def _mmd2_loops(x, y, paired):
    n, m = len(x), len(y)
    if paired:
        total = sum(_kernel(x[i], x[j]) + _kernel(y[i], y[j]) - _kernel(x[i], y[j]) - _kernel(x[j], y[i])
                    for i in range(n) for j in range(n) if i != j)
        return total / (n * (n - 1))
    xx = sum(_kernel(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(_kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(_kernel(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2.0 * xy


def test_polynomial_mmd2_matches_a_double_loop():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 4)), rng.normal(0.5, 1.0, size=(7, 4))
    assert metrics.polynomial_mmd2(x, y) == pytest.approx(_mmd2_loops(x, y, paired=False), rel=1e-12)
    assert metrics.polynomial_mmd2(x, y[:5], paired=True) == pytest.approx(_mmd2_loops(x, y[:5], True), rel=1e-12)
    assert metrics.polynomial_mmd2(x, y) == pytest.approx(metrics.polynomial_mmd2(y, x), rel=1e-12)


def test_polynomial_mmd2_on_one_set_twice():
    x = np.random.default_rng(3).normal(size=(6, 3))
    assert metrics.polynomial_mmd2(x, x, paired=True) == pytest.approx(0.0, abs=1e-12)
    assert metrics.polynomial_mmd2(x, x) < 0.0  # the unpaired estimator assumes independent sets


@pytest.fixture(scope="module")
def crop_sets(painting, variants):
    """Two disjoint sets of painting crops, and crops of noise: lists of 32×32 images."""
    positions = np.random.default_rng(5).integers(0, SIDE - 32, size=(14, 2))
    crops = [painting[top:top + 32, left:left + 32] for top, left in positions]
    noise = [variants["noise"][top:top + 32, left:left + 32] for top, left in positions[:6]]
    return crops[:7], crops[7:], noise


def test_kid_same_distribution_is_near_zero_and_below_noise(crop_sets):
    first, second, noise = crop_sets
    same = metrics.kid(first, second)
    far = metrics.kid(first, noise)
    assert abs(same) < 0.5 * far, (same, far)
    assert far > 1.0


def test_kid_is_symmetric_and_deterministic_with_subsets(crop_sets):
    first, _, noise = crop_sets
    value = metrics.kid(first, noise, num_subsets=4, subset_size=4, seed=1)
    assert metrics.kid(noise, first, num_subsets=4, subset_size=4, seed=1) == pytest.approx(value, rel=1e-9)
    assert metrics.kid(first, noise, num_subsets=4, subset_size=4, seed=1) == value
    assert metrics.kid(np.stack(first), noise, num_subsets=4, subset_size=4, seed=1) == pytest.approx(value)


def test_kid_standard_error_is_that_of_the_subsets_mean(crop_sets, monkeypatch):
    first, _, noise = crop_sets
    value, error = metrics.kid(first, noise, num_subsets=5, subset_size=4, seed=1, standard_error=True)
    assert value == metrics.kid(first, noise, num_subsets=5, subset_size=4, seed=1)
    seen = []  # every subset's MMD², as the estimator computes them
    original = metrics.polynomial_mmd2
    monkeypatch.setattr(metrics, "polynomial_mmd2", lambda *a, **k: seen.append(original(*a, **k)) or seen[-1])
    metrics.kid(first, noise, num_subsets=5, subset_size=4, seed=1)
    assert len(seen) == 5 and value == pytest.approx(np.mean(seen))
    assert error == pytest.approx(np.std(seen, ddof=1) / np.sqrt(5)) and error > 0
    whole = metrics.kid(first[:6], noise, subset_size=6, standard_error=True)  # one subset: the whole sets
    assert whole[1] == 0.0


def test_kid_paired_on_one_set_is_zero(crop_sets):
    first, _, _ = crop_sets
    assert metrics.kid(first, first, paired=True) == pytest.approx(0.0, abs=1e-9)
    assert metrics.kid(first, first) < 0.0


def test_kid_from_crops_ordering_and_symmetry(painting, variants):
    scores = {name: metrics.kid_from_crops(painting, other, crop_size=32, num_crops=12)
              for name, other in variants.items()}
    assert scores["same"] == pytest.approx(0.0, abs=1e-9)
    _assert_ordering({**scores, "same": 0.0})
    swapped = metrics.kid_from_crops(variants["noise"], painting, crop_size=32, num_crops=12)
    assert swapped == pytest.approx(scores["noise"], rel=1e-9)
    assert metrics.kid_from_crops(painting, variants["noise"], crop_size=32, num_crops=12) == scores["noise"]


# --- content preservation --------------------------------------------------------------------------


def test_content_preservation_ordering(painting, variants):
    scores = {name: metrics.content_preservation(other, painting) for name, other in variants.items()}
    assert scores["same"] == pytest.approx(1.0, abs=1e-6)
    assert scores["noise"] < 0.1
    assert scores["noise"] + 0.3 < scores["blur"] < scores["same"]
    assert scores["noise"] + 0.3 < scores["jpeg"] < scores["same"]


def test_content_preservation_resizes_the_image(painting):
    assert metrics.content_preservation(images.resize(painting, 160), painting) > 0.9


# --- errors ----------------------------------------------------------------------------------------


def test_bad_images_are_named(painting):
    with pytest.raises(ValueError, match=r"style: float values span .* Divide by 255"):
        metrics.style_distance(painting, painting * 255.0)
    with pytest.raises(ValueError, match=r"image_b: expected one RGB image of shape \(H, W, 3\)"):
        metrics.sliced_wasserstein(painting, painting[..., 0])
    with pytest.raises(ValueError, match="content: 8×8 px is too small for SSIM"):
        metrics.content_preservation(painting, painting[:8, :8])


def test_bad_swd_arguments(painting):
    with pytest.raises(ValueError, match="patch_size=6 must be odd"):
        metrics.sliced_wasserstein(painting, painting, patch_size=6)
    with pytest.raises(ValueError, match="image_a: a shorter side of 96 px .* num_levels=5"):
        metrics.sliced_wasserstein(painting, painting, num_levels=5)
    with pytest.raises(ValueError, match="normalization='global'"):
        metrics.sliced_wasserstein(painting, painting, normalization="global")
    with pytest.raises(ValueError, match="num_projections=0 must be an integer"):
        metrics.sliced_wasserstein(painting, painting, num_projections=0)
    with pytest.raises(ValueError, match="num_levels=7 is too many"):
        metrics.laplacian_pyramid(np.zeros((64, 64)), num_levels=7)


def test_bad_kid_arguments(painting, crop_sets):
    first, second, _ = crop_sets
    with pytest.raises(ValueError, match=r"images_b: has 1 image\(s\).*kid_from_crops"):
        metrics.kid(first, second[:1])
    with pytest.raises(ValueError, match=r"images_a: expected a batch \(B, H, W, 3\)"):
        metrics.kid(painting, first)
    with pytest.raises(ValueError, match=r"paired=True needs as many images in images_a \(7\) as in images_b \(6\)"):
        metrics.kid(first, second[:6], paired=True)
    with pytest.raises(ValueError, match="subset_size=1 must be an integer of at least 2"):
        metrics.kid(first, second, subset_size=1)
    with pytest.raises(ValueError, match="crop_size=128 is larger than image_a's shorter side"):
        metrics.kid_from_crops(painting, painting, crop_size=128)
    with pytest.raises(ValueError, match="paired=True needs sets of equal size"):
        metrics.polynomial_mmd2(np.zeros((3, 2)), np.zeros((4, 2)), paired=True)


def test_extractor_without_the_layers_is_refused(painting):
    with pytest.raises(ValueError, match=r"no activations for layer\(s\) \['block2_conv1'\]"):
        metrics.style_distance(painting, painting, extractor=FeatureExtractor(["block1_conv1"]),
                               layers=["block1_conv1", "block2_conv1"])


def test_border_band_measures_a_light_or_dark_frame():
    rng = np.random.default_rng(0)
    image = np.full((64, 80, 3), 0.5, np.float32) + 0.01 * rng.standard_normal((64, 80, 3)).astype(np.float32)
    assert abs(artefacts.border_band(image)) < 0.01
    framed = image.copy()
    framed[:8], framed[-8:], framed[:, :8], framed[:, -8:] = 0.9, 0.9, 0.9, 0.9
    assert artefacts.border_band(framed) == pytest.approx(0.4, abs=0.01)
    framed[:4] = 0.1  # only part of the ring: a weaker, darker band on one side
    assert artefacts.border_band(framed) < 0.4
    with pytest.raises(ValueError, match="no inner ring of width 8"):
        artefacts.border_band(image[:30])


def _residual_loop(image):
    """The luminance minus its separable 5-tap binomial blur (reflected at the borders), by an explicit sum."""
    gray = 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]
    taps = np.array([1, 4, 6, 4, 1], np.float64) / 16
    blurred = gray.astype(np.float64)
    for axis in (0, 1):
        padded = np.pad(blurred, [(2, 2) if a == axis else (0, 0) for a in (0, 1)], mode="reflect")
        blurred = sum(w * np.take(padded, range(k, k + gray.shape[axis]), axis=axis) for k, w in enumerate(taps))
    return gray - blurred


def _streak_loop(image, tile):
    """streak_energy by loops over tiles, rows and columns (an independent reference)."""
    residual = _residual_loop(image)
    scores = []
    for top in range(0, residual.shape[0] - tile + 1, tile):
        for left in range(0, residual.shape[1] - tile + 1, tile):
            block = residual[top:top + tile, left:left + tile]
            columns = [np.mean(block[:, x]) for x in range(tile)]
            rows = [np.mean(block[y, :]) for y in range(tile)]
            if block.var() > 1e-12:
                scores.append(tile * (np.var(columns) + np.var(rows)) / (2 * block.var()))
    return float(np.mean(scores)) if scores else 0.0


def test_flat_region_detail_against_a_loop():
    """The flat squares are the photo's; rms and e are the output's, on those squares alone, by loops."""
    rng = np.random.default_rng(1)
    photo = np.full((48, 64, 3), 0.5)
    photo[:, 32:] = rng.uniform(0, 1, (48, 32, 3))  # left half flat, right half detailed
    output = np.repeat(rng.uniform(0.4, 0.6, (48, 1, 1)), 64, axis=1).repeat(3, axis=2)  # horizontal lines ...
    output[:, 32:] = rng.uniform(0, 1, (48, 32, 3))  # ... where the photo is flat, strong noise where it is not
    detail = artefacts.flat_region_detail(photo, output)
    residual = _residual_loop(output)
    flat_squares = [residual[top:top + 16, left:left + 16] for top in (0, 16, 32) for left in (0, 16)]
    assert detail["flat_share"] == pytest.approx(6 / 12)
    assert detail["rms"] == pytest.approx(np.sqrt(np.mean(np.square(flat_squares))), rel=1e-5)
    scores = [16 * (np.var([np.mean(b[:, x]) for x in range(16)]) + np.var([np.mean(b[y]) for y in range(16)]))
              / (2 * b.var()) for b in flat_squares]
    assert detail["streaks"] == pytest.approx(np.mean(scores), rel=1e-5)
    assert detail["streaks"] > 6 > artefacts.streak_energy(output, tile=16)  # lines there, not in the whole image
    undirected = output.copy()
    undirected[:, :32] = rng.uniform(0.45, 0.55, (48, 32, 3))
    assert 0.5 < artefacts.flat_region_detail(photo, undirected)["streaks"] < 2  # about 1
    assert np.isnan(artefacts.flat_region_detail(rng.uniform(0, 1, photo.shape), output)["rms"])  # nothing flat
    with pytest.raises(ValueError, match="differ in size"):
        artefacts.flat_region_detail(photo, output[:32])


def test_streak_energy_against_a_loop_and_its_two_anchors():
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 1, (70, 100, 3))  # two rows and three columns of 32-px tiles, remainders ignored
    assert artefacts.streak_energy(noise) == pytest.approx(_streak_loop(noise, 32), rel=1e-6)  # float32 luminance
    assert 0.5 < artefacts.streak_energy(noise) < 2  # detail without direction: about 1
    stripes = np.repeat(rng.uniform(0, 1, (1, 96, 1)), 64, axis=0).repeat(3, axis=2)  # the same row everywhere
    assert artefacts.streak_energy(stripes, tile=16) == pytest.approx(8.0)  # pure vertical lines: tile / 2
    assert artefacts.streak_energy(stripes.swapaxes(0, 1), tile=16) == pytest.approx(8.0)  # and horizontal ones
    assert artefacts.streak_energy(np.full((40, 40, 3), 0.3)) == 0.0  # every tile flat
    with pytest.raises(ValueError, match="no 32×32 tile"):
        artefacts.streak_energy(noise[:20])
