"""The feed-forward style network: shapes, conditional normalisation, training, save → load, style mixing, shipped weights."""
import dataclasses
import hashlib
import json

import numpy as np
import pytest

from ganstyle_edu import data, shipped


@pytest.fixture(scope="module")
def stylenet(tf):
    from ganstyle_edu import stylenet

    return stylenet


@pytest.fixture(scope="module")
def stylegen(tf):
    from ganstyle_edu import stylegen

    return stylegen


def _style_generator_params(w, shuffle, in_kernel, out_kernel, num_residual=1, num_styles=1, unfold=False, skips=False):
    """c{k_in}s1-w, d2w, d4w, R4w × num_residual, u2w, uw, c{k_out}s1-3: convolution weights (no bias but the
    last's) + 2 per normalised channel and style. The output convolution makes 3 channels at full size after
    a resize, or 3·s² at low resolution before unfolding. U-Net skips widen the up-sampling convolutions' inputs
    by the encoder's 2w and w channels."""
    folded = 3 * shuffle ** 2
    out_channels = folded if unfold else 3
    up1_in, up2_in = (6 * w, 3 * w) if skips else (4 * w, 2 * w)
    convs = in_kernel ** 2 * folded * w + 3 * 3 * w * 2 * w + 3 * 3 * 2 * w * 4 * w + num_residual * 2 * (3 * 3 * 4 * w * 4 * w) \
        + 3 * 3 * up1_in * 2 * w + 3 * 3 * up2_in * w + out_kernel ** 2 * w * out_channels + out_channels
    norms = 2 * num_styles * (w + 2 * w + 4 * w + num_residual * 2 * 4 * w + 2 * w + w)
    return convs + norms


def _one_step_params(w, num_residual, num_styles=1, skips=False):
    """num_down=1: c5s1-w on 2×2-folded pixels, d2w, R2w × num_residual, u w (+ the encoder's w with skips),
    c3s1-3 with bias; 2 per normalised channel and style."""
    convs = 5 * 5 * 12 * w + 3 * 3 * w * 2 * w + num_residual * 2 * (3 * 3 * 2 * w * 2 * w) \
        + 3 * 3 * (3 * w if skips else 2 * w) * w + 3 * 3 * w * 3 + 3
    return convs + 2 * num_styles * (w + 2 * w + num_residual * 2 * 2 * w + w)


@pytest.mark.parametrize("shuffle, in_kernel, out_kernel, padding, upsampling, skips",
                         [(2, 5, 3, "reflect", "resize", True), (2, 5, 3, "zero", "unfold", False),
                          (1, 9, 9, "reflect", "resize", False)])
def test_style_generator_shape_range_and_parameter_count(tf, shuffle, in_kernel, out_kernel, padding, upsampling, skips):
    from ganstyle_edu import stylemodel

    generator = stylemodel.build_style_generator(width=4, num_residual=1, shuffle=shuffle, in_kernel=in_kernel,
                                             out_kernel=out_kernel, padding=padding, output_upsampling=upsampling,
                                             skips=skips)
    out = generator(np.random.default_rng(0).random((2, 40, 56, 3)).astype("float32")).numpy()
    assert out.shape == (2, 40, 56, 3)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert generator.count_params() == _style_generator_params(4, shuffle, in_kernel, out_kernel,
                                                               unfold=upsampling == "unfold" and shuffle > 1, skips=skips)


@pytest.mark.parametrize("skips", [False, True])
def test_one_down_sampling_step_by_formula(tf, skips):
    """num_down=1: c5s1-w, d2w, R2w × r, u w, c3s1-3 on folded pixels; the residual blocks at 1/4 of the resolution."""
    from ganstyle_edu import stylemodel

    w, r = 4, 2
    generator = stylemodel.build_style_generator(width=w, num_residual=r, num_down=1, skips=skips)
    assert generator.count_params() == _one_step_params(w, r, skips=skips)
    layers = {layer.name: layer for layer in generator.layers}
    assert "down2_conv" not in layers and "up2_conv" not in layers
    out = generator(np.random.default_rng(0).random((1, 24, 40, 3)).astype("float32"))
    assert tuple(out.shape) == (1, 24, 40, 3)
    assert tuple(layers["res1_add"].output.shape) == (None, None, None, 2 * w)  # the body: 2w channels
    with pytest.raises(ValueError, match="num_down=3"):
        stylemodel.build_style_generator(num_down=3)


