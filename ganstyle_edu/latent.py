"""Walking through the generator's latent space, and finding directions that mean something (notebooks 05 and 07).

A path from z₀ to z₁ sampled at t = 0, 1/(num−1), …, 1 shows what G does between two images.

Linear:  z(t) = (1 − t)·z₀ + t·z₁.
Spherical (slerp; Shoemake 1985, used for GANs by White 2016):

    z(t) = sin((1 − t)·Ω) / sin Ω · z₀ + sin(t·Ω) / sin Ω · z₁,     cos Ω = z₀·z₁ / (‖z₀‖‖z₁‖).

High-dimensional Gaussian noise lives near the sphere of radius √D, and the midpoint of a straight line
between two such vectors is shorter (by about 1/√2 for independent ones): G is asked for images from
a region it rarely saw in training. Slerp follows the great circle and keeps the norm for equal-norm
end points. When z₀ and z₁ are (anti)parallel, Ω is 0 or π, sin Ω = 0, and slerp falls back to linear.

Directions (notebook 07). *GANSpace* (Härkönen et al. 2020): sample many z, take an early layer's
activations y(z), and find their principal axes v_1, v_2, … (orthonormal; PCA of the centred y). The
coordinates x_k = v_kᵀ(y − ȳ) are then regressed on z, and the least-squares weights u_k give a latent
direction whose steps move y mostly along v_k: z + α·u_k/‖u_k‖ varies the image's main modes of variation.
A *probe* direction for a measurable attribute a(G(z)) — brightness, colourfulness, edge density — is the
weight vector w of the linear regression a ≈ wᵀz + b; its R² on held-out samples says how linear the
attribute is in z. Editing walks z + α·ŵ for a range of strengths α.
"""
from __future__ import annotations

import numpy as np

from .images import gradient_magnitude, luminance

INTERPOLATIONS = ("linear", "slerp")
_PARALLEL_TOLERANCE = 1e-6  # |sin Ω| below this counts as (anti)parallel


def interpolate(z0, z1, num: int, method: str = "linear") -> np.ndarray:
    """``num`` points from z0 to z1 (both ends included): an array (num, *z0.shape) (notebook 05).

    method: "linear" or "slerp" (see the module docstring). The first and last rows are exactly z0 and z1.
    """
    if method not in INTERPOLATIONS:
        raise ValueError(f"method={method!r} is not an interpolation: use one of {', '.join(INTERPOLATIONS)}")
    if not isinstance(num, (int, np.integer)) or num < 2:
        raise ValueError(f"num={num!r} must be an integer of at least 2 (the two end points)")
    z0, z1 = np.asarray(z0), np.asarray(z1)
    if z0.shape != z1.shape:
        raise ValueError(f"z0 {z0.shape} and z1 {z1.shape} must have the same shape")
    dtype = np.result_type(z0.dtype, z1.dtype, np.float32)
    start = z0.astype(np.float64).ravel()  # (D,)
    end = z1.astype(np.float64).ravel()  # (D,)
    t = np.linspace(0.0, 1.0, num)[:, None]  # (num, 1)
    weights0, weights1 = 1.0 - t, t
    if method == "slerp":
        norms = np.linalg.norm(start) * np.linalg.norm(end)
        if norms > 0:
            cosine = np.clip(start @ end / norms, -1.0, 1.0)
            omega = np.arccos(cosine)
            sine = np.sin(omega)
            if abs(sine) > _PARALLEL_TOLERANCE:
                weights0, weights1 = np.sin((1.0 - t) * omega) / sine, np.sin(t * omega) / sine
    path = weights0 * start[None, :] + weights1 * end[None, :]  # (num, D)
    path = path.reshape((num,) + z0.shape).astype(dtype)  # (num, *z0.shape)
    path[0], path[-1] = z0, z1
    return path


# ---------------------------------------------------------------------------------------------------------------
# Directions


