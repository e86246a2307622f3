"""matplotlib plumbing shared by every figure: backend, style, saving as PNG and SVG."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import EngFormatter, FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from mpbench.units import format_size  # noqa: E402

DPI = 110
# The page shows a figure's PNG at its own size up to this many pixels wide (page.py: a
# figure in the page's column); a wider PNG is shrunk, and its text with it.
SHOWN_PX = 1000
MIN_TEXT_PT = 9  # no text of a figure smaller, at the size the page shows it
FIGURE_WIDTH = 9.0  # inches: at DPI, a PNG the page shows at its own size (SHOWN_PX)
LEGEND_PT = MIN_TEXT_PT
# Colour per start method / per series, stable across figures.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
FLOOR_COLOUR = "#555555"
LINESTYLES = ("-", "--", ":", "-.")  # one per results file in the comparison overlays
MARKERS = ("o", "s", "^", "D", "v", "P")  # with LINESTYLES: 12 distinct series styles


@dataclass
class Figure:
    """A figure written to disk: its file stem and what the page says about it."""

    stem: str
    title: str
    caption: str

    @property
    def png(self) -> str:
        return f"figures/{self.stem}.png"

    @property
    def svg(self) -> str:
        return f"figures/{self.stem}.svg"


def new_figure(width: float = 8.0, height: float = 4.8, ncols: int = 1, nrows: int = 1,
               **kwargs: Any) -> tuple[Any, Any]:
    """A figure with a light grid style."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)
    for ax in (axes.flat if hasattr(axes, "flat") else [axes]):
        ax.grid(True, which="major", alpha=0.35)
        ax.grid(True, which="minor", alpha=0.12)
        ax.set_axisbelow(True)
    return fig, axes


def save(fig: Any, outdir: str, stem: str, title: str, caption: str) -> Figure:
    """Write ``figures/<stem>.png`` and ``.svg`` under ``outdir``, close the figure."""
    figdir = os.path.join(outdir, "figures")
    os.makedirs(figdir, exist_ok=True)
    fig.tight_layout()
    fig.savefig(os.path.join(figdir, f"{stem}.png"), dpi=DPI, bbox_inches="tight")
    fig.savefig(os.path.join(figdir, f"{stem}.svg"), bbox_inches="tight")
    plt.close(fig)
    return Figure(stem, title, caption)


def _log_minor_label(fmt: Any) -> Any:
    """On a log axis, label the minor ticks at 2x and 5x a decade only."""
    def label(value: float, pos: Any) -> str:
        if value <= 0:
            return ""
        mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return fmt(value, pos) if round(mantissa, 6) in (2.0, 5.0) else ""
    return FuncFormatter(label)


def _apply(ax: Any, axis: str, fmt: Any) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(fmt))
    scale = ax.get_yscale() if axis == "y" else ax.get_xscale()
    target.set_minor_formatter(_log_minor_label(fmt) if scale == "log" else NullFormatter())


class UnitFormatter(EngFormatter):
    """matplotlib's EngFormatter spelling micro ``u``, as every table and caption does."""

    ENG_PREFIXES = {**EngFormatter.ENG_PREFIXES, -6: "u"}


def seconds_axis(ax: Any, axis: str = "y") -> None:
    """Label an axis in s/ms/us/ns (call after choosing the scale)."""
    _apply(ax, axis, UnitFormatter(unit="s"))


def rate_axis(ax: Any, unit: str, axis: str = "y") -> None:
    """Label an axis in k/M/G ``unit``/s."""
    _apply(ax, axis, UnitFormatter(unit=f"{unit}/s"))


def format_rate(per_second: float, unit: str = "B") -> str:
    """A rate in text, three significant digits and a decimal prefix: ``1.5 GB/s``,
    ``90.2 kB/s``; a word unit stands apart from its prefix: ``1.94 M acquisitions/s``."""
    value = float(f"{per_second:.3g}")  # 999.7 -> 1000 -> "1 k"
    prefix, factor = next(((p, f) for p, f in (("G", 1e9), ("M", 1e6), ("k", 1e3))
                           if value >= f), ("", 1.0))
    unit_text = f"{prefix} {unit}" if prefix and len(unit) > 2 else prefix + unit
    return f"{value / factor:.3g} {unit_text}/s" if unit_text else f"{value:.3g}/s"


# -- ratio axes ------------------------------------------------------------------------

# Ratio ticks by rank: a range gets every tick of the finest ranks that still fit.
RATIO_LADDER = (
    (0.01, 0.1, 1.0, 10.0, 100.0),
    (0.02, 0.05, 0.2, 0.5, 2.0, 5.0, 20.0, 50.0),
    (0.33, 0.67, 0.8, 1.25, 1.5, 3.0),
    (0.9, 0.95, 1.05, 1.1),
    (0.98, 0.99, 1.01, 1.02),
)
RATIO_TICKS_MAX = 9


