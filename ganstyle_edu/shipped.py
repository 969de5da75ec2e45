"""The shipped weights: one registry for the style generators and the painting-patch GANs (notebooks 06 and 07).

Every shipped network is a Keras ``.weights.h5`` file with its provenance record (JSON: configuration, steps,
seconds, final losses, data hashes) beside it, under ``ganstyle_edu/weights/``:

* style generators — ``NAME.weights.h5`` + ``NAME.json``; the record's ``styles`` lists the paintings the
  network paints (one multi-style file, ``styles.weights.h5``, paints them all);
* painting-patch GANs — ``painting_gan/STYLE_generator.weights.h5``, ``STYLE_discriminator.weights.h5`` and
  ``STYLE.json``.

This module only finds files; :mod:`stylenet` and :mod:`paintgan` load them.
"""
from __future__ import annotations

import json
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
STYLE_NETWORK = WEIGHTS_DIR / "styles.weights.h5"  # the shipped multi-style network
PAINTING_GAN_DIR = WEIGHTS_DIR / "painting_gan"


def record_path(weights_path) -> Path:
    """The provenance JSON beside a ``NAME.weights.h5`` file: ``NAME.json`` (notebook 06)."""
    weights_path = Path(weights_path)
    return weights_path.with_name(weights_path.name.replace(".weights.h5", ".json"))


def style_networks() -> dict[str, Path]:
    """Style name → the shipped weights file that paints it (one file may paint several styles) (notebook 06)."""
    found = {}
    for path in sorted(WEIGHTS_DIR.glob("*.weights.h5")):
        if record_path(path).is_file():
            for name in json.loads(record_path(path).read_text()).get("styles", []):
                found.setdefault(name, path)
    return found


def painting_gans() -> dict[str, dict[str, Path]]:
    """Painting → its shipped GAN's files {"generator", "discriminator", "record"}, complete pairs only (notebook 07)."""
    found = {}
    for record in sorted(PAINTING_GAN_DIR.glob("*.json")):
        files = {"generator": PAINTING_GAN_DIR / f"{record.stem}_generator.weights.h5",
                 "discriminator": PAINTING_GAN_DIR / f"{record.stem}_discriminator.weights.h5", "record": record}
        if all(path.is_file() for path in files.values()):
            found[record.stem] = files
    return found


def catalogue() -> list[dict]:
    """Every shipped network: kind ("style generator" / "painting GAN"), name, weights file(s) and record (notebook 06)."""
    entries = [{"kind": "style generator", "name": name, "files": [path], "record": record_path(path)}
               for name, path in style_networks().items()]
    entries += [{"kind": "painting GAN", "name": name, "files": [files["generator"], files["discriminator"]],
                 "record": files["record"]} for name, files in painting_gans().items()]
    return entries
