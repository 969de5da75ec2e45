"""Is the style network short of the painting because of its shape, or because of what it learnt? Johnson's yardstick
on photos it trained on, and the reach of its shape when it has one photo (or a few) to paint.

    .venv/bin/python bench/stylize_reach.py                         # Starry Night; ≈ 15 min on 2 cores
    .venv/bin/python bench/stylize_reach.py --skip-yardsticks --photo chelsea china forest_path storm --steps 1000

Johnson's yardstick (``nst.equivalent_iterations``, from white noise, on the network's own objective): the L-BFGS
iteration at which Gatys reaches the loss of the network's output. Johnson et al. report 50–100 for their networks at
256 px; ``bench/stylize_quality.py`` measures it on the held-out photos.

1. **Trained-on against held-out.** The shipped network's yardstick on training photos (data/content) beside held-out
   ones (data/heldout). Far higher on its training photos: it learnt them and does not generalise (more photos would
   help). About the same: it falls short on the photos it learnt too (an under-fit: its shape or its training).
2. **Reach of the shape.** The shipped network, cut to the one style (its own (γ, β)), trained on with all weights free
   on one *training* photo alone (``--photo``, the whole photo at 256 px, Adam, lr 1e-3) on that photo's loss. If it
   climbs far past its yardstick, a network of this shape can paint that well, and what holds the shipped one back is
   learning one map for all photos, not what its layers can express. With several ``--photo`` it takes them in turn,
   one a step (centre-cropped to a common size), and reports each photo's yardstick: how fast the reach falls with
   the number of photos the same weights must paint. Last, the trained weights on the held-out photos beside the
   shipped network: does what they learnt on a few whole photos carry over to photos they never saw?

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
    parser.add_argument("--photo", nargs="+", default=["forest_path"], help="training photos (data/content) for part 2")
    parser.add_argument("--steps", type=int, default=750, help="part 2's training steps")
    parser.add_argument("--iterations", type=int, default=150, help="Gatys iterations of the yardstick's curve")
    parser.add_argument("--save", default=None, help="folder for part 2's image")
    parser.add_argument("--skip-yardsticks", action="store_true", help="part 2 only")
    args = parser.parse_args()

    from ganstyle_edu import config as setup
    setup.setup(seed=0)
    import keras
    import numpy as np
    import tensorflow as tf

    from ganstyle_edu import data, nst, styleconfig, stylegen, stylenet
    from ganstyle_edu.features import FeatureExtractor
    from ganstyle_edu.images import center_crop, load_image, resize

    unknown = [name for name in args.photo if name not in data.names("content")]
    if unknown:
        raise SystemExit(f"--photo {unknown[0]}: not a training photo ({', '.join(data.names('content'))}); "
                         "held-out photos are not trained on")
    generator, record = stylenet.pretrained(args.style)
    config = stylenet.config_from_record(record)
    extractor = FeatureExtractor(styleconfig.objective_layers(config))
    painting = resize(load_image(stylenet.style_path(args.style)), config.style_size)

    def objective(photo):
        return nst.StyleContentLoss(photo, painting, stylenet.trained_loss(config, photo.shape), extractor)

    whole = {}  # name → (photo at SIZE, its objective, Gatys' curve on it): parts 1 and 3 share the held-out ones

    def whole_photo(name):
        if name not in whole:
            photo = np.asarray(data.sample(name, max_side=SIZE), np.float32)
            whole[name] = photo, objective(photo), gatys_curve(photo, painting, config, extractor, args.iterations)
        return whole[name]

    print(f"1. the shipped network's yardstick from noise, {args.style}, photos at {SIZE} px", flush=True)
    for name in () if args.skip_yardsticks else TRAINED_ON + tuple(data.names("heldout")):
        photo, objective_here, curve = whole_photo(name)
        loss = float(objective_here(np.asarray(stylegen.stylize_with(generator, photo))[None])["total"])
        kind = "trained on" if name in data.names("content") else "held out"
        print(f"   {name:14s} {kind:10s} loss {loss:.3g}  yardstick {yardstick(curve, loss)}", flush=True)

    names = args.photo
    print(f"2. the shipped shape trained on {', '.join(names)} alone ({args.style}, all weights, Adam 1e-3, "
          "one whole photo a step, in turn)", flush=True)
    multiple = stylegen.size_multiple(generator)
    photos = [np.asarray(data.sample(name, max_side=SIZE), np.float32) for name in names]
    height = min(p.shape[0] for p in photos) // multiple * multiple
    width = min(p.shape[1] for p in photos) // multiple * multiple
    photos = [center_crop(p, (height, width)) for p in photos]  # each (height, width, 3)
    losses = [objective(photo) for photo in photos]
    curves = [gatys_curve(photo, painting, config, extractor, args.iterations) for photo in photos]
    for name, curve in zip(names, curves):
        print(f"   Gatys from noise on {name}: " + ", ".join(f"{step}: {curve[step]:.3g}"
                                                          for step in (20, 50, 100, args.iterations) if step in curve))
    single, _ = stylenet.pretrained(args.style)  # a second copy, to train
    batches = [tf.constant(photo[None]) for photo in photos]  # each (1, H, W, 3)
    shipped_images = [np.asarray(generator(batch, training=False))[0] for batch in batches]
    optimizer = keras.optimizers.Adam(1e-3)

    def report(step, images):
        values = [float(loss(image[None])["total"]) for loss, image in zip(losses, images)]
        sticks = [yardstick(curve, value) for curve, value in zip(curves, values)]
        print(f"   step {step}: loss " + " ".join(f"{v:.3g}" for v in values) + "  yardstick " +
              " ".join(str(s) for s in sticks) + f" ({time.perf_counter() - start:.0f} s)", flush=True)

    def make_step(loss, batch):
        @tf.function
        def train_step():
            with tf.GradientTape() as tape:
                total = loss(single(batch, training=True))["total"]
            gradients = tape.gradient(total, single.trainable_variables)
            optimizer.apply_gradients(zip(gradients, single.trainable_variables))
            return total
        return train_step

    steps = [make_step(loss, batch) for loss, batch in zip(losses, batches)]
    start = time.perf_counter()
    report("0 (the shipped network)", shipped_images)
    for step in range(1, args.steps + 1):
        steps[(step - 1) % len(steps)]()
        if step % 250 == 0 or step == args.steps:
            report(step, [np.asarray(single(batch, training=False))[0] for batch in batches])
    print("3. the same weights on the held-out photos (never trained on), beside the shipped network", flush=True)
    for name in data.names("heldout"):
        photo, objective_here, curve = whole_photo(name)
        cells = []
        for label, network in (("shipped", generator), ("trained here", single)):
            value = float(objective_here(np.asarray(stylegen.stylize_with(network, photo))[None])["total"])
            cells.append(f"{label} loss {value:.3g} yardstick {yardstick(curve, value)}")
        print(f"   {name:14s} " + " | ".join(cells), flush=True)
    if args.save:
        from PIL import Image
        rows = [np.concatenate([photo, shipped, np.asarray(single(batch, training=False))[0]], axis=1)
                for photo, shipped, batch in zip(photos, shipped_images, batches)]
        out = Path(args.save) / f"reach_{args.style}_{'_'.join(names)}.jpg"
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial.jpg")
        Image.fromarray((np.clip(np.concatenate(rows), 0, 1) * 255).astype(np.uint8)).save(partial, quality=92)
        partial.replace(out)  # atomically
        print(f"   wrote {out} (photo | shipped | trained on these photos alone, a row per photo)")


if __name__ == "__main__":
    main()
