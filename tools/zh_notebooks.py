"""Keep the Chinese edition (notebooks/zh/) in step with the English notebooks.

    python tools/zh_notebooks.py            # copy code and outputs from each English notebook into its Chinese one
    python tools/zh_notebooks.py --check    # only report what is out of step (exit status 1 if anything is)

The Chinese notebooks are the English ones with every markdown cell translated: their code is the English
code, so `make test` runs only the English notebooks and this command copies what a run produced (code
cells, outputs, execution counts, notebook metadata) into the Chinese files. A code cell whose only change
is a translated comment keeps its Chinese comments. Markdown is never touched: when the English notebook
gains, loses or reorders cells, the command stops and names the cells to translate, and nothing is written.

A missing Chinese notebook is started as a copy of the English one (badge pointed at notebooks/zh/),
with its markdown still in English until it is translated; tests/test_zh_notebooks.py fails until then.
"""
import argparse
import copy
import io
import json
import os
import re
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
CHINESE = ENGLISH / "zh"
BADGE = "/blob/main/notebooks/"


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def lines(text):
    """A cell's source the way Jupyter saves it: a list of lines, each with its newline but the last."""
    return text.splitlines(keepends=True)


def code_tokens(text):
    """The code's tokens without comments or blank lines: two cells that differ only in comments are equal."""
    # IPython lines (%pip, !ls) are not Python: keep each as one opaque string token
    lines = [repr(line.strip()) if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER, tokenize.ENCODING}
    try:
        tokens = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
        return [(token.type, token.string) for token in tokens if token.type not in skip]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [re.sub(r"#.*", "", line).rstrip() for line in text.splitlines() if line.strip()]


def pairs():
    """(English path, Chinese path) for every numbered English notebook."""
    return [(path, CHINESE / path.name) for path in sorted(ENGLISH.glob("[0-9][0-9]_*.ipynb"))]


def start_translation(english):
    """A new Chinese notebook: the English one with its Colab badge opening the Chinese copy."""
    notebook = copy.deepcopy(english)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = lines(source(cell).replace(BADGE, BADGE + "zh/"))
            break
    return notebook


def synced(english, chinese, name):
    """The Chinese notebook with the English run's code and outputs; ValueError when the cells do not pair."""
    kinds_en = [cell["cell_type"] for cell in english["cells"]]
    kinds_zh = [cell["cell_type"] for cell in chinese["cells"]]
    if kinds_en != kinds_zh:
        first = next((i for i, (a, b) in enumerate(zip(kinds_en, kinds_zh)) if a != b), min(len(kinds_en), len(kinds_zh)))
        raise ValueError(f"{name}: the English notebook has {len(kinds_en)} cells, the Chinese one {len(kinds_zh)}; "
                         f"they part at cell {first}. Add, remove or move the Chinese cells to match "
                         f"(translating any new markdown), then run this command again.")
    result = copy.deepcopy(chinese)
    result["metadata"] = copy.deepcopy(english["metadata"])
    result["nbformat"], result["nbformat_minor"] = english["nbformat"], english["nbformat_minor"]
    for cell_en, cell_zh in zip(english["cells"], result["cells"]):
        if cell_en["cell_type"] != "code":
            continue
        if code_tokens(source(cell_en)) != code_tokens(source(cell_zh)):
            cell_zh["source"] = lines(source(cell_en))  # the code changed: take it (its comments are English again)
        for key in ("outputs", "execution_count", "metadata"):
            cell_zh[key] = copy.deepcopy(cell_en[key])
    return result


def write_atomically(path, notebook):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report what is out of step; write nothing")
    args = parser.parse_args(argv)
    plans, problems = [], []
    for path_en, path_zh in pairs():
        english = json.loads(path_en.read_text(encoding="utf-8"))
        if not path_zh.exists():
            plans.append((path_zh, start_translation(english), "started (translate its markdown)"))
            continue
        chinese = json.loads(path_zh.read_text(encoding="utf-8"))
        try:
            new = synced(english, chinese, path_en.name)
        except ValueError as error:
            problems.append(str(error))
            continue
        if new != chinese:
            plans.append((path_zh, new, "code and outputs copied from the English run"))
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.check:
        for path, _, what in plans:
            print(f"out of step: {path.relative_to(ROOT)} ({what})")
        return 1 if plans or problems else 0
    if problems:
        print("nothing written", file=sys.stderr)
        return 1
    for path, notebook, what in plans:
        write_atomically(path, notebook)
        print(f"{path.relative_to(ROOT)}: {what}")
    if not plans:
        print("the Chinese notebooks are in step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
