"""Loading and saving images as float32 arrays in [0, 1] (introduced in notebook 00).

One convention for the whole course: an image is a NumPy array of shape (H, W, 3), dtype float32,
RGB, values in [0, 1]; a batch is (B, H, W, 3). Every loader converts to it — EXIF orientation
applied, transparency composited on white, grayscale and 16-bit converted — and every failure raises
:class:`ImageError`, whose message names the file (or argument) and says what to do.

Two value ranges have names (:data:`VALUE_RANGES`), passed as ``value_range=`` across the package: "unit",
[0, 1], the convention above, and "signed", [−1, 1], the tanh range of the DCGAN of notebook 04;
:func:`to_signed` and :func:`to_unit` convert between them.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE = 16
LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601: Y = 0.299 R + 0.587 G + 0.114 B
DEFAULT_MAX_PIXELS = 40_000_000  # 40 megapixels: larger files are refused unless the caller raises this
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF",
                ".tiff": "TIFF", ".webp": "WEBP"}


class ImageError(ValueError):
    """An image that cannot be used; the message names the file or argument and the fix (notebook 00)."""


VALUE_RANGES = ("unit", "signed")  # [0, 1] (notebook 00) and [−1, 1], a DCGAN's tanh range (notebook 04)


def check_value_range(value_range, where: str) -> str:
    """Return ``value_range`` if it is one of :data:`VALUE_RANGES`, else raise ValueError naming ``where``,
    the argument and the allowed names (notebook 04)."""
    if not (isinstance(value_range, str) and value_range in VALUE_RANGES):
        raise ValueError(f"{where}: value_range={value_range!r} is not a value range; pass \"unit\" (images in "
                         f"[0, 1]) or \"signed\" (images in [-1, 1], a DCGAN's tanh range)")
    return value_range


def to_signed(images):
    """Images in [0, 1] → [−1, 1], the DCGAN's tanh range: 2x − 1 (notebook 04).

    A NumPy array stays an array, a tf.Tensor a tensor (plain arithmetic, so it also works inside
    ``tf.data.Dataset.map``). Inverse of :func:`to_unit`.
    """
    return images * 2.0 - 1.0


def to_unit(images):
    """Images in [−1, 1] (a DCGAN's output) → [0, 1]: (x + 1) / 2 (notebook 04).

    A NumPy array stays an array, a tf.Tensor a tensor. Inverse of :func:`to_signed`.
    """
    return (images + 1.0) / 2.0


def load_image(src, max_side: int | None = None, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load ``src`` as a float32 (H, W, 3) RGB array in [0, 1] (notebook 00).

    src: a file path, a PIL image, or an array — (H, W) or (H, W, 1) grayscale, (H, W, 3) RGB or
        (H, W, 4) RGBA; uint8 (0..255), uint16 (0..65535), bool, or float in [0, 1].
    max_side: if given, shrink (never enlarge) so that the longer side is at most this many pixels.
    max_pixels: refuse images with more pixels than this before decoding them (a guard against
        decompression bombs); None lifts this limit. Pillow's own, ``PIL.Image.MAX_IMAGE_PIXELS`` (it warns
        above ~89 Mpx and refuses twice that, for the whole process), still applies to files.
    """
    if isinstance(src, (str, os.PathLike)):
        array = _load_file(Path(src), max_pixels)
        name = str(src)
    elif isinstance(src, Image.Image):
        name = "the PIL image argument"
        _check_pixels(src.size, name, max_pixels)
        array = _pil_to_array(ImageOps.exif_transpose(src), name)
    elif isinstance(src, np.ndarray) or hasattr(src, "__array__"):
        name = "the array argument"
        array = as_rgb_array(np.asarray(src), name)
        _check_pixels((array.shape[1], array.shape[0]), name, max_pixels)
    else:
        raise ImageError(f"load_image: src of type {type(src).__name__} is not a path, a PIL image or an "
                         "array; pass one of those")
    _check_min_side(array, name)
    if max_side is not None:
        array = resize(array, max_side=max_side)
    return array


def _check_min_side(array: np.ndarray, name: str) -> None:
    height, width = array.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageError(f"{name}: {width}×{height} px is too small; the feature network needs sides of at "
                         f"least {MIN_SIDE} px. Use a larger image.")


def _check_pixels(size: tuple[int, int], name: str, max_pixels: int | None) -> None:
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise ImageError(f"{name}: {width}×{height} = {width * height:,} pixels is more than max_pixels="
                         f"{max_pixels:,} (a guard against decompression bombs). If you trust the file, "
                         "call load_image(..., max_pixels=None) or shrink it first.")


def decode_image(data: bytes, name: str, max_side: int | None = None, *,
                 max_pixels: int | None = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode an image file's bytes (an upload) like :func:`load_image` does a path; errors name ``name``
    (notebook 10)."""
    array = _decode(io.BytesIO(bytes(data)), name, max_pixels)
    _check_min_side(array, name)
    return array if max_side is None else resize(array, max_side=max_side)


def _load_file(path: Path, max_pixels: int | None) -> np.ndarray:
    if not path.exists():
        raise ImageError(f"{path}: no such file. Check the path, or use ganstyle_edu.data.sample(name) "
                         "for a bundled image (ganstyle_edu.data.names() lists them).")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file. Pass the path of one image inside it.")
    return _decode(path, str(path), max_pixels)


def _decode(source, path: str, max_pixels: int | None) -> np.ndarray:
    """Open a path or a binary stream with Pillow, refusing bombs and unreadable or corrupt files by name.

    ``Image.open`` reads only the header, so :func:`_check_pixels` sees the size before any pixel is decoded.
    Pillow's process-wide guard (``PIL.Image.MAX_IMAGE_PIXELS``) is left as it is — switching it off for the
    call would switch it off for every other thread too: it warns above its limit and refuses twice that,
    which :func:`_pillow_refused` turns into an ImageError naming the file.
    """
    try:
        with Image.open(source) as image:
            _check_pixels(image.size, str(path), max_pixels)
            image.load()
            image = ImageOps.exif_transpose(image)
            return _pil_to_array(image, str(path))
    except Image.DecompressionBombError as exc:
        raise _pillow_refused(path, exc, max_pixels) from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image file Pillow can read (expected PNG, JPEG, BMP, TIFF, WebP, ...). "
                         "Check that it is the file you meant, or re-export it as PNG or JPEG.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(f"{path}: the file is truncated or corrupt ({exc}). Re-download or re-export it.") from exc


def _pillow_refused(path: str, error: Exception, max_pixels: int | None) -> ImageError:
    """The ImageError for a file Pillow's own decompression-bomb guard refused before we saw its size."""
    return ImageError(f"{path}: Pillow refuses it as a decompression bomb ({error}), before load_image's own "
                      f"max_pixels={max_pixels if max_pixels is None else format(max_pixels, ',')} is checked. If "
                      "you trust the file, raise PIL.Image.MAX_IMAGE_PIXELS (Pillow's limit for the whole "
                      "process) and call load_image(..., max_pixels=None), or shrink it first.")


def _pil_to_array(image: Image.Image, name: str) -> np.ndarray:
    """PIL image of any mode → float32 (H, W, 3) in [0, 1]."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit (or 32-bit integer) grayscale: scale by the type's range, not by the image's maximum.
        values = np.asarray(image, dtype=np.float64)
        scale = 65535.0 if mode.startswith("I;16") or values.max(initial=0) <= 65535 else 2.0**31 - 1
        gray = np.clip(values / scale, 0.0, 1.0).astype(np.float32)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode == "F":
        return as_rgb_array(np.asarray(image, dtype=np.float32), name)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB")
    return np.asarray(image, dtype=np.float32) / 255.0


def as_rgb_array(array: np.ndarray, name: str) -> np.ndarray:
    """Array of any supported dtype and layout → float32 (H, W, 3) in [0, 1]; ImageError naming ``name`` (notebook 00)."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(f"{name}: shape {array.shape} is not an image; expected (H, W), (H, W, 1), (H, W, 3) "
                         "or (H, W, 4). For a batch (B, H, W, 3), load the images one at a time.")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        array = array.astype(np.float32) / 65535.0
    elif array.dtype == bool:
        array = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
        if not np.all(np.isfinite(array)):
            raise ImageError(f"{name}: contains NaN or infinite values; fix the array before loading it.")
        low, high = float(array.min(initial=0.0)), float(array.max(initial=0.0))
        if low < -1e-3 or high > 1 + 1e-3:
            raise ImageError(f"{name}: float values span [{low:.3g}, {high:.3g}], outside [0, 1]. Divide by 255 "
                             "if they are 0..255, or use (x + 1) / 2 if they are in [-1, 1].")
        array = np.clip(array, 0.0, 1.0)
    else:
        raise ImageError(f"{name}: dtype {array.dtype} is not supported; use uint8, uint16, bool or float in [0, 1].")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)  # (H, W) -> (H, W, 3)
    elif array.shape[2] == 4:
        rgb, alpha = array[:, :, :3], array[:, :, 3:]
        array = rgb * alpha + (1.0 - alpha)  # composite on white
    return np.ascontiguousarray(array, dtype=np.float32)


