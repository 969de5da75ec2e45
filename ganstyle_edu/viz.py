"""Figures: image grids with titles and feature-map grids (introduced in notebook 00).

The only module besides ``widgets`` that imports matplotlib, so the compute modules, the tests and the
command line stay headless. Every function returns its ``Figure``; a notebook shows it, a script saves it.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def _as_numpy(x) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def show_images(images, titles=None, *, ncols: int | None = None, size: float = 3.0, suptitle: str | None = None):
    """Images side by side, one per panel, with optional titles (notebook 00).

    images: a list of (H, W, 3) / (H, W) arrays in [0, 1], a (B, H, W, 3) batch, or a dict title -> image.
    """
    if isinstance(images, dict):
        titles, images = list(images), list(images.values())
    images = [_as_numpy(image) for image in images]
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"show_images: {len(images)} images but {len(titles)} titles")
    count = len(images)
    ncols = ncols or min(count, 4)
    nrows = math.ceil(count / ncols)
    aspect = np.mean([image.shape[0] / image.shape[1] for image in images])
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * aspect * nrows + 0.4 * bool(titles)),
                             squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < count:
            image = images[index]
            ax.imshow(np.clip(image, 0, 1), cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[index], fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def feature_channels(activations, num: int = 8, order: str = "energy") -> tuple[np.ndarray, list[int]]:
    """Pick ``num`` channels of one activation map (H, W, C) or (1, H, W, C) (notebook 00).

    order: "energy" — the channels with the largest mean activation (the most active ones first);
        "index" — channels 0..num-1.
    Returns the (num, H, W) maps and their channel indices.
    """
    maps = _as_numpy(activations)
    if maps.ndim == 4:
        maps = maps[0]  # (1, H, W, C) -> (H, W, C)
    if order == "energy":
        channels = list(np.argsort(maps.mean(axis=(0, 1)))[::-1][:num])
    elif order == "index":
        channels = list(range(min(num, maps.shape[-1])))
    else:
        raise ValueError(f"feature_channels: order={order!r}; use 'energy' or 'index'")
    return np.moveaxis(maps[:, :, channels], -1, 0), [int(c) for c in channels]  # (num, H, W)


def show_feature_maps(features: dict, num: int = 6, *, image=None, size: float = 1.8, order: str = "energy"):
    """A grid: one row per layer, ``num`` channel maps per row, optionally the input image first (notebook 00).

    features: {layer: (1, H, W, C) activations}, e.g. the output of a FeatureExtractor.
    Each map is scaled to its own maximum, so the pattern shows, not the magnitude.
    """
    rows = list(features.items())
    ncols = num + (image is not None)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(size * ncols, size * len(rows)), squeeze=False)
    for row, (layer, activations) in enumerate(rows):
        maps, channels = feature_channels(activations, num, order)
        if image is not None:
            axes[row, 0].imshow(np.clip(_as_numpy(image), 0, 1))
            axes[row, 0].set_ylabel(layer, fontsize=9)
            axes[row, 0].set_xticks([])
            axes[row, 0].set_yticks([])
        for col, (fmap, channel) in enumerate(zip(maps, channels)):
            ax = axes[row, col + (image is not None)]
            ax.imshow(fmap, cmap="magma", vmin=0, vmax=max(float(fmap.max()), 1e-6))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"ch {channel}", fontsize=8)
            if col == 0 and image is None:
                ax.set_ylabel(layer, fontsize=9)
    fig.tight_layout()
    return fig
