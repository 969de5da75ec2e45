"""The Chinese edition (notebooks/zh/) pairs cell by cell with the English notebooks.

Its code is the English code (comments may be translated) and its outputs are the English run's, copied by
`python tools/zh_notebooks.py`; so `make test` executes only the English notebooks and these tests keep the
two editions from drifting apart. Hygiene (badge, no machine paths, no errors) is in tests/test_notebooks.py.
"""
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from zh_notebooks import code_tokens  # noqa: E402

ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SKELETON_ZH = ["目标", "准备", "思路", "搭建", "运行", "深入观察", "要点", "练习"]
# One translation per term (notebooks/zh/GLOSSARY.md): the usual alternatives must not creep in.
NOT_OUR_TERMS = {"鉴别器": "判别器", "辨别器": "判别器", "模式坍塌": "模式崩溃", "模式坍缩": "模式崩溃",
                 "格莱姆": "格拉姆", "克矩阵": "格拉姆矩阵", "感受域": "感受野", "隐空间向量": "隐向量",
                 "潜空间": "隐空间", "潜在空间": "隐空间", "风格转换": "风格迁移", "风格转移": "风格迁移",
                 "字体排印": "文字风格化", "Gram 损失": "格拉姆损失", "Gram 目标": "格拉姆目标", "原文": "该文"}
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _prose(markdown, mark=" "):
    """The words a reader reads: code, formulas, link targets, HTML tags and URLs each become ``mark``."""
    text = re.sub(r"```.*?```", mark, markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", mark, text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", mark, text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)|<[^>]+>|https?://\S+", mark, text)
    return text


def _headings(markdown):
    return [line for line in markdown.splitlines() if re.match(r"#{1,6} ", line)]


def _decimals(markdown):
    return sorted(set(re.findall(r"(?<![\w.])\d+\.\d+(?:e[+−-]?\d+)?", markdown)))


def _millions_as_wan(markdown):
    """'3.19 M' in English is '319 万' in Chinese: the decimals of millions a text gives in 万."""
    return {f"{int(n) / 100:g}" for n in re.findall(r"(?<![\d.])(\d+) ?万", markdown)}


def _pair(path):
    chinese = ROOT / "notebooks" / "zh" / path.name
    assert chinese.exists(), f"no Chinese edition of {path.name}: run `python tools/zh_notebooks.py` and translate it"
    return _load(path)["cells"], _load(chinese)["cells"]


def test_every_notebook_has_a_chinese_edition():
    assert ENGLISH
    names = sorted(p.name for p in (ROOT / "notebooks" / "zh").glob("*.ipynb"))
    assert names == [p.name for p in ENGLISH]


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_cells_pair_up_with_the_same_code_and_outputs(path):
    english, chinese = _pair(path)
    assert [c["cell_type"] for c in chinese] == [c["cell_type"] for c in english], "cells differ in number or kind"
    for index, (cell_en, cell_zh) in enumerate(zip(english, chinese)):
        if cell_en["cell_type"] != "code":
            continue
        where = f"{path.name} cell {index}"
        assert code_tokens(_source(cell_zh)) == code_tokens(_source(cell_en)), \
            f"{where}: code differs from the English (run `python tools/zh_notebooks.py`)"
        assert cell_zh["outputs"] == cell_en["outputs"], f"{where}: outputs differ (run `python tools/zh_notebooks.py`)"
        assert cell_zh["execution_count"] == cell_en["execution_count"], where


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_markdown_is_translated_in_full(path):
    english, chinese = _pair(path)
    for index, (cell_en, cell_zh) in enumerate(zip(english, chinese)):
        if cell_en["cell_type"] != "markdown":
            continue
        where = f"{path.name} cell {index}"
        text = _source(cell_zh)
        assert text.strip(), f"{where}: empty"
        prose = _prose(text)
        cjk, latin = len(CJK.findall(prose)), len(LATIN.findall(prose))
        assert cjk >= 0.4 * (cjk + latin), f"{where}: mostly not Chinese ({cjk} CJK characters, {latin} Latin letters)"
        # a translation, not a summary: every decimal the English quotes is quoted again
        missing = sorted(set(_decimals(_source(cell_en))) - set(_decimals(text)) - _millions_as_wan(text))
        assert not missing, f"{where}: the English quotes {missing}; the Chinese does not"
        for wrong, ours in NOT_OUR_TERMS.items():
            assert wrong not in text, f"{where}: '{wrong}' — the glossary says '{ours}'"


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_headings_in_the_same_order(path):
    english, chinese = _pair(path)
    heads_en = [h for c in english if c["cell_type"] == "markdown" for h in _headings(_source(c))]
    heads_zh = [h for c in chinese if c["cell_type"] == "markdown" for h in _headings(_source(c))]
    assert [h.split()[0] for h in heads_zh] == [h.split()[0] for h in heads_en], "heading levels differ"
    numbers = lambda heads: [re.match(r"#+ (\d+\.|\d\d ·)?", h)[1] for h in heads]  # noqa: E731
    assert numbers(heads_zh) == numbers(heads_en), "numbered headings differ"
    sections = [h[3:].strip() for h in heads_zh if h.startswith("## ")]
    positions = [next(i for i, s in enumerate(sections) if s.startswith(part)) for part in SKELETON_ZH]
    assert positions == sorted(positions), sections


