import dataclasses

import numpy as np
import pytest

from ganstyle_edu import data, nst

TINY = nst.NSTConfig(size=32, num_steps=6)


@pytest.fixture(scope="module")
def pair():
    return data.sample("tubingen", max_side=32), data.sample("starry_night", max_side=32)


@pytest.mark.parametrize("optimizer", nst.OPTIMIZERS)
def test_stylize_reduces_the_loss_and_respects_the_size(pair, optimizer):
    content, style = pair
    result = nst.stylize(content, style, dataclasses.replace(TINY, optimizer=optimizer, num_steps=8))
    assert max(result.image.shape[:2]) == 32 and result.image.shape[2] == 3
    assert 0.0 <= result.image.min() and result.image.max() <= 1.0
    history = result.history
    assert history["step"] == list(range(1, 9))
    start = nst.StyleContentLoss(content, style, TINY)(content[None])["total"]
    assert result.losses["total"] < 0.8 * float(start)
    assert history["seconds"] == sorted(history["seconds"])


def test_loss_parts_add_up_and_smoothing_only_changes_the_objective(pair):
    content, style = pair
    image = np.clip(content + 0.05, 0, 1)[None]
    parts = nst.StyleContentLoss(content, style, TINY)(image)
    np.testing.assert_allclose(float(parts["total"]), float(parts["style"] + parts["content"] + parts["tv"]), rtol=1e-6)
    assert float(parts["objective"]) == float(parts["total"])
    smooth = nst.StyleContentLoss(content, style, dataclasses.replace(TINY, tv_smoothing=0.01))(image)
    assert float(smooth["total"]) == pytest.approx(float(parts["total"]), rel=1e-6)
    assert float(smooth["objective"]) < float(smooth["total"])  # Charbonnier ≤ |d|


def test_callback_receives_images_and_losses(pair):
    seen = []
    nst.stylize(*pair, TINY, callback=lambda step, image, losses: seen.append((step, image.shape, losses["total"])),
                callback_every=2)
    assert [s for s, _, _ in seen] == [2, 4, 6]
    assert all(shape == seen[0][1] for _, shape, _ in seen)


def test_target_loss_stops_early(pair):
    first = nst.stylize(*pair, dataclasses.replace(TINY, num_steps=3))
    target = first.history["total"][1]
    stopped = nst.stylize(*pair, dataclasses.replace(TINY, num_steps=50, target_loss=target))
    assert len(stopped.history["step"]) <= 3
    assert stopped.history["total"][-1] <= target


def test_a_callback_can_stop_the_run(pair):
    result = nst.stylize(*pair, dataclasses.replace(TINY, num_steps=20), callback=lambda step, image, losses: step >= 3,
                         callback_every=1)
    assert result.history["step"] == [1, 2, 3]


def test_equivalent_iterations_is_the_first_iteration_that_reaches_the_target(pair):
    content, style = pair
    reference = nst.stylize(content, style, dataclasses.replace(TINY, num_steps=8)).history["total"]
    run = nst.equivalent_iterations(content, style, reference[4], dataclasses.replace(TINY, num_steps=8),
                                    snapshot_steps=(6,))
    assert run["iterations"] == 1 + next(i for i, total in enumerate(reference) if total <= reference[4])
    assert len(run["history"]["total"]) == 6 and set(run["snapshots"]) == {6}  # ran on to the snapshot, then stopped
    start = float(nst.StyleContentLoss(content, style, TINY)(content[None])["total"])
    assert nst.equivalent_iterations(content, style, start * 2, TINY)["iterations"] == 0  # the photo already does
    assert nst.equivalent_iterations(content, style, 1e-9, dataclasses.replace(TINY, num_steps=3))["iterations"] is None
    from_noise = nst.equivalent_iterations(content, style, reference[4], dataclasses.replace(TINY, num_steps=8),
                                           init="noise")
    noise_run = nst.stylize(content, style, dataclasses.replace(TINY, num_steps=8, init="noise")).history["total"]
    expected = next((i + 1 for i, total in enumerate(noise_run) if total <= reference[4]), None)
    assert from_noise["iterations"] == expected and from_noise["history"]["total"][0] == noise_run[0]


