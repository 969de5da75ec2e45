"""Which pixels a network's verdict depends on: gradients, Grad-CAM, realism maps, style-loss attribution (notebook 08).

A score s(x) — a discriminator's logit, a loss — is a function of every pixel. Four ways to map it:

* *Input gradient* (Simonyan et al. 2014): ∂s/∂x, how much a tiny change of each pixel moves s.
  SmoothGrad (Smilkov et al. 2017) averages it over noisy copies of x, which removes the speckle.
* *Integrated gradients* (Sundararajan et al. 2017): from a baseline x′ (here: the image's mean colour),

      IG_i(x) = (x_i − x′_i) · ∫₀¹ ∂s/∂x_i (x′ + α(x − x′)) dα,    with Σ_i IG_i(x) = s(x) − s(x′)

  (completeness; the integral is a Riemann sum, so the identity holds up to its error). A flat image
  equals its baseline: every attribution is exactly 0.
* *Grad-CAM* (Selvaraju et al. 2017): weight a convolutional layer's channels A_k by their average
  gradient α_k = mean_(i,j) ∂s/∂A_k(i, j), and keep the positive part of Σ_k α_k A_k: a coarse map of
  where the evidence for s sits.
* *PatchGAN realism map* (Isola et al. 2017): a patch discriminator already answers per patch.

Style-loss attribution. With G = (1/M) Σ_x f_x f_xᵀ over the M positions of a layer with C channels and
a target Gram A, the style loss (1/C²)‖G − A‖² splits exactly into one term per position, because
G − A = (1/M) Σ_x (f_x f_xᵀ − A):

    L = Σ_x c(x),    c(x) = ⟨f_x f_xᵀ − A, G − A⟩ / (C² M).

c(x) > 0 where position x adds to the current error (too much of a correlation the painting lacks),
c(x) < 0 where it pulls the Gram toward the painting's.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .config import import_tensorflow
from .gram import gram_matrix
from .images import check_value_range, load_image, to_signed

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

ScoreFn = Callable[[tf.Tensor], tf.Tensor]  # (N, H, W, 3) images → (N,) scores


def _mean_logit(output) -> tf.Tensor:
    """(N, 1) logits, or a patch discriminator's (N, h, w, 1) map → (N,): each image's mean logit."""
    return tf.reduce_mean(tf.reshape(output, (tf.shape(output)[0], -1)), axis=1)


def logit_score(discriminator) -> ScoreFn:
    """s(x) = the discriminator's logit for each image — a patch discriminator's mean logit — in inference mode
    (notebook 08)."""
    return lambda images: _mean_logit(discriminator(images, training=False))


def _images(images) -> tf.Tensor:
    images = tf.convert_to_tensor(np.asarray(images, np.float32))
    if images.shape.rank != 4:
        raise ValueError(f"expected a batch of images (N, H, W, C), got shape {images.shape}")
    return images


def input_gradients(score: ScoreFn, images) -> np.ndarray:
    """∂s(x_n)/∂x_n for each image: (N, H, W, C), as the images (notebook 08)."""
    images = _images(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(score(images))  # each image's score depends on that image only
    return np.asarray(tape.gradient(total, images))


def smoothgrad(score: ScoreFn, images, num_samples: int = 16, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """Input gradients averaged over ``num_samples`` copies with Gaussian noise of std ``noise`` (notebook 08).

    noise is in the images' own units (0.1 = 5 % of a [−1, 1] range)."""
    images = np.asarray(images, np.float32)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(images)
    for _ in range(num_samples):
        total += input_gradients(score, images + noise * rng.standard_normal(images.shape).astype(np.float32))
    return total / num_samples


def mean_color_baseline(images) -> np.ndarray:
    """Each image replaced by its mean colour: (N, H, W, C) (notebook 08)."""
    images = np.asarray(images, np.float32)
    return np.broadcast_to(images.mean(axis=(1, 2), keepdims=True), images.shape).copy()


