"""Every figure of every group, drawn from the committed fixtures, held to issue 22's rules
(:mod:`figure_rules`): legends off the data, text at least 9 pt as the page shows it, no
two series alike, value labels horizontal.

The figures are caught as :func:`plotting.save` writes them, before they are closed:
each group's report figures from the fixture holding the group, its comparison overlays
from two files (3.11 against 3.12; pool and shared against a copy of themselves made
slower) and from a fleet of four, and the overview's ratio figure and heatmap per group.
"""

from __future__ import annotations

import functools
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

import figure_rules
import pytest
from conftest import ROOT

from mpbench.groups import GROUPS
from mpbench.reporting import data, fleet, legends, plotting
from mpbench.reporting import verdict_section as vs
from mpbench.reporting.verdict import Comparison

pytestmark = pytest.mark.timeout(300)
DATA = ROOT / "tests" / "data"
REPORTS = ("suite-py311", "pool-py311", "shared-py311")  # fixtures with a report each
FLEET_FILES = 4


def _groups_in(stem: str) -> set[str]:
    document = json.loads((DATA / f"{stem}.json").read_text())
    return {bench["metadata"]["name"].split(".")[0] for bench in document["benchmarks"]}


HOLDS = {stem: _groups_in(stem) for stem in REPORTS}
HOME = {group.name: next((stem for stem in REPORTS if group.name in HOLDS[stem]), None)
        for group in GROUPS}


class Case(NamedTuple):
    """One figure builder and the source it draws from (``kind:fixture``)."""

    id: str
    source: str
    draw: Callable[[Any, str], Any]


def _cases() -> list[Case]:
    cases = []
    for group in GROUPS:
        home, report = HOME[group.name], group.report()
        if home is None:
            continue
        for draw in report.FIGURES:
            cases.append(Case(f"report-{group.name}-{draw.__name__}", f"report:{home}", draw))
        for kind in ("compare", "fleet"):
            for draw in report.COMPARE_FIGURES:
                cases.append(Case(f"{kind}-{group.name}-{draw.__name__}", f"{kind}:{home}", draw))
        cases.append(Case(f"compare-overview-ratio-{group.name}", f"compare:{home}",
                          functools.partial(vs.ratio_figure, group=group.name)))
        cases.append(Case(f"fleet-overview-heatmap-{group.name}", f"fleet:{home}",
                          functools.partial(fleet.heatmap, group=group.name)))
    return cases


CASES = _cases()

def _copy(source: Path, target: Path, host: str, factor: float, seed: int) -> Path:
    """``source`` as if run on ``host``: every value scaled by ``factor`` and a little noise;
    its samples file beside it, when it has one."""
    rng = random.Random(seed)
    document = json.loads(source.read_text())
    document["metadata"]["hostname"] = host
    for bench in document["benchmarks"]:
        for run in bench["runs"]:
            if "values" in run:
                run["values"] = [v * factor * rng.uniform(0.99, 1.01) for v in run["values"]]
    target.write_text(json.dumps(document))
    samples = source.with_suffix(".samples.json")
    if samples.exists():
        shutil.copy(samples, target.with_suffix(".samples.json"))
    return target


class Sources:
    """The result sets and comparisons the cases draw from, each made once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @functools.cache  # noqa: B019 (one instance per test session)
    def get(self, source: str) -> Any:
        kind, stem = source.split(":")
        path = DATA / f"{stem}.json"
        if kind == "report":
            return data.label_sets([data.load(str(path))])[0]
        if kind == "compare":
            other = DATA / f"{stem.replace('py311', 'py312')}.json"
            if not other.exists():
                other = _copy(path, self.folder / f"{stem}-slower.json", "slower", 1.1, 1)
            paths = [path, other]
        else:
            paths = [_copy(path, self.folder / f"{stem}-m{i}.json", f"m{i}",
                           1.4 if i == 2 else 1.0, i) for i in range(FLEET_FILES)]
        return Comparison.of(data.label_sets([data.load(str(p)) for p in paths]))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Callable[[Case], tuple[str, list[str]]]:
    """Draw a case's figure (once), check it as it is saved; its stem and problems."""
    sources = Sources(tmp_path_factory.mktemp("figure-sources"))
    outdir = str(tmp_path_factory.mktemp("figures"))
    done: dict[str, tuple[str, list[str]]] = {}
    save = plotting.save

    def checked(fig: Any, folder: str, stem: str, title: str, caption: str) -> Any:
        with mock.patch.object(plotting.plt, "close"):
            figure = save(fig, folder, stem, title, caption)
        done[current[0]] = (stem, figure_rules.problems(fig))
        plotting.plt.close(fig)
        return figure

    current = [""]

    def render(case: Case) -> tuple[str, list[str]]:
        if case.id not in done:
            current[0] = case.id
            with mock.patch.object(plotting, "save", checked):
                drawn = case.draw(sources.get(case.source), outdir)
            assert drawn is not None, f"{case.id}: the fixture draws no figure"
        return done[case.id]

    return render


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_figure_meets_the_legend_and_text_rules(case, rendered):
    stem, found = rendered(case)
    assert found == [], f"{stem}:\n  " + "\n  ".join(found)


