"""Font style transfer: paint a word in a painting's style and keep it readable (notebook 10).

The word is rendered as a **glyph mask** M (1 on the letters, 0 elsewhere) with a font that ships with
matplotlib (DejaVu, no download), and turned into a content image c: dark letters on a light ground.
Plain Gatys on c lets the painting's texture flood the letters. A **mask-weighted content loss** (the
spatial control of Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer") asks for
the photo's features more strongly on and around the letters than on the ground:

    L_content = Σ_l mean_{positions p} w_l(p) · (F_l(x)_p − F_l(c)_p)²,   w ∝ 1 + (λ − 1) · dilate(M), mean(w) = 1,

with w resized to each layer's grid: changing the letters costs λ times more than changing the ground. At a deep
content layer (relu4_2, 1/8 of the resolution) the resized mask covers nearly everything and does little; a
shallow one (relu2_2) keeps the strokes — notebook 10 measures both.

**Legibility** of a result x: threshold its luminance with Otsu's method (the threshold that best splits
the histogram into two classes) and take the IoU of the dark class with the glyph mask — 1 when the
letters come out exactly, near 0 when they are lost.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .images import luminance

FONTS = {"sans": "DejaVuSans-Bold.ttf", "serif": "DejaVuSerif-Bold.ttf", "mono": "DejaVuSansMono-Bold.ttf"}


def font_path(font: str = "sans") -> Path:
    """The file of a DejaVu font that ships inside matplotlib's package data (found without importing
    matplotlib) (notebook 10)."""
    if font not in FONTS:
        raise ValueError(f"font={font!r}: use one of {', '.join(FONTS)}")
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("matplotlib is not installed; its DejaVu fonts are needed to render text")
    path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / FONTS[font]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: matplotlib's font file is missing; reinstall matplotlib")
    return path


def glyph_mask(text: str, height: int = 128, font: str = "sans", margin: float = 0.15) -> np.ndarray:
    """A word rendered as an (H, W) float32 mask in [0, 1] (1 on the letters), ``height`` pixels tall with a
    margin of ``margin``·height on every side; the width follows the text (notebook 10)."""
    text = str(text).strip()
    if not text or "\n" in text:
        raise ValueError(f"glyph_mask: text={text!r}: give one line of at least one visible character")
    if not 16 <= height <= 2048:
        raise ValueError(f"glyph_mask: height={height} must be between 16 and 2048 pixels")
    pad = round(margin * height)
    face = ImageFont.truetype(str(font_path(font)), size=max(8, height - 2 * pad))
    left, top, right, bottom = face.getbbox(text)
    if right <= left or bottom <= top:
        raise ValueError(f"glyph_mask: text={text!r} renders no visible pixels")
    scale = (height - 2 * pad) / (bottom - top)  # fit the ink, not the font's line box, to the height
    face = ImageFont.truetype(str(font_path(font)), size=max(8, round(face.size * scale)))
    left, top, right, bottom = face.getbbox(text)
    canvas = Image.new("L", (right - left + 2 * pad, height), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, fill=255, font=face)
    return np.asarray(canvas, dtype=np.float32) / 255.0  # (H, W)


def text_image(mask: np.ndarray, ink=(0.05, 0.05, 0.05), paper=(0.95, 0.95, 0.95)) -> np.ndarray:
    """The content image of a glyph mask: ``ink`` letters on ``paper``, (H, W, 3) float32 (notebook 10)."""
    mask = np.asarray(mask, dtype=np.float32)[..., None]  # (H, W) -> (H, W, 1)
    return (mask * np.asarray(ink, np.float32) + (1 - mask) * np.asarray(paper, np.float32)).astype(np.float32)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """The maximum of ``mask`` over a (2·radius + 1)² square around each pixel (notebook 10)."""
    mask = np.asarray(mask, dtype=np.float32)
    if radius <= 0:
        return mask.copy()
    padded = np.pad(mask, radius)
    height, width = mask.shape
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out = np.maximum(out, padded[dy:dy + height, dx:dx + width])
    return out


def content_weights(mask: np.ndarray, letter_weight: float = 10.0, radius: int = 1) -> np.ndarray:
    """w ∝ 1 + (λ − 1) · dilate(M), scaled to a mean of 1: the letters (and ``radius`` pixels around them) weigh
    λ times the ground, and the content loss's total weight stays that of λ = 1 — the weight moves from the
    ground to the letters (notebook 10)."""
    if not letter_weight >= 1:
        raise ValueError(f"content_weights: letter_weight={letter_weight} must be at least 1")
    weights = 1.0 + (letter_weight - 1.0) * dilate(mask, radius)
    return (weights / weights.mean()).astype(np.float32)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the cut that maximises the between-class variance; where several
    cuts tie (an empty gap between two clusters), the middle of them (notebook 10)."""
    values = np.clip(np.asarray(values, dtype=np.float64).ravel(), 0, 1)
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)                      # pixels at or below each cut
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(counts * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))  # every cut in an empty gap ties: take its middle
    middle = (edges[1:][best[0]] + edges[1:][best[-1]]) / 2
    # a value exactly on the cut's edge lies in the bin above it (np.histogram's bins are [a, b)), so the class
    # "≤ threshold" must stop just below that edge
    return float(min(middle, np.nextafter(edges[1:][best[-1]], 0.0)))


def legibility(image, mask, threshold: float | None = None) -> float:
    """IoU of the image's dark pixels (luminance ≤ Otsu's threshold, or ``threshold``) with the letters
    (mask > 0.5): 1 = the word comes out exactly (notebook 10)."""
    y = luminance(image)  # (H, W)
    mask = np.asarray(mask) > 0.5
    if y.shape != mask.shape:
        raise ValueError(f"legibility: image {y.shape} and mask {mask.shape} differ in size")
    dark = y <= (otsu_threshold(y) if threshold is None else threshold)
    union = np.logical_or(dark, mask).sum()
    return float(np.logical_and(dark, mask).sum() / union) if union else 1.0
