"""Provenance: what produced a set of trained weights, written beside them (notebooks 05, 06 and 07).

A shipped network is only as trustworthy as the record that says how it was made. Every weights file of the
course has a JSON record beside it: the configuration, the steps and seconds of each **segment** of the run (a
run killed and resumed is one run in several segments — and a resume under another configuration is refused,
because one record would then describe two different runs), the machine, the library versions, the SHA-256 of
the data it learnt from and of the weights themselves, and the loss curves. A run that starts from another
network's weights (``init_from``) carries that network's record under ``"continues"``, so the whole history of a
set of weights — every run, oldest first — is one :func:`lineage`. This module holds the parts that
every trainer shares; :mod:`checkpoints` uses it when a run resumes, :mod:`stylenet` and :mod:`paintgan` when
they write a record.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

def file_sha256(path) -> str:
    """The SHA-256 of a file's bytes, as a record quotes it (notebook 06)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def machine() -> str:
    """The CPU this process runs on and its core count, for provenance records (notebook 06)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def record_text(record: dict, curves_key: str = "history_every_10_steps") -> str:
    """A provenance record as indented JSON, each curve under ``curves_key`` on one line, the record it
    ``"continues"`` (if any) last and written the same way (notebooks 06 and 07)."""
    curves, parent = record.get(curves_key), record.get("continues")
    text = json.dumps({k: v for k, v in record.items() if k not in (curves_key, "continues")}, indent=2)
    if curves:
        rows = ",\n".join(f"    {json.dumps(k)}: {json.dumps([None if x is None else round(x, 6) for x in v])}"
                           for k, v in curves.items())
        text = text[:-2] + f',\n  {json.dumps(curves_key)}: {{\n{rows}\n  }}\n}}'
    if parent:
        nested = record_text(parent, curves_key).replace("\n", "\n  ")
        text = text[:-2] + f',\n  "continues": {nested}\n}}'
    return text


def lineage(record: dict) -> list[dict]:
    """The runs that produced a set of weights, oldest first: ``record`` and the records it ``"continues"``
    (notebook 06). Each entry is one run's record without its parent."""
    runs = []
    while record:
        runs.append({k: v for k, v in record.items() if k != "continues"})
        record = record.get("continues")
    return runs[::-1]


def lineage_totals(record: dict) -> dict:
    """{"runs", "steps", "train_seconds", "machines"} summed over every run of :func:`lineage` (notebook 06)."""
    runs = lineage(record)
    machines = list(dict.fromkeys(run.get("machine", "unknown machine") for run in runs))
    return {"runs": len(runs), "steps": sum(run["steps"] for run in runs),
            "train_seconds": round(sum(run["train_seconds"] for run in runs), 1), "machines": machines}


def curves_by_run(record: dict, curves_key: str = "history_every_10_steps") -> list[dict]:
    """The loss curves of each run of :func:`lineage`, oldest first, on one step axis: each run's steps counted on
    from where the run before it stopped (notebook 06)."""
    curves, offset = [], 0
    for run in lineage(record):
        if run.get(curves_key):
            curves.append({**run[curves_key], "step": [offset + step for step in run[curves_key]["step"]]})
        offset += run["steps"]
    return curves


RESUMABLE_CHANGES = ("num_steps",)  # may differ on resume (a longer or shorter run); recorded in the segments


def as_json(value):
    """A configuration value as JSON stores it (tuples become lists), for comparing saved and current."""
    return json.loads(json.dumps(value))


def config_changes(saved: dict, current: dict, source, may_change=RESUMABLE_CHANGES) -> dict:
    """{field: [saved, current]} of the fields allowed to change; ValueError naming every other difference.

    saved: the configuration a checkpoint was written with (empty for a checkpoint that saved none);
    current: the resuming run's (notebook 05). A field missing on one side counts as a difference. Continuing under another batch size, loss weight or crop
    size would give one record for two different runs, so resuming refuses it.
    """
    if not saved:  # a checkpoint from before configurations were saved: nothing to compare
        return {}
    saved, current = as_json(saved), as_json(current)
    missing = "(missing)"
    differences = {key: [saved.get(key, missing), current.get(key, missing)] for key in sorted(set(saved) | set(current))
                   if saved.get(key, missing) != current.get(key, missing)}
    refused = {key: pair for key, pair in differences.items() if key not in may_change}
    if refused:
        listed = "; ".join(f"{key} {pair[0]!r} there, {pair[1]!r} now" for key, pair in refused.items())
        raise ValueError(f"{source}: written with another configuration ({listed}): resume with the configuration "
                         "that wrote it")
    return differences


def next_segment(state: dict, changed: dict) -> list[dict]:
    """The segments of a run so far (from a checkpoint's state) and the one now starting, as provenance lists
    them: [{"from_step", "to_step", "seconds", "changed"}, ...] (notebook 05). The new segment's end is filled in
    by :func:`close_segment`."""
    segments = [dict(s) for s in state.get("segments", [])]
    if not segments and state.get("step"):  # a checkpoint from before segments were recorded: one segment
        segments = [{"from_step": 0, "to_step": state["step"], "seconds": state.get("seconds"), "changed": {}}]
    return segments + [{"from_step": state.get("step", 0), "to_step": None, "seconds": 0.0, "changed": changed}]


def close_segment(segments: list[dict], step: int, seconds: float) -> list[dict]:
    """A copy of ``segments`` whose last one ends at ``step`` after ``seconds`` of training."""
    return segments[:-1] + [{**segments[-1], "to_step": step, "seconds": round(seconds, 1)}]