def test_every_group_has_a_fixture_and_every_figure_a_case():
    assert [name for name, home in HOME.items() if home is None] == []
    for group in GROUPS:
        report = group.report()
        assert report.FIGURES and report.COMPARE_FIGURES, group.name
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.slow
def test_the_reports_draw_no_figure_this_test_misses(rendered, fixture_report,
                                                     fixture_comparison):
    """What ``mpbench report`` and ``mpbench compare`` wrote from the fixtures is all
    among the figures checked above."""
    checked = {rendered(case)[0] for case in CASES}
    written = {p.stem for folder in (fixture_report, fixture_comparison)
               for p in (folder / "figures").glob("*.png")}
    assert written and written <= checked, sorted(written - checked)


@pytest.mark.browser
def test_the_page_shows_every_figure_at_its_own_size(fixture_report):
    """The text sizes hold at the PNG's size: at 1400x900 the page shrinks no figure."""
    from browser import browser_page, require_browser, wait_for_text

    require_browser()
    with browser_page(viewport={"width": 1400, "height": 900}) as page:
        page.goto((fixture_report / "index.html").as_uri())
        wait_for_text(page, "Method")
        shown = page.evaluate("() => Array.from(document.images).map("
                              "i => [i.alt, i.naturalWidth, i.getBoundingClientRect().width])")
    assert shown and all(natural <= plotting.SHOWN_PX for _, natural, _ in shown), shown
    assert [(alt, natural, width) for alt, natural, width in shown
            if abs(width - natural) > 0.5] == []


# -- the checker itself, on figures made to break one rule each --------------------------

def _lines(ax: Any, count: int, **style: Any) -> None:
    for k in range(count):
        ax.plot([1, 2, 3], [k, k + 1, k], color=plotting.colour(k), marker="o", label=f"s{k}",
                **style)


def _problems_of(draw: Callable[[Any, Any], None], width: float = 6.0) -> list[str]:
    fig, ax = plotting.new_figure(width, 4.0)
    draw(fig, ax)
    fig.tight_layout()
    try:
        return figure_rules.problems(fig)
    finally:
        plotting.plt.close(fig)


def _legend_inside(fig: Any, ax: Any) -> None:
    _lines(ax, 3)
    ax.plot([1, 3], [1, 1], color="black", label="across the middle")
    ax.legend(loc="center", fontsize=10)


def _legend_over_bars(fig: Any, ax: Any) -> None:
    ax.bar([0, 1, 2], [3, 3, 3], label="bars")
    ax.legend(loc="center", fontsize=10)


def _legend_over_a_point(fig: Any, ax: Any) -> None:
    ax.scatter([0, 2, 1], [0, 2, 1], s=200, label="points")
    ax.legend(loc="center", fontsize=10)


def _legend_over_error_bars(fig: Any, ax: Any) -> None:
    ax.errorbar([0, 1, 2], [1, 1, 1], yerr=[1, 1, 1], fmt="none", label="intervals")
    ax.legend(loc="center", fontsize=10)


def _legend_of_six_inside(fig: Any, ax: Any) -> None:
    _lines(ax, 6)
    ax.set_ylim(-1, 30)  # room above the data: it covers nothing, yet is inside
    ax.legend(loc="upper center", fontsize=10, ncol=3)


def _small_legend(fig: Any, ax: Any) -> None:
    _lines(ax, 2)
    legends.legend_below(fig, [ax])
    fig.legends[0].get_texts()[0].set_fontsize(7)


def _twin_styles(fig: Any, ax: Any) -> None:
    ax.plot([1, 2], [1, 2], color="grey", ls="--", label="threads")
    ax.plot([1, 2], [2, 3], color="grey", ls="--", label="ping-pong")
    legends.legend_below(fig, [ax])


def _turned_label(fig: Any, ax: Any) -> None:
    ax.bar([0, 1], [1, 2])
    ax.annotate("1 us", (0, 1), rotation=90, fontsize=10)


def _unnamed(fig: Any, ax: Any) -> None:
    _lines(ax, 2)


@pytest.mark.parametrize("draw, expected", [
    (_legend_inside, "covers data"),
    (_legend_over_bars, "covers data"),
    (_legend_over_a_point, "covers data"),
    (_legend_over_error_bars, "covers data"),
    (_legend_of_six_inside, "of 6 entries lies over"),
    (_small_legend, "text at 7.0 pt"),
    (_twin_styles, "share one style"),
    (_turned_label, "turned 90 deg"),
    (_unnamed, "is in no legend"),
])
def test_the_checker_finds_what_it_is_for(draw, expected):
    found = _problems_of(draw)
    assert any(expected in problem for problem in found), found


def test_the_checker_holds_a_wide_png_to_its_shown_size():
    """A figure wider than the page shows it is shrunk, its 10 pt ticks with it."""
    def draw(fig: Any, ax: Any) -> None:
        _lines(ax, 2)
        legends.legend_below(fig, [ax])

    assert _problems_of(draw, width=8.5) == []
    found = _problems_of(draw, width=14.0)
    assert any("shown at 1000 px" in problem for problem in found), found


def test_the_checker_passes_a_legend_below_the_panels():
    def draw(fig: Any, ax: Any) -> None:
        _lines(ax, 7)
        legends.legend_below(fig, [ax])

    assert _problems_of(draw) == []
