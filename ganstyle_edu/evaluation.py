"""Putting claims about style transfer to a measurement (notebook 09).

Four small tools:

* **Break-even.** A feed-forward generator costs T_train once and g per photo; Gatys' optimisation costs G
  per photo and nothing up front. For n photos the totals are T_train + n·g and n·G, so training pays off
  from

      n* = ⌈ T_train / (G − g) ⌉ photos   (never, if G ≤ g).

* **Spread over seeds.** Run the same method with K random seeds; the per-pixel standard deviation over the
  K results, averaged over the colour channels, is an (H, W) map of what the randomness changes.

* **Rank correlation.** Spearman's ρ is Pearson's correlation of the ranks (ties get their average rank);
  its p-value here is a permutation test: the share of random shufflings of y whose |ρ| is at least the
  observed one (no normal approximation, valid for the 10-50 pairs a notebook has).

* **A pair matrix.** score(painting, photo) for every painting × photo, and three image statistics that
  might predict it: the colour-histogram distance of the pair, ½ Σ_b |p_b − q_b| over 8×8×8 RGB bins
  (0: the same colours, 1: none shared); a photo's texture energy, the mean squared 3×3 Laplacian of its
  luminance; and its edge density, the share of pixels whose luminance gradient exceeds a threshold
  (:func:`ganstyle_edu.latent.edge_density`'s, the package's one definition).

* **Convergence.** An optimisation's losses L_1, L_2, … reach a target at the first t with L_t ≤ target, and
  have converged to within a tolerance τ at the first t with L_t ≤ (1 + τ) · min_s L_s.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .images import luminance
from .latent import edge_density as _edge_densities  # below this module in the layering


def break_even(train_seconds: float, generator_seconds: float, gatys_seconds: float) -> int | None:
    """The smallest number of photos from which training a generator and running it is cheaper in total
    than Gatys' optimisation on each photo; None if it never is (Gatys per photo no slower) (notebook 09)."""
    for name, value in (("train_seconds", train_seconds), ("generator_seconds", generator_seconds),
                        ("gatys_seconds", gatys_seconds)):
        if not (value >= 0 and math.isfinite(value)):
            raise ValueError(f"break_even: {name}={value} must be a finite number of seconds ≥ 0")
    saving = gatys_seconds - generator_seconds  # seconds saved per photo
    if saving <= 0:
        return None
    photos = math.ceil(train_seconds / saving)
    # the totals at n*: train + n·g ≤ n·G; guard the rounding of an exact division
    return photos if train_seconds + photos * generator_seconds <= photos * gatys_seconds else photos + 1


def total_seconds(num_photos, train_seconds: float, generator_seconds: float, gatys_seconds: float) -> dict:
    """Total time for 0..N photos by each method: {"generator": T_train + n·g, "gatys": n·G} (notebook 09)."""
    n = np.asarray(num_photos, dtype=np.float64)
    return {"generator": train_seconds + n * generator_seconds, "gatys": n * gatys_seconds}


def spread_map(images) -> np.ndarray:
    """Per-pixel standard deviation over K results of the same size, (K, H, W, 3) → (H, W), averaged over
    the colour channels (notebook 09)."""
    stack = np.asarray(images, dtype=np.float64)
    if stack.ndim != 4 or stack.shape[0] < 2 or stack.shape[-1] != 3:
        raise ValueError(f"spread_map: expected K ≥ 2 images of one size, (K, H, W, 3); got shape {stack.shape}")
    return stack.std(axis=0).mean(axis=-1)  # (K, H, W, 3) -> (H, W, 3) -> (H, W)


