"""The bundled sample images, by name, and random crops of them (introduced in notebook 00).

Thirty-two images ship with the course (credits in ``data/CREDITS.md``): six paintings (``style``),
fourteen training photographs (``content``), four **held-out** photographs (``heldout``: a landscape, a
close-up, a portrait and a town — never used to train anything, so that quality is measured on photos a
network has not seen), four more photographs never trained on (``survey``: a water drop, dandelion seeds,
wooden planks and grass — smooth to busy, for notebook 09's survey of which photos suit which painting),
one painting that no shipped network has learned (``new_style``: for teaching a
network a new style) and three grayscale textures (``texture``). They are looked up in the
checkout's ``data/`` folder first and then in the installed package (a wheel carries a copy), so the
same call works in a clone, after ``pip install``, and on Colab — with no download.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .images import ImageError, load_image

CATEGORIES = ("style", "content", "heldout", "survey", "new_style", "texture")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def data_dir() -> Path:
    """The folder holding ``style/``, ``content/``, ``heldout/``, ``survey/``, ``new_style/`` and ``texture/`` (notebook
    00)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "data", here / "_data"):
        if (candidate / "CREDITS.md").is_file() and all((candidate / c).is_dir() for c in CATEGORIES):
            return candidate
    raise FileNotFoundError(
        f"the sample images were not found in {here.parent / 'data'} (a checkout) nor in {here / '_data'} "
        "(an installed package). Reinstall with `pip install -e .` from the course folder, or with "
        "`pip install git+<repository URL>`."
    )


def _index() -> dict[str, Path]:
    """name -> path for every bundled image, e.g. 'starry_night' -> .../style/starry_night.jpg."""
    root = data_dir()
    index = {}
    for category in CATEGORIES:
        for path in sorted((root / category).iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                index[path.stem] = path
    return index


def names(category: str | None = None) -> list[str]:
    """Names of the bundled images, all or of one category (notebook 00)."""
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}: use one of {', '.join(CATEGORIES)}")
    return [name for name, path in _index().items() if category is None or path.parent.name == category]


def sample_path(name: str) -> Path:
    """Path of a bundled image; accepts 'starry_night' or 'style/starry_night' (notebook 00)."""
    index = _index()
    key = name.split("/")[-1]
    for suffix in IMAGE_SUFFIXES:
        key = key.removesuffix(suffix)
    if key not in index or ("/" in name and index[key].parent.name != name.split("/")[0]):
        listing = "; ".join(f"{c}: {', '.join(names(c))}" for c in CATEGORIES)
        raise ImageError(f"no bundled image named {name!r}. Valid names — {listing}. For your own image, "
                         "use ganstyle_edu.images.load_image(path).")
    return index[key]


def sample(name: str, max_side: int | None = None) -> np.ndarray:
    """A bundled image as float32 (H, W, 3) in [0, 1], e.g. ``sample("starry_night")`` (notebook 00)."""
    return load_image(sample_path(name), max_side=max_side)


def samples(category: str, max_side: int | None = None) -> dict[str, np.ndarray]:
    """All bundled images of one category, name -> image (notebook 00)."""
    return {name: sample(name, max_side=max_side) for name in names(category)}


def random_crops(image, size: int, count: int, seed: int = 0, *, batch_size: int | None = None):
    """A ``tf.data.Dataset`` of ``count`` random size×size crops of ``image`` (notebook 00).

    The crops depend only on ``seed`` (stateless random ops): the same seed gives the same crops, in
    any process. batch_size: if given, the dataset yields (batch_size, size, size, 3) batches.
    """
    from .config import import_tensorflow

    tf = import_tensorflow()
    image = load_image(image)
    height, width = image.shape[:2]
    if size > min(height, width):
        raise ImageError(f"random_crops: size={size} is larger than the image's shorter side ({height}×{width}); "
                         "use a smaller size or a larger image")
    if count < 1:
        raise ValueError(f"random_crops: count={count} must be at least 1")
    pixels = tf.constant(image)

    def crop(index):
        return tf.image.stateless_random_crop(pixels, (size, size, 3), seed=tf.stack([tf.cast(seed, tf.int64), index]))

    dataset = tf.data.Dataset.range(count).map(crop, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size) if batch_size else dataset
