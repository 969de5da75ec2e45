"""What a style network's artefacts look like as numbers: a band along the border, a plaid of streaks (notebook 06).

Two artefacts that a Gram-matrix loss does not mind and the eye does, each measured on one output image x
(compare it with the photo it came from: a photo scores too):

* **border band** — zero padding shows the network a black frame around every image, and it may paint a
  light or dark band along the border. With Y the luminance, the mean of Y over the outer ring of width w
  minus its mean over the ring just inside it:

      b = mean_{outer w px} Y − mean_{next w px} Y      (≈ 0 for a photo).

* **streak energy** — nearest-neighbour up-sampling with skip connections can paint thin streaks along rows
  and columns. With the high-pass residual r = Y − blur(Y), per tile × tile square

      e = tile · (var_x mean_y r + var_y mean_x r) / (2 · var r),

  averaged over the tiles: about 1 for detail without direction, tile / 2 for pure lines.

* **detail over flat regions** — where the photo has no detail, a network must invent it: a Gram loss asks for
  the painting's texture there too, and a network that sees only the photo can paint little but what the photo
  and its own weights repeat everywhere (lines along rows and columns). On the tiles where the photo's residual is
  flat (std below a threshold), the output's residual RMS and its streak energy e, measured on those tiles alone.

The third artefact, the checkerboard of a stride-2 transposed convolution, is measured beside the layer that
prints it: :func:`ganstyle_edu.models.checkerboard_energy` (notebook 04).
"""
from __future__ import annotations

import numpy as np

from .images import luminance
from .metrics import _as_image, _blur, _check_int


def border_band(image, width: int = 8) -> float:
    """Mean luminance of the outer ``width``-pixel ring of an image minus that of the ring just inside it
    (notebook 06).

    A network that pads with zeros sees a black frame around every image and may paint a light or dark band
    along the border; this measures it: ≈ 0 for a photo (the two rings show the same scene), positive for a
    light band, negative for a dark one. image: (H, W, 3) in [0, 1], both sides at least 4·width + 1.
    """
    image = _as_image(image, "image")
    height, width_px = image.shape[:2]
    if min(height, width_px) <= 4 * width:
        raise ValueError(f"border_band: a {height}×{width_px} image has no inner ring of width {width}; "
                         f"use an image larger than {4 * width} px or a smaller width")
    y = luminance(image)  # (H, W)
    outer = np.ones_like(y, bool)
    outer[width:-width, width:-width] = False
    inner = np.zeros_like(y, bool)
    inner[width:-width, width:-width] = True
    inner[2 * width:-2 * width, 2 * width:-2 * width] = False
    return float(y[outer].mean() - y[inner].mean())


def streak_energy(image, tile: int = 32) -> float:
    """How much of an image's fine detail lies in straight horizontal and vertical lines (notebook 06).

    A style network can paint a plaid of thin streaks along rows and columns over flat regions: the Gram
    matrices do not mind, the eye does. Take the luminance's high-pass residual r = Y − blur(Y) (5-tap binomial),
    cut it into tile × tile squares, and in each compare the variance of its column means and of its row means
    with the variance of r itself:

        e = tile · (var_x mean_y r + var_y mean_x r) / (2 · var r),   averaged over the tiles.

    Detail without direction scores about 1 (a mean over ``tile`` values has 1/tile of the variance); a tile of
    pure vertical (or horizontal) lines scores tile / 2. A photo's own straight edges score too, so compare an
    output with its photo. image: (H, W, 3) in [0, 1], both sides at least ``tile``; flat tiles are skipped
    (0.0 when every tile is flat).
    """
    tiles = _residual_tiles(_as_image(image, "image"), _check_int(tile, "tile", 2), "streak_energy")
    return _streaks(tiles.reshape(-1, tile, tile))


def flat_region_detail(photo, output, tile: int = 16, flat_below: float = 0.006) -> dict:
    """What a network paints where its photo is flat: {"flat_share", "rms", "streaks"} (notebook 06).

    The photo's and the output's luminance residuals (as :func:`streak_energy` takes them) are cut into
    tile × tile squares; a square is flat where the photo's residual has a standard deviation under
    ``flat_below``. flat_share: the share of squares that are flat; rms: the output's residual RMS over the flat
    squares (the photo's own is below ``flat_below``); streaks: :func:`streak_energy`'s e over them — about 1 when
    the invented detail has no direction, up to tile / 2 for lines along rows or columns. rms and streaks are NaN
    when no square is flat. photo, output: (H, W, 3) in [0, 1], the same size.
    """
    photo, output = _as_image(photo, "photo"), _as_image(output, "output")
    if photo.shape != output.shape:
        raise ValueError(f"flat_region_detail: photo {photo.shape} and output {output.shape} differ in size; "
                         "give the output at the photo's size")
    tile = _check_int(tile, "tile", 2)
    flat = _residual_tiles(photo, tile, "flat_region_detail").std(axis=(2, 3)) < flat_below  # (R, C)
    painted = _residual_tiles(output, tile, "flat_region_detail")[flat]  # (N, t, t): the flat squares only
    if not len(painted):
        return {"flat_share": 0.0, "rms": float("nan"), "streaks": float("nan")}
    return {"flat_share": float(flat.mean()), "rms": float(np.sqrt(np.mean(painted ** 2))),
            "streaks": _streaks(painted)}


def _residual_tiles(image, tile: int, caller: str) -> np.ndarray:
    """The luminance's high-pass residual Y − blur(Y), cut into whole tile × tile squares: (R, C, t, t)."""
    if min(image.shape[:2]) < tile:
        raise ValueError(f"{caller}: a {image.shape[0]}×{image.shape[1]} image holds no {tile}×{tile} tile; "
                         "use a larger image or a smaller tile")
    gray = luminance(image).astype(np.float64)  # (H, W)
    residual = gray - _blur(gray)
    rows, cols = residual.shape[0] // tile, residual.shape[1] // tile
    return residual[:rows * tile, :cols * tile].reshape(rows, tile, cols, tile).swapaxes(1, 2)  # (R, C, t, t)


def _streaks(tiles: np.ndarray) -> float:
    """e = tile · (var of column means + var of row means) / (2 · var), averaged over squares (N, t, t) that are
    not constant; 0.0 when all are."""
    tile = tiles.shape[-1]
    variance = tiles.var(axis=(1, 2))  # (N,)
    column_means, row_means = tiles.mean(axis=1).var(axis=1), tiles.mean(axis=2).var(axis=1)  # (N,) each
    live = variance > 1e-12
    if not live.any():
        return 0.0
    return float(np.mean(tile * (column_means + row_means)[live] / (2 * variance[live])))
