"""Resumable training: checkpoints written atomically, and optimizer state saved and restored (notebooks 05 and 06).

A long run on a laptop gets killed — by a closed lid, a kernel restart, a full disk. A checkpoint holds
everything the run needs to continue as if nothing had happened: the networks' weights, the optimizers'
state (Adam's two moment estimates per weight and its iteration count, without which a resumed run takes
different steps) and the random state that draws the next batch or noise.

Writing one is a small protocol that a kill at any moment cannot break. Everything goes into a hidden
temporary folder, ``directory/.step_XXXXXXXX.*.tmp/``, whose state.json is written last; that folder is then
renamed to ``directory/step_XXXXXXXX/`` (a rename is atomic), ``latest.json`` is replaced atomically, and
checkpoints beyond the newest ``keep`` are deleted. A reader trusts only folders that hold a state.json, so
it finds either the previous checkpoint or the new one, never half of one.

Optimizer state is one file, optimizers.npz, shared by the GAN (:func:`save_checkpoint`,
:func:`restore_checkpoint`; notebook 05) and by :class:`ganstyle_edu.stylenet.StyleNetTrainer` (notebook 06):
:func:`save_optimizer_state` stores every variable of each optimizer as ``PREFIX_IIII`` (``g_0000``,
``g_0001``, …, ``d_0000``, …), and :func:`load_optimizer_state` checks that they fit before assigning them.
This module knows the GAN only by its attributes (generator, discriminator, g_optimizer, …), so it sits
below the training code that uses it.

Every network's weights go through :func:`save_weights` and :func:`load_weights`, which check that the file
holds each of the network's weights and that loading assigned each of them: Keras' own loader can leave a
layer it did not find at its fresh initial values with no more than a warning.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .images import atomic_write, usual_permissions
from .provenance import config_changes

CHECKPOINT_PREFIX = "step_"
LATEST_FILE = "latest.json"
OPTIMIZERS_FILE = "optimizers.npz"


def _step_folder(directory: Path, step: int) -> Path:
    return directory / f"{CHECKPOINT_PREFIX}{step:08d}"


def _complete_steps(directory: Path) -> list[int]:
    """Steps of the checkpoint folders whose state.json (written last) exists, ascending."""
    steps = []
    if directory.is_dir():
        for folder in directory.glob(f"{CHECKPOINT_PREFIX}*"):
            suffix = folder.name[len(CHECKPOINT_PREFIX):]
            if folder.is_dir() and suffix.isdigit() and (folder / "state.json").is_file():
                steps.append(int(suffix))
    return sorted(steps)


def latest_step(directory) -> int | None:
    """The step of the newest complete checkpoint in ``directory``, or None (notebook 05).

    ``latest.json`` names it; if that file is missing or points at a missing folder (a kill between
    two renames), the newest folder that holds a state.json is used. Half-written temporary folders
    are never considered.
    """
    directory = Path(directory)
    try:
        step = int(json.loads((directory / LATEST_FILE).read_text())["step"])
        if (_step_folder(directory, step) / "state.json").is_file():
            return step
    except (OSError, ValueError, KeyError, TypeError):
        pass
    steps = _complete_steps(directory)
    return steps[-1] if steps else None


def write_checkpoint(directory, step: int, write: Callable[[Path], dict], keep: int | None = 2) -> Path:
    """Write ``directory/step_XXXXXXXX/`` atomically: ``write(folder)`` fills a temporary sibling folder
    and returns a dict, which is stored (with the step) as state.json, written last; the folder is then
    renamed into place, ``latest.json`` replaced and checkpoints beyond the newest ``keep`` deleted (None: none)
    (notebooks 05 and 06). A kill at any moment leaves the previous checkpoint intact and loadable.
    """
    if keep is not None and keep < 1:
        raise ValueError(f"keep={keep}: keep at least the newest checkpoint (1), or None to keep every one")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = _step_folder(directory, step)
    # the writer's process id in the name: a stale folder is removed only when its writer is gone
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp", dir=directory))
    usual_permissions(tmp, directory=True)
    try:
        state = {"step": step, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"), **write(tmp)}
        (tmp / "state.json").write_text(json.dumps(state, indent=1))
        trash = None
        if final.exists():  # the same step saved again (e.g. after a restore): swap the old one out
            trash = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=directory))
            os.replace(final, trash / final.name)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    atomic_write(directory / LATEST_FILE,
                 lambda stream: stream.write(json.dumps({"step": step, "folder": final.name}).encode()))
    for old in _complete_steps(directory)[:-keep] if keep is not None else []:
        if old != step:
            shutil.rmtree(_step_folder(directory, old), ignore_errors=True)
    for stale in directory.glob(f".{CHECKPOINT_PREFIX}*"):  # left by killed writes, never by a live one
        if stale.is_dir() and stale != tmp and not _writer_alive(stale):
            shutil.rmtree(stale, ignore_errors=True)
    return final


def _writer_alive(folder: Path) -> bool:
    """Whether the process that named a temporary checkpoint folder (``.step_X.PID.*``) is still running."""
    parts = folder.name.split(".")
    if len(parts) < 3 or not parts[2].isdigit():
        return False  # a folder from before writers were named: nobody is filling it
    try:
        os.kill(int(parts[2]), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return int(parts[2]) != os.getpid()  # this process is not writing it now: an earlier, failed write


def checkpoint_folder(directory, step: int | None = None) -> Path | None:
    """The folder of the checkpoint of ``step`` (default: the latest complete one), or None if there is none
    (notebooks 05 and 06)."""
    directory = Path(directory)
    step = latest_step(directory) if step is None else step
    if step is None:
        return None
    folder = _step_folder(directory, step)
    if not (folder / "state.json").is_file():
        raise FileNotFoundError(f"{folder}: no complete checkpoint of step {step} (steps here: "
                                f"{_complete_steps(directory) or 'none'})")
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Network weights, every one of them


def weights_in_file(path) -> list[np.ndarray]:
    """Every array stored in a Keras ``.weights.h5`` file, in the file's order (notebook 06)."""
    import h5py  # Keras' own dependency for .weights.h5 files

    arrays = []
    with h5py.File(path, "r") as stream:
        stream.visititems(lambda name, item: arrays.append(np.asarray(item)) if isinstance(item, h5py.Dataset)
                          else None)
    return arrays


