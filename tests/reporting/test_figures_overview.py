"""The pool and shared figures and the comparison's overview figures (ratio per group,
fleet heatmap) as a person sees them, checked from matplotlib's own artists: no legend
over a data point, no text under 9 pt at the size the page shows the PNG, long legends
outside the plot, one style per legend entry, value labels level, heatmap cells that
carry their ratio and a verdict mark readable on the cell's colour."""

from __future__ import annotations

import json
import math
import random
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import pytest
from conftest import ROOT
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.offsetbox import DrawingArea, HPacker, TextArea
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from mpbench.reporting import fleet, plotting
from mpbench.reporting.build import build_report
from mpbench.reporting.compare_build import build_comparison

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
DATA = ROOT / "tests" / "data"
MIN_PT = 9.0
PAGE_PX = 1000  # the width page.py gives a figure (1100 px main, less its paddings)
LEGEND_INSIDE_MAX = 5
MIN_CONTRAST = 4.5  # WCAG AA for normal text
MINE = re.compile(r"^(pool_|shared_|compare_pool_|compare_shared_|compare_ratio_|fleet_heatmap_)")


# -- rendering ----------------------------------------------------------------------------

def changed_copy(source: Path, folder: Path, factor: float) -> Path:
    """The fixture as another host's run, its first benchmark ``factor`` times slower."""
    doc = json.loads(source.read_text())
    doc["metadata"]["hostname"] = "other-host"
    for run in doc["benchmarks"][0]["runs"]:
        if "values" in run:
            run["values"] = [v * factor for v in run["values"]]
    path = folder / f"{source.stem}-changed.json"
    path.write_text(json.dumps(doc))
    return path


def fleet_copies(folder: Path, count: int = 5) -> list[Path]:
    """``count`` machines: the suite fixture scaled per machine (slower, faster, the same),
    a little noise per value, each with its own host name."""
    doc = json.loads((DATA / "suite-py311.json").read_text())
    factors = (1.0, 1.45, 0.55, 1.02, 1.12, 0.9, 1.3)
    paths = []
    for index in range(count):
        rng = random.Random(index)
        copy = json.loads(json.dumps(doc))
        copy["metadata"]["hostname"] = f"machine-{index:02d}"
        for bench in copy["benchmarks"]:
            for run in bench["runs"]:
                if "values" in run:
                    run["values"] = [v * factors[index % len(factors)] * rng.uniform(0.98, 1.02)
                                     for v in run["values"]]
        path = folder / f"machine-{index:02d}.json"
        path.write_text(json.dumps(copy))
        paths.append(path)
    return paths


def png_width(path: str) -> int:
    with open(path, "rb") as png:
        head = png.read(24)
    return struct.unpack(">I", head[16:20])[0]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Any, int, Path]]:
    """Every figure of this file's scope: stem -> (matplotlib Figure, PNG width, outdir)."""
    folder = tmp_path_factory.mktemp("figures")
    kept: dict[str, tuple[Any, int, Path]] = {}
    original = plotting.save
    current: list[Path] = []

    def keeping(fig, outdir, stem, title, caption):
        figure = original(fig, outdir, stem, title, caption)
        if MINE.match(stem):
            width = png_width(str(Path(outdir) / figure.png))
            kept[f"{current[0].name}/{stem}"] = (fig, width, current[0])
        return figure

    mp = pytest.MonkeyPatch()
    mp.setattr(plotting, "save", keeping)
    try:
        for name in ("pool", "shared"):
            current[:] = [folder / name]
            build_report(str(DATA / f"{name}-py311.json"), str(current[0]))
            current[:] = [folder / f"compare-{name}"]
            fixture = DATA / f"{name}-py311.json"
            build_comparison([str(fixture), str(changed_copy(fixture, folder, 1.6))],
                             str(current[0]))
        current[:] = [folder / "compare-suite"]
        build_comparison([str(DATA / "suite-py311.json"), str(DATA / "suite-py312.json")],
                         str(current[0]))
        machines = fleet_copies(folder)
        current[:] = [folder / "compare-three"]  # two candidates: the marker names each
        build_comparison([str(DATA / "suite-py311.json"), str(DATA / "suite-py312.json"),
                          str(machines[1])], str(current[0]))
        current[:] = [folder / "fleet"]
        build_comparison([str(p) for p in machines], str(current[0]))
    finally:
        mp.undo()
    return kept


