"""Worker for tests/test_distribute.py: short training runs with and without a strategy, in a fresh process.

    python tests/distributed_runs.py OUT.json [CASE ...] [--unscaled CASE ...]

Logical CPU devices can only be made before TensorFlow starts, so the mirrored runs cannot share the
pytest process. Each equality case trains 3 steps at global batch 4 three times from the same initial weights:

- ``one``: on one device (the reference);
- ``reordered``: on one device with the rows of every batch reversed — the same arithmetic summed in another
  order, so its distance from ``one`` measures float32 rounding on this machine, whatever its CPU;
- ``mirrored``: on 2 logical CPU replicas.

Each optimizer is SGD with momentum (linear in the gradients): a rounding-level gradient difference stays at
rounding level, while a wrong 1/R loss scaling doubles every step. (Adam divides each gradient by its own
running size, so on a weight whose gradient is rounding noise it turns that noise into steps of the learning
rate, in a direction set by the CPU's order of float32 sums.) For every network the case writes, after step 1
and after step 3, the L2 distance of ``mirrored`` and of ``reordered`` from ``one`` per weight and over all
weights, and the size of the update ``one`` made; and the three runs' logs.

The cases named after ``--unscaled`` are also run with the bug the checks exist for — ``distribute.scale_loss``
the identity in the runs under the mirrored strategy — reusing the same process's one-device runs (the identity
changes nothing there): the checks must then fail (tests/test_distribute.py). OUT.json holds
{"scaled": {case: result}, "unscaled": {case: result}}.
Cases: gan, gan_r1, style, style_adversarial, resume_gan, resume_style.
"""
import contextlib
import json
import sys
import tempfile

from ganstyle_edu import config

config.setup(seed=0, cpu_replicas=2)

import numpy as np  # noqa: E402

from ganstyle_edu.config import import_tensorflow  # noqa: E402

tf = import_tensorflow()
import keras  # noqa: E402

from ganstyle_edu import checkpoints, distribute, gan, models, styleconfig, stylenet  # noqa: E402
from ganstyle_edu.callbacks import MetricsHistory  # noqa: E402

STEPS, BATCH = 3, 4
SNAPSHOTS = (1, STEPS)  # steps after which the weights are compared
LEARNING_RATE, MOMENTUM = 1e-2, 0.9
# The style network's perceptual loss is about 10⁷ times its identity steps' pixel loss: a smaller rate after them
STYLE_LEARNING_RATE = 1e-10
# The VGG16 layers are built once per process and drawing their initial values advances Keras' seeded stream;
# build them now, so that every run below starts its networks from the same point of that stream.
from ganstyle_edu.features import FeatureExtractor  # noqa: E402

FeatureExtractor(styleconfig.MAGENTA_LAYERS)


class _AfterIdentity(keras.optimizers.schedules.LearningRateSchedule):
    """LEARNING_RATE for the first ``identity_steps`` steps, then STYLE_LEARNING_RATE."""

    def __init__(self, identity_steps):
        self.identity_steps = identity_steps

    def __call__(self, step):
        return tf.where(step < self.identity_steps, LEARNING_RATE, STYLE_LEARNING_RATE)


@contextlib.contextmanager
def _unscaled_losses(unscaled: bool):
    """With ``unscaled``, ``distribute.scale_loss`` is the identity while the block builds and traces its runs."""
    scale_loss = distribute.scale_loss
    if unscaled:
        distribute.scale_loss = lambda loss: loss
    try:
        yield
    finally:
        distribute.scale_loss = scale_loss


def _sgd(name, learning_rate=LEARNING_RATE):
    return keras.optimizers.SGD(learning_rate, momentum=MOMENTUM, name=name)


def _weights(model) -> dict[str, np.ndarray]:
    return {weight.path: np.asarray(weight).astype(np.float64) for weight in model.weights}