def _identities(arrays) -> Counter:
    """The multiset of (shape, bytes as float32) of ``arrays``: equal for two lists holding the same values."""
    return Counter((tuple(a.shape), np.asarray(a, np.float32).tobytes()) for a in arrays)


def _shapes(arrays) -> list[tuple]:
    return sorted(tuple(a.shape) for a in arrays)


def save_weights(network, path) -> None:
    """``network.save_weights(path)``, then a check that the file holds every one of its weights (notebook 06)."""
    network.save_weights(path)
    if _identities(weights_in_file(path)) != _identities(np.asarray(w) for w in network.weights):
        raise RuntimeError(f"{path}: the saved file does not hold every weight of {network.name}")


def load_weights(network, path) -> None:
    """Load a ``.weights.h5`` file into ``network``: every weight, or nothing (notebooks 05 and 06).

    The file's arrays are first compared with the network's weights by shape: a file written for another
    network raises ValueError naming the file and the first difference, before anything is assigned. Keras'
    warning that it skipped part of the network (leaving it at its initial values) is an error here, and
    afterwards every weight must equal one of the file's arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such weights file")
    stored = weights_in_file(path)
    wanted = _shapes(network.weights)
    if _shapes(stored) != wanted:
        extra = sorted((Counter(_shapes(stored)) - Counter(wanted)).elements())
        missing = sorted((Counter(wanted) - Counter(_shapes(stored))).elements())
        raise ValueError(f"{path}: {len(stored)} arrays that do not fit {network.name}'s {len(wanted)} weights "
                         f"(the file has {extra[:3] or 'no'} shapes it lacks; it needs {missing[:3] or 'none'} "
                         "more): the file was written for another network")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Ss]kipping")  # "... will retain their freshly-initialized"
        network.load_weights(path)
    if _identities(np.asarray(w) for w in network.weights) != _identities(stored):
        raise ValueError(f"{path}: loading left some of {network.name}'s weights unassigned")


# ---------------------------------------------------------------------------------------------------------------
# Optimizer state, shared by the GAN and the style-network trainer


def _built_variables(optimizer, network) -> list:
    """The optimizer's variables, after building it on the network's trainable weights if it is not built yet."""
    if not optimizer.built:
        optimizer.build(network.trainable_variables)
    return optimizer.variables


def _is_key_of(key: str, prefix: str) -> bool:
    """Whether ``key`` is one of ``prefix``'s optimizer variables: ``PREFIX_`` and a number."""
    return key.startswith(f"{prefix}_") and key[len(prefix) + 1:].isdigit()


def save_optimizer_state(folder, pairs, extra: dict | None = None) -> Path:
    """Write every variable of each optimizer to ``folder/optimizers.npz`` (notebooks 05 and 06).

    pairs: a list of (prefix, optimizer, network); an optimizer that has not taken a step yet is first built
    on ``network.trainable_variables``, so its state always has the shape a later load expects. Variable i
    of the optimizer with prefix "g" is stored as "g_0000", "g_0001", …. extra: other arrays to store in
    the same file under their own names (the GAN's noise seed state). Returns the file's path.
    """
    arrays = {}
    for prefix, optimizer, network in pairs:
        for index, variable in enumerate(_built_variables(optimizer, network)):
            arrays[f"{prefix}_{index:04d}"] = np.asarray(variable.numpy())
    arrays.update(extra or {})
    path = Path(folder) / OPTIMIZERS_FILE
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)
    return path