def ratio_ticks(low: float, high: float, most: int = RATIO_TICKS_MAX) -> list[float]:
    """Ticks for a log ratio axis from ``low`` to ``high`` (0 < low < high): as many ranks of
    :data:`RATIO_LADDER` as fit without crowding (at most ``most``, none closer than a
    ``most + 3``-th of the range), at least two."""
    span = math.log(high / low)
    best: list[float] | None = None
    for rank in range(len(RATIO_LADDER)):
        ticks = sorted(t for level in RATIO_LADDER[:rank + 1] for t in level if low <= t <= high)
        gaps = [math.log(b / a) for a, b in zip(ticks, ticks[1:])]
        if len(ticks) > most or (gaps and min(gaps) < span / (most + 3)):
            break
        best = ticks
    if best is None:  # even the powers of ten crowd: every n-th of them
        ticks = sorted(t for t in RATIO_LADDER[0] if low <= t <= high)
        best = ticks[::-(-len(ticks) // most)]
    if len(best) < 2:  # a narrow range: its ends too, rounded inwards to 0.001
        ends = {math.ceil(low * 1000 - 1e-6) / 1000, math.floor(high * 1000 + 1e-6) / 1000}
        best = sorted(t for t in set(best) | ends if low <= t <= high) or [math.sqrt(low * high)]
    return best


def ratio_label(value: float, _: Any = None) -> str:
    """``0.8x``, ``1x``, ``1.25x``, ``1.004x``."""
    return f"{value:.4g}x"


def ratio_axis(ax: Any, low: float, high: float, axis: str = "x") -> None:
    """A log-scaled ratio axis from ``low`` to ``high``, ticks labelled 0.8x, 1x, 1.25x...
    as the range needs (:func:`ratio_ticks`)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    if axis == "x":
        ax.set_xscale("log")
        ax.set_xlim(low, high)
    else:
        ax.set_yscale("log")
        ax.set_ylim(low, high)
    target.set_major_locator(FixedLocator(ratio_ticks(low, high)))
    target.set_major_formatter(FuncFormatter(ratio_label))
    target.set_minor_formatter(NullFormatter())


def ratio_axis_over(ax: Any, values: Sequence[float], axis: str = "y",
                    margin: float = 1.2) -> None:
    """:func:`ratio_axis` spanning ``values`` and 1x, ``margin`` beyond both ends."""
    positive = [v for v in values if v > 0] + [1.0]
    ratio_axis(ax, min(positive) / margin, max(positive) * margin, axis)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def spans_decades(values: Sequence[float], decades: float = 1.5) -> bool:
    """Whether values spread over enough orders of magnitude to want a log scale."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) / min(positive) >= 10 ** decades


def label_bars(ax: Any, bars: Any, texts: list[str]) -> None:
    """Write a short text above each bar."""
    for bar, text in zip(bars, texts):
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=MIN_TEXT_PT)


def label_values(ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                 right: bool = False) -> None:
    """Write each text just beyond its value, horizontally: above ``(x, y)``, or right of
    it for horizontal bars (``right``; pass the end of each error bar to clear it)."""
    for x, y, text in zip(xs, ys, texts):
        if right:
            ax.annotate(text, (x, y), xytext=(4, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=MIN_TEXT_PT)
        else:
            ax.annotate(text, (x, y), xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=MIN_TEXT_PT)


def linestyle(index: int) -> str:
    """The line style of the ``index``-th series (results file) of an overlay."""
    return LINESTYLES[index % len(LINESTYLES)]


def series_style(index: int) -> dict[str, str]:
    """Line style and marker of the ``index``-th results file of an overlay: the first 12
    are all different (:func:`linestyle` alone repeats after 4)."""
    return {"ls": linestyle(index), "marker": MARKERS[index % len(MARKERS)]}


# -- figure scaffolding --------------------------------------------------------------

def panels(count: int, height: float = 4.4) -> tuple[Any, list[Any]]:
    """``count`` panels, two a row, as wide as the page shows a figure
    (:func:`grid`); their legend goes under them (:func:`legends.legend_below`)."""
    return grid(count, panel_height=min(height, 3.8))


def grid(count: int, panel_height: float = 3.6, width: float = FIGURE_WIDTH,
         ncols: int = 2) -> tuple[Any, list[Any]]:
    """``count`` panels, ``ncols`` a row (fewer if fewer), in a figure ``width`` wide: the
    page shows it at its own size, so every text keeps its size."""
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fig, axes = new_figure(width, panel_height * nrows + 0.6, ncols=ncols, nrows=nrows,
                           squeeze=False)
    cells = list(axes.flat)
    for ax in cells[count:]:
        ax.remove()
    return fig, cells[:count]


def hline(ax: Any, y: float, text: str, colour: str = FLOOR_COLOUR, ls: str = "-.") -> None:
    """A floor as a horizontal line, named in the legend."""
    ax.axhline(y, color=colour, lw=1.1, ls=ls, alpha=0.9, label=text)


def tidy_log(ax: Any, axis: str = "y") -> None:
    """Drop the 2x/5x minor labels of a log axis spanning many decades (they collide)."""
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if low > 0 and high / low > 1e3:
        (ax.yaxis if axis == "y" else ax.xaxis).set_minor_formatter(NullFormatter())


def size_axis(ax: Any, sizes: Sequence[int], text: str = "message size") -> None:
    """A log2 x axis of byte sizes, ticks at the sizes measured (every other one past 8)."""
    ax.set_xscale("log", base=2)
    ticks = sorted(set(sizes))
    if len(ticks) > 8:  # every other one, keeping the largest
        ticks = ticks[::-2][::-1]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_size(int(round(v)))))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(text)


def count_axis(ax: Any, counts: Sequence[int], text: str) -> None:
    """A log2 x axis of process counts, ticks at the counts measured."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(counts)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(text)

