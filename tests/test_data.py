import numpy as np
import pytest

from ganstyle_edu import data
from ganstyle_edu.images import ImageError

EXPECTED = {
    "style": ["great_wave", "shipwreck", "starry_night", "the_scream", "udnie", "woman_with_a_hat"],
    "content": ["astronaut", "by_the_water", "chelsea", "china", "coffee", "cold_ripple", "colorful_cups", "dune",
                "fallen_leaf", "forest_path", "garden", "ladybird", "rocket", "storm"],
    "heldout": ["evening_glow", "flower", "grace_hopper", "tubingen"],
    "survey": ["dandelion", "meadow", "planks", "water_drop"],
    "new_style": ["autumn"],
    "texture": ["brick", "grass", "gravel"],
}


def test_bundled_names_per_category():
    for category, expected in EXPECTED.items():
        assert data.names(category) == expected
    assert len(data.names()) == 32


def test_sample_loads_as_float_rgb():
    image = data.sample("starry_night")
    assert image.dtype == np.float32 and image.ndim == 3 and image.shape[2] == 3
    assert max(image.shape[:2]) == 512 and 0.0 <= image.min() and image.max() <= 1.0
    assert max(data.sample("style/starry_night", max_side=128).shape) == 128


def test_grayscale_textures_come_as_rgb():
    brick = data.sample("brick")
    assert brick.shape[2] == 3
    np.testing.assert_array_equal(brick[..., 0], brick[..., 1])


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ImageError) as info:
        data.sample("mona_lisa")
    message = str(info.value)
    assert "'mona_lisa'" in message
    for name in data.names():
        assert name in message


def test_wrong_category_prefix_is_an_error():
    with pytest.raises(ImageError, match="content/starry_night"):
        data.sample_path("content/starry_night")
    with pytest.raises(ValueError, match="paintings|style"):
        data.names("paintings")


def test_samples_by_category():
    styles = data.samples("style", max_side=64)
    assert list(styles) == EXPECTED["style"]
    assert all(max(image.shape[:2]) == 64 for image in styles.values())


def test_data_dir_has_credits():
    credits = (data.data_dir() / "CREDITS.md").read_text()
    assert all(f"{name}." in credits for name in data.names())


def test_random_crops_shapes_and_seed_determinism(tf):
    image = data.sample("starry_night", max_side=128)
    crops = np.stack(list(data.random_crops(image, 32, 6, seed=1).as_numpy_iterator()))
    again = np.stack(list(data.random_crops(image, 32, 6, seed=1).as_numpy_iterator()))
    other = np.stack(list(data.random_crops(image, 32, 6, seed=2).as_numpy_iterator()))
    assert crops.shape == (6, 32, 32, 3) and crops.dtype == np.float32
    np.testing.assert_array_equal(crops, again)
    assert not np.array_equal(crops, other)
    assert len({c.tobytes() for c in crops}) == 6  # six different windows
    batches = [b.shape for b in data.random_crops(image, 32, 6, seed=1, batch_size=4).as_numpy_iterator()]
    assert batches == [(4, 32, 32, 3), (2, 32, 32, 3)]


def test_random_crops_are_windows_of_the_image(tf):
    image = data.sample("great_wave", max_side=64)
    crop = next(data.random_crops(image, 16, 1, seed=5).as_numpy_iterator())
    height, width = image.shape[:2]
    found = any(np.array_equal(image[top:top + 16, left:left + 16], crop)
                for top in range(height - 15) for left in range(width - 15))
    assert found


def test_random_crops_too_large(tf):
    with pytest.raises(ImageError, match="size=600 is larger"):
        data.random_crops(data.sample("udnie"), 600, 2)
