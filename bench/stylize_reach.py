"""Is the style network short of the painting because of its shape, or because of what it learnt? Johnson's yardstick
on photos it trained on, and the reach of its shape when it has one photo to paint.

    .venv/bin/python bench/stylize_reach.py                         # Starry Night; ≈ 10 min on 2 cores
    .venv/bin/python bench/stylize_reach.py --style udnie --photo chelsea --steps 500

Johnson's yardstick (``nst.equivalent_iterations``, from white noise, on the network's own objective): the L-BFGS
iteration at which Gatys reaches the loss of the network's output. Johnson et al. report 50–100 for their networks at
256 px; ``bench/stylize_quality.py`` measures it on the held-out photos.

1. **Trained-on against held-out.** The shipped network's yardstick on training photos (data/content) beside held-out
   ones (data/heldout). Far higher on its training photos: it learnt them and does not generalise (more photos would
   help). About the same: it falls short on the photos it learnt too (an under-fit: its shape or its training).
2. **Reach of the shape.** The shipped network, cut to the one style (its own (γ, β)), trained on with all weights free
   on one *training* photo alone (``--photo``, the whole photo at 256 px, Adam, lr 1e-3) on that photo's loss. If it
   climbs far past its yardstick, a network of this shape can paint that well, and what holds the shipped one back is
   learning one map for all photos, not what its layers can express.

No held-out photo is trained on here. Prints the yardsticks and the curve (step, loss, yardstick); ``--save DIR``
keeps the photo | shipped | one-photo network image.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SIZE = 256
TRAINED_ON = ("chelsea", "china", "forest_path", "storm")


def gatys_curve(photo, painting, config, extractor, iterations: int) -> dict[int, float]:
    """Gatys from white noise on the network's objective: {iteration: total loss}."""
    from ganstyle_edu import nst, stylenet

    loss_config = stylenet.trained_loss(config, photo.shape, num_steps=iterations)
    history = nst.equivalent_iterations(photo, painting, 0.0, loss_config, extractor=extractor, init="noise")["history"]
    return dict(zip(history["step"], map(float, history["total"])))


def yardstick(curve: dict[int, float], loss: float):
    """The first iteration at which Gatys' loss is at most ``loss`` (None: not within the curve)."""
    return next((step for step, value in sorted(curve.items()) if value <= loss), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="starry_night", help="a shipped style")
    parser.add_argument("--photo", default="forest_path", help="the training photo (data/content) for part 2")
    parser.add_argument("--steps", type=int, default=750, help="part 2's training steps")
    parser.add_argument("--iterations", type=int, default=150, help="Gatys iterations of the yardstick's curve")
    parser.add_argument("--save", default=None, help="folder for part 2's image")
    args = parser.parse_args()

    from ganstyle_edu import config as setup
    setup.setup(seed=0)
    import keras
    import numpy as np
    import tensorflow as tf

    from ganstyle_edu import data, nst, stylegen, stylenet
    from ganstyle_edu.features import FeatureExtractor
    from ganstyle_edu.images import load_image, resize

    if args.photo not in data.names("content"):
        raise SystemExit(f"--photo {args.photo}: not a training photo ({', '.join(data.names('content'))}); "
                         "held-out photos are not trained on")
    generator, record = stylenet.pretrained(args.style)
    config = stylenet.config_from_record(record)
    extractor = FeatureExtractor(list(dict.fromkeys(tuple(config.style_layers) + (config.content_layer,))))
    painting = resize(load_image(stylenet.style_path(args.style)), config.style_size)

    def objective(photo):
        return nst.StyleContentLoss(photo, painting, stylenet.trained_loss(config, photo.shape), extractor)

    print(f"1. the shipped network's yardstick from noise, {args.style}, photos at {SIZE} px", flush=True)
    for name in TRAINED_ON + tuple(data.names("heldout")):
        photo = np.asarray(data.sample(name, max_side=SIZE), np.float32)
        loss = float(objective(photo)(np.asarray(stylegen.stylize_with(generator, photo))[None])["total"])
        curve = gatys_curve(photo, painting, config, extractor, args.iterations)
        kind = "trained on" if name in data.names("content") else "held out"
        print(f"   {name:14s} {kind:10s} loss {loss:.3g}  yardstick {yardstick(curve, loss)}", flush=True)

    print(f"2. the shipped shape trained on {args.photo} alone ({args.style}, all weights, Adam 1e-3)", flush=True)
    photo = np.asarray(data.sample(args.photo, max_side=SIZE), np.float32)
    multiple = stylegen.size_multiple(generator)
    photo = photo[: photo.shape[0] // multiple * multiple, : photo.shape[1] // multiple * multiple]  # (H, W, 3)
    loss = objective(photo)
    curve = gatys_curve(photo, painting, config, extractor, args.iterations)
    print("   Gatys from noise: " + ", ".join(f"{step}: {curve[step]:.3g}" for step in (20, 50, 100, args.iterations)
                                             if step in curve), flush=True)
    single, _ = stylenet.pretrained(args.style)  # a second copy, to train
    batch = tf.constant(photo[None])  # (1, H, W, 3)
    shipped_image = np.asarray(generator(batch, training=False))[0]
    start_loss = float(loss(shipped_image[None])["total"])
    print(f"   step 0 (the shipped network): loss {start_loss:.3g}  yardstick {yardstick(curve, start_loss)}", flush=True)
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            total = loss(single(batch, training=True))["total"]
        gradients = tape.gradient(total, single.trainable_variables)
        optimizer.apply_gradients(zip(gradients, single.trainable_variables))
        return total

    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        train_step()
        if step % 250 == 0 or step == args.steps:
            value = float(loss(single(batch, training=False))["total"])
            print(f"   step {step}: loss {value:.3g}  yardstick {yardstick(curve, value)} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    if args.save:
        from PIL import Image
        row = np.concatenate([photo, shipped_image, np.asarray(single(batch, training=False))[0]], axis=1)
        out = Path(args.save) / f"reach_{args.style}_{args.photo}.jpg"
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial.jpg")
        Image.fromarray((np.clip(row, 0, 1) * 255).astype(np.uint8)).save(partial, quality=92)
        partial.replace(out)  # atomically
        print(f"   wrote {out} (photo | shipped | trained on this photo alone)")


if __name__ == "__main__":
    main()