def resize(image: np.ndarray, size: tuple[int, int] | int | None = None, *, max_side: int | None = None) -> np.ndarray:
    """Resize a float (H, W, 3) image with Lanczos filtering (notebook 00).

    size: (height, width), or an int for the longer side. max_side: shrink only, never enlarge.
    """
    height, width = image.shape[:2]
    if max_side is not None:
        if max(height, width) <= max_side:
            return image
        size = max_side
    if size is None:
        raise ImageError("resize: pass size=(height, width), size=<long side> or max_side=<pixels>")
    if isinstance(size, int):
        scale = size / max(height, width)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
    new_height, new_width = size
    if (new_height, new_width) == (height, width):
        return image
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c], dtype=np.float32))
                           .resize((new_width, new_height), Image.Resampling.LANCZOS)) for c in range(image.shape[2])]
    return np.clip(np.stack(channels, axis=2), 0.0, 1.0).astype(np.float32)  # (H', W', C)


def center_crop(image: np.ndarray, size: tuple[int, int] | int) -> np.ndarray:
    """The central (h, w) window of an (H, W, C) image (notebook 00)."""
    crop_h, crop_w = (size, size) if isinstance(size, int) else size
    height, width = image.shape[:2]
    if crop_h > height or crop_w > width:
        raise ImageError(f"center_crop: size {crop_h}×{crop_w} is larger than the image ({height}×{width})")
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return image[top:top + crop_h, left:left + crop_w]


