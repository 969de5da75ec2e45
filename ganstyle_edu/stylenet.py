"""A feed-forward style network, trained with perceptual and (optionally) adversarial losses (notebook 06).

Gatys et al. optimise the pixels of every new photo (notebook 02). Johnson et al. (2016) instead train,
once per style a, a network T such that y = T(x) minimises the same perceptual loss for any photo x:

    L(T) = E_x [ α · L_content(T(x), x) + β · L_style(T(x), a) + γ · L_tv(T(x)) ] + λ · L_adv(T(x)),

after which stylising is a single forward pass. The adversarial term (λ > 0) adds a PatchGAN
discriminator D (Isola et al. 2017) that scores every ~70-pixel patch of T(x) against random crops of
the painting itself — the GAN of notebook 05, judging local texture instead of whole images (Li & Wand
2016, "MGAN", judge feature patches; we judge pixels). λ = 0 is Johnson et al.'s baseline.

Training data: random crops of the bundled photos, at a random scale, randomly flipped, with a little
brightness and saturation jitter.

Defaults are the shipped generators' recipe (480 steps of 4 crops of 128 px, ≈ 13 min on 2 CPU cores):
Gatys' layers and β = 100, but α = 1e5 — ten times notebook 02's — because a generator trained this
briefly with α = 1e4 paints the texture over the whole photo and loses its content.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import weakref
from pathlib import Path
from typing import Callable

import numpy as np

from . import data
from .config import import_tensorflow
from .features import CONTENT_LAYER, STYLE_LAYERS, FeatureExtractor
from .gan import checkpoint_folder, discriminator_loss, generator_loss, record_text, write_checkpoint
from .gram import gram_matrix
from .images import atomic_path, atomic_write, load_image, luminance, resize
from .losses import content_loss, style_loss, total_variation_loss
from .saliency import realism_map  # noqa: F401  (notebook 06 calls it stylenet.realism_map)
from .models import DepthToSpace, build_patch_discriminator, build_style_generator, style_generator_multiple

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)


@dataclasses.dataclass(frozen=True)
class StyleNetConfig:
    """One style network's training run (notebook 06). ``dataclasses.replace(cfg, num_steps=10)`` for a variant.

    style: a bundled painting's name (or a path). contents: bundled photo names to crop from (empty: all).
    crop_size: training crops, pixels. style_size: long side of the painting when its Gram targets and its
    real patches for D are taken. adversarial_weight: λ (0: Johnson's baseline, no discriminator).
    gan_loss: the PatchGAN's loss (see ganstyle_edu.gan.LOSSES).
    """

    style: str = "starry_night"
    contents: tuple = ()
    crop_size: int = 128
    style_size: int = 256
    batch_size: int = 4
    num_steps: int = 1000
    learning_rate: float = 1e-3
    content_weight: float = 1e5
    style_weight: float = 100.0
    tv_weight: float = 1.0
    adversarial_weight: float = 0.0
    gan_loss: str = "hinge"
    discriminator_learning_rate: float = 2e-4
    width: int = 16
    num_residual: int = 3
    shuffle: int = 2
    in_kernel: int = 5
    out_kernel: int = 3
    discriminator_width: int = 32
    style_layers: tuple = STYLE_LAYERS
    content_layer: str = CONTENT_LAYER
    min_scale: float = 0.5
    color_jitter: float = 0.1
    seed: int = 0

    def __post_init__(self):
        for name in ("crop_size", "style_size", "batch_size", "num_steps", "width"):
            if getattr(self, name) < 1:
                raise ValueError(f"StyleNetConfig: {name}={getattr(self, name)} must be at least 1")
        multiple = style_generator_multiple(self.shuffle)
        if self.crop_size % multiple:
            raise ValueError(f"StyleNetConfig: crop_size={self.crop_size} must be a multiple of {multiple} "
                             f"(two ×2 down-samplings after folding {self.shuffle}×{self.shuffle} pixels)")
        if self.adversarial_weight < 0:
            raise ValueError(f"StyleNetConfig: adversarial_weight={self.adversarial_weight} must be ≥ 0")
        if not 0 <= self.color_jitter < 1:
            raise ValueError(f"StyleNetConfig: color_jitter={self.color_jitter} must be in [0, 1)")
        if not 0 < self.min_scale <= 1:
            raise ValueError(f"StyleNetConfig: min_scale={self.min_scale} must be in (0, 1]")


def _style_path(style):
    """A bundled painting's file for a bare name (no suffix), else ``style`` as given (a path or an image)."""
    return data.sample_path(style) if isinstance(style, str) and not Path(style).suffix else style


def _content_names(config: StyleNetConfig) -> tuple:
    return config.contents or tuple(data.names("content"))


def content_images(config: StyleNetConfig) -> dict[str, np.ndarray]:
    """The photos training crops are taken from, at a long side of 2·crop_size (notebook 06)."""
    return {name: data.sample(name, max_side=2 * config.crop_size) for name in _content_names(config)}


def data_checksum(config: StyleNetConfig) -> str:
    """SHA-256 over the style and content files a run trains on (for the provenance record)."""
    digest = hashlib.sha256()
    for path in [_style_path(config.style)] + [data.sample_path(n) for n in _content_names(config)]:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


class CropSampler:
    """Random training crops: a photo, a scale in [min_scale, 1] of its size, a position, a flip and a
    colour jitter — brightness and saturation each scaled by a factor in [1 − j, 1 + j] (notebook 06)."""

    def __init__(self, photos: dict[str, np.ndarray], crop_size: int, min_scale: float = 0.5, seed: int = 0,
                 color_jitter: float = 0.0):
        self.photos = list(photos.values())
        self.crop_size = crop_size
        self.min_scale = min_scale
        self.color_jitter = color_jitter
        self.rng = np.random.default_rng(seed)

    def _jitter(self, crop: np.ndarray) -> np.ndarray:
        if not self.color_jitter:
            return crop
        brightness, saturation = self.rng.uniform(1 - self.color_jitter, 1 + self.color_jitter, size=2)
        gray = luminance(crop)  # (crop, crop)
        crop = gray[..., None] + saturation * (crop - gray[..., None])
        return np.clip(brightness * crop, 0.0, 1.0)

    def batch(self, batch_size: int) -> np.ndarray:
        crops = []
        for _ in range(batch_size):
            photo = self.photos[self.rng.integers(len(self.photos))]
            height, width = photo.shape[:2]
            smallest = self.crop_size / min(height, width)  # the scale at which the short side equals the crop
            scale = self.rng.uniform(max(self.min_scale, smallest), 1.0) if smallest < 1 else smallest
            scaled = resize(photo, (max(self.crop_size, round(height * scale)), max(self.crop_size, round(width * scale))))
            top = self.rng.integers(scaled.shape[0] - self.crop_size + 1)
            left = self.rng.integers(scaled.shape[1] - self.crop_size + 1)
            crop = scaled[top:top + self.crop_size, left:left + self.crop_size]
            crops.append(self._jitter(crop[:, ::-1] if self.rng.random() < 0.5 else crop))
        return np.stack(crops).astype(np.float32)  # (B, crop, crop, 3)


class StyleNetTrainer:
    """Trains a style generator T (and, with λ > 0, a PatchGAN D) for one style (notebook 06).

    ``step()`` runs one training step and returns its losses (weighted, as floats); ``history`` keeps
    every step's. ``save_checkpoint(directory)`` / ``restore_checkpoint(directory)`` make a run resumable;
    ``save(directory)`` writes the finished generator with its provenance record.
    """

    def __init__(self, config: StyleNetConfig, extractor: FeatureExtractor | None = None):
        self.config = config
        keras.utils.set_random_seed(config.seed)
        self.generator = generator_from_config(config)
        self.generator_optimizer = keras.optimizers.Adam(config.learning_rate)
        layers = list(dict.fromkeys(tuple(config.style_layers) + (config.content_layer,)))
        self.extractor = extractor or FeatureExtractor(layers)
        self.style_image = resize(load_image(_style_path(config.style)), config.style_size)
        style_features = self.extractor(self.style_image)
        self.style_targets = {layer: gram_matrix(style_features[layer]) for layer in config.style_layers}
        self.sampler = CropSampler(content_images(config), config.crop_size, config.min_scale, config.seed,
                                   config.color_jitter)
        self.discriminator = None
        if config.adversarial_weight > 0:
            self.discriminator = build_patch_discriminator(config.discriminator_width)
            self.discriminator_optimizer = keras.optimizers.Adam(config.discriminator_learning_rate, beta_1=0.5)
            self.style_pixels = tf.constant(self.style_image)
        self.step_count = 0
        self.seconds = 0.0
        self.history: dict[str, list[float]] = {}
        self._train_step = tf.function(self._step)

    def perceptual_losses(self, photos, stylised) -> dict:
        """Weighted content, style and TV terms of a batch, each a scalar tensor (notebook 06)."""
        c = self.config
        features = self.extractor(stylised)
        targets = self.extractor(photos)
        content = content_loss({c.content_layer: features[c.content_layer]},
                               {c.content_layer: targets[c.content_layer]}) * c.content_weight
        style = style_loss({k: features[k] for k in c.style_layers}, self.style_targets) * c.style_weight
        style = style / len(c.style_layers)
        tv = total_variation_loss(stylised) / tf.cast(tf.shape(stylised)[0], tf.float32) * c.tv_weight
        return {"content": content, "style": style, "tv": tv}

    def _real_patches(self, batch_size: int):
        size = self.config.crop_size
        return tf.stack([tf.image.random_crop(self.style_pixels, (size, size, 3)) for _ in range(batch_size)])

    def _step(self, photos):
        c = self.config
        out = {}
        if self.discriminator is not None:  # D first: real painting patches vs the current T(x)
            real = self._real_patches(c.batch_size)
            fake = self.generator(photos, training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = discriminator_loss(real_logits, fake_logits, c.gan_loss)
            grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.discriminator_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
            out.update(d_loss=d_loss, d_real=tf.reduce_mean(tf.sigmoid(real_logits)),
                       d_fake=tf.reduce_mean(tf.sigmoid(fake_logits)))
        with tf.GradientTape() as tape:
            stylised = self.generator(photos, training=True)
            parts = self.perceptual_losses(photos, stylised)
            total = parts["content"] + parts["style"] + parts["tv"]
            if self.discriminator is not None:
                parts["adversarial"] = generator_loss(self.discriminator(stylised, training=False), c.gan_loss)
                parts["adversarial"] *= c.adversarial_weight
                total += parts["adversarial"]
        grads = tape.gradient(total, self.generator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        out.update(parts, total=total)
        return out

    def step(self) -> dict[str, float]:
        """One training step on a fresh batch of crops; returns its losses (notebook 06)."""
        start = time.perf_counter()
        values = {k: float(v) for k, v in self._train_step(tf.constant(self.sampler.batch(self.config.batch_size))).items()}
        self.seconds += time.perf_counter() - start
        self.step_count += 1
        values["step"] = self.step_count
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)
        if not np.isfinite(values["total"]):
            raise FloatingPointError(f"step {self.step_count}: the loss is {values['total']}; lower learning_rate "
                                     "or the loss weights, then resume from the last checkpoint")
        return values

    def train(self, num_steps: int | None = None, callback: Callable | None = None, every: int = 50) -> dict:
        """Run until step ``num_steps`` (default config.num_steps); callback(trainer) every ``every`` steps."""
        target = self.config.num_steps if num_steps is None else num_steps
        while self.step_count < target:
            self.step()
            if callback is not None and (self.step_count % every == 0 or self.step_count == target):
                callback(self)
        return self.history

    def stylize(self, photo) -> np.ndarray:
        """The trained generator on one photo (H, W, 3) in [0, 1]; returns the stylised photo, same size."""
        return stylize_with(self.generator, photo)

    # -- checkpoints
    def _optimizers(self):
        pairs = [("g", self.generator_optimizer, self.generator)]
        if self.discriminator is not None:
            pairs.append(("d", self.discriminator_optimizer, self.discriminator))
        return pairs

    def save_checkpoint(self, directory, keep: int = 2) -> Path:
        """Everything a resumed run needs, as ``directory/step_XXXXXXXX/``, written atomically (notebook 06):
        the networks' weights, both optimizers' state, the crop sampler's random state, the history and
        the training time so far. See :func:`ganstyle_edu.gan.write_checkpoint`."""
        def write(folder: Path) -> dict:
            arrays = {}
            for prefix, optimizer, network in self._optimizers():
                network.save_weights(folder / f"{prefix}.weights.h5")
                if not optimizer.built:
                    optimizer.build(network.trainable_variables)
                arrays.update({f"{prefix}_{i:04d}": np.asarray(v.numpy()) for i, v in enumerate(optimizer.variables)})
            with open(folder / "optimizers.npz", "wb") as stream:
                np.savez(stream, **arrays)
            (folder / "history.json").write_text(json.dumps(self.history))
            return {"seconds": self.seconds, "sampler_state": self.sampler.rng.bit_generator.state,
                    "config": dataclasses.asdict(self.config)}

        return write_checkpoint(directory, self.step_count, write, keep)

    def restore_checkpoint(self, directory, step: int | None = None) -> int | None:
        """Load a checkpoint (default: the latest) into this trainer; its step, or None if there is none.

        Training then continues exactly where it stopped: same weights, same optimizer moments, same
        next crops (notebook 06). The trainer must have been built with the same networks.
        """
        folder = checkpoint_folder(directory, step)
        if folder is None:
            return None
        state = json.loads((folder / "state.json").read_text())
        with np.load(folder / "optimizers.npz") as saved:
            arrays = {key: saved[key] for key in saved.files}
        for prefix, optimizer, network in self._optimizers():
            try:
                network.load_weights(folder / f"{prefix}.weights.h5")
            except (ValueError, FileNotFoundError, OSError) as error:
                raise ValueError(f"{folder}: its {network.name} does not fit this trainer's ({error}); "
                                 "resume with the configuration that wrote it") from None
            if not optimizer.built:
                optimizer.build(network.trainable_variables)
            for i, variable in enumerate(optimizer.variables):
                variable.assign(arrays[f"{prefix}_{i:04d}"])
        self.sampler.rng.bit_generator.state = state["sampler_state"]
        self.history = json.loads((folder / "history.json").read_text())
        self.step_count, self.seconds = state["step"], state["seconds"]
        return self.step_count

    def save(self, directory) -> Path:
        """Write the generator's weights and a provenance JSON into ``directory``, atomically (notebook 06)."""
        directory = Path(directory)
        name = self.config.style if isinstance(self.config.style, str) else "style"
        path = directory / f"{Path(name).stem}.weights.h5"
        save_generator(self.generator, path, provenance(self))
        return path


def provenance(trainer: StyleNetTrainer) -> dict:
    """What produced a set of weights: config, steps, wall time, final losses, data checksum, and the loss
    curves as means over every 10 steps (notebook 06)."""
    last = {k: v[-1] for k, v in trainer.history.items() if k != "step"}
    tail = {k: float(np.mean(v[-50:])) for k, v in trainer.history.items() if k != "step"}
    every = 10
    curves = {k: [float(np.mean(v[i:i + every])) for i in range(0, len(v), every)]
              for k, v in trainer.history.items() if k != "step"}
    curves["step"] = [min(i + every, trainer.step_count) for i in range(0, trainer.step_count, every)]
    return {"config": dataclasses.asdict(trainer.config), "steps": trainer.step_count,
            "train_seconds": round(trainer.seconds, 1), "final_losses": last, "mean_losses_last_50": tail,
            "data_sha256": data_checksum(trainer.config), "tensorflow": tf.__version__, "keras": keras.__version__,
            "history_every_10_steps": curves}


def save_generator(generator, path, record: dict) -> None:
    """Save weights and their JSON record next to each other; each file is written then renamed."""
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"{path}: a weights file must end in .weights.h5 (Keras 3)")
    with atomic_path(path, suffix=".weights.h5") as tmp:  # Keras wants the .weights.h5 suffix
        generator.save_weights(tmp)
    text = record_text(record)  # one line per curve, not one per number
    atomic_write(record_path(path), lambda stream: stream.write(text.encode()))


def load_generator(path):
    """A style generator from a ``.weights.h5`` file and the JSON record beside it (notebook 06)."""
    path = Path(path)
    json_path = record_path(path)
    for required in (path, json_path):
        if not required.is_file():
            raise FileNotFoundError(f"{required}: missing; a style generator needs its .weights.h5 and .json side by side")
    record = json.loads(json_path.read_text())
    generator = generator_from_config(config_from_record(record))
    generator.load_weights(path)
    return generator, record


def config_from_record(record: dict) -> StyleNetConfig:
    """The :class:`StyleNetConfig` a provenance record was trained with (JSON lists back to tuples) (notebook 06)."""
    fields = StyleNetConfig.__dataclass_fields__
    return StyleNetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in record["config"].items() if k in fields})


