"""The course as a book (`make book`, tools/book.py): staging unit by unit, then the built site in a real browser.

The staging tests need nothing but the repository. The rest builds both editions into a temporary folder (the
`book` extra: `make book-install`; skipped with one line without it, unless GANSTYLE_BOOK_REQUIRED=1 as
`.ci/run` sets), serves it on 127.0.0.1 and reads it in the system Chromium with Playwright, as
tests/test_browser.py does: every page loads with no console error and every image on it loads, every internal
link resolves, the language switch lands on the same notebook in the other language, search finds notebook 01 for
"Gram" and for 格拉姆, and a collapsed solution opens on click. Screenshots go to tests/screenshots/.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "screenshots"
# tools/book.py, loaded by its path (the repository's book/ folder would shadow a plain `import book`)
_SPEC = importlib.util.spec_from_file_location("book_tool", ROOT / "tools" / "book.py")
book = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(book)

BOOK_PACKAGES = ("sphinx", "myst_nb", "sphinx_book_theme", "jieba", "sphinx-mathjax-offline")


# --------------------------------------------------------------------------------------------- staging


def _notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}, "widgets": {"state": {}}},
            "nbformat": 4, "nbformat_minor": 5}


def _code(source, *outputs):
    return {"cell_type": "code", "id": "c", "metadata": {}, "source": source, "outputs": list(outputs),
            "execution_count": 1}


WIDGET = {"output_type": "display_data", "metadata": {},
          "data": {book.WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox(children=(...))"}}
FIGURE = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}


def test_a_widget_output_becomes_a_note_and_the_static_figure_stays():
    staged = book.stage_notebook(_notebook(_code("explorer()", WIDGET, FIGURE, WIDGET)), "notebooks/01_x.ipynb", "en")
    outputs = staged["cells"][0]["outputs"]
    assert [next(iter(o["data"])) for o in outputs] == ["text/html", "image/png"]  # one note, then the figure
    assert "interactive widget" in outputs[0]["data"]["text/html"]
    assert "widgets" not in staged["metadata"]


def test_each_checked_exercise_gets_its_hint_and_solution_collapsed_after_it():
    from ganstyle_edu import exercises

    cell = _code('my_answer = None\nexercises.check("01.1", my_answer)')
    staged = book.stage_notebook(_notebook(cell), "notebooks/zh/01_x.ipynb", "zh")["cells"]
    assert [c["cell_type"] for c in staged] == ["code", "markdown"]
    block = staged[1]["source"]
    assert block.startswith('<details class="solution" id="solution-01-1"><summary>提示与参考答案（01.1）</summary>')
    assert "\n\n" not in block  # one HTML block: a blank line would end it
    code = re.search(r"<pre><code>(.*)</code></pre>", block).group(1)
    solution = exercises.REGISTRY["01.1"].solution.__name__
    assert f"def {solution}(" in code.replace("&#10;", "\n")


def test_links_to_pages_stay_in_the_book_and_other_files_point_to_the_repository():
    text = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research."
            "google.com/github/x.ipynb) [next](02_y.ipynb#goals) [credits](../../data/CREDITS.md) [top](#setup)")
    staged = book.rewrite_links(text, "notebooks/zh/01_x.ipynb", "notebooks/01_x.ipynb", "zh")
    assert "(../_static/colab-badge.svg)" in staged and "colab.research.google.com/github/x.ipynb" in staged
    assert "[next](02_y.ipynb#goals)" in staged and "[top](#setup)" in staged
    assert f"[credits]({book.REPOSITORY}/blob/main/data/CREDITS.md)" in staged
    readme = book.rewrite_links("[01](notebooks/zh/01_x.ipynb) [plan](workshop/)", "README.zh-CN.md", "index.md", "zh")
    assert readme == f"[01](notebooks/01_x.ipynb) [plan]({book.REPOSITORY}/tree/main/workshop)"


def test_the_pages_cut_from_each_readme_exist_and_a_missing_one_is_named():
    for language, edition in book.EDITIONS.items():
        text = (ROOT / edition["readme"]).read_text(encoding="utf-8")
        intro, sections = book.readme_sections(text, edition["readme"])
        assert intro.strip() and "```" not in intro
        assert set(edition["landing"]) | set(edition["pages"].values()) <= set(sections), language
    _, sections = book.readme_sections("# t\n\n## A\n\n```\n## not a heading\n```\n", "README.md")
    assert list(sections) == ["A"]
    with pytest.raises(book.BookError, match=r"README.md: no section '## Exercises'"):
        book._section(sections, "Exercises", "README.md")


# --------------------------------------------------------------------------------------------- the built book


def _missing_packages() -> list[str]:
    return [name for name in BOOK_PACKAGES if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    missing = _missing_packages()
    if missing:
        reason = f"the book extra is missing ({', '.join(missing)}): `make book-install`"
        if os.environ.get("GANSTYLE_BOOK_REQUIRED") == "1":
            pytest.fail(reason + " (GANSTYLE_BOOK_REQUIRED=1)")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("book") / "html"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "book.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def server(site, free_port):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/index.html", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("response", lambda response: page.problems.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400 else None)
    yield page
    context.close()


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_the_book_has_both_editions_with_every_notebook(site):
    for folder, notebooks in ((site, ROOT / "notebooks"), (site / "zh", ROOT / "notebooks" / "zh")):
        stems = sorted(path.stem for path in notebooks.glob("[0-9][0-9]_*.ipynb"))
        assert sorted(p.stem for p in (folder / "notebooks").glob("*.html")) == stems
        assert sorted(p.stem for p in (folder / "downloads" / "notebooks").glob("*.ipynb")) == stems
        for page in ("index", "exercises", "teaching", "benchmarks", "command-line", "glossary", "search"):
            assert (folder / f"{page}.html").is_file(), (folder, page)
    downloaded = json.loads((site / "downloads/notebooks/01_style_as_statistics.ipynb").read_text(encoding="utf-8"))
    assert downloaded == json.loads((ROOT / "notebooks/01_style_as_statistics.ipynb").read_text(encoding="utf-8"))


def test_every_page_loads_its_images_with_no_console_error_and_every_internal_link_resolves(site, server, page):
    pages = sorted(str(path.relative_to(site)) for path in site.rglob("*.html")
                   if "_static" not in path.parts and path.name != "genindex.html")
    assert len(pages) >= 2 * 20
    broken, ids = [], {}
    for name in pages:
        page.goto(f"{server}/{name}")
        page.wait_for_load_state("load")
        unloaded = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                                 ".map(i => i.src)")
        broken += [f"{name}: image {src}" for src in unloaded] + [f"{name}: {p}" for p in page.problems]
        page.problems.clear()
        for href in page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"):
            parsed = urllib.parse.urlsplit(href)
            if not href.startswith(server):
                continue
            target = site / urllib.parse.unquote(parsed.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{name}: link {href}")
            elif parsed.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = _ids(target.read_text(encoding="utf-8"))
                if urllib.parse.unquote(parsed.fragment) not in ids[target]:
                    broken.append(f"{name}: anchor {href}")
    assert broken == []


def test_the_language_switch_lands_on_the_same_notebook_in_the_other_language(server, page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(f"{server}/index.html")
    page.screenshot(path=str(SHOTS / "book_landing.png"))
    page.goto(f"{server}/notebooks/06_gan_style_transfer.html")
    assert page.locator("h1").first.inner_text().startswith("06 · GAN style transfer")
    page.screenshot(path=str(SHOTS / "book_06_en.png"))
    page.click("a.book-language")
    page.wait_for_url("**/zh/notebooks/06_gan_style_transfer.html")
    assert "风格迁移" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(SHOTS / "book_06_zh.png"))
    page.click("a.book-language")
    page.wait_for_url(re.compile(r".*/(?<!zh/)notebooks/06_gan_style_transfer\.html$"))
    assert page.problems == []


@pytest.mark.parametrize("edition,query", [("", "Gram"), ("zh/", "格拉姆")])
def test_search_finds_notebook_01(server, page, edition, query):
    page.goto(f"{server}/{edition}search.html?q={urllib.parse.quote(query)}")
    page.wait_for_selector("#search-results ul.search li a", timeout=30_000)
    found = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    assert any(href.endswith(f"/{edition}notebooks/01_style_as_statistics.html") or
               f"/{edition}notebooks/01_style_as_statistics.html#" in href for href in found), found[:10]
    assert page.problems == []


def test_a_collapsed_solution_opens_on_click(server, page):
    page.goto(f"{server}/notebooks/01_style_as_statistics.html")
    solution = page.locator("details#solution-01-1")
    code = solution.locator("pre")
    assert solution.get_attribute("open") is None and not code.is_visible()
    solution.locator("summary").click()
    assert solution.get_attribute("open") is not None and code.is_visible()
    assert "def " in code.inner_text()
