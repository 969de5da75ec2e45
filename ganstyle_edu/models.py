"""The DCGAN generator and discriminator of the course seed, and how to read them (notebook 04).

The generator G maps a noise vector z ∈ R^latent_dim to an image in [−1, 1]:

    z → Dense(8·8·2w) → BN → LeakyReLU → reshape to an 8×8×2w "seed grid"
      → ConvT(w, 5, stride 1) → BN → LeakyReLU
      → k × [up-sample ×2 → BN → LeakyReLU]          (8 → 16 → 32 → 64 for 64 px: k = 3)
      → Conv(3, 3) → tanh

Each up-sampling step is a stride-2 transposed convolution (Radford et al. 2016), or, with
``upsample="resize"``, nearest-neighbour ×2 resizing followed by an ordinary convolution: a 5×5 kernel
moved by stride 2 overlaps itself unevenly (5 is not a multiple of 2), which prints a checkerboard on the
images; resize-then-convolve touches every output pixel equally (Odena et al. 2016).

The discriminator D maps an image to one number, a **logit** l (D(x) = σ(l) is the probability "real"):

    x → [Conv(c, 5, stride 2) → LeakyReLU(0.2) → Dropout] for c = w, 2w, 4w → Flatten → Dense(1)

A stack of stride-s, k×k convolutions sees r input pixels per side, by the recurrence (j = the distance
in input pixels between neighbouring units)

    r ← r + (k − 1)·j,    j ← j·s,        starting from r = 1, j = 1,

so the three 5×5 stride-2 convolutions see 5, 13 and 29 pixels; :func:`layer_table` lists it per layer.

The module also builds the other GAN networks of the course: notebook 05's spatial generator (no seed grid: a
fully convolutional generator on a grid of noise) and the PatchGAN discriminator (notebooks 05 and 06). The
feed-forward style network of notebook 06 is :mod:`stylemodel`.
"""
from __future__ import annotations

import math

from .config import import_tensorflow
from .stylemodel import ConditionalInstanceNorm, ReflectionPadding

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

UPSAMPLE_MODES = ("transpose", "resize")
DISCRIMINATOR_OUTPUTS = ("logits", "sigmoid")
SEED_GRID = 8  # side of the generator's first feature map, in cells


def _num_upsamplings(image_size: int) -> int:
    """k such that image_size = 8·2^k; ValueError naming the argument otherwise."""
    ratio = image_size / SEED_GRID if isinstance(image_size, int) else 0
    k = round(math.log2(ratio)) if ratio >= 1 else -1
    if k < 0 or SEED_GRID * 2 ** k != image_size:
        raise ValueError(f"image_size={image_size!r} is not 8·2^k pixels: the generator doubles an 8×8 grid; "
                         "use 8, 16, 32, 64, 128, 256, ...")
    return k


