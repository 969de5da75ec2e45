"""Build hook: the wheel carries a copy of data/ as ganstyle_edu/_data, so an installed package
(e.g. `pip install git+...` on Colab) finds the sample images without the checkout."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads data/ from the checkout itself
        source = Path(__file__).resolve().parent / "data"
        target = Path(self.build_lib) / "ganstyle_edu" / "_data"
        shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithData})
