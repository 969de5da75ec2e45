"""Training speed on one device against a mirrored strategy over N logical CPU devices, in the same process.

    .venv/bin/python bench/distributed_speed.py                    # 2 logical replicas, both trainers
    .venv/bin/python bench/distributed_speed.py --replicas 2 --gan-steps 60 --style-steps 20

Both trainers with their shipped recipes (the painting GAN: widths 32, 64-px crops, global batch 32; the style
trainer: width 32, 128-px crops, global batch 4, bfloat16 loss network, λ = 0), past the identity phase. Each
run takes a few untimed steps first (tracing), then the timed ones; prints steps/s and the ratio
mirrored / one device. Logical devices share the same cores: on one CPU the mirrored strategy shows how data
parallelism works, it cannot be faster — expect a ratio at or below 1. On a machine with GPUs, `--gpus` compares
one GPU with the CPU and with all GPUs instead.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _gan_speed(strategy, steps: int, warmup: int = 3) -> float:
    from ganstyle_edu import gan, paintgan

    config = paintgan.PaintingGANConfig(num_steps=steps + warmup)
    model = paintgan.build(config, strategy)
    crops = paintgan.training_crops(config)
    gan.train(model, crops, warmup)
    start = time.perf_counter()
    gan.train(model, crops.skip(warmup), warmup + steps, initial_step=warmup)
    return steps / (time.perf_counter() - start)


def _style_speed(strategy, steps: int, warmup: int = 2) -> float:
    from ganstyle_edu import stylenet

    config = dataclasses.replace(stylenet.StyleNetConfig(), identity_steps=0, style_warmup_steps=0,
                                 num_steps=steps + warmup)
    trainer = stylenet.StyleNetTrainer(config, strategy=strategy)
    trainer.train(warmup)
    start = time.perf_counter()
    trainer.train(warmup + steps)
    return steps / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, help="logical CPU devices for the mirrored run")
    parser.add_argument("--gan-steps", type=int, default=60)
    parser.add_argument("--style-steps", type=int, default=20)
    parser.add_argument("--gpus", action="store_true", help="one GPU vs the CPU vs all GPUs (a GPU machine)")
    args = parser.parse_args(argv)
    from ganstyle_edu import config

    config.setup(seed=0, cpu_replicas=None if args.gpus else args.replicas)
    import tensorflow as tf

    from ganstyle_edu import distribute

    if args.gpus:
        gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
        if not gpus:
            print("no GPU visible: run without --gpus")
            return 2
        runs = {"CPU": tf.distribute.OneDeviceStrategy("/cpu:0"), "1 GPU": tf.distribute.OneDeviceStrategy(gpus[0]),
                f"{len(gpus)} GPU(s), mirrored": tf.distribute.MirroredStrategy(gpus)}
    else:
        runs = {"one device": None, f"mirrored, {args.replicas} logical CPU replicas":
                distribute.make_strategy("mirrored", cpu_replicas=args.replicas)}
    print(f"machine: {os.cpu_count()} CPU cores; TensorFlow {tf.__version__}")
    for name, measure, steps in (("painting GAN (batch 32)", _gan_speed, args.gan_steps),
                                 ("style trainer (batch 4)", _style_speed, args.style_steps)):
        speeds = {}
        for label, strategy in runs.items():
            speeds[label] = measure(strategy, steps)
            print(f"{name:<26} {label:<40} {speeds[label]:7.2f} steps/s")
        reference = next(iter(speeds.values()))
        for label, speed in list(speeds.items())[1:]:
            print(f"{name:<26} ratio {label} / {next(iter(speeds))}: {speed / reference:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
