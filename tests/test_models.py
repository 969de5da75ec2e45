import numpy as np
import pytest


@pytest.fixture(scope="module")
def seed_generator(tf):
    from ganstyle_edu import models

    return models.build_dcgan_generator()


@pytest.fixture(scope="module")
def seed_discriminator(tf):
    from ganstyle_edu import models

    return models.build_dcgan_discriminator()


def test_default_generator_shape_and_parameter_count(tf, seed_generator):
    z = np.random.default_rng(0).standard_normal((2, 100)).astype(np.float32)
    images = np.asarray(seed_generator(z, training=False))
    assert images.shape == (2, 64, 64, 3)
    dense = 100 * (8 * 8 * 256)  # no bias
    seed_bn = 4 * (8 * 8 * 256)  # γ, β, moving mean, moving variance per unit of the Dense output
    conv0 = 5 * 5 * 256 * 128 + 4 * 128  # ConvT 256 → 128, no bias; BN
    up1 = 5 * 5 * 128 * 128 + 4 * 128  # 8 → 16 px
    up2 = 5 * 5 * 128 * 64 + 4 * 64  # 16 → 32 px
    up3 = 5 * 5 * 64 * 32 + 4 * 32  # 32 → 64 px
    to_rgb = 3 * 3 * 32 * 3 + 3  # with bias
    assert seed_generator.count_params() == dense + seed_bn + conv0 + up1 + up2 + up3 + to_rgb
    bn_statistics = 2 * (8 * 8 * 256 + 128 + 128 + 64 + 32)  # moving mean and variance are not trained
    from ganstyle_edu.models import count_params

    assert count_params(seed_generator, trainable_only=True) == seed_generator.count_params() - bn_statistics


def test_default_discriminator_shape_and_parameter_count(tf, seed_discriminator):
    images = np.zeros((2, 64, 64, 3), np.float32)
    assert tuple(seed_discriminator(images, training=False).shape) == (2, 1)
    conv1 = 5 * 5 * 3 * 64 + 64
    conv2 = 5 * 5 * 64 * 128 + 128
    conv3 = 5 * 5 * 128 * 256 + 256
    score = (8 * 8 * 256) * 1 + 1  # Flatten of the 8×8×256 map → Dense(1)
    assert seed_discriminator.count_params() == conv1 + conv2 + conv3 + score
    assert seed_discriminator.get_layer("score").activation.__name__ == "linear"


def test_discriminator_receptive_fields(tf, seed_discriminator):
    from ganstyle_edu.models import layer_table

    table = {row["name"]: row for row in layer_table(seed_discriminator)}
    # r ← r + (k − 1)·j, j ← j·s: 1 + 4 = 5 (j 2), 5 + 4·2 = 13 (j 4), 13 + 4·4 = 29 (j 8)
    assert [table[f"conv{i}"]["receptive_field"] for i in (1, 2, 3)] == [5, 13, 29]
    assert table["conv2_drop"]["receptive_field"] == 13  # per-position layers keep it
    assert table["flatten"]["receptive_field"] == table["score"]["receptive_field"] == 64  # whole image
    assert table["conv3"]["output_shape"] == (8, 8, 256)
    assert all(row["footprint"] is None for row in table.values())


def test_generator_footprints_and_table(tf, seed_generator):
    from ganstyle_edu.models import layer_table

    rows = layer_table(seed_generator)
    assert rows[0]["name"] == "seed_dense"  # the InputLayer is skipped
    assert sum(row["params"] for row in rows) == seed_generator.count_params()
    table = {row["name"]: row for row in rows}
    # Walking back from the output, f ← f + (k − 1)·J, J ← J·s:
    # to_rgb (k3): 1 → 3; up3 ConvT (k5, s2): 3 + 4 = 7, J 2; up2: 7 + 4·2 = 15, J 4;
    # up1: 15 + 4·4 = 31, J 8; conv0 (k5, s1): 31 + 4·8 = 63.
    expected = {"to_rgb": 1, "up3_act": 3, "up3_conv": 3, "up2_act": 7, "up1_act": 15, "conv0_act": 31,
                "seed_reshape": 63, "seed_dense": 63}
    assert {name: table[name]["footprint"] for name in expected} == expected
    assert table["seed_reshape"]["output_shape"] == (8, 8, 256)
    assert table["up2_conv"]["output_shape"] == (32, 32, 64)
    assert all(row["receptive_field"] is None for row in rows)


