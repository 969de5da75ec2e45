"""How much sooner does `nst.stylize` reach the TensorFlow tutorial's result? Same loss, same run.

    .venv/bin/python bench/nst_speed.py --size 256                      # ≈ 20 min on 2 cores
    .venv/bin/python bench/nst_speed.py --size 512 --reference-steps 150 --variants "L-BFGS"

Reference: the TensorFlow style-transfer tutorial's recipe (`nst.TUTORIAL`): Adam lr 0.02, β1 0.99,
ε 0.1, a plain `tf.function` step, clip to [0, 1] after each step, `--reference-steps` steps (1000 in
the tutorial), content init. Every variant minimises the *same* loss — same feature network (the
bundled HED VGG16), layers, weights and images (Tübingen × The Starry Night) — and stops as soon as its
full-size loss is at or below the reference's final loss. Each run happens in its own process, one
after the other, so that each gets the whole machine and its own peak-memory reading. The wall time
counts the whole `stylize` call (targets, tracing, XLA compilation, the steps); loading TensorFlow and
the weights is excluded from every run alike.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time

VARIANTS = {
    "reference (tutorial Adam)": {},
    "L-BFGS": {"optimizer": "lbfgs", "jit_compile": False},
    "L-BFGS + XLA": {"optimizer": "lbfgs", "jit_compile": True},
    "L-BFGS + XLA + coarse-to-fine": {"optimizer": "lbfgs", "jit_compile": True, "scales": (0.5, 1.0),
                                      "coarse_fraction": None},
}


def run_one(name: str, size: int, reference_steps: int, max_steps: int, coarse_steps: int,
            target: float | None) -> dict:
    from ganstyle_edu import config

    config.setup(seed=0)
    from ganstyle_edu import data, nst

    content, style = data.sample("tubingen"), data.sample("starry_night")
    overrides = dict(VARIANTS[name])
    if overrides.get("coarse_fraction", 0) is None:
        overrides["coarse_fraction"] = coarse_steps / (coarse_steps + max_steps)
        overrides["num_steps"] = coarse_steps + max_steps
    else:
        overrides["num_steps"] = reference_steps if name.startswith("reference") else max_steps
    cfg = dataclasses.replace(nst.TUTORIAL, size=size, target_loss=target, **overrides)
    nst.StyleContentLoss(content[:32, :32], style[:32, :32], cfg)  # load the weights outside the timing
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = nst.stylize(content, style, cfg)
    seconds = time.perf_counter() - start
    history = result.history
    return {"name": name, "seconds": seconds, "loss": result.losses["total"], "steps": history["step"][-1],
            "evaluations": history["evaluations"][-1], "peak_rss_mb": resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_before_mb": rss_before / 1024,
            "reached": target is None or result.losses["total"] <= target,
            "losses": {k: result.losses[k] for k in ("style", "content", "tv")}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--reference-steps", type=int, default=1000)
    parser.add_argument("--max-steps", type=int, default=600, help="cap on full-size steps of each variant")
    parser.add_argument("--coarse-steps", type=int, default=60, help="half-size L-BFGS steps before full size")
    parser.add_argument("--variants", default=",".join(list(VARIANTS)[1:]),
                        help="comma-separated variants to run after the reference (default: all)")
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.size, args.reference_steps, args.max_steps, args.coarse_steps,
                                 args.target)))
        return

    def spawn(name, target=None):
        command = [sys.executable, __file__, "--only", name, "--size", str(args.size), "--reference-steps",
                   str(args.reference_steps), "--max-steps", str(args.max_steps), "--coarse-steps",
                   str(args.coarse_steps)] + (["--target", repr(target)] if target is not None else [])
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(f"  {row['name']:<32} {row['seconds']:7.1f} s  loss {row['loss']:.5g}  steps {row['steps']:>4}"
              f"  passes {row['evaluations']:>4}  peak RSS {row['peak_rss_mb']:.0f} MB"
              f"{'' if row['reached'] else '  (target NOT reached)'}", flush=True)
        return row

    print(f"Tübingen × The Starry Night, long side {args.size} px, feature network hed-vgg16", flush=True)
    chosen = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in VARIANTS]
    if unknown:
        parser.error(f"--variants: unknown {unknown}; choose from {list(VARIANTS)[1:]}")
    reference = spawn(list(VARIANTS)[0])
    rows = [reference] + [spawn(name, target=reference["loss"]) for name in chosen]
    print(f"\nreference: {args.reference_steps} Adam steps, final loss {reference['loss']:.5g}, "
          f"{reference['seconds']:.1f} s ({1000 * reference['seconds'] / args.reference_steps:.0f} ms/step)")
    print(f"{'variant':<32} {'time to reach':>14} {'speed-up':>9}")
    for row in rows:
        speedup = reference["seconds"] / row["seconds"]
        status = f"{row['seconds']:11.1f} s" if row["reached"] else "  not reached"
        print(f"{row['name']:<32} {status:>14} {speedup:8.2f}×")


if __name__ == "__main__":
    main()
