import numpy as np
import pytest

from ganstyle_edu import latent
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


def test_pca_components_are_orthonormal_and_ordered():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((200, 6)) @ np.diag([5.0, 3.0, 1.0, 0.5, 0.2, 0.1])
    components, explained, mean = latent.pca(data, 4)
    np.testing.assert_allclose(components @ components.T, np.eye(4), atol=1e-10)
    assert np.all(np.diff(explained) <= 0) and 0 < explained.sum() <= 1
    assert np.argmax(np.abs(components[0])) == 0  # the widest axis first
    np.testing.assert_allclose(mean, data.mean(0))


def test_ganspace_recovers_the_latent_axis_that_moves_the_features():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((500, 10))
    mixing = rng.standard_normal((10, 30)) * 0.05
    mixing[3] *= 40.0  # z_3 dominates the "activations"
    found = latent.ganspace_directions(z, np.tanh(z @ mixing), num_components=3)
    np.testing.assert_allclose(found["components"] @ found["components"].T, np.eye(3), atol=1e-8)
    np.testing.assert_allclose(np.linalg.norm(found["directions"], axis=1), 1.0, rtol=1e-10)
    assert abs(found["directions"][0, 3]) > 0.9


def test_probe_direction_finds_a_planted_linear_attribute():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((400, 8))
    truth = np.zeros(8)
    truth[[1, 5]] = [3.0, -4.0]
    probe = latent.probe_direction(z, z @ truth + 0.1 * rng.standard_normal(400))
    np.testing.assert_allclose(probe["direction"], truth / 5.0, atol=0.01)
    assert probe["r2_test"] > 0.99 and abs(probe["slope"] - 5.0) < 0.05
    noise = latent.probe_direction(z, rng.standard_normal(400))
    assert noise["r2_test"] < 0.1  # nothing to find: held-out R² near (or below) zero
    with pytest.raises(ValueError, match="too few"):
        latent.probe_direction(z[:10], z[:10, 0])


def test_edit_walks_along_the_direction():
    z, direction = np.zeros(4), np.array([1.0, 0, 0, 0])
    path = latent.edit(z, direction, [-2, 0, 3])
    np.testing.assert_array_equal(path[:, 0], [-2, 0, 3])
    np.testing.assert_array_equal(path[1], z)


def test_image_attributes_on_hand_made_images():
    gray = np.full((2, 8, 8, 3), 0.5, np.float32)
    gray[1] = 1.0
    np.testing.assert_allclose(latent.brightness(gray), [0.5, 1.0], rtol=1e-6)
    np.testing.assert_allclose(latent.colourfulness(gray), 0.0, atol=1e-9)  # no colour at all
    red = np.zeros((1, 8, 8, 3))
    red[..., 0] = 1.0
    np.testing.assert_allclose(latent.colourfulness(red), 0.3 * np.hypot(255.0, 127.5))
    step = np.zeros((1, 8, 8, 3), np.float32)
    step[:, :, 4:] = 1.0  # a vertical edge: columns 3 and 4 see a gradient of 0.5
    np.testing.assert_allclose(latent.edge_density(step), 2 / 8)
    with pytest.raises(ValueError, match="batch"):
        latent.edge_density(step[0])  # one image: evaluation.edge_density, or step[0][None]
