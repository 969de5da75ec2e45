"""Optimisation-based neural style transfer (Gatys et al. 2016) and what makes it fast (notebook 02).

Start from an image x (the content photo, noise, or the painting) and minimise, over the pixels,

    L(x) = α · L_content(x, p) + β · L_style(x, a) + γ · L_tv(x)          (see ganstyle_edu.losses)

with gradients from the frozen feature network. The network never changes; only x does.

The TensorFlow tutorial takes 1000 Adam steps (lr 0.02, β1 0.99, ε 0.1) at full size. On the same loss,
**L-BFGS** (the optimiser of Gatys et al.'s own code) reaches the tutorial's final loss 8.3× sooner on a
2-core CPU at 256 px (bench/nst_speed.py: 107 s against 896 s). L-BFGS is a quasi-Newton method that
builds a curvature estimate from the last m gradient differences; per step it costs one forward/backward
pass, like Adam, but each step goes much further. Two other options are measured and kept, both off by
default: a **coarse-to-fine** schedule (first steps at half size, for a quarter of the cost) and **XLA**
(`jit_compile=True`); at 256 px on 2 cores neither added to L-BFGS's gain (compilation and the extra stage
cost what they save).

Colour preservation (Gatys et al. 2017): transfer on luminance only — the style's luminance is matched
to the content's mean and spread, the transfer runs on grey images, and the result's luminance is
recombined with the content photo's colour channels (YIQ).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Callable

import numpy as np

from .config import import_tensorflow
from .features import CONTENT_LAYER, STYLE_LAYERS, FeatureExtractor
from .gram import gram_matrix, mean_std
from .images import LUMA_WEIGHTS, MIN_SIDE, ImageError, load_image, resize
from .losses import content_loss, mean_std_loss, style_loss, total_variation_loss

tf = import_tensorflow()

INITS = ("content", "noise", "style")
OPTIMIZERS = ("adam", "lbfgs")
STYLE_STATISTICS = ("gram", "mean_std")
_RGB_TO_YIQ = np.array([LUMA_WEIGHTS, [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], np.float32)


@dataclasses.dataclass(frozen=True)
class NSTConfig:
    """Everything that defines a style-transfer run (notebook 02).

    size: long side of the result in pixels; style_size: long side of the style image (default: size).
    num_steps: optimiser steps in all (L-BFGS: iterations; each costs about one forward/backward pass).
    scales: coarse-to-fine schedule as fractions of ``size``, e.g. (0.5, 1.0); coarse_fraction: the
        share of num_steps spent below full size.
    Layers: Gatys et al.'s (style relu1_1 … relu5_1, content relu4_2). Weights: α = 1e4 (content),
    β = 100 (style), γ = 1 (TV). The tutorial's β = 1e-2, γ = 30 were tuned for ImageNet VGG19, whose
    activations are far larger; on the bundled VGG16 they leave a blurred photo (notebook 02 shows it).
    jit_compile: compile the loss-and-gradient step with XLA. Off by default: bench/nst_speed.py measured
        no gain from it at 256 px on 2 cores, and every scale of every run pays a compilation first;
        ``jit_compile=True`` turns it on (bench/nst_speed.py times both).
    """

    size: int = 256
    style_size: int | None = None
    num_steps: int = 300
    optimizer: str = "lbfgs"
    learning_rate: float = 0.02  # Adam (the tutorial's)
    beta_1: float = 0.99
    epsilon: float = 0.1
    lbfgs_memory: int = 20
    style_layers: tuple = STYLE_LAYERS
    style_layer_weights: tuple | None = None  # one per style layer; default 1 each
    style_statistic: str = "gram"  # or "mean_std": per-channel means and standard deviations (AdaIN)
    content_layers: tuple = (CONTENT_LAYER,)
    style_weight: float = 100.0
    content_weight: float = 1e4
    tv_weight: float = 1.0
    tv_smoothing: float = 0.0  # ε of a smooth TV surrogate that is *optimised* (the reported loss stays L1)
    init: str = "content"
    scales: tuple = (1.0,)
    coarse_fraction: float = 0.5
    preserve_color: bool = False
    jit_compile: bool = False
    weights: str = "hed-vgg16"
    seed: int = 0
    target_loss: float | None = None  # stop early once the full-size loss is at most this

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"NSTConfig: optimizer={self.optimizer!r}; use one of {', '.join(OPTIMIZERS)}")
        if self.style_statistic not in STYLE_STATISTICS:
            raise ValueError(f"NSTConfig: style_statistic={self.style_statistic!r}; use one of "
                             f"{', '.join(STYLE_STATISTICS)}")
        if self.init not in INITS:
            raise ValueError(f"NSTConfig: init={self.init!r}; use one of {', '.join(INITS)}")
        if self.style_layer_weights is not None and len(self.style_layer_weights) != len(self.style_layers):
            raise ValueError(f"NSTConfig: {len(self.style_layer_weights)} style_layer_weights for "
                             f"{len(self.style_layers)} style_layers; give one weight per layer")
        if not self.scales or sorted(self.scales) != list(self.scales) or self.scales[-1] != 1.0:
            raise ValueError(f"NSTConfig: scales={self.scales} must increase and end at 1.0, e.g. (0.5, 1.0)")
        if self.size < 16 or self.num_steps < 1:
            raise ValueError(f"NSTConfig: size={self.size} (≥ 16) and num_steps={self.num_steps} (≥ 1)")
        if self.style_size is not None and self.style_size < 16:
            raise ValueError(f"NSTConfig: style_size={self.style_size} must be at least 16 (or None: size)")
        for name in ("style_weight", "content_weight", "tv_weight", "tv_smoothing"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"NSTConfig: {name}={value} must be a finite number ≥ 0")
        for name in ("learning_rate", "epsilon"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"NSTConfig: {name}={value} must be a finite number > 0")
        if not self.style_layers and not self.content_layers:
            raise ValueError("NSTConfig: style_layers and content_layers are both empty; nothing to optimise")


TUTORIAL = NSTConfig(optimizer="adam", num_steps=1000, jit_compile=False)
"""The TensorFlow style-transfer tutorial's optimisation recipe — 1000 plain Adam steps (lr 0.02, β1 0.99,
ε 0.1), clipped to [0, 1], from the content image — on our loss: the speed reference."""

FAST = NSTConfig(optimizer="lbfgs", jit_compile=False)
"""Our fastest measured settings (bench/nst_speed.py): L-BFGS, plain tf.function."""


@dataclasses.dataclass
class NSTResult:
    """The stylised image (H, W, 3) in [0, 1], its weighted losses, and the run's history (notebook 02).

    history: per step — step, scale, seconds since the start, evaluations (forward/backward passes so
    far) and the weighted losses of the step's iterate (Adam: before its update; L-BFGS: after it).
    """

    image: np.ndarray
    losses: dict
    history: dict
    config: NSTConfig


class StyleContentLoss:
    """L(x) for fixed content and style targets at one resolution (notebook 02).

    ``loss(image)`` returns {"total", "style", "content", "tv", "objective"} for a (1, H, W, 3) image in
    [0, 1]; style, content and tv are already multiplied by their weights and add up to the total.
    "objective" is what the optimiser minimises: the total, or with ``tv_smoothing`` its smooth surrogate.
    """

    def __init__(self, content, style, config: NSTConfig, extractor: FeatureExtractor | None = None,
                 content_mask=None):
        layers = list(dict.fromkeys(config.style_layers + config.content_layers))
        self.extractor = extractor or FeatureExtractor(layers, weights=config.weights, seed=config.seed)
        self.config = config
        style_features = self.extractor(style)
        content_features = self.extractor(content)
        if config.style_statistic == "gram":
            self.style_targets = {layer: gram_matrix(style_features[layer]) for layer in config.style_layers}
        else:
            self.style_targets = {layer: mean_std(style_features[layer]) for layer in config.style_layers}
        self.content_targets = {layer: content_features[layer] for layer in config.content_layers}
        self.content_weights = {}  # content_mask: an (H, W) weight per position, resized to each layer's grid
        if content_mask is not None:
            mask = tf.constant(np.asarray(content_mask, dtype=np.float32)[None, ..., None])  # (1, H, W, 1)
            for layer, target in self.content_targets.items():
                self.content_weights[layer] = tf.image.resize(mask, target.shape[1:3], method="area")
        weights = config.style_layer_weights or (1.0,) * len(config.style_layers)
        self.layer_weights = dict(zip(config.style_layers, weights))

    def __call__(self, image):
        config = self.config
        features = self.extractor(image)
        match_style = style_loss if config.style_statistic == "gram" else mean_std_loss
        style = match_style(features, self.style_targets, self.layer_weights)
        style = style * config.style_weight / len(config.style_layers)
        if self.content_targets:
            content = (content_loss(features, self.content_targets, self.content_weights) * config.content_weight
                       / len(self.content_targets))
        else:
            content = tf.constant(0.0)
        tv = total_variation_loss(image) * config.tv_weight
        total = style + content + tv
        objective = total  # what the optimiser descends; differs only with a smoothed TV term
        if config.tv_smoothing:
            objective = style + content + total_variation_loss(image, config.tv_smoothing) * config.tv_weight
        return {"total": total, "style": style, "content": content, "tv": tv, "objective": objective}


def _value_and_grad(loss: StyleContentLoss, jit_compile: bool):
    def step(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            parts = loss(image)
        return parts, tape.gradient(parts["objective"], image)

    return tf.function(step, jit_compile=jit_compile, reduce_retracing=True)


def _to_float(parts) -> dict:
    return {name: float(value) for name, value in parts.items()}


def _resize_batch(image, height: int, width: int):
    return tf.clip_by_value(tf.image.resize(image, (height, width), method="bicubic"), 0.0, 1.0)


def _initial_image(content, style, init: str, seed: int):
    if init == "content":
        return content
    if init == "noise":
        rng = np.random.default_rng(seed)
        return np.clip(0.5 + 0.1 * rng.standard_normal(content.shape), 0, 1).astype(np.float32)
    return resize(style, content.shape[:2])  # init == "style"


def to_yiq(image: np.ndarray) -> np.ndarray:
    """RGB (…, 3) → YIQ (…, 3); Y is the luminance (notebook 02)."""
    return image @ _RGB_TO_YIQ.T


def from_yiq(image: np.ndarray) -> np.ndarray:
    """YIQ (…, 3) → RGB (…, 3), clipped to [0, 1] (notebook 02)."""
    return np.clip(image @ np.linalg.inv(_RGB_TO_YIQ).T, 0.0, 1.0).astype(np.float32)


def stylize(content, style, config: NSTConfig = NSTConfig(),
            callback: Callable[[int, np.ndarray, dict], None] | None = None, callback_every: int = 10,
            extractor: FeatureExtractor | None = None, content_mask=None) -> NSTResult:
    """Paint ``content`` in the style of ``style`` by optimising the pixels (notebook 02).

    content, style: anything :func:`ganstyle_edu.images.load_image` accepts.
    callback(step, image, losses): called every ``callback_every`` steps and at the end of each scale,
        with the current (H, W, 3) image and its weighted losses — for live plots and widgets. If it
        returns True, the run stops there (a stop button; :func:`equivalent_iterations`).
    content_mask: optional (H, W) weights of the content loss per position, any resolution (it is resized
        to each content layer's grid): e.g. 10 on a word's letters and 1 elsewhere keeps them legible
        (notebook 10; Gatys et al. 2017's spatial control).
    A scale ends early when L-BFGS finds no step that lowers the loss (its history is then shorter).
    Returns an :class:`NSTResult`: the image, its weighted losses and the per-step history.
    """
    style_side = config.style_size or config.size
    content = load_image(content, max_side=config.size)
    style = load_image(style, max_side=style_side)
    for name, image, side in (("content", content, config.size), ("style", style, style_side)):
        if min(image.shape[:2]) < MIN_SIDE:  # an extreme aspect ratio: refuse rather than stretch it to 16 px
            raise ImageError(f"stylize: the {name} image shrunk to a long side of {side} px is "
                             f"{image.shape[1]}×{image.shape[0]} px, under {MIN_SIDE} px on its short side; crop it "
                             "to a less extreme shape or use a larger NSTConfig size")
    if config.preserve_color:
        return _stylize_luminance(content, style, config, callback, callback_every, extractor, content_mask)
    start = time.perf_counter()
    history = {key: [] for key in ("step", "scale", "seconds", "evaluations", "total", "style", "content", "tv",
                                   "objective")}
    height, width = content.shape[:2]
    steps_per_scale = _split_steps(config)
    image = tf.constant(_initial_image(content, style, config.init, config.seed)[None])  # (1, H, W, 3)
    step = evaluations = 0
    for scale, num_steps in zip(config.scales, steps_per_scale):
        scaled_h, scaled_w = max(16, round(height * scale)), max(16, round(width * scale))
        scaled_content = resize(content, (scaled_h, scaled_w))
        scaled_style = resize(style, max(16, round(max(style.shape[:2]) * scale)))
        loss = StyleContentLoss(scaled_content, scaled_style, config, extractor, content_mask)
        extractor = loss.extractor  # built once, shared by all scales
        value_and_grad = _value_and_grad(loss, config.jit_compile)
        image = _resize_batch(image, scaled_h, scaled_w)
        optimizer = _Adam(config) if config.optimizer == "adam" else _LBFGS(config.lbfgs_memory)
        reached = stop = False
        for _ in range(num_steps):
            image, parts, used = optimizer.step(value_and_grad, image)
            step += 1
            evaluations += used
            values = _to_float(parts)
            for key, value in (("step", step), ("scale", scale), ("seconds", time.perf_counter() - start),
                               ("evaluations", evaluations), *values.items()):
                history[key].append(value)
            if not np.isfinite(values["total"]):
                raise FloatingPointError(f"stylize: the loss became {values['total']} at step {step}; lower the "
                                         "learning rate or the style weight")
            reached = config.target_loss is not None and scale == 1.0 and values["total"] <= config.target_loss
            stalled = optimizer.stalled  # L-BFGS found no lower point: nothing more to gain at this scale
            if callback and (step % callback_every == 0 or step == sum(steps_per_scale) or reached or stalled):
                stop = bool(callback(step, image.numpy()[0], values))
            if reached or stop or stalled:
                break
        if reached or stop:
            break  # a stop at a coarse scale ends the whole run
    final, _ = value_and_grad(image)  # the losses of the image we return
    return NSTResult(image.numpy()[0], _to_float(final), history, config)


def equivalent_iterations(content, style, target_loss: float, config: NSTConfig, snapshot_steps=(),
                          extractor: FeatureExtractor | None = None, init: str = "content") -> dict:
    """How many L-BFGS iterations of Gatys, on ``config``'s loss, reach ``target_loss`` (notebook 06; Johnson et
    al. 2016, Fig. 5).

    A feed-forward network T is worth n iterations on a photo x when Gatys' optimisation needs n iterations
    to reach L(T(x)) on the same loss. ``init``: where the optimisation starts — "content", the photo (the
    strict measure: iteration 0 already has no content loss), or "noise", as Gatys et al. and the
    ``neural-style`` code's default do. Runs up to ``config.num_steps`` iterations (and on to the largest of
    ``snapshot_steps``, whose images it keeps). Returns {"iterations": n, or 0 when the starting image itself
    scores at most the target, or None when ``config.num_steps`` iterations do not reach it; "history": the
    run's per-iteration losses; "snapshots": {step: (H, W, 3) image}; "seconds"}.
    """
    if init not in ("content", "noise"):
        raise ValueError(f"equivalent_iterations: init={init!r}; use 'content' or 'noise'")
    content = load_image(content, max_side=config.size)
    first, snapshots, last_snapshot = None, {}, max(snapshot_steps, default=0)
    loss = StyleContentLoss(content, load_image(style, max_side=config.style_size or config.size),
                            dataclasses.replace(config, scales=(1.0,)), extractor)
    start_image = _initial_image(content, None, init, config.seed)
    if float(loss(start_image[None])["total"]) <= target_loss:
        first = 0

    def watch(step, image, losses):
        nonlocal first
        if first is None and losses["total"] <= target_loss:
            first = step
        if step in snapshot_steps:
            snapshots[step] = image
        return first is not None and step >= last_snapshot

    plain = dataclasses.replace(config, target_loss=None, init=init, scales=(1.0,),
                                num_steps=max(config.num_steps, last_snapshot))
    start = time.perf_counter()
    result = stylize(content, style, plain, callback=watch, callback_every=1, extractor=loss.extractor)
    reached = first if first is not None and first <= config.num_steps else None
    return {"iterations": reached, "history": result.history, "snapshots": snapshots,
            "seconds": time.perf_counter() - start}


def synthesize_texture(style, config: NSTConfig = NSTConfig(), callback=None, callback_every: int = 10,
                       extractor: FeatureExtractor | None = None) -> NSTResult:
    """A new image with the style statistics of ``style`` and no content: texture synthesis (notebook 01).

    Gatys et al.'s texture model: start from noise and minimise the style loss alone, over
    ``config.style_layers``; the output has the style image's size (long side ``config.size``).
    """
    style = load_image(style, max_side=config.size)
    plain = dataclasses.replace(config, content_layers=(), content_weight=0.0, init="noise", preserve_color=False)
    canvas = np.full_like(style, 0.5)  # only its size matters: there is no content loss
    return stylize(canvas, style, plain, callback, callback_every, extractor)


def _split_steps(config: NSTConfig) -> list[int]:
    """Steps per scale: coarse_fraction of them shared equally among the coarse scales."""
    if len(config.scales) == 1:
        return [config.num_steps]
    coarse = round(config.num_steps * config.coarse_fraction)
    per_coarse = [coarse // (len(config.scales) - 1)] * (len(config.scales) - 1)
    return per_coarse + [config.num_steps - sum(per_coarse)]


def keep_colors(image: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """The luminance (Y) of ``image`` with the colour (I, Q) of ``photo``, same size: a stylised result in the
    photo's own colours (notebook 02)."""
    return from_yiq(np.concatenate([to_yiq(image)[..., :1], to_yiq(photo)[..., 1:]], axis=-1))


def _stylize_luminance(content, style, config, callback, callback_every, extractor, content_mask) -> NSTResult:
    content_yiq, style_yiq = to_yiq(content), to_yiq(style)
    content_y, style_y = content_yiq[..., 0], style_yiq[..., 0]
    # Match the style's luminance to the content's mean and spread, so only the texture transfers.
    style_y = (style_y - style_y.mean()) * (content_y.std() / (style_y.std() + 1e-6)) + content_y.mean()
    gray = lambda y: np.repeat(np.clip(y, 0, 1)[..., None], 3, axis=2)  # noqa: E731  (H, W) -> (H, W, 3)
    plain = dataclasses.replace(config, preserve_color=False)

    recolor = functools.partial(keep_colors, photo=content)
    inner = (lambda step, image, losses: callback(step, recolor(image), losses)) if callback else None
    result = stylize(gray(content_y), gray(style_y), plain, inner, callback_every, extractor, content_mask)
    return NSTResult(recolor(result.image), result.losses, result.history, config)


class _Adam:
    """The tutorial's update: one Adam step on the pixels, then clip to [0, 1]."""

    def __init__(self, config: NSTConfig):
        self.optimizer = tf.keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1,
                                                  epsilon=config.epsilon)
        self.variable = None
        self.stalled = False  # Adam always takes its step

    def step(self, value_and_grad, image):
        if self.variable is None or self.variable.shape != image.shape:
            self.variable = tf.Variable(image)
        parts, grad = value_and_grad(tf.convert_to_tensor(self.variable))
        self.optimizer.apply_gradients([(grad, self.variable)])
        self.variable.assign(tf.clip_by_value(self.variable, 0.0, 1.0))
        return tf.convert_to_tensor(self.variable), parts, 1


