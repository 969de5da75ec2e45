"""How fast does a trained style generator paint a photo, against Gatys (`nst.stylize`) on the same photo?

    .venv/bin/python bench/stylize_speed.py                       # ≈ 6 min on 2 cores
    .venv/bin/python bench/stylize_speed.py --sizes 256 --gatys-sizes 256 --runs 5

Per size (a square crop of Tübingen, resized): the median over ``--runs`` calls (after two warm-up calls
that trace the graph) of

- the shipped generator through `stylenet.stylize_with` (compiled graph; the measured default),
- the same network called eagerly, layer by layer (`generator(batch)`: Keras' default),
- Johnson et al.'s shape at the same width (9×9 end convolutions at full resolution, no pixel folding),
  untrained — latency does not depend on the weights,

and, as the reference, one `nst.stylize` run (our fastest recipe, `nst.FAST`: L-BFGS, ``--gatys-steps``
steps) on the same photo. Ratios are against the shipped generator in the same run.

Quality at 256 px (the target: a style distance within 1.5× of Gatys'): `metrics.style_distance` of the
generator's and of Gatys' result against the painting at 256 px, and `metrics.content_preservation`.
Training time per style: read from each shipped generator's provenance record.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time


def median_ms(function, runs: int) -> float:
    for _ in range(2):  # trace + warm caches
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night", help="a shipped style")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--gatys-sizes", type=int, nargs="*", default=[256, 512])
    parser.add_argument("--gatys-steps", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from ganstyle_edu import config

    config.setup(seed=0)
    import numpy as np

    from ganstyle_edu import data, metrics, models, nst, stylenet
    from ganstyle_edu.images import center_crop, resize

    generator, record = stylenet.pretrained(args.style)
    cfg = record["config"]
    johnson = models.build_style_generator(cfg["width"], cfg["num_residual"], shuffle=1, in_kernel=9, out_kernel=9)
    photo = data.sample("tubingen")
    painting = data.sample(args.style)
    print(f"style generator {args.style}: width {cfg['width']}, {cfg['num_residual']} residual blocks, pixel folding "
          f"{cfg['shuffle']}×{cfg['shuffle']}, kernels {cfg['in_kernel']}/{cfg['out_kernel']}, "
          f"{generator.count_params():,} parameters; Johnson's shape at that width: {johnson.count_params():,}")
    print(f"median of {args.runs} runs after 2 warm-up runs; Gatys: nst.FAST, {args.gatys_steps} L-BFGS steps\n")
    print(f"{'size':>6} {'generator ms':>13} {'eager call ms':>14} {'Johnson shape ms':>17} {'Gatys s':>9} "
          f"{'Gatys / generator':>18}")
    results = {}
    for size in args.sizes:
        square = resize(center_crop(photo, min(photo.shape[:2])), size)  # (size, size, 3)
        batch = square[None]  # (1, size, size, 3)
        row = {"generator_ms": median_ms(lambda: stylenet.stylize_with(generator, square), args.runs),
               "eager_ms": median_ms(lambda: np.asarray(generator(batch, training=False)), args.runs),
               "johnson_ms": median_ms(lambda: stylenet.stylize_with(johnson, square), args.runs)}
        if size in args.gatys_sizes:
            gatys_config = dataclasses.replace(nst.FAST, size=size, num_steps=args.gatys_steps)
            start = time.perf_counter()
            gatys = nst.stylize(square, painting, gatys_config).image
            row["gatys_s"] = time.perf_counter() - start
            if size == 256:
                target = resize(painting, 256)
                ours = stylenet.stylize_with(generator, square)
                row["quality"] = {name: {"style_distance": metrics.style_distance(image, target),
                                         "content_ssim": metrics.content_preservation(image, square)}
                                  for name, image in (("generator", ours), ("gatys", gatys))}
        results[size] = row
        gatys = f"{row['gatys_s']:9.1f} {1000 * row['gatys_s'] / row['generator_ms']:17.0f}×" if "gatys_s" in row else \
            f"{'—':>9} {'—':>18}"
        print(f"{size:>6} {row['generator_ms']:13.1f} {row['eager_ms']:14.1f} {row['johnson_ms']:17.1f} {gatys}",
              flush=True)
    if 256 in results and "quality" in results[256]:
        quality = results[256]["quality"]
        ratio = quality["generator"]["style_distance"] / quality["gatys"]["style_distance"]
        print(f"\nquality at 256 px against {args.style} at 256 px:")
        for name, values in quality.items():
            print(f"  {name:9s} style distance {values['style_distance']:.4g}   content SSIM {values['content_ssim']:.3f}")
        print(f"  generator / Gatys style distance: {ratio:.2f}× (target ≤ 1.5×)")
    print("\ntraining time of each shipped style (from its provenance record):")
    for name in stylenet.shipped_styles():
        provenance = json.loads((stylenet.WEIGHTS_DIR / f"{name}.json").read_text())
        c = provenance["config"]
        print(f"  {name:14s} {provenance['steps']} steps × batch {c['batch_size']} × {c['crop_size']} px crops: "
              f"{provenance['train_seconds'] / 60:.1f} min (λ_adv = {c['adversarial_weight']:g})")


if __name__ == "__main__":
    main()