def test_resize_variant_has_the_same_output_shape(tf):
    from ganstyle_edu.models import build_dcgan_generator, layer_table

    transpose = build_dcgan_generator(latent_dim=16, image_size=32, width=8)
    resize = build_dcgan_generator(latent_dim=16, image_size=32, width=8, upsample="resize")
    z = np.ones((4, 16), np.float32)
    assert resize(z).shape == transpose(z).shape == (4, 32, 32, 3)
    kinds = [row["kind"] for row in layer_table(resize)]
    assert kinds.count("UpSampling2D") == 2 and "Conv2DTranspose" in kinds  # conv0 stays stride 1
    assert resize.get_layer("up1_conv").strides == (1, 1)
    footprints = {row["name"]: row["footprint"] for row in layer_table(resize)}
    # to_rgb (k3): 1 + 2 = 3; up2_conv (k5): 3 + 4 = 7; up2_resize (k = s = 2): 7 + 1 = 8, J 2;
    # up1_conv (k5): 8 + 4·2 = 16
    assert footprints["up2_act"] == 3 and footprints["up2_resize"] == 7 and footprints["up1_act"] == 8
    assert footprints["up1_resize"] == 16


def test_generator_output_stays_in_tanh_range(tf):
    from ganstyle_edu.models import build_dcgan_generator

    generator = build_dcgan_generator(latent_dim=16, image_size=16, width=8)
    z = 100.0 * np.random.default_rng(1).standard_normal((4, 16)).astype(np.float32)
    images = np.asarray(generator(z, training=False))
    assert images.shape == (4, 16, 16, 3)
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert images.std() > 0


def test_sigmoid_discriminator_reproduces_the_seed_bug(tf):
    from ganstyle_edu.models import build_dcgan_discriminator

    discriminator = build_dcgan_discriminator(image_size=16, width=8, output="sigmoid")
    scores = np.asarray(discriminator(np.random.default_rng(2).uniform(-1, 1, (4, 16, 16, 3)).astype(np.float32)))
    assert scores.shape == (4, 1) and np.all((scores > 0) & (scores < 1))
    assert discriminator.get_layer("score").activation.__name__ == "sigmoid"


@pytest.mark.parametrize("size", [48, 4, 0, 100])
def test_generator_refuses_sizes_that_are_not_8_times_a_power_of_two(tf, size):
    from ganstyle_edu.models import build_dcgan_generator

    with pytest.raises(ValueError, match="image_size"):
        build_dcgan_generator(image_size=size)


def test_bad_modes_are_refused_with_the_valid_ones(tf):
    from ganstyle_edu.models import build_dcgan_discriminator, build_dcgan_generator

    with pytest.raises(ValueError, match="transpose, resize"):
        build_dcgan_generator(upsample="bilinear")
    with pytest.raises(ValueError, match="logits, sigmoid"):
        build_dcgan_discriminator(output="softmax")


def test_checkerboard_energy_separates_a_checkerboard_from_smooth_and_noise():
    from ganstyle_edu.models import checkerboard_energy

    i, j = np.mgrid[0:32, 0:32]
    board = ((i + j) % 2).astype(float)
    assert checkerboard_energy(board) == pytest.approx(1.0)
    ramp = (i + 0.5 * j) / 48.0  # smooth: no period-2 component beyond a tiny ramp offset
    assert checkerboard_energy(ramp) < 0.01
    noise = np.random.default_rng(0).standard_normal((4, 32, 32, 3))
    assert checkerboard_energy(noise) < 0.05  # 4 phases of 256 pixels each: ≈ 1/256
    mixed = ramp + 0.1 * board
    assert 0.05 < checkerboard_energy(mixed) < 0.95
    with pytest.raises(ValueError, match="period=2"):
        checkerboard_energy(np.zeros((31, 32)))


@pytest.mark.parametrize("noise_grid", [2, 3, 4, 5])
def test_the_spatial_generator_paints_16_pixels_per_noise_cell(tf, noise_grid):
    from ganstyle_edu import models

    generator = models.build_spatial_generator(noise_grid, local_channels=2, global_dim=3, width=2)
    assert generator.input_shape == (None, noise_grid * noise_grid * 2 + 3)
    assert models.spatial_latent_dim(noise_grid, 2, 3) == generator.input_shape[-1]
    z = np.random.default_rng(0).standard_normal((2, generator.input_shape[-1])).astype(np.float32)
    images = np.asarray(generator(z, training=False))
    assert images.shape == (2, 16 * noise_grid, 16 * noise_grid, 3) and np.abs(images).max() <= 1
    assert models.spatial_shape(generator) == {"noise_grid": noise_grid, "local_channels": 2, "global_dim": 3,
                                               "upsamplings": 4}
    finer = models.build_spatial_generator(noise_grid, 2, 3, 2, upsamplings=3)  # 8 pixels per cell
    assert finer.output_shape == (None, 8 * noise_grid, 8 * noise_grid, 3)


