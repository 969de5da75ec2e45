"""Font style transfer: paint a word in a painting's style and keep it readable (notebook 10).

The word is rendered as a **glyph mask** M (1 on the letters, 0 elsewhere) with a font that ships with
matplotlib (DejaVu, no download), and turned into a content image c: dark letters on a light ground.
DejaVu has no Chinese, Japanese or Korean glyphs: for a word it cannot write (风格, say) the renderer takes an
installed font that has every character of the word (a CJK one for CJK text, found with fontconfig or in
the usual font folders), and refuses, naming the characters, when no font has them — it never draws the
empty boxes ("tofu") a font shows for a character it lacks.
Plain Gatys on c lets the painting's texture flood the letters. A **mask-weighted content loss** (the
spatial control of Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer") asks for
the photo's features more strongly on and around the letters than on the ground:

    L_content = Σ_l mean_{positions p} w_l(p) · (F_l(x)_p − F_l(c)_p)²,   w ∝ 1 + (λ − 1) · dilate(M), mean(w) = 1,

with w resized to each layer's grid: changing the letters costs λ times more than changing the ground. At a deep
content layer (relu4_2, 1/8 of the resolution) the resized mask covers nearly everything and does little; a
shallow one (relu2_2) keeps the strokes — notebook 10 measures both.

**Legibility** of a result x: threshold its luminance with Otsu's method (the threshold that best splits
the histogram into two classes) and take the IoU of the dark class with the glyph mask — 1 when the
letters come out exactly, near 0 when they are lost.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .images import luminance

FONTS = {"sans": "DejaVuSans-Bold.ttf", "serif": "DejaVuSerif-Bold.ttf", "mono": "DejaVuSansMono-Bold.ttf"}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# where to get a font for characters no installed font has (one line of an error message)
CJK_FONT_HINT = "install a CJK font, e.g. `sudo apt install fonts-noto-cjk` on Debian/Ubuntu"
OTHER_FONT_HINT = "install a font that has them, e.g. `sudo apt install fonts-noto-core` on Debian/Ubuntu"


def font_path(font: str | os.PathLike = "sans") -> Path:
    """The font file of ``font``: one of FONTS, a DejaVu font that ships inside matplotlib's package data (found
    without importing matplotlib), or the path of a font file (.ttf, .otf, .ttc) (notebook 10)."""
    if isinstance(font, os.PathLike) or (isinstance(font, str) and font not in FONTS
                                         and (os.sep in font or "/" in font or font.lower().endswith(FONT_SUFFIXES))):
        path = Path(font).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"font={str(font)!r}: no such font file")
        return path
    if font not in FONTS:
        raise ValueError(f"font={font!r}: use one of {', '.join(FONTS)}, or the path of a font file")
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("matplotlib is not installed; its DejaVu fonts are needed to render text")
    path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / FONTS[font]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: matplotlib's font file is missing; reinstall matplotlib")
    return path


@functools.lru_cache(maxsize=1024)
def _missing(path: str, index: int, mtime: float, text: str) -> str:
    """The characters of ``text`` that the font (face ``index`` of a collection) maps to no glyph, or to .notdef
    (its empty box). fontTools comes with matplotlib."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as face:
        cmap = face.getBestCmap() or {}
    return "".join(dict.fromkeys(ch for ch in text if cmap.get(ord(ch), ".notdef") == ".notdef"))


def missing_glyphs(text: str, font: str | os.PathLike = "sans", index: int = 0) -> str:
    """The characters of ``text`` (once each, in order) that the font has no glyph for — those it would draw as
    empty boxes; "" when it can write the whole text. ``index``: the face of a font collection (.ttc) (notebook 10)."""
    path = font_path(font)
    try:
        return _missing(str(path), index, path.stat().st_mtime, str(text))
    except Exception as error:  # not an OpenType/TrueType font, or a broken file
        raise ValueError(f"font {path}: cannot read its character map ({type(error).__name__}: {error})") from error


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "FULLWIDTH"))


