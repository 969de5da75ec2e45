"""Build the course as a static, searchable book of both editions from the committed notebooks (`make book`).

    python tools/book.py                 # writes book/_build/html (English) and book/_build/html/zh (Chinese)
    python tools/book.py --out DIR       # elsewhere
    python tools/book.py --keep-going    # report Sphinx's warnings instead of stopping at the first

Nothing is executed: the notebooks carry the outputs of their cpu-mode run, so building needs neither
TensorFlow nor a kernel. For each language the sources are staged into book/_build/src/LANG, Sphinx (MyST-NB,
sphinx-book-theme; book/conf.py) builds them, and warnings are errors. What staging does to each notebook:

- a widget's output (a live explorer) becomes a short note; the cell's static outputs (figures) stay;
- after each checked-exercise cell (``exercises.check("01.1", …)``), a collapsed block holds the exercise's hint
  and reference solution, taken from the registry (``exercises.solution``);
- the Colab badge's image is a local copy (the book loads nothing from elsewhere), and links to files of the
  repository that are not pages of the book point to the repository;
- the committed notebook itself is copied under downloads/ for the page's "download this notebook" link.

The pages besides the notebooks are the README's sections (the landing page: what the course teaches, for whom,
the two commands and the notebook table; then exercises, teaching, benchmarks, the command line) and the
glossary; the Chinese edition takes them from README.zh-CN.md.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import html
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
REPOSITORY = "https://github.com/ganstyle-edu/ganstyle-edu"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHECK_CALL = re.compile(r"""exercises\.check\(\s*["'](\d\d\.\d)["']""")
LINK = re.compile(r"(!?\[(?:[^\[\]]|\[[^\]]*\])*\])\(([^)\s]+)([^)]*)\)")  # [text](target "title"), ![alt](src)
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

# Per language: the README, the notebooks' folder, and which of its sections make which page (in order)
EDITIONS = {
    "en": {"readme": "README.md", "notebooks": "notebooks",
           "landing": ["Quick start", "The notebooks"],
           "pages": {"exercises": "Exercises", "teaching": "Teaching this course", "benchmarks": "Benchmarks",
                     "command-line": "Command line"},
           "notebooks_caption": "The notebooks", "more_caption": "More",
           "widget_note": "An interactive widget appears here when the notebook runs (in JupyterLab or on Colab); "
                          "the book shows the notebook's static output.",
           "solution": "Hint and solution ({})"},
    "zh": {"readme": "README.zh-CN.md", "notebooks": "notebooks/zh",
           "landing": ["快速开始", "在中国大陆安装", "课程目录"],
           "pages": {"exercises": "练习", "teaching": "用本课程授课", "benchmarks": "基准测试", "command-line": "命令行"},
           "notebooks_caption": "课程 notebook", "more_caption": "更多",
           "widget_note": "运行 notebook 时（在 JupyterLab 或 Colab 中），这里会出现一个交互控件；本书只显示 notebook 的静态输出。",
           "solution": "提示与参考答案（{}）"},
}


class BookError(Exception):
    """A source the book is built from is not as expected (names the file and what to change)."""


# --------------------------------------------------------------------------------------------- the README


def readme_sections(text: str, path: str) -> tuple[str, dict[str, str]]:
    """(the part before the first '## ' heading without its '# ' title, {heading: section text}); headings
    inside fenced code blocks are not headings."""
    sections, current, lines, fenced = {}, None, [], False
    intro: list[str] = []
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(lines).strip() + "\n"
            current, lines = line[3:].strip(), []
        elif current is None:
            if not line.startswith("# "):
                intro.append(line)
        else:
            lines.append(line)
    if current is None:
        raise BookError(f"{path}: no '## ' sections found; the book's pages are cut from them")
    sections[current] = "\n".join(lines).strip() + "\n"
    return "\n".join(intro).strip() + "\n", sections


def _section(sections: dict, heading: str, path: str) -> str:
    if heading not in sections:
        raise BookError(f"{path}: no section '## {heading}' (it has: {', '.join(sections)}); "
                        "rename it back or change EDITIONS in tools/book.py")
    return sections[heading]


# --------------------------------------------------------------------------------------------- links


def _staged_path(repo_path: str, language: str) -> str | None:
    """Where a repository file is a page of this language's book, or None."""
    folder = EDITIONS[language]["notebooks"]
    if repo_path.endswith(".ipynb") and posixpath.dirname(repo_path) == folder:
        return "notebooks/" + posixpath.basename(repo_path)
    if repo_path == "notebooks/zh/GLOSSARY.md":
        return "glossary.md"
    if repo_path == EDITIONS[language]["readme"]:
        return "index.md"
    return None


def rewrite_links(markdown: str, source: str, staged: str, language: str) -> str:
    """Markdown links of ``source`` (a repository path) rewritten for its staged copy at ``staged``: a link to a
    page of the book becomes relative to the staged page, any other repository file a link to the repository,
    and the Colab badge's image a local copy."""

    def replace(match):
        label, target, rest = match.groups()
        label = label.replace(COLAB_BADGE, posixpath.relpath("_static/colab-badge.svg", posixpath.dirname(staged)))
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return f"{label}({target}{rest})"
        path, _, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        page = _staged_path(repo_path, language)
        if page is None:
            kind = "tree" if path.endswith("/") or (ROOT / repo_path).is_dir() else "blob"
            new = f"{REPOSITORY}/{kind}/main/{repo_path}"
        else:
            new = posixpath.relpath(page, posixpath.dirname(staged))
        return f"{label}({new}{'#' + anchor if anchor else ''}{rest})"

    return LINK.sub(replace, markdown)


# --------------------------------------------------------------------------------------------- notebooks


def _solution_cell(exercise_id: str, language: str) -> dict:
    """A markdown cell holding a collapsed <details> block: the exercise's hint and reference solution.
    The block is one HTML paragraph (a blank line would end it), so the code's newlines are written &#10;."""
    if str(ROOT) not in sys.path:  # the registry of this checkout, installed or not
        sys.path.insert(0, str(ROOT))
    from ganstyle_edu import exercises

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exercises.solution(exercise_id)
    hint = exercises.REGISTRY[exercise_id].hint
    code = html.escape(printed.getvalue().rstrip("\n")).replace("\n", "&#10;")
    summary = EDITIONS[language]["solution"].format(exercise_id)
    anchor = "solution-" + exercise_id.replace(".", "-")  # the block's HTML id and the cell's id
    block = (f'<details class="solution" id="{anchor}"><summary>{summary}</summary>'
             f"<p>{html.escape(hint)}</p><pre><code>{code}</code></pre></details>")
    return {"cell_type": "markdown", "id": anchor, "metadata": {}, "source": block}


def stage_notebook(notebook: dict, source: str, language: str) -> dict:
    """The book's copy of a committed notebook (see the module docstring)."""
    staged_path = "notebooks/" + posixpath.basename(source)
    note = {"output_type": "display_data", "metadata": {},
            "data": {"text/html": f'<p class="widget-note">{html.escape(EDITIONS[language]["widget_note"])}</p>'}}
    cells = []
    for cell in copy.deepcopy(notebook["cells"]):
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            cell["source"] = rewrite_links(text, source, staged_path, language)
        cells.append(cell)
        if cell["cell_type"] != "code":
            continue
        outputs, noted = [], False
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                if not noted:
                    outputs.append(copy.deepcopy(note))
                    noted = True
            else:
                outputs.append(output)
        cell["outputs"] = outputs
        cells += [_solution_cell(exercise_id, language) for exercise_id in CHECK_CALL.findall(text)]
    staged = dict(notebook, cells=cells)
    staged["metadata"] = {key: value for key, value in notebook.get("metadata", {}).items() if key != "widgets"}
    return staged


# --------------------------------------------------------------------------------------------- pages


def _toctree(caption: str, entries: list[str]) -> str:
    """A hidden toctree: the sidebar lists the entries, the page itself does not."""
    return f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n:hidden:\n\n" + "\n".join(entries) + "\n```\n"


def stage(language: str, folder: Path) -> list[str]:
    """Write one language's sources into ``folder`` (emptied first); returns the notebook pages."""
    edition = EDITIONS[language]
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "notebooks").mkdir(parents=True)
    (folder / "_extra" / "downloads" / "notebooks").mkdir(parents=True)
    shutil.copy2(BOOK / "conf.py", folder / "conf.py")
    shutil.copytree(BOOK / "_templates", folder / "_templates")
    shutil.copytree(BOOK / "_static", folder / "_static")

    notebooks = sorted((ROOT / edition["notebooks"]).glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise BookError(f"{edition['notebooks']}: no notebooks NN_topic.ipynb found")
    pages = []
    for path in notebooks:
        source = f"{edition['notebooks']}/{path.name}"
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise BookError(f"{source}: not a readable notebook ({error}); restore it with git checkout") from error
        staged = stage_notebook(notebook, source, language)
        (folder / "notebooks" / path.name).write_text(json.dumps(staged, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.copy2(path, folder / "_extra" / "downloads" / "notebooks" / path.name)
        pages.append(f"notebooks/{path.stem}")

    readme_path = edition["readme"]
    intro, sections = readme_sections((ROOT / readme_path).read_text(encoding="utf-8"), readme_path)
    # the README's line pointing to the other language's README: every page of the book has its switch
    intro = "\n".join(line for line in intro.splitlines() if not re.search(r"\]\(README[.\w-]*\.md\)", line))
    title = "ganstyle-edu"
    landing = [f"# {title}\n", intro] + [f"## {heading}\n\n{_section(sections, heading, readme_path)}"
                                          for heading in edition["landing"]]
    more = []
    for name, heading in edition["pages"].items():
        body = f"# {heading}\n\n{_section(sections, heading, readme_path)}"
        (folder / f"{name}.md").write_text(rewrite_links(body, readme_path, f"{name}.md", language), encoding="utf-8")
        more.append(name)
    glossary = (ROOT / "notebooks/zh/GLOSSARY.md").read_text(encoding="utf-8")
    (folder / "glossary.md").write_text(rewrite_links(glossary, "notebooks/zh/GLOSSARY.md", "glossary.md", language),
                                        encoding="utf-8")
    more.append("glossary")
    index = "\n".join(landing) + "\n" + _toctree(edition["notebooks_caption"], pages) + "\n" + \
        _toctree(edition["more_caption"], more)
    (folder / "index.md").write_text(rewrite_links(index, readme_path, "index.md", language), encoding="utf-8")
    return pages


def build(out: Path, keep_going: bool = False) -> dict:
    """Stage and build both editions into ``out`` (English) and ``out``/zh; returns seconds and bytes."""
    start = time.perf_counter()
    out = out.resolve()
    staging = BOOK / "_build" / "src"
    if out.exists():
        shutil.rmtree(out)
    # MyST-NB writes its outputs' files beside the output folder (into its parent's jupyter_execute/), so the
    # Chinese edition is built in the staging folder and then moved under zh/
    for language, target in (("en", out), ("zh", staging / "site-zh" / "zh")):
        folder = staging / language
        stage(language, folder)
        if target.exists():
            shutil.rmtree(target)
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-n", str(folder), str(target),
                   "-d", str(staging / f"doctrees-{language}")]
        command += ["--keep-going", "-w", str(staging / f"warnings-{language}.txt")] if keep_going else ["-W"]
        done = subprocess.run(command, env={**os.environ, "GANSTYLE_BOOK_LANGUAGE": language})
        if done.returncode != 0:
            raise BookError(f"Sphinx failed on the {language} edition (exit {done.returncode}); its warnings are "
                            "above (warnings are errors: fix the source they name)")
    shutil.move(staging / "site-zh" / "zh", out / "zh")
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    return {"seconds": time.perf_counter() - start, "bytes": size}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BOOK / "_build" / "html", help="output folder (emptied first)")
    parser.add_argument("--keep-going", action="store_true", help="collect every warning instead of stopping")
    args = parser.parse_args(argv)
    try:
        result = build(args.out, args.keep_going)
    except BookError as error:
        print(f"book: {error}", file=sys.stderr)
        return 1
    print(f"book: {args.out}/index.html (Chinese: zh/index.html), built in {result['seconds']:.0f} s, "
          f"{result['bytes'] / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
