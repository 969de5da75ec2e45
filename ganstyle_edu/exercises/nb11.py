"""Notebook 11's exercises (11_training_on_more_machines): the per-replica losses whose gradients add up to the
global mean's, the batch an unsynchronised batch normalisation sees, and the images a mirrored run processes.

``EXERCISES`` lists them in order; ``ganstyle_edu.exercises`` collects them into its registry. Introduced in
notebook 11.
"""
from __future__ import annotations

import numpy as np

from .checking import Exercise, Mistake, check_float, check_function

EXERCISES: list[Exercise] = []


def _replica_losses_reference(per_image_losses, replicas):
    losses = np.asarray(per_image_losses, dtype=np.float64)
    per_replica = len(losses) // replicas
    return np.array([losses[r * per_replica:(r + 1) * per_replica].mean() / replicas for r in range(replicas)])


def _replica_losses_solution(per_image_losses, replicas):
    losses = np.asarray(per_image_losses, dtype=np.float64)
    shares = losses.reshape(replicas, -1)  # (B,) -> (R, b): replica r holds images r·b … (r+1)·b − 1
    return shares.mean(axis=1) / replicas  # (R,): each local mean ÷ R; their sum is the global mean


def _replica_losses_cases():
    rng = np.random.default_rng(11)
    return [(rng.standard_normal(8), 2), (rng.standard_normal(12) + 3, 4), (rng.standard_normal(6), 1)]


def _unscaled_replica_losses(losses, replicas):
    return np.asarray(losses, float).reshape(replicas, -1).mean(axis=1)  # (B,) -> (R, b) -> (R,)


def _replica_losses_over_global_batch(losses, replicas):
    return _unscaled_replica_losses(losses, replicas) / len(losses)


_REPLICA_LOSS_MISTAKES = (
    Mistake(_unscaled_replica_losses, "not scaled: the all-reduce adds R gradients, R times the global mean's"),
    Mistake(_replica_losses_over_global_batch, "divided by the global batch after taking the mean: divide by R"),
    Mistake(lambda x, r: np.asarray(x, float).reshape(-1, r).mean(axis=0) / r,
            "interleaved: replica r holds a contiguous block of b images"))

EXERCISES.append(Exercise(
    id="11.1",
    task="Write replica_losses(per_image_losses, replicas): the B per-image losses of a global batch, split in order "
         "over R replicas of b = B/R images; return the R losses the replicas differentiate, scaled so that the "
         "sum of their gradients is the gradient of the global mean.",
    check=lambda f: check_function(f, _replica_losses_reference, _replica_losses_cases(), _REPLICA_LOSS_MISTAKES,
                                   describe="B = 8, 12 and 6 over 2, 4 and 1 replicas"),
    hint="each replica's local mean, divided by R (equivalently: its local sum divided by the global batch B).",
    solution=_replica_losses_solution, mistakes=_REPLICA_LOSS_MISTAKES,
    wrong=((lambda x, r: np.asarray(x, float).reshape(r, -1).sum(axis=1), "largest difference"),),
))

_BATCH_NORM_MISTAKES = (
    Mistake(32, "that is the synchronised layer: without synchronized=True each replica sees only its share"),
    Mistake(4, "that is the number of replicas"),
    Mistake(128, "the global batch is already split, not copied"))

EXERCISES.append(Exercise(
    id="11.2",
    task="Predict: a global batch of 32 over 4 replicas, batch normalisation not synchronised. Over how many "
         "images does each replica's batch normalisation take its mean and variance?",
    check=lambda answer: check_float(answer, 8, 0.01, _BATCH_NORM_MISTAKES),
    hint="b = B / R images per replica; an unsynchronised layer sees only its own.",
    solution=lambda: 8, answer_is_function=False, mistakes=_BATCH_NORM_MISTAKES,
    wrong=((16, "too high"), ("8", "a number")),
))

_IMAGE_COUNT_MISTAKES = (
    Mistake(64000, "the global batch is already the batch of both replicas together: 32 per step, not 2 × 32"),
    Mistake(16000, "that is one replica's share"))

EXERCISES.append(Exercise(
    id="11.3",
    task="Predict: a mirrored run on 2 GPUs takes 1,000 steps at a global batch of 32. How many training images "
         "does it process in total (both GPUs together)?",
    check=lambda answer: check_float(answer, 32000, 0.5, _IMAGE_COUNT_MISTAKES),
    hint="one step consumes one global batch, split between the replicas.",
    solution=lambda: 32 * 1000, answer_is_function=False, mistakes=_IMAGE_COUNT_MISTAKES,
    wrong=((1000, "too low"),),
))
