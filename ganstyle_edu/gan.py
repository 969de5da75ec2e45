"""Training a GAN: the two-player game, its losses, and the callbacks that watch it (notebooks 03–05).

A generator G turns noise z ~ N(0, I) into images; a discriminator D scores images with a logit l,
D(x) = σ(l(x)) being its probability that x is real. Goodfellow et al. (2014) set up the game

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

R1 (Mescheder et al. 2018) penalises D's gradient on real images, which keeps D smooth where the data
are: L_D += (γ/2)·E_x‖∇_x l(x)‖²  (``r1_weight`` = γ; 10 in the paper).

:class:`GAN` is a ``keras.Model`` whose ``train_step`` takes one D step and one G step per batch
(keras-io's "DCGAN overriding train_step"); callbacks record the metrics (:class:`MetricsHistory`),
film a fixed-noise sample grid (:class:`SampleGrid`), flag sick runs (:class:`HealthMonitor`) and
save resumable checkpoints atomically (:class:`Checkpoint`).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .augment import diff_augment, parse_policy
from .config import import_tensorflow
from .images import atomic_write, save_gif, usual_permissions

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

LOSSES = ("minimax", "non_saturating", "hinge", "least_squares")
METRIC_NAMES = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")
HEALTH_CODES = ("d_wins", "vanishing_g_grad", "collapse", "nan")
CHECKPOINT_PREFIX = "step_"
LATEST_FILE = "latest.json"


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not a GAN loss: use one of {', '.join(LOSSES)}")


def discriminator_loss(real_logits, fake_logits, loss: str = "non_saturating", axis=None):
    """D's loss from its logits on a real and a fake batch (notebook 05; notebook 03 in 2-D).

    "minimax"/"non_saturating": mean softplus(−l_real) + mean softplus(l_fake) (binary cross-entropy);
    "hinge": mean max(0, 1 − l_real) + mean max(0, 1 + l_fake);
    "least_squares": ½ mean (l_real − 1)² + ½ mean l_fake².
    axis: the axes the means run over (None: all, a scalar; toy2d uses 1 for one loss per seed).
    """
    _check_loss(loss)
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
    _check_loss(loss)
    fake = tf.cast(fake_logits, tf.float32)
    mean = lambda t: tf.reduce_mean(t, axis=axis)  # noqa: E731
    if loss == "minimax":
        return -mean(tf.nn.softplus(fake))
    if loss == "non_saturating":
        return mean(tf.nn.softplus(-fake))
    if loss == "hinge":
        return -mean(fake)
    return 0.5 * mean(tf.square(fake - 1.0))


def _default_optimizer(name: str):
    return keras.optimizers.Adam(2e-4, beta_1=0.5, name=name)


class GAN(keras.Model):
    """A generator and a discriminator trained against each other, one step each per batch (notebook 05).

    generator: (B, latent_dim) → (B, H, W, 3) in [−1, 1]; discriminator: (B, H, W, 3) → (B, 1) logits.
    latent_dim: default ``generator.input_shape[-1]``. loss: one of :data:`LOSSES`. r1_weight: γ of the
    R1 penalty (0: off). seed: seeds the noise of ``train_step`` (a ``keras.random.SeedGenerator``).
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
        _check_loss(loss)
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
# Callbacks


def _model_step(model, fallback: int) -> int:
    """The model's global step if it keeps one (a compiled GAN), else ``fallback`` (a callback's own count)."""
    optimizer = getattr(model, "g_optimizer", None)
    return fallback if optimizer is None else int(optimizer.iterations.numpy())


def _floats(logs) -> dict[str, float]:
    return {key: float(np.asarray(value)) for key, value in (logs or {}).items()}