def test_coarse_to_fine_splits_the_steps(pair):
    cfg = dataclasses.replace(TINY, size=48, num_steps=10, scales=(0.5, 1.0), coarse_fraction=0.4)
    result = nst.stylize(data.sample("tubingen", max_side=64), pair[1], cfg)
    assert result.history["scale"] == [0.5] * 4 + [1.0] * 6
    assert max(result.image.shape[:2]) == 48


def test_colour_preservation_keeps_the_photo_chroma(pair):
    content, style = pair
    result = nst.stylize(content, style, dataclasses.replace(TINY, preserve_color=True))
    chroma = lambda image: nst.to_yiq(image)[..., 1:]  # noqa: E731
    plain = nst.stylize(content, style, TINY)
    error_kept = np.abs(chroma(result.image) - chroma(content)).mean()
    error_plain = np.abs(chroma(plain.image) - chroma(content)).mean()
    assert error_kept < 0.5 * error_plain
    np.testing.assert_allclose(nst.from_yiq(nst.to_yiq(content)), content, atol=1e-5)


def test_texture_synthesis_has_no_content_term(pair):
    _, style = pair
    result = nst.synthesize_texture(style, dataclasses.replace(TINY, style_layers=("block1_conv1", "block2_conv1")))
    assert result.image.shape == style.shape
    assert set(result.history["content"]) == {0.0}
    assert result.history["style"][-1] < result.history["style"][0]
    stats = nst.synthesize_texture(style, dataclasses.replace(TINY, style_statistic="mean_std", num_steps=3))
    assert stats.image.shape == style.shape


def _quadratic(tf, low, high):
    rng = np.random.default_rng(0)
    center = tf.constant(rng.uniform(low, high, (1, 8, 8, 3)), tf.float32)
    weight = tf.constant(rng.uniform(0.5, 20.0, (1, 8, 8, 3)), tf.float32)  # condition number 40

    def value_and_grad(x):
        value = tf.reduce_sum(weight * (x - center) ** 2)
        return {"total": value, "objective": value}, 2.0 * weight * (x - center)

    return center, value_and_grad


def _run_lbfgs(tf, value_and_grad, steps):
    optimizer, x = nst._LBFGS(memory=10), tf.fill((1, 8, 8, 3), 0.5)
    for _ in range(steps):
        x, parts, _ = optimizer.step(value_and_grad, x)
    return x.numpy()


def test_lbfgs_finds_the_minimum_of_a_quadratic(tf):
    """Against the known minimiser of f(x) = Σ w (x − c)² with c inside [0, 1]."""
    center, value_and_grad = _quadratic(tf, 0.1, 0.9)
    np.testing.assert_allclose(_run_lbfgs(tf, value_and_grad, 60), center.numpy(), atol=1e-4)


def test_lbfgs_with_the_box_gets_close_to_the_clipped_minimum(tf):
    """c partly outside [0, 1]: the projected iteration approaches x* = clip(c, 0, 1) (not exactly: the
    projection spoils some curvature pairs — a known limit of projected L-BFGS)."""
    center, value_and_grad = _quadratic(tf, -0.3, 1.3)
    x = _run_lbfgs(tf, value_and_grad, 40)
    assert x.min() >= 0.0 and x.max() <= 1.0
    np.testing.assert_allclose(x, np.clip(center.numpy(), 0, 1), atol=0.03)


