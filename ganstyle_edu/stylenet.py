"""A feed-forward style network, trained with perceptual and (optionally) adversarial losses (notebook 06).

Gatys et al. optimise the pixels of every new photo (notebook 02). Johnson et al. (2016) instead train,
once per style a, a network T such that y = T(x) minimises the same perceptual loss for any photo x:

    L(T) = E_x [ α · L_content(T(x), x) + β · L_style(T(x), a) + γ · L_tv(T(x)) ] + λ · L_adv(T(x)),

after which stylising is a single forward pass. The adversarial term (λ > 0) adds a PatchGAN
discriminator D (Isola et al. 2017) that scores every ~70-pixel patch of T(x) against random crops of
the painting itself — the GAN of notebook 05, judging local texture instead of whole images (Li & Wand
2016, "MGAN", judge feature patches; we judge pixels). λ = 0 is Johnson et al.'s baseline.

The network (:func:`ganstyle_edu.stylemodel.build_style_generator`): Johnson et al.'s shape at width 32 with five
residual blocks, on 2×2-folded pixels (fast on a CPU), reflection padding (no border band), a resize and a
convolution back to full size (no 2×2 grid), and U-Net skips — at equal steps they cut the content loss by a
third (5.98·10⁵ against 8.81·10⁵ after 1000 steps), because a folded bottleneck otherwise loses the photo's
detail. The shipped recipe (:func:`ganstyle_edu.styleconfig.shipped_recipe`) takes one stride-2 step down, not
two (the residual blocks at 1/4 of the resolution on 2w channels), and up-samples bilinearly: with nearest
copies and skips a network paints a plaid of straight streaks, with two steps down blobs at the body's period.

One network for several styles (Dumoulin et al. 2017): every instance normalisation gets one (γ, β) per
style (:class:`ganstyle_edu.stylemodel.ConditionalInstanceNorm`); the convolutions are shared. Each training
image draws a style, and a one-hot style vector picks its (γ, β). Mixing the (γ, β) of two styles blends
them: ``pretrained("starry_night+the_scream", mix=0.3)``.

Training data: random crops of the bundled training photos (``data/content``; never ``data/heldout``), at a
random scale, randomly flipped, with a little brightness and saturation jitter.

StyleNetConfig's default loss is the feed-forward recipe of Magenta's ``image_stylization`` on the same Keras
VGG16 layers (the baseline; the shipped recipe changes the style layers and their weights, below):
content at relu3_3, style at relu1_2 / relu2_2 / relu3_3 / relu4_3 (no block 5: at 128-px crops its
512-channel Gram would come from 8×8 positions), α = 1e4, β = 4 (Magenta's style/content ratio of 1e-4 per
layer), and γ = 4 on 128-px crops — the TV term
is a sum over pixels, so γ = 4 on a 128-px crop puts the same weight per pixel as γ = 1 on a 256-px photo,
the size the networks are judged at (bench/stylize_quality.py). A network trained from scratch on this loss
first learns textures and only slowly the photo (after 1000 steps at β = 20 its outputs were further from the
photo, by the content loss, than a flat grey image); so it starts by copying the photo on a pixel loss
(``identity_steps``, cheap) and then lets the style weight rise (``style_warmup_steps``).

Equal layer weights let the shallow layers decide: the photo-to-painting Gram distance of relu1_2 is about 10⁵
times that of relu4_3, so the loss asks little at the scale of strokes and swirls, and trained networks (and Gatys
on the same loss) match colour and grain but not the painting's larger structure (bench/stylize_quality.py's
share of the distance removed, per layer). ``style_layer_weights="balanced"`` weights each layer l by 1 / D̄_l,
its mean photo-to-painting distance over the bundled paintings
(:func:`ganstyle_edu.styleconfig.balanced_layer_weights`), so that every
layer starts near 1 and β alone sets the style's strength (the shipped recipe,
:func:`ganstyle_edu.styleconfig.shipped_recipe`: Gatys' five layers, β = 1.5·10⁷, bilinear up-sampling, one step
down). The loss network may run in
bfloat16 (``loss_dtype``): about twice as fast where the hardware computes bfloat16 (a GPU, a CPU with AVX-512 BF16
or AMX), about ten times slower where it is emulated; "auto" (the default) picks it only where it is native.
Evaluation uses float32.
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Callable

import numpy as np

from . import distribute
from .checkpoints import (checkpoint_folder, load_optimizer_state, load_weights, save_optimizer_state, save_weights,
                          write_checkpoint)
from .provenance import close_segment, config_changes, file_sha256, machine, next_segment, record_text
from .config import import_tensorflow, seeded_initial_weights
from .features import FeatureExtractor
from .gram import gram_matrix
from .images import atomic_path, atomic_write, load_image, resize
from .losses import content_loss, discriminator_loss, generator_loss, style_loss, total_variation_loss
from .nst import NSTConfig
from .shipped import STYLE_NETWORK, record_path, style_networks
from .models import build_patch_discriminator
from .stylemodel import ConditionalInstanceNorm, build_style_generator
from .styleconfig import (CropSampler, StyleNetConfig, content_images, data_checksum, objective_layers,
                          resolve_layer_weights, style_path)
from .stylegen import bind_style, style_mix, stylize_with

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

class StyleNetTrainer:
    """Trains a style generator T (and, with λ > 0, a PatchGAN D) for one or more styles (notebook 06).

    ``step()`` runs one training step and returns its losses (weighted, as floats); ``history`` keeps
    every step's. ``save_checkpoint(directory)`` / ``restore_checkpoint(directory)`` make a run resumable;
    ``save(directory)`` writes the finished generator with its provenance record. Each image of a batch
    draws one of ``config.styles``; with one style the network is a plain single-style one.

    strategy: a ``tf.distribute.Strategy`` (:func:`ganstyle_edu.distribute.make_strategy`; notebook 11), or None
    for one device. Under a strategy every network and optimizer is created in its scope, each step's global
    batch of ``config.batch_size`` crops is split over the replicas, and each replica's losses are scaled by
    1/R before the gradients are summed; the logged losses are the global batch's. Only the chief worker writes
    checkpoints and weights.
    """

    def __init__(self, config: StyleNetConfig, extractor: FeatureExtractor | None = None, strategy=None):
        config = resolve_layer_weights(config)  # the record keeps the numbers, so the loss can be rebuilt
        self.config = config
        self.strategy = strategy
        distribute.check_global_batch(config.batch_size, strategy, "StyleNetConfig.batch_size")
        with distribute.scope(strategy):
            self._build(config, extractor)

    def _build(self, config: StyleNetConfig, extractor: FeatureExtractor | None) -> None:
        with seeded_initial_weights(config.seed):
            self.generator = generator_from_config(config)
        if config.init_from is not None:
            initialise_from(self.generator, config.init_from, config.train_norms_only, config.style_names)
        schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.num_steps,
                                                          alpha=config.final_learning_rate / config.learning_rate)
        self.generator_optimizer = keras.optimizers.Adam(schedule)
        layers = objective_layers(config)
        if extractor is not None:
            distribute.check_created_in_scope(self.strategy, extractor.model, "extractor")
        self.extractor = extractor or FeatureExtractor(layers, compute_dtype=config.loss_dtype)
        self.style_images = [resize(load_image(style_path(style)), config.style_size) for style in config.styles]
        grams = [self.extractor(image) for image in self.style_images]
        self.style_targets = {layer: tf.concat([gram_matrix(g[layer]) for g in grams], axis=0)  # (N, C, C)
                              for layer in config.style_layers}
        weights = config.style_layer_weights or (1.0,) * len(config.style_layers)
        self.layer_weights = dict(zip(config.style_layers, weights))  # {layer: w_l} of the style loss
        self.sampler = CropSampler(content_images(config), config.crop_size, config.min_scale, config.seed,
                                   config.color_jitter)
        self.discriminator = None
        if config.adversarial_weight > 0:
            if len(config.styles) > 1:
                raise ValueError("StyleNetConfig: adversarial_weight > 0 trains one PatchGAN per painting; "
                                 "use it with one style")
            # D's initial weights from their own seed: otherwise they would depend on whether this process had
            # already built the VGG16 layers (whose first build draws from Keras' seeded stream)
            with seeded_initial_weights(config.seed + 1):
                self.discriminator = build_patch_discriminator(config.discriminator_width)
            self.discriminator_optimizer = keras.optimizers.Adam(config.discriminator_learning_rate, beta_1=0.5)
            self.patch_rng = np.random.default_rng(config.seed + 1)  # the painting's crops: saved with checkpoints
        if self.strategy is not None:  # optimizer slots must be created in the strategy's scope
            for _, optimizer, network in self._optimizers():
                optimizer.build(network.trainable_variables)
        self.step_count = 0
        self.seconds = 0.0
        self.segments = next_segment({}, {})  # this run's segments (a resumed run has several)
        self._segment_start = 0.0  # self.seconds when the current segment began
        self.history: dict[str, list[float]] = {}
        self._train_step = self._compiled(self._step)
        self._train_identity = self._compiled(self._identity_step)

    def _compiled(self, step_function):
        """``step_function`` as a tf.function; under a strategy, run on every replica with losses averaged."""
        if self.strategy is None:
            return tf.function(step_function)

        def on_all_replicas(*per_replica_args):
            values = self.strategy.run(step_function, args=per_replica_args)
            return distribute.mean_over_replicas(self.strategy, values)

        compiled = tf.function(on_all_replicas)
        return lambda *global_batch: compiled(*distribute.distribute_batch(self.strategy, *global_batch))

    @property
    def num_styles(self) -> int:
        return len(self.config.styles)

    def generate(self, photos, style_ids, training: bool = False):
        """T(photos) with image i in style ``style_ids[i]`` (B,) — the network's call for this trainer."""
        if self.num_styles == 1:
            return self.generator(photos, training=training)
        return self.generator([photos, tf.one_hot(style_ids, self.num_styles)], training=training)

    def perceptual_losses(self, photos, stylised, style_ids=None) -> dict:
        """Weighted content, style and TV terms of a batch, each a scalar tensor (notebook 06).

        style_ids (B,): which style each image is scored against (default: the first).
        """
        c = self.config
        if style_ids is None:
            style_ids = tf.zeros(tf.shape(photos)[0], tf.int32)
        features = self.extractor(stylised)
        targets = self.extractor(photos)
        scales = None  # content_scales: each image's squared differences × its style's factor
        if c.content_scales:
            factors = tf.gather(tf.constant(c.content_scales, tf.float32), style_ids)  # (B,)
            scales = {c.content_layer: tf.reshape(factors, (-1, 1, 1, 1))}  # (B,) → (B, 1, 1, 1)
        content = content_loss({c.content_layer: features[c.content_layer]},
                               {c.content_layer: targets[c.content_layer]}, scales) * c.content_weight
        grams = {layer: tf.gather(self.style_targets[layer], style_ids) for layer in c.style_layers}  # (B, C, C)
        style = style_loss({k: features[k] for k in c.style_layers}, grams, self.layer_weights) * c.style_weight
        style = style / len(c.style_layers)
        tv = total_variation_loss(stylised) / tf.cast(tf.shape(stylised)[0], tf.float32) * c.tv_weight
        return {"content": content, "style": style, "tv": tv}

    def real_patches(self, batch_size: int) -> np.ndarray:
        """``batch_size`` random crops of the painting (B, crop, crop, 3), drawn from ``patch_rng`` (which a
        checkpoint saves, so that a resumed adversarial run draws the same crops)."""
        painting, size = self.style_images[0], self.config.crop_size
        tops = self.patch_rng.integers(painting.shape[0] - size + 1, size=batch_size)
        lefts = self.patch_rng.integers(painting.shape[1] - size + 1, size=batch_size)
        return np.stack([painting[t:t + size, l:l + size] for t, l in zip(tops, lefts)]).astype(np.float32)

    def _step(self, photos, style_ids, real=None):
        c = self.config
        out = {}
        if self.discriminator is not None:  # D first: real painting patches vs the current T(x)
            fake = self.generate(photos, style_ids, training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = discriminator_loss(real_logits, fake_logits, c.gan_loss)
                scaled = distribute.scale_loss(d_loss)  # ÷ R under a strategy: the replicas' gradients are summed
            grads = tape.gradient(scaled, self.discriminator.trainable_variables)
            self.discriminator_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            out.update(d_loss=d_loss, d_real=tf.reduce_mean(tf.sigmoid(real_logits)),
                       d_fake=tf.reduce_mean(tf.sigmoid(fake_logits)))
        with tf.GradientTape() as tape:
            stylised = self.generate(photos, style_ids, training=True)
            parts = self.perceptual_losses(photos, stylised, style_ids)
            total = parts["content"] + self._style_ramp() * parts["style"] + parts["tv"]
            if self.discriminator is not None:
                parts["adversarial"] = generator_loss(self.discriminator(stylised, training=False), c.gan_loss)
                parts["adversarial"] *= c.adversarial_weight
                total += parts["adversarial"]
            scaled = distribute.scale_loss(total)
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        out.update(parts, total=total)
        return out

    def _style_ramp(self):
        """The style term's share during the first ``style_warmup_steps``: rising linearly from 0 to 1."""
        warmup = self.config.style_warmup_steps
        if not warmup:
            return 1.0
        step = tf.cast(self.generator_optimizer.iterations + 1 - self.config.identity_steps, tf.float32)
        return tf.clip_by_value(step / warmup, 0.0, 1.0)

    def _identity_step(self, photos, style_ids):
        with tf.GradientTape() as tape:
            pixels = tf.reduce_mean((self.generate(photos, style_ids, training=True) - photos) ** 2)
            scaled = distribute.scale_loss(pixels)
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"identity": pixels}

    def next_batch(self):
        """The next training batch: crops (B, crop, crop, 3) and a style id per crop (B,), from the sampler's
        random state (so that a resumed run draws the same batches)."""
        photos = self.sampler.batch(self.config.batch_size)
        style_ids = self.sampler.rng.integers(self.num_styles, size=self.config.batch_size).astype(np.int32)
        return tf.constant(photos), tf.constant(style_ids)

    def step(self) -> dict[str, float]:
        """One training step on a fresh batch of crops; returns its losses (notebook 06)."""
        start = time.perf_counter()
        if self.step_count < self.config.identity_steps:
            out = self._train_identity(*self.next_batch())
        elif self.discriminator is not None:
            out = self._train_step(*self.next_batch(), tf.constant(self.real_patches(self.config.batch_size)))
        else:
            out = self._train_step(*self.next_batch())
        values = {k: float(v) for k, v in out.items()}
        self.seconds += time.perf_counter() - start
        self.step_count += 1
        bad = {key: value for key, value in values.items() if not np.isfinite(value)}
        values["step"] = self.step_count
        for key in set(self.history) | set(values):  # one row per step: NaN where a term was not computed
            self.history.setdefault(key, [math.nan] * (self.step_count - 1)).append(values.get(key, math.nan))
        if bad:
            raise FloatingPointError(f"step {self.step_count}: {bad}; lower learning_rate or the loss weights, then "
                                     "resume from the last checkpoint")
        return values

    def train(self, num_steps: int | None = None, callback: Callable | None = None, every: int = 50) -> dict:
        """Run until step ``num_steps`` (default config.num_steps); callback(trainer) every ``every`` steps."""
        target = self.config.num_steps if num_steps is None else num_steps
        while self.step_count < target:
            self.step()
            if callback is not None and (self.step_count % every == 0 or self.step_count == target):
                callback(self)
        return self.history

    def stylize(self, photo, style=None) -> np.ndarray:
        """The trained generator on one photo (H, W, 3) in [0, 1], in ``style`` (a name of config.styles, or
        a mix as :func:`style_mix` takes it; default the first); returns the stylised photo, same size."""
        generator = self.generator
        if self.num_styles > 1:
            generator = bind_style(generator, style_mix(self.config.style_names, style or self.config.style_names[0]))
        return stylize_with(generator, photo)

    # -- checkpoints
    def _optimizers(self):
        pairs = [("g", self.generator_optimizer, self.generator)]
        if self.discriminator is not None:
            pairs.append(("d", self.discriminator_optimizer, self.discriminator))
        return pairs

    def save_checkpoint(self, directory, keep: int = 2) -> Path | None:
        """Everything a resumed run needs, as ``directory/step_XXXXXXXX/``, written atomically (notebook 06):
        the networks' weights, both optimizers' state, the crop sampler's random state, the history and
        the training time so far. See :func:`ganstyle_edu.checkpoints.write_checkpoint`. Under a strategy only
        the chief writes; the other workers return None."""
        if not distribute.is_chief(self.strategy):
            return None

        def write(folder: Path) -> dict:
            for prefix, _, network in self._optimizers():
                save_weights(network, folder / f"{prefix}.weights.h5")
            save_optimizer_state(folder, self._optimizers())
            (folder / "history.json").write_text(json.dumps(self.history))
            state = {"seconds": self.seconds, "sampler_state": self.sampler.rng.bit_generator.state,
                     "config": dataclasses.asdict(self.config), "segments": self.closed_segments()}
            if self.discriminator is not None:
                state["patch_state"] = self.patch_rng.bit_generator.state
            return state

        return write_checkpoint(directory, self.step_count, write, keep)

    def restore_checkpoint(self, directory, step: int | None = None) -> int | None:
        """Load a checkpoint (default: the latest) into this trainer; its step, or None if there is none.

        Training then continues exactly where it stopped: same weights, same optimizer moments, same
        next crops (notebook 06). The trainer must have been built with the same networks. Under a strategy,
        every worker must restore the same step (:func:`ganstyle_edu.distribute.check_same_step`).
        """
        folder = checkpoint_folder(directory, step)
        if folder is not None:
            self._load_checkpoint(folder)
        distribute.check_same_step(self.strategy, self.step_count)  # a worker with no checkpoint would be at 0
        return None if folder is None else self.step_count

    def closed_segments(self) -> list[dict]:
        """Every segment of this run so far, the current one ending now (for checkpoints and the record)."""
        return close_segment(self.segments, self.step_count, self.seconds - self._segment_start)

    def _load_checkpoint(self, folder: Path) -> None:
        state = json.loads((folder / "state.json").read_text())
        changed = config_changes(state.get("config", {}), dataclasses.asdict(self.config), folder)  # or ValueError
        for prefix, _, network in self._optimizers():
            try:
                load_weights(network, folder / f"{prefix}.weights.h5")
            except (ValueError, FileNotFoundError, OSError) as error:
                raise ValueError(f"{folder}: its {network.name} does not fit this trainer's ({error}); "
                                 "resume with the configuration that wrote it") from None
        load_optimizer_state(folder, self._optimizers())
        self.sampler.rng.bit_generator.state = state["sampler_state"]
        if self.discriminator is not None:
            self.patch_rng.bit_generator.state = state["patch_state"]
        self.history = json.loads((folder / "history.json").read_text())
        self.step_count, self.seconds = state["step"], state["seconds"]
        self.segments, self._segment_start = next_segment(state, changed), self.seconds

    def save(self, directory, name: str | None = None) -> Path:
        """Write the generator's weights and a provenance JSON into ``directory``, atomically (notebook 06).

        The file is ``NAME.weights.h5``; NAME defaults to the style's name, or "styles" for several. Under a
        strategy only the chief writes (the path is returned on every worker).
        """
        names = self.config.style_names
        path = Path(directory) / f"{name or (names[0] if len(names) == 1 else 'styles')}.weights.h5"
        if distribute.is_chief(self.strategy):
            save_generator(self.generator, path, provenance(self))
        return path