def test_the_shipped_recipe_and_the_baseline_have_their_sizes(tf, stylenet):
    from ganstyle_edu import styleconfig, stylemodel

    shipped_shape = styleconfig.shipped_recipe(tuple("abcdef"))  # one step down, the body at 2w channels, one skip
    assert stylenet.generator_from_config(shipped_shape).count_params() == _one_step_params(32, 5, 6, True) \
        == 434_403
    noisy = styleconfig.shipped_recipe(tuple("abcdef"), noise_sigma=0.1)  # the shipped network: + a noise input
    assert stylenet.generator_from_config(noisy).count_params() == 434_403 + 5 * 5 * 2 * 2 * 32 == 437_603
    assert stylenet.pretrained("udnie")[0].count_params() == 437_603  # bound to one style, it keeps all six (γ, β)
    baseline = stylenet.StyleNetConfig(styles=tuple("abcdef"))  # Johnson's two steps down, Magenta's loss
    assert stylenet.generator_from_config(baseline).count_params() == _style_generator_params(32, 2, 5, 3, 5, 6, skips=True) \
        == 1_734_627
    assert stylemodel.build_style_generator().count_params() == _style_generator_params(16, 2, 5, 3, 3) == 273_587


def test_conditional_instance_norm_against_a_numpy_loop(tf):
    from ganstyle_edu import stylemodel

    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, (2, 5, 7, 4)).astype("float32")
    mix = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]], "float32")
    layer = stylemodel.ConditionalInstanceNorm(num_styles=3)
    layer.build([x.shape, mix.shape])
    gamma, beta = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")
    layer.set_weights([gamma, beta])
    out = layer([tf.constant(x), tf.constant(mix)]).numpy()
    expected = np.empty_like(x)
    for b in range(2):
        for c in range(4):
            channel = x[b, :, :, c]
            normalised = (channel - channel.mean()) / np.sqrt(channel.var() + 1e-5)
            g = sum(mix[b, s] * gamma[s, c] for s in range(3))
            expected[b, :, :, c] = g * normalised + sum(mix[b, s] * beta[s, c] for s in range(3))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    single = stylemodel.ConditionalInstanceNorm()  # one style: plain instance normalisation, γ = 1, β = 0 at first
    plain = single(tf.constant(x)).numpy()
    np.testing.assert_allclose(plain.mean(axis=(1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(plain.std(axis=(1, 2)), 1, atol=1e-3)


def test_reflection_padding_mirrors_the_border(tf):
    from ganstyle_edu import stylemodel

    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    padded = stylemodel.ReflectionPadding(1)(tf.constant(x)).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(padded, np.pad(x[0, :, :, 0], 1, mode="reflect"))


@pytest.mark.parametrize("size", [(37, 53), (41, 41), (64, 33)])
def test_the_reflection_padded_generator_keeps_odd_sizes(stylenet, size, stylegen):
    from ganstyle_edu import stylemodel

    generator = stylemodel.build_style_generator(width=4, num_residual=1, padding="reflect")
    photo = np.random.default_rng(0).random((*size, 3)).astype("float32")
    assert stylegen.stylize_with(generator, photo).shape == (*size, 3)


def test_pixel_fold_and_unfold_are_inverse_and_keep_every_pixel(tf):
    from ganstyle_edu import stylemodel

    x = tf.constant(np.random.default_rng(0).random((2, 8, 12, 3)), tf.float32)
    folded = stylemodel.SpaceToDepth(2)(x)
    assert folded.shape == (2, 4, 6, 12)
    # cell (i, j) holds the 2×2 block of pixels (2i..2i+1, 2j..2j+1), row by row, channels innermost
    np.testing.assert_array_equal(folded[0, 1, 2].numpy(), x[0, 2:4, 4:6].numpy().reshape(-1))
    np.testing.assert_array_equal(stylemodel.DepthToSpace(2)(folded).numpy(), x.numpy())


def test_stylize_with_keeps_the_photo_size(stylenet, tf, stylegen):
    from ganstyle_edu import stylemodel

    generator = stylemodel.build_style_generator(width=4, num_residual=1, padding="zero")
    assert stylegen.size_multiple(generator) == 8
    assert stylegen.size_multiple(stylemodel.build_style_generator(width=4, num_residual=1, shuffle=1)) == 4
    photo = np.random.default_rng(0).random((37, 53, 3)).astype("float32")
    assert stylegen.stylize_with(generator, photo).shape == (37, 53, 3)
    with pytest.raises(ValueError, match="too small"):
        stylegen.stylize_with(generator, photo[:5, :5])


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
    with pytest.raises(ValueError, match="styles='starry_night' must be a non-empty tuple"):
        stylenet.StyleNetConfig(styles="starry_night")
    with pytest.raises(ValueError, match="names a painting twice"):
        stylenet.StyleNetConfig(styles=("udnie", "udnie"))
    with pytest.raises(ValueError, match="padding='mirror'"):
        stylenet.StyleNetConfig(padding="mirror")
    with pytest.raises(ValueError, match="interpolation='bicubic'"):
        stylenet.StyleNetConfig(interpolation="bicubic")
    with pytest.raises(ValueError, match="train_norms_only=True needs init_from"):
        stylenet.StyleNetConfig(train_norms_only=True)
    with pytest.raises(ValueError, match=r"content_scales=\(2.0,\); give one positive factor per style \(2\)"):
        stylenet.StyleNetConfig(styles=("udnie", "the_scream"), content_scales=(2.0,))
    with pytest.raises(ValueError, match="content_scales=.1.0, 0.0."):
        stylenet.StyleNetConfig(styles=("udnie", "the_scream"), content_scales=(1.0, 0.0))


def test_held_out_photos_cannot_be_trained_on(stylenet):
    with pytest.raises(ValueError, match=r"\['tubingen'\] are held-out photos"):
        stylenet.content_images(stylenet.StyleNetConfig(contents=("chelsea", "tubingen")))
    with pytest.raises(ValueError, match=r"\['meadow'\] are held-out photos"):
        stylenet.content_images(stylenet.StyleNetConfig(contents=("meadow",)))
    default = stylenet.content_images(stylenet.StyleNetConfig(crop_size=32))
    from ganstyle_edu import data

    assert sorted(default) == data.names("content") and not set(default) & set(data.names("heldout"))


def test_crop_sampler_gives_crops_of_the_requested_size(stylenet):
    photos = {"a": np.random.default_rng(0).random((60, 90, 3)), "b": np.random.default_rng(1).random((40, 40, 3))}
    batch = stylenet.CropSampler(photos, 32, seed=0).batch(6)
    assert batch.shape == (6, 32, 32, 3) and batch.dtype == np.float32


@pytest.mark.parametrize("adversarial_weight", [0.0, 0.1])
def test_training_lowers_the_loss_on_a_fixed_batch(stylenet, tf, adversarial_weight):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=2, width=4, num_residual=1,
                                     learning_rate=1e-2, discriminator_width=4, contents=("chelsea",), identity_steps=0,
                                     adversarial_weight=adversarial_weight)
    trainer = stylenet.StyleNetTrainer(config)
    photos = tf.constant(trainer.sampler.batch(2))
    style_ids = tf.zeros(2, tf.int32)

    def perceptual_total():
        parts = trainer.perceptual_losses(photos, trainer.generator(photos))
        return float(parts["content"] + parts["style"] + parts["tv"])

    before = perceptual_total()
    real = tf.constant(trainer.real_patches(2)) if adversarial_weight else None
    for _ in range(5):
        out = trainer._train_step(photos, style_ids, real)
    assert perceptual_total() < before
    assert ("adversarial" in out) == (adversarial_weight > 0)


def test_save_load_round_trip_gives_identical_outputs(stylenet, tmp_path, stylegen):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=1, width=4, num_residual=1,
                                     num_steps=2, contents=("chelsea",), identity_steps=0)
    trainer = stylenet.StyleNetTrainer(config)
    trainer.train()
    path = trainer.save(tmp_path)
    generator, record = stylenet.load_generator(path)
    assert record["steps"] == 2 and record["config"]["width"] == 4 and len(record["data_sha256"]) == 64
    photo = np.random.default_rng(3).random((40, 44, 3)).astype("float32")
    np.testing.assert_array_equal(stylegen.stylize_with(generator, photo), trainer.stylize(photo))
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
                                     discriminator_width=4, contents=("chelsea",), adversarial_weight=adversarial_weight,
                                     identity_steps=1)
    straight = stylenet.StyleNetTrainer(config)
    straight.train(2)
    straight.save_checkpoint(tmp_path)
    straight.train(4)
    resumed = stylenet.StyleNetTrainer(config)
    assert resumed.restore_checkpoint(tmp_path) == 2 and len(resumed.history["total"]) == 2
    resumed.train(4)
    assert resumed.step_count == 4
    for a, b in zip(straight.generator.weights, resumed.generator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(straight.history["total"], resumed.history["total"], rtol=1e-5)
    if adversarial_weight > 0:  # the painting's crops, drawn from the checkpointed patch_rng, are the same too
        for a, b in zip(straight.discriminator.weights, resumed.discriminator.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    other = stylenet.StyleNetTrainer(dataclasses.replace(config, width=5))
    with pytest.raises(ValueError, match="resume with the configuration"):
        other.restore_checkpoint(tmp_path)


def test_a_resume_with_another_configuration_is_refused_and_a_longer_one_is_recorded(stylenet, tmp_path):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=1, width=4, num_residual=1,
                                     contents=("chelsea",), identity_steps=1, style_warmup_steps=1, num_steps=2)
    first = stylenet.StyleNetTrainer(config)
    first.train(2)
    first.save_checkpoint(tmp_path)
    changed = stylenet.StyleNetTrainer(dataclasses.replace(config, batch_size=2, style_weight=8.0))
    with pytest.raises(ValueError, match=r"batch_size 1 there, 2 now; style_weight 4.0 there, 8.0 now\): resume"):
        changed.restore_checkpoint(tmp_path)
    assert changed.step_count == 0  # nothing was loaded
    longer = stylenet.StyleNetTrainer(dataclasses.replace(config, num_steps=3))
    assert longer.restore_checkpoint(tmp_path) == 2
    longer.train()
    record = stylenet.provenance(longer)
    first_segment, second_segment = record["segments"]
    assert (first_segment["from_step"], first_segment["to_step"], first_segment["changed"]) == (0, 2, {})
    assert (second_segment["from_step"], second_segment["to_step"]) == (2, 3)
    assert second_segment["changed"] == {"num_steps": [2, 3]}
    assert record["train_seconds"] == pytest.approx(first_segment["seconds"] + second_segment["seconds"], abs=0.2)


def _tiny(stylenet, **changes):
    config = stylenet.StyleNetConfig(styles=("starry_night", "the_scream"), crop_size=32, style_size=64, batch_size=2,
                                     width=4, num_residual=1, num_steps=2, contents=("chelsea",), identity_steps=0,
                                     style_warmup_steps=0)
    return dataclasses.replace(config, **changes)


def test_content_scales_weigh_each_image_by_its_style_against_numpy(stylenet, tf):
    """Per image: mean squared difference of the content layer's features, × its style's factor; then the batch
    mean × content_weight. Factors of 1 give the unscaled term."""
    trainer = stylenet.StyleNetTrainer(_tiny(stylenet, content_scales=(1.0, 3.0)))
    photos = tf.constant(trainer.sampler.batch(3))
    stylised = tf.constant(np.random.default_rng(4).random((3, 32, 32, 3)).astype("float32"))
    style_ids = tf.constant([1, 0, 1])
    layer = trainer.config.content_layer
    a, b = trainer.extractor(stylised)[layer].numpy(), trainer.extractor(photos)[layer].numpy()
    per_image = [((a[i] - b[i]) ** 2).mean() for i in range(3)]
    expected = np.mean([per_image[i] * (1.0, 3.0)[int(style_ids[i])] for i in range(3)]) * trainer.config.content_weight
    got = float(trainer.perceptual_losses(photos, stylised, style_ids)["content"])
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    plain = stylenet.StyleNetTrainer(_tiny(stylenet))
    ones = stylenet.StyleNetTrainer(_tiny(stylenet, content_scales=(1.0, 1.0)))
    np.testing.assert_allclose(float(ones.perceptual_losses(photos, stylised, style_ids)["content"]),
                               float(plain.perceptual_losses(photos, stylised, style_ids)["content"]), rtol=1e-4)


def test_a_network_without_skips_starts_from_one_with_them(stylenet, tmp_path):
    """Every weight is copied; each up-sampling convolution keeps the rows of its kernel that read the up-sampled
    features (the first channels of the skip's concatenation) and drops those that read the encoder's."""
    source = stylenet.StyleNetTrainer(_tiny(stylenet, skips=True))
    path = source.save(tmp_path)
    target = stylenet.StyleNetTrainer(_tiny(stylenet, skips=False, init_from=str(path)))
    mine = {layer.name: layer for layer in target.generator.layers}
    sliced = 0
    for layer in source.generator.layers:
        for theirs, ours in zip(layer.get_weights(), mine[layer.name].get_weights() if layer.name in mine else []):
            if theirs.shape != ours.shape:
                assert layer.name in ("up1_conv", "up2_conv") and theirs.shape[2] > ours.shape[2]
                theirs, sliced = theirs[:, :, :ours.shape[2], :], sliced + 1
            np.testing.assert_array_equal(ours, theirs)
    assert sliced == 2
    with pytest.raises(ValueError, match="layer 'up1_conv' has shapes"):  # the other way round there is nothing to keep
        stylenet.StyleNetTrainer(_tiny(stylenet, skips=True, init_from=str(
            stylenet.StyleNetTrainer(_tiny(stylenet, skips=False)).save(tmp_path / "plain"))))


def test_the_noise_channel_is_fixed_when_painting_fresh_when_training(tf):
    """0.5 + σ·n after the colours: the same noise on every call with training=False (a fixed stateless seed), a new
    draw with training=True; its spread is σ; σ < 0 is refused."""
    from ganstyle_edu import stylemodel

    photos = np.random.default_rng(0).random((2, 64, 48, 3)).astype("float32")
    layer = stylemodel.NoiseChannel(0.1)
    first, again = layer(photos).numpy(), layer(photos).numpy()
    assert first.shape == (2, 64, 48, 4)
    np.testing.assert_array_equal(first[..., :3], photos)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first[1], layer(photos[1:]).numpy()[0])  # alone or in a batch: the same noise
    noise = first[0, :, :, 3]
    assert abs(noise.mean() - 0.5) < 0.01 and abs(noise.std() - 0.1) < 0.01  # 3072 draws: se 0.0018 and 0.0013
    trained = layer(photos, training=True).numpy()[..., 3]
    assert not np.allclose(trained[0], trained[1]) and not np.allclose(trained[0], noise)  # fresh for every image
    assert abs(trained.std() - 0.1) < 0.01
    with pytest.raises(ValueError, match="noise_sigma=-0.1 must be ≥ 0"):
        stylemodel.build_style_generator(noise_sigma=-0.1)