def test_a_changed_english_code_cell_is_caught():
    """The pairing test compares code, not just cell counts: a changed number or name is a difference."""
    assert code_tokens("x = f(1)  # one") == code_tokens("x = f(1)  # 一\n")
    assert code_tokens("x = f(1)") != code_tokens("x = f(2)")
    assert code_tokens('%pip install -q "a"\nx = 1') != code_tokens('%pip install -q "b"\nx = 1')
    assert code_tokens('print("step")  # ok') != code_tokens('print("步")')


def test_chinese_readme_is_linked_and_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "README.zh-CN.md" in "\n".join(readme.splitlines()[:8]), "link the Chinese README from the top of README.md"
    chinese = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    linked = re.findall(r"\(notebooks/zh/([^)]+\.ipynb)\)", chinese)
    assert linked == [p.name for p in ENGLISH]
    assert "notebooks/zh/GLOSSARY.md" in chinese
    prose = _prose(chinese)
    assert len(CJK.findall(prose)) > len(LATIN.findall(prose))


# zh-CN typography of the prose (outside code, formulas and links): the mainland's quotation marks, no space
# before %, full-width parentheses after a painting's title and around a citation's year, no space after ）.
TYPOGRAPHY = {
    "「」 or 『』 (use “ ” and ‘ ’)": re.compile(r"[「」『』]"),
    'an ASCII " (use “ ”, or `…` for an English label)': re.compile(r'"'),
    "a space before % (write 72%)": re.compile(r"\d %"),
    "《title》(…) with ASCII parentheses (write 《星月夜》（*The Starry Night*）)": re.compile(r"》\("),
    "a citation with ASCII parentheses (write Gatys et al.（2016）)": re.compile(r"et al\. \("),
    "a citation without its comma (write （Li et al., 2017）)": re.compile(r"et al\. \d{4}"),
    "a space after ） before Chinese text": re.compile(r"） +[\u4e00-\u9fff]"),
    "a space between two Chinese characters": re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]"),
    "an English label in “ ” (gloss it as a code span: `painting`)": re.compile(r"“[A-Za-z][A-Za-z0-9 ._'-]*”"),
    "等人 in a citation (the edition writes et al.)": re.compile(r"[A-Z][a-z]+ 等人"),
}


def _typography_problems(markdown):
    prose = _prose(markdown.replace("§", ""), mark="§")  # a mark, not a space: no rule sees a removed span
    return [rule for rule, pattern in TYPOGRAPHY.items() if pattern.search(prose)]


