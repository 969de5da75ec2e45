"""Bad input never reaches a traceback: property-based sweeps (hypothesis) over the entry points.

Each property says what every input must give: a valid result, or the package's own error naming the
argument (``ImageError`` / ``ValueError``) — never an exception from deep inside NumPy, Pillow or
TensorFlow. The default profile keeps the sweep short for ``make test``; ``pytest tests/test_robustness.py
--hypothesis-profile thorough`` tries 20× more examples. Bugs the sweep found keep a plain regression test
below their property.
"""
import io
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from ganstyle_edu import cli
from ganstyle_edu.images import MIN_SIDE, ImageError, load_image



def _valid_image(array) -> None:
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    assert array.ndim == 3 and array.shape[2] == 3 and min(array.shape[:2]) >= MIN_SIDE
    assert np.all(np.isfinite(array)) and array.min() >= 0.0 and array.max() <= 1.0


# ---- images.load_image -------------------------------------------------------------------------------

HEADERS = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"BM", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP",
           b"II*\x00", b"MM\x00*"]


@given(header=st.sampled_from(HEADERS), body=st.binary(max_size=2000))
def test_load_image_on_random_bytes_is_an_image_or_an_image_error(tmp_path_factory, header, body):
    path = tmp_path_factory.mktemp("bytes") / "photo.jpg"
    path.write_bytes(header + body)
    try:
        _valid_image(load_image(path))
    except ImageError as error:
        assert str(path) in str(error)


def _encoded(format_, size):
    stream = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(stream, format=format_)
    return stream.getvalue()


@given(format_=st.sampled_from(["PNG", "JPEG", "BMP"]), cut=st.floats(0.0, 1.0), flip=st.integers(0, 10_000))
def test_load_image_on_truncated_or_damaged_files(tmp_path_factory, format_, cut, flip):
    data = bytearray(_encoded(format_, (40, 30)))
    data = data[: max(1, int(len(data) * cut))]
    if data:
        data[flip % len(data)] ^= 0xFF
    path = tmp_path_factory.mktemp("damaged") / f"photo.{format_.lower()}"
    path.write_bytes(bytes(data))
    try:
        _valid_image(load_image(path))
    except ImageError as error:
        assert str(path) in str(error)


DTYPES = [np.uint8, np.uint16, np.int8, np.int32, np.int64, np.float16, np.float32, np.float64, bool, np.complex64]
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.floats(-2, 2, width=32))


@given(shape=st.lists(st.integers(0, 40), min_size=0, max_size=5), dtype=st.sampled_from(DTYPES),
       fill=FLOATS, seed=st.integers(0, 2**16))
def test_load_image_on_random_arrays(shape, dtype, fill, seed):
    rng = np.random.default_rng(seed)
    with np.errstate(invalid="ignore", over="ignore"):
        values = rng.random(size=shape) * (1 if math.isnan(fill) or math.isinf(fill) else fill)
        if shape and math.isnan(fill):
            values.flat[0] = np.nan
        if shape and math.isinf(fill):
            values.flat[0] = fill
        array = values.astype(dtype) if dtype is not bool else values > 0.5
    try:
        _valid_image(load_image(array))
    except ImageError as error:
        assert "array argument" in str(error)


# ---- the command line ----------------------------------------------------------------------------------

NUMBERS = st.one_of(st.integers(-3, 20).map(str), st.sampled_from(["0", "-0", "1e3", "nan", "inf", "-inf", "", " ",
                                                                    "1.5", "0.0", "1.0001", "abc", "9" * 30]))
PATHS = st.sampled_from(["data/heldout/flower.jpg", "data/heldout", "data/no_such.jpg", "README.md",
                         "", " ", "data/heldout/flower.jpg/x", "-"])


def _check_cli(argv, capsys, out=None) -> None:
    status = cli.main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if status == 0:
        assert out is None or out.is_file()
    else:
        assert status == 2, (argv, captured.err)
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert len(lines) == 1 and "error:" in lines[0], (argv, captured.err)


@given(content=PATHS, mix=st.one_of(st.floats(0, 1).map(str), NUMBERS),
       max_side=st.one_of(st.integers(12, 80).map(str), NUMBERS), use_mix=st.booleans(), style=st.sampled_from(
    ["starry_night", "starry_night+the_scream", "udnie+", "+", "mona_lisa", "README.md", "data/heldout",
     "x.weights.h5", "autumn"]), method=st.sampled_from([None, "generator", "gatys", "other"]))
