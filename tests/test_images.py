"""One test per bad input (error type + the file named in the message), then the conversions."""
import numpy as np
import pytest
from PIL import Image

from ganstyle_edu.images import ImageError, load_image, resize, save_image, to_batch


def _rgb(height=32, width=48, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nope.jpg"
    with pytest.raises(ImageError, match="nope.jpg: no such file"):
        load_image(path)


def test_folder_is_refused(tmp_path):
    with pytest.raises(ImageError, match=f"{tmp_path.name}: is a folder"):
        load_image(tmp_path)


def test_not_an_image_names_the_file(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is text, not a JPEG")
    with pytest.raises(ImageError, match="notes.jpg: not an image file"):
        load_image(path)


def test_truncated_file_names_the_file(tmp_path):
    good = tmp_path / "good.jpg"
    Image.fromarray(_rgb(128, 128)).save(good, quality=95)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ImageError, match="cut.jpg: the file is truncated or corrupt"):
        load_image(cut)


def test_corrupt_png_names_the_file(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(_rgb(64, 64)).save(good)
    raw = bytearray(good.read_bytes())
    raw[60:200] = bytes(140)  # overwrite the compressed pixel data
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ImageError, match="bad.png"):
        load_image(bad)


def test_tiny_image_is_refused_with_the_minimum(tmp_path):
    path = tmp_path / "tiny.png"
    Image.fromarray(_rgb(8, 40)).save(path)
    with pytest.raises(ImageError, match=r"tiny.png: 40×8 px is too small.*16 px"):
        load_image(path)


def test_decompression_bomb_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (9000, 9000)).save(path)  # 81 Mpx, a few kB on disk
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageError, match="bomb.png: 9000×9000 = 81,000,000 pixels is more than max_pixels"):
        load_image(path)


def test_pixel_budget_can_be_raised(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(_rgb(40, 50)).save(path)
    with pytest.raises(ImageError, match="max_pixels=1,000"):
        load_image(path, max_pixels=1000)
    assert load_image(path, max_pixels=None).shape == (40, 50, 3)


def test_loading_leaves_pillows_global_guard_alone(tmp_path, monkeypatch):
    """Image.MAX_IMAGE_PIXELS is one setting for the whole process: switching it off during a load switched it
    off for every other thread too. Our limit is checked on the header's size instead."""
    from ganstyle_edu.images import decode_image

    path = tmp_path / "photo.png"
    Image.fromarray(_rgb(40, 50)).save(path)
    limit, seen = Image.MAX_IMAGE_PIXELS, []
    real_open = Image.open

    def spying_open(*args, **kwargs):
        seen.append(Image.MAX_IMAGE_PIXELS)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spying_open)
    assert load_image(path).shape == (40, 50, 3)
    assert decode_image(path.read_bytes(), "upload.png").shape == (40, 50, 3)
    with pytest.raises(ImageError, match="photo.png: 50×40 = 2,000 pixels is more than max_pixels=1,000"):
        load_image(path, max_pixels=1000)
    assert seen == [limit] * 3 and Image.MAX_IMAGE_PIXELS == limit


def test_pillows_own_guard_gives_an_image_error_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    Image.fromarray(_rgb(50, 60)).save(path)  # 3,000 pixels: over twice the limit below, so Pillow refuses it
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for max_pixels in (10_000, None):
        with pytest.raises(ImageError, match="huge.png: Pillow refuses it as a decompression bomb.*MAX_IMAGE_PIXELS"):
            load_image(path, max_pixels=max_pixels)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 32, 32, 3), np.uint8), "shape"),
    (np.zeros((32, 32, 2), np.uint8), "shape"),
    (np.full((32, 32, 3), 255.0, np.float32), r"outside \[0, 1\]"),
    (np.full((32, 32, 3), np.nan, np.float32), "NaN"),
    (np.zeros((32, 32, 3), np.int64), "dtype"),
])
def test_bad_arrays_name_the_argument(bad, match):
    with pytest.raises(ImageError, match=f"the array argument: .*{match}"):
        load_image(bad)


def test_unsupported_source_type():
    with pytest.raises(ImageError, match="type int"):
        load_image(42)


def test_png_roundtrip_exact(tmp_path):
    pixels = _rgb()
    path = tmp_path / "x.png"
    Image.fromarray(pixels).save(path)
    image = load_image(path)
    assert image.dtype == np.float32 and image.shape == (32, 48, 3)
    np.testing.assert_allclose(image, pixels / 255.0, atol=1e-7)


def test_exif_orientation_is_applied(tmp_path):
    pixels = _rgb(20, 60)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "rotated.jpg"
    Image.fromarray(pixels).save(path, exif=exif)
    assert load_image(path).shape == (60, 20, 3)


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[:, :10] = (255, 0, 0, 255)  # opaque red | fully transparent black
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(path)
    image = load_image(path)
    np.testing.assert_allclose(image[0, 0], [1, 0, 0])
    np.testing.assert_allclose(image[0, 15], [1, 1, 1])


def test_la_and_palette_transparency_on_white(tmp_path):
    la = Image.new("LA", (20, 20), (0, 0))
    np.testing.assert_allclose(load_image(la)[5, 5], [1, 1, 1])
    palette = Image.new("P", (20, 20), 0)
    palette.putpalette([0, 0, 255] + [0] * 765)
    palette.info["transparency"] = 0
    path = tmp_path / "pal.png"
    palette.save(path, transparency=0)
    np.testing.assert_allclose(load_image(path)[3, 3], [1, 1, 1])


