"""The losses of the course: perceptual ones for style transfer (notebook 02) and adversarial ones for GANs
(notebooks 03–05).

**Perceptual losses.** For an image x, a content image p and a style image a, with feature maps F^l(·) and
normalised Gram matrices G^l(·) (see :mod:`ganstyle_edu.gram`):

    L_content = mean over (i, j, c) of (F^l(x) − F^l(p))²                 (one or more content layers)
    L_style   = Σ_l w_l · mean over (c, d) of (G^l(x) − G^l(a))²           (w_l: per-layer weights)
    L_tv      = Σ_{i,j} |x_{i+1,j} − x_{i,j}| + |x_{i,j+1} − x_{i,j}|      (tf.image.total_variation)
    L         = α · L_content / n_content + β · L_style / n_style + γ · L_tv

These are the definitions of the TensorFlow style-transfer tutorial, so its weights (α = 1e4,
β = 1e-2, γ = 30) carry over; a mean over entries keeps every layer's term on a comparable scale.

**Adversarial losses.** A generator G turns noise z ~ N(0, I) into images; a discriminator D scores images
with a logit l, D(x) = σ(l(x)) being its probability that x is real. Goodfellow et al. (2014) set up the game

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 − D(G(z)))].

D's side is a binary cross-entropy with labels real = 1, fake = 0. In logits, with softplus(a) =
log(1 + e^a) (numerically stable for any l):

    L_D = softplus(−l(x)) + softplus(l(G(z)))                       ("minimax" and "non_saturating")
    L_G = −softplus(l(G(z)))            = log(1 − D(G(z)))          ("minimax": G minimises V)
    L_G = softplus(−l(G(z)))            = −log D(G(z))              ("non_saturating")

Early in training D rejects the fakes easily, D(G(z)) → 0, and the minimax loss saturates: its
gradient with respect to the logit is d/dl log(1 − σ(l)) = −σ(l) → 0. The non-saturating loss has the
same fixed point but the gradient d/dl (−log σ(l)) = σ(l) − 1 → −1, strongest exactly then.

Two other losses on the raw score l:

    hinge (Lim & Ye 2017; Miyato et al. 2018):  L_D = E[max(0, 1 − l(x))] + E[max(0, 1 + l(G(z)))],  L_G = −E[l(G(z))]
    least squares (Mao et al. 2017, a=0, b=c=1): L_D = ½E[(l(x) − 1)²] + ½E[l(G(z))²],   L_G = ½E[(l(G(z)) − 1)²]

:data:`ADVERSARIAL_LOSSES` names these four; the GAN of :mod:`ganstyle_edu.gan`, the toy GANs of
:mod:`ganstyle_edu.toy2d` and the PatchGAN of :mod:`ganstyle_edu.stylenet` all train with
:func:`discriminator_loss` and :func:`generator_loss`.
"""
from __future__ import annotations

from .config import import_tensorflow
from .gram import gram_matrix, mean_std

tf = import_tensorflow()

ADVERSARIAL_LOSSES = ("minimax", "non_saturating", "hinge", "least_squares")


def content_loss(features, targets, weights=None) -> tf.Tensor:
    """Mean squared difference of feature maps, summed over layers (notebook 02).

    features, targets: {layer: (B, H, W, C)} with the same keys. weights: optional {layer: (1, H, W, 1)}
    per-position weights — a spatially weighted content loss (notebook 10's legible letters) — or (B, 1, 1, 1)
    per-image weights (a style network's ``content_scales``, notebook 06).
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


# ---------------------------------------------------------------------------------------------------------------
# Adversarial losses


def check_adversarial_loss(loss: str) -> None:
    """Raise ValueError unless ``loss`` is one of :data:`ADVERSARIAL_LOSSES` (notebook 05)."""
    if loss not in ADVERSARIAL_LOSSES:
        raise ValueError(f"loss={loss!r} is not a GAN loss: use one of {', '.join(ADVERSARIAL_LOSSES)}")


def discriminator_loss(real_logits, fake_logits, loss: str = "non_saturating", axis=None):
    """D's loss from its logits on a real and a fake batch (notebook 05; notebook 03 in 2-D).

    "minimax"/"non_saturating": mean softplus(−l_real) + mean softplus(l_fake) (binary cross-entropy);
    "hinge": mean max(0, 1 − l_real) + mean max(0, 1 + l_fake);
    "least_squares": ½ mean (l_real − 1)² + ½ mean l_fake².
    axis: the axes the means run over (None: all, a scalar; toy2d uses 1 for one loss per seed).
    """
    check_adversarial_loss(loss)
    real = tf.cast(real_logits, tf.float32)
    fake = tf.cast(fake_logits, tf.float32)
    mean = lambda t: tf.reduce_mean(t, axis=axis)  # noqa: E731
    if loss in ("minimax", "non_saturating"):
        return mean(tf.nn.softplus(-real)) + mean(tf.nn.softplus(fake))
    if loss == "hinge":
        return mean(tf.nn.relu(1.0 - real)) + mean(tf.nn.relu(1.0 + fake))
    return 0.5 * mean(tf.square(real - 1.0)) + 0.5 * mean(tf.square(fake))


def generator_loss(fake_logits, loss: str = "non_saturating", axis=None):
    """G's loss from D's logits on a fake batch (notebook 05; notebook 03 in 2-D).

    "minimax": mean log(1 − σ(l)) = −mean softplus(l) (G minimises the game's value);
    "non_saturating": mean −log σ(l) = mean softplus(−l); "hinge": −mean l;
    "least_squares": ½ mean (l − 1)². axis: as in :func:`discriminator_loss`.
    """
    check_adversarial_loss(loss)
    fake = tf.cast(fake_logits, tf.float32)
    mean = lambda t: tf.reduce_mean(t, axis=axis)  # noqa: E731
    if loss == "minimax":
        return -mean(tf.nn.softplus(fake))
    if loss == "non_saturating":
        return mean(tf.nn.softplus(-fake))
    if loss == "hinge":
        return -mean(fake)
    return 0.5 * mean(tf.square(fake - 1.0))