def generator_from_config(config: StyleNetConfig):
    """The (untrained) style generator a config describes (notebook 06)."""
    return build_style_generator(config.width, config.num_residual, config.shuffle, config.in_kernel,
                                 config.out_kernel)


def size_multiple(generator) -> int:
    """Image sides ``generator`` accepts are multiples of this (4, times the pixel-shuffle block if any)."""
    blocks = [layer.block for layer in generator.layers if isinstance(layer, DepthToSpace)]
    return style_generator_multiple(blocks[0] if blocks else 1)


def stylize_with(generator, photo) -> np.ndarray:
    """Run a style generator on one photo (H, W, 3) in [0, 1]; returns the same size (notebook 06).

    The generator needs sides divisible by :func:`size_multiple`: the photo is padded by reflection up to
    the next multiple and the result cropped back, so no pixel of the photo is lost.
    """
    photo = load_image(photo)
    multiple = size_multiple(generator)
    height, width = photo.shape[:2]
    if min(height, width) < multiple:
        raise ValueError(f"stylize: the photo ({height}×{width}) is too small; at least {multiple}×{multiple} pixels")
    pad = ((0, -height % multiple), (0, -width % multiple), (0, 0))
    batch = np.pad(photo, pad, mode="reflect")[None]  # (1, H', W', 3), H' and W' multiples of `multiple`
    return np.asarray(_forward(generator)(tf.constant(batch)))[0, :height, :width]