def _distances(runs: dict) -> dict:
    """runs: {run name: {step: {path: array}}}, with "one" and the initial weights at step 0 →
    {"start": the largest ‖initial weight of another run − one's‖ (the network's, once),
     "steps": {step: {"update": ‖one − initial‖, "mirrored": ‖mirrored − one‖, "reordered": ‖reordered − one‖,
     "per_weight": {path: [update, mirrored, reordered]}}}} (L2 norms; over all weights when not per weight)."""
    out = {}
    initial = runs["one"][0]
    start = max(float(np.linalg.norm(runs[run][0][path] - initial[path])) for run in ("mirrored", "reordered")
                for path in initial)  # 0 when every run starts from the same weights, as the comparison needs
    for step in SNAPSHOTS:
        one = runs["one"][step]
        per_weight = {path: [float(np.linalg.norm(one[path] - initial[path])),
                             float(np.linalg.norm(runs["mirrored"][step][path] - one[path])),
                             float(np.linalg.norm(runs["reordered"][step][path] - one[path]))] for path in one}
        totals = np.sqrt(np.sum(np.square(list(per_weight.values())), axis=0))
        out[step] = {"update": float(totals[0]), "mirrored": float(totals[1]), "reordered": float(totals[2]),
                     "per_weight": per_weight}
    return {"start": start, "steps": out}


# ----------------------------------------------------------------------------------------------------- the GAN


def _tiny_gan(strategy, r1_weight=0.0):
    with distribute.scope(strategy):
        keras.utils.set_random_seed(0)
        generator = models.build_dcgan_generator(latent_dim=8, image_size=16, width=8)
        discriminator = models.build_dcgan_discriminator(image_size=16, width=8, dropout=0.0)
        model = gan.GAN(generator, discriminator, seed=0, strategy=strategy, r1_weight=r1_weight)
        model.compile(g_optimizer=_sgd("g_sgd"), d_optimizer=_sgd("d_sgd"))
    return model


def _images(reordered=False):
    crops = np.random.default_rng(1).uniform(-1, 1, (STEPS * BATCH, 16, 16, 3)).astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices(crops).batch(BATCH, drop_remainder=True)
    return dataset.map(lambda batch: tf.reverse(batch, axis=[0])) if reordered else dataset


class _Snapshots(keras.callbacks.Callback):
    """The networks' weights after each step in SNAPSHOTS (and before the first)."""

    def __init__(self, networks, initial_step=0):
        super().__init__()
        self.networks, self.initial_step = networks, initial_step
        self.taken = {name: {initial_step: _weights(network)} for name, network in networks.items()}

    def on_train_batch_end(self, batch, logs=None):
        step = self.initial_step + batch + 1
        if step in SNAPSHOTS:
            for name, network in self.networks.items():
                self.taken[name][step] = _weights(network)


def _gan_run(strategy, steps=STEPS, model=None, initial_step=0, r1_weight=0.0, reordered=False):
    model = model or _tiny_gan(strategy, r1_weight)
    history = MetricsHistory()
    snapshots = _Snapshots({"generator": model.generator, "discriminator": model.discriminator}, initial_step)
    gan.train(model, _images(reordered).skip(initial_step), steps, callbacks=[history, snapshots],
              initial_step=initial_step)
    return model, history.history, snapshots.taken


def _scalings(also_unscaled: bool) -> tuple[bool, ...]:
    """Whether each arm of a case runs with unscaled losses: (False,), or (False, True) with ``also_unscaled``."""
    return (False, True)[:1 + also_unscaled]


def _arms(one_device: dict, mirrored_run, also_unscaled: bool) -> list[dict]:
    """The runs of an equality case: [{one, reordered, mirrored}] and, with ``also_unscaled``, the same with
    the mirrored run's losses not divided by R (the one-device runs are shared: R = 1 there)."""
    arms = []
    for unscaled in _scalings(also_unscaled):
        with _unscaled_losses(unscaled):
            arms.append({**one_device, "mirrored": mirrored_run()})
    return arms


