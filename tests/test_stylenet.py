"""The feed-forward style network (issue in progress): shapes, one step lowers the loss, save → load."""
import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="module")
def stylenet(tf):
    from ganstyle_edu import stylenet

    return stylenet


def _style_generator_params(w, shuffle, in_kernel, out_kernel, num_residual=1):
    """c{k_in}s1-w, d2w, d4w, R4w × num_residual, u2w, uw, c{k_out}s1-3·s²: convolution weights (no bias but the last's)
    + 2 per instance-normalised channel."""
    folded = 3 * shuffle ** 2
    convs = in_kernel ** 2 * folded * w + 3 * 3 * w * 2 * w + 3 * 3 * 2 * w * 4 * w + num_residual * 2 * (3 * 3 * 4 * w * 4 * w) \
        + 3 * 3 * 4 * w * 2 * w + 3 * 3 * 2 * w * w + out_kernel ** 2 * w * folded + folded
    norms = 2 * (w + 2 * w + 4 * w + num_residual * 2 * 4 * w + 2 * w + w)
    return convs + norms


@pytest.mark.parametrize("shuffle, in_kernel, out_kernel", [(2, 5, 3), (1, 9, 9)])  # the default; Johnson's
def test_style_generator_shape_range_and_parameter_count(tf, shuffle, in_kernel, out_kernel):
    from ganstyle_edu import models

    generator = models.build_style_generator(width=4, num_residual=1, shuffle=shuffle, in_kernel=in_kernel,
                                             out_kernel=out_kernel)
    out = generator(np.random.default_rng(0).random((2, 40, 56, 3)).astype("float32")).numpy()
    assert out.shape == (2, 40, 56, 3)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert generator.count_params() == _style_generator_params(4, shuffle, in_kernel, out_kernel)


def test_the_default_style_generator_has_the_shipped_size(tf):
    from ganstyle_edu import models

    assert models.build_style_generator().count_params() == _style_generator_params(16, 2, 5, 3, num_residual=3) == 274_892


def test_pixel_fold_and_unfold_are_inverse_and_keep_every_pixel(tf):
    from ganstyle_edu import models

    x = tf.constant(np.random.default_rng(0).random((2, 8, 12, 3)), tf.float32)
    folded = models.SpaceToDepth(2)(x)
    assert folded.shape == (2, 4, 6, 12)
    # cell (i, j) holds the 2×2 block of pixels (2i..2i+1, 2j..2j+1), row by row, channels innermost
    np.testing.assert_array_equal(folded[0, 1, 2].numpy(), x[0, 2:4, 4:6].numpy().reshape(-1))
    np.testing.assert_array_equal(models.DepthToSpace(2)(folded).numpy(), x.numpy())


def test_stylize_with_keeps_the_photo_size(stylenet, tf):
    from ganstyle_edu import models

    generator = models.build_style_generator(width=4, num_residual=1)
    assert stylenet.size_multiple(generator) == 8
    assert stylenet.size_multiple(models.build_style_generator(width=4, num_residual=1, shuffle=1)) == 4
    photo = np.random.default_rng(0).random((37, 53, 3)).astype("float32")
    assert stylenet.stylize_with(generator, photo).shape == (37, 53, 3)
    with pytest.raises(ValueError, match="too small"):
        stylenet.stylize_with(generator, photo[:5, :5])


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
    with pytest.raises(ValueError, match="crop_size=36 must be a multiple of 8"):
        stylenet.StyleNetConfig(crop_size=36)
    stylenet.StyleNetConfig(crop_size=36, shuffle=1)  # Johnson's shape: multiples of 4
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


def test_colour_jitter_keeps_range_and_changes_colours(stylenet):
    photos = {"a": np.random.default_rng(0).random((40, 40, 3)).astype("float32")}
    plain = stylenet.CropSampler(photos, 40, min_scale=1.0, seed=0).batch(8)
    jittered = stylenet.CropSampler(photos, 40, min_scale=1.0, seed=0, color_jitter=0.3).batch(8)
    assert jittered.min() >= 0 and jittered.max() <= 1
    assert not np.allclose(plain, jittered)
    with pytest.raises(ValueError, match="color_jitter"):
        stylenet.StyleNetConfig(color_jitter=1.5)


@pytest.mark.parametrize("adversarial_weight", [0.0, 0.1])
def test_a_resumed_run_continues_exactly_where_it_stopped(stylenet, tmp_path, adversarial_weight):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=1, width=4, num_residual=1,
                                     discriminator_width=4, contents=("tubingen",), adversarial_weight=adversarial_weight)
    straight = stylenet.StyleNetTrainer(config)
    straight.train(2)
    straight.save_checkpoint(tmp_path)
    straight.train(4)
    resumed = stylenet.StyleNetTrainer(config)
    assert resumed.restore_checkpoint(tmp_path) == 2 and len(resumed.history["total"]) == 2
    resumed.train(4)
    assert resumed.step_count == 4
    if adversarial_weight == 0:  # the discriminator's real crops come from TensorFlow's global random state
        for a, b in zip(straight.generator.weights, resumed.generator.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(straight.history["total"], resumed.history["total"], rtol=1e-5)
    other = stylenet.StyleNetTrainer(dataclasses.replace(config, width=5))
    with pytest.raises(ValueError, match="resume with the configuration"):
        other.restore_checkpoint(tmp_path)


SHIPPED = ("starry_night", "great_wave", "the_scream")


def test_the_three_paintings_ship_with_a_generator(stylenet):
    assert set(SHIPPED) <= set(stylenet.shipped_styles())


@pytest.mark.parametrize("name", SHIPPED)
def test_pretrained_loads_each_shipped_style_with_its_provenance(stylenet, name):
    generator, record = stylenet.pretrained(name)
    weights = stylenet.WEIGHTS_DIR / f"{name}.weights.h5"
    assert weights.stat().st_size <= 5 * 2 ** 20  # ≤ 5 MB each
    config = stylenet.config_from_record(record)
    assert config.style == name and record["steps"] == config.num_steps > 0
    assert record["train_seconds"] <= 20 * 60  # trained within the 20-minute CPU budget
    assert record["data_sha256"] == stylenet.data_checksum(config)  # trained on the images that ship now
    assert set(record["final_losses"]) >= {"content", "style", "tv", "total"}
    assert len(record["history_every_10_steps"]["step"]) == -(-record["steps"] // 10)
    photo = np.random.default_rng(0).random((48, 64, 3)).astype("float32")
    out = stylenet.stylize_with(generator, photo)
    assert out.shape == photo.shape and 0 <= out.min() and out.max() <= 1
    assert np.abs(out - photo).mean() > 0.05  # it paints: not the identity


def test_the_package_level_pretrained_is_the_same_loader(stylenet):
    import ganstyle_edu

    generator, record = ganstyle_edu.pretrained("great_wave")
    assert record == stylenet.pretrained("great_wave")[1]
    with pytest.raises(ValueError, match="shipped: great_wave, starry_night, the_scream"):
        ganstyle_edu.pretrained("mona_lisa")


def test_shipped_generators_move_a_photo_towards_their_painting(stylenet):
    from ganstyle_edu import data, metrics
    from ganstyle_edu.images import resize

    photo = data.sample("chelsea", max_side=128)
    for name in SHIPPED:
        painting = resize(data.sample(name), 128)
        stylised = stylenet.stylize_with(stylenet.pretrained(name)[0], photo)
        assert metrics.style_distance(stylised, painting) < 0.5 * metrics.style_distance(photo, painting), name
