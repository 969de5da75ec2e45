"""Run modes and reproducible set-up (introduced in notebook 00).

Every notebook reads one run mode from the environment variable ``GANSTYLE_MODE``:

* ``fast`` — continuous integration: tiny images, a handful of steps, seconds per notebook;
* ``cpu``  — the default: a laptop CPU, real results in minutes;
* ``full`` — a GPU: the sizes and step counts of the papers.

The mode selects one frozen :class:`RunConfig`; a notebook changes a field with
``dataclasses.replace(cfg, num_steps=10)`` rather than editing globals.

:func:`setup` is the first call of every notebook: it quiets TensorFlow's C++ logging, fixes the
number of CPU threads before the first TensorFlow op, and seeds Python, NumPy and Keras so that a
re-run shows the same numbers.
"""
from __future__ import annotations

import contextlib
import dataclasses
import numbers
import os
import random
import sys
import warnings

MODES = ("fast", "cpu", "full")
DEFAULT_MODE = "cpu"
ENV_VAR = "GANSTYLE_MODE"
CPU_REPLICAS_VAR = "GANSTYLE_CPU_REPLICAS"  # split the CPU into N logical devices at start-up (notebook 11)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Sizes and step counts of one run mode (notebook 00).

    image_size: long side, in pixels, of the images a notebook works on.
    num_steps: optimisation steps of an optimisation-based run (style transfer, textures).
    gan_steps: training steps of a GAN run.
    batch_size: images per training batch.
    num_seeds: repetitions of an experiment that is averaged over seeds.
    """

    mode: str
    image_size: int
    num_steps: int
    gan_steps: int
    batch_size: int
    num_seeds: int
    description: str


CONFIGS = {
    "fast": RunConfig("fast", image_size=64, num_steps=10, gan_steps=20, batch_size=8, num_seeds=2,
                      description="CI: tiny images and a few steps; checks that everything runs, not results"),
    "cpu": RunConfig("cpu", image_size=256, num_steps=300, gan_steps=2000, batch_size=32, num_seeds=10,
                     description="default: a laptop CPU, real results in minutes"),
    "full": RunConfig("full", image_size=512, num_steps=1000, gan_steps=20000, batch_size=64, num_seeds=10,
                      description="a GPU: the sizes and step counts of the papers"),
}


def run_mode(value: str | None = None) -> str:
    """The run mode: ``value`` if given, else ``$GANSTYLE_MODE``, else ``"cpu"`` (notebook 00).

    Raises ValueError naming the bad value and the three valid modes.
    """
    source = "argument mode" if value is not None else f"environment variable {ENV_VAR}"
    raw = value if value is not None else os.environ.get(ENV_VAR, "")
    mode = raw.strip().lower() or DEFAULT_MODE
    if mode not in MODES:
        raise ValueError(
            f"{source}={raw!r} is not a run mode: use one of {', '.join(MODES)} "
            f"(fast = CI, cpu = a laptop, the default; full = a GPU), e.g. {ENV_VAR}=fast"
        )
    return mode


def get_config(mode: str | None = None) -> RunConfig:
    """The :class:`RunConfig` of ``mode`` (default: :func:`run_mode`) (notebook 00)."""
    return CONFIGS[run_mode(mode)]


def _set_threads(tf, threads: int) -> None:
    """Size TensorFlow's op thread pools; possible only before the first op of the process."""
    if tf.config.threading.get_intra_op_parallelism_threads() == threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(threads, 2))
    except RuntimeError:
        warnings.warn(f"threads={threads} ignored: TensorFlow has already run an op. Call "
                      "ganstyle_edu.config.setup() before using other ganstyle_edu modules.", stacklevel=3)


def _split_cpu(tf, count: int | None = None) -> None:
    """``count`` logical CPU devices (a mirrored strategy on one CPU, notebook 11); without it, N when
    $GANSTYLE_CPU_REPLICAS = N, else none.

    TensorFlow fixes its devices when it starts, so this runs before the first op or not at all."""
    if count is None:
        text = os.environ.get(CPU_REPLICAS_VAR, "").strip()
        if not text:
            return
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{CPU_REPLICAS_VAR}={text!r} must be a whole number ≥ 1 (logical CPU devices)")
        count = int(text)
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * count)


