"""Worker for tests/test_distribute.py: short training runs with and without a strategy, in a fresh process.

    python tests/distributed_runs.py OUT.json [CASE ...]

Logical CPU devices can only be made before TensorFlow starts, so the mirrored runs cannot share the
pytest process. Each case trains 3 steps at global batch 4 on one device and on 2 logical CPU replicas
(mirrored), from the same initial weights, and writes the largest weight difference and both runs' logs.
Cases: gan, gan_r1, style, style_adversarial, resume_gan, resume_style.
"""
import dataclasses
import json
import sys
import tempfile

from ganstyle_edu import config

config.setup(seed=0, cpu_replicas=2)

import numpy as np  # noqa: E402

from ganstyle_edu.config import import_tensorflow  # noqa: E402

tf = import_tensorflow()
import keras  # noqa: E402

from ganstyle_edu import checkpoints, distribute, gan, models, stylenet  # noqa: E402
from ganstyle_edu.callbacks import Checkpoint, MetricsHistory  # noqa: E402

STEPS, BATCH = 3, 4
# The VGG16 layers are built once per process and drawing their initial values advances Keras' seeded stream;
# build them now, so that every run below starts its networks from the same point of that stream.
from ganstyle_edu.features import FeatureExtractor  # noqa: E402

FeatureExtractor(stylenet.STYLE_LAYERS)


def _max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def _tiny_gan(strategy, r1_weight=0.0):
    with distribute.scope(strategy):
        keras.utils.set_random_seed(0)
        generator = models.build_dcgan_generator(latent_dim=8, image_size=16, width=8)
        discriminator = models.build_dcgan_discriminator(image_size=16, width=8, dropout=0.0)
        model = gan.GAN(generator, discriminator, seed=0, strategy=strategy, r1_weight=r1_weight)
        model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, name="g_adam"),
                      d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, name="d_adam"))
    return model


def _images():
    crops = np.random.default_rng(1).uniform(-1, 1, (STEPS * BATCH, 16, 16, 3)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(crops).batch(BATCH, drop_remainder=True)


def _gan_run(strategy, steps=STEPS, model=None, initial_step=0, r1_weight=0.0):
    model = model or _tiny_gan(strategy, r1_weight)
    history = MetricsHistory()
    gan.train(model, _images().skip(initial_step), steps, callbacks=[history], initial_step=initial_step)
    return model, history.history


def case_gan(r1_weight=0.0):
    one, logs_one = _gan_run(None, r1_weight=r1_weight)
    two, logs_two = _gan_run(distribute.make_strategy("mirrored", cpu_replicas=2), r1_weight=r1_weight)
    return {"replicas": two.strategy.num_replicas_in_sync,
            "generator": _max_difference(one.generator.weights, two.generator.weights),
            "discriminator": _max_difference(one.discriminator.weights, two.discriminator.weights),
            "logs_one": logs_one, "logs_two": logs_two}


def case_gan_r1():
    """With the R1 penalty (a gradient of D's input gradient) and batch normalisation in G."""
    return case_gan(r1_weight=10.0)


def _style_config(adversarial_weight):
    return stylenet.StyleNetConfig(styles=("starry_night",), crop_size=32, style_size=64, batch_size=BATCH,
                                   num_steps=STEPS, width=8, num_residual=1, identity_steps=1,
                                   style_warmup_steps=1, loss_dtype="float32", discriminator_width=8,
                                   adversarial_weight=adversarial_weight)


def _style_run(strategy, adversarial_weight, steps=STEPS):
    trainer = stylenet.StyleNetTrainer(_style_config(adversarial_weight), strategy=strategy)
    trainer.train(steps)
    return trainer


def _unused_differences(one, two, tolerance=1e-5):
    """Weights of ``two`` that differ from ``one``'s by more than ``tolerance``: {path: [difference, how much
    the generator's output moves when that weight alone is set to one's value]}.

    Adam divides each gradient by its own running size, so a weight whose gradient is zero up to rounding (an
    instance normalisation's β feeding another instance normalisation, which removes it) takes steps of the
    learning rate in a direction set by rounding; such a weight may differ, provided the output does not move.
    """
    photos = tf.constant(np.random.default_rng(3).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32))
    before = np.asarray(two.generate(photos, tf.zeros(2, tf.int32)))
    found = {}
    for mine, theirs in zip(one.generator.weights, two.generator.weights):
        difference = float(np.max(np.abs(np.asarray(mine) - np.asarray(theirs))))
        if difference > tolerance:
            kept = np.asarray(theirs)
            theirs.assign(np.asarray(mine))
            moved = float(np.max(np.abs(np.asarray(two.generate(photos, tf.zeros(2, tf.int32))) - before)))
            theirs.assign(kept)
            found[theirs.path] = [difference, moved]
    return found


def _style_case(adversarial_weight):
    one = _style_run(None, adversarial_weight)
    two = _style_run(distribute.make_strategy("mirrored", cpu_replicas=2), adversarial_weight)
    photos = tf.constant(np.random.default_rng(3).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32))
    outputs = [np.asarray(t.generate(photos, tf.zeros(2, tf.int32))) for t in (one, two)]
    result = {"replicas": two.strategy.num_replicas_in_sync,
              "generator": _max_difference(one.generator.weights, two.generator.weights),
              "unused": _unused_differences(one, two), "output": float(np.max(np.abs(outputs[0] - outputs[1]))),
              "logs_one": one.history, "logs_two": two.history}
    if adversarial_weight:
        result["discriminator"] = _max_difference(one.discriminator.weights, two.discriminator.weights)
    return result


def case_style():
    return _style_case(0.0)


def case_style_adversarial():
    return _style_case(0.5)


def case_resume_gan():
    """2 steps under one strategy, a checkpoint, 1 more step under the other; against 3 uninterrupted steps."""
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    reference, _ = _gan_run(None)
    result = {}
    for first, second, name in ((mirrored, None, "mirrored_then_none"), (None, mirrored, "none_then_mirrored")):
        with tempfile.TemporaryDirectory() as folder:
            model, _ = _gan_run(first, steps=2)
            checkpoints.save_checkpoint(model, folder)
            resumed = _tiny_gan(second)
            step = checkpoints.restore_checkpoint(resumed, folder)
            loaded = _max_difference(model.generator.weights, resumed.generator.weights)
            _gan_run(second, steps=STEPS, model=resumed, initial_step=step)
            result[name] = {"restored_step": step, "loaded": loaded,
                            "generator": _max_difference(reference.generator.weights, resumed.generator.weights)}
    return result


def case_resume_style():
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    reference = _style_run(None, 0.5)
    result = {}
    for first, second, name in ((mirrored, None, "mirrored_then_none"), (None, mirrored, "none_then_mirrored")):
        with tempfile.TemporaryDirectory() as folder:
            trainer = _style_run(first, 0.5, steps=2)
            trainer.save_checkpoint(folder)
            resumed = stylenet.StyleNetTrainer(_style_config(0.5), strategy=second)
            step = resumed.restore_checkpoint(folder)
            loaded = _max_difference(trainer.generator.weights, resumed.generator.weights)
            resumed.train(STEPS)
            result[name] = {"restored_step": step, "loaded": loaded,
                            "generator": _max_difference(reference.generator.weights, resumed.generator.weights)}
    return result


CASES = {name[5:]: function for name, function in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    out, names = sys.argv[1], sys.argv[2:] or list(CASES)
    results = {name: CASES[name]() for name in names}
    with open(out, "w") as stream:
        json.dump(results, stream, indent=1, default=float)
