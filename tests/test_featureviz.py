"""Feature visualisation (notebook 08): the optimised image drives its channel far above a random image's."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def featureviz(tf):
    from ganstyle_edu import featureviz

    return featureviz


def test_activation_maximisation_raises_the_channel(featureviz):
    import keras

    from ganstyle_edu import models

    keras.utils.set_random_seed(0)
    critic = models.build_dcgan_discriminator(image_size=32, width=4)
    objective = featureviz.channel_objective(critic, "conv2_act", 3, value_range="signed")
    image, history = featureviz.maximize_activation(objective, size=32, num_steps=40, learning_rate=0.1)
    assert image.shape == (32, 32, 3) and 0.0 <= image.min() and image.max() <= 1.0
    random = np.random.default_rng(1).random((1, 32, 32, 3)).astype("float32")
    assert float(objective(image[None])) > 2.0 * max(float(objective(random)), 1e-3)
    assert history[-1] > history[0]


def test_the_feature_network_channel_objective(featureviz):
    from ganstyle_edu import features

    extractor = features.FeatureExtractor(["block1_conv2"])
    objective = featureviz.extractor_objective(extractor, "block1_conv2", 7)
    image, history = featureviz.maximize_activation(objective, size=16, num_steps=10, jitter=1)
    assert history[-1] > history[0]
    with pytest.raises(ValueError, match="channel 64 out of range"):
        featureviz.extractor_objective(extractor, "block1_conv2", 64)
    with pytest.raises(ValueError, match="not 'block2_conv1'"):
        featureviz.extractor_objective(extractor, "block2_conv1", 0)
