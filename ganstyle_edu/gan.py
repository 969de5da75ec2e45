"""Training a GAN: the two-player game as a ``keras.Model``, and checks of what it learned (notebook 05).

A generator G turns noise z ~ N(0, I) into images; a discriminator D scores images with a logit l. They play
Goodfellow et al.'s (2014) game min_G max_D E_x[log D(x)] + E_z[log(1 − D(G(z)))], one gradient step each
per batch, with one of the adversarial losses of :mod:`ganstyle_edu.losses` ("minimax", "non_saturating",
"hinge", "least_squares"; their equations, and why the non-saturating one learns where the minimax one
stalls, are in that module).

R1 (Mescheder et al. 2018) penalises D's gradient on real images, which keeps D smooth where the data
are: L_D += (γ/2)·E_x‖∇_x l(x)‖²  (``r1_weight`` = γ; 10 in the paper).

:class:`GAN` is a ``keras.Model`` whose ``train_step`` takes one D step and one G step per batch
(keras-io's "DCGAN overriding train_step"); :func:`train` runs it for a number of steps with callbacks from
:mod:`ganstyle_edu.callbacks`, which record the metrics (``MetricsHistory``), film a fixed-noise sample
grid (``SampleGrid``), flag sick runs (``HealthMonitor``) and save resumable checkpoints (``Checkpoint``,
written atomically by :mod:`ganstyle_edu.checkpoints`). :func:`nearest_training_crops` checks a trained
generator for memorised training crops.
"""
from __future__ import annotations

import numpy as np

from .augment import diff_augment, parse_policy
from .callbacks import HealthMonitor, MetricsHistory
from .config import import_tensorflow
from .losses import check_adversarial_loss, discriminator_loss, generator_loss

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

METRIC_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")


def _default_optimizer(name: str):
    return keras.optimizers.Adam(2e-4, beta_1=0.5, name=name)


