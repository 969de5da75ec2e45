"""Train a candidate for the shipped six-style network (notebook 06), resumably, on the PAINTERLY recipe.

    .venv/bin/python tools/train_shipped_styles.py            # ≈ 8000 steps; resumes from its checkpoints
    .venv/bin/python tools/train_shipped_styles.py --steps 2000 --out /tmp/pilot

The recipe is PAINTERLY below on StyleNetConfig's other defaults (Gatys' five style layers, each weighted 1/D̄_l,
β = 1.5e7, content at block3_conv3, 128-px crops, batch 4), for the six bundled paintings, started from the
shipped network's weights (``--init-from``; its convolutions already turn photos into features, so no identity phase is needed) with a
short style warm-up. Checkpoints go to ``--checkpoints`` (default ~/.cache/ganstyle-edu/shipped_styles/), outside
the work tree; the finished network and its provenance record go to ``--out``.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

STYLES = ("starry_night", "the_scream", "great_wave", "shipwreck", "udnie", "woman_with_a_hat")
# Gatys' five style layers, each weighted 1/D̄_l (its mean Gram distance over the bundled paintings), and the β
# chosen by short pilots scored on held-out photos (bench/style_levers.py: b1e7 … b3e7); content stays at block3_conv3
PAINTERLY = dict(style_layers=("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"),
                 style_layer_weights="balanced", style_weight=1.5e7, content_layer="block3_conv3")
CACHE = Path(os.environ.get("GANSTYLE_CACHE", Path.home() / ".cache" / "ganstyle-edu")) / "shipped_styles"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--init-from", default=None, help="a trained generator to start from (default: the shipped one)")
    parser.add_argument("--checkpoints", default=str(CACHE / "checkpoints"))
    parser.add_argument("--out", default=str(CACHE / "finished"))
    parser.add_argument("--every", type=int, default=250, help="checkpoint every N steps")
    args = parser.parse_args()

    from ganstyle_edu import config
    config.setup(seed=0)
    from ganstyle_edu import shipped, stylenet

    source = Path(args.init_from) if args.init_from else CACHE / "init" / "styles.weights.h5"
    if not args.init_from and not source.is_file():  # keep a copy: the shipped file is replaced by this run's
        source.parent.mkdir(parents=True, exist_ok=True)
        for path in (shipped.STYLE_NETWORK, shipped.record_path(shipped.STYLE_NETWORK)):
            (source.parent / path.name).write_bytes(path.read_bytes())
    recipe = stylenet.StyleNetConfig(styles=STYLES, num_steps=args.steps, init_from=str(source), identity_steps=0,
                                     style_warmup_steps=200, **PAINTERLY)
    trainer = stylenet.StyleNetTrainer(recipe)
    step = trainer.restore_checkpoint(args.checkpoints)
    print(f"style layer weights {trainer.config.style_layer_weights}; " +
          (f"resumed at step {step}" if step else "from the start"), flush=True)

    def report(t):
        t.save_checkpoint(args.checkpoints)
        last = {k: v[-1] for k, v in t.history.items()}
        print(f"step {t.step_count}/{args.steps}: content {last['content']:.3g}, style {last['style']:.3g}, "
              f"tv {last['tv']:.3g} ({t.seconds:.0f} s)", flush=True)

    trainer.train(callback=report, every=args.every)
    path = trainer.save(args.out)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    print(f"saved {path}; started from {source} (sha256 {digest[:16]}…)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
