"""bench/painting_gan_quality.py keeps each finished run's scores in a committed record, so that a three-seed table
can be completed over sessions on machines that start without the training cache."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench(tf, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("painting_gan_quality", ROOT / "bench" / "painting_gan_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(module, "RECORDS", tmp_path / "bench" / "results" / "painting_gan_runs")
    return module


class Trained(Exception):
    pass


def test_a_recorded_run_is_read_not_trained(bench, monkeypatch):
    from ganstyle_edu import paintgan

    def train_gan(config, **kwargs):
        raise Trained(config.seed)

    monkeypatch.setattr(paintgan, "train_gan", train_gan)
    scores = {"recipe": "spatial_c8_d2", "seed": 1, "steps": 2400, "train_seconds": 10.0, "kid": 2.5, "kid_se": 0.01}
    record = bench.RECORDS / "starry_night_spatial_c8_d2_2400_seed1.json"
    bench.write_record(record, scores)
    assert json.loads(record.read_text()) == scores
    assert bench.run("spatial_c8_d2", 1, None, "starry_night", sets={}) == scores  # no training: sets unused
    assert not bench.CACHE.exists()
    with pytest.raises(Trained):  # --retrain: the record is ignored and the run is trained
        bench.run("spatial_c8_d2", 1, None, "starry_night", sets={}, use_records=False)


def test_a_cached_run_writes_its_record(bench):
    scores = {"recipe": "dcgan", "seed": 2, "steps": 7, "train_seconds": 1.0, "kid": 3.0, "kid_se": 0.02}
    folder = bench.CACHE / "starry_night_dcgan_7_seed2"
    folder.mkdir(parents=True)
    (folder / "scores.json").write_text(json.dumps(scores))
    assert bench.run("dcgan", 2, 7, "starry_night", sets={}) == scores
    assert json.loads((bench.RECORDS / "starry_night_dcgan_7_seed2.json").read_text()) == scores
    assert [p.name for p in bench.RECORDS.iterdir()] == ["starry_night_dcgan_7_seed2.json"]  # no temporary left


def test_the_committed_records_are_runs_of_the_bench(bench):
    committed = sorted((ROOT / "bench" / "results" / "painting_gan_runs").glob("*.json"))
    assert committed, "bench/results/painting_gan_runs/ holds the finished runs"
    for path in committed:
        scores = json.loads(path.read_text())
        assert scores["recipe"] in bench.RECIPES and set(bench.MEASURES) <= set(scores)
        assert path.name == f"starry_night_{scores['recipe']}_{scores['steps']}_seed{scores['seed']}.json"
