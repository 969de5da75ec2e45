"""The 2-D mode-coverage table (PacGAN, Lin et al. 2018, Table 1), plain GAN vs packing, 10 seeds.

    .venv/bin/python bench/toy2d_modes.py                  # the table, ≈ 8 min on 2 cores
    .venv/bin/python bench/toy2d_modes.py --json bench/results/toy2d_modes.json   # also for notebook 03
    .venv/bin/python bench/toy2d_modes.py --seeds 3 --ring-steps 2000 --grid-steps 3000
    .venv/bin/python bench/toy2d_modes.py --levers         # grid PacGAN4, one lever changed at a time, 2 seeds

Published setup (read from the authors' code, fjxmlzn/PacGAN): ring = 8 Gaussians of σ 0.01 on the unit
circle; grid = 25 of σ 0.05 at {−4, −2, 0, 2, 4}²; 2500 samples per run; high quality = within 3σ of the
nearest mode; a mode is covered if it owns a high-quality sample; reverse KL between the generated and the
uniform mode histogram. Their networks: G 4 × 400 with batch norm, D 3 maxout layers of 200 × 5 pieces,
Adam(1e-4, β1 0.8), batch 100, 400,000 updates — about 17 hours for 10 seeds on 2 cores here.

Ours (``toy2d.TABLE_RECIPES``), where it departs: G 3 × 64 (ReLU, no batch norm), D 2 × 64 (leaky ReLU, no
maxout); Adam(1e-3, β1 0.5) with a cosine decay to 5 %; ring 6,000 steps; grid 30,000 steps of 200 packed rows
with 2 D updates per G update. The seeds train side by side (weights
with a seed axis), so "s/run" is the row's wall time / seeds.

``--levers`` starts from the grid recipe and changes one thing at a time (2 seeds each, modes / HQ % / reverse
KL, and the time), so that each lever's share is measured, not assumed.
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

LEVERS = {
    "the grid recipe": {},
    "D 3 × 128 (wider)": {"discriminator_hidden": (128, 128, 128)},
    "batch 100": {"batch_size": 100},
    "1 D update per G update": {"critic_steps": 1},
    "no learning-rate decay": {"final_learning_rate_fraction": 1.0},
    "PacGAN2 instead of 4": {"packing": 2},
}


def levers(seeds: int, num_steps: int | None = None) -> None:
    from ganstyle_edu import toy2d

    base = dataclasses.replace(toy2d.Toy2DConfig(target="grid", packing=4, num_seeds=seeds),
                               **toy2d.TABLE_RECIPES["grid"])
    if num_steps:
        base = dataclasses.replace(base, num_steps=num_steps)
    print(f"grid, PacGAN4 unless said, {seeds} seeds, {base.num_steps} steps; one change at a time")
    print(f"{'change':28} {'modes':>6} {'HQ %':>6} {'rev KL':>7} {'s':>6}")
    for name, change in LEVERS.items():
        result = toy2d.run(dataclasses.replace(base, **change))
        s = result.summary
        print(f"{name:28} {s['modes'][0]:6.1f} {100 * s['high_quality'][0]:6.1f} {s['reverse_kl'][0]:7.2f} "
              f"{result.seconds:6.0f}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=None, help="seeds per row (default 10; 2 with --levers)")
    parser.add_argument("--ring-steps", type=int, default=None)
    parser.add_argument("--grid-steps", type=int, default=None)
    parser.add_argument("--levers", action="store_true", help="measure each lever of the grid recipe instead")
    parser.add_argument("--json", default=None, help="also write the table here (notebook 03 reads bench/results/)")
    args = parser.parse_args(argv)

    from ganstyle_edu import config
    config.setup(seed=0)
    from ganstyle_edu import toy2d

    if args.levers:
        levers(args.seeds or 2, args.grid_steps)
        return 0
    seeds = args.seeds or 10
    steps = {k: v for k, v in (("ring", args.ring_steps), ("grid", args.grid_steps)) if v}
    start = time.perf_counter()
    rows = toy2d.mode_table(num_seeds=seeds, num_steps=steps,
                            progress=lambda r: print(f"  {r['target']} {r['method']}: {r['seconds']:.1f} s", flush=True))
    total = time.perf_counter() - start
    print(f"\n{seeds} seeds per row, 2500 samples per run, {os.cpu_count()} CPU cores, total {total:.0f} s\n")
    print(toy2d.format_table(rows))
    for r in rows:
        print(f"{r['target']} {r['method']}: modes per seed {[s['modes'] for s in r['result'].stats]}")
    if args.json:
        saved = {"seconds": round(total, 1), "seeds": seeds, "cpu_count": os.cpu_count(),
                 "date": time.strftime("%Y-%m-%d"), "table": toy2d.format_table(rows),
                 "rows": [{k: r[k] for k in ("target", "method", "num_steps", "modes", "high_quality", "reverse_kl",
                                             "reverse_kl_runs", "seconds")} for r in rows]}
        Path(args.json).write_text(json.dumps(saved, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
