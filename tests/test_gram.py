"""Gram matrices, mean/std and MMD against plain NumPy loops; the Gram = MMD² identity."""
import numpy as np
import pytest

from ganstyle_edu import gram


def _numpy_gram(feature_map):
    """One image (H, W, C): G_cd = (1/HW) Σ_ij F_ijc F_ijd, with explicit loops."""
    height, width, channels = feature_map.shape
    out = np.zeros((channels, channels))
    for i in range(height):
        for j in range(width):
            for c in range(channels):
                for d in range(channels):
                    out[c, d] += feature_map[i, j, c] * feature_map[i, j, d]
    return out / (height * width)


def _numpy_mmd2(x, y, kernel):
    """Biased MMD² with explicit double loops."""
    def mean_k(a, b):
        return np.mean([[kernel(u, v) for v in b] for u in a])
    return mean_k(x, x) + mean_k(y, y) - 2 * mean_k(x, y)


@pytest.fixture
def maps():
    rng = np.random.default_rng(0)
    return rng.random((3, 5, 4, 6)).astype(np.float32), rng.random((2, 3, 7, 6)).astype(np.float32)


def test_gram_matches_numpy_loop_per_image_of_a_batch(maps):
    batch, _ = maps
    grams = gram.gram_matrix(batch).numpy()
    assert grams.shape == (3, 6, 6)
    for b in range(3):  # each image its own Gram: the batch > 1 bug this guards against
        np.testing.assert_allclose(grams[b], _numpy_gram(batch[b]), rtol=1e-5)
    np.testing.assert_allclose(grams, np.transpose(grams, (0, 2, 1)), rtol=1e-6)  # symmetric


def test_gram_is_size_normalised():
    rng = np.random.default_rng(1)
    tile = rng.random((1, 4, 4, 5)).astype(np.float32)
    tiled = np.tile(tile, (1, 3, 2, 1))  # the same statistics over a 12×8 map
    np.testing.assert_allclose(gram.gram_matrix(tiled), gram.gram_matrix(tile), rtol=1e-5)


def test_gram_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"\(B, H, W, C\)"):
        gram.gram_matrix(np.zeros((4, 4, 3)))


def test_mean_std_matches_numpy(maps):
    batch, _ = maps
    mean, std = gram.mean_std(batch, epsilon=0.0)
    np.testing.assert_allclose(mean, batch.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(std, batch.std(axis=(1, 2)), rtol=1e-4)


@pytest.mark.parametrize("name, kernel", [
    ("linear", lambda u, v: u @ v),
    ("poly2", lambda u, v: (u @ v) ** 2),
    ("gaussian", lambda u, v: np.exp(-np.sum((u - v) ** 2) / (2 * 0.7 ** 2))),
])
def test_mmd2_matches_numpy_double_loop(name, kernel):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(9, 4)).astype(np.float32), rng.normal(size=(7, 4)).astype(np.float32) + 0.3
    expected = _numpy_mmd2(x.astype(np.float64), y.astype(np.float64), kernel)
    np.testing.assert_allclose(float(gram.mmd2(x, y, name, sigma=0.7)), expected, rtol=1e-4, atol=1e-6)


def test_gram_mse_matches_a_numpy_loop(maps):
    """The per-layer style distance D = mean over (c, d) of (A_cd − B_cd)², one float over a batch of Gram matrices."""
    first, second = gram.gram_matrix(maps[0][:2]).numpy(), gram.gram_matrix(maps[1]).numpy()  # (2, 6, 6) each
    total, count = 0.0, 0
    for b in range(first.shape[0]):
        for c in range(first.shape[1]):
            for d in range(first.shape[2]):
                total += (float(first[b, c, d]) - float(second[b, c, d])) ** 2
                count += 1
    assert total > 0
    np.testing.assert_allclose(gram.gram_mse(first, second), total / count, rtol=1e-5)
    assert gram.gram_mse(first, first) == 0.0


def test_gram_distance_equals_mmd2_with_squared_dot_kernel(maps):
    """Li et al. 2017: ‖G(x) − G(y)‖²_F = biased MMD² with k(a, b) = (aᵀb)², with G = FᵀF / N."""
    a, b = maps[0][:1], maps[1][:1]  # different spatial sizes: 5×4 and 3×7 positions
    lhs = float(gram.gram_distance(a, b)[0])
    rhs = float(gram.mmd2(a, b, "poly2"))
    assert lhs > 0
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4)


def test_linear_mmd_is_squared_mean_difference(maps):
    a, b = maps[0][:1], maps[1][:1]
    expected = np.sum((a.mean(axis=(0, 1, 2)) - b.mean(axis=(0, 1, 2))) ** 2)
    np.testing.assert_allclose(float(gram.mmd2(a, b, "linear")), expected, rtol=1e-4)


def test_mmd2_of_a_set_with_itself_is_zero_and_gaussian_default_bandwidth(maps):
    a = maps[0][:1]
    assert abs(float(gram.mmd2(a, a, "gaussian"))) < 1e-6
    assert float(gram.mmd2(a, maps[1][:1] + 1.0, "gaussian")) > 0.01


def test_unknown_kernel():
    with pytest.raises(ValueError, match="kernel='cubic'"):
        gram.mmd2(np.zeros((2, 3)), np.zeros((2, 3)), "cubic")