def test_grayscale_becomes_three_equal_channels(tmp_path):
    gray = np.arange(20 * 20, dtype=np.uint8).reshape(20, 20)
    path = tmp_path / "gray.png"
    Image.fromarray(gray).save(path)
    image = load_image(path)
    assert image.shape == (20, 20, 3)
    np.testing.assert_array_equal(image[..., 0], image[..., 2])
    np.testing.assert_allclose(image[..., 1], gray / 255.0, atol=1e-7)


def test_16_bit_png_uses_the_full_range(tmp_path):
    values = np.linspace(0, 65535, 20 * 20).astype(np.uint16).reshape(20, 20)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    image = load_image(path)
    assert abs(image.max() - 1.0) < 1e-6 and image.min() == 0.0
    np.testing.assert_allclose(image[..., 0], values / 65535.0, atol=1e-6)


@pytest.mark.parametrize("array, expected", [
    (np.full((20, 20), 128, np.uint8), 128 / 255),
    (np.full((20, 20, 1), 32768, np.uint16), 32768 / 65535),
    (np.full((20, 20, 3), 0.25, np.float64), 0.25),
    (np.ones((20, 20), bool), 1.0),
])
def test_array_inputs(array, expected):
    image = load_image(array)
    assert image.shape == (20, 20, 3) and image.dtype == np.float32
    np.testing.assert_allclose(image, expected, atol=1e-6)


def test_max_side_shrinks_keeping_aspect_and_never_enlarges():
    image = load_image(_rgb(40, 80))
    assert load_image(image, max_side=20).shape == (10, 20, 3)
    assert load_image(image, max_side=200).shape == (40, 80, 3)
    assert resize(image, (16, 16)).shape == (16, 16, 3)


def test_save_then_load_roundtrip_and_atomic(tmp_path):
    image = _rgb() / 255.0
    path = save_image(tmp_path / "sub" / "out.png", image)
    np.testing.assert_allclose(load_image(path), image, atol=1 / 255)
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.png"]  # no temporary left behind


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.png"
    save_image(path, np.zeros((20, 20, 3)))
    before = path.read_bytes()
    with pytest.raises(ImageError):
        save_image(path, np.full((20, 20, 3), 7.0))  # out of range: refused before writing
    assert path.read_bytes() == before
    with pytest.raises(ImageError, match="unknown image suffix '.xyz'"):
        save_image(tmp_path / "x.xyz", np.zeros((20, 20, 3)))


def test_to_batch_crops_to_squares():
    batch = to_batch([_rgb(40, 80), _rgb(50, 30)], size=24)
    assert batch.shape == (2, 24, 24, 3) and batch.dtype == np.float32
    with pytest.raises(ImageError, match="different shapes"):
        to_batch([_rgb(40, 80), _rgb(50, 30)])


def test_saved_files_get_the_usual_permissions_not_tempfiles_private_ones(tmp_path):
    import os
    import stat

    from ganstyle_edu.images import save_image

    old = os.umask(0o022)
    try:
        path = save_image(tmp_path / "out.png", np.zeros((8, 8, 3)))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # tempfile alone would leave 0o600


def test_luminance_weights_and_refuses_arrays_without_three_channels():
    from ganstyle_edu.images import ImageError, luminance

    pixel = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]], np.float32)  # (1, 3, 3)
    np.testing.assert_allclose(luminance(pixel), [[0.299, 0.587, 0.114]], rtol=1e-6)
    with pytest.raises(ImageError, match=r"3 channels last.*\(8, 8\)"):
        luminance(np.zeros((8, 8)))


def test_to_signed_and_to_unit_convert_between_the_two_value_ranges():
    from ganstyle_edu.images import VALUE_RANGES, to_signed, to_unit

    assert VALUE_RANGES == ("unit", "signed")
    unit = np.array([0.0, 0.25, 0.5, 1.0], np.float32)
    np.testing.assert_allclose(to_signed(unit), [-1.0, -0.5, 0.0, 1.0])  # 0 → −1, 0.5 → 0, 1 → 1
    np.testing.assert_allclose(to_unit(np.array([-1.0, 0.0, 1.0])), [0.0, 0.5, 1.0])
    batch = np.random.default_rng(0).random((2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(to_unit(to_signed(batch)), batch, atol=1e-7)  # inverse of each other
    np.testing.assert_allclose(to_signed(to_unit(batch * 2 - 1)), batch * 2 - 1, atol=1e-7)
    assert isinstance(to_signed(batch), np.ndarray) and to_signed(batch).dtype == np.float32


def test_to_signed_and_to_unit_keep_a_tensor_a_tensor(tf):
    from ganstyle_edu.images import to_signed, to_unit

    tensor = tf.constant([[0.0, 0.5, 1.0]])
    signed = to_signed(tensor)
    assert isinstance(signed, tf.Tensor) and signed.dtype == tf.float32
    np.testing.assert_allclose(signed.numpy(), [[-1.0, 0.0, 1.0]])
    unit = to_unit(signed)
    assert isinstance(unit, tf.Tensor)
    np.testing.assert_allclose(unit.numpy(), [[0.0, 0.5, 1.0]])


def test_check_value_range_names_the_argument_and_both_allowed_values():
    from ganstyle_edu.images import check_value_range

    assert check_value_range("unit", "here") == "unit" and check_value_range("signed", "here") == "signed"
    for bad in ("auto", (-1, 1), None):
        with pytest.raises(ValueError, match=r"here: value_range=.*\"unit\".*\"signed\"") as raised:
            check_value_range(bad, "here")
        assert repr(bad) in str(raised.value)
