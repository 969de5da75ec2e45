"""Dissection (notebook 07): unit edits act only through the edited units; IoU and concept masks on hand-made data."""
import numpy as np
import pytest


@pytest.fixture(scope="module")
def dissect(tf):
    from ganstyle_edu import dissect

    return dissect


@pytest.fixture(scope="module")
def generator(tf):
    from ganstyle_edu import stylemodel

    import keras

    keras.utils.set_random_seed(0)
    return stylemodel.build_style_generator(width=4, num_residual=1)


def test_ablating_a_unit_changes_only_that_unit_and_what_follows(dissect, generator):
    photos = np.random.default_rng(0).random((2, 32, 40, 3)).astype("float32")
    layer, unit = "res1a_relu", 3
    edited = dissect.edit_units(generator, layer, [unit])
    assert edited.count_params() == generator.count_params()  # the same weights, shared
    before = dissect.layer_activations(generator, photos, ["down2_relu", layer, "res1b_conv"])
    after = dissect.layer_activations(edited, photos, ["down2_relu", f"{layer}_edit", "res1b_conv"])
    np.testing.assert_array_equal(after["down2_relu"], before["down2_relu"])  # upstream: untouched
    others = [c for c in range(before[layer].shape[-1]) if c != unit]
    np.testing.assert_array_equal(after[f"{layer}_edit"][..., others], before[layer][..., others])
    assert np.all(after[f"{layer}_edit"][..., unit] == 0) and np.any(before[layer][..., unit] != 0)
    assert not np.allclose(after["res1b_conv"], before["res1b_conv"])  # downstream: changed
    assert not np.allclose(edited(photos).numpy(), generator(photos).numpy())
    inserted = dissect.layer_activations(dissect.edit_units(generator, layer, [unit], value=5.0), photos,
                                         [f"{layer}_edit"])[f"{layer}_edit"]
    assert np.all(inserted[..., unit] == 5.0)


def test_editing_no_unit_reproduces_the_generator(dissect, generator):
    photos = np.random.default_rng(1).random((1, 24, 24, 3)).astype("float32")
    np.testing.assert_array_equal(dissect.edit_units(generator, "up1_relu", []) (photos).numpy(), generator(photos).numpy())
    with pytest.raises(ValueError, match="out of range"):
        dissect.edit_units(generator, "up1_relu", [99])


def test_unit_iou_on_hand_made_maps(dissect):
    mask = np.zeros((1, 8, 8), bool)
    mask[0, :4] = True  # the top half
    maps = np.zeros((1, 8, 8, 3), np.float32)
    maps[0, :4, :, 0] = 1.0  # unit 0 fires exactly on the mask
    maps[0, 4:, :, 1] = 1.0  # unit 1 fires exactly off it
    maps[0, 2:6, :, 2] = 1.0  # unit 2 covers half the mask and as much outside: IoU = 16 / 48
    iou = dissect.unit_iou(maps, mask, quantile=0.4)
    np.testing.assert_allclose(iou, [1.0, 0.0, 1 / 3])


def test_concept_masks_find_what_was_drawn(dissect):
    image = np.zeros((32, 32, 3), np.float32)
    image[:, 16:] = 1.0  # a vertical step: black left, white right
    edges = dissect.edge_mask(image, quantile=0.9)
    columns = np.nonzero(edges.any(0))[0]
    assert set(columns) <= {14, 15, 16, 17} and edges[:, 15:17].all()
    assert dissect.brightness_mask(image, quantile=0.4)[:, 16:].all()
    colours = dissect.color_masks(image, num_colors=2)
    assert colours.shape == (2, 32, 32) and (colours.sum(0) == 1).all()  # a partition
    assert colours[0][:, :16].all() and colours[1][:, 16:].all()  # darkest cluster first
    noisy = image.copy()
    noisy[:8, :8] = np.random.default_rng(0).random((8, 8, 3))
    assert dissect.texture_mask(noisy, size=3, quantile=0.9)[:8, :8].mean() > 0.3


