"""Train a candidate for the shipped six-style network (notebook 06), resumably, on the shipped recipe.

    .venv/bin/python tools/train_shipped_styles.py            # 8000 steps; resumes from its checkpoints
    .venv/bin/python tools/train_shipped_styles.py --steps 2000 --out /tmp/pilot
    .venv/bin/python tools/train_shipped_styles.py --init-from ganstyle_edu/weights/styles.weights.h5 \
        --crop-size 256 --steps 4000 --checkpoints DIR --out DIR   # continue the shipped network on 256-px crops

The shipped network is two runs of this tool: the first command above (8000 steps from scratch), then
``--init-from`` its weights ``--noise-sigma 0.1 --steps 1500`` (the same recipe with a noise input channel, whose
weights start at zero). A run from ``--init-from`` keeps the record of the network it started from under
``"continues"`` (``provenance.lineage``).

The recipe is ganstyle_edu.styleconfig.shipped_recipe — what `ganstyle-edu train-style` trains by default
(128-px crops, batch 4, content at block3_conv3): Gatys' five style layers, each weighted 1/D̄_l, β and the
network's shape chosen by the pilots of bench/style_levers.py (bilinear up-sampling: with nearest up-sampling and U-Net skips the network paints a plaid
of streaks; one stride-2 step: with two it paints blobs at its bottleneck's scale). It trains the six
bundled paintings from scratch (a copy of the photo first, on pixels, then the style term rising), or from
``--init-from``, a generator of the same shape (then with a short warm-up only). Checkpoints go to
``--checkpoints`` (default ~/.cache/ganstyle-edu/shipped_styles/RECIPE/), outside the work tree; the finished
network and its provenance record go to ``--out``.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

STYLES = ("starry_night", "the_scream", "great_wave", "shipwreck", "udnie", "woman_with_a_hat")
RECIPE = "painterly_b15e6_bilinear_down1"
CACHE = Path(os.environ.get("GANSTYLE_CACHE", Path.home() / ".cache" / "ganstyle-edu")) / "shipped_styles" / RECIPE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--init-from", default=None, help="a trained generator of the same shape to start from "
                        "(default: from scratch)")
    parser.add_argument("--crop-size", type=int, default=None, help="training crops' side in pixels (default: the "
                        "recipe's 128; 256 holds strokes at the painting's scale, at 4x the cost of a step)")
    parser.add_argument("--noise-sigma", type=float, default=None, help="σ of a noise input channel (default: none); "
                        "from --init-from without one, the network starts exactly where that one is")
    parser.add_argument("--content-weight", type=float, default=None, help="the content term's weight (default: "
                        "the recipe's 1e4; 256-px crops keep less of the photo, and 1.5e4 pays that back)")
    parser.add_argument("--checkpoints", default=str(CACHE / "checkpoints"))
    parser.add_argument("--out", default=str(CACHE / "finished"))
    parser.add_argument("--every", type=int, default=250, help="checkpoint every N steps")
    args = parser.parse_args()

    from ganstyle_edu import config
    config.setup(seed=0)
    from ganstyle_edu import styleconfig, stylenet

    source = Path(args.init_from) if args.init_from else None
    start = dict(init_from=str(source), identity_steps=0, style_warmup_steps=200) if source else {}  # else the defaults
    if args.crop_size:
        start["crop_size"] = args.crop_size
    if args.noise_sigma is not None:
        start["noise_sigma"] = args.noise_sigma
    if args.content_weight is not None:
        start["content_weight"] = args.content_weight
    recipe = styleconfig.shipped_recipe(STYLES, num_steps=args.steps, **start)
    trainer = stylenet.StyleNetTrainer(recipe)
    step = trainer.restore_checkpoint(args.checkpoints)
    print(f"style layer weights {trainer.config.style_layer_weights}; " +
          (f"resumed at step {step}" if step else "from the start"), flush=True)

    def report(t):
        t.save_checkpoint(args.checkpoints)
        last = {k: "—" if math.isnan(v[-1]) else f"{v[-1]:.3g}"  # the history holds NaN where a term was not computed
                for k, v in t.history.items() if k != "step"}
        print(f"step {t.step_count}/{args.steps}: " + ", ".join(f"{k} {v}" for k, v in last.items()) +
              f" ({t.seconds:.0f} s)", flush=True)

    trainer.train(callback=report, every=args.every)
    path = trainer.save(args.out)
    origin = f"{source} (sha256 {hashlib.sha256(source.read_bytes()).hexdigest()[:16]}…)" if source else "scratch"
    print(f"saved {path}; started from {origin}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
