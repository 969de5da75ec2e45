"""Hygiene of the committed notebooks: what a reader on GitHub sees must come from one clean run.

(The notebooks themselves are executed by nbval: `make test` runs `pytest --nbval-lax notebooks/`.)
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHINESE = sorted((ROOT / "notebooks" / "zh").glob("*.ipynb"))  # the Chinese edition: same hygiene, own skeleton test
SKELETON = ["Goals", "Setup", "Idea", "Build", "Run", "Look inside", "Takeaways", "Exercises"]
MAX_BYTES = 6 * 1024 * 1024


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"
    assert CHINESE, "notebooks/zh/ holds no .ipynb"


def test_make_test_runs_only_the_english_notebooks():
    """The Chinese notebooks' code is the English code (tests/test_zh_notebooks.py): nbval must not run it twice."""
    makefile = (ROOT / "Makefile").read_text()
    assert "--ignore=$(NOTEBOOKS)/zh" in makefile


@pytest.mark.parametrize("path", NOTEBOOKS + CHINESE, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_hygiene(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    assert path.stat().st_size <= MAX_BYTES
    nb = _cells(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"], "saved widget state: strip it (nbconvert store_widget_state=False)"
    ids = [cell.get("id") for cell in nb["cells"]]  # nbformat 4.5: every cell has an id, each its own
    assert None not in ids and len(set(ids)) == len(ids), f"cells {[i for i, c in enumerate(ids) if c is None]} lack an id"
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"not one clean top-to-bottom run: {counts}"
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", _source(cell)[:200]
            text = "".join(output.get("text", ""))
            assert not re.search(r"absl::InitializeLog|^[IWE]\d{4} |cuInit|oneDNN custom operations", text, re.M)
    blob = json.dumps(nb)
    assert not re.findall(r"/(?:work|tmp|root|home)/[A-Za-z0-9_.\-/]+", blob), "machine paths in the notebook"
    assert "GANSTYLE_MODE" in blob
    assert "⟦" not in blob, "a placeholder for a measured number is still in the text"


@pytest.mark.parametrize("path", NOTEBOOKS + CHINESE, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_colab_badge_and_install_cell(path):
    cells = _cells(path)["cells"]
    first_md = next(c for c in cells if c["cell_type"] == "markdown")
    assert f"colab.research.google.com/github/" in _source(first_md)
    here = path.relative_to(ROOT).as_posix()
    assert f"/blob/main/{here})" in _source(first_md), "the badge must open this very notebook"
    first_code = _source(next(c for c in cells if c["cell_type"] == "code"))
    assert '"google.colab" in sys.modules' in first_code
    install_lines = [line for line in first_code.splitlines() if "pip install" in line]
    assert install_lines and all(line.startswith("    ") for line in install_lines), "install only inside the Colab check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_course_skeleton_in_order(path):
    headings = [line.lstrip("# ").strip() for c in _cells(path)["cells"] if c["cell_type"] == "markdown"
                for line in _source(c).splitlines() if line.startswith("## ")]
    positions = []
    for part in SKELETON:
        found = [i for i, heading in enumerate(headings) if heading.startswith(part)]
        assert found, f"missing section '## {part}'"
        positions.append(found[0])
    assert positions == sorted(positions), f"sections out of order: {headings}"
    first_md = _source(next(c for c in _cells(path)["cells"] if c["cell_type"] == "markdown"))
    assert re.search(r"fast mode ≈ .+cpu mode.+≈", first_md), "state the notebook's time per run mode"


@pytest.mark.parametrize("path", NOTEBOOKS + CHINESE, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_no_control_characters_in_cells(path):
    """A backslash escape in a generator string (\\a, \\b, \\f) would put control characters in the text."""
    for index, cell in enumerate(_cells(path)["cells"]):
        source = _source(cell)
        bad = sorted({hex(ord(ch)) for ch in source if ord(ch) < 32 and ch not in "\n\t"})
        assert not bad, f"{path.name} cell {index}: control characters {bad}"


def test_readme_table_lists_every_notebook_in_one_table():
    """One markdown table, no blank line inside it (a blank line ends a table), one row per notebook."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| notebook |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = lines[start + 2:end]
    linked = [re.search(r"\(notebooks/([^)]+\.ipynb)\)", row) for row in rows]
    assert all(linked), [row for row, match in zip(rows, linked) if not match]
    assert [match[1] for match in linked] == [path.name for path in NOTEBOOKS]
    assert all(row.count("|") == 6 for row in rows), "each row: notebook | what | fast | cpu | full"


def test_readme_has_no_placeholders():
    text = (ROOT / "README.md").read_text()
    assert "⟦" not in text, "a placeholder for a measured number is still in the README"
