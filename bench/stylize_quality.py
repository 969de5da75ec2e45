"""How good are the shipped style generators on photos they never saw, counted in Gatys iterations?

    .venv/bin/python bench/stylize_quality.py                     # every shipped style × 4 photos, ≈ 40 min on 2 cores
    .venv/bin/python bench/stylize_quality.py --styles starry_night --photos tubingen
    .venv/bin/python bench/stylize_quality.py --weights trained_styles/styles.weights.h5 --json out.json

Evaluation photos — ``data/heldout``, never used to train anything (training crops come from
``data/content`` only): evening_glow (a landscape), flower (a close-up), grace_hopper (a portrait) and
tubingen (a town). Each at 256 px on its long side.

Per style × photo:

1. T(x), the generator's output, scored with the loss it was trained on (`stylenet.trained_loss`: the
   layers, α, β and painting size of its provenance record, the terms of `nst.StyleContentLoss`, in
   float32; the TV weight is scaled to the same weight per pixel as training's).
2. Gatys — `nst.stylize`, L-BFGS on that same loss, starting from the photo — run until its loss is at
   most L(T(x)) (`nst.equivalent_iterations`): that first iteration is the **Gatys-equivalent
   iterations** of T on x. Johnson et al. (2016, Fig. 5) report 50–100 for their networks at 256 px.
   Starting from the photo is the strict count (its content loss is 0 at iteration 0); the count from white
   noise — the start of Gatys et al. and the default of jcjohnson's ``neural-style`` — is printed beside it.
3. For T(x) and for Gatys after 100 iterations: content SSIM (`metrics.content_preservation`, vs the
   photo), style distance (`metrics.style_distance`, Gatys' five layers, vs the painting at 256 px), SWD
   (`metrics.sliced_wasserstein`, mean over levels, vs the painting), checkerboard energy
   (`models.checkerboard_energy`, period 2) and the border band (`metrics.border_band`, 8 px).

Prints one row per pair, the median equivalent iterations per style and over all pairs, and the targets.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

HELD_OUT_NOTE = "landscape: evening_glow, close-up: flower, portrait: grace_hopper, town: tubingen"
SIZE = 256
SNAPSHOT = 100  # the Gatys result the image metrics compare with


def image_metrics(image, photo, painting) -> dict:
    from ganstyle_edu import metrics, models

    even = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]  # checkerboard_energy needs even sides
    return {"content_ssim": metrics.content_preservation(image, photo),
            "style_distance": metrics.style_distance(image, painting),
            "swd": metrics.sliced_wasserstein(image, painting)["mean"],
            "checkerboard": models.checkerboard_energy(even),
            "border_band": metrics.border_band(image)}


def evaluate_pair(generator, config, photo, painting, max_iterations: int, extractor, with_noise: bool = True) -> dict:
    """One style × one photo: the generator's loss, its Gatys-equivalent iterations, the image metrics."""
    import numpy as np

    from ganstyle_edu import nst, stylegen, stylenet

    start = time.perf_counter()
    stylised = stylegen.stylize_with(generator, photo)
    generator_seconds = time.perf_counter() - start
    loss_config = stylenet.trained_loss(config, photo.shape, num_steps=max_iterations)
    loss = nst.StyleContentLoss(photo, painting, loss_config, extractor)
    scores = {k: float(v) for k, v in loss(stylised[None]).items()}
    photo_loss = float(loss(photo[None])["total"])
    run = nst.equivalent_iterations(photo, painting, scores["total"], loss_config, snapshot_steps=(SNAPSHOT,),
                                    extractor=extractor)
    from_noise = nst.equivalent_iterations(photo, painting, scores["total"], loss_config, extractor=extractor,
                                           init="noise") if with_noise else None
    totals = run["history"]["total"]
    gatys = run["snapshots"][SNAPSHOT]
    target = painting  # the painting at the size its Gram targets were taken (style_size)
    return {"iterations": run["iterations"], "iterations_from_noise": from_noise and from_noise["iterations"],
            "generator_loss": scores, "photo_loss": photo_loss,
            "gatys_loss_at_100": totals[SNAPSHOT - 1], "gatys_iterations_run": len(totals),
            "gatys_seconds": run["seconds"], "generator_seconds": generator_seconds,
            "generator": image_metrics(stylised, photo, target), "gatys_100": image_metrics(gatys, photo, target),
            "images": {"generator": np.asarray(stylised), "gatys_100": np.asarray(gatys)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=None, help="a generator's .weights.h5 (default: the shipped ones)")
    parser.add_argument("--styles", nargs="*", default=None, help="styles to evaluate (default: all)")
    parser.add_argument("--photos", nargs="*", default=None, help="held-out photos (default: all of data/heldout)")
    parser.add_argument("--max-iterations", type=int, default=300,
                        help="Gatys iterations before giving up (the pair is then reported as '>N')")
    parser.add_argument("--no-noise", action="store_true", help="skip the second count, Gatys started from noise")
    parser.add_argument("--json", default=None, help="write every number to this JSON file")
    parser.add_argument("--sheet", default=None, help="write a PNG: photo, T(x), Gatys@100 per pair")
    args = parser.parse_args()

    from ganstyle_edu import config as run_config

    run_config.setup(seed=0)
    from pathlib import Path

    from ganstyle_edu import data, stylenet
    from ganstyle_edu.features import FeatureExtractor
    from ganstyle_edu.images import load_image, resize

    if args.weights:
        network, record = stylenet.load_generator(args.weights)
        sources = {name: args.weights for name in record["styles"]}
    else:
        sources = {name: None for name in stylenet.shipped_styles()}
    styles = args.styles or list(sources)
    unknown = [s for s in styles if s not in sources]
    if unknown:
        parser.error(f"--styles {unknown[0]}: not painted by these weights ({', '.join(sources)})")
    held_out = data.names("heldout")
    photos = args.photos or held_out
    trained_on = [p for p in photos if p not in held_out]
    if trained_on:
        parser.error(f"--photos {trained_on[0]}: not a held-out photo ({', '.join(held_out)}); quality is measured "
                     "on photos the networks never saw")

    print(f"held-out photos at {SIZE} px ({HELD_OUT_NOTE}); Gatys: L-BFGS from the photo on each network's own "
          f"loss, up to {args.max_iterations} iterations\n")
    rows, sheet = [], []
    extractors = {}
    for style in styles:
        if sources[style] is None:
            generator, record = stylenet.pretrained(style)
        else:
            generator, record = stylenet.load_generator(sources[style], style=style)
        config = stylenet.config_from_record(record)
        layers = tuple(dict.fromkeys(tuple(config.style_layers) + (config.content_layer,)))
        extractor = extractors.setdefault(layers, FeatureExtractor(list(layers)))
        source = dict(zip(config.style_names, config.styles))[style]  # a bundled name or the painting's path
        painting = resize(load_image(stylenet.style_path(source)), config.style_size)
        for name in photos:
            photo = data.sample(name, max_side=SIZE)
            result = evaluate_pair(generator, config, photo, painting, args.max_iterations, extractor,
                                   with_noise=not args.no_noise)
            images = result.pop("images")
            rows.append({"style": style, "photo": name, **result})
            sheet.append((photo, images["generator"], images["gatys_100"]))
            g, q = result["generator"], result["gatys_100"]
            its, noise = result["iterations"], result["iterations_from_noise"]
            shown = lambda n: f">{args.max_iterations}" if n is None else str(n)  # noqa: E731
            print(f"{style:16s} {name:13s} equivalent iterations {shown(its):>5} (from noise "
                  f"{'—' if args.no_noise else shown(noise):>5})"
                  f" | loss T(x) {result['generator_loss']['total']:.4g} (photo {result['photo_loss']:.4g}, "
                  f"Gatys@100 {result['gatys_loss_at_100']:.4g}) | SSIM {g['content_ssim']:.2f} vs {q['content_ssim']:.2f}"
                  f" | style dist {g['style_distance']:.3g} vs {q['style_distance']:.3g} | SWD {g['swd']:.0f} vs "
                  f"{q['swd']:.0f} | checker {g['checkerboard']:.1e} vs {q['checkerboard']:.1e} | border "
                  f"{g['border_band']:+.3f} vs {q['border_band']:+.3f}", flush=True)

    def value(row, key="iterations"):  # a pair Gatys did not reach within the cap counts as the cap (a lower bound)
        return args.max_iterations if row[key] is None else row[key]

    print("\nmedian Gatys-equivalent iterations per style (each over its photos): from the photo"
          + ("" if args.no_noise else "; from noise"))
    per_style, per_style_noise = {}, {}
    for style in styles:
        mine = [r for r in rows if r["style"] == style]
        per_style[style] = statistics.median(value(r) for r in mine)
        per_style_noise[style] = None if args.no_noise else statistics.median(value(r, "iterations_from_noise") for r in mine)
        print(f"  {style:16s} {per_style[style]:6.1f}" + ("" if args.no_noise else f"   {per_style_noise[style]:6.1f}"))
    overall = statistics.median(value(r) for r in rows)
    overall_noise = None if args.no_noise else statistics.median(value(r, "iterations_from_noise") for r in rows)
    print(f"  {'all pairs':16s} {overall:6.1f}" + ("" if args.no_noise else f"   {overall_noise:6.1f}")
          + "   (targets, from the photo: median ≥ 50, every style ≥ 25)")
    worse = [(r["style"], r["photo"]) for r in rows
             if r["generator"]["checkerboard"] > r["gatys_100"]["checkerboard"]
             or abs(r["generator"]["border_band"]) > abs(r["gatys_100"]["border_band"])]
    print(f"pairs whose checkerboard energy or |border band| exceeds Gatys@100's: {len(worse)} of {len(rows)}"
          + (f" ({', '.join(f'{s}/{p}' for s, p in worse)})" if worse else ""))
    summary = {"size": SIZE, "held_out": HELD_OUT_NOTE, "max_iterations": args.max_iterations, "rows": rows,
               "median_per_style": per_style, "median": overall, "median_per_style_from_noise": per_style_noise,
               "median_from_noise": overall_noise}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    if args.sheet:
        import numpy as np
        from PIL import Image

        height = SIZE
        tiles = [np.concatenate([resize(img, (height, round(img.shape[1] * height / img.shape[0]))) for img in triple],
                                axis=1) for triple in sheet]
        width = max(t.shape[1] for t in tiles)
        tiles = [np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=1.0) for t in tiles]
        Image.fromarray((np.clip(np.concatenate(tiles, axis=0), 0, 1) * 255).astype("uint8")).save(args.sheet)


if __name__ == "__main__":
    main()
