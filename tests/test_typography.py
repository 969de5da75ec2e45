"""Glyph masks, Otsu's threshold and legibility against hand-made images; the mask-weighted content loss."""
import numpy as np
import pytest

from ganstyle_edu import typography


def test_glyph_mask_has_the_height_and_ink_of_the_word():
    mask = typography.glyph_mask("GAN", height=64)
    assert mask.dtype == np.float32 and mask.shape[0] == 64 and 0.0 <= mask.min() and mask.max() == 1.0
    rows = np.flatnonzero(mask.max(axis=1) > 0.5)
    pad = round(0.15 * 64)
    assert rows[0] >= pad - 1 and rows[-1] <= 64 - pad  # the ink fits between the margins
    assert rows[-1] - rows[0] >= 64 - 2 * pad - 3       # and fills them (no accent or descender in GAN)
    longer = typography.glyph_mask("GANGAN", height=64)
    assert longer.shape[1] > 1.8 * mask.shape[1]        # the width follows the text
    assert 0.2 < (mask > 0.5).mean() < 0.7              # bold capitals: a good share of ink


@pytest.mark.parametrize("text", ["", "   ", "two\nlines"])
def test_glyph_mask_refuses_empty_or_multiline_text(text):
    with pytest.raises(ValueError, match="one line"):
        typography.glyph_mask(text)


def test_unknown_font_names_the_choices():
    with pytest.raises(ValueError, match="sans, serif, mono"):
        typography.font_path("comic")
    assert typography.font_path("serif").name == "DejaVuSerif-Bold.ttf"


# --- Words DejaVu cannot write (Chinese): a font that has the glyphs, or a refusal that names them; never tofu ---

def _cjk_font_or_skip():
    """The font glyph_mask takes for 风格; skips (fails where CI installed a CJK font) when there is none."""
    import os

    try:
        return typography.find_font("风格")
    except ValueError:
        reason = "no CJK font: install fonts-noto-cjk"
        if os.environ.get("GANSTYLE_CJK_FONT_REQUIRED") == "1":
            pytest.fail(reason + " (GANSTYLE_CJK_FONT_REQUIRED=1)")
        pytest.skip(reason)


def test_a_font_file_without_the_words_glyphs_is_refused_by_name():
    dejavu = typography.font_path("sans")
    assert typography.missing_glyphs("GAN", dejavu) == ""
    assert typography.missing_glyphs("GAN风格风", dejavu) == "风格"  # each missing character once, in order
    with pytest.raises(ValueError) as refused:
        typography.glyph_mask("风格", font=dejavu)  # an explicit font file is honoured: no other font is taken
    message = str(refused.value)
    assert "风, 格" in message and "'风格'" in message and "fonts-noto-cjk" in message and "\n" not in message
    assert typography.font_path(str(dejavu)) == dejavu  # a path is a font too
    with pytest.raises(FileNotFoundError, match="no such font file"):
        typography.glyph_mask("GAN", font="/nowhere/font.ttf")


def test_with_no_installed_font_for_the_word_it_is_refused_in_one_line_and_in_the_explorer(monkeypatch):
    from ganstyle_edu import nst, widgets

    monkeypatch.setattr(typography, "installed_fonts", lambda text, style="sans": [])  # a machine without CJK fonts
    expected = ("glyph_mask: no installed font has glyphs for 风, 格 in '风格' (DejaVuSans-Bold.ttf lacks them): "
                "install a CJK font, e.g. `sudo apt install fonts-noto-cjk` on Debian/Ubuntu, "
                "or pass font='/path/to/font.ttf'")
    with pytest.raises(ValueError) as refused:
        typography.glyph_mask("风格")
    assert str(refused.value) == expected
    painting = np.zeros((48, 48, 3), np.float32)
    explorer = widgets.TypographyExplorer({"black": painting}, nst.NSTConfig(num_steps=2, jit_compile=False),
                                          height=32, text="风格")
    assert explorer.run()["error"] == "ValueError: " + expected
    assert typography.glyph_mask("GAN").shape[0] == 128  # a word DejaVu writes needs no other font