def test_a_network_with_a_noise_channel_starts_from_one_without_it(tf, stylenet, stylegen, tmp_path):
    """Its first convolution reads s²·4 folded channels: w·k² weights per fold position more. Started from a network
    without noise, every weight is copied, the colours' kernel rows move to their new places and the noise's are
    zero — so it paints exactly as its source until trained; bound to a style, it keeps its noise channel."""
    source = stylenet.StyleNetTrainer(_tiny(stylenet))
    path = source.save(tmp_path)
    noisy = stylenet.StyleNetTrainer(_tiny(stylenet, noise_sigma=0.1, init_from=str(path)))
    k, s, w = source.config.in_kernel, source.config.shuffle, source.config.width
    assert noisy.generator.count_params() == source.generator.count_params() + k * k * s * s * w
    ours, theirs = noisy.generator.get_layer("in_conv").kernel.numpy(), source.generator.get_layer("in_conv").kernel.numpy()
    for p in range(s * s):  # (k, k, C_in, w): fold position p holds channels p·4 … p·4 + 3
        np.testing.assert_array_equal(ours[:, :, p * 4:p * 4 + 3], theirs[:, :, p * 3:p * 3 + 3])
        assert not ours[:, :, p * 4 + 3].any()
    photos = tf.constant(np.random.default_rng(1).random((2, 32, 40, 3)).astype("float32"))
    style_ids = tf.constant([0, 1])
    np.testing.assert_array_equal(noisy.generate(photos, style_ids).numpy(), source.generate(photos, style_ids).numpy())
    bound = stylegen.bind_style(noisy.generator, [0.0, 1.0])
    assert bound.get_layer("noise").sigma == 0.1 and bound.count_params() == noisy.generator.count_params()
    with pytest.raises(ValueError, match="noise_sigma=-1"):
        _tiny(stylenet, noise_sigma=-1)
    record = stylenet.provenance(noisy)  # the run it continues is in its record, whole
    assert record["continues"] == json.loads(shipped.record_path(path).read_text())
    assert "continues" not in stylenet.provenance(source)  # a run from scratch continues nothing


