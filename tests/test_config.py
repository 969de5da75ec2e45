import dataclasses

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
