"""The widgets where people use them: JupyterLab in a real, headless Chromium, driven by Playwright.

nbval only runs the kernel side; a widget whose front end renders nothing passes it. Here JupyterLab
serves copies of notebooks 10 and 01 (so its autosave never touches the committed ones) in fast mode; the
test runs all cells from the menu, then clicks like a learner: in notebook 10 it picks a style, presses
*stylise* and waits for the stylised image to appear in the page; in notebook 01 it changes the Gram
explorer's layer and waits for the figure to be redrawn. Any error output fails the test, except the one
message notebook 10's bad-upload demonstration leaves in its playground (which must be there, alone). Screenshots go
to tests/screenshots/ (git-ignored).

Needs a Chromium (Debian: `apt-get install chromium`; the test looks for chromium, chromium-browser and
google-chrome on PATH, or GANSTYLE_CHROMIUM) and the `playwright` package (no browser download: it is
launched with the system Chromium). Without them the test skips, unless GANSTYLE_BROWSER_REQUIRED=1 (as
`.ci/run` sets), where it fails. Run only this test with
`.venv/bin/python -m pytest tests/test_browser.py -v`.
"""
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "screenshots"
ERRORS = re.compile(r"Traceback \(most recent call last\)|Error displaying widget|Model not found|⚠ ")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, free_port):
    """A JupyterLab server with token auth on a free port, serving copies of the notebooks; stopped in every case."""
    home = tmp_path_factory.mktemp("lab")
    served = home / "notebooks"
    served.mkdir()
    for name in ("10_playground.ipynb", "01_style_as_statistics.ipynb"):
        shutil.copy(ROOT / "notebooks" / name, served / name)
    port, token = free_port(), os.urandom(16).hex()
    env = dict(os.environ, GANSTYLE_MODE="fast", JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
    log = open(home / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                               "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
                               "--ServerApp.allow_root=True", "--LabApp.news_url=None",
                               "--LabServerApp.notebook_starts_kernel=True"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (home / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _open_and_run_all(browser, url, token, name):
    """Open one notebook in a workspace of its own and run all its cells from the Run menu. The menu item does
    nothing until the kernel is connected, so the click is repeated until this run's first output, "run mode:
    fast", replaces the committed cpu-mode one."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    started = page.locator(".jp-OutputArea-output", has_text="run mode: fast").first
    for _ in range(12):
        page.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=120_000)
        if started.count():  # a previous click did start the run (the kernel was busy importing)
            return page
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            started.wait_for(state="attached", timeout=30_000)
            return page
        except Exception:
            page.keyboard.press("Escape")  # close the menu if the click found the item disabled
    _wait_or_screenshot(page, started, f"{Path(name).stem}_not_started.png", timeout_s=1)
    return page


def _wait_or_screenshot(page, locator, name: str, timeout_s: int = 300) -> None:
    """Wait until ``locator`` is in the page; if it never comes, keep a screenshot of what the page shows."""
    try:
        locator.wait_for(state="attached", timeout=timeout_s * 1000)
    except Exception:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)
        raise


def _errors(page) -> list[str]:
    """Every distinct line of the page's outputs that reports an error (an output area holding a widget holds the
    widget's own output areas too, so a line can appear more than once)."""
    lines = (line for text in page.locator(".jp-OutputArea-output").all_inner_texts() for line in text.splitlines())
    return sorted({line[:300] for line in lines if ERRORS.search(line)})


def test_notebook_10_stylises_when_the_button_is_pressed(browser, lab):
    url, token = lab
    SHOTS.mkdir(exist_ok=True)
    page = _open_and_run_all(browser, url, token, "10_playground.ipynb")
    _wait_or_screenshot(page, page.locator(".jp-OutputArea-output", has_text="notebook run time").first,
                        "10_failure.png")
    playground = page.locator(".widget-vbox", has=page.locator("button", has_text="stylise")).first
    playground.scroll_into_view_if_needed()
    # The notebook sends the playground three bad uploads; the last one's message is what the widget shows now,
    # alone (each message replaces the one before), and it is the only error in the page.
    bomb = "⚠ ImageError: bomb.png (uploaded photo): 8000×5001"
    playground.locator(".widget-output", has_text=bomb).wait_for(timeout=60_000)
    errors, deadline = _errors(page), time.time() + 60
    while not any(line.startswith(bomb) for line in errors) and time.time() < deadline:  # until it is laid out
        time.sleep(0.5)
        errors = _errors(page)
    assert len(errors) == 1 and errors[0].startswith(bomb), errors
    playground.locator(".widget-dropdown", has_text="photo").first.locator("select").select_option("tubingen")
    playground.locator(".widget-dropdown", has_text="painting").first.locator("select").select_option("the_scream")
    playground.locator(".widget-dropdown", has_text="blend with").first.locator("select").select_option("(none)")
    playground.locator("button", has_text=re.compile(r"^network$")).click()
    after = playground.locator("img.widget-image").nth(1)
    before_src = after.get_attribute("src")
    page.screenshot(path=str(SHOTS / "10_before.png"))
    playground.locator("button", has_text="stylise").click()
    page.wait_for_function("([element, old]) => element.getAttribute('src') && element.getAttribute('src') !== old",
                           arg=[after.element_handle(), before_src], timeout=60_000)
    message = playground.locator(".widget-html").first
    message.filter(has_text="the_scream by network").wait_for(timeout=60_000)
    width = after.evaluate("img => img.naturalWidth")
    assert width > 16, "the stylised image did not load"
    page.screenshot(path=str(SHOTS / "10_after.png"))
    assert not _errors(page), _errors(page)
    page.close()


def test_notebook_01_gram_explorer_redraws(browser, lab):
    url, token = lab
    page = _open_and_run_all(browser, url, token, "01_style_as_statistics.ipynb")
    explorer = page.locator(".widget-vbox", has=page.locator(".widget-dropdown", has_text="layer")).first
    _wait_or_screenshot(page, explorer, "01_failure.png")  # the explorer is the last widget: all cells have run
    explorer.scroll_into_view_if_needed()
    figure = explorer.locator(".widget-output img").first
    figure.wait_for()
    assert not _errors(page), _errors(page)
    old = figure.get_attribute("src")
    select = explorer.locator(".widget-dropdown", has_text="layer").locator("select")
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("s => s.options[s.selectedIndex].text")
    select.select_option(label=next(o for o in options if o != current))
    page.wait_for_function("([explorer, old]) => { const img = explorer.querySelector('.widget-output img');"
                           " return img && img.getAttribute('src') !== old; }",
                           arg=[explorer.element_handle(), old], timeout=60_000)
    page.screenshot(path=str(SHOTS / "01_gram_explorer.png"))
    assert not _errors(page), _errors(page)
    page.close()
