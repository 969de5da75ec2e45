"""Keras callbacks that watch a GAN train: its curves, its samples, its health and its checkpoints (notebook 05).

A GAN's losses do not fall to zero and do not measure quality; a run is judged by watching it. Each callback
below is called by ``fit`` after every batch and reads the batch's logs (``d_loss``, ``g_loss``, ``d_real``,
``d_fake``, the gradient norms) and the model:

* :class:`MetricsHistory` keeps the logs as curves, indexed by the GAN's own step, so that they continue
  across ``fit`` calls and across a resume;
* :class:`SampleGrid` films G on one fixed batch of noise (:func:`make_grid` tiles each frame), so that
  learning, oscillation and collapse can be seen;
* :class:`HealthMonitor` flags the classic failures — D winning outright, G's gradient vanishing, mode
  collapse (:func:`ganstyle_edu.metrics.sample_diversity` of G's samples falling), a NaN — with what they
  mean and what to try;
* :class:`Checkpoint` saves resumable checkpoints (:mod:`ganstyle_edu.checkpoints`) and never saves
  non-finite weights.

The model is a :class:`ganstyle_edu.gan.GAN`, known here only by its attributes (generator, g_optimizer,
latent_dim, step), so this module sits below the GAN that uses it.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from . import distribute
from .checkpoints import latest_step, restore_checkpoint, save_checkpoint
from .provenance import close_segment, next_segment
from .config import import_tensorflow
from .images import check_value_range, save_gif, to_unit
from .metrics import sample_diversity

import_tensorflow()  # quietly, before Keras imports it
import keras  # noqa: E402  (after the quiet TensorFlow import)

HEALTH_CODES = ("d_wins", "vanishing_g_grad", "collapse", "nan")


def _model_step(model, fallback: int) -> int:
    """The model's global step if it keeps one (a compiled GAN), else ``fallback`` (a callback's own count)."""
    optimizer = getattr(model, "g_optimizer", None)
    return fallback if optimizer is None else int(optimizer.iterations.numpy())


def _floats(logs) -> dict[str, float]:
    """A batch's logs as plain floats (Keras may pass tensors or NumPy scalars)."""
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


def make_grid(images, ncols: int | None = None, padding: int = 2, value_range: str = "signed",
              pad_value: float = 1.0) -> np.ndarray:
    """Tile a (N, H, W, C) batch into one float32 image in [0, 1] (notebook 05).

    ncols: images per row (default ⌈√N⌉). value_range: the range the caller's images are in — "signed"
    ([−1, 1], a DCGAN's samples; the default) or "unit" ([0, 1]); it is not guessed from the data, so
    name it. The grid is rows·H + (rows − 1)·padding high.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"make_grid: images of shape {images.shape} are not a (N, H, W, C) batch")
    count, height, width, channels = images.shape
    if check_value_range(value_range, "make_grid") == "signed":
        images = to_unit(images)
    images = np.clip(images, 0.0, 1.0)
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
        grid = make_grid(images, self.ncols, value_range="signed")
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
    last one. verbose: also print each message. Put it after the other callbacks
    (:func:`ganstyle_edu.gan.train` does), so that they record a failing step before the restore rewinds the
    model.
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


def _all_finite(gan) -> bool:
    """Whether every weight of both networks is finite (no NaN, no inf)."""
    return all(np.all(np.isfinite(np.asarray(w))) for w in gan.generator.weights + gan.discriminator.weights)


class Checkpoint(keras.callbacks.Callback):
    """Save a resumable checkpoint every ``every`` steps and at the end of training (notebook 05).

    See :func:`ganstyle_edu.checkpoints.save_checkpoint` for what is saved and why a killed run loses nothing
    but the steps since the last checkpoint. A checkpoint is never written while any weight or log is non-finite.
    history: a :class:`MetricsHistory` saved alongside (and restored by :meth:`restore`). run_config: the run's
    configuration, saved and compared on restore. The callback also keeps the run's training time over all
    its segments (:attr:`seconds`, :meth:`closed_segments`); with ``directory=None`` it does only that.
    """

    def __init__(self, directory, every: int = 100, history: MetricsHistory | None = None, keep: int = 2,
                 run_config: dict | None = None):
        super().__init__()
        if every < 1:
            raise ValueError(f"every={every} must be at least 1")
        self.directory = None if directory is None else Path(directory)  # None: keep time and segments only
        self.every = every
        self.history = history
        self.keep = keep
        self.run_config = run_config
        self.saved_steps: list[int] = []
        self.seconds_before = 0.0  # training seconds of the segments before this one (restored)
        self.segments = next_segment({}, {})
        self._started = None

    @property
    def seconds(self) -> float:
        """Training seconds of the whole run: earlier segments (from the restored checkpoint) and this one."""
        return self.seconds_before + self.segment_seconds

    @property
    def segment_seconds(self) -> float:
        return 0.0 if self._started is None else time.perf_counter() - self._started

    def closed_segments(self, step: int) -> list[dict]:
        """Every segment of the run, the current one ending at ``step`` (for the provenance record)."""
        return close_segment(self.segments, step, self.segment_seconds)

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()

    def save(self, logs=None) -> Path | None:
        """Save now unless something is non-finite or this step is already saved; the folder, or None (notebook 05)."""
        gan = self.model
        if self.directory is None:
            return None
        if any(not math.isfinite(v) for v in _floats(logs).values()) or not _all_finite(gan):
            return None
        if not distribute.is_chief(getattr(gan, "strategy", None)):
            return None  # under a strategy, only the chief worker writes (notebook 11)
        if self.saved_steps and self.saved_steps[-1] == gan.step:
            return None
        run = {"run_config": self.run_config or {}, "seconds": round(self.seconds, 1),
               "segments": self.closed_segments(gan.step)}
        folder = save_checkpoint(gan, self.directory, self.history, self.keep, run=run)
        self.saved_steps.append(gan.step)
        return folder

    def restore(self, gan, step: int | None = None, restore_history: bool = True) -> int | None:
        """Load the latest (or ``step``'s) checkpoint into ``gan``; its step, or None (notebook 05).

        restore_history: also replace the rows of this callback's :class:`MetricsHistory` by the saved
        ones (right when resuming a killed run; :class:`HealthMonitor` keeps the rows, NaNs included).
        A checkpoint written with another ``run_config`` is refused (ValueError naming the fields); one whose
        ``num_steps`` differs is resumed, and the change is recorded in :attr:`segments`.
        """
        if self.directory is None:
            return None
        state = {}
        restored = restore_checkpoint(gan, self.directory, step, self.history if restore_history else None,
                                      run_config=self.run_config, state=state)
        if restored is not None:
            self.saved_steps.append(restored)  # the model now equals this checkpoint
            self.seconds_before = float(state.get("seconds") or 0.0)
            self.segments = next_segment(state, state.get("changed", {}))
        return restored

    def latest_step(self) -> int | None:
        """Step of the newest complete checkpoint in this directory, or None (notebook 05)."""
        return None if self.directory is None else latest_step(self.directory)

    def on_train_batch_end(self, batch, logs=None):
        if self.model.step % self.every == 0:
            self.save(logs)

    def on_train_end(self, logs=None):
        self.save(logs)