class GAN(keras.Model):
    """A generator and a discriminator trained against each other, one step each per batch (notebook 05).

    generator: (B, latent_dim) → (B, H, W, 3) in [−1, 1]; discriminator: (B, H, W, 3) → (B, 1) logits.
    latent_dim: default ``generator.input_shape[-1]``. loss: one of
    :data:`ganstyle_edu.losses.ADVERSARIAL_LOSSES`. r1_weight: γ of the R1 penalty (0: off). seed: seeds the
    noise of ``train_step`` (a ``keras.random.SeedGenerator``).
    augment: a DiffAugment policy (Zhao et al. 2020, ``augment.py``), e.g. "color,translation,cutout": the
    same kind of random differentiable transformation is applied to real and fake images before D, in both
    steps; "" (default) applies none.

    ``fit`` feeds batches of real images in [−1, 1] (or (images, anything) pairs). The logs are the
    values of *that* batch — the trackers are reset at each step, so they are not running means:
    d_loss, g_loss, d_real = mean σ(D(x)), d_fake = mean σ(D(G(z))), d_grad_norm and g_grad_norm (global
    norms of the gradients applied), and r1 (E‖∇_x D(x)‖²) when the penalty is on. :attr:`step` counts
    the training steps taken, including those before a checkpoint was restored.
    """

    def __init__(self, generator, discriminator, latent_dim: int | None = None, loss: str = "non_saturating",
                 r1_weight: float = 0.0, seed: int = 0, augment: str = "", **kwargs):
        super().__init__(**kwargs)
        check_adversarial_loss(loss)
        self.augment_policy = parse_policy(augment)
        if r1_weight < 0:
            raise ValueError(f"r1_weight={r1_weight} must be 0 (off) or positive (10 in Mescheder et al. 2018)")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim if latent_dim is not None else generator.input_shape[-1])
        self.gan_loss = loss
        self.r1_weight = float(r1_weight)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = METRIC_NAMES + (("r1",) if self.r1_weight > 0 else ())
        self.trackers = [keras.metrics.Mean(name=name) for name in names]
        self.g_optimizer = None
        self.d_optimizer = None
        self.built = True  # both networks are built; lets save_weights / load_weights run

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """One optimizer per network; default Adam(2e-4, β1 = 0.5) each, as in DCGAN (notebook 05).

        Other keyword arguments go to ``keras.Model.compile`` (e.g. ``jit_compile``, ``run_eagerly``).
        """
        if g_optimizer is not None and g_optimizer is d_optimizer:
            raise ValueError("g_optimizer and d_optimizer are the same object: give each network its own "
                             "optimizer (one optimizer only knows the variables it was built with)")
        super().compile(optimizer=None, **kwargs)
        self.g_optimizer = g_optimizer if g_optimizer is not None else _default_optimizer("g_adam")
        self.d_optimizer = d_optimizer if d_optimizer is not None else _default_optimizer("d_adam")

    def build_optimizers(self) -> None:
        """Create the optimizers' slot variables now (before assigning saved optimizer state) (notebook 05)."""
        if self.g_optimizer is None:
            raise ValueError("the GAN has no optimizers yet: call gan.compile() first")
        for optimizer, network in ((self.g_optimizer, self.generator), (self.d_optimizer, self.discriminator)):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    def load_weights(self, filepath, *args, **kwargs):
        """``keras.Model.load_weights``, with the optimizers built first so their saved state is loaded too."""
        if self.g_optimizer is not None:
            self.build_optimizers()
        return super().load_weights(filepath, *args, **kwargs)

    @property
    def metrics(self):
        return self.trackers

    @property
    def step(self) -> int:
        """Training steps taken so far (the generator optimizer's iteration count) (notebook 05)."""
        return 0 if self.g_optimizer is None else int(self.g_optimizer.iterations.numpy())

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def _augment(self, images):
        """DiffAugment's T (identity without a policy), with a fresh seed from the model's seed generator."""
        if not self.augment_policy:
            return images
        seed = keras.random.randint((2,), 0, 2 ** 31 - 1, seed=self.seed_generator)
        return diff_augment(images, self.augment_policy, seed)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = tf.cast(real, tf.float32)
        batch_size = tf.shape(real)[0]
        for tracker in self.trackers:
            tracker.reset_state()  # per-batch values, not running means over the epoch

        # Discriminator step: real images up, fakes down.
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(z, training=True)
        values = {}
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self._augment(fake), training=True)
            if self.r1_weight > 0:
                with tf.GradientTape() as inner:
                    inner.watch(real)
                    real_logits = self.discriminator(self._augment(real), training=True)
                input_grads = inner.gradient(real_logits, real)  # (B, H, W, 3); sums over the batch's logits
                r1 = tf.reduce_mean(tf.reduce_sum(tf.square(input_grads), axis=[1, 2, 3]))
                values["r1"] = r1
                d_loss = discriminator_loss(real_logits, fake_logits, self.gan_loss) + 0.5 * self.r1_weight * r1
            else:
                real_logits = self.discriminator(self._augment(real), training=True)
                d_loss = discriminator_loss(real_logits, fake_logits, self.gan_loss)
        d_grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))

        # Generator step, with fresh noise, against the updated discriminator.
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_logits = self.discriminator(self._augment(self.generator(z, training=True)), training=True)
            g_loss = generator_loss(g_logits, self.gan_loss)
        g_grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))

        values.update(d_loss=d_loss, g_loss=g_loss,
                      d_real=tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))),
                      d_fake=tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32))),
                      d_grad_norm=tf.linalg.global_norm(d_grads), g_grad_norm=tf.linalg.global_norm(g_grads))
        for tracker in self.trackers:
            tracker.update_state(values[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def generate(self, num: int | None = None, z=None, seed: int = 0, batch_size: int = 256) -> np.ndarray:
        """Images G(z) in [−1, 1] as a (N, H, W, 3) array, in inference mode (notebook 05).

        Pass z (N, latent_dim), or num to draw N standard-normal vectors with ``seed``.
        """
        if z is None:
            if num is None:
                raise ValueError("generate: pass num (how many images) or z (the noise vectors)")
            z = np.random.default_rng(seed).standard_normal((num, self.latent_dim)).astype(np.float32)
        z = np.asarray(z, np.float32)
        parts = [np.asarray(self.generator(z[i:i + batch_size], training=False))
                 for i in range(0, len(z), batch_size)]
        return np.concatenate(parts, axis=0)


# ---------------------------------------------------------------------------------------------------------------
# Training and checks


def train(gan: GAN, dataset, num_steps: int, callbacks=(), initial_step: int = 0):
    """Train until step ``num_steps``, starting from ``initial_step`` (e.g. a restored checkpoint's) (notebook 05).

    dataset: a ``tf.data.Dataset`` of real-image batches in [−1, 1]; it is repeated as needed. Runs
    ``num_steps − initial_step`` steps of ``gan.fit``. Returns the :class:`MetricsHistory` among
    ``callbacks`` if there is one, else fit's History (None if there was nothing to do).
    :class:`HealthMonitor` callbacks are moved last, so that the others see a step before any restore.
    """
    callbacks = sorted(callbacks, key=lambda c: isinstance(c, HealthMonitor))
    history = next((c for c in callbacks if isinstance(c, MetricsHistory)), None)
    remaining = int(num_steps) - int(initial_step)
    if remaining <= 0:
        return history
    fit_history = gan.fit(dataset.repeat(), steps_per_epoch=remaining, epochs=1, verbose=0,
                          callbacks=callbacks, shuffle=False)
    return history if history is not None else fit_history


def nearest_training_crops(samples, crops, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, the index of and L2 distance to its nearest crop in pixel space (notebook 05).

    samples (N, H, W, C) and crops (M, H, W, C), on the same value scale. A distance near 0 means G
    has memorised that training crop. Distances use ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b over crops in chunks
    of ``batch_size`` (memory ~ batch_size · H·W·C floats), then the winners' distances are recomputed
    exactly.
    """
    samples = np.asarray(samples, np.float32)
    crops = np.asarray(crops, np.float32)
    if samples.shape[1:] != crops.shape[1:]:
        raise ValueError(f"nearest_training_crops: samples {samples.shape[1:]} and crops {crops.shape[1:]} "
                         "differ in shape")
    flat_samples = samples.reshape(len(samples), -1)  # (N, H*W*C)
    sample_norms = np.sum(flat_samples * flat_samples, axis=1)  # (N,)
    best = np.full(len(samples), np.inf, np.float64)
    indices = np.zeros(len(samples), np.int64)
    for start in range(0, len(crops), batch_size):
        chunk = crops[start:start + batch_size].reshape(-1, flat_samples.shape[1])  # (m, H*W*C)
        distances2 = (sample_norms[:, None] + np.sum(chunk * chunk, axis=1)[None, :]
                      - 2.0 * flat_samples @ chunk.T)  # (N, m)
        nearest = np.argmin(distances2, axis=1)
        values = distances2[np.arange(len(samples)), nearest]
        better = values < best
        best[better] = values[better]
        indices[better] = nearest[better] + start
    difference = (samples - crops[indices]).reshape(len(samples), -1).astype(np.float64)  # (N, H*W*C)
    return indices, np.sqrt(np.sum(difference * difference, axis=1))