def import_tensorflow(threads: int | None = None, start: bool = True, *, cpu_replicas: int | None = None):
    """Import TensorFlow with its C++ start-up log lines kept out of notebooks (notebook 00).

    TensorFlow writes lines such as ``WARNING: All log messages before absl::InitializeLog()`` straight
    to file descriptor 2, whatever ``TF_CPP_MIN_LOG_LEVEL`` says, and Jupyter copies them into the
    notebook. We point descriptor 2 at /dev/null for the import and the first op (which starts the
    runtime and probes devices) only. ``threads`` sizes the op thread pools before that first op.
    start=False imports without running that op, for what must happen before the runtime starts (a
    multi-worker strategy, notebook 11). ``cpu_replicas`` splits the CPU into that many logical devices
    (default: $GANSTYLE_CPU_REPLICAS, if set); like ``threads``, only on the first import.
    """
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        if threads is not None:
            _set_threads(tf, threads)
        return tf
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf

        if threads is not None:
            _set_threads(tf, threads)
        _split_cpu(tf, cpu_replicas)
        if start:
            tf.constant(0.0) + 1.0  # start the runtime now: its device probes log too  # noqa: B018
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    import absl.logging  # TensorFlow's Python-side logger

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")  # e.g. retracing notices: the course builds many small tf.functions
    return tf


def _check_cpu_replicas(cpu_replicas) -> int:
    """``cpu_replicas`` as an int; refuses a count that is not a whole number ≥ 1, or one that TensorFlow, already
    started, does not have."""
    if not isinstance(cpu_replicas, numbers.Integral) or isinstance(cpu_replicas, bool) or cpu_replicas < 1:
        raise ValueError(f"setup: cpu_replicas={cpu_replicas!r} must be a whole number ≥ 1 (logical CPU devices)")
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        if len(tf.config.list_logical_devices("CPU")) != cpu_replicas:
            raise RuntimeError(f"cpu_replicas={cpu_replicas}: TensorFlow has already started; restart the "
                               "kernel and call config.setup(cpu_replicas=...) before anything else")
    return int(cpu_replicas)


@contextlib.contextmanager
def seeded_initial_weights(seed: int):
    """Within the block, Keras' weight initialisers draw from a stream seeded with ``seed``; afterwards the global
    Python and NumPy generators are as they were before — building a network must not change what a learner's code
    draws next (notebook 00).

    Keras 3 gives each unseeded initialiser a seed drawn from Python's ``random`` module, so that module must stay
    seeded while the layers are built: the restore happens when the block ends, not before.
    """
    import keras

    import numpy as np

    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def setup(seed: int = 0, *, mode: str | None = None, threads: int | None = None,
          deterministic: bool = False, cpu_replicas: int | None = None) -> RunConfig:
    """Prepare a notebook or script: threads, quiet logs, seeds; returns the run's config (notebook 00).

    threads: CPU threads for TensorFlow's op pools (default: all cores). Takes effect only before the
        first TensorFlow op of the process; later calls keep the threads already set.
    deterministic: also make TensorFlow ops deterministic (slower; for exact reproductions).
    cpu_replicas: split the CPU into this many logical devices, for a mirrored strategy on a laptop
        (notebook 11); like threads, only before TensorFlow's first op (call setup first thing). It goes
        straight to TensorFlow's start: the environment ($GANSTYLE_CPU_REPLICAS) is left as it was, so shell
        commands and subprocesses started later do not inherit the split.
    """
    config = get_config(mode)
    if cpu_replicas is not None:
        cpu_replicas = _check_cpu_replicas(cpu_replicas)
    tf = import_tensorflow(threads, cpu_replicas=cpu_replicas)
    import keras
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return config