def resize_and_crop(image: np.ndarray, size: int) -> np.ndarray:
    """Scale the shorter side to ``size`` and take the central size×size square (notebook 00)."""
    height, width = image.shape[:2]
    scale = size / min(height, width)
    resized = resize(image, (max(size, round(height * scale)), max(size, round(width * scale))))
    return center_crop(resized, size)


def to_batch(images, size: int | None = None) -> np.ndarray:
    """Stack images into a float32 (B, H, W, 3) batch (notebook 00).

    size: if given, each image becomes a size×size centre square first (:func:`resize_and_crop`);
        otherwise all images must already share one shape.
    """
    images = [load_image(image) for image in images]
    if not images:
        raise ImageError("to_batch: got no images")
    if size is not None:
        images = [resize_and_crop(image, size) for image in images]
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ImageError(f"to_batch: images have different shapes {sorted(shapes)}; pass size=<pixels> to "
                         "crop them to one square size")
    return np.stack(images, axis=0)  # (B, H, W, 3)


def save_image(path, image) -> Path:
    """Write a [0, 1] image (or a uint8 array) to ``path``; the format follows the suffix (notebook 00).

    The file is written to a temporary name beside it and renamed into place, so an interrupted save
    never leaves a half-written file where a good one was.
    """
    path = Path(path)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageError(f"{path}: unknown image suffix {path.suffix!r}; use one of {', '.join(sorted(SAVE_FORMATS))}")
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]  # (1, H, W, 3) -> (H, W, 3)
    rgb = as_rgb_array(array, f"save_image({path.name})")
    pixels = np.round(rgb * 255.0).astype(np.uint8)
    return atomic_write(path, lambda stream: Image.fromarray(pixels).save(stream, format=fmt))