def test_spatial_generator_parameter_count_by_formula(tf):
    from ganstyle_edu import models

    w, local, shared = 4, 3, 5
    generator = models.build_spatial_generator(4, local, shared, w)
    conv = lambda c_in, c_out: 3 * 3 * c_in * c_out  # noqa: E731  (no bias: a batch norm follows)
    bn = lambda c: 4 * c  # noqa: E731  γ, β, moving mean, moving variance
    widths = [8 * w, 4 * w, 2 * w, w, w]  # in_conv, then up1 … up4 (never below w)
    expected = conv(local + shared, widths[0]) + bn(widths[0])
    expected += sum(conv(a, b) + bn(b) for a, b in zip(widths, widths[1:]))
    expected += conv(w, 3) + 3  # to_rgb, with bias
    assert generator.count_params() == expected
    assert models.count_params(generator, trainable_only=True) == expected - 2 * sum(widths)


def test_a_spatial_generator_paints_a_larger_canvas_with_the_same_weights(tf):
    from ganstyle_edu import models

    import keras

    keras.utils.set_random_seed(0)
    generator = models.build_spatial_generator(2, 2, 3, 4)
    bigger = models.resize_spatial_generator(generator, 5)
    assert bigger.output_shape == (None, 80, 80, 3) and bigger.count_params() == generator.count_params()
    for layer in generator.layers:
        for mine, theirs in zip(layer.weights, bigger.get_layer(layer.name).weights):
            np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    z = np.ones((1, bigger.input_shape[-1]), np.float32)  # the same noise in every cell: a uniform canvas
    image = np.asarray(bigger(z, training=False))[0]
    assert np.ptp(image.reshape(-1, 3), axis=0).max() < 1e-5  # no cell is drawn apart from the others
    noise = np.random.default_rng(0).standard_normal(z.shape).astype(np.float32)
    assert np.ptp(np.asarray(bigger(noise, training=False))[0].reshape(-1, 3), axis=0).max() > 1e-3
    with pytest.raises(ValueError, match="noise_grid=1 must be a whole number ≥ 2"):
        models.build_spatial_generator(1)


@pytest.mark.parametrize("num_layers, side, out", [(2, 64, 16), (3, 64, 8), (3, 48, 6)])
def test_the_patch_discriminator_is_fully_convolutional(tf, num_layers, side, out):
    from ganstyle_edu import models

    discriminator = models.build_patch_discriminator(4, num_layers, value_range="signed")
    logits = discriminator(np.zeros((2, side, side, 3), np.float32))
    assert tuple(logits.shape) == (2, out, out, 1)  # one logit per patch
    convs = [4 * 4 * 3 * 4 + 4] + [4 * 4 * (4 * 2 ** min(i - 1, 3)) * (4 * 2 ** min(i, 3)) + 4 * 2 ** min(i, 3)
                                   + 2 * 4 * 2 ** min(i, 3) for i in range(1, num_layers + 1)]
    assert discriminator.count_params() == sum(convs) + 4 * 4 * 4 * 2 ** min(num_layers, 3) + 1
    with pytest.raises(ValueError, match="value_range='pixels'"):
        models.build_patch_discriminator(4, 2, value_range="pixels")


def test_bilinear_upsampling_matches_a_numpy_loop_at_any_size(tf):
    """Each output pixel (i, j) reads the input at ((i + ½)/f − ½, (j + ½)/f − ½), blending its four neighbours
    (edges clamped); the layer works for a size known only when it runs (a compiled function over any photo)."""
    from ganstyle_edu import stylemodel

    rng = np.random.default_rng(0)
    x = rng.random((1, 3, 5, 2)).astype(np.float32)  # (B, H, W, C)
    factor = 2
    expected = np.zeros((1, 3 * factor, 5 * factor, 2))
    for i in range(3 * factor):
        for j in range(5 * factor):
            u = min(max((i + 0.5) / factor - 0.5, 0.0), 2.0)
            v = min(max((j + 0.5) / factor - 0.5, 0.0), 4.0)
            i0, j0 = int(np.floor(u)), int(np.floor(v))
            i1, j1 = min(i0 + 1, 2), min(j0 + 1, 4)
            a, b = u - i0, v - j0
            expected[0, i, j] = ((1 - a) * (1 - b) * x[0, i0, j0] + (1 - a) * b * x[0, i0, j1]
                                 + a * (1 - b) * x[0, i1, j0] + a * b * x[0, i1, j1])
    layer = stylemodel.BilinearUpsampling(factor)
    compiled = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 2), tf.float32)])
    np.testing.assert_allclose(np.asarray(compiled(x)), expected, atol=1e-6)
