"""Feature visualisation: the image a channel likes best (notebook 08).

Activation maximisation (Erhan et al. 2009; Olah et al. 2017, "Feature Visualization") runs gradient
ascent on the *input* to maximise one channel's mean activation a_k:

    x* = argmax_x  mean_(i,j) A_k(x)(i, j)  −  λ_tv · TV(x).

Unregularised, the optimum is high-frequency noise that no photo contains. Three regularisers keep it
readable: the image is a sigmoid of free parameters (pixels stay in [0, 1]); each step sees the image
shifted by a random *jitter* of a few pixels (a feature must survive small translations); and every few
steps the parameters are *blurred* (a penalty on high frequencies), plus an optional total-variation term.
Small images (64–96 px) and ~100 steps run in seconds on a CPU.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .config import import_tensorflow
from .images import check_value_range, to_signed

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)


def channel_objective(model: keras.Model, layer: str, channel: int, value_range: str = "unit",
                      preprocess: Callable | None = None) -> Callable:
    """f(images in [0, 1]) = mean activation of ``channel`` at ``layer`` of a functional ``model`` (notebook 08).

    value_range: the range the model expects, "unit" ([0, 1]) or "signed" ([−1, 1], a DCGAN
    discriminator); preprocess: applied after that rescaling (e.g. VGG's BGR mean subtraction).
    """
    check_value_range(value_range, "channel_objective")
    known = [l.name for l in model.layers]
    if layer not in known:
        raise ValueError(f"channel_objective: no layer {layer!r} in {model.name}; layers: {', '.join(known)}")
    probe = keras.Model(model.input, model.get_layer(layer).output)
    channels = probe.output.shape[-1]
    if not 0 <= channel < channels:
        raise ValueError(f"channel_objective: channel {channel} out of range for {layer} ({channels} channels)")

    def objective(images):
        x = to_signed(images) if value_range == "signed" else images
        x = preprocess(x) if preprocess is not None else x
        return tf.reduce_mean(probe(x, training=False)[..., channel])

    return objective


def extractor_objective(extractor, layer: str, channel: int) -> Callable:
    """f(images in [0, 1]) = mean activation of ``channel`` at ``layer`` of a FeatureExtractor's VGG (notebook 08)."""
    features = extractor(np.zeros((1, 16, 16, 3), np.float32))
    if layer not in features:
        raise ValueError(f"extractor_objective: the extractor computes {', '.join(features)}, not {layer!r}")
    channels = features[layer].shape[-1]
    if not 0 <= channel < channels:
        raise ValueError(f"extractor_objective: channel {channel} out of range for {layer} ({channels} channels)")
    return lambda images: tf.reduce_mean(extractor(images)[layer][..., channel])


def _gaussian_kernel(sigma: float) -> tf.Tensor:
    radius = max(int(np.ceil(2 * sigma)), 1)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    kernel = np.outer(taps, taps)[:, :, None, None] * np.eye(3)[None, None]  # (k, k, 3, 3): per colour channel
    return tf.constant(kernel, tf.float32)


def maximize_activation(objective: Callable, size: int = 64, num_steps: int = 128, learning_rate: float = 0.05,
                        jitter: int = 4, blur_every: int = 4, blur_sigma: float = 0.5, tv_weight: float = 0.0,
                        seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """Gradient ascent on an image (module docstring): (image (size, size, 3) in [0, 1], objective per step)
    (notebook 08).

    jitter: the largest random shift in pixels per step (0: off); blur_every / blur_sigma: blur the
    parameters every ``blur_every`` steps (0: off); tv_weight: total-variation penalty (0: off).
    """
    if size < 8 or num_steps < 1:
        raise ValueError(f"maximize_activation: size={size} must be at least 8 and num_steps={num_steps} at least 1")
    rng = np.random.default_rng(seed)
    logits = tf.Variable(0.1 * rng.standard_normal((1, size, size, 3)).astype(np.float32))
    optimizer = keras.optimizers.Adam(learning_rate)
    kernel = _gaussian_kernel(blur_sigma) if blur_every else None

    @tf.function
    def step(shift):
        with tf.GradientTape() as tape:
            image = tf.sigmoid(logits)  # (1, S, S, 3) in [0, 1]
            moved = tf.roll(image, shift, axis=[1, 2])  # jitter: a random translation
            value = objective(moved)
            loss = -value + tv_weight * tf.reduce_mean(tf.image.total_variation(image)) / float(size * size)
        optimizer.apply_gradients([(tape.gradient(loss, logits), logits)])
        return value

    history = []
    for index in range(num_steps):
        shift = rng.integers(-jitter, jitter + 1, size=2).astype(np.int32) if jitter else np.zeros(2, np.int32)
        history.append(float(step(tf.constant(shift))))
        if kernel is not None and (index + 1) % blur_every == 0:
            padded = tf.pad(logits, [[0, 0], [kernel.shape[0] // 2] * 2, [kernel.shape[0] // 2] * 2, [0, 0]], "REFLECT")
            logits.assign(tf.nn.conv2d(padded, kernel, 1, "VALID"))
    return np.asarray(tf.sigmoid(logits))[0], history
