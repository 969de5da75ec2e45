"""The prose agrees with its run: every decimal number a notebook's text quotes is printed (or set) by a code cell
of the same committed cpu-mode run, up to the rounding of the quoted digits — or is listed below with the reason it
is not (a published number, a derived one, a version). A re-run that moves a number the text quotes fails here."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PERCENT = re.compile(r"(?<![\w.,−-])[−+-]?(\d+(?:\.\d+)?) ?%")
EXERCISE = re.compile(r"# \d\d\.\d — (.*?)\n(?=[^#])", re.S)  # "# 08.3 — Predict …" up to the first line of code
NUMBER = re.compile(r"(?<![\w.])[−-]?\d[\d,]*\.\d+(?:e[−+-]?\d+)?(?![\w])|(?<![\w.])\d+(?:\.\d+)?e[−+-]?\d+(?![\w])")

# (notebook number, quoted text): why it is not in the notebook's outputs
NOT_PRINTED = {
    ("01", "7.7"): "ipywidgets 7.7, a version",
    ("02", "0.99"): "the tutorial's Adam β1, a setting of nst.TUTORIAL",
    ("02", "7.7"): "ipywidgets 7.7, a version",
    ("03", "98.9"): "1 − e^(−4.5): the share of a 2-D Gaussian within 3σ, derived in the text",
    ("04", "1.006"): "0.313 + 0.693, the buggy loss's floor, derived in the text",
    ("04", "1.31"): "log(1 + e), derived in the text",
    ("03", "98.9 %"): "1 − e^(−4.5), derived in the text",
    ("08", "6.7"): "exercise 08.3's given: the logit whose D(x) the learner predicts",
}


def _numbers(text):
    for match in NUMBER.finditer(text):
        literal = match.group().replace("−", "-").replace(",", "")
        try:
            yield match.group(), float(literal), literal
        except ValueError:
            continue


def _quoted_percent(prose):
    return [(m.group(0), float(m.group(1)), m.group(1)) for m in PERCENT.finditer(prose)]


def _half_unit(literal: str) -> float:
    """Half a unit of the literal's last digit: 0.72 → 0.005, 4.2e3 → 50."""
    mantissa, _, exponent = literal.lower().partition("e")
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** (-digits) * 10.0 ** (int(exponent) if exponent else 0)


def _quoted_and_printed(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    printed, statements = [], []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        statement = EXERCISE.search(source)
        if statement:  # a checked exercise's statement quotes the run like prose does
            statements.append(statement.group(1))
            source = source[:statement.start()] + source[statement.end():]
        texts = [source]
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", "")))
        for text in texts:
            printed += [value for _, value, _ in _numbers(text)]
            printed += [float(m.replace(",", "")) for m in re.findall(r"(?<![\w.])\d[\d,]*(?![\w.])", text)]
    quoted = []
    for cell in cells[1:]:  # the first cell states times per mode, measured outside the run
        if cell["cell_type"] == "markdown":
            prose = re.sub(r"\$[^$]*\$|`[^`]*`", "", "".join(cell["source"]))  # formulas and code are not quotes
            quoted += list(_numbers(prose))
            # shares in per cent, whole numbers included ("53 %"): printed as a share or as a percentage
            quoted += _quoted_percent(prose)
    for statement in statements:
        quoted += list(_numbers(statement)) + _quoted_percent(statement)
    return quoted, printed


def _matches(value: float, literal: str, printed) -> bool:
    tolerance = _half_unit(literal) * 1.001 + 1e-12
    return any(abs(abs(number) * scale - abs(value)) <= tolerance  # "removes 67 %" quotes a printed −67.0
               for number in printed for scale in (1, 100, 0.01, 1e-3, 1e-6))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_quoted_decimal_is_printed_by_the_run(path):
    quoted, printed = _quoted_and_printed(path)
    number = path.name[:2]
    missing = sorted({raw for raw, value, literal in quoted
                      if (number, raw) not in NOT_PRINTED and not _matches(value, literal, printed)})
    assert not missing, (f"{path.name}: the text quotes {missing}, which no code cell of the committed run prints; "
                         "update the prose from the outputs, or list the number in NOT_PRINTED with its reason")


def test_the_check_can_fail():
    quoted = list(_numbers("the loss fell to 4.2e3 and the share to 0.72"))
    assert [raw for raw, *_ in quoted] == ["4.2e3", "0.72"]
    assert _matches(4.2e3, "4.2e3", [4.21e3]) and not _matches(4.2e3, "4.2e3", [4.3e3])
    assert _matches(0.72, "0.72", [0.715]) and not _matches(0.72, "0.72", [0.71])
    assert _matches(72.8, "72.8", [0.728])  # a share printed as a fraction, quoted in per cent
    assert [raw for raw, *_ in _quoted_percent("it removes 53 % of the area, and 0.5% more")] == ["53 %", "0.5%"]


def test_allowances_are_still_needed():
    """An entry of NOT_PRINTED that no notebook of its number (a notebook in two parts has two) still needs is
    stale: remove it."""
    needed = set()
    for path in NOTEBOOKS:
        quoted, printed = _quoted_and_printed(path)
        raws = {raw: (value, literal) for raw, value, literal in quoted}
        for number, raw in NOT_PRINTED:
            if number == path.name[:2] and raw in raws and not _matches(*raws[raw], printed):
                needed.add((number, raw))
    assert set(NOT_PRINTED) == needed, sorted(set(NOT_PRINTED) - needed)


def _notebook(tmp_path, cells) -> Path:
    path = tmp_path / "99_check.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "# header, times"}] + cells}),
                    encoding="utf-8")
    return path


def test_a_number_only_in_a_figure_title_or_an_exercise_statement_is_not_printed(tmp_path):
    figure = {"cell_type": "code", "source": 'ax.set_title(f"KID {kid:.2f}")',
              "outputs": [{"output_type": "display_data",
                           "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"}}]}
    exercise = {"cell_type": "code", "outputs": [],
                "source": "from ganstyle_edu import exercises\n\n"  # the statement need not open the cell
                          "# 99.1 — Predict: why does a logit of 10.9 reach D(x) = 1.000?\nmy_answer = None\n"}
    prose = {"cell_type": "markdown", "source": "The samples score a KID of 2.47, well above the floor."}
    quoted, printed = _quoted_and_printed(_notebook(tmp_path, [figure, exercise, prose]))
    assert {raw for raw, *_ in quoted} == {"10.9", "1.000", "2.47"}  # the statement's numbers and the prose's
    assert not _matches(2.47, "2.47", printed) and not _matches(10.9, "10.9", printed)
    printing = {"cell_type": "code", "source": "print(kid)", "outputs": [{"output_type": "stream", "text": "2.4712\n"}]}
    _, printed = _quoted_and_printed(_notebook(tmp_path, [figure, exercise, printing, prose]))
    assert _matches(2.47, "2.47", printed) and not _matches(10.9, "10.9", printed)
