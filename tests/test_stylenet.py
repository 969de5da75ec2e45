"""The feed-forward style network (issue in progress): shapes, one step lowers the loss, save → load."""
import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="module")
def stylenet(tf):
    from ganstyle_edu import stylenet

    return stylenet


def test_style_generator_shape_and_range(tf):
    from ganstyle_edu import models

    generator = models.build_style_generator(width=4, num_residual=1)
    out = generator(np.random.default_rng(0).random((2, 36, 52, 3)).astype("float32")).numpy()
    assert out.shape == (2, 36, 52, 3)
    assert out.min() >= 0.0 and out.max() <= 1.0
    # c9s1-w, d2w, d4w, R4w, u2w, uw, c9s1-3: convolution weights (no bias) + 2 per instance norm + out bias
    w = 4
    convs = 9 * 9 * 3 * w + 3 * 3 * w * 2 * w + 3 * 3 * 2 * w * 4 * w + 2 * (3 * 3 * 4 * w * 4 * w) \
        + 3 * 3 * 4 * w * 2 * w + 3 * 3 * 2 * w * w + 9 * 9 * w * 3 + 3
    norms = 2 * (w + 2 * w + 4 * w + 2 * 4 * w + 2 * w + w)
    assert generator.count_params() == convs + norms


def test_patch_discriminator_gives_a_map_with_a_70_pixel_receptive_field(tf):
    from ganstyle_edu import models

    discriminator = models.build_patch_discriminator(width=4)
    assert discriminator(tf.zeros((1, 128, 128, 3))).shape == (1, 16, 16, 1)
    assert discriminator(tf.zeros((2, 96, 64, 3))).shape == (2, 12, 8, 1)
    # the convolutions' receptive field by r += (k - 1)·j, j *= s (instance normalisation aside, which
    # mixes in image-wide statistics, so a gradient test would see the whole image)
    field, jump = 1, 1
    for layer in discriminator.layers:
        if hasattr(layer, "kernel_size"):
            field, jump = field + (layer.kernel_size[0] - 1) * jump, jump * layer.strides[0]
    assert field == 70


def test_config_validation(stylenet):
    with pytest.raises(ValueError, match="crop_size=30"):
        stylenet.StyleNetConfig(crop_size=30)
    with pytest.raises(ValueError, match="adversarial_weight"):
        stylenet.StyleNetConfig(adversarial_weight=-1)


def test_crop_sampler_gives_crops_of_the_requested_size(stylenet):
    photos = {"a": np.random.default_rng(0).random((60, 90, 3)), "b": np.random.default_rng(1).random((40, 40, 3))}
    batch = stylenet.CropSampler(photos, 32, seed=0).batch(6)
    assert batch.shape == (6, 32, 32, 3) and batch.dtype == np.float32


@pytest.mark.parametrize("adversarial_weight", [0.0, 0.1])
def test_training_lowers_the_loss_on_a_fixed_batch(stylenet, tf, adversarial_weight):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=2, width=4, num_residual=1,
                                     learning_rate=1e-2, discriminator_width=4, contents=("tubingen",),
                                     adversarial_weight=adversarial_weight)
    trainer = stylenet.StyleNetTrainer(config)
    photos = tf.constant(trainer.sampler.batch(2))

    def perceptual_total():
        parts = trainer.perceptual_losses(photos, trainer.generator(photos))
        return float(parts["content"] + parts["style"] + parts["tv"])

    before = perceptual_total()
    for _ in range(5):
        out = trainer._train_step(photos)
    assert perceptual_total() < before
    assert ("adversarial" in out) == (adversarial_weight > 0)


def test_save_load_round_trip_gives_identical_outputs(stylenet, tmp_path):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=1, width=4, num_residual=1,
                                     num_steps=2, contents=("tubingen",))
    trainer = stylenet.StyleNetTrainer(config)
    trainer.train()
    path = trainer.save(tmp_path)
    generator, record = stylenet.load_generator(path)
    assert record["steps"] == 2 and record["config"]["width"] == 4 and len(record["data_sha256"]) == 64
    photo = np.random.default_rng(3).random((40, 44, 3)).astype("float32")
    np.testing.assert_array_equal(stylenet.stylize_with(generator, photo), trainer.stylize(photo))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["starry_night.json", "starry_night.weights.h5"]
    (tmp_path / "starry_night.json").unlink()
    with pytest.raises(FileNotFoundError, match="starry_night.json"):
        stylenet.load_generator(path)



def test_pretrained_unknown_name_lists_what_ships_and_how_to_train(stylenet):
    assert isinstance(stylenet.shipped_styles(), list)
    with pytest.raises(ValueError, match=r"no shipped style generator named 'mona_lisa' \(shipped: .*train-style"):
        stylenet.pretrained("mona_lisa")