def _chinese_texts():
    for path in sorted((ROOT / "notebooks" / "zh").glob("*.ipynb")):
        for index, cell in enumerate(_load(path)["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{path.name} cell {index}", _source(cell)
    for path in (ROOT / "README.zh-CN.md", ROOT / "notebooks" / "zh" / "GLOSSARY.md"):
        yield path.name, path.read_text(encoding="utf-8")


def test_chinese_prose_follows_zh_cn_typography():
    problems = [(where, rule) for where, text in _chinese_texts() for rule in _typography_problems(text)]
    assert not problems, problems[:10]


def test_the_typography_check_can_fail():
    bad = '他说「好」，"colour 3" 占 72 %。《星月夜》(*The Starry Night*) 见 Gatys et al. (2016) 和（Li et al. 2017） 一文的 图宾根，判为“painting”，见 Gatys 等人。'
    assert len(_typography_problems(bad)) == len(TYPOGRAPHY)
    good = "他说“好”，`colour 3` 占 72%。《星月夜》（*The Starry Night*）见 Gatys et al.（2016）和（Li et al., 2017）一文。`x = \"a\"`"
    assert _typography_problems(good) == []


# README.zh-CN.md translates every section of README.md, in the same order, plus one section of its own for readers
# in mainland China. A section added to README.md fails here until the Chinese README has it too.
README_SECTIONS_ZH = {
    "Quick start": "快速开始",
    "The notebooks": "课程目录",
    "Benchmarks": "基准测试",
    "Exercises": "练习",
    "Teaching this course": "用本课程授课",
    "Read it as a book": "当作一本书来读",
    "Running one notebook fast": "快速运行单个 notebook",
    "Google Colab": "Google Colab",
    "Pinned versions": "固定版本",
    "conda": "conda",
    "Check your setup": "检查你的环境",
    "Command line": "命令行",
    "Training on more machines": "在更多机器上训练",
    "Troubleshooting": "常见问题与故障排除",
    "Layout": "目录结构",
    "Credits": "致谢与许可",
}
CHINA_SECTION, CHINA_SECTION_AFTER = "在中国大陆安装", "快速开始"


def _sections(markdown):
    return [line[3:].strip() for line in markdown.splitlines() if line.startswith("## ")]


def test_chinese_readme_has_every_section_of_the_english_one():
    english = _sections((ROOT / "README.md").read_text(encoding="utf-8"))
    untranslated = [s for s in english if s not in README_SECTIONS_ZH]
    assert not untranslated, f"README.md sections with no Chinese counterpart: {untranslated} (translate them " \
                             "into README.zh-CN.md and add them to README_SECTIONS_ZH)"
    expected = [README_SECTIONS_ZH[s] for s in english]
    expected.insert(expected.index(CHINA_SECTION_AFTER) + 1, CHINA_SECTION)
    assert _sections((ROOT / "README.zh-CN.md").read_text(encoding="utf-8")) == expected


def test_chinese_readme_install_notes_hold_for_the_makefile():
    """What 在中国大陆安装 promises: PIP_INDEX_URL reaches every pip call, and NOTEBOOKS picks the folder lab opens."""
    chinese = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    for command in ("PIP_INDEX_URL=https://pypi.tuna.tsinghua.edu.cn/simple make lab", "make wheelhouse",
                    "make lab WHEELHOUSE=wheelhouse", "make lab NOTEBOOKS=notebooks/zh", "custom_channels:"):
        assert command in chinese, command
    makefile = (ROOT / "Makefile").read_text()
    pip_calls = re.findall(r"-m pip (?:install|download)[^\n]*", makefile)
    assert pip_calls and not [c for c in pip_calls if re.search(r"--index-url|--extra-index-url| -i ", c)]
    assert re.search(r"^lab:.*\n\t\$\(BIN\)/jupyter lab \$\(NOTEBOOKS\) ", makefile, re.M)