def finetune_config(style, source=None, num_steps: int = 1500, **changes) -> StyleNetConfig:
    """The learner's fast path: a new painting's (γ, β) on a trained network's frozen convolutions (notebook 06).

    Starts from ``source`` (default: the shipped multi-style network), keeps its shape and loss, begins at
    the mean (γ, β) of its styles and trains only those — Dumoulin et al.'s observation that a style lives
    in the normalisations' scales and shifts. No identity phase or warm-up: the network already draws.
    ``changes`` override any other field, e.g. ``learning_rate``.
    """
    source = Path(source) if source is not None else STYLE_NETWORK
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no trained network to fine-tune from; train one with "
                                "`ganstyle-edu train-style` first")
    base = config_from_record(json.loads(record_path(source).read_text()), record_path(source))
    settings = {"styles": (style,), "contents": (), "init_from": str(source), "train_norms_only": True,
                "loss_dtype": "auto",  # a new run: the precision that is fast on this machine
                "num_steps": num_steps, "identity_steps": 0, "style_warmup_steps": 0, "learning_rate": 1e-2,
                "final_learning_rate": 1e-3, **changes}
    return dataclasses.replace(base, **settings)


def trained_loss(config: StyleNetConfig, shape, num_steps: int = 300):
    """The loss a network of ``config`` was trained on, as an :class:`~ganstyle_edu.nst.NSTConfig` for an image
    of ``shape`` (H, W, …) — to score its outputs, or to run Gatys on the same objective (notebook 06).

    Same layers, α, β and painting size. The content and style terms are means, the same at any size; the
    TV term is a sum over pixels, so its weight is scaled by (crop pixels / image pixels) to keep the
    weight per pixel that training used (γ = 4 on 128² crops is γ = 1 on a 256² image).
    """
    height, width = shape[:2]
    config = resolve_layer_weights(config)
    return NSTConfig(size=max(height, width), style_size=config.style_size, num_steps=num_steps, optimizer="lbfgs",
                     style_layers=tuple(config.style_layers), content_layers=(config.content_layer,),
                     style_layer_weights=config.style_layer_weights and tuple(config.style_layer_weights),
                     content_weight=config.content_weight, style_weight=config.style_weight,
                     tv_weight=config.tv_weight * config.crop_size ** 2 / (height * width), jit_compile=False)


