import json

import pytest

from ganstyle_edu import provenance


def test_file_sha256_is_the_published_digest(tmp_path):
    path = tmp_path / "abc.bin"
    path.write_bytes(b"abc")  # FIPS 180-2's first SHA-256 example
    assert provenance.file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_machine_names_the_core_count():
    import os

    assert provenance.machine().endswith(f", {os.cpu_count()} cores")


def test_record_text_is_the_record_with_one_line_per_curve():
    record = {"config": {"steps": 3, "layers": ["a", "b"]}, "seconds": 1.5,
              "history_every_10_steps": {"step": [10, 20], "loss": [0.1234567, None]}}
    text = provenance.record_text(record)
    assert json.loads(text) == {**record, "history_every_10_steps": {"step": [10, 20], "loss": [0.123457, None]}}
    curve_lines = [line for line in text.splitlines() if line.strip().startswith(('"step"', '"loss"'))]
    assert curve_lines == ['    "step": [10, 20],', '    "loss": [0.123457, null]']
    assert json.loads(provenance.record_text({"seconds": 2})) == {"seconds": 2}  # no curves: plain indented JSON


def test_a_continued_run_nests_its_parent_and_the_lineage_adds_up():
    first = {"steps": 20, "train_seconds": 10.0, "machine": "A, 2 cores",
             "history_every_10_steps": {"step": [10, 20], "loss": [0.5, 0.4]}}
    second = {"steps": 15, "train_seconds": 4.25, "machine": "B, 2 cores", "continues": first,
              "history_every_10_steps": {"step": [10, 15], "loss": [0.3, 0.2]}}
    third = {"steps": 5, "train_seconds": 1.0, "machine": "A, 2 cores", "continues": second}  # saved no curves
    assert provenance.lineage(third) == [first, {k: v for k, v in second.items() if k != "continues"},
                                         {k: v for k, v in third.items() if k != "continues"}]
    assert provenance.lineage_totals(third) == {"runs": 3, "steps": 40, "train_seconds": 15.2,
                                                "machines": ["A, 2 cores", "B, 2 cores"]}
    assert [c["step"] for c in provenance.curves_by_run(third)] == [[10, 20], [30, 35]]  # counted on from step 20
    assert provenance.curves_by_run(third)[1]["loss"] == [0.3, 0.2]
    text = provenance.record_text(second)
    assert json.loads(text) == second
    assert '      "loss": [0.5, 0.4]' in text.splitlines()  # the parent's curves: one line each, indented once more


def test_a_resume_may_change_only_the_step_count():
    saved = {"batch_size": 8, "num_steps": 100, "layers": ("a", "b")}
    assert provenance.config_changes(saved, {**saved, "num_steps": 200}, "ckpt") == {"num_steps": [100, 200]}
    assert provenance.config_changes(saved, dict(saved, layers=["a", "b"]), "ckpt") == {}  # a tuple saved as a list
    assert provenance.config_changes({}, saved, "ckpt") == {}  # a checkpoint that saved no configuration
    with pytest.raises(ValueError, match=r"ckpt: written with another configuration \(batch_size 8 there, 4 now; "
                                         r"crop_size '\(missing\)' there, 64 now\)"):
        provenance.config_changes(saved, {**saved, "batch_size": 4, "crop_size": 64}, "ckpt")


def test_segments_of_a_resumed_run():
    first = provenance.close_segment(provenance.next_segment({}, {}), 50, 12.34)
    assert first == [{"from_step": 0, "to_step": 50, "seconds": 12.3, "changed": {}}]
    state = {"step": 50, "segments": first}
    both = provenance.close_segment(provenance.next_segment(state, {"num_steps": [50, 80]}), 80, 7.0)
    assert both == first + [{"from_step": 50, "to_step": 80, "seconds": 7.0, "changed": {"num_steps": [50, 80]}}]
    # a checkpoint written before segments were recorded counts as one segment up to its step
    legacy = provenance.next_segment({"step": 30, "seconds": 9.0}, {})
    assert legacy[0] == {"from_step": 0, "to_step": 30, "seconds": 9.0, "changed": {}}
