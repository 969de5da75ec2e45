"""The registry of shipped weights (shipped.py): what it finds, and that it ignores incomplete sets."""
from ganstyle_edu import shipped


def test_the_catalogue_lists_every_shipped_network_with_its_record():
    entries = shipped.catalogue()
    kinds = sorted((entry["kind"], entry["name"]) for entry in entries)
    assert ("painting GAN", "starry_night") in kinds
    assert sum(kind == "style generator" for kind, _ in kinds) == 6
    for entry in entries:
        assert entry["record"].is_file() and all(path.is_file() for path in entry["files"])
    assert shipped.style_networks()["udnie"] == shipped.STYLE_NETWORK


def test_a_painting_gan_without_its_discriminator_is_not_listed(tmp_path, monkeypatch):
    (tmp_path / "demo.json").write_text("{}")
    (tmp_path / "demo_generator.weights.h5").write_bytes(b"")
    monkeypatch.setattr(shipped, "PAINTING_GAN_DIR", tmp_path)
    assert shipped.painting_gans() == {}
    (tmp_path / "demo_discriminator.weights.h5").write_bytes(b"")
    assert sorted(shipped.painting_gans()["demo"]) == ["discriminator", "generator", "record"]


def test_record_path_sits_beside_the_weights():
    assert shipped.record_path("out/great_wave.weights.h5").as_posix() == "out/great_wave.json"
