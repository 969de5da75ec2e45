"""What one style-network run is: its configuration, its training photos and crops, and its layer weights
(notebook 06). The trainer that uses them, and the recipe's equations, are in :mod:`ganstyle_edu.stylenet`.

``style_layer_weights="balanced"`` gives each style layer l the weight 1 / D̄_l, where D̄_l is the mean
photo-to-painting Gram distance at that layer over the bundled images,

    L_style = Σ_l w_l · mean((G^l(T(x)) − G^l(a))²),   w_l = 1 / D̄_l,

so that every layer's term starts near 1 and the deep layers, whose distances are 10⁵ times smaller than
relu1_2's, are asked for as much as colour and grain.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np

from . import data
from .features import STYLE_LAYERS, FeatureExtractor
from .gram import gram_matrix, gram_mse
from .images import load_image, luminance, resize
from .stylemodel import INTERPOLATIONS, OUTPUT_UPSAMPLINGS, PADDINGS, style_generator_multiple

# Magenta's image_stylization layers, which the shipped network uses with equal weights
MAGENTA_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
BALANCED = "balanced"  # style_layer_weights: 1 / D̄_l per layer, resolved when a trainer is built
LOSS_DTYPES = ("float32", "bfloat16", "auto")  # auto: bfloat16 where the hardware computes it natively


@dataclasses.dataclass(frozen=True)
class StyleNetConfig:
    """One style network's training run (notebook 06). ``dataclasses.replace(cfg, num_steps=10)`` for a variant.

    styles: bundled paintings' names (or paths); one network learns them all, one (γ, β) per style.
    contents: bundled training photos to crop from (empty: every photo in ``data/content``).
    crop_size: training crops, pixels. style_size: long side of each painting when its Gram targets and its
    real patches for D are taken. learning_rate: Adam's, decayed along a cosine to
    ``final_learning_rate`` at ``num_steps``. adversarial_weight: λ (0: Johnson's baseline, no D).
    gan_loss: the PatchGAN's loss (see ganstyle_edu.losses.ADVERSARIAL_LOSSES). Network shape: see
    :func:`ganstyle_edu.stylemodel.build_style_generator`. loss_dtype: the loss network's precision
    ("auto": bfloat16 where the hardware computes it natively, else float32; see ``features.native_bfloat16``).
    identity_steps: the first steps train T(x) ≈ x on pixels (mean squared error; no VGG, so they are cheap):
    the network starts from the photo, as Gatys' optimisation does, rather than from grey noise.
    style_warmup_steps: after those, the style term's weight rises linearly from 0 to β over these steps.
    init_from: a trained generator's ``.weights.h5`` to start from (fine-tuning): every weight of the same
    name and shape is copied; a style the source paints keeps its (γ, β), a new one starts at their mean.
    train_norms_only: train only the normalisations' (γ, β) — a new style on frozen shared convolutions
    (Dumoulin et al.; Magenta's ``image_stylization_finetune``). noise_sigma: σ of a noise input channel
    (:class:`ganstyle_edu.stylemodel.NoiseChannel`; 0: none) — something to paint texture from over flat regions;
    ``init_from`` a network without one starts where that network is (the noise weights at zero).
    content_scales: one factor per style on ``content_weight`` (empty: 1 each), for a style that paints over
    more of its photo than the others.
    """

    styles: tuple = ("starry_night",)
    contents: tuple = ()
    crop_size: int = 128
    style_size: int = 256
    batch_size: int = 4
    num_steps: int = 15000
    learning_rate: float = 1e-3
    final_learning_rate: float = 1e-4
    content_weight: float = 1e4
    style_weight: float = 4.0  # β; with style_layer_weights="balanced" the style term starts near β (e.g. 1.5e7)
    tv_weight: float = 4.0
    adversarial_weight: float = 0.0
    gan_loss: str = "hinge"
    discriminator_learning_rate: float = 2e-4
    width: int = 32
    num_residual: int = 5
    shuffle: int = 2
    in_kernel: int = 5
    out_kernel: int = 3
    padding: str = "reflect"
    output_upsampling: str = "resize"
    skips: bool = True
    interpolation: str = "nearest"
    num_down: int = 2
    discriminator_width: int = 32
    style_layers: tuple = MAGENTA_LAYERS  # or features.STYLE_LAYERS: Gatys' five, block1_conv1 … block5_conv1
    style_layer_weights: tuple | str | None = None  # one per style layer; None: 1 each; "balanced": 1 / D̄_l
    content_layer: str = "block3_conv3"
    loss_dtype: str = "auto"
    min_scale: float = 0.5
    color_jitter: float = 0.1
    identity_steps: int = 300
    style_warmup_steps: int = 700
    init_from: str | None = None
    train_norms_only: bool = False
    noise_sigma: float = 0.0
    content_scales: tuple = ()
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.styles, str) or not self.styles:
            raise ValueError(f"StyleNetConfig: styles={self.styles!r} must be a non-empty tuple of painting names, "
                             "e.g. ('starry_night',)")
        if len(set(map(str, self.styles))) != len(self.styles):
            raise ValueError(f"StyleNetConfig: styles={self.styles!r} names a painting twice")
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
        if not self.noise_sigma >= 0:
            raise ValueError(f"StyleNetConfig: noise_sigma={self.noise_sigma} must be ≥ 0 (0: no noise channel)")
        if not 0 < self.min_scale <= 1:
            raise ValueError(f"StyleNetConfig: min_scale={self.min_scale} must be in (0, 1]")
        if not 0 < self.final_learning_rate <= self.learning_rate:
            raise ValueError(f"StyleNetConfig: final_learning_rate={self.final_learning_rate} must be in "
                             f"(0, learning_rate={self.learning_rate}]")
        for name, value, allowed in (("padding", self.padding, PADDINGS), ("loss_dtype", self.loss_dtype, LOSS_DTYPES),
                                     ("output_upsampling", self.output_upsampling, OUTPUT_UPSAMPLINGS),
                                     ("interpolation", self.interpolation, INTERPOLATIONS)):
            if value not in allowed:
                raise ValueError(f"StyleNetConfig: {name}={value!r}; use one of {', '.join(allowed)}")
        if isinstance(self.style_layer_weights, str) and self.style_layer_weights != BALANCED:
            raise ValueError(f"StyleNetConfig: style_layer_weights={self.style_layer_weights!r}; give one number per "
                             f"style layer, None (1 each) or {BALANCED!r}")
        if not isinstance(self.style_layer_weights, (str, type(None))) and \
                len(self.style_layer_weights) != len(self.style_layers):
            raise ValueError(f"StyleNetConfig: {len(self.style_layer_weights)} style_layer_weights for "
                             f"{len(self.style_layers)} style_layers; give one weight per layer")
        if self.content_scales and (len(self.content_scales) != len(self.styles) or
                                    not all(scale > 0 for scale in self.content_scales)):
            raise ValueError(f"StyleNetConfig: content_scales={self.content_scales!r}; give one positive factor per "
                             f"style ({len(self.styles)}), or () for 1 each")
        if self.train_norms_only and self.init_from is None:
            raise ValueError("StyleNetConfig: train_norms_only=True needs init_from (the trained generator whose "
                             "convolutions stay frozen)")

    @property
    def style_names(self) -> tuple:
        """Short names of the styles, in order: a bundled painting's name, or a file's stem."""
        return tuple(Path(str(style)).stem for style in self.styles)


# The shipped network's recipe (notebook 06) on StyleNetConfig's other fields: Gatys' five style layers, each
# weighted 1/D̄_l, β = 1.5e7, bilinear up-sampling and one stride-2 step down — chosen by 1,500-step pilots scored on
# held-out photos (bench/style_levers.py). StyleNetConfig's own defaults are the baseline: Magenta's four layers with
# equal weights, which match colour and grain and leave the paintings' strokes (block4–5) unasked for.
SHIPPED_RECIPE = dict(style_layers=STYLE_LAYERS, style_layer_weights=BALANCED, style_weight=1.5e7,
                      interpolation="bilinear", num_down=1, num_steps=8000)


def shipped_recipe(styles, **changes) -> StyleNetConfig:
    """A run of the shipped network's recipe for ``styles`` (``ganstyle-edu train-style``; notebook 06);
    ``changes`` override any field."""
    styles = styles if isinstance(styles, str) else tuple(styles)  # a bare name is refused by StyleNetConfig
    return StyleNetConfig(styles=styles, **{**SHIPPED_RECIPE, **changes})


def style_path(style):
    """A bundled painting's file for a bare name (no suffix), else ``style`` as given (a path or an image)."""
    return data.sample_path(style) if isinstance(style, str) and not Path(style).suffix else style


def _content_names(config: StyleNetConfig) -> tuple:
    return config.contents or tuple(data.names("content"))


def objective_layers(config: StyleNetConfig) -> list[str]:
    """The VGG layers a style network's objective reads: its style layers, then the content layer unless it is one
    of them (notebook 06)."""
    return list(dict.fromkeys(tuple(config.style_layers) + (config.content_layer,)))


def content_images(config: StyleNetConfig) -> dict[str, np.ndarray]:
    """The photos training crops are taken from, at a long side of 2·crop_size (notebook 06)."""
    held_out = set(data.names("heldout") + data.names("survey")) & set(config.contents)
    if held_out:
        raise ValueError(f"StyleNetConfig: contents {sorted(held_out)} are held-out photos (data/heldout, "
                         "data/survey), kept for measuring quality; train on data/content")
    return {name: data.sample(name, max_side=2 * config.crop_size) for name in _content_names(config)}


def balanced_layer_weights(config: StyleNetConfig, extractor: FeatureExtractor | None = None) -> tuple:
    """Style-layer weights w_l = 1 / D̄_l that give every style layer the same say (notebook 06).

    D̄_l is the mean Gram distance mean((G^l(photo) − G^l(painting))²) between the training photos (at the
    trainer's 2·crop_size) and the paintings (at ``style_size``). These distances span five orders of
    magnitude on the bundled VGG16 — about 10⁷ at relu1_2, 10¹ at relu4_3 — so with equal weights the style
    loss is colour and fine grain, and the layers where strokes and swirls live (block 4–5) are never asked
    for. Balanced, the style term starts near β · 1 and is β times the mean share of each layer's distance
    still to go. Rounded to three significant digits, so that a record shows them plainly.
    """
    extractor = extractor or FeatureExtractor(list(config.style_layers))
    photos = list(content_images(config).values())
    paintings = [resize(load_image(style_path(style)), config.style_size) for style in config.styles]
    painting_grams = [{layer: gram_matrix(f) for layer, f in extractor(p[None]).items()} for p in paintings]
    totals = dict.fromkeys(config.style_layers, 0.0)
    for photo in photos:
        features = extractor(photo[None])
        for layer in config.style_layers:
            gram = gram_matrix(features[layer])
            totals[layer] += sum(gram_mse(gram, target[layer]) for target in painting_grams)
    count = len(photos) * len(paintings)
    return tuple(float(f"{count / totals[layer]:.3g}") for layer in config.style_layers)


def resolve_layer_weights(config: StyleNetConfig) -> StyleNetConfig:
    """``config`` with style_layer_weights="balanced" replaced by the numbers (:func:`balanced_layer_weights`)."""
    if config.style_layer_weights != BALANCED:
        return config
    return dataclasses.replace(config, style_layer_weights=balanced_layer_weights(config))


def data_checksum(config: StyleNetConfig) -> str:
    """SHA-256 over the style and content files a run trains on (for the provenance record)."""
    digest = hashlib.sha256()
    for path in [style_path(style) for style in config.styles] + [data.sample_path(n) for n in _content_names(config)]:
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
