"""Headless Chromium for tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Reusable by any test that must see a page as a browser renders it::

    from browser import browser_page, require_browser

    def test_page(tmp_path):
        require_browser()                     # skips, saying why, when it cannot run
        with browser_page() as page:
            page.goto(url)
            wait_for_text(page, "parent")
            page.screenshot(path=artifact("my-page.png"))

Playwright's own browser download is never used (it needs the network):
Playwright launches the system's chromium (``apt-get install chromium``;
``.ci/run`` installs it when it can). Without chromium or the playwright
package the tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MPBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORT = {"width": 1600, "height": 1000}


def missing_browser() -> str | None:
    """Why a headless browser cannot run here, or ``None`` when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; its browser download " \
               "is not needed)"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it when " \
               "it can)"
    return None


def require_browser() -> None:
    """Skip the calling test, with the reason, unless headless chromium can run."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)


def artifact(name: str) -> str:
    """Path for a test artefact (git-ignored ``tests/artifacts/``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / name)


# The running test (set by conftest): a test that starts chromium must carry
# @pytest.mark.browser, so the quick loop (-m "not slow and not browser") never starts one.
CURRENT_TEST: Any = None


@contextmanager
def browser_page(viewport: dict | None = None) -> Iterator[Any]:
    """A fresh page of a headless chromium, closed (browser included) afterwards."""
    if CURRENT_TEST is not None and CURRENT_TEST.get_closest_marker("browser") is None:
        pytest.fail(f"{CURRENT_TEST.nodeid} starts chromium: mark it @pytest.mark.browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport or VIEWPORT)
            yield context.new_page()
        finally:
            browser.close()


def page_text(page: Any) -> str:
    """The text of the page, frames included, as a person would read it."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''"))
        except Exception:  # a frame that navigated away meanwhile
            continue
    return "\n".join(texts)


def wait_for_text(page: Any, *needles: str, timeout: float = 30.0) -> str:
    """Wait until every needle shows in the page's text; the text (fails the test on timeout)."""
    end = time.monotonic() + timeout
    text = ""
    while time.monotonic() < end:
        text = page_text(page)
        if all(needle in text for needle in needles):
            return text
        time.sleep(0.25)
    missing = [needle for needle in needles if needle not in text]
    pytest.fail(f"not shown within {timeout:g} s: {missing}; page text starts: {text[:500]!r}")


def screenshot(page: Any, name: str) -> str:
    """Save a screenshot of the page under ``tests/artifacts/``; its path."""
    path = artifact(name)
    page.screenshot(path=path)
    return path


def png_size(path: str) -> tuple[int, int]:
    """Width and height of a PNG file; fails the test unless it is one (signature, IHDR)."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path}: not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height