def _hint(missing: str) -> str:
    return CJK_FONT_HINT if any(_is_cjk(ch) for ch in missing) else OTHER_FONT_HINT


def _regional_families(text: str) -> tuple:
    """Words in the family names of the fonts written for the text's language: Korean for Hangul, Japanese for
    kana, simplified Chinese for other CJK text (the course's Chinese notebooks)."""
    names = " ".join(unicodedata.name(ch, "") for ch in text)
    if "HANGUL" in names:
        return ("KR", "K", "Korean")
    if "HIRAGANA" in names or "KATAKANA" in names:
        return ("JP", "J", "Japanese")
    return ("SC", "CN", "Hans", "GB")


def _number(value: str) -> float:
    """The first number in one of fc-list's fields ("80", "[80 200]" for a range), 0 for none."""
    return float((re.findall(r"\d+(?:\.\d+)?", value) or ["0"])[0])


def _fontconfig_fonts(text: str) -> list | None:
    """(path, index, family, style, weight, slant, spacing, languages) of every font fontconfig knows that has a
    glyph for each character of ``text``; None where there is no working fc-list."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    charset = " ".join(f"{code:x}" for code in sorted({ord(ch) for ch in text}))
    fields = "%{file}\t%{index}\t%{family[0]}\t%{style[0]}\t%{weight}\t%{slant}\t%{spacing}\t%{lang}\n"
    try:
        listing = subprocess.run([fc_list, "--format", fields, f":charset={charset}"], capture_output=True,
                                 text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) != 8 or not parts[0].lower().endswith(FONT_SUFFIXES):
            continue
        index = int(_number(parts[1])) & 0xFFFF  # a variable font's named instances add n << 16 to the face
        fonts.append((parts[0], index, parts[2], parts[3], _number(parts[4]), _number(parts[5]), _number(parts[6]),
                      set(parts[7].split("|"))))
    return fonts


# OpenType's weight classes on fontconfig's scale (regular 80, bold 200)
_FC_WEIGHTS = {100: 0, 200: 40, 300: 50, 400: 80, 500: 100, 600: 180, 700: 200, 800: 205, 900: 210}


def _font_files() -> list:
    """Every font file in the system's and the user's font folders (Linux, macOS, Windows), as matplotlib's font
    manager looks for them (the package leaves matplotlib to viz and widgets)."""
    home = Path.home()
    folders = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts", home / ".fonts",
               Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library/Fonts"]
    folders += [Path(os.environ[name]) / tail for name, tail in (("WINDIR", "Fonts"),
                ("LOCALAPPDATA", "Microsoft/Windows/Fonts")) if name in os.environ]
    files = set()
    for folder in folders:
        if folder.is_dir():
            files.update(str(file) for file in folder.rglob("*") if file.suffix.lower() in FONT_SUFFIXES)
    return sorted(files)


def _scanned_fonts(text: str) -> list:
    """The same records as _fontconfig_fonts for the font files in the usual folders (where there is no
    fontconfig), each read with fontTools."""
    from fontTools.ttLib import TTCollection, TTFont

    fonts = []
    for file in _font_files():
        try:
            count = len(TTCollection(file, lazy=True).fonts) if file.lower().endswith((".ttc", ".otc")) else 1
            for index in range(count):
                missing = missing_glyphs(text + "一", Path(file), index)  # 一 (U+4E00): does it write Chinese?
                if set(missing) & set(text):
                    continue
                with TTFont(file, fontNumber=index, lazy=True) as face:
                    family = face["name"].getDebugName(1) or Path(file).stem
                    style = face["name"].getDebugName(2) or ""
                    weight = face["OS/2"].usWeightClass if "OS/2" in face else 400
                    mono = "post" in face and face["post"].isFixedPitch
                cjk = set() if "一" in missing else {"zh-cn"}
                fc_weight = min(_FC_WEIGHTS.items(), key=lambda item: abs(item[0] - weight))[1]
                fonts.append((file, index, family, style, fc_weight,
                              100 if "Italic" in style or "Oblique" in style else 0, 100 if mono else 0, cjk))
        except Exception:  # an unreadable font file: not a candidate
            continue
    return fonts


def installed_fonts(text: str, style: str = "sans") -> list:
    """The installed fonts that have a glyph for every character of ``text``, best first, as (path, index of the
    face in a collection): for CJK text a font of its language (a simplified Chinese one for Chinese characters),
    then one with CJK languages; then the ``style`` (sans, serif or mono), upright, bold, by name (notebook 10)."""
    text = str(text)
    fonts = _fontconfig_fonts(text)
    if fonts is None:
        fonts = _scanned_fonts(text)
    cjk = any(_is_cjk(ch) for ch in text)
    regional = _regional_families(text)

    def rank(record):
        path, index, family, style_name, weight, slant, spacing, languages = record
        words = set(re.split(r"[\s_-]+", family))
        script = (0 if not cjk or words & set(regional)
                  else 1 if languages & {"zh-cn", "zh-tw", "ja", "ko"} else 2)
        mono = spacing >= 100 or "Mono" in words
        serif = "Serif" in words or bool(words & {"Song", "Ming", "Mincho", "Myeongjo"})
        match = mono if style == "mono" else serif and not mono if style == "serif" else not (mono or serif)
        return script, not match, slant != 0, abs(weight - 200), family, path, index

    ranked = sorted(fonts, key=rank)
    return list(dict.fromkeys((Path(record[0]), record[1]) for record in ranked))


def find_font(text: str, font: str | os.PathLike = "sans") -> tuple[Path, int]:
    """The font glyph_mask writes ``text`` with, as (path, index of the face in a collection): ``font`` itself when
    it has every character's glyph — a Latin word keeps its DejaVu font — else, for a font named in FONTS, the best
    installed font that has them all (installed_fonts). A font file given by path is used only if it has them.
    ValueError, naming the missing characters and where to get a font, when no font can write the text: never
    empty boxes (notebook 10)."""
    text = str(text).strip()
    path = font_path(font)
    missing = missing_glyphs(text, path)
    if not missing:
        return path, 0
    listed = ", ".join(missing)
    named = isinstance(font, str) and font in FONTS
    if not named:
        raise ValueError(f"font {path} has no glyph for {listed} in {text!r}: pass a font file that has them, or "
                         f"leave font='sans' to search the installed fonts ({_hint(missing)})")
    for candidate, index in installed_fonts(text, style=font):
        try:
            if not missing_glyphs(text, candidate, index):
                ImageFont.truetype(str(candidate), size=16, index=index)  # Pillow (FreeType) can load it
                return candidate, index
        except (OSError, ValueError):
            continue
    raise ValueError(f"no installed font has glyphs for {listed} in {text!r} ({path.name} lacks them): "
                     f"{_hint(missing)}, or pass font='/path/to/font.ttf'")


def glyph_mask(text: str, height: int = 128, font: str | os.PathLike = "sans", margin: float = 0.15) -> np.ndarray:
    """A word rendered as an (H, W) float32 mask in [0, 1] (1 on the letters), ``height`` pixels tall with a
    margin of ``margin``·height on every side; the width follows the text. ``font``: sans, serif or mono (DejaVu
    Bold; for characters DejaVu lacks, such as Chinese, an installed font that has them) or a font file's path;
    ValueError when no font has the word's glyphs (find_font) (notebook 10)."""
    text = str(text).strip()
    if not text or "\n" in text:
        raise ValueError(f"glyph_mask: text={text!r}: give one line of at least one visible character")
    if not 16 <= height <= 2048:
        raise ValueError(f"glyph_mask: height={height} must be between 16 and 2048 pixels")
    try:
        path, index = find_font(text, font)
    except ValueError as error:
        raise ValueError(f"glyph_mask: {error}") from None
    pad = round(margin * height)
    face = ImageFont.truetype(str(path), size=max(8, height - 2 * pad), index=index)
    left, top, right, bottom = face.getbbox(text)
    if right <= left or bottom <= top:
        raise ValueError(f"glyph_mask: text={text!r} renders no visible pixels")
    scale = (height - 2 * pad) / (bottom - top)  # fit the ink, not the font's line box, to the height
    face = ImageFont.truetype(str(path), size=max(8, round(face.size * scale)), index=index)
    left, top, right, bottom = face.getbbox(text)
    canvas = Image.new("L", (right - left + 2 * pad, height), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), text, fill=255, font=face)
    return np.asarray(canvas, dtype=np.float32) / 255.0  # (H, W)


