"""Notebook 09's exercises: the break-even number of photos of a trained network and the share of the way from the
photo to the reference a result covers (part 1, 09_evaluating_style_transfer), and Spearman's rank correlation
(part 2, 09_evaluating_style_transfer_part2).

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 09.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_function, check_whole_number

EXERCISES: list[Exercise] = []


def _average_ranks(values):
    values = np.asarray(values, np.float64)
    ranks = np.empty(len(values))
    for i, value in enumerate(values):
        ranks[i] = (values < value).sum() + ((values == value).sum() + 1) / 2  # ties share the average rank
    return ranks


def _spearman_reference(x, y):
    return float(np.corrcoef(_average_ranks(x), _average_ranks(y))[0, 1])


def _spearman_solution(x, y):
    def ranks(values):
        order = np.argsort(values, kind="stable")
        result = np.empty(len(values))
        result[order] = np.arange(1, len(values) + 1)
        for value in np.unique(values):  # ties: every tied value gets the mean of their ranks
            tied = values == value
            result[tied] = result[tied].mean()
        return result
    return float(np.corrcoef(ranks(np.asarray(x)), ranks(np.asarray(y)))[0, 1])


def _spearman_cases():
    rng = np.random.default_rng(13)
    x = rng.integers(0, 6, 20).astype(np.float64)  # many ties
    y = x ** 3 + rng.normal(0, 20, 20)
    return [(x, y), (np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 8.0, 27.0, 64.0, 1000.0]))]


def _ranks_without_ties(values):
    result = np.empty(len(values))
    result[np.argsort(values, kind="stable")] = np.arange(1, len(values) + 1)
    return result


_SPEARMAN_MISTAKES = (
    Mistake(lambda x, y: float(np.corrcoef(x, y)[0, 1]),
            "that is Pearson's correlation of the values: rank them first"),
    Mistake(lambda x, y: float(np.corrcoef(_ranks_without_ties(x), _ranks_without_ties(y))[0, 1]),
            "ties get different ranks: give tied values the mean of their ranks"))

EXERCISES.append(Exercise(
    id="09.1",
    task="Write spearman(x, y): Spearman's ρ, Pearson's correlation of the ranks, with tied values sharing their "
         "average rank.",
    check=lambda f: check_function(f, _spearman_reference, _spearman_cases(), _SPEARMAN_MISTAKES,
                                   describe="20 pairs with many ties and a monotone curve", atol=1e-9),
    hint="rank with np.argsort, then replace each tied group's ranks by their mean; np.corrcoef of the ranks.",
    solution=_spearman_solution, mistakes=_SPEARMAN_MISTAKES,
    wrong=((lambda x, y: -_spearman_reference(x, y), "largest difference"),),
))


_NETWORK_TIME = "that divides by the network's time: the saving per photo is Gatys' time minus it"
_BREAK_EVEN_MISTAKES = (
    Mistake(41, "rounded down: 41 photos save 41 · (114 − 0.10) s, less than the 4,754 s of training — round *up*, "
                "the break-even is the first whole photo past 41.7"),
    Mistake(int(round(4754 / 0.10)), _NETWORK_TIME))


def _check_break_even(answer) -> tuple[bool, str]:
    training, network, gatys = 4754.0, 0.10, 114.0
    return check_whole_number(answer, int(np.ceil(training / (gatys - network))), _BREAK_EVEN_MISTAKES,
                              missed="{answer:,} is not it: the smallest n with n · (114 − 0.10) ≥ 4,754",
                              correct="4,754 s / (114 − 0.10) s = 41.7 → {answer} photos",
                              what="a whole number of photos")


EXERCISES.append(Exercise(
    id="09.2",
    task="Predict, with round times that do not depend on your machine: training took 4,754 s; the network "
         "stylises a photo in 0.10 s, converged Gatys in 114 s. From which number of photos is the network cheaper "
         "in total?",
    check=_check_break_even, hint="n photos cost 4,754 + 0.10 n with the network, 114 n with Gatys.",
    solution=lambda: 42, answer_is_function=False, mistakes=_BREAK_EVEN_MISTAKES,
    wrong=((100, "is not it"), (41.7, "a whole number of photos")),
))


def _share_reference(photo_distance, result_distance, reference_distance):
    return (photo_distance - result_distance) / (photo_distance - reference_distance)


def _share_cases():
    return [(np.array([10.0, 8.0, 5.0]), np.array([3.0, 7.9, 5.5]), np.array([1.0, 2.0, 4.0]))]


_SHARE_MISTAKES = (
    Mistake(lambda p, r, g: r / p,
            "result / photo is the distance *left*, relative to the photo; measure the way covered"),
    Mistake(lambda p, r, g: (p - r) / p,
            "that divides by the photo's distance: the way runs to the reference, not to 0"),
    Mistake(lambda p, r, g: (r - g) / (p - g), "that is the share still to go: 1 minus it"))

EXERCISES.append(Exercise(
    id="09.3",
    task="Write share_of_the_way(photo_distance, result_distance, reference_distance): the share of the way from the "
         "photo (0) to the reference result (1) that a result covers, on any distance to the painting — how "
         "'93 % and 97 %' were computed. Works on arrays.",
    check=lambda f: check_function(f, _share_reference, _share_cases(), _SHARE_MISTAKES,
                                   describe="three results, one overshooting the reference"),
    hint="(photo − result) / (photo − reference).",
    solution=_share_reference, mistakes=_SHARE_MISTAKES,
    wrong=((lambda p, r, g: (p - r) / (p - g) * 100, "largest difference"),),
))