def load_optimizer_state(folder, pairs) -> dict[str, np.ndarray]:
    """Assign the optimizer state saved by :func:`save_optimizer_state` to ``pairs`` (notebooks 05 and 06).

    pairs: (prefix, optimizer, network) as when saving; unbuilt optimizers are built first. Every pair is
    checked before any is assigned: a saved state with another number of variables, or another shape,
    raises ValueError naming the folder (the checkpoint was written for different networks or another
    optimizer). Returns the file's other arrays, {name: array} (e.g. the GAN's "seed_state"), including
    the state of optimizers not in ``pairs``.
    """
    folder = Path(folder)
    with np.load(folder / OPTIMIZERS_FILE) as saved:
        arrays = {key: saved[key] for key in saved.files}
    assignments = []
    for prefix, optimizer, network in pairs:
        keys = sorted(key for key in arrays if _is_key_of(key, prefix))
        variables = _built_variables(optimizer, network)
        fits = len(keys) == len(variables) and all(arrays[key].shape == tuple(variable.shape)
                                                    for key, variable in zip(keys, variables))
        if not fits:
            raise ValueError(f"{folder}: the saved {prefix}_optimizer state ({len(keys)} variables) does not fit "
                             f"this optimizer ({len(variables)} variables): different networks or optimizer")
        assignments += [(variable, arrays.pop(key)) for key, variable in zip(keys, variables)]
    for variable, value in assignments:
        variable.assign(value)
    return arrays


# ---------------------------------------------------------------------------------------------------------------
# The GAN's checkpoints


def _gan_optimizers(gan) -> list:
    """The GAN's (prefix, optimizer, network) pairs, generator first."""
    return [("g", gan.g_optimizer, gan.generator), ("d", gan.d_optimizer, gan.discriminator)]


def _gan_config(gan) -> dict:
    """What state.json records about the GAN, to tell later which run a checkpoint came from."""
    return {"latent_dim": gan.latent_dim, "loss": gan.gan_loss, "r1_weight": gan.r1_weight,
            "seed": gan.seed, "generator": gan.generator.name, "discriminator": gan.discriminator.name,
            "generator_params": int(gan.generator.count_params()),
            "discriminator_params": int(gan.discriminator.count_params())}


def save_checkpoint(gan, directory, history=None, keep: int = 2, run: dict | None = None) -> Path:
    """Save everything a resumed run needs as ``directory/step_XXXXXXXX/``, atomically (notebook 05).

    gan: a compiled :class:`ganstyle_edu.gan.GAN`. The folder holds generator.weights.h5 and
    discriminator.weights.h5 (:func:`save_weights` of each network: weights only, no optimizer state),
    optimizers.npz (every variable of both optimizers — Adam's moments and its iteration count, which is
    the GAN's step — and the noise seed state), history.json (the rows of ``history``, a
    :class:`ganstyle_edu.callbacks.MetricsHistory`, if given) and state.json (step, history length,
    configuration), written last. See :func:`write_checkpoint` for why a kill at any moment leaves the
    previous checkpoint intact and loadable. run: more to keep in state.json — the run's configuration
    ("run_config", checked on resume), its "segments" and training "seconds" (``paintgan.train_gan``).
    """
    def write(folder: Path) -> dict:
        save_weights(gan.generator, folder / "generator.weights.h5")
        save_weights(gan.discriminator, folder / "discriminator.weights.h5")
        gan.build_optimizers()  # an uncompiled GAN has no optimizer state to save: this raises
        seed_state = np.asarray(gan.seed_generator.state.numpy())
        save_optimizer_state(folder, _gan_optimizers(gan), extra={"seed_state": seed_state})
        rows = 0
        if history is not None:
            rows = len(history.history["step"])
            (folder / "history.json").write_text(json.dumps(history.history))
        return {"history_length": rows, "config": _gan_config(gan), **(run or {})}

    return write_checkpoint(directory, gan.step, write, keep)


def restore_checkpoint(gan, directory, step: int | None = None, history=None, run_config: dict | None = None,
                       state: dict | None = None) -> int | None:
    """Load a checkpoint (default: the latest) into ``gan``; returns its step, or None if there is none (notebook 05).

    Restores both networks' weights and, if the GAN is compiled, both optimizers' state — so
    ``gan.step`` continues from the checkpoint's step — and the noise seed. An uncompiled GAN gets the
    weights only (enough to generate). history: a :class:`ganstyle_edu.callbacks.MetricsHistory` whose
    rows are replaced by the saved ones. run_config: the resuming run's configuration; a checkpoint saved with
    another one is refused before anything is loaded (:func:`ganstyle_edu.provenance.config_changes`). state: a dict that receives the
    checkpoint's state.json (its segments, seconds, and "changed": the allowed changes).
    """
    folder = checkpoint_folder(directory, step)
    if folder is None:
        return None
    saved = json.loads((folder / "state.json").read_text())
    if run_config is not None:
        saved["changed"] = config_changes(saved.get("run_config", {}), run_config, folder)
    if state is not None:
        state.update(saved)
    step = saved["step"]
    load_weights(gan.generator, folder / "generator.weights.h5")
    load_weights(gan.discriminator, folder / "discriminator.weights.h5")
    compiled = gan.g_optimizer is not None
    others = load_optimizer_state(folder, _gan_optimizers(gan) if compiled else [])
    if "seed_state" in others:
        gan.seed_generator.state.assign(others["seed_state"])
    if history is not None and (folder / "history.json").is_file():
        history.history = json.loads((folder / "history.json").read_text())
    return step
