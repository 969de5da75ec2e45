import json
import math

import numpy as np
import pytest

SIZE, LATENT, BATCH = 16, 8, 4


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_gan(loss="non_saturating", r1_weight=0.0, eager=True, seed=0):
    """A tiny compiled GAN (16 px, widths 4); eager for fast tests unless eager=False."""
    from ganstyle_edu import gan, models

    generator = models.build_dcgan_generator(latent_dim=LATENT, image_size=SIZE, width=4)
    discriminator = models.build_dcgan_discriminator(image_size=SIZE, width=4)
    model = gan.GAN(generator, discriminator, loss=loss, r1_weight=r1_weight, seed=seed)
    model.compile(run_eagerly=eager)
    return model


def real_images(count=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, SIZE, SIZE, 3)).astype(np.float32)


def dataset(tf, images):
    return tf.data.Dataset.from_tensor_slices(images).batch(BATCH)


def snapshot(network):
    return [np.array(w) for w in network.weights]


def differs(before, after):
    return any(not np.array_equal(b, a) for b, a in zip(before, after))


def equal(before, after):
    return len(before) == len(after) and all(np.array_equal(b, a) for b, a in zip(before, after))


# ---------------------------------------------------------------------------------------------------------------
# Losses

LOGITS_REAL = np.array([2.0, -1.0, 0.5, 30.0], np.float32)
LOGITS_FAKE = np.array([-3.0, 0.0, 1.5, -30.0], np.float32)


@pytest.mark.parametrize("loss", ["minimax", "non_saturating", "hinge", "least_squares"])
def test_loss_formulas_match_numpy(tf, loss):
    from ganstyle_edu.losses import discriminator_loss, generator_loss

    r, f = LOGITS_REAL.astype(np.float64), LOGITS_FAKE.astype(np.float64)
    if loss in ("minimax", "non_saturating"):
        d_expected = np.mean(-np.log(_sigmoid(r))) + np.mean(-np.log(1 - _sigmoid(f)))
        g_expected = (np.mean(np.log(1 - _sigmoid(f))) if loss == "minimax" else np.mean(-np.log(_sigmoid(f))))
    elif loss == "hinge":
        d_expected = np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f))
        g_expected = -np.mean(f)
    else:
        d_expected = 0.5 * np.mean((r - 1) ** 2) + 0.5 * np.mean(f ** 2)
        g_expected = 0.5 * np.mean((f - 1) ** 2)
    d_value = float(discriminator_loss(LOGITS_REAL[:, None], LOGITS_FAKE[:, None], loss))  # (B, 1) as D gives
    g_value = float(generator_loss(LOGITS_FAKE[:, None], loss))
    assert d_value == pytest.approx(d_expected, rel=1e-5)
    assert g_value == pytest.approx(g_expected, rel=1e-5)
    assert math.isfinite(d_value) and math.isfinite(g_value)  # stable at |l| = 30


def test_cross_entropy_losses_stay_finite_for_huge_logits(tf):
    from ganstyle_edu.losses import discriminator_loss, generator_loss

    big = np.array([[500.0], [-500.0]], np.float32)
    # softplus(−500) = 0, softplus(500) = 500: each mean is 250
    assert float(discriminator_loss(big, -big, "minimax")) == pytest.approx(250.0 + 250.0, rel=1e-5)
    assert float(generator_loss(big, "non_saturating")) == pytest.approx(500.0 / 2, rel=1e-5)


def test_minimax_generator_gradient_vanishes_where_the_non_saturating_one_does_not(tf):
    from ganstyle_edu.losses import generator_loss

    logits = tf.constant([-12.0, -6.0, 0.0, 3.0])
    gradients = {}
    for loss in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            value = generator_loss(logits, loss) * 4.0  # × B: per-logit gradients of the sum
        gradients[loss] = tape.gradient(value, logits).numpy()
    sigma = _sigmoid(logits.numpy().astype(np.float64))
    np.testing.assert_allclose(gradients["minimax"], -sigma, rtol=1e-5)  # d/dl log(1 − σ(l)) = −σ(l)
    np.testing.assert_allclose(gradients["non_saturating"], sigma - 1, rtol=1e-5)  # d/dl −log σ(l) = σ(l) − 1
    # D(G(z)) = σ(−12) ≈ 6e-6: the minimax gradient has vanished, the non-saturating one is ≈ −1
    assert abs(gradients["minimax"][0]) < 1e-5 and gradients["non_saturating"][0] < -0.99