def test_cli_stylize_sweep(tmp_path_factory, capsys, content, mix, max_side, use_mix, style, method):
    out = tmp_path_factory.mktemp("out") / "o.png"
    argv = ["stylize", content, "--style", style, "-o", str(out), "--max-side", max_side]
    if use_mix:
        argv += ["--mix", mix]
    if method:
        argv += ["--method", method]
    if method == "gatys" or (method is None and style in ("autumn", "README.md")):
        argv += ["--steps", "1"]
    _check_cli(argv, capsys, out)


@given(steps=NUMBERS, crop=NUMBERS, width=NUMBERS, weight=NUMBERS, every=NUMBERS,
       style=st.sampled_from(["great_wave", "mona_lisa", "data/heldout/flower.jpg", "README.md", ""]),
       finetune=st.booleans())
def test_cli_train_style_arguments_sweep(tmp_path_factory, capsys, steps, crop, width, weight, every, style, finetune):
    out = tmp_path_factory.mktemp("runs")
    argv = ["train-style", "--style", style, "--steps", steps, "--crop-size", crop, "--width", width,
            "--style-weight", weight, "--checkpoint-every", every, "--out", str(out)]
    if finetune:
        argv.append("--finetune")
    parsed_steps = steps.strip().lstrip("-").isdigit() and int(steps) <= 2
    if not parsed_steps:
        argv = argv[:3] + ["--steps", "x" + steps] + argv[5:]  # a long run is out of a test's budget: refuse it
    _check_cli(argv, capsys)


def test_cli_max_side_negative_names_the_argument(capsys):
    assert cli.main(["stylize", "data/heldout/flower.jpg", "--style", "starry_night", "-o", "o.png",
                     "--max-side", "-5"]) == 2
    err = capsys.readouterr().err
    assert "--max-side" in err and "between 16 and" in err and len(err.strip().splitlines()) == 1


