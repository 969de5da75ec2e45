"""The package's layering: a module imports only modules below it, and only viz/widgets touch matplotlib or ipywidgets.

A subpackage (``exercises``) takes one place in the order; inside it, its own modules are layered the same way."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganstyle_edu"

# Lowest first. A module may import (at top level or inside a function) only modules listed before it.
ORDER = ("images", "gan_theory", "shipped", "provenance", "config", "distribute", "checkpoints", "gram", "augment", "stylemodel", "models", "features", "data", "losses", "metrics", "artefacts",
         "latent", "evaluation", "typography", "saliency", "featureviz", "nst", "stylegen", "callbacks", "gan",
         "toy2d", "paintgan", "dissect", "styleconfig", "stylenet", "exercises", "viz", "widgets", "cli")
# Inside a subpackage, lowest first: a module may import the package's modules below the subpackage in ORDER and
# the subpackage's modules listed before it (its __init__, which collects them, comes last).
SUBPACKAGES = {"exercises": ("checking", "nb00", "nb01", "nb02", "nb03", "nb04", "nb05", "nb06", "nb07", "nb08",
                             "nb09", "nb10", "nb11", "__init__"),
               "widgets": ("common", "explorers", "playground", "__init__")}
DRAWING = {"matplotlib", "ipywidgets", "IPython"}
DRAWING_MODULES = {"viz", "widgets"}


def package_imports(path: Path, subpackage: str = "") -> tuple[set[str], set[str]]:
    """(modules of this package imported, top-level third-party names imported) anywhere in the file. In a file of
    ``subpackage``, ``from .. import x`` names the package's module x and ``from . import y`` its sibling, given as
    "subpackage.y"."""
    package_level = 2 if subpackage else 1
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            named = {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
            if node.level == package_level:
                ours.update(named)
            elif node.level == 1 and subpackage:
                ours.update(f"{subpackage}.{name}" for name in named)
            elif node.level == 0 and node.module:
                theirs.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            theirs.update(alias.name.split(".")[0] for alias in node.names)
    return ours - {"__version__"}, theirs


def files_of(name: str) -> list[tuple[str, Path, str, set[str]]]:
    """(name, file, its subpackage or "", the modules it may import) for the module or subpackage ``name`` of ORDER."""
    below = set(ORDER[:ORDER.index(name)])
    if name not in SUBPACKAGES:
        return [(name, PACKAGE / f"{name}.py", "", below)]
    inner = SUBPACKAGES[name]
    return [(f"{name}.{module}", PACKAGE / name / f"{module}.py", name, below | {f"{name}.{m}" for m in inner[:rank]})
            for rank, module in enumerate(inner)]


def all_files() -> list[tuple[str, Path, str, set[str]]]:
    return [entry for name in ORDER for entry in files_of(name)]


def test_every_module_has_a_place_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    modules |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert modules == set(ORDER), f"add new modules to ORDER: {sorted(modules ^ set(ORDER))}"
    for name, inner in SUBPACKAGES.items():
        found = {p.stem for p in (PACKAGE / name).glob("*.py")}
        assert found == set(inner), f"add new modules to SUBPACKAGES[{name!r}]: {sorted(found ^ set(inner))}"


def test_no_module_imports_one_above_it():
    upward = []
    for name, path, subpackage, allowed in all_files():
        ours, _ = package_imports(path, subpackage)
        upward += [f"{name} imports {other}" for other in ours if other not in allowed]
    assert not upward, upward


def test_only_the_drawing_modules_import_matplotlib_or_ipywidgets():
    offenders = [name for name, path, subpackage, _ in all_files() if name.split(".")[0] not in DRAWING_MODULES
                 and package_imports(path, subpackage)[1] & DRAWING]
    assert not offenders, f"compute modules importing drawing libraries: {offenders}"


def test_the_check_sees_an_upward_import(tmp_path):
    """The checker itself can fail: a file importing a higher module is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from .stylenet import pretrained\n    from . import viz, gram\n    import matplotlib.pyplot\n")
    ours, theirs = package_imports(bad)
    assert ours == {"stylenet", "viz", "gram"} and "matplotlib" in theirs


def test_the_check_sees_an_upward_import_inside_a_subpackage(tmp_path):
    """In a subpackage, ``from .. import`` names the package's modules and ``from . import`` the siblings."""
    bad = tmp_path / "nb00.py"
    bad.write_text("from .checking import Exercise\nfrom . import nb01\n\n\ndef f():\n"
                   "    from .. import viz, features\n")
    ours, _ = package_imports(bad, "exercises")
    assert ours == {"exercises.checking", "exercises.nb01", "viz", "features"}
    allowed = {name: allowed for name, _, _, allowed in files_of("exercises")}["exercises.nb00"]
    assert sorted(ours - allowed) == ["exercises.nb01", "viz"]


def public_names(tree: ast.Module) -> set[str]:
    """The names a module lists in ``__all__`` (a subpackage's __init__ declares its public face this way)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "__all__" for target in node.targets):
            return {element.value for element in node.value.elts}
    return set()


def test_no_module_re_exports_another_modules_names():
    """Each name is used from the module that defines it (``saliency.realism_map``, not ``stylenet.realism_map``);
    only a subpackage's __init__ may collect its own modules' names, listed in ``__all__``."""
    re_exports = []
    for name, path, subpackage, _ in all_files():
        tree = ast.parse(path.read_text())
        imported = {alias.asname or alias.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                    and node.level >= 1 and node.module for alias in node.names}
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            n.value.id for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
        if subpackage and path.stem == "__init__":
            used |= {symbol for symbol in public_names(tree) if imported.get(symbol, "").split(".")[0]
                     in {module.rsplit(".", 1)[-1] for module in SUBPACKAGES[subpackage]}}
        re_exports += [f"{name}.{symbol} (from {module})" for symbol, module in imported.items() if symbol not in used]
    assert not re_exports, f"imported but unused, i.e. re-exported: {re_exports}"


def test_viz_does_not_import_the_exercises():
    """The exercises feed viz their numbers (``exercises.reference_series``); viz draws without knowing them."""
    ours, _ = package_imports(PACKAGE / "viz.py")
    assert "exercises" not in ours