def case_gan(also_unscaled=False, r1_weight=0.0):
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    one_device = {"one": _gan_run(None, r1_weight=r1_weight),
                  "reordered": _gan_run(None, r1_weight=r1_weight, reordered=True)}
    return [{"replicas": runs["mirrored"][0].strategy.num_replicas_in_sync,
             "networks": {name: _distances({run: taken[2][name] for run, taken in runs.items()})
                          for name in ("generator", "discriminator")},
             "logs": {run: taken[1] for run, taken in runs.items()}}
            for runs in _arms(one_device, lambda: _gan_run(mirrored, r1_weight=r1_weight), also_unscaled)]


def case_gan_r1(also_unscaled=False):
    """With the R1 penalty (a gradient of D's input gradient) and batch normalisation in G."""
    return case_gan(also_unscaled, r1_weight=10.0)


# ----------------------------------------------------------------------------------------- the style trainer


def _style_config(adversarial_weight):
    return stylenet.StyleNetConfig(styles=("starry_night",), crop_size=32, style_size=64, batch_size=BATCH,
                                   num_steps=STEPS, width=8, num_residual=1, identity_steps=1,
                                   style_warmup_steps=1, loss_dtype="float32", discriminator_width=8,
                                   adversarial_weight=adversarial_weight,
                                   # a fixed objective, whose scale STYLE_LEARNING_RATE was chosen for
                                   style_layers=styleconfig.MAGENTA_LAYERS, style_layer_weights=None, style_weight=4.0)


def _style_trainer(strategy, adversarial_weight, reordered=False):
    trainer = stylenet.StyleNetTrainer(_style_config(adversarial_weight), strategy=strategy)
    with distribute.scope(strategy):  # SGD with momentum in place of Adam, built in the strategy's scope
        trainer.generator_optimizer = _sgd("g_sgd", _AfterIdentity(trainer.config.identity_steps))
        if trainer.discriminator is not None:
            trainer.discriminator_optimizer = _sgd("d_sgd")
        for _, optimizer, network in trainer._optimizers():
            optimizer.build(network.trainable_variables)
    if reordered:
        next_batch, real_patches = trainer.next_batch, trainer.real_patches
        trainer.next_batch = lambda: tuple(tf.reverse(t, axis=[0]) for t in next_batch())
        trainer.real_patches = lambda size: real_patches(size)[::-1]
    return trainer


def _networks(trainer):
    return {"generator": trainer.generator, **({"discriminator": trainer.discriminator}
                                               if trainer.discriminator is not None else {})}


def _style_run(strategy, adversarial_weight, reordered=False):
    trainer = _style_trainer(strategy, adversarial_weight, reordered)
    taken = {name: {0: _weights(network)} for name, network in _networks(trainer).items()}
    for step in SNAPSHOTS:
        trainer.train(step)
        for name, network in _networks(trainer).items():
            taken[name][step] = _weights(network)
    return trainer, trainer.history, taken


def _style_result(runs: dict) -> dict:
    photos = tf.constant(np.random.default_rng(3).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32))
    outputs = {run: np.asarray(taken[0].generate(photos, tf.zeros(2, tf.int32)), np.float64)
               for run, taken in runs.items()}
    return {"replicas": runs["mirrored"][0].strategy.num_replicas_in_sync,
            "networks": {name: _distances({run: taken[2][name] for run, taken in runs.items()})
                         for name in _networks(runs["one"][0])},
            "output": {run: float(np.linalg.norm(outputs[run] - outputs["one"])) for run in ("mirrored", "reordered")},
            "logs": {run: taken[1] for run, taken in runs.items()}}


def _style_case(adversarial_weight, also_unscaled):
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    one_device = {"one": _style_run(None, adversarial_weight),
                  "reordered": _style_run(None, adversarial_weight, reordered=True)}
    return [_style_result(runs) for runs in
            _arms(one_device, lambda: _style_run(mirrored, adversarial_weight), also_unscaled)]


def case_style(also_unscaled=False):
    return _style_case(0.0, also_unscaled)


def case_style_adversarial(also_unscaled=False):
    return _style_case(0.5, also_unscaled)


# ------------------------------------------------------------------------------- resuming across strategies


def _max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def _distance(a, b):
    return float(np.sqrt(sum(np.sum(np.square(np.asarray(x).astype(np.float64) - np.asarray(y)))
                             for x, y in zip(a, b))))


