"""Walking through the generator's latent space (notebook 05; extended in notebook 07).

A path from z₀ to z₁ sampled at t = 0, 1/(num−1), …, 1 shows what G does between two images.

Linear:  z(t) = (1 − t)·z₀ + t·z₁.
Spherical (slerp; Shoemake 1985, used for GANs by White 2016):

    z(t) = sin((1 − t)·Ω) / sin Ω · z₀ + sin(t·Ω) / sin Ω · z₁,     cos Ω = z₀·z₁ / (‖z₀‖‖z₁‖).

High-dimensional Gaussian noise lives near the sphere of radius √D, and the midpoint of a straight line
between two such vectors is shorter (by about 1/√2 for independent ones): G is asked for images from
a region it rarely saw in training. Slerp follows the great circle and keeps the norm for equal-norm
end points. When z₀ and z₁ are (anti)parallel, Ω is 0 or π, sin Ω = 0, and slerp falls back to linear.
"""
from __future__ import annotations

import numpy as np

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
