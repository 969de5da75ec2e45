"""Differentiable augmentation: a GAN that trains on one painting without its discriminator memorising it (notebook 05).

A discriminator trained on a few thousand overlapping crops of one painting learns those crops by heart;
its verdicts then stop telling the generator anything about *paintings*. Augmenting only the real crops
would teach G to produce augmented crops. DiffAugment (Zhao et al. 2020; ADA, Karras et al. 2020, is the
adaptive version) applies the **same random, differentiable** transformation T to real and fake images,
in both players' steps:

    L_D = f(−D(T(x))) + f(D(T(G(z)))),        L_G = f(−D(T(G(z))))

Because T is differentiable, G still receives a gradient through it; because T is applied to both sides,
D can only tell real from fake by what T keeps. The three policies, on images in [−1, 1]:

* ``color``: brightness + b, b ~ U(−½, ½); saturation (x − x̄_c)·s + x̄_c, s ~ U(0, 2), x̄_c the per-pixel
  channel mean; contrast (x − x̄)·c + x̄, c ~ U(½, 3/2), x̄ the image mean.
* ``translation``: shift by up to ⅛ of the side in each direction, with zeros coming in.
* ``cutout``: zero one square of half the side at a random place.
"""
from __future__ import annotations

from .config import import_tensorflow

tf = import_tensorflow()

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    """'color,translation' → ('color', 'translation'); '' → () (notebook 05). Unknown names raise ValueError."""
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    for name in names:
        if name not in POLICIES:
            raise ValueError(f"augmentation policy {name!r} is not one of {', '.join(POLICIES)} "
                             f"(write them comma-separated, e.g. 'color,translation,cutout')")
    return names


def color(images, seed):
    """Random brightness, saturation and contrast per image; images (B, H, W, C) in [−1, 1]."""
    batch = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 3)
    brightness = tf.random.stateless_uniform((batch, 1, 1, 1), seeds[0]) - 0.5
    images = images + brightness
    channel_mean = tf.reduce_mean(images, axis=3, keepdims=True)  # (B, H, W, 1)
    saturation = tf.random.stateless_uniform((batch, 1, 1, 1), seeds[1]) * 2.0
    images = (images - channel_mean) * saturation + channel_mean
    image_mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)  # (B, 1, 1, 1)
    contrast = tf.random.stateless_uniform((batch, 1, 1, 1), seeds[2]) + 0.5
    return (images - image_mean) * contrast + image_mean


def shift_indices(size, shifts):
    """Source index of each output position after shifting by ``shifts`` (B,): (B, size), −1 where a zero comes in."""
    positions = tf.range(size)[None, :] - shifts[:, None]  # (B, size): output i reads input i − shift
    return tf.where((positions >= 0) & (positions < size), positions, -1)


def _gather_shifted(images, rows, cols):
    """images (B, H, W, C); rows (B, H), cols (B, W) source indices or −1 → the shifted images, zeros where −1."""
    padded = tf.pad(images, [[0, 0], [0, 1], [0, 1], [0, 0]])  # (B, H+1, W+1, C): index −1 reads the zero row
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    rows = tf.where(rows < 0, height, rows)
    cols = tf.where(cols < 0, width, cols)
    out = tf.gather(padded, rows, axis=1, batch_dims=1)  # (B, H, W+1, C)
    return tf.gather(out, cols, axis=2, batch_dims=1)  # (B, H, W, C)


def translation(images, seed, ratio: float = 0.125):
    """Shift each image by up to ratio·side pixels in x and y (integers, uniform), zeros coming in."""
    batch, height, width = tf.shape(images)[0], tf.shape(images)[1], tf.shape(images)[2]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    max_y = tf.cast(tf.cast(height, tf.float32) * ratio + 0.5, tf.int32)
    max_x = tf.cast(tf.cast(width, tf.float32) * ratio + 0.5, tf.int32)
    shift_y = tf.random.stateless_uniform((batch,), seeds[0], -max_y, max_y + 1, dtype=tf.int32)
    shift_x = tf.random.stateless_uniform((batch,), seeds[1], -max_x, max_x + 1, dtype=tf.int32)
    return _gather_shifted(images, shift_indices(height, shift_y), shift_indices(width, shift_x))


def cutout(images, seed, ratio: float = 0.5):
    """Zero one (ratio·H) × (ratio·W) square per image (sides rounded to whole pixels), centred at a uniform
    random pixel c: rows c − ⌊size/2⌋ … c − ⌊size/2⌋ + size − 1, and likewise columns; it may overhang."""
    batch, height, width = tf.shape(images)[0], tf.shape(images)[1], tf.shape(images)[2]
    seeds = tf.random.experimental.stateless_split(seed, 2)
    size_y = tf.cast(tf.cast(height, tf.float32) * ratio + 0.5, tf.int32)
    size_x = tf.cast(tf.cast(width, tf.float32) * ratio + 0.5, tf.int32)
    centre_y = tf.random.stateless_uniform((batch, 1), seeds[0], 0, height, dtype=tf.int32)
    centre_x = tf.random.stateless_uniform((batch, 1), seeds[1], 0, width, dtype=tf.int32)
    inside_y = _inside_square(height, centre_y, size_y)  # (B, H)
    inside_x = _inside_square(width, centre_x, size_x)  # (B, W)
    keep = 1.0 - tf.cast(inside_y[:, :, None] & inside_x[:, None, :], images.dtype)  # (B, H, W)
    return images * keep[..., None]


def _inside_square(length, centres, size):
    """(B, length): whether each position lies among the ``size`` positions from centre − ⌊size/2⌋ on."""
    offsets = tf.range(length)[None, :] - centres + size // 2  # (B, length): 0 at the square's first position
    return (offsets >= 0) & (offsets < size)


def diff_augment(images, policy: tuple[str, ...], seed):
    """Apply each named transformation in turn with a seed split from ``seed`` (a (2,) int tensor) (notebook 05).

    The same seed gives the same transformation, which is how a test checks that the real and the fake
    batch are treated alike in distribution (they get independent draws, as in the paper).
    """
    if not policy:
        return images
    seeds = tf.random.experimental.stateless_split(seed, len(policy))
    for name, part in zip(policy, tf.unstack(seeds)):
        images = {"color": color, "translation": translation, "cutout": cutout}[name](images, part)
    return images
