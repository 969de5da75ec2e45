"""Painting-patch GAN recipes: sample quality on crops no network saw, over three seeds each.

    .venv/bin/python bench/painting_gan_quality.py                                  # the table, ≈ 2 h on 2 cores
    .venv/bin/python bench/painting_gan_quality.py --recipes spatial --seeds 0 --steps 600   # a pilot
    .venv/bin/python bench/painting_gan_quality.py --save spatial trained_gans     # keep seed 0's pair
    .venv/bin/python bench/painting_gan_quality.py --recipes spatial_d2 spatial_c8_d2 --seeds 0 --steps 1200 \
        --sheet samples.jpg                  # 36 samples of each recipe's seed 0 beside 36 held-out crops

Held-out set: the last quarter of the painting's longer side (``PaintingGANConfig.heldout_fraction`` = 0.25;
The Starry Night, landscape: the right-hand quarter — the village's right half, the hills and the moon's
sky). No training crop touches it. Each recipe names its scale (``max_side``, ``crop_size``); the held-out
crops, the training crops and the floor are drawn at that scale, so rows compare within one scale.

Per recipe and seed, 500 samples against 500 held-out crops:

* **KID** (`metrics.kid`, bundled VGG16 relu3_1/4_1/5_1, standardised features, 50 subsets of 250) with its
  standard error over subsets; per recipe, the median over seeds and the standard error over seeds. The
  **floor** is real crops of the training region against the same held-out crops (three draws): what a
  generator that reproduced the training region exactly would score. Standardised features make KID measure
  how separable two sets are; compare rows of one scale, not with papers.
* **SWD** of 7×7 patches (`metrics.sliced_wasserstein`, mean over 3 levels) between a mosaic of 64 samples
  and one of 64 held-out crops;
* **period-8 and period-2 energy** (`models.checkerboard_energy`): the share of the variance in a pattern that
  repeats every 8 (the DCGAN's seed grid) or 2 pixels (transposed convolutions);
* **diversity** (`metrics.sample_diversity`, mean pairwise L2 in [−1, 1] pixels, 200 samples) and the
  **nearest-crop distance** (median L2 distance from a sample to its nearest of 2000 training crops,
  `gan.nearest_training_crops`; real held-out crops give the level of a new crop — below it is copying);
* the training time.

Runs are kept in ``~/.cache/ganstyle-edu/painting_gan/`` (checkpoints every 200 steps and scores), so a
stopped bench resumes and a finished run is not trained again. Each finished run's scores are also written to
``bench/results/painting_gan_runs/`` (committed): on a machine without the cache, a run recorded there is read
from its record instead of trained again, so a three-seed table can be completed over several sessions.
``--retrain`` ignores the records.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NUM_SAMPLES = 500
SUBSET = 250
CACHE = Path(os.environ.get("GANSTYLE_CACHE", Path.home() / ".cache" / "ganstyle-edu")) / "painting_gan"
RECORDS = Path(__file__).resolve().parent / "results" / "painting_gan_runs"
MEASURES = ("kid", "swd", "period8", "period2", "diversity", "nearest_crop")

# name: PaintingGANConfig fields (the rest are the defaults); the two scales are 320 px (the course's first) and
# 512 px (the bundled file's full size: strokes 1.6 times wider in pixels)
RECIPES = {
    "dcgan": {"recipe": "dcgan", "max_side": 320},
    "spatial": {"recipe": "spatial", "max_side": 320},
    "dcgan@512": {"recipe": "dcgan", "max_side": 512},
    "spatial@512": {"recipe": "spatial", "max_side": 512},
    "spatial_d2": {"recipe": "spatial", "max_side": 320, "d_layers": 2},
    "spatial_r1": {"recipe": "spatial", "max_side": 320, "r1_weight": 10.0},
    "spatial_c8_d2": {"recipe": "spatial", "max_side": 320, "noise_cell": 8, "d_layers": 2},
    "spatial_c8_d2@512": {"recipe": "spatial", "max_side": 512, "noise_cell": 8, "d_layers": 2},
}


def mosaic(images, side: int = 8):
    """side × side images (N, S, S, 3) laid out as one (side·S, side·S, 3) image."""
    import numpy as np

    tiles = np.asarray(images[: side * side])
    n, size = side, tiles.shape[1]
    return tiles.reshape(n, n, size, size, 3).transpose(0, 2, 1, 3, 4).reshape(n * size, n * size, 3)  # (nS, nS, 3)


def write_sheet(path, folders: dict, real: dict, style: str) -> None:
    """One image (PNG or JPEG, by the file's extension): a labelled panel of 6×6 tiles per trained recipe (its
    seed-0 run, the samples it was scored on) and per set of real crops, side by side; images in [−1, 1]."""
    import numpy as np
    from PIL import Image, ImageDraw

    from ganstyle_edu import paintgan

    rows = {}
    for name, folder in folders.items():
        model, _ = paintgan.load_gan(folder, style)
        rows[name] = model.generate(36, seed=123)  # the first 36 of the scored draw: z rows come in order
    rows.update({label: crops[:36] for label, crops in real.items()})
    tiles = [np.clip((mosaic(images, 6) + 1.0) * 127.5, 0, 255).astype(np.uint8) for images in rows.values()]
    side, label_height = max(t.shape[0] for t in tiles), 18
    sheet = Image.new("RGB", (sum(t.shape[1] + 8 for t in tiles), side + label_height), "white")
    draw, x = ImageDraw.Draw(sheet), 0
    for label, tile in zip(rows, tiles):
        sheet.paste(Image.fromarray(tile), (x, label_height))
        draw.text((x + 2, 3), label, fill="black")
        x += tile.shape[1] + 8
    sheet.save(path)
    print(f"wrote {path}: {', '.join(rows)}")


def score(samples, heldout, train_crops) -> dict:
    """Every measure of one set of samples in [−1, 1] against the held-out and the training crops."""
    import numpy as np

    from ganstyle_edu import gan, metrics, models
    from ganstyle_edu.images import to_unit

    _, distances = gan.nearest_training_crops(samples, train_crops)
    kid, kid_se = metrics.kid(to_unit(samples), to_unit(heldout), subset_size=SUBSET, num_subsets=50,
                              standard_error=True)
    return {"kid": kid, "kid_se": kid_se,
            "swd": metrics.sliced_wasserstein(to_unit(mosaic(samples)), to_unit(mosaic(heldout)))["mean"],
            "period8": models.checkerboard_energy(samples[:200], period=8),
            "period2": models.checkerboard_energy(samples[:200], period=2),
            "diversity": metrics.sample_diversity(samples[:200]),
            "nearest_crop": float(np.median(distances))}


def config_for(recipe: str, seed: int, steps: int | None, style: str):
    from ganstyle_edu import paintgan

    changes = {**RECIPES[recipe], "style": style, "seed": seed}
    if steps is not None:
        changes["num_steps"] = steps
    return paintgan.PaintingGANConfig(**changes)


def run(recipe: str, seed: int, steps: int | None, style: str, sets: dict, use_records: bool = True) -> dict:
    """Train (or resume, or reuse) one recipe at one seed and score it; a finished run's scores come from the
    cache, else from its committed record (unless ``use_records`` is False)."""
    from ganstyle_edu import paintgan

    config = config_for(recipe, seed, steps, style)
    folder = CACHE / f"{style}_{recipe}_{config.num_steps}_seed{seed}"
    scores, record_file = folder / "scores.json", RECORDS / f"{folder.name}.json"
    if scores.is_file():
        result = json.loads(scores.read_text())
        write_record(record_file, result)
        return result
    if use_records and record_file.is_file():
        print(f"  {recipe} seed {seed}: scores from its record {record_file.relative_to(RECORDS.parents[1])}")
        return json.loads(record_file.read_text())
    if (folder / f"{style}.json").is_file():
        model, record = paintgan.load_gan(folder, style)
    else:
        model, record = paintgan.train_gan(config, checkpoints=folder / "checkpoints", checkpoint_every=200)
        paintgan.save_gan(model, record, folder)
    held, train = sets[(config.max_side, config.crop_size)]
    result = {"recipe": recipe, "seed": seed, "steps": record["steps"], "train_seconds": record["train_seconds"],
              **score(model.generate(NUM_SAMPLES, seed=123), held, train)}
    scores.write_text(json.dumps(result, indent=1))
    write_record(record_file, result)
    return result


def write_record(path: Path, result: dict) -> None:
    """A finished run's scores (or the bench's results), written atomically (kept when already there and equal)."""
    text = json.dumps(result, indent=1) + "\n"
    if path.is_file() and path.read_text() == text:
        return
    from ganstyle_edu.images import atomic_write

    atomic_write(path, lambda stream: stream.write(text.encode()))


def reference_sets(config) -> tuple:
    """Held-out crops and the first 2000 training crops at a config's scale, both in [−1, 1]."""
    from ganstyle_edu import paintgan

    return paintgan.heldout_crops(config, NUM_SAMPLES), paintgan.real_crops(config, 2000, seed=config.seed)