def _resume_result(restored_step, loaded, reference, resumed, reordered, initial):
    """Bit-for-bit loading, and the resumed run's distance from an uninterrupted one beside rounding's and beside
    the size of the uninterrupted run's update (its distance from ``initial``, the generator's initial weights)."""
    return {"restored_step": restored_step, "loaded": loaded,
            "resumed": _distance(reference.weights, resumed.weights),
            "reordered": _distance(reference.weights, reordered.weights),
            "update": _distance(reference.weights, initial)}


def case_resume_gan(also_unscaled=False):
    """2 steps under one strategy, a checkpoint, 1 more step under the other; against 3 uninterrupted steps.
    SGD's momentum is the optimizer state the checkpoint must carry."""
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    initial = [w.numpy() for w in _tiny_gan(None).generator.weights]  # the seeded initial weights of every run
    reference, _, _ = _gan_run(None)
    reordered, _, _ = _gan_run(None, reordered=True)
    results = []
    for unscaled in _scalings(also_unscaled):
        result = {}
        for first, second, name in ((mirrored, None, "mirrored_then_none"), (None, mirrored, "none_then_mirrored")):
            with tempfile.TemporaryDirectory() as folder, _unscaled_losses(unscaled):
                model, _, _ = _gan_run(first, steps=2)
                checkpoints.save_checkpoint(model, folder)
                resumed = _tiny_gan(second)
                step = checkpoints.restore_checkpoint(resumed, folder)
                loaded = max(_max_difference(model.generator.weights, resumed.generator.weights),
                             _max_difference(model.discriminator.weights, resumed.discriminator.weights))
                _gan_run(second, steps=STEPS, model=resumed, initial_step=step)
                result[name] = _resume_result(step, loaded, reference.generator, resumed.generator,
                                              reordered.generator, initial)
        results.append(result)
    return results


def case_resume_style(also_unscaled=False):
    mirrored = distribute.make_strategy("mirrored", cpu_replicas=2)
    reference = _style_trainer(None, 0.5)
    initial = [w.numpy() for w in reference.generator.weights]  # the seeded initial weights of every run
    reference.train(STEPS)
    reordered = _style_trainer(None, 0.5, reordered=True)
    reordered.train(STEPS)
    results = []
    for unscaled in _scalings(also_unscaled):
        result = {}
        for first, second, name in ((mirrored, None, "mirrored_then_none"), (None, mirrored, "none_then_mirrored")):
            with tempfile.TemporaryDirectory() as folder, _unscaled_losses(unscaled):
                trainer = _style_trainer(first, 0.5)
                trainer.train(2)
                trainer.save_checkpoint(folder)
                resumed = _style_trainer(second, 0.5)
                step = resumed.restore_checkpoint(folder)
                loaded = max(_max_difference(trainer.generator.weights, resumed.generator.weights),
                             _max_difference(trainer.discriminator.weights, resumed.discriminator.weights))
                resumed.train(STEPS)
                result[name] = _resume_result(step, loaded, reference.generator, resumed.generator,
                                              reordered.generator, initial)
        results.append(result)
    return results


CASES = {name[5:]: function for name, function in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    arguments = sys.argv[1:]
    out = arguments.pop(0)
    split = arguments.index("--unscaled") if "--unscaled" in arguments else len(arguments)
    names, unscaled_names = arguments[:split] or list(CASES), arguments[split + 1:]
    unknown = sorted(set(names + unscaled_names) - set(CASES))
    if unknown:
        sys.exit(f"distributed_runs.py: no case {unknown}; cases: {', '.join(CASES)}")
    results = {"scaled": {}, "unscaled": {}}
    for name in dict.fromkeys(names + unscaled_names):  # each case once, in order
        found = CASES[name](also_unscaled=name in unscaled_names)
        if name in names:
            results["scaled"][name] = found[0]
        if name in unscaled_names:
            results["unscaled"][name] = found[-1]
    with open(out, "w") as stream:
        json.dump(results, stream, indent=1, default=float)