class _LBFGS:
    """Limited-memory BFGS on the pixels with a backtracking line search, projected to [0, 1].

    Two-loop recursion (Nocedal & Wright, Alg. 7.4) over the last ``memory`` pairs s = Δx, y = Δ∇L. The line
    search halves the step until the projected point x' = clip(x + t·d) decreases the loss enough (Armijo,
    measured along the step actually taken, x' − x: the projection can shorten it). The losses reported for
    a step are those of the accepted new point (known from the line search).
    The loss never rises: a line search that finds no such point keeps the current one and drops the
    curvature pairs, so that the next step starts again along the gradient; when that fails too (a minimum
    within the line search's reach, or NaN/inf all around), ``stalled`` turns True and the run stops.
    """

    SEARCH_STEPS = 12  # halvings of the step before the line search gives up

    def __init__(self, memory: int):
        self.memory = memory
        self.pairs: list = []  # (s, y, 1 / yᵀs)
        self.point = None  # (x, parts, grad) of the current iterate
        self.stalled = False

    def step(self, value_and_grad, image):
        used = 0
        if self.point is None or self.point[0].shape != image.shape:
            self.pairs, self.stalled = [], False
            parts, grad = value_and_grad(image)
            self.point, used = (image, parts, grad), 1
        x, parts, grad = self.point
        direction = self._descent_direction(grad)
        step_size = 1.0 if self.pairs else 1.0 / max(float(tf.reduce_max(tf.abs(grad))), 1e-12) * 0.05
        found, evaluations = self._line_search(value_and_grad, self.point, direction, step_size)
        used += evaluations
        if found is None:  # no decrease: stay at x, forget the curvature; stalled if the gradient failed too
            self.stalled, self.pairs = not self.pairs, []
            return x, parts, used
        candidate, new_parts, new_grad = found
        s, y = candidate - x, new_grad - grad
        ys = float(tf.reduce_sum(y * s))
        if ys > 1e-10:
            self.pairs = (self.pairs + [(s, y, 1.0 / ys)])[-self.memory:]
        self.point = found
        return candidate, new_parts, used

    def _descent_direction(self, grad):
        """−H∇L; the plain −∇L (and no memory) when that is not a descent direction."""
        direction = -self._inverse_hessian_times(grad)
        if float(tf.reduce_sum(grad * direction)) >= 0:
            self.pairs, direction = [], -grad
        return direction

    def _line_search(self, value_and_grad, point, direction, step_size: float):
        """((x', parts, grad) of the first halved step with sufficient decrease, or None; evaluations used).
        A NaN loss never counts as a decrease."""
        x, parts, grad = point
        total = float(parts["objective"])
        for attempt in range(1, self.SEARCH_STEPS + 1):
            candidate = tf.clip_by_value(x + step_size * direction, 0.0, 1.0)
            new_parts, new_grad = value_and_grad(candidate)
            slope = min(float(tf.reduce_sum(grad * (candidate - x))), 0.0)  # ∇Lᵀ(x' − x): the first-order gain
            if float(new_parts["objective"]) <= total + 1e-4 * slope:
                return (candidate, new_parts, new_grad), attempt
            step_size *= 0.5
        return None, self.SEARCH_STEPS

    def _inverse_hessian_times(self, grad):
        q, alphas = grad, []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * tf.reduce_sum(s * q)
            q = q - alpha * y
            alphas.append(alpha)
        if self.pairs:
            s, y, rho = self.pairs[-1]
            q = q * (1.0 / (rho * tf.reduce_sum(y * y)))  # γ = sᵀy / yᵀy
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            beta = rho * tf.reduce_sum(y * q)
            q = q + (alpha - beta) * s
        return q