def test_strength_maps_are_image_shaped(dissect):
    """The strengths the masks threshold are (H, W) maps; the local variance matches a loop over windows."""
    rng = np.random.default_rng(0)
    gray = rng.random((9, 11)).astype(np.float32)
    image = np.repeat(gray[..., None], 3, axis=-1)  # luminance = gray
    for name, strength in dissect.STRENGTHS.items():
        assert np.shape(strength(image)) == (9, 11), name
    variance = dissect.local_variance_map(image, size=3)
    loop = np.array([[gray[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2].var() for j in range(11)] for i in range(9)])
    np.testing.assert_allclose(variance, loop, atol=1e-5)  # border windows: the pixels inside the image
    assert np.allclose(dissect.local_variance_map(np.full((8, 8, 3), 0.3, np.float32)), 0.0, atol=1e-6)


def test_layer_activations_names_a_missing_layer(dissect, generator):
    with pytest.raises(ValueError, match="no layer 'nope'"):
        dissect.layer_activations(generator, np.zeros((1, 16, 16, 3)), ["nope"])
    stats = dissect.unit_stats(dissect.layer_activations(generator, np.ones((1, 16, 16, 3)) * 0.5, "in_relu")["in_relu"])
    assert stats["mean"].shape == (4,) and np.all(stats["active"] <= 1)


def test_dissect_layer_scores_every_unit_against_every_concept(dissect, generator):
    photos = np.random.default_rng(3).random((2, 32, 32, 3)).astype("float32")
    found = dissect.dissect_layer(generator, photos, "up2_relu")
    channels = found["activations"].shape[-1]
    assert found["outputs"].shape == photos.shape
    assert set(found["iou"]) == {"edges", "bright", "texture", "colour 0", "colour 1", "colour 2", "colour 3"}
    for concept, iou in found["iou"].items():
        assert iou.shape == (channels,) and 0.0 <= iou.min() and iou.max() <= 1.0
        np.testing.assert_allclose(iou, dissect.unit_iou(found["activations"], found["masks"][concept], 0.9))


def test_ablation_effect_of_nothing_is_nothing_and_style_distance_matches_metrics(dissect, generator):
    from ganstyle_edu import metrics

    photos = np.random.default_rng(4).random((2, 32, 32, 3)).astype("float32")
    style = np.random.default_rng(5).random((40, 48, 3)).astype("float32")
    same = dissect.ablation_effect(generator, photos, "res1a_relu", [], style=style)
    for key, values in same["before"].items():
        np.testing.assert_allclose(same["after"][key], values, rtol=1e-6)
    reference = metrics.style_distance(same["outputs"][1], style)
    assert same["before"]["style_distance"][1] == pytest.approx(reference, rel=1e-4)
    changed = dissect.ablation_effect(generator, photos, "res1a_relu", [0, 1, 2])
    assert not np.allclose(changed["edited"], changed["outputs"])
    assert "style_distance" not in changed["before"]


def test_a_dcgan_is_dissected_from_noise(dissect, tf):
    import keras

    from ganstyle_edu import models

    keras.utils.set_random_seed(0)
    dcgan = models.build_dcgan_generator(latent_dim=8, image_size=16, width=4, upsample="resize")
    z = np.random.default_rng(6).standard_normal((6, 8)).astype("float32")
    found = dissect.dissect_layer(dcgan, z, "up1_act", value_range="signed")
    images = (np.asarray(dcgan(z, training=False)) + 1) / 2
    np.testing.assert_allclose(found["outputs"], images, atol=1e-6)  # mapped from [−1, 1] to [0, 1]
    assert found["iou"]["bright"].shape == (4,)
    effect = dissect.ablation_effect(dcgan, z, "up1_act", [0, 1], value_range="signed")
    assert "ssim" not in effect["before"] and "content_distance" not in effect["before"]  # no photo to compare with
    assert effect["edited"].shape == images.shape and not np.allclose(effect["edited"], images)
