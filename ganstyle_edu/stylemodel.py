"""The feed-forward style network of notebook 06: its layers and its builder.

One pass of a network T turns a photo into a stylised photo (Johnson et al. 2016), instead of optimising the
pixels of every image (notebook 02). Its parts, each a Keras layer here:

* :class:`SpaceToDepth` / :class:`DepthToSpace` fold s × s pixel blocks into channels and back, so that the
  costly convolutions run at 1/s of the resolution;
* :class:`ConditionalInstanceNorm` normalises each channel of each image over its positions and applies a
  (γ_s, β_s) per style s: y = γ_s ⊙ (x − μ(x)) / √(σ²(x) + ε) + β_s (Dumoulin et al. 2017) — one network,
  many styles, and a blend of styles by mixing their (γ, β);
* :class:`ReflectionPadding` (no black frame for the network to paint), :class:`BilinearUpsampling` (any
  photo size inside a compiled function) and :class:`StyleMix` (a bound style mix);
* :class:`NoiseChannel` gives the network a fourth input channel of noise, 0.5 + σ·n with n ~ N(0, 1) per pixel
  (Ulyanov et al.'s texture networks take noise as input): something to paint texture from where the photo is
  flat. Fresh noise while training, a fixed seed otherwise, so a photo is always painted the same way.

:func:`build_style_generator` assembles them. The GAN networks of :mod:`models` reuse two of the layers: the
spatial generator pads by reflection, the PatchGAN normalises with instance norm.
"""
from __future__ import annotations

from .config import import_tensorflow

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)


class SpaceToDepth(keras.layers.Layer):
    """(B, H, W, C) → (B, H/s, W/s, s·s·C): each s×s block of pixels becomes one cell's channels (notebook 06)."""

    def __init__(self, block: int, **kwargs):
        super().__init__(**kwargs)
        self.block = block

    def call(self, x):
        return tf.nn.space_to_depth(x, self.block)  # (B, H/s, W/s, s*s*C)

    def get_config(self):
        return {**super().get_config(), "block": self.block}


class DepthToSpace(SpaceToDepth):
    """(B, H, W, s·s·C) → (B, s·H, s·W, C), the inverse of :class:`SpaceToDepth` ("pixel shuffle", Shi et al. 2016)."""

    def call(self, x):
        return tf.nn.depth_to_space(x, self.block)  # (B, s*H, s*W, C)


class ConditionalInstanceNorm(keras.layers.Layer):
    """Instance normalisation with one learned scale and shift per style (Dumoulin et al. 2017) (notebook 06).

    Each channel of each image is normalised over its positions, then scaled and shifted:

        x̂ = (x − μ(x)) / √(σ²(x) + ε),        y = γ_s ⊙ x̂ + β_s,

    where (γ_s, β_s) ∈ R^C belong to style s. ``num_styles`` = 1 is plain instance normalisation (Ulyanov
    et al. 2016) and the layer takes x alone; with N > 1 it takes [x, w], w (B, N) a mix of styles per image,
    and uses γ = Σ_s w_s γ_s, β = Σ_s w_s β_s — a one-hot w picks one style exactly, and any convex w blends
    styles inside one network. γ starts at 1 and β at 0.
    """

    def __init__(self, num_styles: int = 1, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_styles = num_styles
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = input_shape[0] if self.num_styles > 1 else input_shape
        channels = shape[-1]
        self.gamma = self.add_weight(shape=(self.num_styles, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_styles, channels), initializer="zeros", name="beta")

    def call(self, inputs):
        if self.num_styles > 1:
            x, mix = inputs
            mix = tf.cast(mix, x.dtype)
            gamma = tf.matmul(mix, self.gamma)[:, None, None, :]  # (B, N) @ (N, C) -> (B, 1, 1, C)
            beta = tf.matmul(mix, self.beta)[:, None, None, :]
        else:
            x, gamma, beta = inputs, self.gamma[0], self.beta[0]  # (C,) each
        mean, variance = tf.nn.moments(x, axes=[1, 2], keepdims=True)  # (B, 1, 1, C) each
        return (x - mean) * tf.math.rsqrt(variance + self.epsilon) * gamma + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0] if self.num_styles > 1 else input_shape

    def get_config(self):
        return {**super().get_config(), "num_styles": self.num_styles, "epsilon": self.epsilon}


