"""Sphinx configuration of the course book (`make book`, tools/book.py).

tools/book.py stages one language's sources (the committed notebooks with their outputs, pages cut from the
README, the glossary) into a folder together with this file, and runs Sphinx there once per language:
English at the site's root, Chinese under zh/. Nothing is executed. GANSTYLE_BOOK_LANGUAGE is "en" or "zh".
"""
import importlib.util
import logging
import os
import shutil
from pathlib import Path

LANGUAGE = os.environ.get("GANSTYLE_BOOK_LANGUAGE", "en")
if LANGUAGE not in ("en", "zh"):
    raise ValueError(f"GANSTYLE_BOOK_LANGUAGE={LANGUAGE!r}: use en or zh")
CHINESE = LANGUAGE == "zh"
REPOSITORY = "https://github.com/ganstyle-edu/ganstyle-edu"

project = "ganstyle-edu"
author = "ganstyle-edu"
copyright = "ganstyle-edu"
html_title = "ganstyle-edu：基于 GAN 的图像风格迁移" if CHINESE else "ganstyle-edu: GAN style transfer, looked inside"
language = "zh_CN" if CHINESE else "en"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # the committed cpu-mode outputs are the book's
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]
exclude_patterns = ["_build", "_extra", "conf.py", ".ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_context = {"default_mode": "light"}
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_extra_path = ["_extra"]
templates_path = ["_templates"]
html_css_files = ["book.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY,
    "use_repository_button": True,
    "use_download_button": False,  # the header's own link downloads the committed notebook, not the staged copy
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
}
# Chinese words are cut by jieba for the search index (Sphinx's zh search); English by the stemmer
html_search_language = "zh" if CHINESE else "en"
if CHINESE:
    import jieba  # Sphinx's zh search imports it; its start-up lines are not the book's

    jieba.setLogLevel(logging.WARNING)

# MathJax from the sphinx-mathjax-offline wheel: the book is read offline too, so no CDN
mathjax_path = "mathjax/tex-chtml.js"


def _copy_mathjax(app, exception):
    """The one MathJax component the pages load, and its fonts, into _static/mathjax."""
    if exception is not None:
        return
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None:
        raise RuntimeError("the book needs sphinx-mathjax-offline: pip install -e '.[book]'")
    source = Path(spec.origin).parent / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "tex-chtml.js", target / "tex-chtml.js")
    shutil.copytree(source / "output" / "chtml" / "fonts" / "woff-v2", target / "output" / "chtml" / "fonts" / "woff-v2",
                    dirs_exist_ok=True)


def _language_links(app, pagename, templatename, context, doctree):
    """The same page in the other language (English at the root, Chinese under zh/), and for a notebook
    its committed .ipynb (staged under downloads/)."""
    up = "../" * pagename.count("/")
    if CHINESE:
        context["other_language_url"] = f"{up}../{pagename}.html"
        context["other_language_name"], context["other_language_code"] = "English", "en"
    else:
        context["other_language_url"] = f"{up}zh/{pagename}.html"
        context["other_language_name"], context["other_language_code"] = "中文", "zh-CN"
    if pagename.startswith("notebooks/"):
        context["notebook_download_url"] = f"{up}downloads/{pagename}.ipynb"
        context["notebook_download_label"] = "下载此 notebook" if CHINESE else "Download this notebook"


def _chinese_search():
    """Sphinx's Chinese search (jieba), with the English stemmer its JavaScript is given under that stemmer's
    name: Sphinx 9 names the stemmer after the language ("ChineseStemmer"), which no script defines."""
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        language_name = "English"

    return ChineseSearch


def setup(app):
    if CHINESE:
        app.add_search_language(_chinese_search())
    app.connect("html-page-context", _language_links)
    app.connect("build-finished", _copy_mathjax)
