import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganstyle_edu import config


@pytest.mark.parametrize("raw, expected", [("fast", "fast"), (" CPU ", "cpu"), ("full", "full"), ("", "cpu")])
def test_run_mode_from_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("GANSTYLE_MODE", raw)
    assert config.run_mode() == expected


def test_run_mode_defaults_to_cpu(monkeypatch):
    monkeypatch.delenv("GANSTYLE_MODE", raising=False)
    assert config.run_mode() == "cpu"
    assert config.get_config().mode == "cpu"


def test_bad_run_mode_names_value_and_the_three_modes(monkeypatch):
    monkeypatch.setenv("GANSTYLE_MODE", "gpu")
    with pytest.raises(ValueError) as info:
        config.run_mode()
    message = str(info.value)
    assert "'gpu'" in message and "GANSTYLE_MODE" in message
    for mode in config.MODES:
        assert mode in message


def test_explicit_mode_beats_environment(monkeypatch):
    monkeypatch.setenv("GANSTYLE_MODE", "full")
    assert config.get_config("fast").mode == "fast"


def test_configs_are_frozen_and_replaceable():
    cfg = config.get_config("fast")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.num_steps = 3
    assert dataclasses.replace(cfg, num_steps=3).num_steps == 3
    assert cfg.num_steps == config.CONFIGS["fast"].num_steps


def test_modes_grow_from_fast_to_full():
    fast, cpu, full = (config.CONFIGS[m] for m in config.MODES)
    for field in ("image_size", "num_steps", "gan_steps", "batch_size"):
        assert getattr(fast, field) < getattr(cpu, field) <= getattr(full, field), field


def test_setup_seeds_numpy_and_keras(tf):
    import keras

    config.setup(seed=3, mode="fast")
    first = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    config.setup(seed=3, mode="fast")
    second = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    config.setup(seed=4, mode="fast")
    third = np.random.rand(3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.allclose(first[0], third)


def test_setup_returns_the_mode_config(monkeypatch, tf):
    monkeypatch.setenv("GANSTYLE_MODE", "fast")
    assert config.setup() == config.CONFIGS["fast"]


def test_setup_with_cpu_replicas_leaves_the_environment_as_it_was(monkeypatch, tf):
    """cpu_replicas used to stay in $GANSTYLE_CPU_REPLICAS, so every later shell command and subprocess split its
    CPU too. (TensorFlow has started here: only the count it already has is accepted.)"""
    have = len(tf.config.list_logical_devices("CPU"))
    monkeypatch.setenv(config.CPU_REPLICAS_VAR, "1")  # recorded, so that the variable's state is restored after
    monkeypatch.delenv(config.CPU_REPLICAS_VAR)
    config.setup(seed=0, mode="fast", cpu_replicas=have)
    assert config.CPU_REPLICAS_VAR not in os.environ
    monkeypatch.setenv(config.CPU_REPLICAS_VAR, str(have))  # set by the user: kept
    config.setup(seed=0, mode="fast", cpu_replicas=have)
    assert os.environ[config.CPU_REPLICAS_VAR] == str(have)
    with pytest.raises(ValueError, match="cpu_replicas=0 must be a whole number"):
        config.setup(seed=0, mode="fast", cpu_replicas=0)


def test_setup_splits_a_fresh_process_without_exporting_the_split():
    """In a new process (as tests/distributed_runs.py starts): two logical CPUs, and a child process started
    afterwards sees no $GANSTYLE_CPU_REPLICAS."""
    script = ("import os, subprocess, sys\n"
              "from ganstyle_edu import config\n"
              "config.setup(seed=0, mode='fast', cpu_replicas=2)\n"
              "import tensorflow as tf\n"
              "child = subprocess.run([sys.executable, '-c', 'import os; print(os.environ.get(%r))' % "
              "config.CPU_REPLICAS_VAR], capture_output=True, text=True).stdout.strip()\n"
              "print(len(tf.config.list_logical_devices('CPU')), os.environ.get(config.CPU_REPLICAS_VAR), child)\n")
    environment = {name: value for name, value in os.environ.items() if name != config.CPU_REPLICAS_VAR}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env=environment, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["2", "None", "None"]


def test_building_a_network_leaves_the_global_generators_alone(tf):
    import keras
    import random

    import numpy as np

    from ganstyle_edu import config

    random.seed(3)
    np.random.seed(3)
    expected = (random.random(), np.random.random())
    random.seed(3)
    np.random.seed(3)
    with config.seeded_initial_weights(7):
        keras.layers.Dense(3).build((None, 4))
    assert (random.random(), np.random.random()) == expected


def test_a_seed_gives_the_same_initial_weights_whatever_was_drawn_before(tf):
    import keras
    import random

    import numpy as np

    from ganstyle_edu import config

    def build(seed):
        with config.seeded_initial_weights(seed):
            layer = keras.layers.Dense(3)
            layer.build((None, 4))
        random.random()  # the caller's code draws between the builds
        np.random.random()
        return layer.kernel.numpy()

    first, second, other = build(7), build(7), build(8)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
