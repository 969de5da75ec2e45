"""The painting-patch GAN recipe (notebooks 05, 07, 08): one-step training, save/load, the shipped pair."""
import dataclasses
import hashlib

import numpy as np
import pytest


@pytest.fixture(scope="module")
def paintgan(tf):
    from ganstyle_edu import paintgan

    return paintgan


def test_config_is_validated(paintgan):
    with pytest.raises(ValueError, match="upsample='bilinear'"):
        paintgan.PaintingGANConfig(upsample="bilinear")
    with pytest.raises(ValueError, match="num_steps=0"):
        paintgan.PaintingGANConfig(num_steps=0)
    with pytest.raises(ValueError, match="recipe='sinGAN': use one of dcgan, spatial"):
        paintgan.PaintingGANConfig(recipe="sinGAN")
    with pytest.raises(ValueError, match="crop_size=72: the spatial recipe paints 16 pixels per noise cell"):
        paintgan.PaintingGANConfig(recipe="spatial", crop_size=72)
    with pytest.raises(ValueError, match="noise_cell=12: use 4, 8, 16 or 32"):
        paintgan.PaintingGANConfig(recipe="spatial", noise_cell=12)


@pytest.mark.parametrize("recipe", ["dcgan", "spatial"])
def test_two_steps_then_save_and_load_give_the_same_networks(paintgan, tmp_path, recipe):
    config = dataclasses.replace(paintgan.PaintingGANConfig(), num_steps=2, batch_size=4, g_width=4, d_width=4,
                                 style="great_wave", recipe=recipe)
    model, record = paintgan.train_gan(config)
    assert model.generator.output_shape == (None, 64, 64, 3)
    assert model.step == 2 and record["steps"] == 2 and len(record["history_every_10_steps"]["step"]) == 0
    assert record["generator_params"] == model.generator.count_params()
    assert record["data_sha256"] == hashlib.sha256(paintgan.data.sample_path("great_wave").read_bytes()).hexdigest()
    paintgan.save_gan(model, record, tmp_path)
    loaded, loaded_record = paintgan.load_gan(tmp_path, "great_wave")
    z = np.random.default_rng(0).standard_normal((3, model.latent_dim)).astype("float32")
    np.testing.assert_array_equal(loaded.generate(z=z), model.generate(z=z))
    crops = paintgan.real_crops(config, 3)
    np.testing.assert_array_equal(np.asarray(loaded.discriminator(crops, training=False)),
                                  np.asarray(model.discriminator(crops, training=False)))
    assert loaded_record["config"] == record["config"]
    with pytest.raises(FileNotFoundError, match="starry_night_generator.weights.h5: missing"):
        paintgan.load_gan(tmp_path, "starry_night")


def test_the_shipped_starry_night_gan(paintgan):
    assert "starry_night" in paintgan.shipped_gans()
    model, record = paintgan.pretrained_gan("starry_night")
    config = paintgan.PaintingGANConfig()
    assert record["config"] == dataclasses.asdict(config) and record["steps"] == config.num_steps
    assert record["train_seconds"] < 45 * 60
    assert record["data_sha256"] == hashlib.sha256(paintgan.data.sample_path("starry_night").read_bytes()).hexdigest()
    samples = model.generate(64, seed=3)
    assert samples.shape == (64, 64, 64, 3) and -1 <= samples.min() and samples.max() <= 1
    real = paintgan.real_crops(config, 64, seed=7)
    from ganstyle_edu.metrics import sample_diversity

    assert sample_diversity(samples) > 0.5 * sample_diversity(real)  # not collapsed to one crop
    with pytest.raises(ValueError, match="no shipped painting GAN named 'udnie'"):
        paintgan.pretrained_gan("udnie")