def pca(data, num_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal axes of the rows of ``data`` (N, D): (components (k, D) orthonormal rows, explained-variance
    ratios (k,), mean (D,)) (notebook 07)."""
    data = np.asarray(data, np.float64).reshape(len(data), -1)  # (N, D)
    if not 1 <= num_components <= min(data.shape):
        raise ValueError(f"num_components={num_components} must be between 1 and min(N, D) = {min(data.shape)}")
    mean = data.mean(axis=0)
    _, singular, rows = np.linalg.svd(data - mean, full_matrices=False)  # rows: (min(N, D), D)
    variance = singular ** 2
    return rows[:num_components], variance[:num_components] / variance.sum(), mean


def _with_intercept(z: np.ndarray) -> np.ndarray:
    return np.concatenate([z, np.ones((len(z), 1))], axis=1)  # (N, D + 1): a column of ones for the intercept


def regression_direction(z, targets) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares weights of targets (N,) or (N, k) on z (N, D) with an intercept: (unit directions (k, D),
    their norms before normalising (k,)) (notebook 07)."""
    z = np.asarray(z, np.float64)
    targets = np.asarray(targets, np.float64).reshape(len(z), -1)  # (N, k)
    weights = np.linalg.lstsq(_with_intercept(z), targets, rcond=None)[0][:-1].T  # (k, D), intercept dropped
    norms = np.linalg.norm(weights, axis=1)
    return weights / np.maximum(norms[:, None], 1e-12), norms


def ganspace_directions(z, activations, num_components: int = 5) -> dict[str, np.ndarray]:
    """GANSpace (module docstring): PCA of an early layer's ``activations`` (N, ...) for noise ``z`` (N, D),
    then each principal coordinate regressed on z (notebook 07).

    Returns components (k, A) (orthonormal, in activation space), explained (k,) variance ratios and
    directions (k, D) (unit latent directions; not orthogonal in general).
    """
    flat = np.asarray(activations, np.float64).reshape(len(activations), -1)  # (N, A)
    components, explained, mean = pca(flat, num_components)
    coordinates = (flat - mean) @ components.T  # (N, k)
    directions, _ = regression_direction(z, coordinates)
    return {"components": components, "explained": explained, "directions": directions}


def r_squared(predicted, actual) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot (notebook 07)."""
    predicted, actual = np.asarray(predicted, np.float64), np.asarray(actual, np.float64)
    total = np.sum((actual - actual.mean()) ** 2)
    return float(1.0 - np.sum((actual - predicted) ** 2) / total) if total > 0 else 0.0


def probe_direction(z, attribute, held_out: float = 0.25, seed: int = 0) -> dict:
    """A linear probe: regress ``attribute`` (N,) on ``z`` (N, D) on a random (1 − held_out) share, report R² on
    the rest (notebook 07). Returns {"direction": (D,) unit vector, "r2_train", "r2_test", "slope"}: slope is
    the attribute's change per unit step along the direction (by the fit).
    """
    z = np.asarray(z, np.float64)
    attribute = np.asarray(attribute, np.float64)
    order = np.random.default_rng(seed).permutation(len(z))
    split = int(round(len(z) * (1.0 - held_out)))
    train, test = order[:split], order[split:]
    if split <= z.shape[1] or len(test) < 2:
        raise ValueError(f"probe_direction: {len(z)} samples are too few for {z.shape[1]} dimensions; "
                         f"use at least {2 * z.shape[1] + 4}")
    design = _with_intercept(z)  # (N, D + 1)
    weights = np.linalg.lstsq(design[train], attribute[train], rcond=None)[0]  # (D + 1,)
    slope = float(np.linalg.norm(weights[:-1]))
    return {"direction": weights[:-1] / max(slope, 1e-12), "slope": slope,
            "r2_train": r_squared(design[train] @ weights, attribute[train]),
            "r2_test": r_squared(design[test] @ weights, attribute[test])}


def edit(z, direction, strengths) -> np.ndarray:
    """z + α·direction for each α in ``strengths``: (len(strengths), D) (notebook 07)."""
    z = np.asarray(z, np.float32).reshape(-1)  # (D,)
    direction = np.asarray(direction, np.float32).reshape(-1)  # (D,)
    if z.shape != direction.shape:
        raise ValueError(f"edit: z {z.shape} and direction {direction.shape} must have the same length")
    return z[None, :] + np.asarray(strengths, np.float32)[:, None] * direction[None, :]  # (S, D)


# ---------------------------------------------------------------------------------------------------------------
# Attributes of images, measured from pixels


def brightness(images) -> np.ndarray:
    """Mean luminance of each image (N, H, W, 3) in [0, 1]: (N,) (notebook 07)."""
    return np.asarray([luminance(image).mean() for image in np.asarray(images, np.float32)])


def colourfulness(images) -> np.ndarray:
    """Hasler & Süsstrunk's (2003) colourfulness of each image in [0, 1] (×255 scale, as in the paper): (N,)
    (notebook 07). With rg = R − G and yb = (R + G)/2 − B: √(σ_rg² + σ_yb²) + 0.3·√(μ_rg² + μ_yb²)."""
    images = np.asarray(images, np.float64) * 255.0
    rg = images[..., 0] - images[..., 1]  # (N, H, W)
    yb = 0.5 * (images[..., 0] + images[..., 1]) - images[..., 2]  # (N, H, W)
    spread = np.sqrt(rg.std(axis=(1, 2)) ** 2 + yb.std(axis=(1, 2)) ** 2)
    centre = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
    return spread + 0.3 * centre


def edge_density(images, threshold: float = 0.1) -> np.ndarray:
    """Share of the pixels whose luminance gradient magnitude exceeds ``threshold``, for each image of a batch
    (N, H, W, 3) in [0, 1]: (N,) (notebooks 07 and 09).

    The gradient is :func:`ganstyle_edu.images.gradient_magnitude`'s (``numpy.gradient``): central differences
    inside the image, one-sided differences on its border rows and columns, so every pixel counts. The package's
    one edge density: :func:`ganstyle_edu.evaluation.edge_density` is this for a single image (a float).
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"edge_density: expected a batch of images (N, H, W, 3), got shape {images.shape}; "
                         "for one image use evaluation.edge_density or pass image[None]")
    return np.asarray([float(np.mean(gradient_magnitude(image) > threshold)) for image in images])


ATTRIBUTES = {"brightness": brightness, "colourfulness": colourfulness, "edge density": edge_density}
