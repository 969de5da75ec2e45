"""Dissecting a generator: what each unit (channel) of a layer answers to, and what it causes (notebook 07).

GAN Dissection (Bau et al., 2019) asks two questions of a unit u of a layer l.

*Agreement* — does u fire where a concept c is? Threshold u's activation map a_u at a high quantile t_u of
its activations over a set of images (the top 1 % in :func:`unit_iou`'s default, quantile 0.99; :func:`dissect_layer`
uses the top 10 %, as large as its concept masks), upsample it to the image, and compare the region
with the concept's mask m_c (edges, a colour cluster, bright or textured regions) by intersection over union:

    IoU(u, c) = Σ_x |{a_u(x) > t_u} ∧ m_c(x)| / Σ_x |{a_u(x) > t_u} ∨ m_c(x)|     (summed over all images x).

*Causation* — does u make c? Ablate u (set its channel to zero everywhere, or to a constant) or insert it
(force it high) and measure what changes downstream: style distance, content preservation, the concept's
area in the output. Agreement without causation is a correlation; the causal effect is what a unit *does*.

Concepts here need no labelled data: Sobel edges, brightness, local texture (the variance of the luminance
in a small window) and k-means colour clusters, all computed from the pixels. Each mask thresholds a per-pixel
strength (:data:`STRENGTHS`): :func:`edge_strength_map`, the luminance, :func:`local_variance_map` — image-shaped
(H, W) arrays, hence ``_map``.
"""
from __future__ import annotations

import numpy as np

from .config import import_tensorflow
from .images import check_value_range, luminance, to_unit

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)


# ---------------------------------------------------------------------------------------------------
# Activations


def layer_activations(generator, images, layers) -> dict[str, np.ndarray]:
    """{layer: (N, h, w, C) activations} of a functional ``generator`` on ``images`` (N, H, W, 3) (notebook 07)."""
    names = [layers] if isinstance(layers, str) else list(layers)
    known = [layer.name for layer in generator.layers]
    for name in names:
        if name not in known:
            raise ValueError(f"layer_activations: no layer {name!r} in {generator.name}; layers: {', '.join(known)}")
    captured = {}

    def capture(layer, *args, **kwargs):  # re-trace the graph (weights shared) and keep the wanted outputs
        out = layer(*args, **kwargs)
        if layer.name in names:
            captured[layer.name] = out
        return out

    traced = keras.models.clone_model(generator, clone_function=lambda same: same, call_function=capture)
    probe = keras.Model(traced.input, [captured[name] for name in names])
    outputs = probe(np.asarray(images, np.float32), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(out) for name, out in zip(names, outputs)}


def unit_stats(activations: np.ndarray) -> dict[str, np.ndarray]:
    """Per-unit statistics of (N, h, w, C) activations: mean, std, max and the share of positions > 0 (notebook 07)."""
    flat = np.asarray(activations).reshape(-1, activations.shape[-1])  # (N*h*w, C)
    return {"mean": flat.mean(0), "std": flat.std(0), "max": flat.max(0), "active": (flat > 0).mean(0)}


# ---------------------------------------------------------------------------------------------------
# Concepts from pixels


def _top(values: np.ndarray, quantile: float) -> np.ndarray:
    return values > np.quantile(values, quantile)


def edge_strength_map(image) -> np.ndarray:
    """Sobel gradient magnitude of the luminance of an (H, W, 3) image, per pixel: (H, W) (notebook 07)."""
    gray = luminance(image)[None, :, :, None]  # (1, H, W, 1)
    sobel = tf.image.sobel_edges(tf.constant(gray, tf.float32))  # (1, H, W, 1, 2): d/dy, d/dx
    return np.sqrt(np.sum(np.asarray(sobel) ** 2, axis=-1))[0, :, :, 0]  # (H, W)