def test_unknown_loss_is_refused_with_the_valid_ones(tf):
    from ganstyle_edu import losses

    with pytest.raises(ValueError, match="minimax, non_saturating, hinge, least_squares"):
        losses.generator_loss(np.zeros(2), "wasserstein")
    with pytest.raises(ValueError, match="minimax, non_saturating, hinge, least_squares"):
        make_gan(loss="wasserstein")


# ---------------------------------------------------------------------------------------------------------------
# The GAN model


@pytest.mark.parametrize("loss", ["minimax", "non_saturating", "hinge", "least_squares"])
def test_one_train_step_changes_both_networks_and_reports_finite_metrics(tf, loss):
    model = make_gan(loss)
    g_before, d_before = snapshot(model.generator), snapshot(model.discriminator)
    logs = {k: float(v) for k, v in model.train_step(tf.constant(real_images(BATCH))).items()}
    assert differs(g_before, snapshot(model.generator))
    assert differs(d_before, snapshot(model.discriminator))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"}
    assert all(math.isfinite(v) for v in logs.values())
    assert 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    assert logs["d_grad_norm"] > 0 and logs["g_grad_norm"] > 0
    assert model.step == 1


def test_r1_penalty_is_reported_and_compiled_fit_runs(tf):
    from ganstyle_edu import callbacks, gan

    model = make_gan("hinge", r1_weight=10.0, eager=False)  # the tf.function path
    history = callbacks.MetricsHistory()
    gan.train(model, dataset(tf, real_images()), 3, [history])
    assert history.history["step"] == [1, 2, 3] and model.step == 3
    assert len(history.history["r1"]) == 3
    assert all(v > 0 and math.isfinite(v) for v in history.history["r1"])
    # per-batch values, not running means: the last d_loss is not the mean of the three
    d_losses = history.history["d_loss"]
    assert len(set(d_losses)) == 3