def integrated_gradients(score: ScoreFn, images, baseline=None, num_steps: int = 32) -> np.ndarray:
    """Integrated gradients from ``baseline`` (default: each image's mean colour) to the image (notebook 08).

    Midpoint Riemann sum with ``num_steps`` points; Σ attributions ≈ s(x) − s(baseline) (module docstring).
    Returns (N, H, W, C).
    """
    images = np.asarray(images, np.float32)
    baseline = mean_color_baseline(images) if baseline is None else np.broadcast_to(baseline, images.shape)
    baseline = np.asarray(baseline, np.float32)
    total = np.zeros_like(images)
    for alpha in (np.arange(num_steps) + 0.5) / num_steps:
        total += input_gradients(score, baseline + alpha * (images - baseline))
    return (images - baseline) * total / num_steps


def saliency_map(attributions) -> np.ndarray:
    """(N, H, W, C) attributions → (N, H, W): the sum of |·| over colour channels (notebook 08)."""
    return np.abs(np.asarray(attributions)).sum(axis=-1)


def grad_cam(model: keras.Model, images, layer: str, score: Callable | None = None) -> np.ndarray:
    """Grad-CAM maps of a functional ``model`` at ``layer``: (N, h, w), ≥ 0, at the layer's resolution (notebook 08).

    score: maps the model's output (N, ...) to (N,) scores; default: the mean logit (a DCGAN discriminator's one
    logit, or a PatchGAN's mean over its patches).
    Upsample with :func:`ganstyle_edu.dissect.upsample_maps` to lay the map over the image.
    """
    known = [l.name for l in model.layers]
    if layer not in known:
        raise ValueError(f"grad_cam: no layer {layer!r} in {model.name}; layers: {', '.join(known)}")
    probe = keras.Model(model.input, [model.get_layer(layer).output, model.output])
    score = score or _mean_logit
    images = _images(images)
    with tf.GradientTape() as tape:
        activations, output = probe(images, training=False)  # (N, h, w, K), (N, ...)
        total = tf.reduce_sum(score(output))
    grads = tape.gradient(total, activations)  # (N, h, w, K)
    weights = tf.reduce_mean(grads, axis=[1, 2], keepdims=True)  # (N, 1, 1, K): α_k
    return np.asarray(tf.nn.relu(tf.reduce_sum(weights * activations, axis=-1)))  # (N, h, w)


def realism_map(discriminator, image) -> np.ndarray:
    """A PatchGAN's verdict on every patch of ``image`` (H, W, 3) in [0, 1]: σ(logit), shape (H/8, W/8)
    (notebooks 06 and 08).

    Cell (i, j) is D's probability that the ~70-pixel patch centred near pixel (8i + 4, 8j + 4) is a
    patch of the painting (the three stride-2 convolutions put neighbouring cells 8 pixels apart).
    """
    image = load_image(image)
    logits = np.asarray(discriminator(image[None], training=False))  # (1, H/8, W/8, 1)
    return 1.0 / (1.0 + np.exp(-logits[0, :, :, 0]))  # (H/8, W/8)


