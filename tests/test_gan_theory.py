"""The GAN game on 1-D densities (notebook 03): V(D*, G) = −log 4 + 2·JSD, and the generator's logit gradients."""
import math

import numpy as np
import pytest

from ganstyle_edu import gan_theory


def test_value_at_the_optimal_discriminator_is_minus_log4_plus_2jsd():
    x = np.linspace(-15, 20, 70001)  # wide enough that both tails are negligible
    for mean_g, std_g in [(0.0, 1.0), (1.0, 0.7), (3.0, 2.0), (8.0, 1.0)]:
        p_data, p_g = gan_theory.gaussian_pdf(x, 0.0, 1.0), gan_theory.gaussian_pdf(x, mean_g, std_g)
        jsd = gan_theory.jensen_shannon(p_data, p_g, x)
        assert 0.0 <= jsd <= math.log(2) + 1e-9
        assert gan_theory.value_at_optimum(p_data, p_g, x) == pytest.approx(-math.log(4) + 2 * jsd, abs=1e-5)
    same = gan_theory.gaussian_pdf(x, 0.0, 1.0)
    assert gan_theory.jensen_shannon(same, same, x) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(gan_theory.optimal_discriminator(same, same), 0.5)


def test_generator_logit_gradient_saturates_only_for_minimax():
    d_fake = np.array([1e-4, 0.5, 0.99])
    np.testing.assert_allclose(gan_theory.generator_logit_gradient(d_fake, "minimax"), -d_fake)
    np.testing.assert_allclose(gan_theory.generator_logit_gradient(d_fake, "non_saturating"), d_fake - 1)
    with pytest.raises(ValueError):
        gan_theory.generator_logit_gradient(d_fake, "hinge")
