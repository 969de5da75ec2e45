"""Notebook 05's GAN on painting patches, as a recipe with shipped weights (notebooks 05, 07 and 08).

A DCGAN (notebook 04) learns the distribution of 64×64 crops of one painting: G maps z ~ N(0, I₁₀₀) to a
crop, D tells real crops from G's. The recipe is notebook 05's — non-saturating loss, Adam(2e-4, β₁ = 0.5)
for each network, batch 32, widths 32 — with ``upsample="resize"`` (nearest ×2, then a convolution), which
removes the checkerboard that transposed convolutions leave, and DiffAugment (``augment.py``: the same random
colour, translation and cutout on real and fake crops before D). Training crops come from all but the last
quarter of the painting's longer side; that quarter is held out, so that sample quality (KID,
``bench/painting_gan_quality.py``) is measured on crops no network saw.

The second recipe, ``recipe="spatial"`` (Jetchev et al. 2016, Spatial GAN), replaces the DCGAN's dense layer and
8 × 8 seed grid by a fully convolutional generator on a grid of noise — one noise vector per 8 × 8-pixel cell,
plus a vector the whole crop shares — and D by a patch discriminator that scores every 34-px patch. No weight
belongs to a position, so nothing prints the seed grid's 8-px period, and the same weights paint a canvas of
any size (``models.resize_spatial_generator``). It is the course's painting GAN: ``ganstyle-edu train-gan``
trains it unless told ``--recipe dcgan``, and ``pretrained_gan()`` loads its shipped pair.

Notebooks 07 and 08 look inside trained pairs without training one: ``pretrained_gan()`` loads the shipped
Spatial GAN (``"starry_night_spatial"``), ``pretrained_gan("starry_night")`` notebook 04's DCGAN, each with a
provenance record (config, steps, seconds, final metrics, the painting's SHA-256, its KID).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from . import data, distribute
from .augment import parse_policy
from .callbacks import Checkpoint, MetricsHistory
from .checkpoints import load_weights, save_weights
from .config import import_tensorflow, seeded_initial_weights
from .gan import GAN, train
from .images import atomic_path, atomic_write, to_signed
from .losses import ADVERSARIAL_LOSSES
from .shipped import PAINTING_GAN_DIR, painting_gans
from .models import (UPSAMPLE_MODES, build_dcgan_discriminator, build_dcgan_generator, build_patch_discriminator,
                     build_spatial_generator)
from .provenance import file_sha256, machine, record_text

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

# The config fields each recipe changes from the defaults: "spatial" is the fully convolutional generator with 8-px
# noise cells and a 2-layer patch discriminator (34-px patches), the best of bench/painting_gan_quality.py's
# spatial recipes; shipped beside the dcgan pair as ``STYLE_spatial``. DEFAULT_RECIPE: what `train-gan` trains and
# `pretrained_gan()` loads unless told otherwise (PaintingGANConfig's own defaults stay notebook 04's DCGAN).
RECIPE_FIELDS = {"dcgan": {}, "spatial": {"recipe": "spatial", "noise_cell": 8, "d_layers": 2}}
RECIPES = tuple(RECIPE_FIELDS)
DEFAULT_RECIPE = "spatial"



@dataclasses.dataclass(frozen=True)
class PaintingGANConfig:
    """One painting-patch GAN run (notebook 05); the defaults are notebook 04's DCGAN as notebook 05 trains it,
    ``PaintingGANConfig(**RECIPE_FIELDS["spatial"])`` the shipped Spatial GAN."""

    style: str = "starry_night"  # a bundled painting
    recipe: str = "dcgan"  # "dcgan": notebook 04's networks; "spatial": models.build_spatial_generator + a PatchGAN
    max_side: int = 320  # the painting is resized to this long side before cropping
    crop_size: int = 64
    latent_dim: int = 100  # dcgan: the noise vector's length (spatial: set by the three numbers below)
    noise_cell: int = 16  # spatial: pixels per noise cell a side (16 or 8 or 4: the grid is crop_size / noise_cell)
    local_channels: int = 8  # spatial: noise channels per grid cell
    global_dim: int = 32  # spatial: the noise shared by the whole sample
    d_layers: int = 3  # spatial: the PatchGAN's stride-2 convolutions (3: each logit sees 70 px; 2: 34 px)
    g_width: int = 32
    d_width: int = 32
    upsample: str = "resize"
    batch_size: int = 32
    num_steps: int = 2400
    learning_rate: float = 2e-4
    loss: str = "non_saturating"
    r1_weight: float = 0.0  # γ of the R1 penalty on D's gradient at real crops (0: off)
    seed: int = 0
    heldout_fraction: float = 0.25  # the far end of the painting's longer side, never cropped for training
    augment: str = "color,translation,cutout"  # DiffAugment (augment.py); "" for none

    def __post_init__(self):
        parse_policy(self.augment)
        if not 0.0 <= self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction={self.heldout_fraction} must be in [0, 1): the share of the "
                             "painting's longer side kept out of training (0.25: the last quarter)")
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe={self.recipe!r}: use one of {', '.join(RECIPES)}")
        if self.noise_cell not in (4, 8, 16, 32):
            raise ValueError(f"noise_cell={self.noise_cell}: use 4, 8, 16 or 32 pixels per noise cell")
        if self.recipe == "spatial" and (self.crop_size % self.noise_cell or self.crop_size < 2 * self.noise_cell):
            raise ValueError(f"crop_size={self.crop_size}: the spatial recipe paints {self.noise_cell} pixels per noise "
                             f"cell; use a multiple of {self.noise_cell}, at least two cells")
        if self.upsample not in UPSAMPLE_MODES:
            raise ValueError(f"upsample={self.upsample!r}: use one of {', '.join(UPSAMPLE_MODES)}")
        if self.loss not in ADVERSARIAL_LOSSES:
            raise ValueError(f"loss={self.loss!r}: use one of {', '.join(ADVERSARIAL_LOSSES)}")
        for name in ("num_steps", "batch_size", "g_width", "d_width", "latent_dim", "local_channels", "d_layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")


def build(config: PaintingGANConfig, strategy=None) -> GAN:
    """The (untrained, compiled) GAN a config describes, with seeded initial weights (notebook 07).

    strategy: a ``tf.distribute.Strategy`` to train on several replicas (notebook 11): the networks and
    optimizers are then created in its scope, and ``config.batch_size`` is the global batch.
    """
    distribute.check_global_batch(config.batch_size, strategy, "batch_size")
    with distribute.scope(strategy):
        with seeded_initial_weights(config.seed):
            if config.recipe == "spatial":
                generator = build_spatial_generator(config.crop_size // config.noise_cell, config.local_channels,
                                                    config.global_dim, config.g_width, name="generator",
                                                    upsamplings=config.noise_cell.bit_length() - 1)
                discriminator = build_patch_discriminator(config.d_width, config.d_layers, name="discriminator",
                                                          value_range="signed")
            else:
                generator = build_dcgan_generator(config.latent_dim, config.crop_size, config.g_width,
                                                  config.upsample)
                discriminator = build_dcgan_discriminator(config.crop_size, config.d_width)
        model = GAN(generator, discriminator, loss=config.loss, seed=config.seed, augment=config.augment,
                    r1_weight=config.r1_weight, strategy=strategy)
        model.compile(g_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=0.5, name="g_adam"),
                      d_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=0.5, name="d_adam"))
    return model


def painting_regions(config: PaintingGANConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """The painting split across its longer side into (training region, held-out region or None), in [0, 1]
    (notebook 05).

    The held-out region is the last ``heldout_fraction`` of the longer side — the right-hand columns of a
    landscape-format painting, the bottom rows of a portrait-format one. No training crop touches it, so
    crops of it measure how well samples match the painting beyond what G and D have seen.
    """
    painting = data.sample(config.style, max_side=config.max_side)  # (H, W, 3)
    if config.heldout_fraction == 0:
        return painting, None
    axis = 1 if painting.shape[1] >= painting.shape[0] else 0  # split the longer side
    length = painting.shape[axis]
    split = length - int(round(config.heldout_fraction * length))
    if min(split, length - split, painting.shape[1 - axis]) < config.crop_size:
        raise ValueError(f"heldout_fraction={config.heldout_fraction}: the regions ({split} and {length - split} "
                         f"of {length} {'columns' if axis else 'rows'}) must each be at least "
                         f"crop_size={config.crop_size} across")
    if axis == 1:
        return painting[:, :split], painting[:, split:]
    return painting[:split], painting[split:]


def training_crops(config: PaintingGANConfig, count: int | None = None, seed: int | None = None):
    """Batches of random crops of the painting's training region in [−1, 1] (the generator's tanh range) (notebook 07)."""
    region, _ = painting_regions(config)
    count = config.num_steps * config.batch_size if count is None else count
    crops = data.random_crops(region, config.crop_size, count, seed=config.seed if seed is None else seed,
                              batch_size=config.batch_size)
    return crops.map(to_signed)


def heldout_crops(config: PaintingGANConfig, count: int, seed: int = 2) -> np.ndarray:
    """``count`` random crops of the held-out region in [−1, 1], (count, S, S, 3) (notebook 05)."""
    _, region = painting_regions(config)
    if region is None:
        raise ValueError("heldout_crops: this config holds nothing out (heldout_fraction=0); "
                         "train with heldout_fraction > 0 to measure on unseen crops")
    crops = data.random_crops(region, config.crop_size, count, seed=seed, batch_size=count)
    return to_signed(next(iter(crops)).numpy())


def train_gan(config: PaintingGANConfig, callbacks=(), strategy=None, checkpoints=None,
              checkpoint_every: int = 100) -> tuple[GAN, dict]:
    """Train a painting-patch GAN from scratch: (gan, provenance record) (notebook 07).

    strategy: train on several replicas (notebook 11; ``config.batch_size`` is the global batch).
    checkpoints: a folder for resumable checkpoints every ``checkpoint_every`` steps (only the chief worker
    writes them); a run finds its latest checkpoint there and continues from it.
    """
    model = build(config, strategy)
    history = MetricsHistory(every=10)
    # the run's clock and segments, and its checkpoints when there is a folder for them
    saver = Checkpoint(checkpoints, every=checkpoint_every, history=history, run_config=dataclasses.asdict(config))
    initial_step = saver.restore(model) or 0  # a checkpoint of another configuration: ValueError
    distribute.check_same_step(strategy, initial_step)  # every worker must resume from the same checkpoint
    train(model, training_crops(config).skip(initial_step), config.num_steps,
          callbacks=[history, saver, *callbacks], initial_step=initial_step)
    painting = data.sample_path(config.style)
    record = {"config": dataclasses.asdict(config), "steps": model.step, "train_seconds": round(saver.seconds, 1),
              "segments": saver.closed_segments(model.step),
              "final_metrics": {k: round(float(v[-1]), 6) for k, v in history.history.items() if k != "step"},
              "generator_params": int(model.generator.count_params()),
              "discriminator_params": int(model.discriminator.count_params()),
              "data_sha256": file_sha256(painting), "machine": machine(),
              "tensorflow": tf.__version__, "keras": keras.__version__,
              "replicas": distribute.num_replicas(strategy),
              "history_every_10_steps": history.history}
    return model, record


def gan_name(config: PaintingGANConfig) -> str:
    """The file stem of a trained pair: the painting for the dcgan recipe, ``STYLE_RECIPE`` otherwise (notebook 05)."""
    return config.style if config.recipe == "dcgan" else f"{config.style}_{config.recipe}"


def _paths(directory, name: str) -> dict[str, Path]:
    directory = Path(directory)
    return {"generator": directory / f"{name}_generator.weights.h5",
            "discriminator": directory / f"{name}_discriminator.weights.h5",
            "record": directory / f"{name}.json"}


def save_gan(model: GAN, record: dict, directory, name: str | None = None) -> Path:
    """Write generator, discriminator and the JSON record into ``directory``, each file atomically (notebook 07).

    name: the files' stem (``NAME_generator.weights.h5`` …); default the painting's name.
    Under a strategy only the chief worker writes (the record's path is returned on every worker).
    """
    paths = _paths(directory, name or record["config"]["style"])
    if not distribute.is_chief(model.strategy):
        return paths["record"]
    paths["record"].parent.mkdir(parents=True, exist_ok=True)
    for key, network in (("generator", model.generator), ("discriminator", model.discriminator)):
        with atomic_path(paths[key], suffix=".weights.h5") as tmp:  # Keras wants the .weights.h5 suffix
            save_weights(network, tmp)
    text = record_text(record)  # one line per curve, not one per number
    atomic_write(paths["record"], lambda stream: stream.write(text.encode()))
    return paths["record"]


# Fields added to PaintingGANConfig after a record may have been written, with the value that reproduces how a record
# without the field was trained: heldout_fraction 0 (the whole painting), the dcgan recipe, no R1 penalty. The
# spatial recipe's shape fields (noise_cell, local_channels, global_dim, d_layers) do not act on a dcgan run.
FIELDS_ADDED_LATER = {"heldout_fraction": 0.0, "recipe": "dcgan", "r1_weight": 0.0, "noise_cell": 16,
                      "local_channels": 8, "global_dim": 32, "d_layers": 3}


def completed_config(saved: dict) -> dict:
    """A record's config with every current field: the later-added ones as the run had them (notebook 07).

    A field this version does not know is refused rather than dropped, naming it.
    """
    unknown = sorted(set(saved) - set(PaintingGANConfig.__dataclass_fields__))
    if unknown:
        raise ValueError(f"painting GAN record: unknown config field(s) {', '.join(unknown)}; the record was written "
                         "by a newer ganstyle_edu — update the package")
    missing = set(PaintingGANConfig.__dataclass_fields__) - set(saved) - set(FIELDS_ADDED_LATER)
    if missing:
        raise ValueError(f"painting GAN record: config lacks {', '.join(sorted(missing))}; the record is incomplete")
    completed = {**FIELDS_ADDED_LATER, **saved}
    return {name: completed[name] for name in PaintingGANConfig.__dataclass_fields__}  # in the dataclass's order


def load_gan(directory, name: str) -> tuple[GAN, dict]:
    """A trained painting-patch GAN from ``directory``: (gan, record); both networks in inference use (notebook 07).

    name: the files' stem (:func:`gan_name`) — the painting's name for a dcgan pair, ``STYLE_spatial`` for a
    pair of the spatial recipe.
    """
    paths = _paths(directory, name)
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; a painting GAN needs {name}_generator.weights.h5, "
                                    f"{name}_discriminator.weights.h5 and {name}.json side by side")
    record = json.loads(paths["record"].read_text())
    record["config"] = completed_config(record["config"])
    model = build(PaintingGANConfig(**record["config"]))
    load_weights(model.generator, paths["generator"])
    load_weights(model.discriminator, paths["discriminator"])
    return model, record


def shipped_gans() -> list[str]:
    """Paintings with a shipped painting-patch GAN (notebook 07)."""
    return sorted(painting_gans())


def pretrained_gan(name: str = f"starry_night_{DEFAULT_RECIPE}") -> tuple[GAN, dict]:
    """The shipped painting-patch GAN ``name``: (gan, record) (notebook 07).

    "starry_night_spatial" (the default) is the Spatial GAN's pair (notebooks 05, 07 and 08); "starry_night" the
    DCGAN of notebook 04 (notebooks 05 and 08).
    """
    if name not in shipped_gans():
        raise ValueError(f"no shipped painting GAN named {name!r} (shipped: {', '.join(shipped_gans()) or 'none'}); "
                         f"train one with `ganstyle-edu train-gan --style {name}`")
    return load_gan(PAINTING_GAN_DIR, name)


def real_crops(config: PaintingGANConfig, count: int, seed: int = 1) -> np.ndarray:
    """``count`` crops of the training region in [−1, 1], drawn with a seed other than training's (notebook 07)."""
    return np.concatenate([batch.numpy() for batch in training_crops(config, count, seed)])  # (count, S, S, 3)
