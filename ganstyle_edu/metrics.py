"""Offline measures of a result: style distance, SWD, KID and content preservation (notebooks 01, 02 and 05).

A style-transfer or GAN output x is judged against a style image a and a content image p. Four numbers,
each needing nothing but the bundled network and NumPy, are used from notebook 01 on:

* **style distance** — the style loss itself, on the bundled VGG16 features and normalised Gram
  matrices G^l = Fᵀ F / (H_l W_l) (see :mod:`ganstyle_edu.gram`):

      D_style(x, a) = Σ_l mean_{c,d} (G^l(x)_cd − G^l(a)_cd)².

* **sliced Wasserstein distance (SWD)** on pixel patches, as in progressive GANs (Karras et al. 2018):
  each image becomes a Laplacian pyramid (level 0: finest detail; last level: the coarsest blurred
  image), every level gives random 7×7×3 patch descriptors, and for random unit directions θ

      SW(X, Y) = mean_θ  mean_i | sort(X θ)_i − sort(Y θ)_i |

  is the average 1-D Wasserstein-1 distance between the projected descriptor sets (for equal-sized
  samples, W1 in 1-D is the mean gap between sorted values).

* **kernel Inception distance (KID)** (Bińkowski et al. 2018) with the bundled VGG16 in place of
  Inception: each image is a vector z of globally average-pooled activations, standardised per
  dimension, and two sets {x_i}, {y_j} are compared by the unbiased MMD² with the cubic kernel
  k(x, y) = (xᵀy / d + 1)³:

      MMD²_u = Σ_{i≠i'} k(x_i, x_i') / (n(n−1)) + Σ_{j≠j'} k(y_j, y_j') / (m(m−1))
               − 2 Σ_{i,j} k(x_i, y_j) / (nm).

* **content preservation** — SSIM (Wang et al. 2004) between the luminances
  Y = 0.299 R + 0.587 G + 0.114 B of the output and of the content image.

A GAN's samples are also judged among themselves: **sample diversity**, the mean pairwise L2 distance between
images generated from different z, falls towards 0 when the generator collapses onto a few outputs
(notebook 05).

The numbers are for comparisons *within* the course (one method against another, one setting against
another): the features are the bundled HED-VGG16's, so KID values are not those of papers.
"""
from __future__ import annotations

import numbers

import numpy as np

from .config import import_tensorflow
from .features import STYLE_LAYERS, FeatureExtractor, canonical_layer
from .gram import gram_matrix, gram_mse
from .images import as_rgb_array, resize
from .images import luminance

tf = import_tensorflow()

KID_LAYERS = ("block3_conv1", "block4_conv1", "block5_conv1")
BINOMIAL_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # 5-tap binomial ≈ Gaussian, σ ≈ 1 (cv2.pyrDown)
SWD_SCALE = 1e3  # progressive GAN reports SWD × 10³; so do we
SSIM_FILTER_SIZE = 11  # tf.image.ssim's default Gaussian window: images need sides of at least this
NORMALIZATIONS = ("pooled", "per_set")

_EXTRACTORS: dict = {}  # cache: one default FeatureExtractor per set of layers, built on first use


# ---------------------------------------------------------------------------------------------------
# Input checks


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer of at least {minimum}")
    return int(value)


