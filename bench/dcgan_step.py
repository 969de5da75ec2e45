"""Training speed of the DCGAN `GAN.train_step` on this machine: steps/s at a given batch, per width.

    .venv/bin/python bench/dcgan_step.py                       # seed widths and two narrower ones, batch 64
    .venv/bin/python bench/dcgan_step.py --batch 32 --widths 16/16

One step = one discriminator update and one generator update (gan.GAN, non-saturating loss), compiled
with tf.function as `fit` does; 3 warm-up steps (tracing), then the median of --steps timed steps.
"G/D" widths: the generator's first convolution and the discriminator's first convolution; the course
seed is 128/64 (Dense 8·8·256).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--widths", default="128/64,32/32,16/16", help="G/D widths, comma separated")
    args = parser.parse_args(argv)

    from ganstyle_edu import config
    tf = config.import_tensorflow()
    config.setup(seed=0)
    from ganstyle_edu import gan, models

    print(f"batch {args.batch}, 64x64 images, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}")
    print(f"{'G/D width':>10} {'params G':>10} {'params D':>10} {'ms/step':>9} {'steps/s':>8} {'images/s':>9}")
    real = tf.random.uniform((args.batch, 64, 64, 3), -1.0, 1.0)
    for pair in args.widths.split(","):
        g_width, d_width = (int(v) for v in pair.split("/"))
        model = gan.GAN(models.build_dcgan_generator(width=g_width), models.build_dcgan_discriminator(width=d_width))
        model.compile()
        step = tf.function(model.train_step)
        for _ in range(3):
            step(real)
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            logs = step(real)
            float(logs["d_loss"])  # wait for the result
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{pair:>10} {model.generator.count_params():>10,} {model.discriminator.count_params():>10,} "
              f"{1e3 * median:9.0f} {1 / median:8.2f} {args.batch / median:9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