def test_the_shipped_spatial_starry_night_gan(paintgan):
    from ganstyle_edu import models
    from ganstyle_edu.metrics import sample_diversity

    config = paintgan.PaintingGANConfig(**paintgan.RECIPE_FIELDS["spatial"])
    assert paintgan.gan_name(config) == "starry_night_spatial" and "starry_night_spatial" in paintgan.shipped_gans()
    model, record = paintgan.pretrained_gan()  # the default: the course's painting GAN
    assert paintgan.DEFAULT_RECIPE == "spatial" and record["config"]["recipe"] == paintgan.DEFAULT_RECIPE
    assert record["config"] == dataclasses.asdict(config) and record["steps"] == config.num_steps
    # an 8 × 8 grid of 8 noise channels and 32 shared numbers; 3 up-samplings; a PatchGAN with two stride-2 layers
    assert model.latent_dim == 8 * 8 * 8 + 32
    assert models.count_params(model.generator) == 482_019 and models.count_params(model.discriminator) == 168_033
    samples = model.generate(64, seed=3)
    assert samples.shape == (64, 64, 64, 3) and -1 <= samples.min() and samples.max() <= 1
    assert sample_diversity(samples) > 0.5 * sample_diversity(paintgan.real_crops(config, 64, seed=7))
    logits = np.asarray(model.discriminator(samples[:2], training=False))
    assert logits.shape == (2, 16, 16, 1)  # one logit per patch: 64 px / 2 / 2
    canvas = models.resize_spatial_generator(model.generator, 16)  # the same weights on a 16 × 16 noise grid
    assert canvas.count_params() == model.generator.count_params()
    assert np.asarray(canvas(np.zeros((1, 16 * 16 * 8 + 32), "float32"), training=False)).shape == (1, 128, 128, 3)


@pytest.mark.parametrize("style, axis, max_side", [("starry_night", 1, 320), ("the_scream", 0, 320),
                                                  ("starry_night", 1, 512)])
def test_the_held_out_region_is_the_last_quarter_of_the_longer_side(paintgan, style, axis, max_side):
    config = paintgan.PaintingGANConfig(style=style, max_side=max_side)
    painting = paintgan.data.sample(style, max_side=config.max_side)
    train, held = paintgan.painting_regions(config)
    assert train.shape[axis] + held.shape[axis] == painting.shape[axis] == max(painting.shape[:2])
    assert held.shape[axis] == round(0.25 * painting.shape[axis]) and held.shape[1 - axis] == painting.shape[1 - axis]
    np.testing.assert_array_equal(np.concatenate([train, held], axis=axis), painting)  # disjoint, nothing lost
    crops = paintgan.heldout_crops(config, 4)
    assert crops.shape == (4, 64, 64, 3) and crops.min() >= -1 and crops.max() <= 1
    whole = dataclasses.replace(config, heldout_fraction=0.0)
    with pytest.raises(ValueError, match="holds nothing out"):
        paintgan.heldout_crops(whole, 4)
    with pytest.raises(ValueError, match="heldout_fraction=0.1: the regions"):
        paintgan.painting_regions(dataclasses.replace(config, heldout_fraction=0.1))


def test_a_gan_resume_checks_its_configuration_and_counts_every_segment(paintgan, tmp_path):
    config = paintgan.PaintingGANConfig(num_steps=2, batch_size=4, g_width=4, d_width=4, style="great_wave")
    _, record = paintgan.train_gan(config, checkpoints=tmp_path, checkpoint_every=1)
    assert [(s["from_step"], s["to_step"]) for s in record["segments"]] == [(0, 2)]
    with pytest.raises(ValueError, match=r"another configuration \(batch_size 4 there, 8 now\): resume with"):
        paintgan.train_gan(dataclasses.replace(config, batch_size=8), checkpoints=tmp_path)
    model, longer = paintgan.train_gan(dataclasses.replace(config, num_steps=3), checkpoints=tmp_path)
    assert model.step == 3 and [(s["from_step"], s["to_step"]) for s in longer["segments"]] == [(0, 2), (2, 3)]
    assert longer["segments"][1]["changed"] == {"num_steps": [2, 3]}
    assert longer["train_seconds"] == pytest.approx(sum(s["seconds"] for s in longer["segments"]), abs=0.2)
    assert longer["train_seconds"] > record["train_seconds"]  # both segments counted


def test_a_record_from_before_a_field_existed_loads_as_it_was_trained(paintgan):
    current = dataclasses.asdict(paintgan.PaintingGANConfig(recipe="spatial", r1_weight=10.0))
    old = {name: value for name, value in current.items() if name not in paintgan.FIELDS_ADDED_LATER}
    completed = paintgan.completed_config(old)
    assert list(completed) == list(current)  # every field, in the dataclass's order
    assert completed["recipe"] == "dcgan" and completed["r1_weight"] == 0.0 and completed["heldout_fraction"] == 0.0
    assert paintgan.completed_config(current) == current  # a complete record is kept as it is
    with pytest.raises(ValueError, match="unknown config field.*warp_speed"):
        paintgan.completed_config({**current, "warp_speed": 9})
    with pytest.raises(ValueError, match="config lacks crop_size"):
        paintgan.completed_config({name: value for name, value in current.items() if name != "crop_size"})
