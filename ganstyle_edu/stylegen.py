"""Using a trained style network: bind it to a style or a blend of styles, and run it on a photo (notebook 06).

A network of N styles (:class:`ganstyle_edu.stylemodel.ConditionalInstanceNorm` in every normalisation) takes a
photo and a mix w ∈ R^N, w ≥ 0, Σ w = 1, and normalises with

    γ = Σ_s w_s γ_s,    β = Σ_s w_s β_s,

so a one-hot w paints one style exactly and w = (1 − t) e_a + t e_b blends styles a and b. :func:`style_mix`
spells w from names ("starry_night", "starry_night+the_scream" with a share, or a dict of weights);
:func:`bind_style` fixes w inside a copy of the network, which then takes the photo alone (what
``stylenet.pretrained`` returns); :func:`stylize_with` runs a network on one photo of any size.
"""
from __future__ import annotations

import numpy as np

from .config import import_tensorflow
from .images import load_image
from .stylemodel import ConditionalInstanceNorm, SpaceToDepth, build_style_generator, style_generator_multiple

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)


def style_mix(names, style, mix: float | None = None) -> list[float]:
    """Weights over ``names`` (a network's styles, in order) for a style spelled as (notebook 06):

    * a name: ``"starry_night"`` → one-hot;
    * two names joined by "+": ``"starry_night+the_scream"`` with ``mix`` = the second's share (default 0.5);
    * a dict ``{"starry_night": 0.7, "the_scream": 0.3}`` (weights ≥ 0, normalised to sum to 1).
    """
    names = list(names)
    if isinstance(style, dict):
        shares = dict(style)
        if mix is not None:
            raise ValueError("style_mix: give mix= with 'a+b' only; a dict carries its own weights")
    elif isinstance(style, str) and "+" in style:
        parts = style.split("+")
        if len(parts) != 2:
            raise ValueError(f"style {style!r}: blend two styles, 'a+b' with mix= the share of b; for more use a dict")
        share = 0.5 if mix is None else float(mix)
        if not 0 <= share <= 1:
            raise ValueError(f"mix={mix}: the share of {parts[1]!r} must be in [0, 1]")
        shares = {parts[0]: 1 - share}
        shares[parts[1]] = shares.get(parts[1], 0.0) + share
    elif isinstance(style, str):
        if mix is not None:
            raise ValueError(f"mix={mix} needs two styles: '{style}+OTHER'")
        shares = {style: 1.0}
    else:
        raise ValueError(f"style={style!r}: a style name, 'a+b', or a dict of weights")
    unknown = [name for name in shares if name not in names]
    if unknown:
        raise ValueError(f"style {unknown[0]!r} is not one of this network's styles: {', '.join(names)}")
    if any(w < 0 for w in shares.values()) or sum(shares.values()) <= 0:
        raise ValueError(f"style weights {shares} must be ≥ 0 and not all 0")
    total = sum(shares.values())
    return [shares.get(name, 0.0) / total for name in names]


def bind_style(generator, mix) -> keras.Model:
    """A multi-style generator bound to one style mix (weights over its styles): it takes a photo alone and
    shares nothing mutable with ``generator`` (a copy of the weights) (notebook 06)."""
    norms = [layer for layer in generator.layers if isinstance(layer, ConditionalInstanceNorm)]
    if not norms or norms[0].num_styles == 1:
        raise ValueError("bind_style: this generator has one style; it needs no binding")
    config = _shape_of(generator)
    bound = build_style_generator(**config, num_styles=norms[0].num_styles, style_mix=mix)
    bound.set_weights(generator.get_weights())
    return bound


def _shape_of(generator) -> dict:
    """The builder arguments that rebuild ``generator``'s shape, read off its layers."""
    layer = {l.name: l for l in generator.layers}
    fold = layer.get("fold")
    return {"width": layer["in_conv"].filters, "num_residual": sum(n.endswith("_add") for n in layer),
            "shuffle": fold.block if fold else 1, "in_kernel": layer["in_conv"].kernel_size[0],
            "out_kernel": layer["out_conv"].kernel_size[0],
            "padding": "reflect" if "in_pad" in layer else "zero",
            "output_upsampling": "unfold" if "unfold" in layer else "resize", "skips": "up1_skip" in layer,
            "interpolation": layer["up1_resize"].interpolation,
            "num_down": sum(name.startswith("down") and name.endswith("_conv") for name in layer),
            "noise_sigma": layer["noise"].sigma if "noise" in layer else 0.0}


def size_multiple(generator) -> int:
    """Image sides ``generator`` accepts are multiples of this (4, times the pixel-folding block if any)."""
    blocks = [layer.block for layer in generator.layers if type(layer) is SpaceToDepth]
    return style_generator_multiple(blocks[0] if blocks else 1)


def stylize_with(generator, photo, mix=None) -> np.ndarray:
    """Run a style generator on one photo (H, W, 3) in [0, 1]; returns the same size (notebook 06).

    The generator needs sides divisible by :func:`size_multiple`: the photo is padded by reflection up to
    the next multiple and the result cropped back, so no pixel of the photo is lost. A multi-style network
    takes ``mix``, its weights over the styles (:func:`style_mix`), unless bound to one (:func:`bind_style`,
    ``pretrained(name)``).
    """
    several = len(generator.inputs) > 1
    if several and mix is None:
        raise ValueError("stylize_with: this generator paints several styles; give mix= (stylenet.style_mix) or "
                         "bind one first: stylenet.pretrained('starry_night') or stylenet.bind_style(generator, mix)")
    if not several and mix is not None:
        raise ValueError("stylize_with: mix= is for a network of several styles; this one paints one")
    photo = load_image(photo)
    multiple = size_multiple(generator)
    height, width = photo.shape[:2]
    if min(height, width) < multiple:
        raise ValueError(f"stylize: the photo ({height}×{width}) is too small; at least {multiple}×{multiple} pixels")
    pad = ((0, -height % multiple), (0, -width % multiple), (0, 0))
    batch = np.pad(photo, pad, mode="reflect")[None]  # (1, H', W', 3), H' and W' multiples of `multiple`
    inputs = (tf.constant(batch),) + ((tf.constant(np.asarray(mix, np.float32)[None]),) if several else ())  # mix: (1, N)
    return np.asarray(_forward(generator)(*inputs))[0, :height, :width]


_FORWARD_ATTRIBUTE = "_ganstyle_compiled_forward"


def _forward(generator):
    """``generator(inputs, training=False)`` as one compiled graph, kept on the generator itself: faster than
    Keras' layer-by-layer eager call on a CPU (bench/stylize_speed.py); a new image size costs one retrace.

    The compiled function lives in the generator's ``__dict__`` (set past Keras' attribute tracking), so it is
    freed with the generator; a cache keyed by the generator would keep every bound copy alive, since the
    function refers to its generator.
    """
    forward = generator.__dict__.get(_FORWARD_ATTRIBUTE)
    if forward is None:
        def call(*inputs):
            return generator(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

        forward = tf.function(call, reduce_retracing=True)
        object.__setattr__(generator, _FORWARD_ATTRIBUTE, forward)
    return forward