def test_a_multi_style_network_trains_saves_loads_and_binds_each_style(stylenet, tmp_path, stylegen):
    trainer = stylenet.StyleNetTrainer(_tiny(stylenet))
    trainer.train()
    path = trainer.save(tmp_path)
    assert path.name == "styles.weights.h5"
    unbound, record = stylenet.load_generator(path)
    assert record["styles"] == ["starry_night", "the_scream"] and len(unbound.inputs) == 2
    assert record["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    photo = np.random.default_rng(3).random((40, 48, 3)).astype("float32")  # sides: multiples of 8
    for index, style in enumerate(record["styles"]):
        bound, _ = stylenet.load_generator(path, style=style)
        one_hot = np.eye(2, dtype="float32")[[index]]
        expected = unbound([photo[None], one_hot]).numpy()[0]
        np.testing.assert_allclose(stylegen.stylize_with(bound, photo), expected, atol=1e-5)
        np.testing.assert_array_equal(stylegen.stylize_with(bound, photo), trainer.stylize(photo, style))
    first = stylegen.stylize_with(stylenet.load_generator(path, style="starry_night")[0], photo)
    second = stylegen.stylize_with(stylenet.load_generator(path, style="the_scream")[0], photo)
    assert np.abs(first - second).mean() > 1e-4  # the two styles differ
    with pytest.raises(ValueError, match="several styles; give mix="):
        stylegen.stylize_with(unbound, photo)
    expected = unbound([photo[None], np.array([[0.0, 1.0]], "float32")]).numpy()[0]
    np.testing.assert_allclose(stylegen.stylize_with(unbound, photo, mix=[0.0, 1.0]), expected, atol=1e-5)
    with pytest.raises(ValueError, match="mix= is for a network of several styles"):
        stylegen.stylize_with(bound, photo, mix=[1.0])


def test_mixing_two_styles_at_0_and_1_gives_each_style_exactly(stylenet, tmp_path, stylegen):
    trainer = stylenet.StyleNetTrainer(_tiny(stylenet))
    trainer.train()
    path = trainer.save(tmp_path)
    photo = np.random.default_rng(4).random((32, 40, 3)).astype("float32")
    paint = lambda style, mix=None: stylegen.stylize_with(stylenet.load_generator(path, style, mix)[0], photo)  # noqa: E731
    np.testing.assert_array_equal(paint("starry_night+the_scream", 0.0), paint("starry_night"))
    np.testing.assert_array_equal(paint("starry_night+the_scream", 1.0), paint("the_scream"))
    half = paint("starry_night+the_scream", 0.5)
    assert not np.array_equal(half, paint("starry_night")) and not np.array_equal(half, paint("the_scream"))
    np.testing.assert_array_equal(half, paint({"starry_night": 1, "the_scream": 1}))


def test_style_mix_spellings_and_errors(stylenet, stylegen):
    names = ("starry_night", "the_scream", "udnie")
    assert stylegen.style_mix(names, "udnie") == [0.0, 0.0, 1.0]
    assert stylegen.style_mix(names, "starry_night+udnie", mix=0.25) == [0.75, 0.0, 0.25]
    assert stylegen.style_mix(names, {"the_scream": 3, "udnie": 1}) == [0.0, 0.75, 0.25]
    with pytest.raises(ValueError, match="'mona_lisa' is not one of this network's styles"):
        stylegen.style_mix(names, "mona_lisa")
    with pytest.raises(ValueError, match=r"mix=1.5: the share of 'udnie' must be in \[0, 1\]"):
        stylegen.style_mix(names, "starry_night+udnie", mix=1.5)
    with pytest.raises(ValueError, match="mix=0.3 needs two styles"):
        stylegen.style_mix(names, "udnie", mix=0.3)


def test_fine_tuning_norms_only_trains_a_new_style_on_frozen_convolutions(stylenet, tmp_path):
    source = stylenet.StyleNetTrainer(_tiny(stylenet))
    source.train()
    path = source.save(tmp_path)
    config = _tiny(stylenet, styles=("udnie",), init_from=str(path), train_norms_only=True, learning_rate=1e-2,
                   final_learning_rate=1e-2)
    tuned = stylenet.StyleNetTrainer(config)
    from ganstyle_edu import stylemodel

    norms = [l for l in tuned.generator.layers if isinstance(l, stylemodel.ConditionalInstanceNorm)]
    source_norm = source.generator.get_layer(norms[0].name)
    np.testing.assert_allclose(norms[0].gamma.numpy()[0], source_norm.gamma.numpy().mean(0), rtol=1e-6)
    frozen = {l.name: [w.copy() for w in l.get_weights()] for l in tuned.generator.layers
              if l.weights and not isinstance(l, stylemodel.ConditionalInstanceNorm)}
    before = [n.get_weights() for n in norms]
    tuned.train(3)
    assert {v.name for v in tuned.generator.trainable_variables} == {v.name for n in norms for v in n.weights}
    for name, weights in frozen.items():
        for old, new in zip(weights, tuned.generator.get_layer(name).get_weights()):
            np.testing.assert_array_equal(old, new)
    assert any(not np.array_equal(b[0], n.get_weights()[0]) for b, n in zip(before, norms))
    known = stylenet.StyleNetTrainer(_tiny(stylenet, styles=("the_scream",), init_from=str(path)))
    photo = np.random.default_rng(5).random((32, 40, 3)).astype("float32")
    np.testing.assert_allclose(known.stylize(photo), source.stylize(photo, "the_scream"), atol=1e-6)
    other = _tiny(stylenet, styles=("udnie",), init_from=str(path), width=5)
    with pytest.raises(ValueError, match="layer 'in_conv' has shapes"):
        stylenet.StyleNetTrainer(other)


def test_the_identity_phase_copies_photos_then_the_style_weight_ramps_up(stylenet, tf):
    trainer = stylenet.StyleNetTrainer(_tiny(stylenet, identity_steps=6, style_warmup_steps=4, num_steps=12,
                                             learning_rate=1e-2, final_learning_rate=1e-2))
    assert float(trainer._style_ramp()) == 0.0
    trainer.train(6)
    assert len(trainer.history["identity"]) == 6 and "content" not in trainer.history
    assert trainer.history["identity"][-1] < trainer.history["identity"][0]  # it learns to copy
    ramps = []
    for _ in range(6):
        ramps.append(float(trainer._style_ramp()))
        trainer.step()
    assert ramps == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])
    content, identity = np.array(trainer.history["content"]), np.array(trainer.history["identity"])
    assert len(content) == len(identity) == 12  # one row per step, NaN where a term was not computed
    assert np.isnan(content[:6]).all() and np.isfinite(content[6:]).all() and np.isnan(identity[6:]).all()
    record = stylenet.provenance(trainer)
    assert record["history_every_10_steps"]["content"][0] is not None  # steps 1–10 hold 4 content values
    assert record["mean_losses_last_50"]["identity"] is not None and "identity" not in record["final_losses"]