def test_history_continues_across_fit_calls_and_generate(tf):
    from ganstyle_edu import callbacks, gan

    model = make_gan()
    history = callbacks.MetricsHistory(every=2)
    data = dataset(tf, real_images())
    assert gan.train(model, data, 3, [history]) is history
    gan.train(model, data, 6, [history], initial_step=3)
    assert history.history["step"] == [2, 4, 6]
    assert set(history.history) >= {"step", "d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(column) == 3 for column in history.history.values())
    assert gan.train(model, data, 6, [history], initial_step=6) is history  # nothing left to do
    images = model.generate(5)
    assert images.shape == (5, SIZE, SIZE, 3) and images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(model.generate(5), images)  # same seed, inference mode
    z = np.zeros((2, LATENT), np.float32)
    assert model.generate(z=z).shape == (2, SIZE, SIZE, 3)
    with pytest.raises(ValueError, match="num"):
        model.generate()


def test_save_weights_round_trip_includes_the_optimizers(tf, tmp_path):
    model = make_gan()
    model.train_step(tf.constant(real_images(BATCH)))
    path = tmp_path / "gan.weights.h5"
    model.save_weights(path)
    fresh = make_gan(seed=1)
    fresh.load_weights(path)
    assert equal(snapshot(model.generator), snapshot(fresh.generator))
    assert equal(snapshot(model.discriminator), snapshot(fresh.discriminator))
    assert fresh.step == 1
    assert equal([np.array(v) for v in model.d_optimizer.variables], [np.array(v) for v in fresh.d_optimizer.variables])


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints


class _StopAt:
    """A callback that 'kills' the run (raises) at a given step, before the end-of-training save."""

    def __new__(cls, step):
        import keras

        class Kill(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if self.model.step == step:
                    raise KeyboardInterrupt("killed")

        return Kill()


class _Snapshots:
    def __new__(cls):
        import keras

        class Record(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.weights = {}

            def on_train_batch_end(self, batch, logs=None):
                self.weights[self.model.step] = (snapshot(self.model.generator), snapshot(self.model.discriminator),
                                                 [np.array(v) for v in self.model.g_optimizer.variables])

        return Record()


def test_a_killed_run_resumes_from_its_last_checkpoint(tf, tmp_path):
    from ganstyle_edu import callbacks, checkpoints, gan

    model = make_gan()
    history = callbacks.MetricsHistory()
    record = _Snapshots()
    checkpoint = callbacks.Checkpoint(tmp_path / "run", every=2, history=history)
    with pytest.raises(KeyboardInterrupt):
        gan.train(model, dataset(tf, real_images()), 10, [history, checkpoint, record, _StopAt(5)])
    assert checkpoints.latest_step(tmp_path / "run") == 4  # step 5 ran, but was never saved
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["latest.json", "step_00000002", "step_00000004"]

    fresh, fresh_history = make_gan(seed=7), callbacks.MetricsHistory()
    resumed = callbacks.Checkpoint(tmp_path / "run", every=2, history=fresh_history)
    step = resumed.restore(fresh)
    assert step == 4 and fresh.step == 4
    generator, discriminator, g_optimizer = record.weights[4]
    assert equal(snapshot(fresh.generator), generator)
    assert equal(snapshot(fresh.discriminator), discriminator)
    assert equal([np.array(v) for v in fresh.g_optimizer.variables], g_optimizer)
    assert fresh_history.history["step"] == [1, 2, 3, 4]
    state = json.loads((tmp_path / "run" / "step_00000004" / "state.json").read_text())
    assert state["step"] == 4 and state["history_length"] == 4 and state["config"]["latent_dim"] == LATENT

    gan.train(fresh, dataset(tf, real_images()), 6, [fresh_history, resumed], initial_step=step)
    assert fresh.step == 6 and fresh_history.history["step"] == [1, 2, 3, 4, 5, 6]
    assert checkpoints.latest_step(tmp_path / "run") == 6


def test_a_crash_while_writing_leaves_the_previous_checkpoint(tf, tmp_path, monkeypatch):
    from ganstyle_edu import checkpoints

    model = make_gan()
    model.train_step(tf.constant(real_images(BATCH)))
    checkpoints.save_checkpoint(model, tmp_path)
    saved = snapshot(model.generator)
    model.train_step(tf.constant(real_images(BATCH, seed=1)))

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(checkpoints.np, "savez", crash)  # after the weights files, before state.json
    with pytest.raises(OSError, match="simulated"):
        checkpoints.save_checkpoint(model, tmp_path)
    monkeypatch.undo()
    assert checkpoints.latest_step(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "step_00000001"]  # temp folder removed

    # A kill leaves no chance to clean up: a half-written temporary folder, and latest.json naming a
    # folder that does not exist (killed between the two renames). Both are ignored.
    (tmp_path / ".step_00000002.abc.tmp").mkdir()
    (tmp_path / ".step_00000002.abc.tmp" / "generator.weights.h5").write_bytes(b"half")
    (tmp_path / "latest.json").write_text(json.dumps({"step": 2, "folder": "step_00000002"}))
    assert checkpoints.latest_step(tmp_path) == 1
    fresh = make_gan(seed=3)
    assert checkpoints.restore_checkpoint(fresh, tmp_path) == 1
    assert equal(snapshot(fresh.generator), saved) and fresh.step == 1
    assert checkpoints.restore_checkpoint(make_gan(), tmp_path / "empty") is None


def test_a_nan_batch_stops_training_and_restores_the_last_checkpoint(tf, tmp_path):
    from ganstyle_edu import callbacks, checkpoints, gan

    batches = real_images(6 * BATCH).reshape(6, BATCH, SIZE, SIZE, 3)  # (steps, B, H, W, 3)
    # The fifth step sees a NaN image. Not a single NaN pixel: D's dropout zeroes a unit with where(), so the
    # four conv1 units that see one pixel are all dropped with probability 0.3**4 and the NaN can vanish.
    batches[4, 0] = np.nan
    data = tf.data.Dataset.from_tensor_slices(batches)
    model = make_gan()
    history = callbacks.MetricsHistory()
    checkpoint = callbacks.Checkpoint(tmp_path, every=2, history=history)
    monitor = callbacks.HealthMonitor(every=1, checkpoint=checkpoint)
    gan.train(model, data, 6, [monitor, history, checkpoint])
    assert [flag["code"] for flag in monitor.flags] == ["nan"]
    assert monitor.latest["step"] == 5 and "restored" in monitor.latest["message"]
    assert history.history["step"] == [1, 2, 3, 4, 5]  # stopped at once
    assert math.isnan(history.history["d_loss"][-1])
    assert model.step == 4 and checkpoints.latest_step(tmp_path) == 4  # no checkpoint of the NaN weights
    weights = snapshot(model.generator)
    assert all(np.all(np.isfinite(w)) for w in weights)
    reference = make_gan(seed=5)
    checkpoints.restore_checkpoint(reference, tmp_path, 4)
    assert equal(weights, snapshot(reference.generator))
    assert equal(snapshot(model.discriminator), snapshot(reference.discriminator))


# ---------------------------------------------------------------------------------------------------------------
# Health monitor on synthetic logs


class FakeModel:
    """What HealthMonitor reads from a model: a generator and stop_training."""

    latent_dim = LATENT

    def __init__(self, images):
        self.images = images
        self.stop_training = False
        self.generator = self

    @property
    def weights(self):
        return [np.ones(3)]

    def __call__(self, z, training=False):
        return self.images[: len(z)]


HEALTHY = {"d_loss": 1.3, "g_loss": 0.8, "d_real": 0.6, "d_fake": 0.4, "d_grad_norm": 1.0, "g_grad_norm": 1.0}


def feed(monitor, logs_list):
    for logs in logs_list:
        monitor.on_train_batch_end(0, logs)


def monitor_with(images=None, **kwargs):
    from ganstyle_edu import callbacks

    real = real_images(8, seed=4)
    monitor = callbacks.HealthMonitor(every=1, patience=3, real_batch=real, **kwargs)
    monitor.set_model(FakeModel(real_images(8, seed=5) if images is None else images))
    return monitor


def test_healthy_logs_raise_no_flags(tf):
    monitor = monitor_with()
    feed(monitor, [HEALTHY] * 10)
    assert monitor.flags == [] and monitor.latest is None and not monitor.model.stop_training
    assert monitor.last_diversity == pytest.approx(monitor.real_diversity, rel=0.2)


def test_d_wins_is_flagged_after_patience_and_again_only_after_recovery(tf):
    monitor = monitor_with()
    winning = dict(HEALTHY, d_real=0.99, d_fake=0.01)
    feed(monitor, [winning] * 2)
    assert monitor.flags == []
    feed(monitor, [winning] * 5)
    assert [(f["step"], f["code"]) for f in monitor.flags] == [(3, "d_wins")]
    assert "non-saturating" in monitor.latest["message"]
    feed(monitor, [HEALTHY] + [winning] * 3)
    assert [(f["step"], f["code"]) for f in monitor.flags] == [(3, "d_wins"), (11, "d_wins")]


def test_vanishing_generator_gradient_is_flagged(tf):
    monitor = monitor_with()
    feed(monitor, [HEALTHY] + [dict(HEALTHY, g_grad_norm=1e-7)] * 3)
    assert [f["code"] for f in monitor.flags] == ["vanishing_g_grad"]


def test_collapse_is_flagged_when_generated_images_become_alike(tf):
    same = np.repeat(real_images(1, seed=6), 8, axis=0) + 0.001 * real_images(8, seed=7)
    monitor = monitor_with(images=same)
    feed(monitor, [HEALTHY] * 4)
    assert monitor.flags == []  # never diverse yet (an untrained G outputs near-constant images)
    monitor.model.images = real_images(8, seed=5)
    feed(monitor, [HEALTHY])
    monitor.model.images = same
    feed(monitor, [HEALTHY] * 3)
    assert [(f["step"], f["code"]) for f in monitor.flags] == [(8, "collapse")]
    assert monitor.last_diversity < 0.2 * monitor.real_diversity
    assert "mode collapse" in monitor.latest["message"]


def test_nan_logs_stop_training_at_once(tf):
    monitor = monitor_with()
    feed(monitor, [HEALTHY, dict(HEALTHY, g_loss=float("nan"))])
    assert [(f["step"], f["code"]) for f in monitor.flags] == [(2, "nan")]
    assert monitor.model.stop_training
    assert "No checkpoint" in monitor.latest["message"]


# ---------------------------------------------------------------------------------------------------------------
# Sample grid, diversity, memorisation


def test_make_grid_shape_and_range(tf):
    from ganstyle_edu.callbacks import make_grid

    images = np.linspace(-1, 1, 5 * 8 * 6 * 3, dtype=np.float32).reshape(5, 8, 6, 3)
    grid = make_grid(images, ncols=3, padding=2, value_range="signed")
    assert grid.shape == (2 * 8 + 2, 3 * 6 + 2 * 2, 3)
    assert grid.min() == 0.0 and grid.max() == 1.0
    np.testing.assert_allclose(grid[:8, :6], (images[0] + 1) / 2, atol=1e-6)
    unit = make_grid((images + 1) / 2, ncols=3, value_range="unit")  # [0, 1] input is kept as is
    np.testing.assert_allclose(unit, grid, atol=1e-6)
    four = make_grid(images[:4], value_range="signed")
    assert four.shape == (2 * 8 + 2, 2 * 6 + 2, 3)  # default ⌈√4⌉ = 2 columns
    for old_style in ("auto", (-1, 1)):  # the range is named, never guessed nor given as (low, high)
        with pytest.raises(ValueError, match="make_grid: value_range="):
            make_grid(images, value_range=old_style)


def test_sample_grid_films_training_and_writes_a_gif(tf, tmp_path):
    from PIL import Image

    from ganstyle_edu import callbacks, gan

    model = make_gan()
    grid = callbacks.SampleGrid(4, every=2, ncols=2)
    gan.train(model, dataset(tf, real_images()), 4, [grid])
    assert [step for step, _ in grid.frames] == [0, 2, 4]
    frame = grid.frames[0][1]
    assert frame.dtype == np.uint8 and frame.shape == (2 * SIZE + 2, 2 * SIZE + 2, 3)
    assert not np.array_equal(grid.frames[0][1], grid.frames[-1][1])  # G changed
    path = grid.save_gif(tmp_path / "film.gif", duration_ms=50, scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (2 * frame.shape[1], 2 * frame.shape[0])
    assert [p.name for p in tmp_path.iterdir()] == ["film.gif"]  # no temporary file left
    with pytest.raises(ValueError, match="no frames"):
        callbacks.SampleGrid(4).save_gif(tmp_path / "empty.gif")


def test_sample_diversity_is_the_mean_pairwise_distance(tf):
    from ganstyle_edu.metrics import sample_diversity

    images = real_images(5, seed=8)
    flat = images.reshape(5, -1).astype(np.float64)
    pairs = [np.linalg.norm(flat[i] - flat[j]) for i in range(5) for j in range(i + 1, 5)]
    assert sample_diversity(images) == pytest.approx(np.mean(pairs), rel=1e-6)
    assert sample_diversity(np.repeat(images[:1], 3, axis=0)) == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError, match="at least 2"):
        sample_diversity(images[:1])


def test_nearest_training_crops_finds_an_exact_copy(tf):
    from ganstyle_edu.gan import nearest_training_crops

    rng = np.random.default_rng(9)
    crops = rng.uniform(-1, 1, (300, 8, 8, 3)).astype(np.float32)
    samples = rng.uniform(-1, 1, (6, 8, 8, 3)).astype(np.float32)
    samples[2] = crops[211]  # memorised
    samples[4] = crops[7] + 0.01  # nearly
    indices, distances = nearest_training_crops(samples, crops, batch_size=64)  # several chunks
    flat_s, flat_c = samples.reshape(6, -1).astype(np.float64), crops.reshape(300, -1).astype(np.float64)
    brute = np.linalg.norm(flat_s[:, None, :] - flat_c[None, :, :], axis=2)  # (6, 300)
    np.testing.assert_array_equal(indices, brute.argmin(axis=1))
    np.testing.assert_allclose(distances, brute.min(axis=1), rtol=1e-6)
    assert indices[2] == 211 and distances[2] == 0.0
    assert indices[4] == 7 and distances[4] == pytest.approx(0.01 * np.sqrt(8 * 8 * 3), rel=1e-3)
    with pytest.raises(ValueError, match="shape"):
        nearest_training_crops(samples, crops[:, :4])