@pytest.mark.parametrize("font", ["sans", "serif", "mono"])
def test_latin_words_keep_their_dejavu_font_and_pixels(font):
    assert typography.find_font("GAN Hi", font) == (typography.font_path(font), 0)
    np.testing.assert_array_equal(typography.glyph_mask("GAN Hi", 48, font),
                                  typography.glyph_mask("GAN Hi", 48, typography.font_path(font)))


def test_installed_fonts_prefer_the_words_language_then_the_style_upright_and_bold(monkeypatch):
    zh, ja = {"zh-cn", "ja"}, {"ja"}
    fonts = [("/f/serif-sc.ttc", 2, "Noto Serif CJK SC", "Bold", 200, 0, 0, zh),
             ("/f/sans.ttc", 0, "Noto Sans CJK JP", "Bold", 200, 0, 0, ja),
             ("/f/sans.ttc", 2, "Noto Sans CJK SC", "Bold", 200, 0, 0, zh),
             ("/f/sans-light.ttc", 2, "Noto Sans CJK SC", "Light", 50, 0, 0, zh),
             ("/f/sans-italic.ttf", 0, "Some Sans SC", "Bold Italic", 200, 100, 0, zh),
             ("/f/mono.ttc", 7, "Noto Sans Mono CJK SC", "Bold", 200, 0, 0, zh),
             ("/f/unifont.ttf", 0, "Unifont", "Medium", 100, 0, 100, set())]
    monkeypatch.setattr(typography, "_fontconfig_fonts", lambda text: list(fonts))
    from pathlib import Path

    ranked = lambda text, style="sans": [(str(path), index) for path, index in  # noqa: E731
                                         typography.installed_fonts(text, style)]
    # Chinese faces first (SC), sans before the other styles (these by family name), upright, bold
    assert ranked("风格") == [("/f/sans.ttc", 2), ("/f/sans-light.ttc", 2), ("/f/sans-italic.ttf", 0),
                            ("/f/mono.ttc", 7), ("/f/serif-sc.ttc", 2), ("/f/sans.ttc", 0), ("/f/unifont.ttf", 0)]
    assert ranked("风格", "serif")[0] == ("/f/serif-sc.ttc", 2)
    assert ranked("风格", "mono")[0] == ("/f/mono.ttc", 7)
    assert ranked("こんにちは")[0] == ("/f/sans.ttc", 0)  # kana: the Japanese face
    assert all(isinstance(path, Path) for path, _ in typography.installed_fonts("风格"))