def provenance(trainer: StyleNetTrainer) -> dict:
    """What produced a set of weights: config, steps, wall time, machine, final losses, data checksum, and the
    loss curves as means over every 10 steps; for a run from ``init_from``, the record of the network it started
    from under ``"continues"`` (:func:`ganstyle_edu.provenance.lineage`) (notebook 06)."""
    def mean(values):  # None where a term was not computed (e.g. the style loss during the identity phase)
        finite = [v for v in values if np.isfinite(v)]
        return float(np.mean(finite)) if finite else None

    history = {k: v for k, v in trainer.history.items() if k != "step"}
    last = {k: v[-1] for k, v in history.items() if np.isfinite(v[-1])}
    tail = {k: mean(v[-50:]) for k, v in history.items()}
    every = 10
    curves = {k: [mean(v[i:i + every]) for i in range(0, len(v), every)] for k, v in history.items()}
    curves["step"] = [min(i + every, trainer.step_count) for i in range(0, trainer.step_count, every)]
    record = {"config": dataclasses.asdict(trainer.config), "styles": list(trainer.config.style_names),
              "steps": trainer.step_count, "train_seconds": round(trainer.seconds, 1),
              "loss_dtype_used": trainer.extractor.compute_dtype,
              "segments": trainer.closed_segments(), "machine": machine(),
              "final_losses": last, "mean_losses_last_50": tail, "data_sha256": data_checksum(trainer.config),
              "tensorflow": tf.__version__, "keras": keras.__version__, "history_every_10_steps": curves}
    source = trainer.config.init_from
    if source is not None and record_path(source).is_file():  # the run it continues, with that run's own record
        record["continues"] = json.loads(record_path(source).read_text())
    return record


