"""matplotlib plumbing shared by every figure: backend, style, saving as PNG and SVG."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, List, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from mpbench.units import format_seconds, format_size  # noqa: E402

DPI = 110
# Colour per start method / per series, stable across figures.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
FLOOR_COLOUR = "#555555"


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
               **kwargs: Any) -> Tuple[Any, Any]:
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


def seconds_axis(ax: Any, axis: str = "y") -> None:
    """Label an axis in s/ms/us/ns (call after choosing the scale)."""
    _apply(ax, axis, lambda value, _: format_seconds(value) if value > 0 else "0")


def bytes_axis(ax: Any, axis: str = "x") -> None:
    """Label an axis in B/KiB/MiB for powers of two."""
    def fmt(value: float, _: Any) -> str:
        return format_size(int(value)) if value >= 1 and float(value).is_integer() else f"{value:g}"
    _apply(ax, axis, fmt)


def rate_axis(ax: Any, unit: str, axis: str = "y") -> None:
    """Label an axis in k/M/G ``unit``/s."""
    def fmt(value: float, _: Any) -> str:
        for prefix, factor in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if value >= factor:
                return f"{value / factor:g} {prefix}{unit}/s"
        return f"{value:g} {unit}/s"
    _apply(ax, axis, fmt)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def spans_decades(values: Sequence[float], decades: float = 1.5) -> bool:
    """Whether values spread over enough orders of magnitude to want a log scale."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) / min(positive) >= 10 ** decades


def label_bars(ax: Any, bars: Any, texts: List[str]) -> None:
    """Write a short text above each bar."""
    for bar, text in zip(bars, texts):
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8)
