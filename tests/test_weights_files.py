"""Every weight is saved and every weight is loaded: the shipped networks and fresh checkpoints, loaded with
warnings as errors and compared with their files; a file for another network, or one that lacks a layer, is
refused before anything is assigned (checkpoints.save_weights / load_weights)."""
import dataclasses
import warnings
from collections import Counter

import h5py
import numpy as np
import pytest


def file_arrays(path):
    """Every array in an HDF5 file, read here with h5py on its own (not through the package)."""
    arrays = []
    with h5py.File(path, "r") as stream:
        stream.visititems(lambda name, item: arrays.append(item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


def assert_every_weight_is_from(network, path):
    """The network's weights and the file's arrays are the same multiset of values, each used once."""
    mine = Counter((np.asarray(w).shape, np.asarray(w, np.float32).tobytes()) for w in network.weights)
    stored = Counter((a.shape, np.asarray(a, np.float32).tobytes()) for a in file_arrays(path))
    assert len(network.weights) == sum(stored.values()) and mine == stored, path


@pytest.fixture
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # NumPy 2's __array__ notice from TensorFlow
        yield


def test_each_shipped_style_network_loads_every_weight_from_its_file(tf, strict):
    from ganstyle_edu import shipped, stylenet

    for path in sorted(set(shipped.style_networks().values())):
        generator, _ = stylenet.load_generator(path)
        assert_every_weight_is_from(generator, path)


def test_each_shipped_painting_gan_loads_every_weight_from_its_files(tf, strict):
    from ganstyle_edu import paintgan, shipped

    for name, paths in shipped.painting_gans().items():
        model, _ = paintgan.load_gan(shipped.PAINTING_GAN_DIR, name)
        assert_every_weight_is_from(model.generator, paths["generator"])
        assert_every_weight_is_from(model.discriminator, paths["discriminator"])


def _tiny_style_config(stylenet, **changes):
    config = stylenet.StyleNetConfig(crop_size=32, style_size=64, batch_size=1, width=4, num_residual=1,
                                     discriminator_width=4, contents=("chelsea",), adversarial_weight=0.1,
                                     identity_steps=1, style_warmup_steps=1, num_steps=2)
    return dataclasses.replace(config, **changes)


def test_a_style_checkpoint_loads_every_weight_and_another_networks_is_refused_whole(tf, tmp_path, strict):
    from ganstyle_edu import checkpoints, stylenet

    trainer = stylenet.StyleNetTrainer(_tiny_style_config(stylenet))
    trainer.train(2)
    folder = trainer.save_checkpoint(tmp_path)
    resumed = stylenet.StyleNetTrainer(_tiny_style_config(stylenet))
    assert resumed.restore_checkpoint(tmp_path) == 2
    assert_every_weight_is_from(resumed.generator, folder / "g.weights.h5")
    assert_every_weight_is_from(resumed.discriminator, folder / "d.weights.h5")

    wider = stylenet.StyleNetTrainer(_tiny_style_config(stylenet, width=5))
    before = [np.array(w) for w in wider.generator.weights]
    with pytest.raises(ValueError, match="another configuration .width 4 there, 5 now.: resume with the configuration"):
        wider.restore_checkpoint(tmp_path)  # refused before anything is loaded, and no Keras warning
    assert all(np.array_equal(a, np.asarray(b)) for a, b in zip(before, wider.generator.weights))


def test_a_gan_checkpoint_loads_every_weight(tf, tmp_path, strict):
    import keras

    from ganstyle_edu import checkpoints, gan, models

    def tiny():
        keras.utils.set_random_seed(0)
        model = gan.GAN(models.build_dcgan_generator(latent_dim=4, image_size=16, width=4),
                        models.build_dcgan_discriminator(image_size=16, width=4), seed=0)
        model.compile()
        return model

    model = tiny()
    noise = np.random.default_rng(0)
    for weight in model.generator.weights + model.discriminator.weights:  # none left at its initial value
        weight.assign(np.asarray(weight) + noise.uniform(0.5, 1.0, weight.shape).astype(np.float32))
    folder = checkpoints.save_checkpoint(model, tmp_path)
    restored = tiny()
    assert checkpoints.restore_checkpoint(restored, tmp_path) == 0
    assert_every_weight_is_from(restored.generator, folder / "generator.weights.h5")
    assert_every_weight_is_from(restored.discriminator, folder / "discriminator.weights.h5")


def test_a_file_that_lacks_a_layer_is_refused_and_nothing_is_assigned(tf, tmp_path, strict):
    import keras

    from ganstyle_edu import checkpoints

    keras.utils.set_random_seed(0)
    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                                keras.layers.Dense(2, name="second")], name="two_layers")
    path = tmp_path / "net.weights.h5"
    checkpoints.save_weights(network, path)
    assert_every_weight_is_from(network, path)
    with h5py.File(path, "a") as stream:  # drop the second layer's kernel
        names = []
        stream.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
        del stream[names[2]]
    fresh = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                              keras.layers.Dense(2, name="second")], name="two_layers")
    before = [np.array(w) for w in fresh.weights]
    with pytest.raises(ValueError, match=r"net.weights.h5: 3 arrays that do not fit two_layers's 4 weights"):
        checkpoints.load_weights(fresh, path)
    assert all(np.array_equal(a, np.asarray(b)) for a, b in zip(before, fresh.weights))
    with pytest.raises(FileNotFoundError, match="missing.weights.h5: no such weights file"):
        checkpoints.load_weights(fresh, tmp_path / "missing.weights.h5")