def test_cli_max_side_that_shrinks_below_the_minimum_is_refused_by_name(capsys, tmp_path):
    # a 4:3 photo at --max-side 16 would be 16×12 px
    assert cli.main(["stylize", "data/heldout/tubingen.jpg", "--style", "starry_night", "-o",
                     str(tmp_path / "o.png"), "--max-side", "16"]) == 2
    assert "--max-side 16" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_cli_gatys_negative_steps_is_one_line(capsys):
    assert cli.main(["stylize", "data/heldout/flower.jpg", "--style", "udnie", "--method", "gatys", "--steps", "-3",
                     "-o", "o.png"]) == 2
    err = capsys.readouterr().err
    assert "--steps" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_broken_painting_for_training_is_one_line_exit_2(capsys, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    assert cli.main(["train-style", "--style", str(broken), "--steps", "1", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and len(err.strip().splitlines()) == 1


def test_cli_interrupt_names_the_kept_checkpoint(capsys, tmp_path, monkeypatch):
    from ganstyle_edu import stylenet

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(stylenet.StyleNetTrainer, "train", interrupted)
    status = cli.main(["train-style", "--style", "great_wave", "--steps", "2", "--crop-size", "32", "--width", "4",
                       "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 130 and "interrupted" in err and "great_wave_checkpoints" in err


def test_cli_full_disk_is_one_line_and_leaves_no_partial_file(capsys, tmp_path, monkeypatch):
    import errno

    from ganstyle_edu import images

    real_save = images.Image.Image.save

    def full_disk(self, fp, *args, **kwargs):
        real_save(self, fp, *args, **kwargs)  # the bytes reach the temporary file, then the disk "fills"
        raise OSError(errno.ENOSPC, "No space left on device", str(fp))

    monkeypatch.setattr(images.Image.Image, "save", full_disk)
    out = tmp_path / "o.png"
    status = cli.main(["stylize", "data/heldout/flower.jpg", "--style", "starry_night", "--max-side", "64", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and "disk is full" in err
    assert list(tmp_path.iterdir()) == []  # neither the result nor a temporary file is left behind


def test_cli_real_bugs_keep_exit_1_and_their_traceback(monkeypatch):
    from ganstyle_edu import stylegen

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug in the package")

    monkeypatch.setattr(stylegen, "stylize_with", bug)
    with pytest.raises(ZeroDivisionError):  # main lets it through: the console script exits 1 with the traceback
        cli.main(["stylize", "data/heldout/flower.jpg", "--style", "starry_night", "--max-side", "64", "-o", "o.png"])


# ---- the library on images of any size ----------------------------------------------------------------

SIZES = st.one_of(st.tuples(st.integers(1, 160), st.integers(1, 160)),
                  st.sampled_from([(1, 1), (3000, 5), (5, 3000), (16, 16), (17, 997), (997, 17), (400, 2), (15, 64),
                                   (16, 17), (31, 127)]))


def _photo(size, seed=0):
    return np.random.default_rng(seed).random((*size, 3)).astype("float32")  # (H, W, 3)


@pytest.fixture(scope="module")
def small_networks():
    from ganstyle_edu import models, stylemodel

    return stylemodel.build_style_generator(width=4, num_residual=1), models.build_patch_discriminator(width=4)


@given(size=SIZES)
def test_stylize_with_keeps_the_size_or_says_why(small_networks, size):
    from ganstyle_edu import stylegen

    try:
        result = stylegen.stylize_with(small_networks[0], _photo(size))
    except ValueError as error:  # ImageError is a ValueError
        assert "px" in str(error) or "small" in str(error)
        assert min(size) < MIN_SIDE
        return
    assert result.shape == (*size, 3) and np.all(np.isfinite(result))


@given(size=SIZES, other=SIZES)
def test_content_preservation_and_border_band_on_any_size(size, other):
    from ganstyle_edu import artefacts, metrics

    try:
        ssim = metrics.content_preservation(_photo(size), _photo(other, 1))
        assert -1.0 <= ssim <= 1.0
    except ValueError as error:
        assert "too small" in str(error) and min(*size, *other) < metrics.SSIM_FILTER_SIZE
    try:
        band = artefacts.border_band(_photo(size))
        assert -1.0 <= band <= 1.0
    except ValueError as error:
        assert "border_band" in str(error) and min(size) <= 32


@given(size=SIZES)
def test_sliced_wasserstein_on_any_size(size):
    from ganstyle_edu import metrics

    try:
        result = metrics.sliced_wasserstein(_photo(size), _photo((48, 40), 1), patches_per_image=64)
    except ValueError as error:
        assert "image" in str(error)
        return
    assert np.isfinite(result["mean"]) and result["mean"] >= 0


@given(size=SIZES)
def test_realism_map_is_one_cell_per_8_pixels_or_says_why(small_networks, size):
    from ganstyle_edu import saliency

    try:
        probabilities = saliency.realism_map(small_networks[1], _photo(size))
    except ValueError as error:
        assert "px" in str(error) or "small" in str(error)
        return
    assert probabilities.ndim == 2 and probabilities.size > 0
    assert np.all((probabilities >= 0) & (probabilities <= 1))


@pytest.fixture(scope="module")
def tiny_nst():
    from ganstyle_edu import nst
    from ganstyle_edu.features import FeatureExtractor

    config = nst.NSTConfig(size=64, num_steps=2, jit_compile=False)
    return config, FeatureExtractor(list(dict.fromkeys(config.style_layers + config.content_layers)))


@given(size=SIZES, max_side=st.integers(16, 96))
def test_nst_stylize_two_steps_on_any_size(tiny_nst, size, max_side):
    import dataclasses

    from ganstyle_edu import nst

    config, extractor = tiny_nst
    try:
        result = nst.stylize(_photo(size), _photo((40, 30), 1), dataclasses.replace(config, size=max_side),
                             extractor=extractor)
    except ValueError as error:
        assert "px" in str(error)
        return
    scale = min(1.0, max_side / max(size))
    expected = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))  # the photo at the run's size
    assert result.image.shape == (*expected, 3), "the result must keep the photo's shape, not distort it"
    assert np.all(np.isfinite(result.image))


def test_nst_stylize_refuses_an_extreme_aspect_ratio_instead_of_distorting_it():
    from ganstyle_edu import nst

    with pytest.raises(ImageError, match="content image shrunk to a long side of 64 px is 64×1 px"):  # 17×997 → 1×64 px
        nst.stylize(_photo((17, 997)), _photo((40, 30)), nst.NSTConfig(size=64, num_steps=1, jit_compile=False))
