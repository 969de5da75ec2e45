"""Data parallelism: one training step spread over several devices or machines (notebook 11).

Each of R replicas holds a copy of every network and takes b = B/R images of the global batch B. Each
computes the gradient of its own share of the loss; the replicas add their gradients (an all-reduce) and
every copy takes the same optimizer step, so the copies stay equal. For a loss that is a mean over images,

    ∇ (1/B) Σ_{i=1..B} ℓ_i  =  Σ_{r=1..R} ∇ [ (1/R) · (1/b) Σ_{i ∈ replica r} ℓ_i ],

so a replica scales its local mean loss by 1/R before the sum (:func:`scale_loss`; ``tf.nn.compute_average_loss``
does the same: divide by the *global* batch). Three things need care beyond that, and the package handles them:

* batch normalisation: a replica sees b images, not B; ``synchronized=True`` (:func:`synchronize_batch_norm`)
  all-reduces the batch statistics, so they are those of the whole global batch;
* the GAN's noise: drawn once for the global batch and split (:func:`replica_rows`), so a replica's z are
  the rows a single device would have used for its images;
* the Gram loss needs nothing: each image's Gram matrix is compared with the same painting's target on every
  replica, and the mean over the batch splits like any other.

TensorFlow's ``tf.distribute`` does the copying and the all-reduce: :func:`make_strategy` builds a
``MirroredStrategy`` (the GPUs of one machine, or N logical CPU devices to try it on a laptop), a
``MultiWorkerMirroredStrategy`` (several machines, described by the ``TF_CONFIG`` environment variable) or a
``TPUStrategy`` (a Colab TPU). Networks and optimizers must be created inside ``strategy.scope()``; only the
chief worker writes checkpoints (:func:`is_chief`).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os

import numpy as np

from .config import CPU_REPLICAS_VAR, import_tensorflow

tf = import_tensorflow(start=False)  # a multi-worker strategy must be made before TensorFlow's first op
import keras  # noqa: E402  (after the quiet TensorFlow import)

STRATEGIES = ("none", "mirrored", "multiworker", "tpu")


class StrategyError(ValueError):
    """A distribution strategy that cannot start here; the message says why and what to do (notebook 11)."""


def use_cpu_replicas(count: int) -> None:
    """Check that this process has ``count`` logical CPU devices, for a mirrored strategy on a laptop (notebook 11).

    TensorFlow fixes its devices when it starts, and the package starts it on import; so the split is asked
    for before that: ``config.setup(cpu_replicas=N)`` first thing in a notebook, ``--cpu-replicas N`` on the
    command line, or ``GANSTYLE_CPU_REPLICAS=N`` in the environment. The logical devices share the same
    cores: they show how data parallelism works, not a speed-up.
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise StrategyError(f"cpu_replicas={count!r} must be a whole number ≥ 1")
    have = len(tf.config.list_logical_devices("CPU"))
    if have != count:
        raise StrategyError(f"cpu_replicas={count}: TensorFlow started with {have} CPU device(s); ask for the split "
                            f"before it starts: config.setup(cpu_replicas={count}) first thing (restart the kernel), "
                            f"or {CPU_REPLICAS_VAR}={count} in the environment")


