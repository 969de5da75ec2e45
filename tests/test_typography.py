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
