"""`make install WHEELHOUSE=folder` sets up the course with no network: a fresh environment from the folder of
wheels that `make wheelhouse` fills, with pip's index disabled (and pointed at a closed port, in case).

Slow (a fresh 2.7 GB environment, about two minutes) and it needs a wheelhouse, so it runs only when
GANSTYLE_WHEELHOUSE names one: `make wheelhouse`, then
`GANSTYLE_WHEELHOUSE=wheelhouse .venv/bin/python -m pytest tests/test_wheelhouse.py -v` (workshop/SETUP.md).
"""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_a_fresh_environment_installs_from_the_wheelhouse_alone(tmp_path):
    wheelhouse = os.environ.get("GANSTYLE_WHEELHOUSE")
    if not wheelhouse:
        pytest.skip("set GANSTYLE_WHEELHOUSE to a folder made by `make wheelhouse` to run this test")
    wheelhouse = Path(wheelhouse).resolve()
    assert any(wheelhouse.glob("tensorflow-*.whl")), f"{wheelhouse}: no TensorFlow wheel; run `make wheelhouse`"
    venv = tmp_path / "venv"
    env = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_NO_CACHE_DIR="1")
    result = subprocess.run(["make", "-C", str(ROOT), "install", f"VENV={venv}", f"WHEELHOUSE={wheelhouse}"],
                            capture_output=True, text=True, env=env, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "--no-index" in result.stdout  # the Makefile passed the wheelhouse to every pip call
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import ganstyle_edu, tensorflow, keras, jupyterlab, nbval, hypothesis, playwright; "
                            "from ganstyle_edu import data; print(len(data.names()))"],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and check.stdout.strip() == "32", check.stderr[-2000:]
    assert (venv / "ipywidgets77" / "ipywidgets").is_dir()
