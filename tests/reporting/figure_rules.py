"""What every figure of a report must meet (issue 22), checked from matplotlib's own artists.

:func:`problems` takes a drawn-or-not matplotlib ``Figure`` and returns what is wrong with
it, one sentence each (nothing: the figure passes):

- a legend never covers data: no legend's window extent meets a data point of any axes
  (Line2D vertices with their markers, and the segments drawn between them; scatter
  offsets; bars; error bars and other line collections; filled areas; images; the value
  labels written on the axes);
- every text drawn (titles, axis labels, ticks, legend texts, annotations) is at least
  :data:`MIN_PT` points at the size the page shows the PNG: a PNG wider than
  ``plotting.SHOWN_PX`` is shrunk by the browser, and its texts with it;
- a legend of more than :data:`MOST_INSIDE` entries lies outside every axes;
- no two entries of a legend, and no two labelled series of an axes, share a style
  (colour, line style and marker together);
- value labels (texts written on an axes) are horizontal;
- every labelled series is named in some legend of the figure.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import Collection, LineCollection, PathCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.offsetbox import DrawingArea, OffsetBox, TextArea
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from mpbench.reporting import plotting

MIN_PT = 9.0
MOST_INSIDE = 5  # a legend with more entries goes outside the plot


def png_width(fig: Any) -> int:
    """The pixel width of the PNG :func:`plotting.save` writes (same dpi, tight box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=plotting.DPI, bbox_inches="tight")
    return int(struct.unpack(">I", buffer.getvalue()[16:20])[0])


@contextmanager
def drawn_texts() -> Iterator[list[Text]]:
    """Every non-empty, visible Text matplotlib draws inside the block (ticks outside the
    view, hidden labels and empty strings are never drawn, so never held to a size)."""
    seen: list[Text] = []
    original = Text.draw

    def draw(self: Text, renderer: Any) -> None:
        if self.get_visible() and self.get_text().strip():
            seen.append(self)
        original(self, renderer)

    Text.draw = draw  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Text.draw = original  # type: ignore[method-assign]


def problems(fig: Any) -> list[str]:
    """Every rule of the module docstring this figure breaks, one sentence each."""
    width = png_width(fig)
    with drawn_texts() as texts:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = _sizes(texts, width)
    legends = [leg for leg in fig.findobj(Legend) if leg.get_visible()]
    for leg in legends:
        found += _covers(fig, leg, renderer) + _inside(fig, leg, renderer) + _twins(leg)
    for ax in fig.axes:
        found += _series_twins(ax) + _turned(ax)
    named = {t.get_text() for leg in legends for t in leg.get_texts()}
    for ax in fig.axes:
        for text in ax.get_legend_handles_labels()[1]:
            if text not in named:
                found.append(f"series {text!r} of {_where(ax)} is in no legend")
    return found


# -- text sizes --------------------------------------------------------------------------

def _sizes(texts: list[Text], width: int) -> list[str]:
    scale = min(1.0, plotting.SHOWN_PX / width)
    small = {}
    for text in texts:
        shown = text.get_fontsize() * scale
        if shown < MIN_PT - 1e-6:
            small.setdefault(round(shown, 1), []).append(text.get_text())
    shrunk = f" (the PNG is {width} px wide, shown at {plotting.SHOWN_PX} px)" if scale < 1 else ""
    return [f"text at {size} pt{shrunk}: {', '.join(repr(t[:40]) for t in sorted(set(items))[:6])}"
            for size, items in sorted(small.items())]


# -- legends over data -------------------------------------------------------------------

def _where(ax: Any) -> str:
    title = ax.get_title() or ax.get_ylabel() or ax.get_xlabel()
    return f"axes {title[:50]!r}"