class ReflectionPadding(keras.layers.Layer):
    """Pads height and width by ``pad`` pixels on each side with the mirror image of the border (notebook 06).

    Zero padding tells every convolution where the border is (a black frame around the photo), and a
    style network learns to paint it: a light or dark band along the edges. Reflection shows it more image.
    """

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        p = self.pad
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")  # (B, H+2p, W+2p, C)

    def compute_output_shape(self, input_shape):
        grow = lambda side: None if side is None else side + 2 * self.pad  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


class BilinearUpsampling(keras.layers.Layer):
    """×``factor`` bilinear up-sampling of (B, H, W, C) for any H and W, also inside a compiled function
    (notebook 06). Keras' ``UpSampling2D(interpolation="bilinear")`` needs the size known when it is traced, and
    the style network takes photos of any size. Each new pixel blends its nearest low-resolution neighbours,
    so the convolution after it sees no 2×2 blocks of copies."""

    interpolation = "bilinear"

    def __init__(self, factor: int, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        size = tf.shape(x)[1:3] * self.factor  # (H·f, W·f)
        return tf.image.resize(x, size, method="bilinear")  # (B, H·f, W·f, C)

    def compute_output_shape(self, input_shape):
        grow = lambda side: None if side is None else side * self.factor  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class StyleMix(keras.layers.Layer):
    """A fixed mix of styles, one row per image of the batch: photos (B, H, W, 3) → (B, N) (notebook 06).

    Binds a multi-style generator to one style (a one-hot ``mix``) or to a blend, so that the bound network
    takes a photo alone. It has no weights.
    """

    def __init__(self, mix, **kwargs):
        super().__init__(**kwargs)
        self.mix = [float(w) for w in mix]

    def call(self, photos):
        mix = tf.constant(self.mix, photos.dtype)[None, :]  # (1, N)
        return tf.tile(mix, [tf.shape(photos)[0], 1])  # (B, N)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.mix))

    def get_config(self):
        return {**super().get_config(), "mix": self.mix}


class NoiseChannel(keras.layers.Layer):
    """photos (B, H, W, 3) → (B, H, W, 4): a channel 0.5 + σ·n, n ~ N(0, 1) per pixel, after the colours.

    The shipped network has one (σ = 0.1): where a photo is flat, the network has nothing of the photo to paint
    from, and without noise it lays the detail its style loss asks for in lines along rows and columns; with it,
    in undirected strokes (notebook 06; ``bench/results/stylize_quality_crop256_candidate.txt``).

    With ``training=True`` the noise is drawn afresh for every image at every call; otherwise one field per
    size comes from a fixed ``seed`` (stateless) and is shared by the batch, so that a photo is painted the same
    way twice, alone or beside others. It has no weights.
    """

    def __init__(self, sigma: float, seed: int = 7, **kwargs):
        super().__init__(**kwargs)
        self.sigma, self.seed = float(sigma), int(seed)

    def call(self, photos, training=None):
        shape = tf.concat([tf.shape(photos)[:3], [1]], axis=0)  # (B, H, W, 1)
        if training:
            noise = tf.random.normal(shape, dtype=photos.dtype)
        else:
            one = tf.concat([[1], shape[1:]], axis=0)  # (1, H, W, 1): the same field for every image
            noise = tf.broadcast_to(tf.random.stateless_normal(one, seed=[self.seed, 0], dtype=photos.dtype), shape)
        return tf.concat([photos, 0.5 + self.sigma * noise], axis=-1)  # (B, H, W, 4)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], input_shape[3] + 1)

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma, "seed": self.seed}