def test_trained_loss_keeps_the_tv_weight_per_pixel(stylenet):
    config = stylenet.StyleNetConfig()
    loss = stylenet.trained_loss(config, (256, 256, 3))
    assert loss.tv_weight == pytest.approx(config.tv_weight * (128 / 256) ** 2) == pytest.approx(1.0)
    assert stylenet.trained_loss(config, (128, 256)).tv_weight == pytest.approx(2.0)
    assert loss.style_layers == config.style_layers and loss.content_layers == (config.content_layer,)
    assert (loss.content_weight, loss.style_weight, loss.style_size) == (1e4, 4.0, 256)


def test_a_record_from_an_earlier_version_is_refused_with_advice(stylenet):
    with pytest.raises(ValueError, match="earlier version .* train it again"):
        stylenet.config_from_record({"config": {"style": "starry_night", "width": 16}})


SHIPPED = ("great_wave", "shipwreck", "starry_night", "the_scream", "udnie", "woman_with_a_hat")


def test_all_six_paintings_ship_in_one_network(stylenet):
    assert stylenet.shipped_styles() == list(SHIPPED)
    files = sorted(p.name for p in shipped.WEIGHTS_DIR.glob("*.weights.h5"))
    assert files == ["styles.weights.h5"]


def test_the_shipped_network_matches_its_record(stylenet):
    path = shipped.STYLE_NETWORK
    record = json.loads(shipped.record_path(path).read_text())
    assert record["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    config = stylenet.config_from_record(record)
    assert sorted(config.style_names) == list(SHIPPED) and record["steps"] == config.num_steps > 0
    assert record["data_sha256"] == stylenet.data_checksum(config)  # trained on the images that ship now
    assert not set(config.contents) & set(data.names("heldout") + data.names("survey"))
    assert path.stat().st_size <= 10 * 2 ** 20
    assert set(record["final_losses"]) >= {"content", "style", "tv", "total"}
    assert len(record["history_every_10_steps"]["step"]) == -(-record["steps"] // 10)
    assert record["machine"] and record["train_seconds"] > 0
    parent = record.get("continues")  # the shipped network continues an earlier one: its record is kept whole
    if parent is not None:
        assert parent["weights_sha256"] != record["weights_sha256"] and parent["styles"] == record["styles"]
        assert len(parent["history_every_10_steps"]["step"]) == -(-parent["steps"] // 10)
        assert record["config"]["init_from"] and record["config"]["identity_steps"] == 0


def test_the_shipped_network_has_a_noise_input_and_its_parameter_count(stylenet):
    generator, record = stylenet.load_generator(shipped.STYLE_NETWORK)
    config = stylenet.config_from_record(record)
    w, r, n, s = config.width, config.num_residual, len(config.styles), config.shuffle
    assert (config.noise_sigma, config.in_kernel, config.num_down, config.skips) == (0.1, 5, 1, True)
    per_style = 2 * (w + 2 * w + r * 2 * 2 * w + w)  # (γ, β) of every normalisation layer, for one style
    by_formula = (5 * 5 * (3 + 1) * s * s * w + 9 * w * 2 * w + r * 2 * 9 * 2 * w * 2 * w  # in (+ noise), down, body
                  + 9 * (2 * w + w) * w + 9 * w * 3 + 3 + n * per_style)                  # up (+ skip), out, styles
    assert generator.count_params() == by_formula == 437_603


@pytest.mark.parametrize("name", SHIPPED)
def test_pretrained_binds_each_shipped_style(stylenet, name, stylegen):
    generator, record = stylenet.pretrained(name)
    assert len(generator.inputs) == 1 and name in record["styles"]
    photo = np.random.default_rng(0).random((48, 64, 3)).astype("float32")
    out = stylegen.stylize_with(generator, photo)
    assert out.shape == photo.shape and 0 <= out.min() and out.max() <= 1
    assert np.abs(out - photo).mean() > 0.05  # it paints: not the identity


def test_the_package_level_pretrained_is_the_same_loader(stylenet):
    import ganstyle_edu

    generator, record = ganstyle_edu.pretrained("great_wave")
    assert record == stylenet.pretrained("great_wave")[1]
    with pytest.raises(ValueError, match="shipped: great_wave, shipwreck, starry_night, the_scream, udnie, woman_with_a_hat"):
        ganstyle_edu.pretrained("mona_lisa")


def test_shipped_styles_move_a_held_out_photo_towards_their_painting(stylenet, stylegen):
    from ganstyle_edu import data, metrics
    from ganstyle_edu.images import resize

    photo = data.sample("tubingen", max_side=128)
    for name in SHIPPED:
        painting = resize(data.sample(name), 128)
        stylised = stylegen.stylize_with(stylenet.pretrained(name)[0], photo)
        assert metrics.style_distance(stylised, painting) < 0.5 * metrics.style_distance(photo, painting), name


def test_the_loss_precision_is_the_one_this_machine_computes_fast(stylenet, monkeypatch):
    """bfloat16 is emulated (≈ 10× slower) on a CPU without AVX-512 BF16 or AMX: new runs choose, and asking for it
    there warns; the record says which precision the run used."""
    from ganstyle_edu import features

    assert stylenet.StyleNetConfig().loss_dtype == "auto" and stylenet.finetune_config("autumn").loss_dtype == "auto"
    monkeypatch.setattr(features, "native_bfloat16", lambda cpu_flags=None: False)
    trainer = stylenet.StyleNetTrainer(_tiny(stylenet, loss_dtype="auto"))
    assert trainer.extractor.compute_dtype == "float32"
    assert stylenet.provenance(trainer)["loss_dtype_used"] == "float32"
    with pytest.warns(UserWarning, match="about 10x slower"):
        trainer = stylenet.StyleNetTrainer(_tiny(stylenet, loss_dtype="bfloat16"))
    assert trainer.extractor.compute_dtype == "bfloat16"  # an explicit choice is kept, with the warning
