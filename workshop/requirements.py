"""Print every requirement the course installs, one per line, for `make wheelhouse` (pip download -r).

The package's dependencies and its lab, test and bench extras (from pyproject.toml), the build backend an editable
install needs with no index (setuptools, wheel) and pip itself. (Colab's ipywidgets 7.7.1, which `make test`
installs beside ours, is downloaded on its own with --no-deps: in one resolution it would replace ipywidgets 8.)
"""
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

ROOT = Path(__file__).resolve().parents[1]


def requirements() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text()
    if tomllib is not None:
        project = tomllib.loads(text)["project"]
        listed = project["dependencies"] + [r for extra in ("test", "bench")
                                            for r in project["optional-dependencies"][extra]]
        build = tomllib.loads(text)["build-system"]["requires"]
    else:  # a plain reading of the quoted strings in the three lists
        def block(name):
            match = re.search(rf"^{name}\s*=\s*\[(.*?)\]", text, re.S | re.M)
            return re.findall(r'"([^"]+)"', match[1]) if match else []
        listed = block("dependencies") + block("test") + block("bench")
        build = block("requires")
    extra = ["pip", "wheel"]
    return list(dict.fromkeys(listed + build + extra))


if __name__ == "__main__":
    sys.stdout.write("\n".join(requirements()) + "\n")