def _tf_config() -> dict:
    """TF_CONFIG parsed and checked: a cluster with workers and this process's task in it."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise StrategyError("--strategy multiworker needs TF_CONFIG, e.g. "
                            "'{\"cluster\": {\"worker\": [\"host1:12345\", \"host2:12345\"]}, "
                            "\"task\": {\"type\": \"worker\", \"index\": 0}}' (README: Training on more machines)")
    try:
        described = json.loads(text)
    except json.JSONDecodeError as error:
        raise StrategyError(f"TF_CONFIG is not JSON ({error.msg} at character {error.pos})") from None
    cluster = described.get("cluster") if isinstance(described, dict) else None
    task = described.get("task") if isinstance(described, dict) else None
    workers = cluster.get("worker") if isinstance(cluster, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise StrategyError("TF_CONFIG: cluster.worker must be a list of \"host:port\" addresses")
    if not isinstance(task, dict) or task.get("type") not in cluster or not isinstance(task.get("index"), int):
        raise StrategyError("TF_CONFIG: task must be {\"type\": \"worker\", \"index\": N} naming this process")
    if not 0 <= task["index"] < len(cluster[task["type"]]):
        raise StrategyError(f"TF_CONFIG: task index {task['index']} is not in cluster.{task['type']} "
                            f"({len(cluster[task['type']])} addresses)")
    return described


def make_strategy(name: str = "none", cpu_replicas: int | None = None):
    """The ``tf.distribute.Strategy`` called ``name`` (one of :data:`STRATEGIES`), or None for "none" (notebook 11).

    mirrored: every visible GPU of this machine; with ``cpu_replicas=N`` (or no GPU), N logical CPU devices
    (:func:`use_cpu_replicas`). multiworker: the machines TF_CONFIG lists, over gRPC. tpu: the TPU of a Colab
    TPU runtime. A strategy that cannot start raises :class:`StrategyError` with one line saying why.
    """
    if name not in STRATEGIES:
        raise StrategyError(f"strategy={name!r}: use one of {', '.join(STRATEGIES)}")
    if cpu_replicas is not None and name != "mirrored":
        raise StrategyError(f"cpu_replicas goes with the mirrored strategy, not {name!r}")
    if name == "none":
        return None
    if name == "mirrored":
        if cpu_replicas is not None:
            use_cpu_replicas(cpu_replicas)
        gpus = tf.config.list_logical_devices("GPU")
        if gpus and cpu_replicas is None:
            return tf.distribute.MirroredStrategy([d.name for d in gpus])
        # CPU devices: sum on one device (TensorFlow's collective all-reduce can pair two optimizers' sums wrongly
        # between CPU replicas when a step updates two networks)
        return tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")],
                                              cross_device_ops=tf.distribute.ReductionToOneDevice())
    if name == "multiworker":
        _tf_config()
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING)
        try:
            return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        except RuntimeError:
            raise StrategyError("--strategy multiworker must be set up before TensorFlow runs anything: make the "
                                "strategy first thing in a fresh process (the command line does)") from None
    try:  # tpu
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StrategyError(f"--strategy tpu: no TPU found ({first}); on Colab choose Runtime → Change runtime "
                            "type → TPU, or use --strategy mirrored") from None
    return tf.distribute.TPUStrategy(resolver)


def num_replicas(strategy=None) -> int:
    """Replicas that share one global batch: R (1 without a strategy) (notebook 11)."""
    return 1 if strategy is None else int(strategy.num_replicas_in_sync)


def is_chief(strategy=None) -> bool:
    """Whether this process writes checkpoints and files: always without a strategy; one worker with (notebook 11)."""
    return strategy is None or bool(strategy.extended.should_checkpoint)


def scope(strategy=None):
    """``strategy.scope()``, or a context that does nothing without a strategy (notebook 11)."""
    return contextlib.nullcontext() if strategy is None else strategy.scope()


def check_global_batch(batch_size: int, strategy=None, name: str = "batch_size") -> int:
    """The images per replica b = B / R; StrategyError when the global batch B does not split evenly (notebook 11)."""
    replicas = num_replicas(strategy)
    if batch_size % replicas:
        raise StrategyError(f"{name}={batch_size} does not split over {replicas} replicas: use a multiple of "
                            f"{replicas} (the global batch is divided evenly)")
    return batch_size // replicas


def _replica_context():
    """The replica context when inside ``strategy.run`` with more than one replica, else None."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def scale_loss(loss):
    """A replica's mean loss times 1/R, so that the all-reduced (summed) gradients are those of the global mean.

    Unchanged outside ``strategy.run`` or with one replica (notebook 11).
    """
    context = _replica_context()
    return loss if context is None else loss / tf.cast(context.num_replicas_in_sync, loss.dtype)


