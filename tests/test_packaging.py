"""pyproject.toml and environment.yml agree; a built wheel carries the sample images and the shipped weights."""
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.match(r"\s*([A-Za-z0-9_.\-]+)", spec)[1].lower().replace("_", "-")


def _specs(spec: str) -> str:
    return re.sub(r"\s+", "", spec[len(re.match(r"\s*[A-Za-z0-9_.\-]+", spec)[0]):])


def test_environment_yml_lists_the_same_packages_and_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(s): _specs(s) for s in project["dependencies"] + project["optional-dependencies"]["test"]}
    listed = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:"):].splitlines():
        match = re.match(r"\s*-\s+([A-Za-z][A-Za-z0-9_.\-]*.*)$", line)  # "  - name<specs>"
        if match and _name(match[1]) not in ("python", "pip"):
            listed[_name(match[1])] = _specs(match[1])
    assert listed == wanted


def test_wheel_carries_the_sample_images(tmp_path):
    pytest.importorskip("setuptools")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("ganstyle_edu-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data_files = sorted(Path(n).relative_to("ganstyle_edu/_data").as_posix() for n in names
                        if n.startswith("ganstyle_edu/_data/"))
    shipped = sorted(p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*") if p.is_file())
    assert data_files == shipped
    assert "ganstyle_edu/features.py" in names
    folder = ROOT / "ganstyle_edu" / "weights"
    weights = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.suffix in (".h5", ".json"))
    assert weights, "no shipped style generators in ganstyle_edu/weights"
    assert any(w.startswith("painting_gan/") for w in weights), "no shipped painting GAN in weights/painting_gan"
    assert sorted(Path(n).relative_to("ganstyle_edu/weights").as_posix() for n in names
                  if n.startswith("ganstyle_edu/weights/")) == weights


def test_installed_package_finds_its_own_data_copy(tmp_path, monkeypatch):
    """Without a checkout's data/, the loader falls back to ganstyle_edu/_data (the wheel's copy)."""
    import shutil

    from ganstyle_edu import data

    fake_pkg = tmp_path / "site" / "ganstyle_edu"
    fake_pkg.mkdir(parents=True)
    shutil.copytree(ROOT / "data", fake_pkg / "_data")
    monkeypatch.setattr(data, "__file__", str(fake_pkg / "data.py"))
    assert data.data_dir() == fake_pkg / "_data"
    assert data.sample("coffee").shape[2] == 3
    shutil.rmtree(fake_pkg / "_data")
    with pytest.raises(FileNotFoundError, match="sample images were not found"):
        data.data_dir()


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_environment_is_the_one_constraints_txt_pins():
    """`make install` installs with constraints.txt: every pin is exact, every direct requirement of the course is
    pinned, and each pinned distribution that is installed has the pinned version (`make constraints` refreshes)."""
    import importlib.metadata
    import sysconfig

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[\w.+!-]+", version), f"constraints.txt: {line!r} is not NAME==VERSION"
            pins[_normalised(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    direct = project["project"]["dependencies"] + [spec for extra in project["project"]["optional-dependencies"].values()
                                                   for spec in extra] + project["build-system"]["requires"]
    assert sorted({_normalised(_name(spec)) for spec in direct} - set(pins)) == []
    site = sysconfig.get_paths()["purelib"]  # not the copies other packages vendor (setuptools' _vendor/)
    installed = {_normalised(d.metadata["Name"]): d.version for d in importlib.metadata.distributions(path=[site])}
    assert {name: installed[name] for name in pins if name in installed} == {
        name: version for name, version in pins.items() if name in installed}


def test_every_place_that_names_the_python_version_says_3_11():
    """pyproject, environment.yml, both READMEs and the workshop checklist agree (the pinned NumPy needs 3.11)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "python=3.11" in (ROOT / "environment.yml").read_text()
    for path, phrase in (("README.md", "3.11 or newer"), ("README.zh-CN.md", "3.11 或更高版本"),
                         ("workshop/SETUP.md", "Python 3.11 or newer")):
        text = (ROOT / path).read_text()
        assert phrase in text and "3.10" not in text, path


def test_the_package_never_imports_the_test_extras_library_twins():
    """scipy and scikit-image are in the test extra only: they check the readable teaching versions (ranks,
    Spearman, the permutation test, Otsu, dilation); an install without the extra must still run the course."""
    import ast

    twins = {"scipy", "skimage"}
    found = []
    for path in sorted((ROOT / "ganstyle_edu").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names
                      if name.split(".")[0] in twins]
    assert found == []
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_name(spec) for spec in project["dependencies"]}.isdisjoint({"scipy", "scikit-image"})
    assert {"scipy", "scikit-image"} <= {_name(spec) for spec in project["optional-dependencies"]["test"]}