def local_variance_map(image, size: int = 7) -> np.ndarray:
    """Variance of the luminance in the size × size window around each pixel of an (H, W, 3) image: (H, W), 0 where
    the image is flat, large in fine texture (notebooks 07 and 08). Windows at the border average over the pixels
    inside the image. A different measure from :func:`ganstyle_edu.evaluation.texture_energy` (one number per
    image: the mean squared 3×3 Laplacian), so this map's mean is not that number."""
    gray = tf.constant(luminance(image)[None, :, :, None], tf.float32)  # (1, H, W, 1)
    mean = tf.nn.avg_pool2d(gray, size, 1, "SAME")
    mean_sq = tf.nn.avg_pool2d(gray ** 2, size, 1, "SAME")
    return np.asarray(mean_sq - mean ** 2)[0, :, :, 0]  # (H, W)


def edge_mask(image, quantile: float = 0.9) -> np.ndarray:
    """Pixels whose Sobel gradient magnitude of the luminance is in the top (1 − quantile) (notebook 07)."""
    return _top(edge_strength_map(image), quantile)


def brightness_mask(image, quantile: float = 0.8) -> np.ndarray:
    """The brightest (1 − quantile) of the pixels, by luminance (notebook 07)."""
    return _top(luminance(image), quantile)


def texture_mask(image, size: int = 7, quantile: float = 0.8) -> np.ndarray:
    """Pixels with the highest local variance of the luminance in a size × size window (notebook 07)."""
    return _top(local_variance_map(image, size), quantile)


def color_masks(image, num_colors: int = 4, seed: int = 0, iterations: int = 20) -> np.ndarray:
    """k-means colour clusters of an image: (num_colors, H, W) boolean masks, one per cluster, that
    partition the image, ordered from the darkest centre to the brightest (notebook 07)."""
    pixels = np.asarray(image, np.float32)[..., :3].reshape(-1, 3)  # (H*W, 3)
    rng = np.random.default_rng(seed)
    centres = pixels[rng.choice(len(pixels), num_colors, replace=False)]
    for _ in range(iterations):
        labels = np.argmin(((pixels[:, None] - centres[None]) ** 2).sum(-1), axis=1)  # (H*W,)
        for k in range(num_colors):
            if np.any(labels == k):
                centres[k] = pixels[labels == k].mean(0)
    order = np.argsort(luminance(centres))
    labels = np.argsort(order)[labels]  # relabel: 0 = darkest centre
    return np.stack([labels == k for k in range(num_colors)]).reshape(num_colors, *np.shape(image)[:2])


CONCEPTS = {"edges": edge_mask, "bright": brightness_mask, "texture": texture_mask}
# what each mask of CONCEPTS thresholds: a (H, W) strength per pixel
STRENGTHS = {"edges": edge_strength_map, "bright": luminance, "texture": local_variance_map}


# ---------------------------------------------------------------------------------------------------
# Agreement: IoU


