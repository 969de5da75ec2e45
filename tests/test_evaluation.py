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


def _derivative(values, k):
    """d/dk of a 1-d sequence at k: central inside, one-sided at the two ends."""
    low, high = max(k - 1, 0), min(k + 1, len(values) - 1)
    return (values[high] - values[low]) / (high - low)


def test_texture_energy_and_edge_density_against_loops():
    rng = np.random.default_rng(0)
    gray = rng.random((9, 7)).astype(np.float32)
    image = np.repeat(gray[..., None], 3, axis=-1)  # luminance = gray
    assert evaluation.texture_energy(image) == pytest.approx(_laplacian_loop(gray), rel=1e-5)
    ramp = np.repeat(np.linspace(0, 1, 8)[None, :, None], 8, axis=0).repeat(3, axis=-1)
    assert evaluation.texture_energy(ramp) == pytest.approx(0.0, abs=1e-12)
    # a vertical step edge: only the two columns beside it see a gradient of 1/2 > 0.1; every pixel counts
    step = np.zeros((6, 6, 3))
    step[:, 3:] = 1.0
    assert evaluation.edge_density(step) == pytest.approx(2 / 6)
    assert evaluation.edge_density(step, threshold=0.6) == 0.0
    # on the border the difference is one-sided: a step between the first two columns is 1 there, 1/2 beside it
    edge = np.zeros((4, 5, 3))
    edge[:, 1:] = 1.0
    assert evaluation.edge_density(edge, threshold=0.6) == pytest.approx(1 / 5)
    assert evaluation.edge_density(edge, threshold=0.4) == pytest.approx(2 / 5)
    loop = np.mean([np.hypot(_derivative(gray[i], j), _derivative(gray[:, j], i)) > 0.1
                    for i in range(9) for j in range(7)])
    assert evaluation.edge_density(image) == pytest.approx(loop)
    with pytest.raises(ValueError, match="one image"):
        evaluation.edge_density(image[None])


def test_edge_density_is_latents_on_one_image():
    """One definition: evaluation.edge_density (one image → float) is latent.edge_density (a batch → (N,))."""
    from ganstyle_edu import latent

    rng = np.random.default_rng(1)
    batch = rng.random((5, 12, 17, 3)).astype(np.float32)
    batch[1] = 0.5                                     # flat: no edges
    batch[2] = np.linspace(0, 1, 17)[None, :, None]    # a gentle ramp: gradient 1/16 everywhere
    batch[3, :, 9:] = 1.0                              # a step on noise
    batch[4] = np.round(batch[4])                      # black and white speckle: edges nearly everywhere
    for threshold in (0.05, 0.1, 0.3):
        per_batch = latent.edge_density(batch, threshold)
        assert per_batch.shape == (5,)
        one_by_one = [evaluation.edge_density(image, threshold) for image in batch]
        assert one_by_one == per_batch.tolist()  # equal, not just close: the same function
        assert isinstance(one_by_one[0], float)
    assert evaluation.edge_density(batch[1]) == 0.0 and evaluation.edge_density(batch[2], 0.05) == 1.0
    assert evaluation.edge_density(batch[4]) > 0.5


# --- The library twins (the test extra's scipy): the package keeps its readable versions, scipy checks them ---

def _scipy_stats():
    # 1.15: permutation_test(rng=...), pearsonr(axis=...)
    pytest.importorskip("scipy", minversion="1.15", reason="scipy (the test extra) is the twin of rank and spearman")
    return pytest.importorskip("scipy.stats")


def _rank_implementations():
    from ganstyle_edu.exercises import nb09

    return {"evaluation.rank": evaluation.rank, "exercise 09.1's reference": nb09._average_ranks}


_RANK_CASES = {
    "empty": [], "one": [3.0], "all tied": [5, 5, 5, 5], "runs of ties": [2.5, -1, 2.5, 7, -1, 2.5],
    "descending": list(range(9))[::-1], "infinities tie too": [np.inf, -np.inf, 1.0, np.inf, -np.inf],
    "one ulp apart": [1.0, 1.0 + 2 ** -52, 1.0], "signed zeros tie": [-0.0, 0.0, 1.0, -0.0],
    "random small integers": np.random.default_rng(0).integers(0, 6, 40),
    "random floats": np.random.default_rng(1).normal(size=50),
}


@pytest.mark.parametrize("implementation", ["evaluation.rank", "exercise 09.1's reference"])
@pytest.mark.parametrize("values", _RANK_CASES.values(), ids=_RANK_CASES.keys())
def test_average_ranks_match_scipy_rankdata(implementation, values):
    stats = _scipy_stats()
    expected = stats.rankdata(values)  # method="average"
    ranks = _rank_implementations()[implementation](values)
    assert ranks.shape == expected.shape
    np.testing.assert_array_equal(ranks, expected)  # sums of halves of integers: exact


_SPEARMAN_CASES = {
    "no ties": ([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]),
    "ties in y": ([1, 2, 3, 4], [7, 7, 8, 9]),
    "ties in both": ([1, 1, 2, 2, 3, 3, 4], [2, 1, 1, 3, 2, 4, 4]),
    "monotone, not linear": (np.arange(1, 8.0), np.arange(1, 8.0) ** 3),
    "reversed": ([0.5, 0.1, 0.3, 0.2], [1.0, 5.0, 3.0, 4.0]),
    "rho is zero": ([1, 2, 3, 4, 5], [2, 5, 3, 1, 4]),
    "three pairs, the least": ([1.0, 2.0, 3.0], [2.0, 1.0, 2.0]),
    "random, many ties": (np.random.default_rng(2).integers(0, 6, 30), np.random.default_rng(3).integers(0, 4, 30)),
    "random floats": (np.random.default_rng(4).normal(size=40), np.random.default_rng(5).normal(size=40)),
}


