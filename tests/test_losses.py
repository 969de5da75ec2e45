import numpy as np

from ganstyle_edu import gram, losses


def test_content_loss_is_mean_squared_difference_summed_over_layers():
    rng = np.random.default_rng(0)
    a, b = rng.random((1, 4, 4, 3)).astype(np.float32), rng.random((1, 2, 2, 5)).astype(np.float32)
    got = float(losses.content_loss({"x": a, "y": b}, {"x": a * 0, "y": b + 1}))
    np.testing.assert_allclose(got, np.mean(a ** 2) + 1.0, rtol=1e-5)


def test_style_loss_weights_layers_and_vanishes_at_the_target():
    rng = np.random.default_rng(1)
    f1, f2 = rng.random((1, 6, 6, 4)).astype(np.float32), rng.random((1, 3, 3, 8)).astype(np.float32)
    targets = {"l1": gram.gram_matrix(f1), "l2": gram.gram_matrix(f2)}
    assert float(losses.style_loss({"l1": f1, "l2": f2}, targets)) < 1e-10
    shifted = {"l1": f1 + 1.0, "l2": f2}
    one = float(losses.style_loss(shifted, targets))
    expected = np.mean((gram.gram_matrix(f1 + 1.0).numpy() - targets["l1"].numpy()) ** 2)
    np.testing.assert_allclose(one, expected, rtol=1e-5)
    np.testing.assert_allclose(float(losses.style_loss(shifted, targets, {"l1": 3.0})), 3 * one, rtol=1e-5)


def test_total_variation_counts_neighbour_differences():
    image = np.zeros((1, 4, 5, 3), np.float32)
    assert float(losses.total_variation_loss(image)) == 0.0
    image[0, :, 2:, 0] = 1.0  # one vertical edge, 4 rows long, in one channel
    np.testing.assert_allclose(float(losses.total_variation_loss(image)), 4.0)