def rank(values) -> np.ndarray:
    """Ranks 1..n of ``values``; tied values share the average of the ranks they span (notebook 09)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"rank: expected a 1-d sequence, got shape {values.shape}")
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    sorted_values = values[order]
    start = 0
    for end in range(1, len(values) + 1):  # average the ranks over each run of equal values
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + 1 + end) / 2
            start = end
    return ranks


def spearman(x, y) -> float:
    """Spearman's rank correlation ρ ∈ [−1, 1]: Pearson's correlation of the average ranks (notebook 09)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 3:
        raise ValueError(f"spearman: x and y must be 1-d of one length ≥ 3; got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("spearman: x and y must be finite")
    rx, ry = rank(x) - (len(x) + 1) / 2, rank(y) - (len(y) + 1) / 2  # centred ranks
    denominator = math.sqrt(float(rx @ rx) * float(ry @ ry))
    if denominator == 0:
        raise ValueError("spearman: one of x and y is constant; its ranks carry no order")
    return float(rx @ ry) / denominator


def permutation_test(x, y, statistic: Callable = spearman, num_permutations: int = 10_000, seed: int = 0) -> dict:
    """{"statistic": s(x, y), "p_value": share of shufflings of y with |s| ≥ |s(x, y)|} (two-sided; the
    observed order counts as one shuffling, so p ≥ 1 / (num_permutations + 1)) (notebook 09)."""
    if num_permutations < 1:
        raise ValueError(f"permutation_test: num_permutations={num_permutations} must be at least 1")
    observed = statistic(x, y)
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    at_least = sum(abs(statistic(x, rng.permutation(y))) >= abs(observed) - 1e-12 for _ in range(num_permutations))
    return {"statistic": observed, "p_value": (at_least + 1) / (num_permutations + 1)}


def pair_matrix(paintings: dict, photos: dict, score: Callable) -> np.ndarray:
    """score(painting, photo) for every painting (rows) × photo (columns), in the dicts' order (notebook 09)."""
    return np.array([[float(score(painting, photo)) for photo in photos.values()] for painting in paintings.values()])


def first_at_or_below(losses, target: float) -> int | None:
    """The first iteration (1-based) whose loss is at most ``target``; None if none is (notebook 09)."""
    hits = np.flatnonzero(np.asarray(losses, dtype=np.float64) <= target)
    return int(hits[0]) + 1 if len(hits) else None


def iterations_to_converge(losses, tolerance: float = 0.05) -> int:
    """The first iteration (1-based) whose loss is within ``tolerance`` of the lowest loss of the run: a
    lower bound on the iterations to convergence, since a longer run may go lower still (notebook 09)."""
    losses = np.asarray(losses, dtype=np.float64)
    if losses.ndim != 1 or len(losses) == 0 or not np.all(np.isfinite(losses)):
        raise ValueError(f"iterations_to_converge: expected a non-empty 1-d sequence of finite losses, got {losses!r:.80}")
    if not tolerance >= 0:
        raise ValueError(f"iterations_to_converge: tolerance={tolerance} must be ≥ 0")
    return first_at_or_below(losses, losses.min() * (1 + tolerance))


def color_histogram_distance(image_a, image_b, bins: int = 8) -> float:
    """½ Σ |p − q| between the joint RGB histograms (``bins``³ bins, each summing to 1) of two images in
    [0, 1]: 0 when they use the same colours in the same shares, 1 when they share none (notebook 09)."""
    def histogram(image):
        pixels = np.clip(np.asarray(image, dtype=np.float64).reshape(-1, 3), 0, 1)  # (H·W, 3)
        index = np.minimum((pixels * bins).astype(int), bins - 1)                  # (H·W, 3) bin per channel
        flat = (index[:, 0] * bins + index[:, 1]) * bins + index[:, 2]              # (H·W,) joint bin
        return np.bincount(flat, minlength=bins ** 3) / len(flat)

    return 0.5 * float(np.abs(histogram(image_a) - histogram(image_b)).sum())


def texture_energy(image) -> float:
    """The mean squared response of the luminance to the 3×3 Laplacian [[0, 1, 0], [1, −4, 1], [0, 1, 0]],
    over the interior pixels: one number per image, 0 for a flat or linear ramp, large for fine texture
    (notebook 09). Not the mean of :func:`ganstyle_edu.dissect.local_variance_map`, a different, per-pixel measure."""
    y = luminance(image).astype(np.float64)  # (H, W)
    laplacian = y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1]  # (H−2, W−2)
    return float(np.mean(laplacian ** 2))


def edge_density(image, threshold: float = 0.1) -> float:
    """The share of the pixels of one image (H, W, 3) whose luminance gradient magnitude is above ``threshold``
    (notebook 09): :func:`ganstyle_edu.latent.edge_density`, which measures a batch, on this one image — the same
    quantity by construction (central differences inside, one-sided on the border, every pixel counted)."""
    image = np.asarray(image, np.float32)
    if image.ndim != 3:
        raise ValueError(f"edge_density: expected one image (H, W, 3), got shape {image.shape}; "
                         "for a batch use latent.edge_density")
    return float(_edge_densities(image[None], threshold)[0])
