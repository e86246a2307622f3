"""The report's first screen: one line per section, linking to it, above the first figure."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT

from mpbench.reporting import build
from mpbench.reporting.page import FIRST_SCREEN

pytestmark = pytest.mark.slow  # builds a whole report

FIXTURE = ROOT / "tests" / "data" / "suite-py311.json"
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("first-screen")
    # the samples file comes along: the sync section reads it
    for path in (FIXTURE, FIXTURE.with_name(FIXTURE.stem + ".samples.json")):
        shutil.copy(path, out / path.name)
    build.build_report(str(out / FIXTURE.name), str(out / "report"))
    return out / "report"


def _in_short(markdown: str) -> list:
    block = markdown.split("## In short\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in block.splitlines() if line.startswith("- ")]


def test_in_short_has_one_line_per_section_each_linking_to_a_heading(report_dir):
    markdown = (report_dir / "summary.md").read_text()
    lines = _in_short(markdown)
    headings = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert 1 <= len(lines) <= FIRST_SCREEN
    targets = [re.search(r"\]\((#[^)]+)\)\)$", line).group(1) for line in lines]
    anchors = {"#" + "".join(c for c in h.lower() if c.isalnum() or c in " -_").replace(" ", "-")
               for h in headings}
    assert set(targets) <= anchors and len(set(targets)) == len(targets)
    assert any(line.startswith("- Harness checks") for line in lines)


def test_every_headline_is_kept_in_its_section_with_its_sources(report_dir):
    markdown = (report_dir / "summary.md").read_text()
    body = markdown.split("## In short\n", 1)[1].split("\n## ", 1)[1]
    # the sync section's fairness line is not on the first screen but is in its section
    assert "Fairness" not in "\n".join(_in_short(markdown))
    assert re.search(r"^- Fairness.*\(`sync\.contended", body, flags=re.M)


@pytest.mark.browser
def test_first_screen_shows_the_headlines_and_the_first_figure_title(report_dir):
    from browser import artifact, browser_page, require_browser

    require_browser()
    with browser_page(viewport=VIEWPORT) as page:
        page.goto((report_dir / "index.html").as_uri())
        page.wait_for_selector("figcaption.title")
        boxes = page.evaluate(
            "() => Array.from(document.querySelectorAll('#summary + ul.headlines li, "
            "figcaption.title')).map(e => [e.tagName, e.innerText, "
            "e.getBoundingClientRect().bottom])")
        page.screenshot(path=artifact("report-first-screen.png"))
    leads = [b for b in boxes if b[0] == "LI"]
    first_title = next(b for b in boxes if b[0] == "FIGCAPTION")
    assert 1 <= len(leads) <= FIRST_SCREEN
    assert all(bottom <= VIEWPORT["height"] for _, _, bottom in leads), leads
    assert first_title[1] and first_title[2] <= VIEWPORT["height"], first_title
