"""A style-network run's configuration: balanced style-layer weights against a NumPy loop, and their resolution."""
import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="module")
def styleconfig(tf):
    from ganstyle_edu import styleconfig

    return styleconfig


def test_balanced_layer_weights_are_one_over_the_mean_gram_distance(styleconfig):
    from ganstyle_edu import data
    from ganstyle_edu.features import FeatureExtractor
    from ganstyle_edu.images import load_image, resize

    config = styleconfig.StyleNetConfig(styles=("starry_night", "the_scream"), contents=("chelsea", "astronaut"),
                                        crop_size=32, style_size=48, style_layers=("block1_conv1", "block3_conv1"),
                                        style_layer_weights="balanced")
    extractor = FeatureExtractor(list(config.style_layers))
    weights = styleconfig.balanced_layer_weights(config, extractor)

    def gram(image, layer):  # a NumPy loop over channel pairs
        features = np.asarray(extractor(image[None])[layer], np.float64)[0]  # (H, W, C)
        flat = features.reshape(-1, features.shape[-1])  # (H·W, C)
        channels = flat.shape[1]
        out = np.empty((channels, channels))
        for i in range(channels):
            for j in range(channels):
                out[i, j] = np.dot(flat[:, i], flat[:, j]) / flat.shape[0]
        return out

    photos = [data.sample(name, max_side=2 * config.crop_size) for name in config.contents]
    paintings = [resize(load_image(data.sample_path(style)), config.style_size) for style in config.styles]
    for layer, weight in zip(config.style_layers, weights):
        distances = [np.mean((gram(photo, layer) - gram(painting, layer)) ** 2)
                     for photo in photos for painting in paintings]
        assert weight == pytest.approx(1 / np.mean(distances), rel=2e-3)  # rounded to 3 significant digits
    assert weights[0] < weights[1]  # relu1_1's distances are far larger than relu3_1's


def test_resolving_replaces_only_the_word_balanced(styleconfig):
    plain = styleconfig.StyleNetConfig()
    assert styleconfig.resolve_layer_weights(plain) is plain
    given = dataclasses.replace(plain, style_layer_weights=(1.0, 2.0, 3.0, 4.0))
    assert styleconfig.resolve_layer_weights(given) is given
    balanced = dataclasses.replace(plain, styles=("udnie",), contents=("chelsea",), crop_size=32, style_size=48,
                                   style_layer_weights="balanced")
    resolved = styleconfig.resolve_layer_weights(balanced)
    assert len(resolved.style_layer_weights) == 4 and all(w > 0 for w in resolved.style_layer_weights)
    assert dataclasses.replace(resolved, style_layer_weights="balanced") == balanced
    with pytest.raises(ValueError, match="style_layer_weights='equal'.*'balanced'"):
        styleconfig.StyleNetConfig(style_layer_weights="equal")
    with pytest.raises(ValueError, match="3 style_layer_weights for 4 style_layers"):
        styleconfig.StyleNetConfig(style_layer_weights=(1.0, 2.0, 3.0))


def test_objective_layers_are_the_style_layers_then_a_new_content_layer(styleconfig):
    from ganstyle_edu.features import STYLE_LAYERS

    shipped = styleconfig.shipped_recipe(("udnie",))
    assert styleconfig.objective_layers(shipped) == list(STYLE_LAYERS) + [shipped.content_layer]
    assert shipped.content_layer not in STYLE_LAYERS
    inside = dataclasses.replace(shipped, content_layer=STYLE_LAYERS[2])
    assert styleconfig.objective_layers(inside) == list(STYLE_LAYERS)  # read once, not twice


def test_the_shipped_network_was_trained_on_the_shipped_recipe(styleconfig):
    """`train-style --style <the six>` with no options reproduces the configuration of the shipped network's
    first run (from scratch), the record's layer weights are the balanced ones of those paintings and photos, and
    the run that continues it is the same recipe with a noise input, as tools/train_shipped_styles.py runs it."""
    import json

    from ganstyle_edu import provenance, shipped, stylenet

    record = json.loads(shipped.record_path(shipped.STYLE_NETWORK).read_text())
    first, *later = provenance.lineage(record)
    saved = stylenet.config_from_record(first)
    recipe = styleconfig.shipped_recipe(saved.styles)
    for run in later:  # --init-from the run before, --noise-sigma, --steps
        continued = stylenet.config_from_record(run)
        assert continued == styleconfig.shipped_recipe(
            saved.styles, num_steps=run["steps"], init_from=continued.init_from, identity_steps=0,
            style_warmup_steps=200, noise_sigma=continued.noise_sigma, style_layer_weights=continued.style_layer_weights)
        assert continued.style_layer_weights == saved.style_layer_weights and continued.init_from
    assert recipe.style_layer_weights == "balanced" and recipe.num_down == 1 and recipe.interpolation == "bilinear"
    # the precision is a speed setting: the shipped run's CPU computed bfloat16, which "auto" picks on such a CPU
    assert recipe.loss_dtype == "auto" and saved.loss_dtype == "bfloat16"
    assert dataclasses.replace(recipe, style_layer_weights=saved.style_layer_weights, loss_dtype="bfloat16") == saved
    assert styleconfig.balanced_layer_weights(recipe) == pytest.approx(saved.style_layer_weights, rel=1e-2)
    assert styleconfig.shipped_recipe(("udnie",), width=8).width == 8  # any field can still be changed
    with pytest.raises(ValueError, match="styles='udnie' must be a non-empty tuple"):
        styleconfig.shipped_recipe("udnie")  # not twelve one-letter styles
