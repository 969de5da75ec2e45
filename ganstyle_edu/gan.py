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

from . import distribute
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
    strategy: a ``tf.distribute.Strategy`` (:func:`ganstyle_edu.distribute.make_strategy`; notebook 11) to train
    on several replicas, or None (one device). Build both networks inside ``strategy.scope()``; their batch
    normalisations are then synchronised over replicas, and :func:`train` runs :meth:`distributed_step`.

    ``fit`` feeds batches of real images in [−1, 1] (or (images, anything) pairs). The logs are the
    values of *that* batch — the trackers are reset at each step, so they are not running means:
    d_loss, g_loss, d_real = mean σ(D(x)), d_fake = mean σ(D(G(z))), d_grad_norm and g_grad_norm (global
    norms of the gradients applied), and r1 (E‖∇_x D(x)‖²) when the penalty is on. :attr:`step` counts
    the training steps taken, including those before a checkpoint was restored.
    """

    def __init__(self, generator, discriminator, latent_dim: int | None = None, loss: str = "non_saturating",
                 r1_weight: float = 0.0, seed: int = 0, augment: str = "", strategy=None, **kwargs):
        with distribute.scope(strategy):
            super().__init__(**kwargs)
        check_adversarial_loss(loss)
        for network, what in ((generator, "generator"), (discriminator, "discriminator")):
            distribute.check_created_in_scope(strategy, network, what)
            if strategy is not None:
                distribute.synchronize_batch_norm(network)
        self.augment_policy = parse_policy(augment)
        if r1_weight < 0:
            raise ValueError(f"r1_weight={r1_weight} must be 0 (off) or positive (10 in Mescheder et al. 2018)")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim if latent_dim is not None else generator.input_shape[-1])
        self.gan_loss = loss
        self.r1_weight = float(r1_weight)
        self.seed = seed
        self.strategy = strategy
        self._distributed_step = None
        with distribute.scope(strategy):
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
        with distribute.scope(self.strategy):
            self.g_optimizer = g_optimizer if g_optimizer is not None else _default_optimizer("g_adam")
            self.d_optimizer = d_optimizer if d_optimizer is not None else _default_optimizer("d_adam")
            if self.strategy is not None:
                self.build_optimizers()  # their slots must be created in the strategy's scope

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

    def _random_inputs(self, batch_size):
        """One step's random numbers, drawn from the model's seed generator in the order the step uses them:
        D's noise (B, latent_dim), DiffAugment seeds for fake and real, G's noise, G's DiffAugment seed."""
        z_discriminator = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        seeds = []
        if self.augment_policy:
            seeds += [keras.random.randint((2,), 0, 2 ** 31 - 1, seed=self.seed_generator) for _ in range(2)]
        z_generator = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        if self.augment_policy:
            seeds.append(keras.random.randint((2,), 0, 2 ** 31 - 1, seed=self.seed_generator))
        return z_discriminator, z_generator, seeds

    def _augment(self, images, seed=None):
        """DiffAugment's T (identity without a policy), with ``seed`` (2,) or a fresh one from the model's seed
        generator; under a strategy, each replica varies the seed."""
        if not self.augment_policy:
            return images
        if seed is None:
            seed = keras.random.randint((2,), 0, 2 ** 31 - 1, seed=self.seed_generator)
        return diff_augment(images, self.augment_policy, distribute.replica_seed(seed))

    def _players_step(self, real, z_discriminator, z_generator, seeds):
        """One D step, then one G step, on this device's images; the batch's values (unscaled) as a dict.

        Under a strategy this runs on every replica: real and the noise rows are the replica's share, the
        losses are scaled by 1/R before their gradients are summed over replicas (distribute.scale_loss).
        """
        values = {}
        fake = self.generator(z_discriminator, training=True)
        fake_seed, real_seed, generator_seed = seeds or (None, None, None)  # no seeds without DiffAugment
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self._augment(fake, fake_seed), training=True)
            if self.r1_weight > 0:
                with tf.GradientTape() as inner:
                    inner.watch(real)
                    real_logits = self.discriminator(self._augment(real, real_seed), training=True)
                input_grads = inner.gradient(real_logits, real)  # (B, H, W, 3); sums over the batch's logits
                r1 = tf.reduce_mean(tf.reduce_sum(tf.square(input_grads), axis=[1, 2, 3]))
                values["r1"] = r1
                d_loss = discriminator_loss(real_logits, fake_logits, self.gan_loss) + 0.5 * self.r1_weight * r1
            else:
                real_logits = self.discriminator(self._augment(real, real_seed), training=True)
                d_loss = discriminator_loss(real_logits, fake_logits, self.gan_loss)
            scaled_d_loss = distribute.scale_loss(d_loss)
        d_grads = tape.gradient(scaled_d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))

        # Generator step, with fresh noise, against the updated discriminator.
        with tf.GradientTape() as tape:
            g_logits = self.discriminator(self._augment(self.generator(z_generator, training=True), generator_seed),
                                          training=True)
            g_loss = generator_loss(g_logits, self.gan_loss)
            scaled_g_loss = distribute.scale_loss(g_loss)
        g_grads = tape.gradient(scaled_g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))

        values.update(d_loss=d_loss, g_loss=g_loss,
                      d_real=tf.reduce_mean(tf.sigmoid(tf.cast(real_logits, tf.float32))),
                      d_fake=tf.reduce_mean(tf.sigmoid(tf.cast(fake_logits, tf.float32))),
                      d_grad_norm=distribute.gradient_norm(d_grads), g_grad_norm=distribute.gradient_norm(g_grads))
        return values

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        real = tf.cast(real, tf.float32)
        for tracker in self.trackers:
            tracker.reset_state()  # per-batch values, not running means over the epoch
        values = self._players_step(real, *self._random_inputs(tf.shape(real)[0]))
        for tracker in self.trackers:
            tracker.update_state(values[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def distributed_step(self, real, global_batch_size: int) -> dict:
        """One training step under ``self.strategy`` (notebook 11): ``real`` holds each replica's images.

        The noise is drawn once for the global batch, here (outside the replicas), and each replica takes its
        rows; every replica then runs :meth:`_players_step`, and the logged values are their means — the
        values of the global batch, as a single device computes them.
        """
        if self._distributed_step is None:
            def step(real, global_batch_size):
                z_discriminator, z_generator, seeds = self._random_inputs(global_batch_size)

                def on_replica(real, z_discriminator, z_generator, seeds):
                    return self._players_step(tf.cast(real, tf.float32), distribute.replica_rows(z_discriminator),
                                              distribute.replica_rows(z_generator), seeds)

                values = self.strategy.run(on_replica, args=(real, z_discriminator, z_generator, seeds))
                return distribute.mean_over_replicas(self.strategy, values)

            self._distributed_step = tf.function(step)
        return self._distributed_step(real, global_batch_size)

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
    ``num_steps − initial_step`` steps of ``gan.fit`` (under the GAN's strategy, of :meth:`GAN.distributed_step`
    in a loop that makes the same callback calls, notebook 11). Returns the :class:`MetricsHistory` among
    ``callbacks`` if there is one. Without one: fit's History, or None when there was nothing to do
    (``num_steps`` ≤ ``initial_step``) or when the GAN trains under a strategy (its loop keeps no History).
    :class:`HealthMonitor` callbacks are moved last, so that the others see a step before any restore.
    """
    callbacks = sorted(callbacks, key=lambda c: isinstance(c, HealthMonitor))
    history = next((c for c in callbacks if isinstance(c, MetricsHistory)), None)
    remaining = int(num_steps) - int(initial_step)
    if remaining <= 0:
        return history
    if gan.strategy is not None:
        _train_distributed(gan, dataset, remaining, callbacks)
        return history
    fit_history = gan.fit(dataset.repeat(), steps_per_epoch=remaining, epochs=1, verbose=0,
                          callbacks=callbacks, shuffle=False)
    return history if history is not None else fit_history


def _train_distributed(gan: GAN, dataset, num_steps: int, callbacks) -> None:
    """``num_steps`` of :meth:`GAN.distributed_step` over the dataset split across replicas, with the same
    callback calls as ``fit`` makes (a custom loop: notebook 11)."""
    global_batch = dataset.element_spec.shape[0]
    if global_batch is None:
        global_batch = int(next(iter(dataset)).shape[0])
    distribute.check_global_batch(int(global_batch), gan.strategy)
    batches = iter(distribute.distribute_dataset(gan.strategy, dataset.repeat()))
    callback_list = keras.callbacks.CallbackList(list(callbacks), model=gan)
    gan.stop_training = False
    logs = {}
    callback_list.on_train_begin()
    for batch in range(num_steps):
        callback_list.on_train_batch_begin(batch)
        logs = {name: float(value) for name, value in gan.distributed_step(next(batches), int(global_batch)).items()}
        callback_list.on_train_batch_end(batch, logs)
        if gan.stop_training:
            break
    callback_list.on_train_end(logs)


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
