import numpy as np
import pytest

from ganstyle_edu.latent import interpolate


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return rng.standard_normal(100).astype(np.float32), rng.standard_normal(100).astype(np.float32)


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_end_points_are_the_inputs(pair, method):
    z0, z1 = pair
    path = interpolate(z0, z1, 7, method)
    assert path.shape == (7, 100) and path.dtype == np.float32
    assert np.array_equal(path[0], z0) and np.array_equal(path[-1], z1)


def test_linear_is_evenly_spaced(pair):
    z0, z1 = pair
    path = interpolate(z0, z1, 5)
    np.testing.assert_allclose(path[2], 0.5 * (z0 + z1), rtol=1e-6, atol=1e-6)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-5)


def test_slerp_keeps_the_norm_where_linear_shrinks_it(pair):
    z0, z1 = pair
    z1 = z1 * (np.linalg.norm(z0) / np.linalg.norm(z1))  # equal norms
    norms = np.linalg.norm(interpolate(z0, z1, 9, "slerp"), axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(z0), rtol=1e-5)
    midpoint = interpolate(z0, z1, 3, "linear")[1]
    assert np.linalg.norm(midpoint) < 0.85 * np.linalg.norm(z0)  # ≈ 1/√2 for independent vectors
    # slerp's steps are equal angles: the angle between neighbours is Ω / (num − 1)
    path = interpolate(z0, z1, 5, "slerp").astype(np.float64)
    unit = path / np.linalg.norm(path, axis=1, keepdims=True)
    angles = np.arccos(np.clip(np.sum(unit[1:] * unit[:-1], axis=1), -1, 1))
    omega = np.arccos(unit[0] @ unit[-1])
    np.testing.assert_allclose(angles, omega / 4, rtol=1e-4)


@pytest.mark.parametrize("factor", [2.0, -3.0, 0.0])
def test_slerp_falls_back_to_linear_for_parallel_vectors(pair, factor):
    z0 = pair[0]
    z1 = factor * z0
    slerp = interpolate(z0, z1, 6, "slerp")
    assert np.all(np.isfinite(slerp))
    np.testing.assert_allclose(slerp, interpolate(z0, z1, 6, "linear"), rtol=1e-6, atol=1e-6)


def test_works_on_any_shape_and_keeps_float64():
    z0 = np.zeros((2, 3))
    z1 = np.ones((2, 3))
    path = interpolate(z0, z1, 4, "slerp")
    assert path.shape == (4, 2, 3) and path.dtype == np.float64


def test_bad_arguments_are_refused(pair):
    with pytest.raises(ValueError, match="linear, slerp"):
        interpolate(*pair, 5, method="cubic")
    for num in (1, 0, 2.5):
        with pytest.raises(ValueError, match="num"):
            interpolate(*pair, num)
    with pytest.raises(ValueError, match="same shape"):
        interpolate(np.zeros(3), np.zeros(4), 3)