def _as_image(value, name: str) -> np.ndarray:
    """One RGB image (H, W, 3) or (1, H, W, 3) in [0, 1] → float32 (H, W, 3); ValueError naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected an RGB image array (H, W, 3) in [0, 1], "
                         f"got {type(value).__name__}") from exc
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]  # (1, H, W, 3) -> (H, W, 3)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"{name}: expected one RGB image of shape (H, W, 3) in [0, 1], got shape {array.shape}. "
                         "Load files with ganstyle_edu.images.load_image; for a batch, pass one image at a time.")
    return as_rgb_array(array, name)  # finite, within [0, 1]; ImageError (a ValueError) otherwise


def _as_image_set(value, name: str) -> list[np.ndarray]:
    """A batch (B, H, W, 3) or a list of (H, W, 3) images → list of float32 images; at least two."""
    if isinstance(value, (list, tuple)):
        images = [_as_image(image, f"{name}[{index}]") for index, image in enumerate(value)]
    else:
        array = np.asarray(value, dtype=np.float32)
        if array.ndim != 4:
            raise ValueError(f"{name}: expected a batch (B, H, W, 3) or a list of (H, W, 3) images, got shape "
                             f"{array.shape}. To compare two single images, use kid_from_crops(image_a, image_b).")
        images = [_as_image(image, f"{name}[{index}]") for index, image in enumerate(array)]
    if len(images) < 2:
        raise ValueError(f"{name}: has {len(images)} image(s); the unbiased estimator needs at least 2 per set. "
                         "To compare two single images, use kid_from_crops(image_a, image_b).")
    return images


def _layer_list(layers, name: str = "layers") -> list[str]:
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError(f"{name} is empty; name at least one layer, e.g. 'block3_conv1'")
    return layers


# ---------------------------------------------------------------------------------------------------
# Features


def _default_extractor(layers) -> FeatureExtractor:
    """A FeatureExtractor for ``layers``, built once per process (subsets of STYLE_LAYERS share one)."""
    wanted = {canonical_layer(layer) for layer in layers}
    key = tuple(STYLE_LAYERS) if wanted <= set(STYLE_LAYERS) else tuple(sorted(wanted))
    if key not in _EXTRACTORS:
        _EXTRACTORS[key] = FeatureExtractor(list(key))
    return _EXTRACTORS[key]


def _activations(extractor, batch, layers) -> dict:
    """{layer: (B, H_l, W_l, C_l)} for the requested layers, accepting 'relu3_1'-style aliases."""
    outputs = extractor(batch)
    by_canonical = {canonical_layer(key): value for key, value in outputs.items()}
    missing = [layer for layer in layers if layer not in outputs and canonical_layer(layer) not in by_canonical]
    if missing:
        raise ValueError(f"extractor returned no activations for layer(s) {missing} (it gives {list(outputs)}); "
                         "build it with FeatureExtractor(layers=[...]) including them, or pass extractor=None")
    return {layer: outputs[layer] if layer in outputs else by_canonical[canonical_layer(layer)] for layer in layers}


def _pooled_features(images: list[np.ndarray], extractor, layers, batch_size: int = 16) -> np.ndarray:
    """Global-average-pooled activations of ``layers``, concatenated: (N, D) float64, one row per image."""
    rows = [None] * len(images)
    by_shape: dict = {}
    for index, image in enumerate(images):
        by_shape.setdefault(image.shape, []).append(index)
    for indices in by_shape.values():  # images of one shape run as batches
        for start in range(0, len(indices), batch_size):
            chunk = indices[start:start + batch_size]
            batch = np.stack([images[index] for index in chunk], axis=0)  # (b, H, W, 3)
            activations = _activations(extractor, batch, layers)
            pooled = np.concatenate([tf.reduce_mean(activations[layer], axis=[1, 2]).numpy()  # (b, C_l)
                                     for layer in layers], axis=1)  # (b, D)
            for row, index in enumerate(chunk):
                rows[index] = pooled[row]
    return np.stack(rows, axis=0).astype(np.float64)  # (N, D)


# ---------------------------------------------------------------------------------------------------
# Style distance


def style_target(style, extractor=None, layers=STYLE_LAYERS, style_max_side: int | None = None) -> dict:
    """{layer: G^l (C, C)} of a style image, for :func:`style_distance` to compare many images against without
    computing the style's Gram matrices again each time (notebook 09).

    style: RGB (H, W, 3) in [0, 1]; extractor, layers, style_max_side: as in :func:`style_distance`.
    """
    style = _as_image(style, "style")
    if style_max_side is not None:
        style = resize(style, max_side=_check_int(style_max_side, "style_max_side", 16))
    layers = _layer_list(layers)
    extractor = extractor if extractor is not None else _default_extractor(layers)
    return _grams([style], extractor, layers)[0]


def style_distance(image, style, extractor=None, layers=STYLE_LAYERS, style_max_side: int | None = None) -> float:
    """Σ_l mean((G^l(image) − G^l(style))²) on the bundled VGG16 features (notebook 01).

    Range: 0 for identical images; grows with the difference of their feature correlations (no upper
    bound; the scale depends on the network and layers, so compare values, not magnitudes, across setups).
    Against The Starry Night at 128 px: its JPEG (quality 30) ≈ 4·10⁴, its blur of radius 1 px ≈ 1·10⁶,
    The Great Wave ≈ 2·10⁶, uniform noise ≈ 3·10⁶ — blur is costly because relu1_1/relu2_1 see edges.

    image, style: RGB (H, W, 3) arrays in [0, 1]; their sizes may differ (the Gram matrices are
        spatial averages). Texture scale still matters: a style image shrunk to the output's size
        gives a different (usually closer) target than the full-size painting. ``style`` may also be
        :func:`style_target`'s Gram matrices of the style image (computed once for many images).
    extractor: a :class:`~ganstyle_edu.features.FeatureExtractor` (or any callable returning
        {layer: (B, H, W, C)}) that yields ``layers``; default: one built once per process.
    layers: the style layers, each weighted 1 (the style loss of notebook 02 with unit weights).
    style_max_side: if given, shrink (never enlarge) ``style`` to this long side first.
    """
    image = _as_image(image, "image")
    layers = _layer_list(layers)
    extractor = extractor if extractor is not None else _default_extractor(layers)
    if not isinstance(style, dict):
        style = _as_image(style, "style")
        if style_max_side is not None:
            style = resize(style, max_side=_check_int(style_max_side, "style_max_side", 16))
        if image.shape == style.shape:
            both = _activations(extractor, np.stack([image, style], axis=0), layers)  # one batch of two
            grams = {layer: gram_matrix(both[layer]) for layer in layers}  # (2, C, C)
            return float(sum(gram_mse(grams[layer][:1], grams[layer][1:]) for layer in layers))
        style = _grams([style], extractor, layers)[0]  # other sizes: one forward pass each
    elif style_max_side is not None:
        raise ValueError("style_distance: style_max_side shrinks a style image; pass it to style_target instead")
    missing = [layer for layer in layers if layer not in style]
    if missing:
        raise ValueError(f"style_distance: the style target has no Gram matrix for {', '.join(missing)}; "
                         f"build it with style_target(style, layers=...) for the same layers")
    mine = _grams([image], extractor, layers)[0]
    return float(sum(gram_mse(mine[layer], np.asarray(style[layer])) for layer in layers))


def _grams(images: list[np.ndarray], extractor, layers) -> list[dict]:
    """{layer: G^l (C, C)} of each image, one forward pass per image (their sizes may differ)."""
    return [{layer: gram_matrix(features)[0] for layer, features in _activations(extractor, image[None], layers).items()}
            for image in images]


def style_share_of_the_way(image, photo, painting, extractor=None, layers=STYLE_LAYERS) -> dict[str, float]:
    """Per layer, the share of the photo's Gram distance to the painting that ``image`` removes (notebook 06):

        share_l = 1 − D_l(image, painting) / D_l(photo, painting),   D_l(x, a) = mean_{c,d} (G^l(x)_cd − G^l(a)_cd)².

    1 means the image matches the painting's Gram matrix at that layer; 0 means it is as far as the photo;
    below 0, further. One summed style distance is dominated by the layers where distances are large (colour
    and fine grain, block1–2); split by layer, it shows whether the larger structures a painting's look lives
    in (strokes, swirls: block4–5) moved too.

    image, photo, painting: RGB (H, W, 3) in [0, 1]; the painting may have another size. Returns {layer: share}.
    """
    image, photo, painting = (_as_image(value, name) for value, name in
                              ((image, "image"), (photo, "photo"), (painting, "painting")))
    layers = _layer_list(layers)
    extractor = extractor if extractor is not None else _default_extractor(layers)
    mine, theirs, target = _grams([image, photo, painting], extractor, layers)
    shares = {}
    for layer in layers:
        before, after = gram_mse(theirs[layer], target[layer]), gram_mse(mine[layer], target[layer])
        if before == 0:
            raise ValueError(f"style_share_of_the_way: at {layer} the photo already has the painting's Gram matrix "
                             "(the same image?): there is no way to share")
        shares[layer] = 1.0 - after / before
    return shares


# ---------------------------------------------------------------------------------------------------
# Laplacian pyramid and sliced Wasserstein distance


def _blur(array: np.ndarray) -> np.ndarray:
    """Separable 5-tap binomial blur of an (H, W, ...) array, mirrored borders (scipy's 'mirror')."""
    for axis in (0, 1):
        moved = np.moveaxis(array, axis, 0)
        length = moved.shape[0]
        padded = np.pad(moved, [(2, 2)] + [(0, 0)] * (moved.ndim - 1), mode="reflect")  # (L+4, ...)
        blurred = sum(weight * padded[offset:offset + length] for offset, weight in enumerate(BINOMIAL_TAPS))
        array = np.moveaxis(blurred, 0, axis)
    return array


def _pyramid_down(array: np.ndarray) -> np.ndarray:
    """Blur, then keep every second row and column: (H, W, ...) → (⌈H/2⌉, ⌈W/2⌉, ...) (cv2.pyrDown)."""
    return _blur(array)[::2, ::2]


def _pyramid_up(array: np.ndarray, shape: tuple) -> np.ndarray:
    """Insert zeros between samples up to ``shape`` (H, W, ...), then blur ×4 (cv2.pyrUp)."""
    upsampled = np.zeros(shape, dtype=array.dtype)
    upsampled[::2, ::2] = array
    return 4.0 * _blur(upsampled)


def laplacian_pyramid(image, num_levels: int = 3) -> list[np.ndarray]:
    """Laplacian pyramid of an (H, W) or (H, W, C) array: finest detail first, coarsest blur last (notebook 01).

    Level l < num_levels − 1 holds G_l − up(G_{l+1}), the detail lost between Gaussian levels G_l and
    G_{l+1} = down(blur(G_l)); the last level is G_{num_levels−1} itself, about (H, W) / 2^(num_levels−1).
    :func:`collapse_laplacian_pyramid` rebuilds the image exactly (up to float rounding). float64.
    """
    num_levels = _check_int(num_levels, "num_levels", 1)
    array = np.asarray(image, dtype=np.float64)
    if array.ndim not in (2, 3):
        raise ValueError(f"laplacian_pyramid: image must be (H, W) or (H, W, C), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("laplacian_pyramid: image contains NaN or infinite values")
    shorter = min(array.shape[:2])
    coarsest = -(-shorter // 2 ** (num_levels - 1))  # ⌈shorter / 2^(L−1)⌉
    if num_levels > 1 and coarsest < 3:
        raise ValueError(f"num_levels={num_levels} is too many for a shorter side of {shorter} px: the coarsest "
                         f"level would be {coarsest} px (at least 3 needed); use fewer levels")
    gaussian = [array]
    for _ in range(num_levels - 1):
        gaussian.append(_pyramid_down(gaussian[-1]))
    details = [fine - _pyramid_up(coarse, fine.shape) for fine, coarse in zip(gaussian[:-1], gaussian[1:])]
    return details + [gaussian[-1]]


def collapse_laplacian_pyramid(levels) -> np.ndarray:
    """Invert :func:`laplacian_pyramid`: G_l = level_l + up(G_{l+1}), from the coarsest level up (notebook 01)."""
    levels = [np.asarray(level, dtype=np.float64) for level in levels]
    if not levels:
        raise ValueError("collapse_laplacian_pyramid: levels is empty")
    image = levels[-1]
    for detail in levels[-2::-1]:
        image = detail + _pyramid_up(image, detail.shape)
    return image


def _patches(level: np.ndarray, positions: np.ndarray, patch_size: int) -> np.ndarray:
    """patch_size² × C descriptors at relative positions in [0, 1)²: (N, p, p, C), never crossing the border."""
    half = patch_size // 2
    height, width = level.shape[:2]
    rows = half + np.floor(positions[:, 0] * (height - 2 * half)).astype(np.int64)  # (N,) patch centres
    cols = half + np.floor(positions[:, 1] * (width - 2 * half)).astype(np.int64)
    offsets = np.arange(-half, half + 1)
    return level[rows[:, None, None] + offsets[None, :, None], cols[:, None, None] + offsets[None, None, :]]


def _standardise(descriptors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-channel (last axis) standardisation of (N, p, p, C) descriptors with ``reference``'s mean/std."""
    mean = reference.mean(axis=(0, 1, 2))  # (C,)
    std = reference.std(axis=(0, 1, 2))  # (C,)
    return (descriptors - mean) / np.where(std > 0, std, 1.0)


def sliced_wasserstein(image_a, image_b, num_levels: int = 3, patch_size: int = 7, patches_per_image: int = 4096,
                       num_projections: int = 256, seed: int = 0, normalization: str = "pooled") -> dict:
    """Sliced Wasserstein distance between the patch distributions of two images, per pyramid level (notebook 01).

    Range: 0 for identical images (exactly: both images are sampled at the same relative positions);
    grows with the difference of their local patch statistics; values are × 10³, as in Karras et al.
    (2018). Between two *different samplings* of one image, it is not 0 but a noise floor that
    shrinks as 1/√patches_per_image (≈ 30 with the defaults: an image against itself shifted by 1 px).
    Against The Starry Night at 128 px (mean over 3 levels): its JPEG (quality 30) ≈ 65, its blur of
    radius 1 px ≈ 270 (level 0 alone ≈ 600: the fine detail is gone), The Great Wave ≈ 350 (last level
    ≈ 730: other colours), uniform noise ≈ 600. About 0.6 s for two 256 px images.

    Returns {"levels": [SWD of each level, finest detail first, coarsest blur last], "mean": their mean}.
    Fine levels compare brush strokes and edges; the last level compares colours and large shapes.

    image_a, image_b: RGB (H, W, 3) arrays in [0, 1]; sizes may differ (patches_per_image are drawn from
        each). The coarsest level's shorter side, ≈ shorter side / 2^(num_levels − 1), must be at least
        patch_size.
    normalization: "pooled" (default) standardises each colour channel of the descriptors with the mean
        and standard deviation of both images' descriptors together, so a colour or contrast change
        counts; "per_set" standardises each image's descriptors with its own statistics, as progressive
        GAN's reference code (``finalize_descriptors``) does for its sets of thousands of images: the
        distance then ignores per-channel brightness and contrast differences between the two images.
    num_projections: random unit directions per level (the reference uses 4 repeats × 128; averaging
        over repeats of equal size is the same as one pool of directions).
    seed: positions and directions depend only on it, not on the images: the same seed gives the same
        value, and swapping the images gives the same value.
    """
    image_a = _as_image(image_a, "image_a")
    image_b = _as_image(image_b, "image_b")
    num_levels = _check_int(num_levels, "num_levels", 1)
    patch_size = _check_int(patch_size, "patch_size", 1)
    if patch_size % 2 == 0:
        raise ValueError(f"patch_size={patch_size} must be odd (a patch is centred on a pixel), e.g. 7")
    patches_per_image = _check_int(patches_per_image, "patches_per_image", 2)
    num_projections = _check_int(num_projections, "num_projections", 1)
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization={normalization!r}: use 'pooled' (default) or 'per_set' (progressive GAN's)")
    for name, image in (("image_a", image_a), ("image_b", image_b)):
        shorter = min(image.shape[:2])
        coarsest = -(-shorter // 2 ** (num_levels - 1))  # ⌈shorter / 2^(L−1)⌉
        if coarsest < max(patch_size, 3):
            raise ValueError(f"{name}: a shorter side of {shorter} px gives a {coarsest} px coarsest level with "
                             f"num_levels={num_levels}, too small for patch_size={patch_size}; use fewer levels, a "
                             "smaller patch_size or a larger image")
    pyramid_a = laplacian_pyramid(image_a, num_levels)
    pyramid_b = laplacian_pyramid(image_b, num_levels)
    rng = np.random.default_rng(seed)
    distances = []
    for level_a, level_b in zip(pyramid_a, pyramid_b):
        positions = rng.random((patches_per_image, 2))  # (N, 2) relative (row, col), shared by both images
        directions = rng.standard_normal((patch_size * patch_size * 3, num_projections))  # (D, P)
        directions /= np.linalg.norm(directions, axis=0, keepdims=True)
        patches_a = _patches(level_a, positions, patch_size)  # (N, p, p, 3)
        patches_b = _patches(level_b, positions, patch_size)  # (N, p, p, 3)
        if normalization == "pooled":
            pooled = np.concatenate([patches_a, patches_b], axis=0)  # (2N, p, p, 3)
            patches_a, patches_b = _standardise(patches_a, pooled), _standardise(patches_b, pooled)
        else:
            patches_a, patches_b = _standardise(patches_a, patches_a), _standardise(patches_b, patches_b)
        descriptors_a = patches_a.reshape(patches_per_image, -1).astype(np.float32)  # (N, p*p*3)
        descriptors_b = patches_b.reshape(patches_per_image, -1).astype(np.float32)  # (N, p*p*3)
        directions = directions.astype(np.float32)
        projected_a = np.sort(descriptors_a @ directions, axis=0)  # (N, P)
        projected_b = np.sort(descriptors_b @ directions, axis=0)  # (N, P)
        distances.append(float(np.mean(np.abs(projected_a - projected_b), dtype=np.float64)) * SWD_SCALE)
    return {"levels": distances, "mean": float(np.mean(distances))}


# ---------------------------------------------------------------------------------------------------
# Kernel distance


def polynomial_mmd2(x, y, paired: bool = False) -> float:
    """Unbiased MMD² between feature sets x (n, d) and y (m, d) with k(a, b) = (aᵀb / d + 1)³ (notebook 05).

    Range: 0 in expectation when both sets come from one distribution; a single estimate can be slightly
    negative (the estimator is unbiased, so it scatters around the true MMD² ≥ 0); larger = farther apart.

    paired=False: KID's estimator (Bińkowski et al. 2018), for independent sets, n and m may differ:
        Σ_{i≠i'} k(x_i, x_i')/(n(n−1)) + Σ_{j≠j'} k(y_j, y_j')/(m(m−1)) − 2 Σ_{i,j} k(x_i, y_j)/(nm).
        Passing the same set twice gives a *negative* value, not 0: the cross term keeps the pairs i = j.
    paired=True: the U-statistic of Gretton et al. (2012, eq. 3) for pairs (x_i, y_i), n = m:
        Σ_{i≠j} [k(x_i, x_j) + k(y_i, y_j) − k(x_i, y_j) − k(x_j, y_i)] / (n(n−1)).
        Unbiased even when x_i and y_i are dependent (e.g. crops at the same place of two images);
        exactly 0 when x = y.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"polynomial_mmd2: x and y must be (n, d) and (m, d) with one d, got shapes {x.shape} "
                         f"and {y.shape}")
    n, m, dimensions = x.shape[0], y.shape[0], x.shape[1]
    if n < 2 or m < 2:
        raise ValueError(f"polynomial_mmd2: need at least 2 vectors per set, got n={n}, m={m}")
    if paired and n != m:
        raise ValueError(f"polynomial_mmd2: paired=True needs sets of equal size, got n={n}, m={m}")
    k_xx = (x @ x.T / dimensions + 1.0) ** 3  # (n, n)
    k_yy = (y @ y.T / dimensions + 1.0) ** 3  # (m, m)
    k_xy = (x @ y.T / dimensions + 1.0) ** 3  # (n, m)
    if paired:
        h = k_xx + k_yy - k_xy - k_xy.T  # (n, n)
        return float((h.sum() - np.trace(h)) / (n * (n - 1)))
    within_x = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def _kid_from_features(features_a, features_b, num_subsets: int, subset_size: int, seed: int,
                       paired: bool) -> list[float]:
    """Standardise with pooled statistics, then polynomial_mmd2 of each random subset (one value when a subset
    is the whole of both sets)."""
    pooled = np.concatenate([features_a, features_b], axis=0)  # (n + m, D)
    mean, std = pooled.mean(axis=0), pooled.std(axis=0)  # (D,), (D,)
    std = np.where(std > 0, std, 1.0)  # dead units (always 0) stay 0
    features_a, features_b = (features_a - mean) / std, (features_b - mean) / std
    n, m = len(features_a), len(features_b)
    size = min(subset_size, n, m)
    if size == n == m:  # every subset is the whole set: one evaluation
        return [polynomial_mmd2(features_a, features_b, paired=paired)]
    values = []
    for subset in range(num_subsets):
        # The indices of a set depend only on (seed, subset, its size): swapping the sets swaps the
        # subsets, so KID stays symmetric; in paired mode both sets get the same indices.
        rows_a = np.random.default_rng([seed, subset, n]).choice(n, size, replace=False)
        rows_b = np.random.default_rng([seed, subset, m]).choice(m, size, replace=False)
        values.append(polynomial_mmd2(features_a[rows_a], features_b[rows_b], paired=paired))
    return values


def kid(images_a, images_b, extractor=None, layers=KID_LAYERS, num_subsets: int = 100, subset_size: int = 1000,
        seed: int = 0, paired: bool = False, standard_error: bool = False):
    """Kernel Inception distance between two sets of images, on the bundled VGG16 (notebook 05).

    Range: ≈ 0 when both sets come from one distribution (a single value can be slightly negative: the
    estimator is unbiased); grows as they differ. Because the features are standardised with the two
    sets' own statistics, the value measures how *separable* the sets are rather than how far apart in
    absolute terms, and it saturates: sets split along every dimension approach 2 · (1 + 1)³ = 16;
    crops of two unrelated images typically give ≈ 3–6. Compare values computed on sets of similar size.

    images_a, images_b: batches (B, H, W, 3) or lists of RGB images in [0, 1], at least 2 each; sizes
        may differ (each image is average-pooled to one vector).
    layers: whose global average pools are concatenated into one vector per image. Default
        relu3_1 + relu4_1 + relu5_1 (256 + 512 + 512 = 1280 dimensions): Inception's pool3 is one deep
        layer, but our VGG16 was fine-tuned for edges and our images are paintings, so the mid layers'
        texture statistics matter as much as the deepest layer's parts; relu1_1/relu2_1 pooled are little
        more than mean colours. Each dimension is then standardised with the mean and standard deviation
        of both sets together, so that every unit counts on one scale (Inception features need no such
        step because KID's kernel was tuned to them).
    num_subsets, subset_size: the MMD² is averaged over random subsets of min(subset_size, n, m) images
        of each set, as in the reference code (100 × 1000 there); sets no larger than subset_size and of
        equal size are used whole, once.
    paired: images_a[i] and images_b[i] are a pair (same size sets) — see :func:`polynomial_mmd2`; then
        kid(A, A) is exactly 0. Unpaired (default), kid(A, A) is negative: compare independent sets.
    standard_error: also return the standard error of the mean over subsets, (kid, se) — how much the value
        would move with other subsets of these two sets (not with other sets: draw those to see that).
    """
    set_a = _as_image_set(images_a, "images_a")
    set_b = _as_image_set(images_b, "images_b")
    num_subsets = _check_int(num_subsets, "num_subsets", 1)
    subset_size = _check_int(subset_size, "subset_size", 2)
    if paired and len(set_a) != len(set_b):
        raise ValueError(f"paired=True needs as many images in images_a ({len(set_a)}) as in images_b ({len(set_b)})")
    layers = _layer_list(layers)
    extractor = extractor if extractor is not None else _default_extractor(layers)
    features_a = _pooled_features(set_a, extractor, layers)  # (n, D)
    features_b = _pooled_features(set_b, extractor, layers)  # (m, D)
    values = _kid_from_features(features_a, features_b, num_subsets, subset_size, seed, paired)
    if not standard_error:
        return float(np.mean(values))
    spread = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
    return float(np.mean(values)), spread


def _crop_positions(num_crops: int, seed: int = 0) -> np.ndarray:
    """(num_crops, 2) relative (top, left) positions in [0, 1), the same for any image size."""
    return np.random.default_rng(seed).random((_check_int(num_crops, "num_crops", 1), 2))


def _crops(image: np.ndarray, positions: np.ndarray, crop_size: int) -> np.ndarray:
    """crop_size² crops at relative positions: (N, crop_size, crop_size, 3)."""
    height, width = image.shape[:2]
    tops = np.floor(positions[:, 0] * (height - crop_size + 1)).astype(np.int64)  # (N,)
    lefts = np.floor(positions[:, 1] * (width - crop_size + 1)).astype(np.int64)  # (N,)
    return np.stack([image[top:top + crop_size, left:left + crop_size] for top, left in zip(tops, lefts)], axis=0)


def kid_from_crops(image_a, image_b, crop_size: int = 64, num_crops: int = 32, seed: int = 0, extractor=None,
                   layers=KID_LAYERS) -> float:
    """KID between two single images, using random crops of each as the two sets (notebook 05).

    Range: exactly 0 for identical images; ≈ 0 for two images with the same local statistics (a value
    can be slightly negative); grows as their crops differ, saturating (see :func:`kid`): at 128 px with
    the defaults, a JPEG (quality 30) of a painting gives ≈ 1, a blur of radius 1 px ≈ 3, another
    painting or uniform noise ≈ 4–5.

    The crops sit at the same *relative* positions in both images (drawn from ``seed``), and the paired
    U-statistic of :func:`polynomial_mmd2` is used: it stays unbiased with such matched crops, is exactly
    symmetric, and is 0 for identical images. Sizes may differ; both shorter sides must be at least
    crop_size. Each call runs the network on 2 × num_crops crops (≈ 4 s on 2 CPU cores with the defaults).
    """
    image_a = _as_image(image_a, "image_a")
    image_b = _as_image(image_b, "image_b")
    crop_size = _check_int(crop_size, "crop_size", 16)
    num_crops = _check_int(num_crops, "num_crops", 2)
    for name, image in (("image_a", image_a), ("image_b", image_b)):
        if crop_size > min(image.shape[:2]):
            raise ValueError(f"crop_size={crop_size} is larger than {name}'s shorter side "
                             f"({image.shape[0]}×{image.shape[1]}); use a smaller crop_size or a larger image")
    positions = _crop_positions(num_crops, seed)
    return kid(_crops(image_a, positions, crop_size), _crops(image_b, positions, crop_size), extractor=extractor,
               layers=layers, num_subsets=1, subset_size=num_crops, seed=seed, paired=True)


# ---------------------------------------------------------------------------------------------------
# Content preservation



def content_preservation(image, content) -> float:
    """SSIM between the luminances of ``image`` and ``content`` (notebook 02).

    Range: 1 for identical luminance; ≈ 0 for unrelated structure (two different paintings, or uniform
    noise against a painting, give ≈ 0.02–0.05 at 128 px); below 0 only for anti-correlated structure.
    A JPEG at quality 30 keeps ≈ 0.85, a Gaussian blur of radius 1 px ≈ 0.75. SSIM rewards local
    structure and contrast, which a stylisation replaces on purpose: expect a style transfer well below 1.

    image is resized (Lanczos) to content's size if they differ; colour is ignored (luminance only), so a
    recolouring that keeps the structure scores high. Both shorter sides must be at least 11 px
    (tf.image.ssim's 11×11 Gaussian window; SSIM uses max_val=1, K1 = 0.01, K2 = 0.03).
    """
    image = _as_image(image, "image")
    content = _as_image(content, "content")
    for name, array in (("image", image), ("content", content)):
        if min(array.shape[:2]) < SSIM_FILTER_SIZE:
            side = SSIM_FILTER_SIZE
            raise ValueError(f"{name}: {array.shape[0]}×{array.shape[1]} px is too small for SSIM's {side}×{side} "
                             f"window; use images of at least {side} px")
    if image.shape != content.shape:
        image = resize(image, content.shape[:2])
    first = luminance(image)[None, :, :, None]  # (1, H, W, 1)
    second = luminance(content)[None, :, :, None]  # (1, H, W, 1)
    return float(tf.image.ssim(first, second, max_val=1.0)[0])


def sample_diversity(images) -> float:
    """Mean pairwise L2 distance between the images of a (N, ...) batch, N ≥ 2 (notebook 05).

    Low diversity of generated images from different z is the signature of mode collapse.
    """
    flat = np.asarray(images, np.float64).reshape(len(images), -1)  # (N, H*W*C)
    count = len(flat)
    if count < 2:
        raise ValueError(f"sample_diversity: needs at least 2 images, got {count}")
    squared = np.sum(flat * flat, axis=1)
    distances2 = squared[:, None] + squared[None, :] - 2.0 * flat @ flat.T  # (N, N)
    upper = np.triu_indices(count, k=1)
    return float(np.mean(np.sqrt(np.maximum(distances2[upper], 0.0))))
