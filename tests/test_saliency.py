"""Saliency (notebook 08): checked against identities and hand-computable cases."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def saliency(tf):
    from ganstyle_edu import saliency

    return saliency


@pytest.fixture(scope="module")
def discriminator(tf):
    import keras

    from ganstyle_edu import models

    keras.utils.set_random_seed(0)
    return models.build_dcgan_discriminator(image_size=32, width=4)


def test_input_gradient_of_a_linear_score_is_its_weights(saliency, tf):
    weights = np.random.default_rng(0).standard_normal((8, 8, 3)).astype("float32")
    score = lambda x: tf.reduce_sum(x * weights, axis=[1, 2, 3])  # noqa: E731
    images = np.random.default_rng(1).random((2, 8, 8, 3)).astype("float32")
    grads = saliency.input_gradients(score, images)
    np.testing.assert_allclose(grads, np.stack([weights, weights]), rtol=1e-6)
    np.testing.assert_allclose(saliency.smoothgrad(score, images, num_samples=3), grads, rtol=1e-5)


def test_integrated_gradients_are_complete_and_zero_on_a_flat_image(saliency, discriminator):
    score = saliency.logit_score(discriminator)
    images = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    attributions = saliency.integrated_gradients(score, images, num_steps=64)
    baseline = saliency.mean_color_baseline(images)
    gap = np.asarray(score(images)) - np.asarray(score(baseline))
    np.testing.assert_allclose(attributions.sum(axis=(1, 2, 3)), gap, atol=0.02 * np.abs(gap).max() + 1e-4)
    flat = np.full((1, 32, 32, 3), 0.3, np.float32)  # a constant image is its own baseline
    gradient_size = np.abs(saliency.input_gradients(score, flat)).max()
    assert gradient_size > 1e-4  # D is not flat there; the attribution is still ~0 (x − x′ ≈ 0, float32 only)
    assert np.abs(saliency.integrated_gradients(score, flat)).max() < 1e-6 * gradient_size
    assert saliency.saliency_map(saliency.integrated_gradients(score, flat)).shape == (1, 32, 32)


def test_grad_cam_is_nonnegative_at_the_layers_resolution(saliency, discriminator):
    images = np.random.default_rng(3).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    maps = saliency.grad_cam(discriminator, images, "conv3_act")
    assert maps.shape == (2, 4, 4) and maps.min() >= 0.0
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        saliency.grad_cam(discriminator, images, "conv9")


def test_grad_cam_by_hand_on_a_one_layer_model(saliency, tf):
    import keras

    image = keras.Input((4, 4, 1))
    features = keras.layers.Conv2D(2, 1, use_bias=False, name="features")(image)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(image, keras.layers.Dense(1, use_bias=False, name="score")(pooled))
    model.get_layer("features").set_weights([np.array([[[[1.0, -1.0]]]], np.float32)])
    model.get_layer("score").set_weights([np.array([[2.0], [0.5]], np.float32)])
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    # A = (x, −x); score = mean(2·A_0 + 0.5·A_1) → α = (2/16, 0.5/16); map = relu(α_0 x − α_1 x) = 1.5 x / 16
    np.testing.assert_allclose(saliency.grad_cam(model, x, "features")[0], 1.5 * x[0, :, :, 0] / 16, rtol=1e-6)


def test_occlusion_of_the_salient_pixels_is_compared_with_random_ones(saliency, tf):
    weights = np.zeros((1, 8, 8, 3), np.float32)
    weights[:, :2] = 1.0  # only the top two rows count
    score = lambda x: tf.reduce_sum(x * weights, axis=[1, 2, 3])  # noqa: E731
    images = np.random.default_rng(4).random((3, 8, 8, 3)).astype("float32")
    images[:, :2] += 1.0
    maps = saliency.saliency_map(saliency.input_gradients(score, images))
    result = saliency.occlusion_effect(score, images, maps, fraction=0.25)
    drop = result["original"] - result["salient"]
    assert np.all(drop > result["original"] - result["random"])  # the map points at what matters
    with pytest.raises(ValueError, match="fraction"):
        saliency.occlusion_effect(score, images, maps, fraction=1.5)


def test_style_attribution_sums_to_the_style_loss(saliency, tf):
    from ganstyle_edu import gram

    rng = np.random.default_rng(5)
    features = rng.random((2, 5, 6, 4)).astype("float32")
    target = np.asarray(gram.gram_matrix(rng.random((1, 7, 7, 4)).astype("float32")))
    shares = saliency.style_attribution(features, target)
    assert shares.shape == (2, 5, 6)
    loss = np.mean((np.asarray(gram.gram_matrix(features)) - target) ** 2, axis=(1, 2))  # mean((G − A)²) per image
    np.testing.assert_allclose(shares.sum(axis=(1, 2)), loss, rtol=1e-4)
    assert np.abs(saliency.style_attribution(features[:1], gram.gram_matrix(features[:1]))).max() < 1e-6


def test_realism_map_is_one_cell_per_8_pixels(saliency, tf):
    from ganstyle_edu import models

    critic = models.build_patch_discriminator(width=4)
    probabilities = saliency.realism_map(critic, np.full((64, 96, 3), 0.5, np.float32))
    assert probabilities.shape == (8, 12) and 0 < probabilities.min() <= probabilities.max() < 1


def test_sliding_realism_map_judges_each_window(saliency, discriminator):
    image = np.random.default_rng(6).random((48, 40, 3)).astype("float32")
    probabilities = saliency.sliding_realism_map(discriminator, image, stride=8, value_range="signed")
    assert probabilities.shape == (3, 2)  # windows of 32 px at 0, 8, 16 (rows) and 0, 8 (columns)
    window = image[16:48, 8:40] * 2.0 - 1.0
    logit = float(np.asarray(discriminator(window[None], training=False))[0, 0])
    assert probabilities[2, 1] == pytest.approx(1.0 / (1.0 + np.exp(-logit)), rel=1e-5)
    with pytest.raises(ValueError, match="smaller than the discriminator's 32×32 window"):
        saliency.sliding_realism_map(discriminator, image[:20])
    with pytest.raises(ValueError, match=r"sliding_realism_map: value_range=\(-1, 1\)"):
        saliency.sliding_realism_map(discriminator, image, value_range=(-1, 1))


def test_sliding_realism_map_of_a_patch_discriminator_judges_each_window_by_its_mean_logit(saliency, tf):
    from ganstyle_edu import models

    patch = models.build_patch_discriminator(width=4, num_layers=2, value_range="signed")
    image = np.random.default_rng(7).random((48, 40, 3)).astype("float32")
    with pytest.raises(ValueError, match="takes any input size; pass window="):
        saliency.sliding_realism_map(patch, image)
    probabilities = saliency.sliding_realism_map(patch, image, stride=8, window=32)
    assert probabilities.shape == (3, 2)
    logits = np.asarray(patch(image[16:48, 8:40][None] * 2.0 - 1.0, training=False))  # (1, 8, 8, 1): one per patch
    assert logits.shape == (1, 8, 8, 1)
    assert probabilities[2, 1] == pytest.approx(1.0 / (1.0 + np.exp(-logits.mean())), rel=1e-5)


def test_a_patch_discriminator_is_scored_by_its_mean_logit(saliency, tf):
    from ganstyle_edu import models

    critic = models.build_patch_discriminator(width=4)
    images = np.random.default_rng(7).random((2, 32, 32, 3)).astype("float32")
    expected = np.asarray(critic(images, training=False)).reshape(2, -1).mean(axis=1)
    np.testing.assert_allclose(np.asarray(saliency.logit_score(critic)(tf.constant(images))), expected, rtol=1e-5)
    assert saliency.grad_cam(critic, images, "conv3_act").shape[0] == 2