def test_every_figure_of_the_scope_is_rendered(rendered):
    assert "compare-three/compare_ratio_sync" in rendered
    stems = {key.split("/")[1] for key in rendered}
    assert {"pool_dispatch", "pool_startup", "pool_break_even", "shared_handover",
            "shared_crossover", "shared_operations", "compare_pool_dispatch",
            "compare_shared_handover", "compare_ratio_pool", "compare_ratio_shared",
            "compare_ratio_process", "compare_ratio_channels", "compare_ratio_sync",
            "fleet_heatmap_process", "fleet_heatmap_channels", "fleet_heatmap_sync"} <= stems


# -- what a figure shows, in display coordinates --------------------------------------------

def drawn(fig) -> Any:
    """The figure laid out as saved (a closed figure gets a canvas again)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _visible(artist) -> bool:
    return artist.get_visible() and (artist.get_alpha() is None or artist.get_alpha() > 0)


def _points(xy, transform) -> list[tuple[float, float]]:
    return [tuple(p) for p in transform.transform(xy) if all(map(math.isfinite, p))]


def data_marks(ax) -> Iterator[tuple[str, Any]]:
    """An axes' data as ('point', (x, y)), ('segment', (p, q)) and ('box', Bbox),
    in pixels."""
    for line in ax.lines:
        if not _visible(line):
            continue
        pts = _points(line.get_xydata(), line.get_transform())
        if line.get_marker() not in (None, "None", "none", "", " "):
            yield from (("point", p) for p in pts)
        if line.get_linestyle() not in ("None", "none", "", " "):
            yield from (("segment", pq) for pq in zip(pts, pts[1:]))
    for coll in ax.collections:
        if not _visible(coll):
            continue
        if isinstance(coll, PathCollection):
            offsets = coll.get_offsets()
            if len(offsets):
                yield from (("point", p) for p in _points(offsets, coll.get_offset_transform()))
        elif isinstance(coll, LineCollection):
            for seg in coll.get_segments():
                pts = _points(seg, coll.get_transform())
                yield from (("segment", pq) for pq in zip(pts, pts[1:]))
        else:
            yield "box", coll.get_window_extent()
    for patch in ax.patches:
        if _visible(patch):
            box = patch.get_window_extent()
            if box.width > 0.5 and box.height > 0.5:
                yield "box", box
    for image in ax.images:
        yield "box", image.get_window_extent()


def _segment_hits(p, q, box: Bbox) -> bool:
    """Liang-Barsky: whether the segment p-q enters ``box``."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0 - box.x0), (dx, box.x1 - x0),
                           (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def covered(legend_box: Bbox, ax, renderer) -> list[str]:
    """What of ``ax``'s data (clipped to the axes, as drawn) or value labels lies under
    ``legend_box``."""
    box = Bbox.intersection(legend_box, ax.get_window_extent(renderer))
    hits = []
    if box is not None and box.width > 2 and box.height > 2:
        inner = Bbox.from_extents(box.x0 + 1, box.y0 + 1, box.x1 - 1, box.y1 - 1)
        for kind, mark in data_marks(ax):
            if kind == "point" and inner.contains(*mark):
                hits.append(f"point {mark}")
            elif kind == "segment" and _segment_hits(*mark, inner):
                hits.append(f"segment {mark}")
            elif kind == "box" and inner.overlaps(mark):
                hits.append(f"box {mark}")
    for text in ax.texts:
        if _visible(text) and text.get_text().strip():
            if legend_box.overlaps(text.get_window_extent(renderer)):
                hits.append(f"text {text.get_text()!r}")
    return hits


def legends(fig) -> list[Legend]:
    return [lg for lg in fig.findobj(Legend) if _visible(lg)]


def figures(rendered) -> list[tuple[str, Any, int]]:
    return [(key, fig, width) for key, (fig, width, _) in sorted(rendered.items())]


# -- the rules ---------------------------------------------------------------------------

def test_no_legend_covers_data(rendered):
    bad = []
    for key, fig, _ in figures(rendered):
        renderer = drawn(fig)
        for legend in legends(fig):
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                hits = covered(box, ax, renderer)
                if hits:
                    bad.append(f"{key}: legend covers {len(hits)}, e.g. {hits[0]}")
    assert not bad, "\n".join(bad)


def test_every_text_is_9_pt_at_the_size_the_page_shows(rendered):
    bad = []
    for key, fig, width in figures(rendered):
        scale = min(1.0, PAGE_PX / width)
        drawn(fig)
        for text in fig.findobj(Text):
            if _visible(text) and text.get_text().strip():
                shown = text.get_fontsize() * scale
                if shown < MIN_PT - 1e-6:
                    bad.append(f"{key}: {text.get_text()!r} at {shown:.1f} pt "
                               f"({text.get_fontsize():g} pt in a {width} px PNG)")
    assert not bad, f"{len(bad)} texts too small:\n" + "\n".join(bad[:40])


def test_long_legends_stay_outside_the_plot(rendered):
    bad = []
    for key, fig, _ in figures(rendered):
        renderer = drawn(fig)
        for legend in legends(fig):
            if len(legend.get_texts()) <= LEGEND_INSIDE_MAX:
                continue
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                inside = Bbox.intersection(box, ax.get_window_extent(renderer))
                if inside is not None and inside.width > 1 and inside.height > 1:
                    bad.append(f"{key}: a {len(legend.get_texts())}-entry legend inside "
                               f"{ax.get_title()!r}")
    assert not bad, "\n".join(bad)


def _hex(colour) -> str:
    return mcolors.to_hex(colour, keep_alpha=False)


def _marker(line: Line2D) -> str | None:
    marker = line.get_marker()
    return None if marker in (None, "None", "none", "", " ") else str(marker)


def _ls(line: Line2D) -> str | None:
    ls = line.get_linestyle()
    return None if ls in ("None", "none", "", " ") else ls


def style(handle_box: DrawingArea) -> tuple:
    """(colour, line style, marker) of a legend entry, from what its handle draws."""
    colour = ls = marker = None
    for artist in handle_box.get_children():
        if isinstance(artist, Line2D):
            colour = colour or _hex(artist.get_color())
            ls = ls or _ls(artist)
            marker = marker or _marker(artist)
        elif isinstance(artist, PathCollection):
            colours = artist.get_facecolor()
            if not len(colours) or colours[0][3] == 0:
                colours = artist.get_edgecolor()
            colour = colour or _hex(colours[0])
            marker = marker or str(artist.get_paths()[0].vertices.round(2).tolist())
        elif isinstance(artist, Patch):
            colour, ls = colour or _hex(artist.get_facecolor()), ls or "patch"
        elif isinstance(artist, LineCollection) and len(artist.get_colors()):
            colour = colour or _hex(artist.get_colors()[0])
    return colour, ls, marker


def entries(legend: Legend) -> list[tuple[str, tuple]]:
    """(text, style) of each entry of a legend."""
    found = []
    for row in legend.findobj(HPacker):
        kids = row.get_children()
        if len(kids) == 2 and isinstance(kids[0], DrawingArea) and isinstance(kids[1], TextArea):
            found.append((kids[1].get_text(), style(kids[0])))
    assert len(found) == len(legend.get_texts())
    return found


def test_no_two_legend_entries_share_a_style(rendered):
    bad = []
    for key, fig, _ in figures(rendered):
        for legend in legends(fig):
            seen: dict[tuple, str] = {}
            for text, mark in entries(legend):
                if mark in seen:
                    bad.append(f"{key}: {text!r} looks like {seen[mark]!r} {mark}")
                seen.setdefault(mark, text)
    assert not bad, "\n".join(bad)


def test_value_labels_are_level(rendered):
    bad = [f"{key}: {text.get_text()!r} turned {text.get_rotation():g} degrees"
           for key, fig, _ in figures(rendered) for ax in fig.axes for text in ax.texts
           if _visible(text) and text.get_text().strip() and text.get_rotation() != 0]
    assert not bad, "\n".join(bad)


# -- the fleet heatmap --------------------------------------------------------------------

def luminance(colour) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in mcolors.to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


RATIO = re.compile(r"(\d+(?:\.\d+)?)x")


def heatmaps(rendered) -> list[tuple[str, Any, Path]]:
    return [(key, fig, outdir) for key, (fig, _, outdir) in sorted(rendered.items())
            if "/fleet_heatmap_" in key]


def verdicts(outdir: Path) -> dict[tuple[str, str], tuple[str, float]]:
    doc = json.loads((outdir / "comparison.json").read_text())
    return {(r["benchmark"], r["candidate"]): (r["verdict"], r["ratio"]) for r in doc["results"]}


def cells(fig) -> Iterator[tuple[Any, Any, int, int, list[Text]]]:
    """Each heatmap cell: (axes, image, row, column, the texts drawn in it)."""
    for ax in fig.axes:
        if not ax.images:
            continue
        image = ax.images[0]
        rows, cols = image.get_array().shape
        inside: dict[tuple[int, int], list[Text]] = {}
        for text in ax.texts:
            x, y = text.get_position()
            inside.setdefault((round(y), round(x)), []).append(text)
        for i in range(rows):
            for j in range(cols):
                yield ax, image, i, j, inside.get((i, j), [])


def test_heatmap_cells_carry_their_ratio_and_verdict(rendered):
    assert heatmaps(rendered)
    for key, fig, outdir in heatmaps(rendered):
        group = key.split("fleet_heatmap_")[1]
        found = verdicts(outdir)
        drawn(fig)
        marked = 0
        for ax, _, i, j, texts in cells(fig):
            name = f"{group}.{ax.get_yticklabels()[i].get_text()}".replace("\n", "")
            candidate = ax.get_xticklabels()[j].get_text()
            verdict, ratio = found[(name, candidate)]
            shown = " ".join(t.get_text() for t in texts)
            match = RATIO.search(shown)
            assert match, f"{key}: cell {name} / {candidate} carries no ratio: {shown!r}"
            assert math.isclose(float(match.group(1)), ratio, rel_tol=0.02, abs_tol=0.006), \
                f"{key}: {name} / {candidate} shows {shown!r}, ratio {ratio:.3f}"
            mark = fleet.MARKS.get(verdict)
            if mark:
                marked += 1
                assert mark in shown, f"{key}: {name} / {candidate} is {verdict}: {shown!r}"
            else:
                assert not any(m in shown for m in fleet.MARKS.values()), shown
        assert marked, f"{key}: the scaled machines were called nothing"


def test_heatmap_texts_contrast_with_their_cell(rendered):
    for key, fig, _ in heatmaps(rendered):
        drawn(fig)
        for _, image, i, j, texts in cells(fig):
            cell = image.to_rgba(image.get_array()[i, j])
            for text in texts:
                ratio = contrast(text.get_color(), cell)
                assert ratio >= MIN_CONTRAST, \
                    f"{key}: {text.get_text()!r} at contrast {ratio:.1f} on {_hex(cell)}"


# -- the checks themselves ------------------------------------------------------------------

def test_the_checks_see_a_legend_over_data_a_shared_style_and_a_poor_contrast():
    fig, ax = plotting.new_figure(6, 4)
    ax.plot([0, 1, 2], [0, 1, 2], marker="o", color="C0", label="a")
    ax.plot([0, 2], [2, 0], color="C0", marker="o", label="b")  # a's style again
    ax.bar([0.2], [1.9], width=0.2, label="c")
    ax.annotate("9.9", (1, 1), rotation=90)
    legend = ax.legend(loc="upper left")
    renderer = drawn(fig)
    assert covered(legend.get_window_extent(renderer), ax, renderer)
    styles = [mark for _, mark in entries(legend)]
    assert styles[0] == styles[1] != styles[2]
    outside = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    renderer = drawn(fig)
    assert not covered(outside.get_window_extent(renderer), ax, renderer)
    assert ax.texts[0].get_rotation() == 90
    plotting.plt.close(fig)
    assert contrast("black", "#185493") < MIN_CONTRAST < contrast("white", "#185493")