PADDINGS = ("reflect", "zero")
OUTPUT_UPSAMPLINGS = ("resize", "unfold")
INTERPOLATIONS = ("nearest", "bilinear")


def style_generator_multiple(shuffle: int = 2) -> int:
    """Image sides a style generator accepts are multiples of this: two ×2 down-samplings times ``shuffle``."""
    return 4 * shuffle


def build_style_generator(width: int = 16, num_residual: int = 3, shuffle: int = 2, in_kernel: int = 5,
                          out_kernel: int = 3, num_styles: int = 1, style_mix=None, padding: str = "reflect",
                          output_upsampling: str = "resize", skips: bool = False, interpolation: str = "nearest",
                          num_down: int = 2, noise_sigma: float = 0.0, name: str = "style_generator") -> keras.Model:
    """A feed-forward style network in the shape of Johnson et al. (2016): photo → stylised photo (notebook 06).

    c{k_in}s1-w, d2w, d4w, R4w × num_residual, u2w, uw, c{k_out}s1-3 with instance normalisation after
    every convolution but the last, and nearest ×2 resize + convolution for up-sampling (no checkerboards,
    notebook 04). Johnson et al.: w = 32, 5 residual blocks, k_in = k_out = 9, shuffle = 1.

    ``shuffle`` = s > 1 runs the network at 1/s of the resolution: the photo's s×s pixel blocks are folded
    into channels on the way in (:class:`SpaceToDepth`). The full-resolution convolutions are the costly
    ones, so folding is several times faster on a CPU (bench/stylize_speed.py). On the way out
    (``output_upsampling``) the result returns to full size either by "resize" — nearest ×s up-sampling,
    then the k_out×k_out output convolution at full resolution — or by "unfold" — the output convolution
    makes 3·s² channels at low resolution and :class:`DepthToSpace` unfolds them, which is cheaper but
    prints an s×s grid wherever the s² phases disagree.

    ``num_styles`` = N > 1 makes one network for N styles: every normalisation is a
    :class:`ConditionalInstanceNorm` with a (γ, β) per style, and the model takes [photo, w] with w (B, N)
    a style mix (one-hot for one style). ``style_mix`` binds it to one fixed mix instead, so that it takes
    the photo alone (the weights are the same; copy them with ``set_weights``).

    ``skips`` adds U-Net connections (Ronneberger et al. 2015): each up-sampling step concatenates the
    encoder's features of the same resolution, so fine detail need not squeeze through the residual blocks at
    1/(4s) of the resolution. ``num_down``: the stride-2 convolutions down (and resize steps up), 2 as Johnson
    et al.; with 1 the residual blocks work at 1/(2s) of the resolution on 2w channels (as many multiply-adds
    per pixel as 4w channels at 1/(4s)), so each of their cells paints a 2s-pixel square, not a 4s-pixel one.
    ``padding``: "reflect" (every convolution pads with the mirror image,
    :class:`ReflectionPadding`) or "zero". ``interpolation``: how every resize up-samples, "nearest" (copies each
    value into a 2×2 block) or "bilinear" (blends neighbours). ``noise_sigma`` > 0 adds a :class:`NoiseChannel`
    before everything else, so the first convolution reads s²·4 folded channels instead of s²·3. Input and output
    are RGB in [0, 1], sides divisible by :func:`style_generator_multiple`.
    """
    if width < 1 or num_residual < 0 or shuffle < 1 or num_styles < 1 or num_down not in (1, 2):
        raise ValueError(f"width={width}, shuffle={shuffle} and num_styles={num_styles} must be ≥ 1, "
                         f"num_residual={num_residual} ≥ 0 and num_down={num_down} 1 or 2")
    if padding not in PADDINGS:
        raise ValueError(f"padding={padding!r}; use one of {', '.join(PADDINGS)}")
    if not noise_sigma >= 0:
        raise ValueError(f"noise_sigma={noise_sigma} must be ≥ 0 (0: no noise channel)")
    if output_upsampling not in OUTPUT_UPSAMPLINGS:
        raise ValueError(f"output_upsampling={output_upsampling!r}; use one of {', '.join(OUTPUT_UPSAMPLINGS)}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation={interpolation!r}; use one of {', '.join(INTERPOLATIONS)}")
    if style_mix is not None and len(style_mix) != num_styles:
        raise ValueError(f"style_mix has {len(style_mix)} weights for num_styles={num_styles}; give one per style")
    layers = keras.layers
    images = keras.Input((None, None, 3), name="photo")
    inputs, mix = [images], None
    if num_styles > 1:
        if style_mix is None:
            mix = keras.Input((num_styles,), name="style")
            inputs.append(mix)
        else:
            mix = StyleMix(style_mix, name="style_mix")(images)

    def upsample(x, factor, name):
        if interpolation == "bilinear":
            return BilinearUpsampling(factor, name=name)(x)
        return layers.UpSampling2D(factor, interpolation="nearest", name=name)(x)

    def conv(x, filters, kernel, stride, prefix, use_bias=False):
        if padding == "reflect" and kernel > 1:
            x = ReflectionPadding(kernel // 2, name=f"{prefix}_pad")(x)
        return layers.Conv2D(filters, kernel, strides=stride, padding="valid" if padding == "reflect" else "same",
                             use_bias=use_bias, name=f"{prefix}_conv")(x)

    def norm(x, prefix):
        return ConditionalInstanceNorm(num_styles, name=f"{prefix}_norm")(x if mix is None else [x, mix])

    def conv_block(x, filters, kernel, stride, prefix):
        return layers.ReLU(name=f"{prefix}_relu")(norm(conv(x, filters, kernel, stride, prefix), prefix))

    x = NoiseChannel(noise_sigma, name="noise")(images) if noise_sigma > 0 else images  # (B, H, W, 4) or (B, H, W, 3)
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(x)  # [0, 1] → [−1, 1]
    if shuffle > 1:
        x = SpaceToDepth(shuffle, name="fold")(x)  # (B, H/s, W/s, C·s·s), C = 3 colours (+ 1 noise)
    x = conv_block(x, width, in_kernel, 1, "in")
    encoded = [x]  # the encoder's features at each resolution, for the skips
    for d in range(1, num_down + 1):
        x = conv_block(x, width * 2 ** d, 3, 2, f"down{d}")  # (B, H/(s·2^d), W/(s·2^d), w·2^d)
        encoded.append(x)
    body = width * 2 ** num_down
    for i in range(1, num_residual + 1):
        skip = x
        x = conv_block(x, body, 3, 1, f"res{i}a")
        x = norm(conv(x, body, 3, 1, f"res{i}b"), f"res{i}b")
        x = layers.Add(name=f"res{i}_add")([skip, x])
    for i in range(1, num_down + 1):
        filters, encoded_here = width * 2 ** (num_down - i), encoded[num_down - i]
        x = upsample(x, 2, f"up{i}_resize")
        if skips:  # U-Net: the encoder's features at this resolution join the decoder's
            x = layers.Concatenate(name=f"up{i}_skip")([x, encoded_here])
        x = conv_block(x, filters, 3, 1, f"up{i}")
    if shuffle > 1 and output_upsampling == "resize":
        x = upsample(x, shuffle, "out_resize")  # (B, H, W, w)
        x = conv(x, 3, out_kernel, 1, "out", use_bias=True)
    elif shuffle > 1:
        x = conv(x, 3 * shuffle * shuffle, out_kernel, 1, "out", use_bias=True)
        x = DepthToSpace(shuffle, name="unfold")(x)  # (B, H, W, 3)
    else:
        x = conv(x, 3, out_kernel, 1, "out", use_bias=True)
    x = layers.Activation("sigmoid", name="to_rgb")(x)
    return keras.Model(inputs if len(inputs) > 1 else images, x, name=name)  # one input: no list, so callers pass a tensor
