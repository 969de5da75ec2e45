"""The GAN game on 1-D densities, in closed form: the optimal discriminator and the divergence G minimises
(notebook 03).

A discriminator gives a point x a logit l = D(x), σ(l) being its probability of "real"; Goodfellow et al.
(2014) play min_G max_D V(D, G) = E_{x~p_data}[log σ(D(x))] + E_z[log(1 − σ(D(G(z))))]. For a fixed G the best
discriminator is

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),   and there   V(D*, G) = −log 4 + 2 · JSD(p_data ‖ p_g),

so the generator minimises a Jensen–Shannon divergence: checked here on grids of 1-D densities by the trapezoid
rule. Early in training D rejects G's samples (σ(l) ≈ 0) and log(1 − σ(l)) is flat there; the **non-saturating**
loss −log σ(D(G(z))) has the same fixed point and a strong gradient in that regime
(:func:`generator_logit_gradient`). Everything is NumPy: densities and logits as arrays, no training.
"""
from __future__ import annotations

import math

import numpy as np


def gaussian_pdf(x, mean: float, std: float) -> np.ndarray:
    """Density of N(mean, std²) at x (notebook 03)."""
    x = np.asarray(x, np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), the best discriminator for a fixed generator (notebook 03)."""
    p_data, p_g = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    return p_data / np.maximum(p_data + p_g, 1e-300)


def _kl(p, q, x) -> float:
    mask = p > 0
    integrand = np.zeros_like(p)
    integrand[mask] = p[mask] * np.log(p[mask] / np.maximum(q[mask], 1e-300))
    return float(np.trapezoid(integrand, x))


def jensen_shannon(p, q, x) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, by the trapezoid rule on grid x (notebook 03)."""
    p, q, x = (np.asarray(a, np.float64) for a in (p, q, x))
    m = 0.5 * (p + q)
    return 0.5 * _kl(p, m, x) + 0.5 * _kl(q, m, x)


def value_at_optimum(p_data, p_g, x) -> float:
    """V(D*, G) = ∫ p_data log D* + p_g log(1 − D*) dx, numerically; equals −log 4 + 2·JSD (notebook 03)."""
    p_data, p_g, x = (np.asarray(a, np.float64) for a in (p_data, p_g, x))
    d_star = optimal_discriminator(p_data, p_g)
    integrand = (p_data * np.log(np.maximum(d_star, 1e-300))
                 + p_g * np.log(np.maximum(1.0 - d_star, 1e-300)))
    return float(np.trapezoid(integrand, x))


def generator_logit_gradient(d_fake, loss: str) -> np.ndarray:
    """∂L_G/∂l for a fake sample's logit l, as a function of D(G(z)) = σ(l) (notebook 03).

    minimax L_G = log(1 − σ(l)) → −σ(l): vanishes when D rejects the sample (σ → 0);
    non-saturating L_G = −log σ(l) → σ(l) − 1: close to −1 there, so G still learns.
    """
    d_fake = np.asarray(d_fake, np.float64)
    if loss == "minimax":
        return -d_fake
    if loss == "non_saturating":
        return d_fake - 1.0
    raise ValueError(f"loss={loss!r}: use 'minimax' or 'non_saturating'")