_FORWARD = weakref.WeakKeyDictionary()


def _forward(generator):
    """``generator(batch, training=False)`` as one compiled graph, cached per generator: faster than Keras'
    layer-by-layer eager call on a CPU (bench/stylize_speed.py); a new image size costs one retrace."""
    if generator not in _FORWARD:
        _FORWARD[generator] = tf.function(lambda batch: generator(batch, training=False), reduce_retracing=True)
    return _FORWARD[generator]


WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def record_path(weights_path) -> Path:
    """The provenance JSON beside a ``NAME.weights.h5`` file: ``NAME.json``."""
    weights_path = Path(weights_path)
    return weights_path.with_name(weights_path.name.replace(".weights.h5", ".json"))


def shipped_styles() -> list[str]:
    """Names of the style generators that ship with the package, each with its record (notebook 06)."""
    return sorted(p.name[:-len(".weights.h5")] for p in WEIGHTS_DIR.glob("*.weights.h5") if record_path(p).is_file())


def pretrained(name: str):
    """A shipped style generator by name, with its provenance record: (generator, record) (notebook 06)."""
    available = shipped_styles()
    if name not in available:
        listed = ", ".join(available) if available else "none yet"
        raise ValueError(f"no shipped style generator named {name!r} (shipped: {listed}); train one with "
                         f"`ganstyle-edu train-style --style {name}` or use Gatys: `--method gatys`")
    return load_generator(WEIGHTS_DIR / f"{name}.weights.h5")