def save_generator(generator, path, record: dict) -> None:
    """Save weights and their JSON record next to each other; each file is written then renamed. The record
    gains ``weights_sha256``, the checksum of the weights file it describes."""
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"{path}: a weights file must end in .weights.h5 (Keras 3)")
    with atomic_path(path, suffix=".weights.h5") as tmp:  # Keras wants the .weights.h5 suffix
        save_weights(generator, tmp)
        record = {**record, "weights_sha256": file_sha256(tmp)}
    text = record_text(record)  # one line per curve, not one per number
    atomic_write(record_path(path), lambda stream: stream.write(text.encode()))


def load_generator(path, style=None, mix: float | None = None):
    """A style generator from a ``.weights.h5`` file and the JSON record beside it: (generator, record)
    (notebook 06).

    A network of several styles is bound to ``style`` (see :func:`style_mix`), so that it takes a photo
    alone; with ``style=None`` it is returned unbound, taking [photo, mix (B, N)].
    """
    path = Path(path)
    json_path = record_path(path)
    for required in (path, json_path):
        if not required.is_file():
            raise FileNotFoundError(f"{required}: missing; a style generator needs its .weights.h5 and .json side by side")
    record = json.loads(json_path.read_text())
    config = config_from_record(record, json_path)
    generator = generator_from_config(config)
    load_weights(generator, path)
    if len(config.styles) > 1 and style is not None:
        generator = bind_style(generator, style_mix(config.style_names, style, mix))
    elif len(config.styles) == 1 and style is not None and style_mix(config.style_names, style, mix) != [1.0]:
        raise ValueError(f"{path} holds one style ({config.style_names[0]}); it cannot paint {style!r}")
    return generator, record