def usual_permissions(path, directory: bool = False) -> None:
    """Give a file (0o666) or folder (0o777) made by ``tempfile`` the permissions the umask allows.

    ``tempfile`` creates private files (0o600) and folders (0o700); a result or a checkpoint should be
    as readable as any other file the user writes (notebook 00).
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if directory else 0o666) & ~mask)


@contextlib.contextmanager
def atomic_path(path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; when the block ends without error, rename it to ``path``
    (notebook 00). For writers that want a file name rather than a stream (Keras' ``save_weights``).
    A crash or kill mid-write leaves the previous file, if any, untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        usual_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path, write) -> Path:
    """Call ``write(stream)`` on a temporary file beside ``path``, then rename it into place (notebook 00).

    A crash or kill mid-write leaves the previous file, if any, untouched.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        write(stream)
    return Path(path)


def save_gif(frames, path, duration_ms: int = 200, scale: int = 1, loop: int = 0) -> Path:
    """Write uint8 (H, W, 3) frames as an animated GIF, atomically (notebooks 03, 05).

    scale: integer enlargement (nearest neighbour) so that small frames are visible.
    """
    if len(frames) == 0:
        raise ValueError(f"save_gif({Path(path).name}): no frames to write")
    pictures = [Image.fromarray(np.asarray(frame, np.uint8)) for frame in frames]
    if scale != 1:
        pictures = [p.resize((p.width * scale, p.height * scale), Image.Resampling.NEAREST) for p in pictures]
    return atomic_write(path, lambda stream: pictures[0].save(
        stream, format="GIF", save_all=True, append_images=pictures[1:], duration=duration_ms, loop=loop))


def shuffle_tiles(image: np.ndarray, tile: int, seed: int = 0) -> np.ndarray:
    """Cut an (H, W, C) image into tile×tile squares and shuffle them (notebook 00).

    Local content (colours, edges, texture inside a tile) survives; the global arrangement does not.
    The image is cropped to a whole number of tiles.
    """
    height, width, channels = image.shape
    rows, cols = height // tile, width // tile
    if rows * cols < 2:
        raise ImageError(f"shuffle_tiles: tile={tile} leaves fewer than two tiles in a {height}×{width} image")
    tiles = image[:rows * tile, :cols * tile].reshape(rows, tile, cols, tile, channels)  # (R, t, C', t, ch)
    tiles = tiles.transpose(0, 2, 1, 3, 4).reshape(rows * cols, tile, tile, channels)  # (R*C', t, t, ch)
    tiles = tiles[np.random.default_rng(seed).permutation(rows * cols)]
    tiles = tiles.reshape(rows, cols, tile, tile, channels).transpose(0, 2, 1, 3, 4)  # (R, t, C', t, ch)
    return tiles.reshape(rows * tile, cols * tile, channels)


def luminance(image: np.ndarray) -> np.ndarray:
    """Y = 0.299 R + 0.587 G + 0.114 B of an RGB image (H, W, 3), or of any (..., 3) array: (H, W) / (...) (notebook 00)."""
    array = np.asarray(image, np.float32)
    if array.ndim == 0 or array.shape[-1] != 3:
        raise ImageError(f"luminance: expected RGB values with 3 channels last, e.g. (H, W, 3), got shape "
                         f"{array.shape}; load the image with images.load_image first")
    return array @ np.array(LUMA_WEIGHTS, np.float32)  # (..., 3) -> (...)


def gradient_magnitude(image: np.ndarray) -> np.ndarray:
    """Per-pixel luminance gradient magnitude of an (H, W, 3) image — a plain edge map (notebook 00)."""
    gy, gx = np.gradient(luminance(image))
    return np.hypot(gx, gy).astype(np.float32)
