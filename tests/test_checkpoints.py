"""The optimizer state shared by the GAN's and the style trainer's checkpoints: saved, reloaded, refused."""
import re

import numpy as np
import pytest


def network_and_optimizer(keras, width=3, seed=0):
    """A one-layer network (4 → width) and an Adam that has taken one step on it (non-zero moments)."""
    keras.utils.set_random_seed(seed)
    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(width)])
    optimizer = keras.optimizers.Adam(1e-2)
    gradients = [np.ones(variable.shape, np.float32) for variable in network.trainable_variables]
    optimizer.apply_gradients(zip(gradients, network.trainable_variables))
    return network, optimizer


def values(optimizer):
    return [np.array(variable) for variable in optimizer.variables]


def test_saved_optimizer_state_loads_into_fresh_optimizers(tf, tmp_path):
    import keras

    from ganstyle_edu.checkpoints import load_optimizer_state, save_optimizer_state

    generator, g_optimizer = network_and_optimizer(keras, seed=1)
    discriminator, d_optimizer = network_and_optimizer(keras, width=2, seed=2)
    seed_state = np.array([7, 11], np.int64)
    path = save_optimizer_state(tmp_path, [("g", g_optimizer, generator), ("d", d_optimizer, discriminator)],
                                extra={"seed_state": seed_state})
    with np.load(path) as saved:  # the file format of existing checkpoints: PREFIX_IIII, then the extras
        assert saved.files == [f"g_{i:04d}" for i in range(len(g_optimizer.variables))] + [
            f"d_{i:04d}" for i in range(len(d_optimizer.variables))] + ["seed_state"]

    fresh_g, fresh_d = keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2)  # unbuilt: load builds them
    others = load_optimizer_state(tmp_path, [("g", fresh_g, generator), ("d", fresh_d, discriminator)])
    for before, after in ((g_optimizer, fresh_g), (d_optimizer, fresh_d)):
        assert all(np.array_equal(b, a) for b, a in zip(values(before), values(after), strict=True))
    assert int(fresh_g.iterations.numpy()) == 1
    assert list(others) == ["seed_state"] and np.array_equal(others["seed_state"], seed_state)


def test_optimizer_state_for_another_network_is_refused_naming_the_folder(tf, tmp_path):
    import keras

    from ganstyle_edu.checkpoints import load_optimizer_state, save_optimizer_state

    network, optimizer = network_and_optimizer(keras, width=3)
    save_optimizer_state(tmp_path, [("g", optimizer, network)])
    wider, fresh = network_and_optimizer(keras, width=5)
    before = values(fresh)
    with pytest.raises(ValueError, match=re.escape(str(tmp_path)) + ": the saved g_optimizer state .* does not fit"):
        load_optimizer_state(tmp_path, [("g", fresh, wider)])
    assert all(np.array_equal(b, a) for b, a in zip(before, values(fresh), strict=True))  # nothing assigned


def test_write_checkpoint_keeps_a_live_writers_folder_and_refuses_keep_zero(tmp_path):
    import subprocess
    import sys

    from ganstyle_edu.checkpoints import write_checkpoint

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".step_00000009.{sleeper.pid}.abc.tmp"  # another process is filling it
        gone = tmp_path / ".step_00000008.999999999.abc.tmp"  # its writer no longer exists
        old = tmp_path / ".step_00000007.abc.tmp"  # named before writers were
        for folder in (live, gone, old):
            folder.mkdir()
        write_checkpoint(tmp_path, 1, lambda folder: {})
        assert live.is_dir() and not gone.exists() and not old.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    with pytest.raises(ValueError, match="keep=0: keep at least the newest"):
        write_checkpoint(tmp_path, 2, lambda folder: {}, keep=0)
    for step in (2, 3, 4):
        write_checkpoint(tmp_path, step, lambda folder: {}, keep=None)
    assert sorted(p.name for p in tmp_path.glob("step_*")) == [f"step_0000000{i}" for i in (1, 2, 3, 4)]
