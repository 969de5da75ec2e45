"""Painting-patch GAN: sample quality on crops it never saw, with and without DiffAugment, at equal budget.

    .venv/bin/python bench/painting_gan_quality.py                        # 2 × 2400 steps, ≈ 20 min on 2 cores
    .venv/bin/python bench/painting_gan_quality.py --steps 300 --policies "" color,translation,cutout
    .venv/bin/python bench/painting_gan_quality.py --save-best trained_gans   # keep the better pair's weights

Held-out set: the last quarter of the painting's longer side (``PaintingGANConfig.heldout_fraction`` = 0.25;
Starry Night at 320 px: columns 240–319, the village and the hills). No training crop touches it.

Per recipe (same seed, steps, batch and widths; only ``augment`` differs), 500 samples against 500 held-out
crops:

* **KID** (`metrics.kid`, bundled VGG16 relu3_1/4_1/5_1, standardised features, subsets of 250): lower
  is better. The reference row "training-region crops" is real crops of the part of the painting the
  GANs trained on, against the same held-out crops: what a generator that copies the training region
  perfectly would score. Because the features are standardised per comparison, KID here measures how
  separable two sets are; compare rows of this run, not with papers.
* **diversity** (`metrics.sample_diversity`, mean pairwise L2 distance in [−1, 1] pixels; the training region's
  crops' is printed beside it), **nearest-crop distance** (median L2 distance from each sample to its
  nearest of 2000 training crops, `gan.nearest_training_crops`: small = copying), **checkerboard energy**
  (`models.checkerboard_energy`).

The shipped pair (``paintgan.pretrained_gan``) is scored on the same held-out crops; a pair whose record
says ``heldout_fraction`` 0 trained on the whole painting, held-out strip included, and the table says so.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NUM_SAMPLES = 500
SUBSET = 250


def score(samples, heldout, train_crops) -> dict:
    """The four measures of one set of samples in [−1, 1] against the held-out and the training crops."""
    import numpy as np

    from ganstyle_edu import gan, metrics, models
    from ganstyle_edu.images import to_unit

    _, distances = gan.nearest_training_crops(samples, train_crops)
    return {"kid": metrics.kid(to_unit(samples), to_unit(heldout), subset_size=SUBSET, num_subsets=50),
            "diversity": metrics.sample_diversity(samples[:200]),
            "nearest_crop": float(np.median(distances)),
            "checkerboard": models.checkerboard_energy(samples)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--policies", nargs="+", default=["", "color,translation,cutout"],
                        help='DiffAugment policies to compare ("" = none)')
    parser.add_argument("--save-best", default=None, help="folder for the lowest-KID pair's weights and record")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)

    from ganstyle_edu import config
    config.setup(seed=0)
    from ganstyle_edu import paintgan

    base = paintgan.PaintingGANConfig(style=args.style, num_steps=args.steps)
    heldout = paintgan.heldout_crops(base, NUM_SAMPLES)  # (500, 64, 64, 3) in [−1, 1]
    train_crops = paintgan.real_crops(base, 2000, seed=base.seed)  # the first 2000 crops training draws
    reference = paintgan.real_crops(base, NUM_SAMPLES, seed=11)
    region, held_region = paintgan.painting_regions(base)
    print(f"{args.style}: training region {region.shape[0]}×{region.shape[1]} px, held-out region "
          f"{held_region.shape[0]}×{held_region.shape[1]} px (the last {base.heldout_fraction:.0%} of the longer side); "
          f"{NUM_SAMPLES} samples vs {NUM_SAMPLES} held-out crops")

    rows = [{"recipe": "training-region crops (reference)", **score(reference, heldout, train_crops)}]
    best = None
    for policy in args.policies:
        cfg = dataclasses.replace(base, augment=policy)
        start = time.perf_counter()
        model, record = paintgan.train_gan(cfg)
        seconds = time.perf_counter() - start
        samples = model.generate(NUM_SAMPLES, seed=123)
        row = {"recipe": f"augment={policy or 'none'}", "steps": args.steps, "train_seconds": round(seconds, 1),
               **score(samples, heldout, train_crops)}
        rows.append(row)
        print(f"  {row['recipe']}: KID {row['kid']:.3f} ({seconds:.0f} s)", flush=True)
        if best is None or row["kid"] < best[0]["kid"]:
            best = (row, model, record)
    for name in paintgan.shipped_gans():
        if name != args.style:
            continue
        model, record = paintgan.pretrained_gan(name)
        held = record["config"].get("heldout_fraction", 0.0)
        note = "" if held else " — trained on the whole painting, held-out strip included"
        rows.append({"recipe": f"shipped ({record['steps']} steps, augment={record['config'].get('augment') or 'none'}){note}",
                     **score(model.generate(NUM_SAMPLES, seed=123), heldout, train_crops)})

    real_diversity = rows[0]["diversity"]
    print(f"\n{'recipe':62} {'KID':>7} {'diversity':>10} {'nearest':>8} {'checker':>8}")
    for row in rows:
        print(f"{row['recipe'][:62]:62} {row['kid']:7.3f} {row['diversity']:10.1f} {row['nearest_crop']:8.1f} "
              f"{row['checkerboard']:8.3f}")
    print(f"(diversity of real training-region crops: {real_diversity:.1f}; KID on standardised VGG16 features, "
          f"{NUM_SAMPLES} vs {NUM_SAMPLES}, subsets of {SUBSET})")
    if args.save_best and best is not None:
        row, model, record = best
        record["bench"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
        print(f"saved the {row['recipe']} pair to {paintgan.save_gan(model, record, args.save_best)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"style": args.style, "heldout": "the last 25 % of the longer side",
                                               "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
