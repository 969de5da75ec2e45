"""What the adversarial term adds to a style network, at equal budget, over several seeds (notebook 06).

    .venv/bin/python bench/adversarial_term.py                          # 3 seeds × 600 steps, ≈ 40 min on 2 cores
    .venv/bin/python bench/adversarial_term.py --seeds 1 2 --steps 200 --json out.json

Both arms start from the same weights — the shipped network's Starry Night as a one-style network, every weight
trainable — and continue for the same number of steps on the same crops (same seed), Adam at a constant 1e-4:
λ = 0 (more of the same perceptual training) and λ > 0 (a fresh PatchGAN joins; λ is set so that the adversarial
term is about a tenth of the perceptual loss, as in notebook 06). Each seed changes the crops, the order and D's
start. Evaluation on the four held-out photos (``data/heldout``: evening_glow, flower, grace_hopper, tubingen —
never used for training), 256 px: style distance (Gatys' five layers, vs the painting), SWD (pixel statistics of
local patches, vs the painting) and content SSIM (vs the photo), and the same for the starting network. Prints the
means per arm and seed, and the paired difference λ > 0 − λ = 0 with its spread over seeds.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HELD_OUT = ("evening_glow", "flower", "grace_hopper", "tubingen")
METRICS = ("style_distance", "swd", "content_ssim")


def evaluate(stylize, photos, painting, save=None) -> dict:
    """Mean metrics over the photos; ``save(index, image)`` is called with each stylised photo if given."""
    from ganstyle_edu import metrics

    rows = []
    for index, photo in enumerate(photos):
        image = stylize(photo)
        if save is not None:
            save(index, image)
        rows.append({"style_distance": metrics.style_distance(image, painting),
                     "swd": metrics.sliced_wasserstein(image, painting)["mean"],
                     "content_ssim": metrics.content_preservation(image, photo)})
    return {key: statistics.fmean(row[key] for row in rows) for key in METRICS}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--json", default=None)
    parser.add_argument("--save-images", default=None,
                        help="folder for each arm's stylised held-out photos (PNG, SEED_ARM_PHOTO.png)")
    args = parser.parse_args(argv)
    from ganstyle_edu import config

    config.setup(seed=0)
    from ganstyle_edu import data, stylegen, stylenet
    from ganstyle_edu.images import resize, save_image

    photos = [data.sample(name, max_side=256) for name in HELD_OUT]
    painting = resize(data.sample("starry_night"), 256)
    shipped, record = stylenet.pretrained("starry_night")
    start_metrics = evaluate(lambda p: stylegen.stylize_with(shipped, p), photos, painting)
    adversarial_weight = float(f"{0.1 * record['mean_losses_last_50']['total']:.0e}")
    print(f"held-out photos: {', '.join(HELD_OUT)}; {args.steps} steps per arm; λ > 0 is {adversarial_weight:g}")
    print(f"{'start (shipped network)':34s} " + " ".join(f"{k} {v:.4g}" for k, v in start_metrics.items()), flush=True)
    results = {"held_out": HELD_OUT, "steps": args.steps, "adversarial_weight": adversarial_weight,
               "start": start_metrics, "runs": [],
               "start_weights_sha256": record["weights_sha256"]}  # which shipped network both arms started from
    for seed in args.seeds:
        base = stylenet.finetune_config("starry_night", train_norms_only=False, num_steps=args.steps,
                                        learning_rate=1e-4, final_learning_rate=1e-4, seed=seed)
        row = {"seed": seed}
        for label, weight in (("lambda_0", 0.0), ("lambda_adv", adversarial_weight)):
            trainer = stylenet.StyleNetTrainer(dataclasses.replace(base, adversarial_weight=weight))
            began = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - began
            save = None
            if args.save_images:
                folder = Path(args.save_images)
                folder.mkdir(parents=True, exist_ok=True)
                save = lambda index, image, label=label: save_image(  # noqa: E731
                    folder / f"{seed}_{label}_{HELD_OUT[index]}.png", image)
            row[label] = {**evaluate(trainer.stylize, photos, painting, save), "seconds": round(seconds, 1)}
            if weight:
                row[label]["d_real"] = statistics.fmean(trainer.history["d_real"][-50:])
                row[label]["d_fake"] = statistics.fmean(trainer.history["d_fake"][-50:])
            print(f"seed {seed} {label:10s} ({seconds:5.0f} s) " +
                  " ".join(f"{k} {row[label][k]:.4g}" for k in METRICS) +
                  (f" D(painting) {row[label]['d_real']:.2f} D(T(x)) {row[label]['d_fake']:.2f}" if weight else ""),
                  flush=True)
        results["runs"].append(row)
    print("paired difference λ > 0 − λ = 0 over seeds (mean ± sd; lower style distance and SWD, higher SSIM are better):")
    summary = {}
    for key in METRICS:
        differences = [run["lambda_adv"][key] - run["lambda_0"][key] for run in results["runs"]]
        relative = [d / run["lambda_0"][key] for d, run in zip(differences, results["runs"])]
        spread = statistics.stdev(differences) if len(differences) > 1 else float("nan")
        summary[key] = {"differences": differences, "mean": statistics.fmean(differences), "sd": spread,
                        "mean_relative": statistics.fmean(relative)}
        print(f"  {key:15s} {statistics.fmean(differences):+.4g} ± {spread:.2g} "
              f"({100 * statistics.fmean(relative):+.1f} %; per seed {', '.join(f'{d:+.3g}' for d in differences)})")
    results["summary"] = summary
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