class MetricsHistory(keras.callbacks.Callback):
    """Per-batch logs, every ``every`` steps, in ``self.history`` {"step": [...], "d_loss": [...], ...} (notebook 05).

    One instance can follow several ``fit`` calls: it keeps appending, and its steps continue (they are
    the GAN's own step count). A metric that appears later is padded with NaN for the earlier rows.
    """

    def __init__(self, every: int = 1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every={every} must be at least 1")
        self.every = every
        self.history: dict[str, list[float]] = {"step": []}
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        step = _model_step(self.model, self._batches)
        if step % self.every == 0:
            self.record(step, _floats(logs))

    def record(self, step: int, values: dict[str, float]) -> None:
        """Append one row (notebook 05)."""
        rows = len(self.history["step"])
        self.history["step"].append(int(step))
        for key, value in values.items():
            self.history.setdefault(key, [math.nan] * rows).append(float(value))
        for key, column in self.history.items():
            if len(column) == rows:  # a metric missing from this batch's logs
                column.append(math.nan)

    def __len__(self) -> int:
        return len(self.history["step"])


def make_grid(images, ncols: int | None = None, padding: int = 2, value_range="auto",
              pad_value: float = 1.0) -> np.ndarray:
    """Tile a (N, H, W, C) batch into one float32 image in [0, 1] (notebook 05).

    ncols: images per row (default ⌈√N⌉). value_range: (low, high) of the input, or "auto": (−1, 1)
    if any value is negative, else (0, 1). The grid is rows·H + (rows − 1)·padding high.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"make_grid: images of shape {images.shape} are not a (N, H, W, C) batch")
    count, height, width, channels = images.shape
    if value_range == "auto":
        value_range = (-1.0, 1.0) if images.min(initial=0.0) < 0 else (0.0, 1.0)
    low, high = value_range
    images = np.clip((images - low) / (high - low), 0.0, 1.0)
    ncols = max(1, min(ncols or math.ceil(math.sqrt(count)), count))
    nrows = math.ceil(count / ncols)
    grid = np.full((nrows * height + (nrows - 1) * padding, ncols * width + (ncols - 1) * padding, channels),
                   pad_value, np.float32)
    for index, image in enumerate(images):
        row, col = divmod(index, ncols)
        top, left = row * (height + padding), col * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


class SampleGrid(keras.callbacks.Callback):
    """Film G on fixed noise: a grid of G(z) every ``every`` steps in ``self.frames`` (notebook 05).

    z: (N, latent_dim) noise, or a number N of vectors drawn once with ``seed``. Frames are (step,
    uint8 (H, W, 3) grid); with ``include_start`` the untrained generator is filmed at the start of
    the first ``fit`` too. :meth:`save_gif` writes the film.
    """

    def __init__(self, z, every: int = 100, ncols: int | None = None, include_start: bool = True, seed: int = 0):
        super().__init__()
        if every < 1:
            raise ValueError(f"every={every} must be at least 1")
        self.z = z
        self.every = every
        self.ncols = ncols
        self.include_start = include_start
        self.seed = seed
        self.frames: list[tuple[int, np.ndarray]] = []
        self._batches = 0

    def _noise(self) -> np.ndarray:
        if np.isscalar(self.z):
            latent_dim = getattr(self.model, "latent_dim", None) or self.model.generator.input_shape[-1]
            self.z = np.random.default_rng(self.seed).standard_normal((int(self.z), latent_dim)).astype(np.float32)
        return np.asarray(self.z, np.float32)

    def capture(self, step: int) -> np.ndarray:
        """Generate the grid for the fixed noise now and append it as a frame (notebook 05)."""
        images = np.asarray(self.model.generator(self._noise(), training=False))
        grid = make_grid(images, self.ncols, value_range=(-1.0, 1.0))
        frame = np.round(grid * 255.0).astype(np.uint8)
        self.frames.append((int(step), frame))
        return frame

    def on_train_begin(self, logs=None):
        if self.include_start and not self.frames:
            self.capture(_model_step(self.model, self._batches))

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        step = _model_step(self.model, self._batches)
        if step % self.every == 0:
            self.capture(step)

    def save_gif(self, path, duration_ms: int = 200, scale: int = 1, loop: int = 0) -> Path:
        """Write the frames as an animated GIF, atomically (temporary file, then rename) (notebook 05).

        scale: integer enlargement (nearest neighbour) so small grids are visible.
        """
        if not self.frames:
            raise ValueError("save_gif: no frames yet; train with this callback first")
        return save_gif([frame for _, frame in self.frames], path, duration_ms, scale, loop)


def sample_diversity(images) -> float:
    """Mean pairwise L2 distance between the images of a (N, ...) batch, N ≥ 2 (notebook 05).

    Low diversity of generated images from different z is the signature of mode collapse.
    """
    flat = np.asarray(images, np.float64).reshape(len(images), -1)  # (N, H*W*C)
    count = len(flat)
    if count < 2:
        raise ValueError(f"sample_diversity: needs at least 2 images, got {count}")
    squared = np.sum(flat * flat, axis=1)
    distances2 = squared[:, None] + squared[None, :] - 2.0 * flat @ flat.T  # (N, N)
    upper = np.triu_indices(count, k=1)
    return float(np.mean(np.sqrt(np.maximum(distances2[upper], 0.0))))


class HealthMonitor(keras.callbacks.Callback):
    """Watch a GAN run and flag the classic failures, with what they mean (notebook 05).

    Every ``every`` steps it checks, and raises a flag once a condition has held for ``patience``
    checks in a row. A code is not flagged again until its condition has cleared in between.

    * "d_wins": d_real > ``d_real_above`` and d_fake < ``d_fake_below`` — D separates perfectly.
    * "vanishing_g_grad": g_grad_norm < ``grad_ratio_below`` × its first value.
    * "collapse": the mean pairwise distance of G's images for fixed noise falls below
      ``diversity_fraction`` × that of ``real_batch`` (real images scaled as the GAN sees them, [−1, 1]).
      Checked only when ``real_batch`` is given, and only once G's images have been that diverse at some
      check: an untrained generator in inference mode (BatchNormalization's initial moving statistics)
      outputs near-constant grey images, which is not a collapse.
    * "nan": a non-finite log (every step) or generator weight (at the checks). Flagged at once:
      training stops, and if ``checkpoint`` (a :class:`Checkpoint`) is given the last good checkpoint is
      restored into the model.

    Each flag is a dict {"step", "code", "message"} appended to ``self.flags``; ``self.latest`` is the
    last one. verbose: also print each message. Put it after the other callbacks (:func:`train` does),
    so that they record a failing step before the restore rewinds the model.
    """

    def __init__(self, every: int = 10, patience: int = 3, real_batch=None, checkpoint=None,
                 d_real_above: float = 0.95, d_fake_below: float = 0.05, grad_ratio_below: float = 1e-4,
                 diversity_fraction: float = 0.2, num_samples: int | None = None, seed: int = 0,
                 verbose: bool = False):
        super().__init__()
        if every < 1 or patience < 1:
            raise ValueError(f"every={every} and patience={patience} must be at least 1")
        self.every = every
        self.patience = patience
        self.checkpoint = checkpoint
        self.d_real_above = d_real_above
        self.d_fake_below = d_fake_below
        self.grad_ratio_below = grad_ratio_below
        self.diversity_fraction = diversity_fraction
        self.verbose = verbose
        self.real_diversity = None if real_batch is None else sample_diversity(real_batch)
        self.num_samples = num_samples or (max(len(real_batch), 2) if real_batch is not None else 16)
        self.seed = seed
        self.flags: list[dict] = []
        self.latest: dict | None = None
        self.first_g_grad_norm: float | None = None
        self.last_diversity: float | None = None
        self.peak_diversity: float | None = None
        self._counts = {code: 0 for code in HEALTH_CODES}
        self._active: set[str] = set()
        self._z = None
        self._batches = 0

    def _condition(self, code: str, holds: bool, step: int, message, patience: int | None = None) -> bool:
        """Count a condition; flag it when it has held ``patience`` times in a row and is not already flagged."""
        if not holds:
            self._counts[code] = 0
            self._active.discard(code)
            return False
        self._counts[code] += 1
        if self._counts[code] >= (patience or self.patience) and code not in self._active:
            self._active.add(code)
            self.latest = {"step": int(step), "code": code, "message": message() if callable(message) else message}
            self.flags.append(self.latest)
            if self.verbose:
                print(self.latest["message"])
            return True
        return False

    def _generator_diversity(self) -> float:
        if self._z is None:
            latent_dim = getattr(self.model, "latent_dim", None) or self.model.generator.input_shape[-1]
            self._z = np.random.default_rng(self.seed).standard_normal((self.num_samples, latent_dim)).astype(np.float32)
        return sample_diversity(np.asarray(self.model.generator(self._z, training=False)))

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        step = _model_step(self.model, self._batches)
        values = _floats(logs)
        bad = [key for key, value in values.items() if not math.isfinite(value)]
        check = step % self.every == 0
        if check and not bad and hasattr(self.model, "generator"):
            if not all(np.all(np.isfinite(np.asarray(w))) for w in self.model.generator.weights):
                bad = ["generator weights"]
        if bad or check:
            self._check_nan(step, bad)
        if not check or bad:
            return

        d_real, d_fake = values.get("d_real"), values.get("d_fake")
        if d_real is not None and d_fake is not None:
            self._condition("d_wins", d_real > self.d_real_above and d_fake < self.d_fake_below, step, lambda: (
                f"step {step}: D wins — it separates real from fake almost perfectly (mean D(x) = {d_real:.3f}, "
                f"mean D(G(z)) = {d_fake:.3f}) for {self.patience} checks in a row. With the minimax loss G's "
                "gradient d/dl log(1 − σ(l)) = −σ(l) vanishes as D(G(z)) → 0, so G stops learning. Try the "
                "non-saturating loss, a lower D learning rate, an R1 penalty (r1_weight) or noise on D's inputs."))

        g_norm = values.get("g_grad_norm")
        if g_norm is not None:
            if self.first_g_grad_norm is None and g_norm > 0:
                self.first_g_grad_norm = g_norm
            reference = self.first_g_grad_norm
            if reference is not None:
                self._condition("vanishing_g_grad", g_norm < self.grad_ratio_below * reference, step, lambda: (
                    f"step {step}: G's gradient has vanished — its norm {g_norm:.2e} is below "
                    f"{self.grad_ratio_below:g} × its first value {reference:.2e} for {self.patience} checks. "
                    "G gets no learning signal: D is saturated (see d_wins) or G's units are dead. Try the "
                    "non-saturating loss, a lower D learning rate, or restart from an earlier checkpoint."))

        if self.real_diversity is not None and hasattr(self.model, "generator"):
            diversity = self.last_diversity = self._generator_diversity()
            self.peak_diversity = max(diversity, self.peak_diversity or 0.0)
            threshold = self.diversity_fraction * self.real_diversity
            fallen = self.peak_diversity >= threshold and diversity < threshold
            self._condition("collapse", fallen, step, lambda: (
                f"step {step}: mode collapse — G's images for different z are nearly alike (mean pairwise "
                f"distance {diversity:.3g}, below {self.diversity_fraction:g} × the real patches' "
                f"{self.real_diversity:.3g}) for {self.patience} checks. G has found a few outputs D currently "
                "accepts and maps most noise onto them; D then learns to reject those and G hops to others. Try "
                "a lower learning rate, an R1 penalty, a wider D, or restart from an earlier checkpoint."))

    def _check_nan(self, step: int, bad: list[str]) -> None:
        def message():
            text = (f"step {step}: non-finite values in {', '.join(bad)} — training stopped. A NaN or inf in the "
                    "data, a too-high learning rate or an overflowing loss spreads to every weight in one step.")
            if restored is not None:
                return text + f" The weights and optimizer state were restored from the checkpoint of step {restored}."
            return text + (" No checkpoint could be restored: the weights are unusable; restart from an earlier "
                           "checkpoint (pass checkpoint=Checkpoint(...)), lower the learning rate or check the data.")

        restored = None
        if bad:
            self.model.stop_training = True
            if self.checkpoint is not None:
                restored = self.checkpoint.restore(self.model, restore_history=False)
        self._condition("nan", bool(bad), step, message, patience=1)


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints


def _step_folder(directory: Path, step: int) -> Path:
    return directory / f"{CHECKPOINT_PREFIX}{step:08d}"


def _complete_steps(directory: Path) -> list[int]:
    """Steps of the checkpoint folders whose state.json (written last) exists, ascending."""
    steps = []
    if directory.is_dir():
        for folder in directory.glob(f"{CHECKPOINT_PREFIX}*"):
            suffix = folder.name[len(CHECKPOINT_PREFIX):]
            if folder.is_dir() and suffix.isdigit() and (folder / "state.json").is_file():
                steps.append(int(suffix))
    return sorted(steps)


def latest_step(directory) -> int | None:
    """The step of the newest complete checkpoint in ``directory``, or None (notebook 05).

    ``latest.json`` names it; if that file is missing or points at a missing folder (a kill between
    two renames), the newest folder that holds a state.json is used. Half-written temporary folders
    are never considered.
    """
    directory = Path(directory)
    try:
        step = int(json.loads((directory / LATEST_FILE).read_text())["step"])
        if (_step_folder(directory, step) / "state.json").is_file():
            return step
    except (OSError, ValueError, KeyError, TypeError):
        pass
    steps = _complete_steps(directory)
    return steps[-1] if steps else None


def _optimizer_arrays(gan: GAN) -> dict[str, np.ndarray]:
    gan.build_optimizers()
    arrays = {}
    for prefix, optimizer in (("g", gan.g_optimizer), ("d", gan.d_optimizer)):
        for index, variable in enumerate(optimizer.variables):
            arrays[f"{prefix}_{index:04d}"] = np.asarray(variable.numpy())
    return arrays


def _all_finite(gan: GAN) -> bool:
    return all(np.all(np.isfinite(np.asarray(w))) for w in gan.generator.weights + gan.discriminator.weights)


def save_checkpoint(gan: GAN, directory, history: MetricsHistory | None = None, keep: int = 2) -> Path:
    """Save everything a resumed run needs as ``directory/step_XXXXXXXX/``, atomically (notebook 05).

    The folder holds generator.weights.h5 and discriminator.weights.h5 (``save_weights`` of each network:
    weights only, no optimizer state), optimizers.npz (every variable of both optimizers — Adam's moments
    and its iteration count, which is the GAN's step — and the noise seed state), history.json (the
    :class:`MetricsHistory` rows, if given) and state.json (step, history length, configuration), written
    last. Everything is written into a temporary sibling folder and renamed into place; ``latest.json``
    is then replaced atomically and checkpoints beyond the newest ``keep`` are deleted. A kill at any
    moment leaves the previous checkpoint intact and loadable.
    """
    def write(folder: Path) -> dict:
        gan.generator.save_weights(folder / "generator.weights.h5")
        gan.discriminator.save_weights(folder / "discriminator.weights.h5")
        arrays = _optimizer_arrays(gan)
        arrays["seed_state"] = np.asarray(gan.seed_generator.state.numpy())
        with open(folder / "optimizers.npz", "wb") as stream:
            np.savez(stream, **arrays)
        rows = 0
        if history is not None:
            rows = len(history.history["step"])
            (folder / "history.json").write_text(json.dumps(history.history))
        return {"history_length": rows,
                "config": {"latent_dim": gan.latent_dim, "loss": gan.gan_loss, "r1_weight": gan.r1_weight,
                           "seed": gan.seed, "generator": gan.generator.name,
                           "discriminator": gan.discriminator.name,
                           "generator_params": int(gan.generator.count_params()),
                           "discriminator_params": int(gan.discriminator.count_params())}}

    return write_checkpoint(directory, gan.step, write, keep)


def write_checkpoint(directory, step: int, write: Callable[[Path], dict], keep: int = 2) -> Path:
    """Write ``directory/step_XXXXXXXX/`` atomically: ``write(folder)`` fills a temporary sibling folder
    and returns a dict, which is stored (with the step) as state.json, written last; the folder is then
    renamed into place, ``latest.json`` replaced and checkpoints beyond the newest ``keep`` deleted
    (notebooks 05 and 06). A kill at any moment leaves the previous checkpoint intact and loadable.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = _step_folder(directory, step)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory))
    usual_permissions(tmp, directory=True)
    try:
        state = {"step": step, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"), **write(tmp)}
        (tmp / "state.json").write_text(json.dumps(state, indent=1))
        trash = None
        if final.exists():  # the same step saved again (e.g. after a restore): swap the old one out
            trash = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=directory))
            os.replace(final, trash / final.name)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    atomic_write(directory / LATEST_FILE,
                  lambda stream: stream.write(json.dumps({"step": step, "folder": final.name}).encode()))
    for old in _complete_steps(directory)[:-keep] if keep > 0 else []:
        if old != step:
            shutil.rmtree(_step_folder(directory, old), ignore_errors=True)
    for stale in directory.glob(f".{CHECKPOINT_PREFIX}*"):  # left by killed writes
        if stale.is_dir() and stale != tmp:
            shutil.rmtree(stale, ignore_errors=True)
    return final


