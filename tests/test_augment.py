"""DiffAugment (augment.py, notebook 05): each transformation against a NumPy loop, differentiability, and the GAN wiring."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def augment(tf):
    from ganstyle_edu import augment

    return augment


def images(batch=3, size=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (batch, size, size, 3)).astype("float32")


def shifted_by_loop(image, dy, dx):
    """out[i, j] = image[i − dy, j − dx], zero where that falls outside: a plain loop."""
    out = np.zeros_like(image)
    height, width = image.shape[:2]
    for i in range(height):
        for j in range(width):
            if 0 <= i - dy < height and 0 <= j - dx < width:
                out[i, j] = image[i - dy, j - dx]
    return out


def test_policies_are_parsed_and_unknown_names_named(augment):
    assert augment.parse_policy("color, translation,cutout") == ("color", "translation", "cutout")
    assert augment.parse_policy("") == ()
    with pytest.raises(ValueError, match="'flip' is not one of color, translation, cutout"):
        augment.parse_policy("color,flip")


def test_shifting_matches_a_loop_for_given_shifts(augment, tf):
    batch = images(3, 10)
    shifts_y, shifts_x = np.array([2, -3, 0]), np.array([-1, 0, 4])
    rows = augment.shift_indices(10, tf.constant(shifts_y, tf.int32))
    cols = augment.shift_indices(10, tf.constant(shifts_x, tf.int32))
    out = augment._gather_shifted(tf.constant(batch), rows, cols).numpy()
    for k in range(3):
        np.testing.assert_array_equal(out[k], shifted_by_loop(batch[k], shifts_y[k], shifts_x[k]))


def test_translation_is_a_shift_of_at_most_an_eighth(augment, tf):
    batch = images(6, 16, seed=1)
    out = augment.translation(tf.constant(batch), tf.constant([3, 4])).numpy()
    found = []
    for k in range(6):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(out[k], shifted_by_loop(batch[k], dy, dx))]
        assert len(matches) == 1, f"image {k}: not a shift by at most 2 = 16/8 pixels"
        found.append(matches[0])
    assert len(set(found)) > 1  # the shifts are drawn per image


def test_cutout_zeroes_one_square_and_keeps_the_rest(augment, tf):
    batch = images(8, 16, seed=2)
    out = augment.cutout(tf.constant(batch), tf.constant([5, 6])).numpy()
    for k in range(8):
        zeroed = np.all(out[k] == 0, axis=-1)  # (H, W)
        np.testing.assert_array_equal(out[k][~zeroed], batch[k][~zeroed])
        rows, cols = np.nonzero(zeroed)
        assert 0 < zeroed.sum() <= 64  # at most the 8 × 8 square, less where it overhangs
        assert zeroed.sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)  # a rectangle


def cut_out_by_loop(image, centre_y, centre_x, size):
    """Zero rows centre_y − size//2 … centre_y − size//2 + size − 1 and the same columns around centre_x,
    where they fall inside the image: a plain loop."""
    out = image.copy()
    height, width = image.shape[:2]
    for i in range(centre_y - size // 2, centre_y - size // 2 + size):
        for j in range(centre_x - size // 2, centre_x - size // 2 + size):
            if 0 <= i < height and 0 <= j < width:
                out[i, j] = 0
    return out


@pytest.mark.parametrize("side, size", [(64, 32), (14, 7)])
def test_cutout_matches_a_loop_and_cuts_the_stated_size(augment, tf, side, size):
    """ratio 0.5: a size × size square — it was (size − 1) × (size − 1) for an even size."""
    batch = images(16, side, seed=7)
    seed = tf.constant([9, 10])
    out = augment.cutout(tf.constant(batch), seed).numpy()
    seeds = tf.random.experimental.stateless_split(seed, 2)
    centres = [tf.random.stateless_uniform((16, 1), part, 0, side, dtype=tf.int32).numpy()[:, 0] for part in seeds]
    whole = 0
    for k in range(16):
        np.testing.assert_array_equal(out[k], cut_out_by_loop(batch[k], centres[0][k], centres[1][k], size))
        rows, cols = np.nonzero(np.all(out[k] == 0, axis=-1))
        if min(rows.min(), cols.min()) > 0 and max(rows.max(), cols.max()) < side - 1:  # no overhang
            assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1, len(rows)) == (size, size, size * size)
            whole += 1
    assert whole > 0, "pick a seed that puts at least one square inside its image"


def test_color_matches_its_formula(augment, tf):
    batch = images(4, 8, seed=3)
    seed = tf.constant([7, 8])
    out = augment.color(tf.constant(batch), seed).numpy()
    seeds = tf.random.experimental.stateless_split(seed, 3)
    b = tf.random.stateless_uniform((4, 1, 1, 1), seeds[0]).numpy() - 0.5
    s = tf.random.stateless_uniform((4, 1, 1, 1), seeds[1]).numpy() * 2.0
    c = tf.random.stateless_uniform((4, 1, 1, 1), seeds[2]).numpy() + 0.5
    expected = batch + b
    expected = (expected - expected.mean(-1, keepdims=True)) * s + expected.mean(-1, keepdims=True)
    expected = (expected - expected.mean((1, 2, 3), keepdims=True)) * c + expected.mean((1, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_the_policy_is_differentiable_and_seeded(augment, tf):
    x = tf.Variable(images(2, 16, seed=4))
    policy = augment.parse_policy("color,translation,cutout")
    with tf.GradientTape() as tape:
        y = augment.diff_augment(x, policy, tf.constant([1, 2]))
        total = tf.reduce_sum(y ** 2)
    grad = tape.gradient(total, x)
    assert grad is not None and float(tf.reduce_sum(tf.abs(grad))) > 0
    again = augment.diff_augment(x, policy, tf.constant([1, 2]))
    np.testing.assert_array_equal(y.numpy(), again.numpy())
    assert augment.diff_augment(x, (), tf.constant([1, 2])) is x


def test_gan_with_augmentation_trains_one_step(tf):
    from ganstyle_edu import gan, models

    generator = models.build_dcgan_generator(8, 16, 4)
    discriminator = models.build_dcgan_discriminator(16, 4)
    with pytest.raises(ValueError, match="'blur' is not one of"):
        gan.GAN(generator, discriminator, augment="blur")
    model = gan.GAN(generator, discriminator, augment="translation,cutout")
    plain = gan.GAN(generator, discriminator)
    x = tf.constant(images(4, 16, seed=5))
    assert plain._augment(x) is x  # no policy: D sees the images as they are
    assert not np.array_equal(model._augment(x).numpy(), x.numpy())
    model.compile()
    logs = model.train_step(x)
    assert model.step == 1 and all(np.isfinite(float(v)) for v in logs.values())