def config_from_record(record: dict, source="the record") -> StyleNetConfig:
    """The :class:`StyleNetConfig` a provenance record was trained with (JSON lists back to tuples) (notebook 06)."""
    fields = StyleNetConfig.__dataclass_fields__
    saved = record.get("config", {})
    if "styles" not in saved:
        raise ValueError(f"{source}: written by an earlier version of the course (no 'styles'); its network has "
                         "another shape — train it again with `ganstyle-edu train-style`")
    return StyleNetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in fields})


def generator_from_config(config: StyleNetConfig, style_mix=None):
    """The (untrained) style generator a config describes; ``style_mix`` binds a multi-style one (notebook 06)."""
    return build_style_generator(config.width, config.num_residual, config.shuffle, config.in_kernel,
                                 config.out_kernel, num_styles=len(config.styles), style_mix=style_mix,
                                 padding=config.padding, output_upsampling=config.output_upsampling,
                                 skips=config.skips, interpolation=config.interpolation, num_down=config.num_down,
                                 noise_sigma=config.noise_sigma)


def initialise_from(generator, source, norms_only: bool = False, styles=()) -> None:
    """Copy a trained generator's weights into ``generator`` (fine-tuning; notebook 06).

    Layers match by name. Convolutions must have the same shape, but for one case: a network without U-Net skips
    may start from one with them. There each up-sampling convolution read [up-sampled features, the encoder's
    features] concatenated; it keeps the kernel's rows for the first part and drops the skip's. A network with a noise
    channel may start from one without: its first convolution keeps the source's rows for the colours and starts the
    noise's rows at zero, so it paints exactly as the source until trained. Each of ``styles`` (the names of
    ``generator``'s styles, in order) that the source also paints starts at the source's (γ, β) for it;
    any other starts at the mean (γ, β) of the source's styles — a neutral start for a new painting.
    ``norms_only`` freezes everything but the normalisations: only the (γ, β) train.
    """
    trained, record = load_generator(source)
    source_styles = list(record.get("styles", []))
    known = {layer.name: layer for layer in trained.layers}
    for layer in generator.layers:
        if not layer.weights:
            continue
        if layer.name not in known:
            raise ValueError(f"initialise_from {source}: it has no layer {layer.name!r}; start from a generator "
                             "of the same shape (width, residual blocks, folding, kernels)")
        weights = known[layer.name].get_weights()
        if isinstance(layer, ConditionalInstanceNorm) and weights[0].shape[1:] == tuple(layer.gamma.shape[1:]):
            rows = [source_styles.index(name) if name in source_styles else None
                    for name in (list(styles) or [None] * layer.num_styles)]
            weights = [np.stack([w[row] if row is not None else w.mean(0) for row in rows]) for w in weights]  # (N, C)
        if (f"{layer.name.removesuffix('_conv')}_skip" in known and isinstance(layer, keras.layers.Conv2D)
                and weights[0].shape[2] > layer.kernel.shape[2]):  # the source concatenated a skip after its input
            weights = [weights[0][:, :, :layer.kernel.shape[2], :], *weights[1:]]  # (k, k, C_in, C_out)
        if layer.name == "in_conv" and "noise" in {l.name for l in generator.layers} and "noise" not in known:
            weights = [_with_noise_rows(weights[0], layer.kernel.shape[2]), *weights[1:]]
        if [w.shape for w in weights] != [tuple(w.shape) for w in layer.weights]:
            raise ValueError(f"initialise_from {source}: layer {layer.name!r} has shapes "
                             f"{[w.shape for w in weights]}, this network {[tuple(w.shape) for w in layer.weights]}")
        layer.set_weights(weights)
        if norms_only and not isinstance(layer, ConditionalInstanceNorm):
            layer.trainable = False