def record_text(record: dict, curves_key: str = "history_every_10_steps") -> str:
    """A provenance record as indented JSON, each curve under ``curves_key`` on one line (notebooks 06 and 07)."""
    curves = record.get(curves_key)
    text = json.dumps({k: v for k, v in record.items() if k != curves_key}, indent=2)
    if not curves:
        return text
    rows = ",\n".join(f"    {json.dumps(k)}: {json.dumps([None if x is None else round(x, 6) for x in v])}"
                       for k, v in curves.items())
    return text[:-2] + f',\n  {json.dumps(curves_key)}: {{\n{rows}\n  }}\n}}'


def checkpoint_folder(directory, step: int | None = None) -> Path | None:
    """The folder of the checkpoint of ``step`` (default: the latest complete one), or None if there is none."""
    directory = Path(directory)
    step = latest_step(directory) if step is None else step
    if step is None:
        return None
    folder = _step_folder(directory, step)
    if not (folder / "state.json").is_file():
        raise FileNotFoundError(f"{folder}: no complete checkpoint of step {step} (steps here: "
                                f"{_complete_steps(directory) or 'none'})")
    return folder


def restore_checkpoint(gan: GAN, directory, step: int | None = None,
                       history: MetricsHistory | None = None) -> int | None:
    """Load a checkpoint (default: the latest) into ``gan``; returns its step, or None if there is none (notebook 05).

    Restores both networks' weights and, if the GAN is compiled, both optimizers' state — so
    ``gan.step`` continues from the checkpoint's step — and the noise seed. An uncompiled GAN gets the
    weights only (enough to generate). history: a :class:`MetricsHistory` whose rows are replaced by
    the saved ones.
    """
    folder = checkpoint_folder(directory, step)
    if folder is None:
        return None
    step = json.loads((folder / "state.json").read_text())["step"]
    gan.generator.load_weights(folder / "generator.weights.h5")
    gan.discriminator.load_weights(folder / "discriminator.weights.h5")
    with np.load(folder / "optimizers.npz") as saved:
        arrays = {key: saved[key] for key in saved.files}
    if gan.g_optimizer is not None:
        gan.build_optimizers()
        for prefix, optimizer in (("g", gan.g_optimizer), ("d", gan.d_optimizer)):
            keys = sorted(key for key in arrays if key.startswith(f"{prefix}_"))
            variables = optimizer.variables
            if len(keys) != len(variables) or any(arrays[k].shape != tuple(v.shape) for k, v in zip(keys, variables)):
                raise ValueError(f"{folder}: the saved {prefix}_optimizer state ({len(keys)} variables) does not fit "
                                 f"this GAN's optimizer ({len(variables)} variables): different networks or optimizer")
            for key, variable in zip(keys, variables):
                variable.assign(arrays[key])
    if "seed_state" in arrays:
        gan.seed_generator.state.assign(arrays["seed_state"])
    if history is not None and (folder / "history.json").is_file():
        history.history = json.loads((folder / "history.json").read_text())
    return step


class Checkpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint every ``every`` steps and at the end of training (notebook 05).

    See :func:`save_checkpoint` for what is saved and why a killed run loses nothing but the steps since
    the last checkpoint. A checkpoint is never written while any weight or log is non-finite.
    history: a :class:`MetricsHistory` saved alongside (and restored by :meth:`restore`).
    """

    def __init__(self, directory, every: int = 100, history: MetricsHistory | None = None, keep: int = 2):
        super().__init__()
        if every < 1:
            raise ValueError(f"every={every} must be at least 1")
        self.directory = Path(directory)
        self.every = every
        self.history = history
        self.keep = keep
        self.saved_steps: list[int] = []

    def save(self, logs=None) -> Path | None:
        """Save now unless something is non-finite or this step is already saved; the folder, or None (notebook 05)."""
        gan = self.model
        if any(not math.isfinite(v) for v in _floats(logs).values()) or not _all_finite(gan):
            return None
        if self.saved_steps and self.saved_steps[-1] == gan.step:
            return None
        folder = save_checkpoint(gan, self.directory, self.history, self.keep)
        self.saved_steps.append(gan.step)
        return folder

    def restore(self, gan: GAN, step: int | None = None, restore_history: bool = True) -> int | None:
        """Load the latest (or ``step``'s) checkpoint into ``gan``; its step, or None (notebook 05).

        restore_history: also replace the rows of this callback's :class:`MetricsHistory` by the saved
        ones (right when resuming a killed run; :class:`HealthMonitor` keeps the rows, NaNs included).
        """
        restored = restore_checkpoint(gan, self.directory, step, self.history if restore_history else None)
        if restored is not None:
            self.saved_steps.append(restored)  # the model now equals this checkpoint
        return restored

    def latest_step(self) -> int | None:
        """Step of the newest complete checkpoint in this directory, or None (notebook 05)."""
        return latest_step(self.directory)

    def on_train_batch_end(self, batch, logs=None):
        if self.model.step % self.every == 0:
            self.save(logs)

    def on_train_end(self, logs=None):
        self.save(logs)


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
