"""The explorers, driven without a browser — on the installed ipywidgets 8 and, in a subprocess, on 7.7.1
(Colab's version, installed by the Makefile into .venv/ipywidgets77)."""
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets  # noqa: E402

from ganstyle_edu import features, nst, widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IPYWIDGETS_7 = ROOT / ".venv" / "ipywidgets77"


def test_running_on_the_expected_ipywidgets():
    expected = os.environ.get("GANSTYLE_EXPECT_IPYWIDGETS")
    assert ipywidgets.__version__ == expected if expected else ipywidgets.__version__.startswith(("7.7", "8."))


@pytest.fixture(scope="module")
def styles():
    rng = np.random.default_rng(0)
    return {"stripes": np.tile(np.linspace(0, 1, 32, dtype=np.float32)[None, :, None], (32, 1, 3)),
            "noise": rng.random((32, 32, 3)).astype(np.float32)}


def test_gram_explorer_follows_its_controls(styles):
    extractor = features.FeatureExtractor(["block1_conv1", "block2_conv1"])
    calls = []

    def synthesize(image, layer):
        calls.append(layer)
        return np.full_like(image, 0.25)

    explorer = widgets.GramExplorer(styles, extractor, synthesize=synthesize,
                                    layers=["block1_conv1", "block2_conv1"], num_channels=8)
    assert isinstance(explorer.widget, ipywidgets.VBox)
    assert explorer.state["name"] == "stripes" and explorer.state["gram"].shape == (8, 8)
    assert explorer.state["texture"] is None
    explorer.layer.value = "block2_conv1"  # an observer recomputes
    assert explorer.state["layer"] == "block2_conv1"
    explorer.style.value = "noise"
    assert explorer.state["name"] == "noise"
    grams = widgets.top_channels_gram(extractor(styles["noise"])["block2_conv1"], 8)[0]
    np.testing.assert_allclose(explorer.state["gram"], grams, rtol=1e-5)
    explorer.button.click()
    assert calls == ["block2_conv1"]
    assert explorer.state["texture"] is not None and float(explorer.state["texture"].mean()) == 0.25
    explorer.style.value = "stripes"
    assert explorer.state["texture"] is None  # textures are per (painting, layer)


def test_top_channels_are_the_most_active():
    maps = np.zeros((1, 4, 4, 5), np.float32)
    maps[..., 3] = 2.0
    maps[..., 1] = 1.0
    block, channels = widgets.top_channels_gram(maps, 2)
    assert channels == [3, 1]
    np.testing.assert_allclose(block, [[4.0, 2.0], [2.0, 1.0]])


def test_weights_explorer_passes_the_slider_values(styles):
    seen = []

    def fake_run(content, style, config):
        seen.append(config)
        return nst.NSTResult(np.full_like(content, 0.5), {"total": 1.0, "style": 0.5, "content": 0.25, "tv": 0.25},
                             {}, config)

    base = nst.NSTConfig(size=32, num_steps=2)
    explorer = widgets.WeightsExplorer(styles["noise"], styles["stripes"], base, run=fake_run)
    explorer.style_weight.value = 1.0
    explorer.tv_weight.value = 3.0
    explorer.button.click()
    assert len(seen) == 1
    assert seen[0].style_weight == pytest.approx(1.0) and seen[0].tv_weight == pytest.approx(3.0)
    assert seen[0].content_weight == pytest.approx(base.content_weight)
    assert explorer.state["losses"]["total"] == 1.0


def test_weights_explorer_real_run(styles):
    base = nst.NSTConfig(size=32, num_steps=3, jit_compile=False)
    explorer = widgets.WeightsExplorer(styles["noise"], styles["stripes"], base)
    state = explorer.run()
    assert state["image"].shape == (32, 32, 3)
    assert np.isfinite(state["losses"]["total"])


@pytest.mark.skipif(os.environ.get("GANSTYLE_EXPECT_IPYWIDGETS") is not None, reason="already the 7.7 run")
def test_the_same_tests_pass_on_ipywidgets_7_7():
    assert IPYWIDGETS_7.is_dir(), "ipywidgets 7.7.1 is missing: `make test` installs it into .venv/ipywidgets77"
    env = dict(os.environ, PYTHONPATH=str(IPYWIDGETS_7), GANSTYLE_EXPECT_IPYWIDGETS="7.7.1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                            capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "5 passed, 1 skipped" in result.stdout