def _with_noise_rows(kernel, channels: int) -> np.ndarray:
    """A first-convolution kernel (k, k, s²·3, C_out) of a network without a noise channel, widened to read the
    s²·4 folded channels of one with it: fold position p's colour c moves from row p·3 + c to p·4 + c, and the
    noise's rows p·4 + 3 are zero."""
    positions = kernel.shape[2] // 3
    if channels != positions * 4:
        return kernel  # not a colour-only source: left for the shape check to report
    widened = np.zeros((*kernel.shape[:2], channels, kernel.shape[3]), kernel.dtype)  # (k, k, s²·4, C_out)
    for p in range(positions):
        widened[:, :, p * 4:p * 4 + 3] = kernel[:, :, p * 3:p * 3 + 3]
    return widened


def shipped_styles() -> list[str]:
    """Names of the styles the shipped generators paint, each backed by a weights file and its record (notebook 06)."""
    return sorted(style_networks())


def pretrained(name, mix: float | None = None):
    """A shipped style generator bound to one style or a blend, with its provenance record:
    (generator, record) (notebook 06).

    ``pretrained("starry_night")``; ``pretrained("starry_night+the_scream", mix=0.3)`` (70 % Starry Night,
    30 % The Scream, by mixing the two styles' (γ, β)); or a dict of weights — see :func:`style_mix`.
    """
    files = style_networks()
    wanted = list(name) if isinstance(name, dict) else str(name).split("+")
    missing = [style for style in wanted if style not in files]
    if missing:
        listed = ", ".join(sorted(files)) if files else "none yet"
        raise ValueError(f"no shipped style generator named {missing[0]!r} (shipped: {listed}); train one with "
                         f"`ganstyle-edu train-style --style {missing[0]}` or use Gatys: `--method gatys`")
    paths = {files[style] for style in wanted}
    if len(paths) > 1:
        raise ValueError(f"styles {wanted} are painted by different networks ({', '.join(p.name for p in paths)}); "
                         "only the styles of one network mix")
    return load_generator(paths.pop(), style=name, mix=mix)
