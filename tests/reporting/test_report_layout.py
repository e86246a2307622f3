"""The page as a person sees it at 1400x900: every table's columns inside the window, no
sideways scroll, numbers right-aligned, the key columns first (headless chromium)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, run_mpbench

from mpbench.reporting.tables import (
    Table,
    numeric_columns,
    reads_as_number,
    table_html,
    table_markdown,
)

VIEWPORT = {"width": 1400, "height": 900}
DATA = ROOT / "tests" / "data"
PAGES = ("suite-py311", "pool-py311", "shared-py311", "compare")
# a cell that is plainly a number (written here, not the report's own rule)
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*\s?(ns|us|ms|s|x|%|B|KiB|MiB|GiB|[kMG]?B?/s)?")
PLACEHOLDERS = {"", "-"}
KEY_COLUMNS = {  # table title starts with: the columns that must come within its first four
    "Harness checks: each benchmark": ("benchmark / reference", "within target"),
    "Contention: every point": ("oversubscribed",),
}

MEASURE = """() => ({
  scroll: document.documentElement.scrollWidth,
  tables: Array.from(document.querySelectorAll('table')).map(t => {
    const box = t.parentElement;
    const cell = c => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const style = getComputedStyle(c);
      const inner = c.getBoundingClientRect().right - parseFloat(style.paddingRight);
      return [c.textContent, style.textAlign, inner - range.getBoundingClientRect().right];
    };
    const heads = Array.from(t.tHead.rows[0].cells);
    return {
      title: box.previousElementSibling ? box.previousElementSibling.textContent : '',
      overflow: box.scrollWidth - box.clientWidth,
      heads: heads.map(c => [c.textContent, c.getBoundingClientRect().right]),
      columns: heads.map((_, i) => Array.from(t.tBodies[0].rows)
                                       .filter(r => r.cells[i]).map(r => cell(r.cells[i]))),
    };
  }),
})"""


@pytest.fixture
def page_dir(request, tmp_path):
    name = request.param
    if name == "suite-py311":
        return request.getfixturevalue("fixture_report")
    if name == "compare":
        return request.getfixturevalue("fixture_comparison")
    run_mpbench("report", str(DATA / f"{name}.json"), "-o", str(tmp_path / name), check=True)
    return tmp_path / name


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("page_dir", PAGES, indirect=True)
def test_every_table_fits_the_window_with_numbers_right_aligned(page_dir, request):
    from browser import artifact, browser_page, require_browser

    require_browser()
    with browser_page(viewport=VIEWPORT) as page:
        page.goto((page_dir / "index.html").as_uri())
        page.wait_for_selector("table")
        found = page.evaluate(MEASURE)
        harness = page.locator("h3", has_text="Harness checks: each benchmark")
        if harness.count():
            harness.first.scroll_into_view_if_needed()
        page.screenshot(path=artifact(f"report-layout-{request.node.callspec.id}.png"))
    assert found["scroll"] <= VIEWPORT["width"], "the page scrolls sideways"
    assert found["tables"]
    plain = 0
    for table in found["tables"]:
        title = table["title"]
        assert table["overflow"] <= 0, f"{title!r} scrolls sideways"
        outside = [(head, right) for head, right in table["heads"] if right > VIEWPORT["width"]]
        assert not outside, f"{title!r}: columns past the window's edge: {outside}"
        for (head, _), cells in zip(table["heads"], table["columns"]):
            shown = [c for c in cells if c[0].strip() not in PLACEHOLDERS]
            if shown and all(PLAIN_NUMBER.fullmatch(text.strip()) for text, _, _ in shown):
                plain += 1
                # right-aligned as the style says, and as it shows: text against the right edge
                assert all(align == "right" and gap < 1.5 for _, align, gap in shown), \
                    f"{title!r}, column {head!r}: numbers not right-aligned: {shown[:3]}"
        for start, keys in KEY_COLUMNS.items():
            if title.startswith(start):
                first = [head for head, _ in table["heads"][:4]]
                assert all(any(h.startswith(k) for h in first) for k in keys), (title, first)
    assert plain, "no column of plain numbers was checked"


def test_a_column_is_numeric_when_most_of_its_cells_read_as_numbers():
    table = Table("t", ["name", "time", "ratio", "work", "share"],
                  [["a.b[x=1]", "1.23 ms", "1.05x [0.98, 1.10]", "1 us inside, 10 us between",
                    "1.00"],
                   ["a.b[x=2]", "8.42 us +- 1.09 us", "-", "empty loop", "equal by design"],
                   ["a.b[x=3]", "40.4 us (101 MB/s, 2.19x floor)", "+12%", "-",
                    "2.61 (2 starved)"]])
    assert numeric_columns(table) == [False, True, True, False, True]
    assert not reads_as_number("6.18.44-fc-v669") and not reads_as_number("109 us and longer")
    rendered = table_html(table)
    assert "<th class='num'>time</th>" in rendered and "<th>name</th>" in rendered
    # numbers never wrap; a sentence in a numeric column may; long names may, at their commas
    assert "<td class='num nowrap'>2.61 (2 starved)</td>" in rendered
    assert "<td class='num'>equal by design</td>" in rendered
    assert "<td>a.b[x=1]</td>" in rendered and "<td>1&nbsp;us inside, 10&nbsp;us" in rendered
    long = table_html(Table("t", ["benchmark"], [["channels.os_pipe.round_trip[size=64B,"
                                                  "placement=same-cpu]"]]))
    assert ("channels.<wbr>os_pipe.<wbr>round_trip<wbr>[size=64B,<wbr>placement=same-cpu]"
            in long)
    assert "|---|---:|---:|---|---:|" in table_markdown(table)
