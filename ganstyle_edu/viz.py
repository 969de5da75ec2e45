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


# ------------------------------------------------------------------------------------- GANs (03–05)
def plot_toy2d(gan, seed_index: int = 0, ax=None, *, resolution: int = 70, num_samples: int = 500,
               num_arrows: int = 60, extent: float | None = None, title: str | None = None):
    """GAN Lab-style view of one 2-D GAN (notebook 03).

    Background: the discriminator's probability of "real" (purple = fake, green = real); grey crosses:
    the target's modes; black dots: generated samples; red arrows: −∂L_G/∂x, the direction the
    generator's loss pushes each generated point.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    extent = extent or gan.mixture.extent
    xs, ys, probs = gan.discriminator_map(extent, resolution)
    ax.imshow(probs[seed_index], origin="lower", extent=(-extent, extent, -extent, extent), cmap="PRGn",
              vmin=0, vmax=1, alpha=0.8)
    points = gan.sample(num_samples)[seed_index]
    ax.scatter(points[:, 0], points[:, 1], s=2, c="k", alpha=0.5)
    ax.scatter(gan.mixture.means[:, 0], gan.mixture.means[:, 1], marker="x", s=30, c="0.4")
    starts, directions = gan.generator_arrows(num_arrows)
    starts, directions = starts[seed_index], directions[seed_index]
    lengths = np.linalg.norm(directions, axis=1, keepdims=True)
    scale = 0.15 * extent / max(float(lengths.max()), 1e-12)  # longest arrow: 15 % of the view
    ax.quiver(starts[:, 0], starts[:, 1], directions[:, 0] * scale, directions[:, 1] * scale, color="crimson",
              angles="xy", scale_units="xy", scale=1, width=0.006)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title if title is not None else f"step {gan.step}", fontsize=9)
    return ax.figure


def figure_to_array(fig) -> np.ndarray:
    """Render a figure to a uint8 (H, W, 3) array, e.g. a GIF frame (notebooks 03, 05)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def plot_training_curves(history: dict, axes=None, *, seed_index: int | None = None, title: str = ""):
    """Losses, D(x) and D(G(z)), and gradient norms against the step: three panels (notebooks 03, 05).

    history: a dict of lists with a "step" key (``MetricsHistory.history`` or ``Toy2DGAN.history``);
    per-seed entries (S,) are drawn one line per seed, or only ``seed_index``.
    """
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3))
    steps = np.asarray(history["step"])

    def column(key):
        values = np.asarray(history[key], np.float64)
        if values.ndim == 2 and seed_index is not None:
            values = values[:, seed_index]
        return values

    panels = [(("d_loss", "g_loss"), "loss"), (("d_real", "d_fake"), "D(x), D(G(z))"),
              (("d_grad_norm", "g_grad_norm"), "gradient norm")]
    colours = {"d_loss": "tab:blue", "g_loss": "tab:orange", "d_real": "tab:green", "d_fake": "tab:red",
               "d_grad_norm": "tab:blue", "g_grad_norm": "tab:orange"}
    for ax, (keys, label) in zip(axes, panels):
        for key in keys:
            if key in history and len(history[key]):
                values = column(key)
                ax.plot(steps, values, color=colours[key], alpha=0.8 if values.ndim == 1 else 0.35,
                        label=key if values.ndim == 1 else None)
                if values.ndim == 2:
                    ax.plot([], [], color=colours[key], label=f"{key} (one line per seed)")
        ax.set_xlabel("step")
        ax.set_title(label, fontsize=10)
        ax.legend(fontsize=7)
        if label == "gradient norm":
            ax.set_yscale("log")
    if title:
        axes[0].figure.suptitle(title)
    axes[0].figure.tight_layout()
    return axes[0].figure