def text_image(mask: np.ndarray, ink=(0.05, 0.05, 0.05), paper=(0.95, 0.95, 0.95)) -> np.ndarray:
    """The content image of a glyph mask: ``ink`` letters on ``paper``, (H, W, 3) float32 (notebook 10)."""
    mask = np.asarray(mask, dtype=np.float32)[..., None]  # (H, W) -> (H, W, 1)
    return (mask * np.asarray(ink, np.float32) + (1 - mask) * np.asarray(paper, np.float32)).astype(np.float32)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """The maximum of ``mask`` over a (2·radius + 1)² square around each pixel (notebook 10)."""
    mask = np.asarray(mask, dtype=np.float32)
    if radius <= 0:
        return mask.copy()
    padded = np.pad(mask, radius)
    height, width = mask.shape
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out = np.maximum(out, padded[dy:dy + height, dx:dx + width])
    return out


def content_weights(mask: np.ndarray, letter_weight: float = 10.0, radius: int = 1) -> np.ndarray:
    """w ∝ 1 + (λ − 1) · dilate(M), scaled to a mean of 1: the letters (and ``radius`` pixels around them) weigh
    λ times the ground, and the content loss's total weight stays that of λ = 1 — the weight moves from the
    ground to the letters (notebook 10)."""
    if not letter_weight >= 1:
        raise ValueError(f"content_weights: letter_weight={letter_weight} must be at least 1")
    weights = 1.0 + (letter_weight - 1.0) * dilate(mask, radius)
    return (weights / weights.mean()).astype(np.float32)


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the cut that maximises the between-class variance; where several
    cuts tie (an empty gap between two clusters), the middle of them (notebook 10)."""
    values = np.clip(np.asarray(values, dtype=np.float64).ravel(), 0, 1)
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)                      # pixels at or below each cut
    weight_high = weight_low[-1] - weight_low
    sum_low = np.cumsum(counts * centres)
    mean_low = sum_low / np.maximum(weight_low, 1)
    mean_high = (sum_low[-1] - sum_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))  # every cut in an empty gap ties: take its middle
    middle = (edges[1:][best[0]] + edges[1:][best[-1]]) / 2
    # a value exactly on the cut's edge lies in the bin above it (np.histogram's bins are [a, b)), so the class
    # "≤ threshold" must stop just below that edge
    return float(min(middle, np.nextafter(edges[1:][best[-1]], 0.0)))


def legibility(image, mask, threshold: float | None = None) -> float:
    """IoU of the image's dark pixels (luminance ≤ Otsu's threshold, or ``threshold``) with the letters
    (mask > 0.5): 1 = the word comes out exactly (notebook 10)."""
    y = luminance(image)  # (H, W)
    mask = np.asarray(mask) > 0.5
    if y.shape != mask.shape:
        raise ValueError(f"legibility: image {y.shape} and mask {mask.shape} differ in size")
    dark = y <= (otsu_threshold(y) if threshold is None else threshold)
    union = np.logical_or(dark, mask).sum()
    return float(np.logical_and(dark, mask).sum() / union) if union else 1.0