def _clip(p: np.ndarray, q: np.ndarray, box: Bbox) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of segment p-q inside ``box`` (Liang-Barsky), or None."""
    low, high = 0.0, 1.0
    d = q - p
    for delta, start, lo, hi in ((d[0], p[0], box.x0, box.x1), (d[1], p[1], box.y0, box.y1)):
        if abs(delta) < 1e-12:
            if start < lo or start > hi:
                return None
            continue
        t0, t1 = (lo - start) / delta, (hi - start) / delta
        low, high = max(low, min(t0, t1)), min(high, max(t0, t1))
        if low > high:
            return None
    return p + low * d, p + high * d


def _segments_meet(points: np.ndarray, area: Bbox, target: Bbox) -> bool:
    """Whether the polyline ``points`` (display coordinates), as far as it is drawn
    inside ``area``, crosses ``target``."""
    points = points[np.isfinite(points).all(axis=1)]
    for p, q in zip(points[:-1], points[1:]):
        inside = _clip(p, q, area)
        if inside is not None and _clip(inside[0], inside[1], target) is not None:
            return True
    return False


def _points_meet(points: np.ndarray, radius: float, area: Bbox, target: Bbox) -> bool:
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return False
    drawn = points[_within(points, area.padded(0.5))]
    return bool(_within(drawn, target.padded(radius)).any())


def _within(points: np.ndarray, box: Bbox) -> np.ndarray:
    return ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
            & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))


def _px(points: float, fig: Any) -> float:
    return points * fig.dpi / 72.0


def _data_hits(fig: Any, ax: Any, box: Bbox, renderer: Any) -> list[str]:
    """What of ``ax``'s data ``box`` (a legend's extent) covers."""
    area = ax.bbox
    if not area.overlaps(box):
        return []
    hits = []
    owner = {id(part): container.get_label() for container in ax.containers
             for part in container.get_children() if part is not None}

    def name(artist: Any) -> str:
        return repr(owner.get(id(artist), artist.get_label()))

    for line in ax.lines:
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(line.get_xydata())
        marker = line.get_marker() not in (None, "None", "none", "", " ")
        radius = _px(line.get_markersize() / 2 if marker else line.get_linewidth() / 2, fig)
        drawn = line._get_transformed_path().get_fully_transformed_path().vertices
        has_line = line.get_linestyle() not in ("None", "none", "", " ")
        if (marker and _points_meet(xy, radius, area, box)) or \
                (has_line and _segments_meet(drawn, area, box)):
            hits.append(f"line {name(line)}")
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):
            xy = coll.get_offset_transform().transform(coll.get_offsets())
            sizes = coll.get_sizes()
            radius = _px(math.sqrt(max(sizes)) / 2 if len(sizes) else 3.0, fig)
            if _points_meet(xy, radius, area, box):
                hits.append(f"points {name(coll)}")
        elif isinstance(coll, LineCollection):
            transform = coll.get_transform()
            if any(_segments_meet(transform.transform(path.vertices), area, box)
                   for path in coll.get_paths()):
                hits.append(f"lines {name(coll)}")
        elif isinstance(coll, Collection):
            extent = Bbox.intersection(coll.get_window_extent(renderer), area)
            if extent is not None and extent.overlaps(box):
                hits.append(f"area {name(coll)}")
    for container in ax.containers:
        if isinstance(container, BarContainer):
            for bar in container.patches:
                extent = Bbox.intersection(bar.get_window_extent(renderer), area)
                if bar.get_visible() and extent is not None and extent.overlaps(box):
                    hits.append(f"bar of {container.get_label()!r}")
                    break
    for image in ax.images:
        extent = Bbox.intersection(image.get_window_extent(renderer), area)
        if extent is not None and extent.overlaps(box):
            hits.append("image")
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip() and \
                text.get_window_extent(renderer).overlaps(box):
            hits.append(f"label {text.get_text()[:30]!r}")
    return hits


def _covers(fig: Any, leg: Legend, renderer: Any) -> list[str]:
    box = leg.get_window_extent(renderer)
    found = []
    for ax in fig.axes:
        hits = _data_hits(fig, ax, box, renderer)
        if hits:
            found.append(f"legend ({_first(leg)}...) covers data of {_where(ax)}: "
                         + ", ".join(sorted(set(hits))[:5]))
    return found


def _first(leg: Legend) -> str:
    texts = [t.get_text() for t in leg.get_texts()]
    return repr(texts[0][:30]) if texts else "empty"


def _inside(fig: Any, leg: Legend, renderer: Any) -> list[str]:
    entries = len(leg.get_texts())
    if entries <= MOST_INSIDE:
        return []
    box = leg.get_window_extent(renderer)
    return [f"legend ({_first(leg)}...) of {entries} entries lies over {_where(ax)}"
            for ax in fig.axes if ax.axison and ax.bbox.overlaps(box)]


# -- styles ------------------------------------------------------------------------------

def _rgb(value: Any) -> tuple[float, ...]:
    array = np.asarray(mcolors.to_rgba_array(value))
    return tuple(round(float(v), 3) for v in array[0][:3]) if len(array) else ()


def _dashes(artist: Any) -> Any:
    pattern = getattr(artist, "_unscaled_dash_pattern", None)
    if pattern is None:
        styles = getattr(artist, "_us_linestyles", None) or [None]
        pattern = styles[0]
    offset, seq = pattern if pattern else (0, None)
    return None if seq is None else tuple(round(float(s), 2) for s in seq)


def style(handle: Any) -> tuple:
    """A legend handle's or series' look: colour, line style and marker together."""
    if isinstance(handle, ErrorbarContainer):
        handle = handle.lines[0] if handle.lines[0] is not None else handle.lines[2][0]
    elif isinstance(handle, BarContainer):
        handle = handle.patches[0]
    if isinstance(handle, Line2D):
        ls = handle.get_linestyle()
        line = "none" if ls in ("None", "none", "", " ") else _dashes(handle)
        return ("line", _rgb(handle.get_color()), line, str(handle.get_marker()))
    if isinstance(handle, Patch):
        return ("patch", _rgb(handle.get_facecolor()), _rgb(handle.get_edgecolor()),
                handle.get_hatch(), _dashes(handle))
    if isinstance(handle, PathCollection):
        faces = handle.get_facecolors()
        edges = handle.get_edgecolors()
        shape = tuple(np.round(handle.get_paths()[0].vertices, 2).ravel()) \
            if handle.get_paths() else ()
        return ("points", _rgb(faces) if len(faces) else (), _rgb(edges) if len(edges) else (),
                shape)
    if isinstance(handle, Collection):
        return ("collection", _rgb(handle.get_edgecolor()), _dashes(handle))
    return ("other", id(handle))


def _duplicates(pairs: list[tuple[str, tuple]]) -> list[tuple[str, str]]:
    first: dict[tuple, str] = {}
    twins = []
    for text, key in pairs:
        if key in first and first[key] != text:
            twins.append((first[key], text))
        first.setdefault(key, text)
    return twins


def entries(leg: Legend) -> list[tuple[str, frozenset]]:
    """Each entry of a legend: its text and the look of what its key draws (every artist
    of the key: an error bar's line, marker and bar, a bar's patch...)."""
    found = []

    def walk(box: Any) -> None:
        children = box.get_children()
        keys = [c for c in children if isinstance(c, DrawingArea)]
        texts = [c for c in children if isinstance(c, TextArea)]
        if len(keys) == 1 and len(texts) == 1:
            found.append((texts[0].get_text(),
                          frozenset(style(a) for a in keys[0].get_children())))
            return
        for child in children:
            if isinstance(child, OffsetBox):
                walk(child)

    walk(leg._legend_handle_box)
    return found


def _twins(leg: Legend) -> list[str]:
    pairs = [(text, key) for text, key in entries(leg) if text.strip()]
    return [f"legend entries {a!r} and {b!r} share one style" for a, b in _duplicates(pairs)]


def _series_twins(ax: Any) -> list[str]:
    handles, labels = ax.get_legend_handles_labels()
    pairs = [(text, style(handle)) for handle, text in zip(handles, labels)]
    return [f"series {a!r} and {b!r} of {_where(ax)} share one style"
            for a, b in _duplicates(pairs)]


def _turned(ax: Any) -> list[str]:
    return [f"value label {t.get_text()[:30]!r} of {_where(ax)} turned {t.get_rotation():g} deg"
            for t in ax.texts
            if t.get_visible() and t.get_text().strip() and t.get_rotation() % 360 != 0]
