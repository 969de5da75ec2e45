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
    image = _as_image(image, "image")
    tile = _check_int(tile, "tile", 2)
    if min(image.shape[:2]) < tile:
        raise ValueError(f"streak_energy: a {image.shape[0]}×{image.shape[1]} image holds no {tile}×{tile} tile; "
                         "use a larger image or a smaller tile")
    gray = luminance(image).astype(np.float64)  # (H, W)
    residual = gray - _blur(gray)
    rows, cols = residual.shape[0] // tile, residual.shape[1] // tile
    tiles = residual[:rows * tile, :cols * tile].reshape(rows, tile, cols, tile).swapaxes(1, 2)  # (R, C, t, t)
    variance = tiles.var(axis=(2, 3))  # (R, C)
    column_means, row_means = tiles.mean(axis=2).var(axis=2), tiles.mean(axis=3).var(axis=2)  # (R, C) each
    live = variance > 1e-12
    if not live.any():
        return 0.0
    return float(np.mean(tile * (column_means + row_means)[live] / (2 * variance[live])))