def floor(config, sets) -> dict:
    """Real training-region crops (three draws) and real held-out crops (another draw) against the held-out set."""
    from ganstyle_edu import paintgan

    held, train = sets
    draws = [score(paintgan.real_crops(config, NUM_SAMPLES, seed=11 + i), held, train) for i in range(3)]
    other_held = paintgan.heldout_crops(config, NUM_SAMPLES, seed=7)
    return {"training-region crops": summarise(draws),
            "other held-out crops": summarise([score(other_held, held, train)])}


def summarise(results: list[dict]) -> dict:
    """Medians over seeds (or draws), and KID's standard error over them."""
    out = {key: statistics.median(r[key] for r in results) for key in MEASURES}
    out["kid_se_seeds"] = statistics.stdev(r["kid"] for r in results) / len(results) ** 0.5 if len(results) > 1 else 0.0
    out["kid_se_subsets"] = statistics.median(r["kid_se"] for r in results)
    out["seeds"] = len(results)
    if "train_seconds" in results[0]:
        out["train_seconds"] = statistics.median(r["train_seconds"] for r in results)
        out["steps"] = results[0]["steps"]
    return out


def print_table(scale, rows: dict) -> None:
    print(f"\nscale: the painting at {scale[0]} px on its long side, {scale[1]}-px crops")
    print(f"{'recipe':24s} {'KID':>7s} {'±seeds':>7s} {'±subsets':>8s} {'SWD':>6s} {'period8':>8s} {'period2':>8s} "
          f"{'diversity':>9s} {'nearest':>8s} {'seconds':>8s}")
    for name, row in rows.items():
        print(f"{name:24s} {row['kid']:7.3f} {row['kid_se_seeds']:7.3f} {row['kid_se_subsets']:8.3f} {row['swd']:6.0f} "
              f"{row['period8']:8.4f} {row['period2']:8.4f} {row['diversity']:9.1f} {row['nearest_crop']:8.1f} "
              f"{row.get('train_seconds', float('nan')):8.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=None, help="override every recipe's num_steps (pilots)")
    parser.add_argument("--retrain", action="store_true", help="train runs recorded in bench/results/painting_gan_runs "
                        "again instead of reading their scores")
    parser.add_argument("--save", nargs=2, metavar=("RECIPE", "DIR"), help="copy that recipe's seed-0 pair to DIR")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--sheet", default=None, help="an image file (.png or .jpg): per recipe, 6×6 samples of its seed-0 run (z seed "
                        "123, as scored), then 6×6 held-out crops of each scale")
    args = parser.parse_args(argv)

    from ganstyle_edu import config
    config.setup(seed=0)
    from ganstyle_edu import paintgan

    configs = {name: config_for(name, 0, args.steps, args.style) for name in args.recipes}
    scales = sorted({(c.max_side, c.crop_size) for c in configs.values()})
    sets = {scale: reference_sets(next(c for c in configs.values() if (c.max_side, c.crop_size) == scale))
            for scale in scales}
    table = {}
    for scale in scales:
        example = next(c for c in configs.values() if (c.max_side, c.crop_size) == scale)
        region, held_region = paintgan.painting_regions(example)
        print(f"{args.style} at {scale[0]} px: training region {region.shape[0]}×{region.shape[1]} px, held-out "
              f"region {held_region.shape[0]}×{held_region.shape[1]} px; {NUM_SAMPLES} samples vs {NUM_SAMPLES} held-out "
              f"{scale[1]}-px crops", flush=True)
        table[scale] = floor(example, sets[scale])
    runs = {}
    for name in args.recipes:
        runs[name] = [run(name, seed, args.steps, args.style, sets, not args.retrain) for seed in args.seeds]
        for result in runs[name]:
            print(f"  {name} seed {result['seed']}: KID {result['kid']:.3f} ± {result['kid_se']:.3f}, period-8 "
                  f"{result['period8']:.4f} ({result['train_seconds']:.0f} s)", flush=True)
        scale = (configs[name].max_side, configs[name].crop_size)
        table[scale][f"{name} ({runs[name][0]['steps']} steps)"] = summarise(runs[name])
    for scale in scales:
        print_table(scale, table[scale])
    print(f"\nKID: median over seeds; ±seeds: its standard error over seeds (floor: over 3 draws of real crops); "
          f"±subsets: the median standard error over 50 subsets of {SUBSET}")
    if args.save:
        recipe, directory = args.save
        model, record = paintgan.load_gan(CACHE / f"{args.style}_{recipe}_{configs[recipe].num_steps}_seed0", args.style)
        record["bench"] = {"recipe": recipe, **{k: v for k, v in runs[recipe][0].items() if k != "recipe"}}
        print(f"saved the {recipe} pair (seed 0) to {paintgan.save_gan(model, record, directory)}")
    if args.sheet:
        trained = {name: CACHE / f"{args.style}_{name}_{configs[name].num_steps}_seed0" for name in args.recipes}
        missing = [name for name, folder in trained.items() if not (folder / f"{args.style}.json").is_file()]
        if missing:
            print(f"the sheet leaves out {', '.join(missing)}: seed 0 was read from its record, its weights are not "
                  f"on this machine (--retrain trains it again)")
        write_sheet(args.sheet, {name: folder for name, folder in trained.items() if name not in missing},
                    {f"held-out crops, {scale[0]} px": sets[scale][0] for scale in scales}, args.style)
    if args.json:
        write_record(Path(args.json), {"style": args.style, "heldout": "the last 25 % of the longer side",
                                       "tables": {f"{s[0]}px_{s[1]}": t for s, t in table.items()}, "runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