def test_a_chinese_word_renders_ink_whose_legibility_is_measured():
    path, index = _cjk_font_or_skip()
    assert typography.missing_glyphs("风格", path, index) == ""
    mask = typography.glyph_mask("风格", height=64)
    assert mask.dtype == np.float32 and mask.shape[0] == 64 and mask.max() == 1.0
    assert 0.1 < (mask > 0.5).mean() < 0.7                    # bold strokes: a good share of ink
    assert mask.shape[1] > 1.6 * typography.glyph_mask("风", height=64).shape[1]  # two characters side by side
    # not empty boxes: a font's missing-glyph box is the same for 风 and 格; their real glyphs share little ink
    feng, ge = typography.glyph_mask("风", height=64) > 0.5, typography.glyph_mask("格", height=64) > 0.5
    width = min(feng.shape[1], ge.shape[1])
    feng, ge = feng[:, :width], ge[:, :width]
    assert (feng & ge).sum() / (feng | ge).sum() < 0.6
    # the legibility notebook 10 measures: a clean print reads, half of it erased reads as the ink left
    page = typography.text_image(mask)
    assert typography.legibility(page, mask) > 0.95
    erased = page.copy()
    erased[:, : page.shape[1] // 2] = 0.95
    expected = (mask[:, page.shape[1] // 2:] > 0.5).sum() / (mask > 0.5).sum()
    assert typography.legibility(erased, mask, threshold=0.5) == pytest.approx(expected, abs=0.01)


def test_the_explorer_paints_a_chinese_word():
    from ganstyle_edu import nst, widgets

    _cjk_font_or_skip()
    painting = np.random.default_rng(0).random((48, 48, 3)).astype(np.float32)
    explorer = widgets.TypographyExplorer({"noise": painting}, nst.NSTConfig(num_steps=2, jit_compile=False),
                                          height=32, text="风格")
    state = explorer.run()
    assert "error" not in state, state
    mask = typography.glyph_mask("风格", height=32)
    assert state["image"].shape == mask.shape + (3,)
    assert state["legibility"] == pytest.approx(typography.legibility(state["image"], mask))


def test_without_fontconfig_the_font_folders_are_searched(monkeypatch):
    import shutil

    expected = typography.installed_fonts("GAN风格")
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None if name == "fc-list"
                        else which(name, *args, **kwargs))
    assert typography._fontconfig_fonts("GAN") is None
    found = typography.installed_fonts("GAN风格")
    for path, index in found:
        assert typography.missing_glyphs("GAN风格", path, index) == ""
    assert bool(found) == bool(expected)  # the same fonts on disk: both find one, or neither
    if found:
        assert found[0] in expected


def test_otsu_splits_two_clusters_between_them():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.2, 0.03, 500), rng.normal(0.7, 0.03, 300)])
    threshold = typography.otsu_threshold(values)
    # an independent reference: the between-class variance of every cut, by brute force; the best cuts form a
    # plateau over the empty gap, and Otsu's threshold lies in its middle
    cuts = np.linspace(0.25, 0.65, 161)  # both classes are non-empty at every one of these cuts
    between = np.array([(values <= t).mean() * (values > t).mean()
                        * (values[values <= t].mean() - values[values > t].mean()) ** 2 for t in cuts])
    plateau = cuts[between >= between.max() * (1 - 1e-9)]
    assert plateau[0] <= threshold <= plateau[-1]
    assert abs(threshold - (plateau[0] + plateau[-1]) / 2) < 0.02
    skewed = np.concatenate([rng.normal(0.3, 0.1, 2000), rng.normal(0.6, 0.1, 2000)])  # overlapping clusters
    assert abs(typography.otsu_threshold(skewed) - 0.45) < 0.03