@pytest.mark.parametrize("x, y", _SPEARMAN_CASES.values(), ids=_SPEARMAN_CASES.keys())
def test_spearman_matches_scipy_spearmanr(x, y):
    from ganstyle_edu.exercises import nb09

    stats = _scipy_stats()
    expected = stats.spearmanr(x, y).statistic
    assert evaluation.spearman(x, y) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    for twin in (nb09._spearman_reference, nb09._spearman_solution):  # what exercise 09.1 grades against
        assert twin(np.asarray(x), np.asarray(y)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_spearman_of_a_constant_is_undefined_for_scipy_too():
    """scipy answers nan with a ConstantInputWarning where the package refuses with a ValueError."""
    stats = _scipy_stats()
    with pytest.warns(stats.ConstantInputWarning):
        assert np.isnan(stats.spearmanr([1, 2, 3], [5, 5, 5]).statistic)
    with pytest.raises(ValueError, match="constant"):
        evaluation.spearman([1, 2, 3], [5, 5, 5])


def _exact_permutation_p(stats, x, y):
    """scipy's exact two-sided-as-|ρ| p-value: every one of the n! pairings (the observed one among them);
    the statistic is Spearman's ρ as scipy defines it, Pearson's r of rankdata, vectorised over the pairings."""
    ranks_y = stats.rankdata(y)

    def abs_rho(x_permuted, axis=-1):
        return np.abs(stats.pearsonr(stats.rankdata(x_permuted, axis=axis), ranks_y, axis=axis).statistic)

    return stats.permutation_test((np.asarray(x, np.float64),), abs_rho, permutation_type="pairings",
                                  alternative="greater", vectorized=True, n_resamples=math.factorial(len(x)))


_PERMUTATION_CASES = {
    "perfect order": (np.arange(7.0), np.arange(7.0) ** 2),
    "perfectly reversed": (np.arange(6.0), -np.arange(6.0)),
    "ties in both": ([1, 1, 2, 2, 3, 3, 4], [2, 1, 1, 3, 2, 4, 4]),
    "ties, asymmetric null": ([0, 0, 0, 1, 1, 2], [1, 0, 2, 2, 1, 2]),
    "noise": (np.random.default_rng(1).random(8), np.random.default_rng(2).random(8)),
}


@pytest.mark.parametrize("x, y", _PERMUTATION_CASES.values(), ids=_PERMUTATION_CASES.keys())
def test_permutation_test_estimates_scipys_exact_p_value(x, y):
    """The package's p is a Monte Carlo estimate: N random shufflings of y, two-sided as |ρ_π| ≥ |ρ|, and the
    observed order counted as one more shuffling, p = (1 + #hits) / (N + 1). Its twin is
    scipy.stats.permutation_test with the statistic |ρ|, alternative="greater" and n_resamples ≥ n!, which
    enumerates all n! pairings exactly (the observed one is among them, so scipy adds nothing). scipy's
    alternative="two-sided" (twice the smaller one-sided p) is another test where ties make the null distribution
    asymmetric ("ties, asymmetric null": 0.5 there against 0.4 here), so it is not the twin. The estimate's
    expectation is (N · p_exact + 1) / (N + 1); with the fixed seed it lies within 4.5 standard errors of it."""
    stats = _scipy_stats()
    exact = _exact_permutation_p(stats, x, y)
    num_permutations = 4000
    result = evaluation.permutation_test(x, y, num_permutations=num_permutations, seed=0)
    assert result["statistic"] == pytest.approx(stats.spearmanr(x, y).statistic, rel=1e-12, abs=1e-12)
    assert abs(result["statistic"]) == pytest.approx(exact.statistic, rel=1e-12, abs=1e-12)
    expected = (num_permutations * exact.pvalue + 1) / (num_permutations + 1)
    standard_error = math.sqrt(exact.pvalue * (1 - exact.pvalue) / num_permutations)
    assert abs(result["p_value"] - expected) <= 4.5 * standard_error + 1e-12, (result["p_value"], exact.pvalue)


def test_permutation_test_p_value_is_one_where_scipy_says_so():
    """ρ = 0 exactly: every pairing is at least as extreme, p = 1 for the exact enumeration and the estimate."""
    stats = _scipy_stats()
    x, y = [1, 2, 3, 4, 5], [2, 5, 3, 1, 4]  # Σ d² = 20 = n (n² − 1) / 6
    assert _exact_permutation_p(stats, x, y).pvalue == 1.0
    assert evaluation.permutation_test(x, y, num_permutations=200)["p_value"] == 1.0


def test_permutation_test_counts_the_observed_order_as_scipys_random_resampling_does():
    """Both add the observed arrangement to N random ones, p = (hits + 1) / (N + 1): for a perfect order of 10
    pairs (2 of 10! pairings reach |ρ| = 1) both give the smallest p, 1 / (N + 1), never 0."""
    stats = _scipy_stats()
    x = np.arange(10.0)
    num_permutations = 999
    twin = stats.permutation_test((x,), lambda xp: abs(stats.spearmanr(xp, x ** 3).statistic),
                                  permutation_type="pairings", alternative="greater", n_resamples=num_permutations,
                                  rng=np.random.default_rng(0))
    ours = evaluation.permutation_test(x, x ** 3, num_permutations=num_permutations, seed=0)
    assert twin.pvalue == ours["p_value"] == 1 / (num_permutations + 1)
