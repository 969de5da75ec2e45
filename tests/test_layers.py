"""The package's layering: a module imports only modules below it, and only viz/widgets touch matplotlib or ipywidgets."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganstyle_edu"

# Lowest first. A module may import (at top level or inside a function) only modules listed before it.
ORDER = ("images", "shipped", "config", "distribute", "checkpoints", "gram", "augment", "models", "features", "data", "losses", "metrics",
         "latent", "evaluation", "typography", "saliency", "featureviz", "nst", "stylegen", "callbacks", "gan",
         "toy2d", "paintgan", "dissect", "stylenet", "exercises", "viz", "widgets", "cli")
DRAWING = {"matplotlib", "ipywidgets", "IPython"}
DRAWING_MODULES = {"viz", "widgets"}


def package_imports(path: Path) -> tuple[set[str], set[str]]:
    """(modules of this package imported, top-level third-party names imported) anywhere in the file."""
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                ours.add(node.module.split(".")[0])
            elif node.level == 1:
                ours.update(alias.name for alias in node.names)
            elif node.module:
                theirs.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            theirs.update(alias.name.split(".")[0] for alias in node.names)
    return ours - {"__version__"}, theirs


def test_every_module_has_a_place_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == set(ORDER), f"add new modules to ORDER: {sorted(modules ^ set(ORDER))}"


def test_no_module_imports_one_above_it():
    upward = []
    for rank, name in enumerate(ORDER):
        ours, _ = package_imports(PACKAGE / f"{name}.py")
        upward += [f"{name} imports {other}" for other in ours if other not in ORDER[:rank]]
    assert not upward, upward


def test_only_the_drawing_modules_import_matplotlib_or_ipywidgets():
    offenders = [name for name in ORDER if name not in DRAWING_MODULES
                 and package_imports(PACKAGE / f"{name}.py")[1] & DRAWING]
    assert not offenders, f"compute modules importing drawing libraries: {offenders}"


def test_the_check_sees_an_upward_import(tmp_path):
    """The checker itself can fail: a file importing a higher module is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from .stylenet import pretrained\n    from . import viz, gram\n    import matplotlib.pyplot\n")
    ours, theirs = package_imports(bad)
    assert ours == {"stylenet", "viz", "gram"} and "matplotlib" in theirs


def test_no_module_re_exports_another_modules_names():
    """Each name is used from the module that defines it (``saliency.realism_map``, not ``stylenet.realism_map``)."""
    re_exports = []
    for name in ORDER:
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        imported = {alias.asname or alias.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                    and node.level == 1 and node.module for alias in node.names}
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            n.value.id for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
        re_exports += [f"{name}.{symbol} (from {module})" for symbol, module in imported.items() if symbol not in used]
    assert not re_exports, f"imported but unused, i.e. re-exported: {re_exports}"