def build_dcgan_generator(latent_dim: int = 100, image_size: int = 64, width: int = 128,
                          upsample: str = "transpose", name: str = "generator") -> keras.Model:
    """The article's DCGAN generator: (B, latent_dim) noise → (B, size, size, 3) images in [−1, 1] (notebook 04).

    width: channels of the first convolution; the seed grid has 2·width channels, and each up-sampling
        block i = 1, 2, ... has width // 2^(i−1) (at least 1). Defaults reproduce the seed: Dense 8·8·256.
    upsample: "transpose" (the seed: Conv2DTranspose, stride 2) or "resize" (nearest ×2 then Conv2D,
        the checkerboard fix of Odena et al. 2016).
    Layers are named ``seed_dense``, ``seed_bn``, ``seed_act``, ``seed_reshape``, ``conv0_*``, ``up1_*``
    ... ``upk_*`` (``_conv``, ``_bn``, ``_act``; ``_resize`` with "resize") and ``to_rgb``.
    """
    if upsample not in UPSAMPLE_MODES:
        raise ValueError(f"upsample={upsample!r} is not an up-sampling mode: use one of {', '.join(UPSAMPLE_MODES)}")
    num_up = _num_upsamplings(image_size)
    layers = keras.layers
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(SEED_GRID * SEED_GRID * 2 * width, use_bias=False, name="seed_dense")(z)
    x = layers.BatchNormalization(name="seed_bn")(x)
    x = layers.LeakyReLU(0.2, name="seed_act")(x)
    x = layers.Reshape((SEED_GRID, SEED_GRID, 2 * width), name="seed_reshape")(x)  # (B, 8, 8, 2w)
    x = layers.Conv2DTranspose(width, 5, strides=1, padding="same", use_bias=False, name="conv0_conv")(x)
    x = layers.BatchNormalization(name="conv0_bn")(x)
    x = layers.LeakyReLU(0.2, name="conv0_act")(x)
    for i in range(1, num_up + 1):
        filters = max(width // 2 ** (i - 1), 1)
        if upsample == "transpose":
            x = layers.Conv2DTranspose(filters, 5, strides=2, padding="same", use_bias=False, name=f"up{i}_conv")(x)
        else:
            x = layers.UpSampling2D(2, interpolation="nearest", name=f"up{i}_resize")(x)
            x = layers.Conv2D(filters, 5, padding="same", use_bias=False, name=f"up{i}_conv")(x)
        x = layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = layers.LeakyReLU(0.2, name=f"up{i}_act")(x)
    images = layers.Conv2D(3, 3, padding="same", activation="tanh", name="to_rgb")(x)
    return keras.Model(z, images, name=name)


SPATIAL_UPSAMPLINGS = 4  # by default a spatial generator paints 2⁴ = 16 pixels per noise cell


def spatial_latent_dim(noise_grid: int = 4, local_channels: int = 8, global_dim: int = 32) -> int:
    """The length of a spatial generator's noise vector: n·n·local_channels local numbers, then global_dim."""
    return noise_grid * noise_grid * local_channels + global_dim


def build_spatial_generator(noise_grid: int = 4, local_channels: int = 8, global_dim: int = 32, width: int = 32,
                            name: str = "spatial_generator", upsamplings: int = SPATIAL_UPSAMPLINGS) -> keras.Model:
    """A fully convolutional texture generator on a grid of noise (Jetchev et al. 2016, Spatial GAN) (notebook 05).

    z (B, n·n·l + g) is read as a **local** noise tensor (B, n, n, l) — a different vector at each grid cell —
    and a **global** vector (B, g), the same at every cell (PSGAN's global part: it sets what the whole
    sample shares, and latent directions act on it). No dense layer holds a position: every weight is a
    convolution, so no cell of the grid is drawn differently from another, and the same weights paint a
    larger canvas from a larger grid (:func:`resize_spatial_generator`)::

        [local ⊕ tile(global)] (n, n, l+g) → conv 3×3 → 8w
          → k × [bilinear ×2 → conv 3×3 → BN → ReLU]   (8w → 4w → 2w → w → w …; n → 2^k·n pixels)
          → conv 3×3 → 3, tanh

    Every convolution pads by reflection (no border for the network to find). Bilinear resizing, not
    nearest: a nearest ×2 copies each cell into a 2×2 block, and k of them in a row print the grid's
    2^k-pixel period. upsamplings: k, so each noise cell becomes 2^k × 2^k pixels (4: 16 px; 3: 8 px — finer
    noise for finer strokes). Output: (B, 2^k·n, 2^k·n, 3) in [−1, 1]. Layers: ``local``, ``global``, ``tile``,
    ``noise``, ``in_conv``/``in_bn``/``in_act``, ``up1_*`` … ``upk_*`` (``_resize``, ``_conv``, ``_bn``, ``_act``),
    ``to_rgb``.
    """
    for arg, value, least in (("noise_grid", noise_grid, 2), ("local_channels", local_channels, 1),
                              ("width", width, 1), ("upsamplings", upsamplings, 1)):  # reflection needs 2 cells
        if not isinstance(value, int) or value < least:
            raise ValueError(f"{arg}={value!r} must be a whole number ≥ {least}")
    if not isinstance(global_dim, int) or global_dim < 0:
        raise ValueError(f"global_dim={global_dim!r} must be a whole number ≥ 0")
    layers = keras.layers
    n, cells = noise_grid, noise_grid * noise_grid * local_channels
    z = keras.Input((cells + global_dim,), name="z")
    local = layers.Reshape((n, n, local_channels), name="local")(z[:, :cells])  # (B, n, n, l)
    x = local
    if global_dim:
        shared = layers.Reshape((1, 1, global_dim), name="global")(z[:, cells:])  # (B, 1, 1, g)
        tiled = layers.UpSampling2D(n, name="tile")(shared)  # (B, n, n, g): the same vector in every cell
        x = layers.Concatenate(name="noise")([local, tiled])  # (B, n, n, l + g)

    def conv(x, filters, prefix):
        x = ReflectionPadding(1, name=f"{prefix}_pad")(x)
        return layers.Conv2D(filters, 3, use_bias=False, name=f"{prefix}_conv")(x)

    x = layers.Activation("relu", name="in_act")(layers.BatchNormalization(name="in_bn")(conv(x, 8 * width, "in")))
    for i in range(1, upsamplings + 1):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{i}_resize")(x)
        x = conv(x, max(8 * width // 2 ** i, width), f"up{i}")
        x = layers.Activation("relu", name=f"up{i}_act")(layers.BatchNormalization(name=f"up{i}_bn")(x))
    x = ReflectionPadding(1, name="to_rgb_pad")(x)
    images = layers.Conv2D(3, 3, activation="tanh", name="to_rgb")(x)  # (B, 2^k·n, 2^k·n, 3)
    return keras.Model(z, images, name=name)


def spatial_shape(generator: keras.Model) -> dict:
    """The noise layout of a spatial generator: {"noise_grid", "local_channels", "global_dim", "upsamplings"}
    (notebook 05)."""
    _, n, _, local_channels = generator.get_layer("local").output.shape
    global_dim = generator.input_shape[-1] - n * n * local_channels
    upsamplings = sum(layer.name.endswith("_resize") for layer in generator.layers)
    return {"noise_grid": int(n), "local_channels": int(local_channels), "global_dim": int(global_dim),
            "upsamplings": upsamplings}


def resize_spatial_generator(generator: keras.Model, noise_grid: int) -> keras.Model:
    """The same trained weights on another noise grid: a canvas of 2^k·noise_grid pixels (notebook 05)."""
    shape = spatial_shape(generator)
    width = generator.get_layer("in_conv").filters // 8
    bigger = build_spatial_generator(noise_grid, shape["local_channels"], shape["global_dim"], width,
                                     name=generator.name, upsamplings=shape["upsamplings"])
    for layer in bigger.layers:
        if layer.weights:
            layer.set_weights(generator.get_layer(layer.name).get_weights())
    return bigger


def build_dcgan_discriminator(image_size: int = 64, width: int = 64, output: str = "logits",
                              dropout: float = 0.3, name: str = "discriminator") -> keras.Model:
    """The article's DCGAN discriminator: (B, size, size, 3) images → (B, 1) scores (notebook 04).

    output: "logits" (no activation; pair it with ``BinaryCrossentropy(from_logits=True)`` or the losses
        of :mod:`ganstyle_edu.losses`) or "sigmoid" — the article's bug, kept so notebook 04 can show it: a
        probability fed to a from-logits loss is squashed twice, and the loss saturates.
    Layers: ``conv1..3`` (width, 2·width, 4·width channels, 5×5, stride 2), each with ``_act`` and
    ``_drop``; then ``flatten`` and ``score``.
    """
    if output not in DISCRIMINATOR_OUTPUTS:
        raise ValueError(f"output={output!r} is not a discriminator output: use one of "
                         f"{', '.join(DISCRIMINATOR_OUTPUTS)} (logits is correct with a from-logits loss)")
    layers = keras.layers
    images = keras.Input((image_size, image_size, 3), name="image")
    x = images
    for i, filters in enumerate((width, 2 * width, 4 * width), start=1):
        x = layers.Conv2D(filters, 5, strides=2, padding="same", name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i}_act")(x)
        x = layers.Dropout(dropout, name=f"conv{i}_drop")(x)
    x = layers.Flatten(name="flatten")(x)  # (B, H/8 * W/8 * 4w)
    score = layers.Dense(1, activation="sigmoid" if output == "sigmoid" else None, name="score")(x)
    return keras.Model(images, score, name=name)


def _window(layer) -> tuple[int, int] | None:
    """(kernel side, stride) of a layer that moves a window over a grid; None for per-position layers."""
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
        return layer.kernel_size[0], layer.strides[0]
    if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        return layer.pool_size[0], layer.strides[0]
    if isinstance(layer, keras.layers.UpSampling2D):
        return layer.size[0], layer.size[0]  # one unit is copied to size × size outputs
    return None


def _receptive_fields(layers, image_size: int) -> list[int]:
    """Input pixels per side seen by one unit of each layer's output (image-input models)."""
    r, j, whole = 1, 1, False
    fields = []
    for layer in layers:
        if isinstance(layer, (keras.layers.Flatten, keras.layers.Dense, keras.layers.GlobalAveragePooling2D,
                              keras.layers.GlobalMaxPooling2D)):
            whole = True
        window = _window(layer)
        if window is not None and not whole:
            kernel, stride = window
            r, j = r + (kernel - 1) * j, j * stride
        fields.append(image_size if whole else r)
    return fields


def _footprints(layers) -> list[int]:
    """Final-image pixels per side that one unit of each layer's output can change (vector-input models).

    Walk back from the output: f = 1, J = 1 (J = final-image pixels between neighbouring units). A
    window layer after this one with kernel k and stride s spreads one of its input units over k of its
    outputs: f ← f + (k − 1)·J, J ← J·s. Dense/Reshape units map one-to-one onto the seed grid's cells.
    """
    f, jump = 1, 1
    footprints = [0] * len(layers)
    for index in range(len(layers) - 1, -1, -1):
        footprints[index] = f
        window = _window(layers[index])
        if window is not None:
            kernel, stride = window
            f, jump = f + (kernel - 1) * jump, jump * stride
    return footprints


def layer_table(model: keras.Model) -> list[dict]:
    """One row per layer of a chain model: what it is, what it outputs, what it sees (notebook 04).

    Each row: ``name``, ``kind`` (class name), ``output_shape`` (without the batch axis), ``params``
    (trainable and non-trainable, e.g. BatchNormalization's moving mean and variance), and

    * ``receptive_field`` — image-input models (the discriminator): the side, in input pixels, of the
      square one unit of this layer's output depends on, by r ← r + (k−1)·j, j ← j·s over convolutions and
      pooling. Convolution values are the theoretical ones and may exceed a small image (the padding
      fills the rest); from Flatten/Dense on, one unit sees the whole image and the value is the image side.
    * ``footprint`` — vector-input models (the generator): the side, in pixels of the *final image*, of
      the square that one unit of this layer's output can change, walking back from the output through
      the (transposed) convolutions and up-sampling: f ← f + (k−1)·J, J ← J·s. For the default 64-px
      generator one seed-grid cell reaches 63 px — nearly the whole image — and one unit before ``to_rgb``
      reaches 3 px. Dense and Reshape units report the footprint of one seed-grid cell.

    The key that does not apply is None.
    """
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    input_shape = tuple(model.inputs[0].shape[1:])
    image_input = len(input_shape) == 3
    fields = _receptive_fields(layers, input_shape[0]) if image_input else [None] * len(layers)
    footprints = [None] * len(layers) if image_input else _footprints(layers)
    return [{"name": layer.name, "kind": type(layer).__name__, "output_shape": tuple(layer.output.shape[1:]),
             "params": int(layer.count_params()), "receptive_field": field, "footprint": footprint}
            for layer, field, footprint in zip(layers, fields, footprints)]


def count_params(model: keras.Model, trainable_only: bool = False) -> int:
    """Number of parameters of ``model``, all (as Keras reports them) or the trainable ones (notebook 04)."""
    if trainable_only:
        return int(sum(math.prod(v.shape) for v in model.trainable_variables))
    return int(model.count_params())


def checkerboard_energy(images, period: int = 2) -> float:
    """Share of the images' variance explained by a pattern that repeats every ``period`` pixels (notebook 04).

    For each image (mean over colour channels), average the pixels of each of the period² phases
    (i mod p, j mod p); the pattern is those phase means minus the image mean, and the score is
    mean(pattern²) / variance, averaged over the batch: 0 for no periodic component, 1 for a pure
    checkerboard. Stride-2 transposed convolutions print exactly this pattern (Odena et al. 2016).
    images: (H, W), (H, W, C) or (B, H, W, C); height and width must be multiples of ``period``.
    """
    import numpy as np

    array = np.asarray(images, np.float64)
    if array.ndim == 2:
        array = array[None, :, :, None]  # (1, H, W, 1)
    elif array.ndim == 3:
        array = array[None]  # (1, H, W, C)
    if array.ndim != 4 or array.shape[1] % period or array.shape[2] % period:
        raise ValueError(f"checkerboard_energy: images of shape {np.shape(images)} must be (B, H, W, C) with H and W "
                         f"multiples of period={period}")
    grey = array.mean(axis=-1)  # (B, H, W)
    batch, height, width = grey.shape
    centred = grey - grey.mean(axis=(1, 2), keepdims=True)
    phases = centred.reshape(batch, height // period, period, width // period, period)  # (B, H/p, p, W/p, p)
    pattern = phases.mean(axis=(1, 3))  # (B, p, p): mean of each phase
    energy = (pattern ** 2).mean(axis=(1, 2))
    variance = (centred ** 2).mean(axis=(1, 2))
    return float(np.mean(energy / np.maximum(variance, 1e-20)))


def build_patch_discriminator(width: int = 32, num_layers: int = 3, name: str = "patch_discriminator",
                              value_range: str = "unit") -> keras.Model:
    """A PatchGAN discriminator on pixels (Isola et al. 2017): one logit per overlapping patch (notebook 06).

    C(w, s2) → C(2w, s2) → … (n stride-2 convolutions) → C(w·2^n, s1) → C(1, s1), 4×4 kernels, channels
    capped at 8w, LeakyReLU(0.2), instance
    normalisation from the second convolution on. With num_layers = 3 each output logit sees a 70 × 70
    patch (pix2pix's default); with 2, 34 × 34. Input: RGB in [0, 1] (``value_range="unit"``) or in [−1, 1]
    ("signed", a GAN's images), any size; output: (B, H', W', 1) logits — a realism map.
    """
    if num_layers < 1:
        raise ValueError(f"num_layers={num_layers} must be at least 1")
    if value_range not in ("unit", "signed"):
        raise ValueError(f"value_range={value_range!r}: use 'unit' ([0, 1]) or 'signed' ([−1, 1])")
    layers = keras.layers
    images = keras.Input((None, None, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(images) if value_range == "unit" else images
    for i in range(num_layers + 1):
        stride = 2 if i < num_layers else 1
        x = layers.Conv2D(width * 2 ** min(i, 3), 4, strides=stride, padding="same", name=f"conv{i + 1}")(x)
        if i > 0:
            x = ConditionalInstanceNorm(name=f"conv{i + 1}_norm")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i + 1}_act")(x)
    logits = layers.Conv2D(1, 4, padding="same", name="patch_logits")(x)
    return keras.Model(images, logits, name=name)