def sliding_realism_map(discriminator, image, stride: int = 16, value_range: str = "signed",
                        batch_size: int = 256, window: int | None = None) -> np.ndarray:
    """A discriminator slid over a larger image: D's probability for every window it was trained on, ``stride``
    pixels apart: (rows, cols) (notebook 08).

    image: (H, W, 3) in [0, 1], rescaled to ``value_range``, the range the discriminator expects: "signed"
    ([−1, 1], a GAN discriminator's; the default) or "unit" ([0, 1]). window: the side S of the windows — by
    default the discriminator's input side; a patch discriminator (any input size) needs it, the crop size it
    was trained on. Cell (i, j) judges pixels [i·stride, i·stride + S) × [j·stride, j·stride + S) with σ of the
    window's score: its logit, or a patch discriminator's mean logit (:func:`logit_score`). Each window is judged
    alone, as in training (a normalisation over the whole image would mix the windows).
    """
    check_value_range(value_range, "sliding_realism_map")
    image = load_image(image)
    size = window if window is not None else discriminator.input_shape[1]
    if size is None:
        raise ValueError("sliding_realism_map: this discriminator takes any input size; pass window=, the crop "
                         "size it was trained on (e.g. 64)")
    size = int(size)
    if min(image.shape[:2]) < size:
        raise ValueError(f"sliding_realism_map: the image ({image.shape[0]}×{image.shape[1]}) is smaller than "
                         f"the discriminator's {size}×{size} window")
    scaled = (to_signed(image) if value_range == "signed" else image).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(scaled, (size, size, 3))[::stride, ::stride, 0]
    rows, cols = windows.shape[:2]  # windows: (rows, cols, S, S, 3)
    flat = windows.reshape(-1, size, size, 3)  # (rows*cols, S, S, 3)
    logits = np.concatenate([np.asarray(_mean_logit(discriminator(flat[i:i + batch_size], training=False)))
                             for i in range(0, len(flat), batch_size)])  # (rows*cols,): a map's mean, or the logit
    return (1.0 / (1.0 + np.exp(-logits))).reshape(rows, cols)


def occlusion_effect(score: ScoreFn, images, maps, fraction: float = 0.1, seed: int = 0) -> dict[str, np.ndarray]:
    """Does a saliency map point at what matters? Replace the top ``fraction`` of pixels by ``maps`` with
    the image's mean colour, and (as a control) the same number of random pixels; return the scores
    before and after each, every one (N,) (notebook 08)."""
    images = np.asarray(images, np.float32)
    maps = np.asarray(maps, np.float32)
    if maps.shape != images.shape[:3]:
        raise ValueError(f"occlusion_effect: maps {maps.shape} must be (N, H, W) = {images.shape[:3]}")
    if not 0 < fraction < 1:
        raise ValueError(f"occlusion_effect: fraction={fraction} must be between 0 and 1")
    baseline = mean_color_baseline(images)
    flat = maps.reshape(len(maps), -1)  # (N, H*W)
    count = max(int(round(fraction * flat.shape[1])), 1)
    top = np.zeros_like(flat, bool)
    np.put_along_axis(top, np.argsort(-flat, axis=1)[:, :count], True, axis=1)
    rng = np.random.default_rng(seed)
    random = np.zeros_like(flat, bool)
    for row in random:
        row[rng.choice(flat.shape[1], count, replace=False)] = True

    def scores(batch):
        return np.asarray(score(tf.constant(batch, tf.float32)))

    out = {"original": scores(images)}
    for name, chosen in (("salient", top), ("random", random)):
        mask = chosen.reshape(maps.shape)[..., None]  # (N, H, W, 1)
        out[name] = scores(np.where(mask, baseline, images))
    return out


def style_attribution(features, target_gram) -> np.ndarray:
    """Per-position shares c(x) of one layer's style loss (module docstring): (N, h, w), summing over (h, w)
    to each image's loss mean((G − A)²) (notebook 08).

    features: (N, h, w, C) activations of the image(s); target_gram: (C, C) or (1, C, C), the painting's Gram.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    target = tf.reshape(tf.convert_to_tensor(target_gram, tf.float32), (1, features.shape[-1], features.shape[-1]))
    error = gram_matrix(features) - target  # (N, C, C): G − A
    channels = float(features.shape[-1])
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], tf.float32)
    along = tf.einsum("nhwc,ncd,nhwd->nhw", features, error, features)  # f_xᵀ (G − A) f_x
    offset = tf.reduce_sum(target * error, axis=[1, 2])[:, None, None]  # ⟨A, G − A⟩, (N, 1, 1)
    return np.asarray((along - offset) / (channels ** 2 * positions))  # (N, h, w)
