"""Shared fixtures. TensorFlow is imported once, quietly, through the package; the browser tests
(tests/test_browser.py, tests/test_book.py) share one headless Chromium per test file."""
import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property-based tests (tests/test_robustness.py): a short sweep in `make test`; 20× more examples with
# `pytest tests/test_robustness.py --hypothesis-profile thorough`.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("default", max_examples=25, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=_QUIET)
settings.load_profile("default")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def tf():
    from ganstyle_edu.config import import_tensorflow

    return import_tensorflow()


@pytest.fixture(scope="session")
def tubingen_64():
    from ganstyle_edu import data, images

    return images.resize_and_crop(data.sample("tubingen"), 64)


# The system Chromium, driven by Playwright (no browser download). Without one the browser tests skip, unless
# GANSTYLE_BROWSER_REQUIRED=1 (as `.ci/run` sets when it has installed Chromium), where they fail.
BROWSER_REQUIRED = os.environ.get("GANSTYLE_BROWSER_REQUIRED") == "1"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


def _browser_unavailable(reason: str):
    if BROWSER_REQUIRED:
        pytest.fail(reason + " (GANSTYLE_BROWSER_REQUIRED=1)")
    pytest.skip(reason)


def _chromium() -> str | None:
    candidates = [os.environ.get("GANSTYLE_CHROMIUM")] + [shutil.which(n) for n in ("chromium", "chromium-browser",
                                                                                     "google-chrome")]
    return next((c for c in candidates if c and Path(c).exists()), None)


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium()
    if chromium is None:
        _browser_unavailable("no Chromium found: install one (Debian: `apt-get install chromium`) to run the browser "
                             "tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is missing: `pip install -e .[test]`")
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chrome
        finally:
            chrome.close()


@pytest.fixture(scope="session")
def free_port():
    """A function giving a TCP port free on 127.0.0.1 at the moment it is called."""
    def find() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    return find
