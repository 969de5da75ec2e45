"""Break-even, spread maps and rank correlations against hand-computed values and independent loops."""
import math

import numpy as np
import pytest

from ganstyle_edu import evaluation


def _rank_by_counting(values):
    """An independent reference: rank = (#smaller) + (#equal + 1) / 2, one value at a time."""
    return np.array([sum(w < v for w in values) + (sum(w == v for w in values) + 1) / 2 for v in values])


def test_break_even_by_hand():
    # 3600 s of training, 0.1 s vs 30.1 s per photo: 30 s saved per photo → 120 photos
    assert evaluation.break_even(3600, 0.1, 30.1) == 120
    assert evaluation.break_even(3601, 0.1, 30.1) == 121
    assert evaluation.break_even(0, 0.1, 30.1) == 0
    assert evaluation.break_even(100, 5.0, 5.0) is None and evaluation.break_even(100, 6.0, 5.0) is None
    totals = evaluation.total_seconds([0, 120], 3600, 0.1, 30.1)
    np.testing.assert_allclose(totals["generator"], [3600, 3612])
    np.testing.assert_allclose(totals["gatys"], [0, 3612])
    with pytest.raises(ValueError, match="gatys_seconds=nan"):
        evaluation.break_even(1, 1, float("nan"))


def test_spread_map_is_the_std_over_seeds_averaged_over_channels():
    a = np.zeros((2, 3, 3))
    b = np.ones((2, 3, 3))
    b[..., 2] = 0.0  # the blue channel does not change
    spread = evaluation.spread_map([a, b])
    assert spread.shape == (2, 3)
    np.testing.assert_allclose(spread, (0.5 + 0.5 + 0.0) / 3)
    with pytest.raises(ValueError, match="K ≥ 2"):
        evaluation.spread_map([a])


@pytest.mark.parametrize("values", [[3, 1, 2], [1, 2, 2, 3], [5, 5, 5, 5], [2.5, -1, 2.5, 7, -1, 2.5], list(range(9))[::-1]])
def test_rank_matches_counting_with_ties(values):
    np.testing.assert_allclose(evaluation.rank(values), _rank_by_counting(values))


def test_rank_matches_counting_on_random_ties():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 6, size=40)
    np.testing.assert_allclose(evaluation.rank(values), _rank_by_counting(list(values)))


def test_spearman_by_hand():
    assert evaluation.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert evaluation.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert evaluation.spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]) == pytest.approx(1.0)  # monotone, not linear
    # no ties: ρ = 1 − 6 Σ d² / (n (n² − 1)); ranks x 1..5, y 2,1,4,3,5: Σ d² = 4 → ρ = 1 − 24/120 = 0.8
    assert evaluation.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    # ties: ranks of y = (1.5, 1.5, 3, 4); Pearson of (1, 2, 3, 4) with them
    x, ry = np.arange(1, 5.0), np.array([1.5, 1.5, 3, 4])
    expected = np.corrcoef(x, ry)[0, 1]
    assert evaluation.spearman([1, 2, 3, 4], [7, 7, 8, 9]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="constant"):
        evaluation.spearman([1, 2, 3], [5, 5, 5])


def test_permutation_test_finds_a_clear_order_and_not_noise():
    x = np.arange(10)
    strong = evaluation.permutation_test(x, x ** 2, num_permutations=2000)
    assert strong["statistic"] == pytest.approx(1.0)
    assert strong["p_value"] < 0.005  # 2 of 10! orderings reach |ρ| = 1: p ≈ 1/2001
    rng = np.random.default_rng(3)
    noise = evaluation.permutation_test(rng.random(10), rng.random(10), num_permutations=2000)
    assert noise["p_value"] > 0.05
    assert 1 / 2001 <= strong["p_value"] <= 1


def test_pair_matrix_rows_are_paintings_and_columns_photos():
    paintings, photos = {"a": 1.0, "b": 2.0}, {"x": 10.0, "y": 20.0, "z": 30.0}
    matrix = evaluation.pair_matrix(paintings, photos, lambda painting, photo: painting * photo)
    np.testing.assert_allclose(matrix, [[10, 20, 30], [20, 40, 60]])
    assert math.isclose(matrix.sum(), 180)


def test_first_at_or_below_and_convergence_by_hand():
    losses = [10.0, 6.0, 4.0, 3.2, 3.05, 3.0]
    assert evaluation.first_at_or_below(losses, 4.0) == 3
    assert evaluation.first_at_or_below(losses, 11) == 1 and evaluation.first_at_or_below(losses, 2.9) is None
    assert evaluation.iterations_to_converge(losses, 0.05) == 5   # 3.05 ≤ 3.0 · 1.05 = 3.15; 3.2 is not
    assert evaluation.iterations_to_converge(losses, 0.1) == 4    # 3.2 ≤ 3.3
    assert evaluation.iterations_to_converge(losses, 0.0) == 6
    with pytest.raises(ValueError, match="finite"):
        evaluation.iterations_to_converge([1.0, float("nan")])


def test_color_histogram_distance_by_hand():
    red, blue = np.zeros((4, 4, 3)), np.zeros((4, 4, 3))
    red[..., 0], blue[..., 2] = 1.0, 1.0
    assert evaluation.color_histogram_distance(red, red) == 0.0
    assert evaluation.color_histogram_distance(red, blue) == 1.0
    half = red.copy()
    half[:2] = blue[:2]  # half red, half blue
    assert evaluation.color_histogram_distance(half, red) == pytest.approx(0.5)
    # 0.49 and 0.51 fall in bins 3 and 4 of 8; 0.5 in bin 4
    a, b = np.full((1, 2, 3), 0.49), np.full((1, 2, 3), 0.51)
    assert evaluation.color_histogram_distance(a, b) == 1.0 and evaluation.color_histogram_distance(b, b + 0.01) == 0.0


def _laplacian_loop(y):
    h, w = y.shape
    return np.mean([(y[i - 1, j] + y[i + 1, j] + y[i, j - 1] + y[i, j + 1] - 4 * y[i, j]) ** 2
                    for i in range(1, h - 1) for j in range(1, w - 1)])


def test_texture_energy_and_edge_density_against_loops():
    rng = np.random.default_rng(0)
    gray = rng.random((9, 7))
    image = np.repeat(gray[..., None], 3, axis=-1)  # luminance = gray
    assert evaluation.texture_energy(image) == pytest.approx(_laplacian_loop(gray), rel=1e-5)
    ramp = np.repeat(np.linspace(0, 1, 8)[None, :, None], 8, axis=0).repeat(3, axis=-1)
    assert evaluation.texture_energy(ramp) == pytest.approx(0.0, abs=1e-12)
    # a vertical step edge: only the two columns beside it see a gradient of 1/2 > 0.1
    step = np.zeros((6, 6, 3))
    step[:, 3:] = 1.0
    assert evaluation.edge_density(step) == pytest.approx(2 / 4)
    assert evaluation.edge_density(step, threshold=0.6) == 0.0
    loop = np.mean([np.hypot((gray[i, j + 1] - gray[i, j - 1]) / 2, (gray[i + 1, j] - gray[i - 1, j]) / 2) > 0.1
                    for i in range(1, 8) for j in range(1, 6)])
    assert evaluation.edge_density(image) == pytest.approx(loop)