def gan_dashboard(history: dict, frame=None, flags=(), *, title: str = ""):
    """The live training dashboard of notebook 05: three curve panels and the latest sample grid.

    flags: the HealthMonitor's flags so far; the latest is printed under the figure title.
    """
    fig = plt.figure(figsize=(13, 3.4))
    grid = fig.add_gridspec(1, 4, width_ratios=[1, 1, 1, 1.1])
    axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    if history.get("step"):
        plot_training_curves(history, axes)
    image_ax = fig.add_subplot(grid[0, 3])
    image_ax.axis("off")
    if frame is not None:
        image_ax.imshow(frame)
        image_ax.set_title("samples, fixed z", fontsize=10)
    text = title
    if flags:
        latest = flags[-1]
        text += f"\n⚠ step {latest['step']}: {latest['code']}"
    if text:
        fig.suptitle(text, fontsize=10)
    fig.tight_layout()
    return fig


def plot_style_losses(histories: dict, every: int = 1, *, title: str = ""):
    """Content, style and TV terms (and the total) against the step, log scale: one panel per term (notebook 06).

    histories: {label: history dict with "step" and the loss keys} — several runs drawn on the same axes.
    every: plot a running mean over this many steps (training losses on random crops are noisy).
    """
    keys = ("total", "content", "style", "tv")
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 2.8))
    for label, history in histories.items():
        steps = np.asarray(history["step"])
        for ax, key in zip(axes, keys):
            values = np.asarray(history[key], np.float64)
            if every > 1 and len(values) >= every:
                values = np.convolve(values, np.ones(every) / every, mode="valid")  # running mean
                ax.plot(steps[every - 1:], values, label=label)
            else:
                ax.plot(steps, values, label=label)
    for ax, key in zip(axes, keys):
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(key, fontsize=10)
    axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_realism_map(image, probabilities, ax=None, *, title: str = ""):
    """A PatchGAN's realism map (from ``saliency.realism_map``) over the image it judged (notebook 06)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    image = _as_numpy(image)
    height, width = image.shape[:2]
    ax.imshow(np.clip(image, 0, 1))
    shown = ax.imshow(probabilities, cmap="coolwarm", vmin=0, vmax=1, alpha=0.55, extent=(0, width, height, 0),
                      interpolation="bilinear")
    ax.axis("off")
    ax.set_title(title or f"D says 'painting': {float(np.mean(probabilities)):.2f} on average", fontsize=9)
    return shown


def show_map(image, heat, ax=None, *, title: str = "", cmap: str = "magma", alpha: float = 0.6, symmetric: bool = False):
    """A heat map (h, w) — any resolution — laid over ``image`` (H, W, 3) in [0, 1] (notebooks 07 and 08).

    symmetric: a diverging colour map centred on 0 (for signed maps such as style-loss shares).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    image = np.clip(_as_numpy(image), 0, 1)
    heat = _as_numpy(heat).astype(np.float64)
    height, width = image.shape[:2]
    ax.imshow(image)
    if symmetric:
        limit = float(np.abs(heat).max()) or 1.0
        shown = ax.imshow(heat, cmap="coolwarm", vmin=-limit, vmax=limit, alpha=alpha, extent=(0, width, height, 0),
                          interpolation="bilinear")
    else:
        shown = ax.imshow(heat, cmap=cmap, alpha=alpha, extent=(0, width, height, 0), interpolation="bilinear")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=8)
    return shown