def replica_rows(global_tensor):
    """This replica's rows of a tensor drawn for the whole global batch (B, ...) → (B/R, ...) (notebook 11).

    Replica r gets rows r·b … (r+1)·b − 1: the rows a single device would have paired with the same images.
    """
    context = _replica_context()
    if context is None:
        return global_tensor
    per_replica = tf.shape(global_tensor)[0] // context.num_replicas_in_sync  # b = B / R
    start = context.replica_id_in_sync_group * per_replica
    return global_tensor[start:start + per_replica]  # (b, ...)


def replica_seed(seed):
    """A stateless seed (2,) made distinct per replica (the same as ``seed`` on replica 0 or without one)."""
    context = _replica_context()
    if context is None:
        return seed
    return seed + tf.cast(tf.stack([0, context.replica_id_in_sync_group]), seed.dtype)


def gradient_norm(gradients):
    """Global norm of the gradients the optimizer applies: of their sum over replicas inside ``strategy.run``."""
    context = _replica_context()
    if context is not None:
        gradients = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
    return tf.linalg.global_norm(gradients)


def distribute_batch(strategy, *arrays):
    """Split global-batch arrays or tensors (B, ...) into per-replica values (b, ...), in order (notebook 11).

    ``strategy.experimental_distribute_values_from_function``: replica r receives rows r·b … (r+1)·b − 1, on
    its own device; on several workers each worker builds only its own replicas' rows.
    """
    per_replica = check_global_batch(int(arrays[0].shape[0]), strategy)

    def rows(context):
        start = context.replica_id_in_sync_group * per_replica
        return tuple(tf.convert_to_tensor(array[start:start + per_replica]) for array in arrays)  # each (b, ...)

    return strategy.experimental_distribute_values_from_function(rows)


def distribute_dataset(strategy, dataset):
    """A ``tf.data`` dataset of global batches, split across replicas (``experimental_distribute_dataset``).

    On several workers each worker reads a different share of the data (auto-sharding by data).
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def mean_over_replicas(strategy, values: dict) -> dict:
    """{name: per-replica value} → {name: mean over replicas} (notebook 11)."""
    return {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None) for name, value in values.items()}


def synchronize_batch_norm(model) -> int:
    """Make every batch normalisation of ``model`` use the statistics of the global batch; how many (notebook 11).

    The layers' weights are unchanged, so a checkpoint loads with or without the strategy.
    """
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        layer.synchronized = True
    return len(layers)


def check_created_in_scope(strategy, model, what: str) -> None:
    """StrategyError unless ``model``'s variables were created in ``strategy.scope()``."""
    if strategy is None:
        return
    outside = [v.path for v in model.variables if not strategy.extended.variable_created_in_scope(v.value)]
    if outside:
        raise StrategyError(f"the {what}'s variables ({outside[0]}, …) were created outside strategy.scope(): "
                            "build the networks inside `with strategy.scope():`")


def weights_fingerprint(*models) -> str:
    """A short SHA-256 of the models' weights: every worker of a distributed run prints the same one (notebook 11)."""
    digest = hashlib.sha256()
    for model in models:
        for weight in model.weights:
            digest.update(np.asarray(weight, np.float32).tobytes())
    return digest.hexdigest()[:16]


def check_same_step(strategy, step: int) -> None:
    """StrategyError on every worker when the workers start from different steps (notebook 11).

    A resumed run is only data-parallel if every worker restored the same checkpoint; a worker that cannot see
    the chief's checkpoint folder would start again from step 0. The mean and the mean square of the steps over
    all replicas show a difference to every worker at once, so all of them stop, none waits for the others.
    """
    if strategy is None or num_replicas(strategy) == 1:
        return
    value = tf.constant(float(step), tf.float64)
    values = strategy.run(lambda: (value, value * value))
    mean = strategy.reduce(tf.distribute.ReduceOp.MEAN, values[0], axis=None)
    mean_square = strategy.reduce(tf.distribute.ReduceOp.MEAN, values[1], axis=None)
    if float(mean_square - mean * mean) > 1e-6:
        raise StrategyError(f"the workers start from different steps (this one from {step}, the mean is "
                            f"{float(mean):g}): every worker must see the chief's checkpoint folder (a shared "
                            "filesystem or a copy), or delete it everywhere to start afresh")