def test_lbfgs_stays_at_the_start_when_every_other_point_is_worse(tf):
    """A line search that fails (here: +inf anywhere but the start) must not move: before, it took its last,
    worse trial point."""
    start = tf.fill((1, 4, 4, 3), 0.5)

    def value_and_grad(x):
        value = tf.where(tf.reduce_any(x != start), float("inf"), tf.reduce_sum(x))
        return {"total": value, "objective": value}, tf.ones_like(x)

    optimizer = nst._LBFGS(memory=5)
    x, parts, used = optimizer.step(value_and_grad, start)
    assert float(parts["objective"]) == 24.0 and np.array_equal(x.numpy(), start.numpy())
    assert optimizer.stalled and used == 1 + optimizer.SEARCH_STEPS


def _broken_after(value_and_grad, evaluations: int):
    """``value_and_grad`` whose evaluations after the first ``evaluations`` give NaN, except at points it has
    already scored (a NaN region the optimiser runs into)."""
    scored, count = [], 0

    def broken(x):
        nonlocal count
        count += 1
        if count > evaluations and not any(np.array_equal(x.numpy(), seen) for seen in scored):
            nan = x[0, 0, 0, 0] * float("nan")
            return {"total": nan, "objective": nan}, x * nan
        scored.append(x.numpy())
        return value_and_grad(x)

    return broken


def test_a_failed_line_search_keeps_the_point_then_stops(tf):
    """The loss never rises: the failed step stays put and drops the curvature pairs; when the plain gradient
    step fails as well, the optimiser reports that it has stalled."""
    _, value_and_grad = _quadratic(tf, 0.1, 0.9)
    optimizer, x = nst._LBFGS(memory=10), tf.fill((1, 8, 8, 3), 0.5)
    broken, losses, points = _broken_after(value_and_grad, 5), [], []
    for _ in range(10):
        x, parts, _ = optimizer.step(broken, x)
        losses.append(float(parts["objective"]))
        points.append(x.numpy())
        if optimizer.stalled:
            break
    assert optimizer.stalled and optimizer.pairs == []
    assert np.all(np.isfinite(losses)) and losses == sorted(losses, reverse=True), losses
    assert losses[0] > losses[-1]  # the steps before the NaN region did descend
    np.testing.assert_array_equal(points[-1], points[-2])  # the failed steps kept the last good point


def test_stylize_ends_the_scale_when_lbfgs_stalls(pair, monkeypatch):
    """Before, the failed line search's NaN point was taken and the run raised FloatingPointError."""
    real, stops = nst._value_and_grad, []
    monkeypatch.setattr(nst, "_value_and_grad", lambda loss, jit: _broken_after(real(loss, jit), 4))
    result = nst.stylize(*pair, dataclasses.replace(TINY, num_steps=20), callback=lambda step, *_: stops.append(step),
                         callback_every=100)
    totals = result.history["total"]
    assert len(totals) < 20 and stops == [len(totals)]  # stopped early, and the callback saw the last step
    assert np.all(np.isfinite(totals)) and totals == sorted(totals, reverse=True)
    assert result.losses["total"] == pytest.approx(totals[-1])


def test_xla_is_off_by_default():
    """bench/nst_speed.py measured no gain from XLA at 256 px on 2 cores, and each scale would pay a compilation."""
    assert nst.NSTConfig().jit_compile is False and nst.FAST.jit_compile is False


@pytest.mark.parametrize("field, value, match", [
    ("optimizer", "sgd", "optimizer='sgd'"), ("init", "zeros", "init='zeros'"),
    ("scales", (1.0, 0.5), "scales"), ("style_layer_weights", (1.0,), "style_layer_weights"),
    ("style_statistic", "median", "style_statistic"), ("size", 8, "size=8"),
    ("style_weight", -1.0, "style_weight=-1.0"), ("tv_weight", float("nan"), "tv_weight=nan"),
    ("learning_rate", 0.0, "learning_rate=0.0"), ("style_size", 4, "style_size=4"),
    ("content_weight", float("inf"), "content_weight=inf"),
])
def test_config_validation(field, value, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(TINY, **{field: value})