def upsample_maps(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, h, w) or (N, h, w, C) activation maps resized bilinearly to ``size`` (notebook 07)."""
    maps = np.asarray(maps, np.float32)
    squeeze = maps.ndim == 3
    batch = maps[..., None] if squeeze else maps  # (N, h, w, C)
    resized = np.asarray(tf.image.resize(batch, size, method="bilinear"))  # (N, H, W, C)
    return resized[..., 0] if squeeze else resized


def unit_iou(maps: np.ndarray, masks: np.ndarray, quantile: float = 0.99) -> np.ndarray:
    """IoU of every unit with a concept, summed over a set of images (GAN Dissection) (notebook 07).

    maps: (N, h, w, C) activations; masks: (N, H, W) boolean concept masks. Each unit's threshold is the
    ``quantile`` of its activations over all N images and positions (after upsampling to H × W).
    Returns (C,) IoU values in [0, 1].
    """
    masks = np.asarray(masks, bool)
    if masks.ndim != 3 or len(masks) != len(maps):
        raise ValueError(f"unit_iou: masks {masks.shape} must be (N, H, W) with N = {len(maps)} images")
    upsampled = upsample_maps(maps, masks.shape[1:])  # (N, H, W, C)
    flat = upsampled.reshape(-1, upsampled.shape[-1])  # (N*H*W, C)
    thresholds = np.quantile(flat, quantile, axis=0)  # (C,)
    fired = flat > thresholds  # (N*H*W, C)
    concept = masks.reshape(-1, 1)  # (N*H*W, 1)
    intersection = (fired & concept).sum(0)
    union = (fired | concept).sum(0)
    return np.where(union > 0, intersection / np.maximum(union, 1), 0.0)


# ---------------------------------------------------------------------------------------------------
# Causation: ablation and insertion


class ChannelEdit(keras.layers.Layer):
    """x · keep + value · (1 − keep) per channel: keep = 0 for the edited units (notebook 07)."""

    def __init__(self, keep, value, **kwargs):
        super().__init__(**kwargs)
        self.keep = np.asarray(keep, np.float32)
        self.value = np.asarray(value, np.float32)

    def call(self, x):
        return x * self.keep + self.value * (1.0 - self.keep)  # (B, h, w, C) with the edited channels replaced


def edit_units(generator, layer_name: str, units, value=0.0) -> keras.Model:
    """A copy of ``generator`` (sharing its weights) whose ``layer_name`` output has ``units`` set to ``value``
    everywhere: 0 ablates them (GAN Dissection), a high value inserts them (notebook 07).

    value: a number, or one value per edited unit (e.g. each unit's mean activation: a softer ablation).
    """
    layer = generator.get_layer(layer_name)
    channels = layer.output.shape[-1]
    units = np.atleast_1d(np.asarray(units, int))
    if units.size and (units.min() < 0 or units.max() >= channels):
        raise ValueError(f"edit_units: units {units.tolist()} out of range for {layer_name} ({channels} channels)")
    keep = np.ones(channels, np.float32)
    keep[units] = 0.0
    values = np.zeros(channels, np.float32)
    values[units] = value
    edit = ChannelEdit(keep, values, name=f"{layer_name}_edit")

    def call_function(called, *args, **kwargs):
        out = called(*args, **kwargs)
        return edit(out) if called is layer else out

    return keras.models.clone_model(generator, clone_function=lambda same: same, call_function=call_function)


# ---------------------------------------------------------------------------------------------------
# A layer's dissection, and the measured effect of an edit


def _outputs_as_images(outputs, value_range: str) -> np.ndarray:
    outputs = np.asarray(outputs, np.float32)
    return to_unit(outputs) if value_range == "signed" else outputs  # (N, H, W, 3) in [0, 1]


def dissect_layer(generator, inputs, layer: str, quantile: float = 0.9, concept_quantile: float = 0.9,
                  value_range: str = "unit") -> dict:
    """Run ``generator`` on ``inputs`` — photos (N, H, W, 3) for a style generator, noise (N, D) for a DCGAN — and
    score every unit of ``layer`` against each concept of the *output* images (as GAN Dissection segments the
    generated image) (notebook 07). value_range: the generator's output range, "unit" ([0, 1]; the default) or
    "signed" ([−1, 1], a DCGAN's tanh); the outputs are mapped to [0, 1].

    Returns {"outputs": (N, H, W, 3), "activations": (N, h, w, C), "masks": {concept: (N, H, W)},
    "iou": {concept: (C,)}, "stats": unit_stats}. Concepts: :data:`CONCEPTS` (edges, bright, texture) at
    their top (1 − concept_quantile) and the k-means colours of each output ("colour 0" = darkest).
    A unit's region is its top (1 − quantile): with both at 0.9 a perfect unit scores 1, and a unit that
    fires independently of the concept ≈ 0.1² / (0.1 + 0.1 − 0.1²) = 0.053 (GAN Dissection's top 1 % would
    cap the IoU with a 10 % concept at 0.1).
    """
    check_value_range(value_range, "dissect_layer")
    found = layer_activations(generator, np.asarray(inputs, np.float32), [layer, generator.layers[-1].name])
    activations = found[layer]
    outputs = _outputs_as_images(found[generator.layers[-1].name], value_range)
    masks = {name: np.stack([make(image, quantile=concept_quantile) for image in outputs])
             for name, make in CONCEPTS.items()}
    colours = np.stack([color_masks(image) for image in outputs])  # (N, K, H, W)
    for k in range(colours.shape[1]):
        masks[f"colour {k}"] = colours[:, k]
    return {"outputs": outputs, "activations": activations, "masks": masks, "stats": unit_stats(activations),
            "iou": {name: unit_iou(activations, mask, quantile) for name, mask in masks.items()}}


def ablation_effect(generator, inputs, layer: str, units, value=0.0, style=None, extractor=None,
                    value_range: str = "unit") -> dict:
    """Outputs before and after setting ``units`` of ``layer`` to ``value``, and what changed (notebook 07).

    inputs: photos (N, H, W, 3) for a style generator, noise (N, D) for a DCGAN (then pass value_range="signed").
    Measured per input (arrays (N,)): each concept's area ("edges_area", "bright_area", "texture_area": the
    share of pixels above the 90th percentile of that concept's strength in the *unedited* outputs — one fixed
    threshold before and after), mean brightness; when the inputs are photos of the outputs' size, content
    distance (mean squared difference of VGG relu4_2 features between output and photo) and content SSIM;
    and, with ``style`` (H, W, 3), the style distance to the painting (:func:`ganstyle_edu.metrics.style_distance`).
    Returns {"before": {...}, "after": {...}, "outputs": (N, H, W, 3), "edited": (N, H, W, 3), "thresholds":
    {concept: the strength above which a pixel counts toward that concept's area}} — so that
    ``STRENGTHS[concept](image) > thresholds[concept]`` is the area's mask of any output, edited or not.
    """
    from .features import CONTENT_LAYER, STYLE_LAYERS, FeatureExtractor
    from .gram import gram_matrix
    from .metrics import content_preservation

    check_value_range(value_range, "ablation_effect")
    inputs = np.asarray(inputs, np.float32)
    extractor = extractor or FeatureExtractor(list(STYLE_LAYERS) + [CONTENT_LAYER])
    last = generator.layers[-1].name
    outputs = _outputs_as_images(layer_activations(generator, inputs, last)[last], value_range)
    edited = layer_activations(edit_units(generator, layer, units, value), inputs, last)[last]
    edited = _outputs_as_images(edited, value_range)
    photos = inputs if inputs.shape == outputs.shape else None  # a style generator's photos: content is measured

    def concept_strengths(images):
        return {name: np.stack([fn(image) for image in images]) for name, fn in STRENGTHS.items()}  # (N, H, W) each

    strengths = concept_strengths(outputs)
    thresholds = {name: np.quantile(values, 0.9) for name, values in strengths.items()}
    photo_content = None if photos is None else np.asarray(extractor(photos)[CONTENT_LAYER])
    style_grams = None
    if style is not None:
        style_grams = {name: gram_matrix(f) for name, f in extractor(style).items() if name in STYLE_LAYERS}

    def measure(images, image_strengths):
        found = extractor(images) if photos is not None or style_grams is not None else None  # VGG only if needed
        result = {f"{name}_area": (image_strengths[name] > threshold).mean(axis=(1, 2))
                  for name, threshold in thresholds.items()}
        result["brightness"] = np.array([luminance(image).mean() for image in images])
        if photos is not None:
            result["content_distance"] = ((np.asarray(found[CONTENT_LAYER]) - photo_content) ** 2).mean(axis=(1, 2, 3))
            result["ssim"] = np.array([content_preservation(image, photo) for image, photo in zip(images, photos)])
        if style_grams is not None:  # metrics.style_distance, for the whole batch at once
            result["style_distance"] = sum(np.mean((np.asarray(gram_matrix(found[name])) - np.asarray(gram)) ** 2,
                                                   axis=(1, 2)) for name, gram in style_grams.items())
        return result

    return {"before": measure(outputs, strengths), "after": measure(edited, concept_strengths(edited)),
            "outputs": outputs, "edited": edited, "thresholds": thresholds}