def unit_atlas(outputs, activations, units: dict, *, quantile: float = 0.9, size: float = 1.6):
    """A unit atlas (notebook 07): one row per labelled unit, one column per image; each panel is the
    generator's output with the unit's top-(1 − quantile) region outlined in its activation's colour.

    outputs: (N, H, W, 3) in [0, 1]; activations: (N, h, w, C); units: {row label: unit index}.
    """
    outputs, activations = _as_numpy(outputs), _as_numpy(activations)
    rows, cols = len(units), len(outputs)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for row, (label, unit) in enumerate(units.items()):
        maps = activations[..., unit]  # (N, h, w)
        threshold = np.quantile(maps, quantile)
        for col in range(cols):
            ax = axes[row, col]
            show_map(outputs[col], maps[col], ax, alpha=0.45, cmap="viridis")
            height, width = outputs[col].shape[:2]
            grid_h, grid_w = maps.shape[1:]
            xs = (np.arange(grid_w) + 0.5) * width / grid_w  # cell centres in pixels
            ys = (np.arange(grid_h) + 0.5) * height / grid_h
            if (maps[col] > threshold).any():
                ax.contour(xs, ys, (maps[col] > threshold).astype(float), levels=[0.5], colors="white",
                           linewidths=0.8)
        axes[row, 0].text(-0.05, 0.5, label, transform=axes[row, 0].transAxes, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def grouped_bars(series: dict, *, title: str = "", size: float = 3.2):
    """Grouped bars: one group per item, one bar per series, e.g. an open exercise's reference runs and your answer
    from ``exercises.reference_series`` (notebook 00). series: name -> {item: number}; the first series' items
    set the groups, an item a series lacks is left empty."""
    if not series or not all(isinstance(values, dict) and values for values in series.values()):
        raise ValueError("grouped_bars: series must map each name to a non-empty {item: number} dict, "
                         "e.g. exercises.reference_series(\"00.4\", your_answer)")
    items = list(next(iter(series.values())))
    fig, ax = plt.subplots(figsize=(2 * size, size))
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        ax.bar(np.arange(len(items)) + (index - (len(series) - 1) / 2) * width,
               [values.get(item, np.nan) for item in items], width, label=name)
    ax.set_xticks(np.arange(len(items)), items)
    low = min(min(v.values()) for v in series.values())
    ax.set_ylim(min(0.0, low - 0.05) if low < 0.5 else max(0.0, low - 0.05), None)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def data_parallel_diagram(replicas: int = 2, global_batch: int = 8):
    """Data parallelism as a picture: a global batch split over replicas, one copy of the networks each, the
    gradients summed by an all-reduce, the same step everywhere (notebook 11)."""
    per_replica = global_batch // replicas
    fig, ax = plt.subplots(figsize=(10, 1.9 + 1.25 * replicas))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.6, 1.3 * replicas + 0.4)
    ax.axis("off")
    colours = plt.get_cmap("tab10")
    centres = [1.3 * (replicas - 1 - r) + 0.5 for r in range(replicas)]

    def box(x, y, width, height, text, colour, **kwargs):
        ax.add_patch(plt.Rectangle((x, y - height / 2), width, height, facecolor=colour, edgecolor="black", lw=0.8))
        ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=9, **kwargs)

    for image in range(global_batch):  # the global batch, coloured by the replica that receives each image
        y = centres[0] + 0.5 - image * (centres[0] - centres[-1] + 1.0) / max(global_batch - 1, 1)
        box(0.1, y, 0.55, 0.9 * (centres[0] - centres[-1] + 1.0) / global_batch, f"x{image}",
            colours(image // per_replica), color="white")
    ax.text(0.38, centres[0] + 0.95, f"global batch B = {global_batch}", ha="center", fontsize=9)
    for r, y in enumerate(centres):
        ax.annotate("", (1.6, y), (0.75, y), arrowprops=dict(arrowstyle="->", color=colours(r)))
        box(1.7, y, 2.1, 0.8, f"replica {r}: copy of G and D\n{per_replica} images, loss ÷ {replicas}", "#eeeeee")
        ax.annotate("", (4.6, y), (3.85, y), arrowprops=dict(arrowstyle="->"))
        box(4.65, y, 1.0, 0.6, f"∇ℓ{r}", colours(r), color="white")
        ax.annotate("", (6.55, np.mean(centres)), (5.7, y), arrowprops=dict(arrowstyle="->", color="grey"))
        ax.annotate("", (8.35, y), (7.75, np.mean(centres)), arrowprops=dict(arrowstyle="->", color="grey"))
        box(8.4, y, 1.5, 0.6, f"same step on\nreplica {r}'s copy", "#dddddd")
    box(6.6, np.mean(centres), 1.15, 0.9, "all-reduce\nΣ ∇ℓr", "#ffe9a8")
    ax.set_title("Data parallelism: each replica computes the gradient of its share; the sum is the global batch's",
                 fontsize=10)
    fig.tight_layout()
    return fig
