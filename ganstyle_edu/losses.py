"""The perceptual losses of style transfer: content, style and total variation (introduced in notebook 02).

For an image x, a content image p and a style image a, with feature maps F^l(·) and normalised Gram
matrices G^l(·) (see :mod:`ganstyle_edu.gram`):

    L_content = mean over (i, j, c) of (F^l(x) − F^l(p))²                 (one or more content layers)
    L_style   = Σ_l w_l · mean over (c, d) of (G^l(x) − G^l(a))²           (w_l: per-layer weights)
    L_tv      = Σ_{i,j} |x_{i+1,j} − x_{i,j}| + |x_{i,j+1} − x_{i,j}|      (tf.image.total_variation)
    L         = α · L_content / n_content + β · L_style / n_style + γ · L_tv

These are the definitions of the TensorFlow style-transfer tutorial, so its weights (α = 1e4,
β = 1e-2, γ = 30) carry over; a mean over entries keeps every layer's term on a comparable scale.
"""
from __future__ import annotations

from .config import import_tensorflow
from .gram import gram_matrix, mean_std

tf = import_tensorflow()


def content_loss(features, targets, weights=None) -> tf.Tensor:
    """Mean squared difference of feature maps, summed over layers (notebook 02).

    features, targets: {layer: (B, H, W, C)} with the same keys. weights: optional {layer: (1, H, W, 1)}
    per-position weights — a spatially weighted content loss (notebook 10's legible letters).
    """
    weights = weights or {}
    return tf.add_n([tf.reduce_mean(weights.get(layer, 1.0) * (features[layer] - targets[layer]) ** 2)
                     for layer in targets])


def style_loss(features, target_grams, layer_weights=None) -> tf.Tensor:
    """Σ_l w_l · mean((G^l(x) − A^l)²) (notebook 02).

    features: {layer: (B, H, W, C)}; target_grams: {layer: (1 or B, C, C)};
    layer_weights: {layer: w} (default 1 each).
    """
    weights = layer_weights or {}
    return tf.add_n([weights.get(layer, 1.0) * tf.reduce_mean((gram_matrix(features[layer]) - gram) ** 2)
                     for layer, gram in target_grams.items()])


def mean_std_loss(features, target_stats, layer_weights=None) -> tf.Tensor:
    """Σ_l w_l · [mean((μ^l(x) − μ^l_a)²) + mean((σ^l(x) − σ^l_a)²)]: style as AdaIN statistics (notebook 01).

    target_stats: {layer: (mean (1, C), std (1, C))}.
    """
    weights = layer_weights or {}
    terms = []
    for layer, (target_mean, target_std) in target_stats.items():
        mean, std = mean_std(features[layer])
        terms.append(weights.get(layer, 1.0) * (tf.reduce_mean((mean - target_mean) ** 2)
                                                + tf.reduce_mean((std - target_std) ** 2)))
    return tf.add_n(terms)


def total_variation_loss(images, smoothing: float = 0.0) -> tf.Tensor:
    """Sum of absolute differences between neighbouring pixels, summed over the batch (notebook 02).

    smoothing ε > 0 replaces |d| by the Charbonnier penalty √(d² + ε²) − ε: smooth at d = 0 (so that
    quasi-Newton methods see a consistent curvature) and within ε of |d| everywhere.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if not smoothing:
        return tf.reduce_sum(tf.image.total_variation(images))
    down = images[:, 1:, :, :] - images[:, :-1, :, :]  # (B, H-1, W, C)
    right = images[:, :, 1:, :] - images[:, :, :-1, :]  # (B, H, W-1, C)
    eps2 = smoothing ** 2
    return (tf.reduce_sum(tf.sqrt(down ** 2 + eps2) - smoothing)
            + tf.reduce_sum(tf.sqrt(right ** 2 + eps2) - smoothing))
