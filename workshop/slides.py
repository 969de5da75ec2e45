"""Mark a notebook's sections as slides and write the copy for `make slides` (nbconvert's reveal.js exporter).

A notebook has no slide metadata of its own; here each "## " section starts a slide, each "### " part a
sub-slide (below it), every code cell's output stays with the cell before it, and the Colab install cell is
skipped. The committed notebook is not touched.

    python workshop/slides.py notebooks/01_style_as_statistics.ipynb slides/   # then nbconvert --to slides
"""
import sys
from pathlib import Path

import nbformat


def mark_slides(notebook):
    for index, cell in enumerate(notebook.cells):
        source = cell.source.lstrip()
        if index == 0 or (cell.cell_type == "markdown" and source.startswith("## ")):
            kind = "slide"
        elif cell.cell_type == "markdown" and source.startswith("### "):
            kind = "subslide"
        elif cell.cell_type == "code" and '"google.colab" in sys.modules' in source:
            kind = "skip"
        else:
            kind = "-"  # continue the current slide
        cell.metadata["slideshow"] = {"slide_type": kind}
    return notebook


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python workshop/slides.py NOTEBOOK OUTPUT_FOLDER")
    source, folder = Path(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(mark_slides(nbformat.read(source, as_version=4)), folder / source.name)