def test_legibility_is_the_iou_of_the_dark_pixels_with_the_letters():
    mask = typography.glyph_mask("Hi", height=48)
    page = typography.text_image(mask)
    assert typography.legibility(page, mask) > 0.95
    blank = np.full(page.shape, 0.9, np.float32)
    assert typography.legibility(blank, mask, threshold=0.5) == 0.0  # nothing dark: no letter found
    # half the letters erased (left half painted as paper): IoU ≈ the share of ink left
    half = page.copy()
    half[:, : page.shape[1] // 2] = 0.95
    expected = (mask[:, page.shape[1] // 2:] > 0.5).sum() / (mask > 0.5).sum()
    assert typography.legibility(half, mask, threshold=0.5) == pytest.approx(expected, abs=0.01)
    with pytest.raises(ValueError, match="differ in size"):
        typography.legibility(page[:, :-1], mask)


def test_content_weights_dilate_the_letters():
    mask = np.zeros((9, 9), np.float32)
    mask[4, 4] = 1.0
    weights = typography.content_weights(mask, letter_weight=10, radius=1)
    unit = 81 / (9 * 10 + 72)  # the weights before scaling sum to 9·10 + 72·1; after it, their mean is 1
    np.testing.assert_allclose([weights[4, 4], weights[3, 5], weights[2, 4]], [10 * unit, 10 * unit, unit], rtol=1e-6)
    assert weights.mean() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 1"):
        typography.content_weights(mask, letter_weight=0.5)


def test_a_content_mask_weights_the_content_loss_where_it_says():
    from ganstyle_edu import nst

    rng = np.random.default_rng(0)
    content = rng.random((32, 32, 3)).astype(np.float32)
    changed = content.copy()
    changed[:, 16:] = 0.5  # the right half differs from the content
    config = nst.NSTConfig(size=32, style_weight=0.0, tv_weight=0.0, content_layers=("block1_conv1",),
                           style_layers=("block1_conv1",))
    plain = nst.StyleContentLoss(content, content, config)
    left = np.ones((32, 32), np.float32)
    left[:, 16:] = 0.0                                      # weight only the left half: it sees no difference
    right = 1.0 - left                                      # weight only the right half: it sees all of it
    value = lambda mask: float(nst.StyleContentLoss(content, content, config, plain.extractor,  # noqa: E731
                                                    mask)(changed[None])["content"])
    unweighted = float(plain(changed[None])["content"])
    assert value(right) == pytest.approx(unweighted, rel=0.1) and value(left) < 0.2 * unweighted
    assert value(10 * np.ones((32, 32), np.float32)) == pytest.approx(10 * unweighted, rel=1e-4)


def test_typography_explorer_paints_the_typed_word():
    import ipywidgets

    from ganstyle_edu import nst, widgets

    painting = np.random.default_rng(0).random((48, 48, 3)).astype(np.float32)
    explorer = widgets.TypographyExplorer({"noise": painting}, nst.NSTConfig(num_steps=2, jit_compile=False), height=32)
    assert isinstance(explorer.widget, ipywidgets.VBox)
    explorer.text.value = "Hi"
    state = explorer.run()
    mask = typography.glyph_mask("Hi", height=32)
    assert state["image"].shape == mask.shape + (3,) and 0.0 <= state["legibility"] <= 1.0
    assert state["legibility"] == pytest.approx(typography.legibility(state["image"], mask))
    explorer.text.value = "   "
    assert "one line of at least one visible character" in explorer.run()["error"]


# --- The library twins (the test extra's scikit-image): the package keeps its readable versions, skimage checks them ---

def _skimage(submodule):
    return pytest.importorskip(f"skimage.{submodule}", reason="scikit-image (the test extra) is the twin of Otsu "
                                                              "and dilation")


def _between_class_variance(values, low):
    """ω₀ ω₁ (μ₀ − μ₁)² of the split of ``values`` into ``low`` and the rest (0 if a class is empty)."""
    values, low = np.ravel(values), np.ravel(low)
    if low.all() or not low.any():
        return 0.0
    return low.mean() * (1 - low.mean()) * (values[low].mean() - values[~low].mean()) ** 2


def _eight_bit(values):
    return np.clip(np.round(np.asarray(values) * 255), 0, 255).astype(np.uint8)


def _noisy_print():
    """Notebook 10's noisy print of a word: its luminance, a real input of legibility()."""
    mask = typography.glyph_mask("GAN", height=48)
    page = typography.text_image(mask)
    smudged = np.clip(page + np.random.default_rng(0).normal(0, 0.15, page.shape), 0, 1)
    return 0.299 * smudged[..., 0] + 0.587 * smudged[..., 1] + 0.114 * smudged[..., 2]


def _otsu_cases():
    rng = np.random.default_rng(0)
    return {
        "ink and paper": np.concatenate([rng.normal(0.2, 0.05, 900), rng.normal(0.75, 0.08, 100)]),
        "overlapping clusters": np.concatenate([rng.normal(0.3, 0.1, 2000), rng.normal(0.6, 0.1, 2000)]),
        "uniform": rng.random(3000),
        "two levels": np.repeat([13 / 255, 240 / 255], [30, 70]),
        "adjacent levels": np.repeat([127 / 255, 128 / 255], [30, 70]),
        "three levels": np.repeat([10 / 255, 100 / 255, 250 / 255], [50, 20, 30]),
        "black and white": np.repeat([0.0, 1.0], [5, 95]),
        "noisy print of a word": _noisy_print(),
    }


@pytest.mark.parametrize("name", list(_otsu_cases()))
def test_otsu_splits_eight_bit_levels_as_skimage_does(name):
    """On 8-bit levels k/255 the package's 256 bins on [0, 1] hold one level each, and skimage's Otsu on the
    uint8 image counts every level exactly; the thresholds differ (a bin edge against a level, skimage keeps
    "> t" as the upper class), the split of the pixels must not. Exercise 10.1's solution splits them alike."""
    from ganstyle_edu.exercises import nb10

    filters = _skimage("filters")
    image = _eight_bit(_otsu_cases()[name])
    values = image / 255.0
    expected = image <= filters.threshold_otsu(image)
    np.testing.assert_array_equal(values <= typography.otsu_threshold(values), expected)
    np.testing.assert_array_equal(values <= nb10._otsu_solution(values.ravel()), expected)


@pytest.mark.parametrize("name", ["ink and paper", "overlapping clusters", "uniform", "noisy print of a word"])
def test_otsu_cuts_the_package_histogram_where_skimage_does(name):
    """Given the package's own histogram (256 bins on [0, 1]), skimage's Otsu picks the same cut: every non-empty
    bin falls on the same side. skimage answers the centre of the last lower bin and the package the middle of the
    plateau of equally good cuts over the empty bins after it, so only the empty bins may differ."""
    filters = _skimage("filters")
    values = np.clip(np.ravel(_otsu_cases()[name]), 0, 1)
    counts, edges = np.histogram(values, bins=256, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    ours, theirs = typography.otsu_threshold(values), filters.threshold_otsu(hist=(counts, centres))
    filled = counts > 0
    np.testing.assert_array_equal((centres <= ours)[filled], (centres <= theirs)[filled])


@pytest.mark.parametrize("low, high", [(127.5 / 256, 0.5), (0.0, 1 / 256), (0.3, 0.75)],
                         ids=["0.5 on an edge", "1/256 on an edge", "no edge"])
def test_otsu_keeps_a_value_on_the_cut_edge_in_the_upper_class(low, high):
    """A value exactly on the edge of the winning cut lies in the bin above it; "≤ threshold" must leave it
    there (the package once returned the edge itself, and 0.5 joined 0.498 in one class: a split with no
    between-class variance at all). skimage's Otsu, on its own bins, separates the two values."""
    filters = _skimage("filters")
    values = np.repeat([low, high], [30, 70])
    expected = values <= filters.threshold_otsu(values)
    assert expected.mean() == pytest.approx(0.3)
    np.testing.assert_array_equal(values <= typography.otsu_threshold(values), expected)


def test_otsu_on_an_exact_tie_of_two_cuts_is_optimal_like_skimage():
    """Levels 0, 1, 2 once each: {0} | {1, 2} and {0, 1} | {2} have the same between-class variance. skimage takes
    the first best cut, the package the middle of the best ones; both splits are optimal."""
    filters = _skimage("filters")
    image = np.array([[0, 1, 2]], np.uint8)
    values = image / 255.0
    ours = values <= typography.otsu_threshold(values)
    theirs = image <= filters.threshold_otsu(image)
    best = max(_between_class_variance(values, values <= level / 255) for level in range(3))
    assert _between_class_variance(values, ours) == pytest.approx(best, rel=1e-12)
    assert _between_class_variance(values, theirs) == pytest.approx(best, rel=1e-12)


def _dilation_cases():
    rng = np.random.default_rng(0)
    centre, corners = np.zeros((9, 9), bool), np.zeros((9, 11), bool)
    centre[4, 4] = True
    corners[0, 0] = corners[8, 10] = corners[2, 3] = True
    return {"one pixel": centre, "corners and edges": corners, "empty": np.zeros((5, 7), bool),
            "full": np.ones((4, 6), bool), "smaller than the square": np.eye(2, 3, dtype=bool),
            "random": rng.random((12, 10)) > 0.85, "a word": typography.glyph_mask("Hi", height=24) > 0.5}


@pytest.mark.parametrize("radius", [0, 1, 2, 3])
@pytest.mark.parametrize("name", list(_dilation_cases()))
def test_dilate_matches_skimage_dilation_with_the_square(name, radius):
    """skimage.morphology.dilation with the (2r + 1)² square footprint: on boolean masks, and as a grey-level
    maximum filter on masks in [0, 1] (skimage reflects at the border, the package pads with 0: the same for
    values ≥ 0). Exercise 10.3's reference and solution are checked too."""
    from ganstyle_edu.exercises import nb10

    morphology = _skimage("morphology")
    mask = _dilation_cases()[name]
    square = np.ones((2 * radius + 1, 2 * radius + 1), bool)
    expected = morphology.dilation(mask, square)
    np.testing.assert_array_equal(typography.dilate(mask, radius) > 0.5, expected)
    np.testing.assert_array_equal(nb10._dilate_reference(mask, radius), expected)
    np.testing.assert_array_equal(nb10._dilate_solution(mask, radius), expected)
    grey = np.where(mask, 1.0, np.random.default_rng(radius).random(mask.shape)).astype(np.float32)  # soft edges
    np.testing.assert_array_equal(typography.dilate(grey, radius), morphology.dilation(grey, square))
