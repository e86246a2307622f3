"""Where a figure's legend goes, so that it never covers data, and the size of its text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib import transforms
from matplotlib.container import Container
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from mpbench.reporting.plotting import LEGEND_PT


def text_width(fig: Any, texts: Sequence[str], points: float = LEGEND_PT) -> float:
    """The widest of ``texts`` at ``points``, in pixels."""
    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=points)
    return max(renderer.get_text_width_height_descent(t, font, ismath=False)[0] for t in texts)


def drawn_order(ax: Any) -> list[tuple[Any, str]]:
    """The axes' legend handles and texts in the order they were drawn (matplotlib lists
    error bars and bars after every line)."""
    children = ax.get_children()

    def rank(handle: Any) -> int:
        parts = handle.get_children() if isinstance(handle, Container) else [handle]
        found = [children.index(p) for p in parts if p is not None and p in children]
        return min(found) if found else len(children)

    pairs = list(zip(*ax.get_legend_handles_labels()))
    return sorted(pairs, key=lambda pair: rank(pair[0]))


# -- one legend for a whole figure -----------------------------------------------------

def legend_below(fig: Any, axes: Sequence[Any] = (), handles: Sequence[Any] = (),
                 labels: Sequence[str] = (), most_columns: int = 4) -> Any:
    """One legend for the whole figure, under its panels, where it covers nothing: the
    entries of ``axes`` (deduplicated by text) after the ``handles``/``labels`` given
    (proxies of a factored legend), in as many columns (up to ``most_columns``) as fit
    the figure's width, rows balanced. None when there is nothing to name."""
    entries: dict[str, Any] = dict(zip(labels, handles))
    for ax in axes:
        for handle, text in drawn_order(ax):
            entries.setdefault(text, handle)
    if not entries:
        return None
    renderer = fig.canvas.get_renderer()
    ncol = min(most_columns, len(entries))
    while True:
        rows = -(-len(entries) // ncol)
        ncol = -(-len(entries) // rows)  # balanced: 5 entries in 3+2, not 4+1
        found = fig.legend(list(entries.values()), list(entries), loc="upper center",
                           bbox_to_anchor=(0.5, 0.0), ncol=ncol, fontsize=LEGEND_PT,
                           frameon=False, borderaxespad=0.2)
        if ncol == 1 or found.get_window_extent(renderer).width <= fig.bbox.width:
            return found
        found.remove()
        ncol -= 1


def factored_legend(fig: Any, colours: Sequence[tuple[str, str]],
                    styles: Sequence[tuple[str, dict[str, Any]]], axes: Sequence[Any] = (),
                    style_colour: str = "#666666") -> Any:
    """The legend of an overlay whose colour says one thing (a start method, a results
    file) and whose line style and marker another (a results file, a kind of series):
    colour patches, then ``style_colour`` lines, then the labelled lines of ``axes``
    (reference lines), each group in whole columns, under the figure (:func:`legend_below`
    when the columns do not fit its width)."""
    extra: dict[str, Any] = {}
    for ax in axes:
        for handle, text in drawn_order(ax):
            extra.setdefault(text, handle)
    groups: list[list[tuple[str, Any]]] = [
        [(text, Patch(color=c)) for text, c in colours],
        [(text, Line2D([], [], color=style_colour, **look)) for text, look in styles],
        list(extra.items())]
    groups = [group for group in groups if group]
    rows = max(len(colours), min(max(len(g) for g in groups), 3))
    handles: list[Any] = []
    labels: list[str] = []
    for group in groups:
        blanks = -len(group) % rows  # each group fills whole columns
        group += [(" " * (len(labels) + k + 1), Line2D([], [], alpha=0)) for k in range(blanks)]
        labels += [text for text, _ in group]
        handles += [handle for _, handle in group]
    found = fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                       ncol=len(handles) // rows, fontsize=LEGEND_PT, frameon=False,
                       borderaxespad=0.2)
    if found.get_window_extent(fig.canvas.get_renderer()).width <= fig.bbox.width:
        return found
    found.remove()
    return legend_below(fig, handles=[h for h, t in zip(handles, labels) if t.strip()],
                        labels=[t for t in labels if t.strip()])


# -- a legend of one axes, outside it ----------------------------------------------------

def legend_under(ax: Any, handles: Sequence[Any] | None = None,
                 labels: Sequence[str] | None = None) -> None:
    """A legend under ``ax``'s axis label, outside it: never over data, and the plot
    keeps the figure's width. Call it last: it measures the ticks and label below."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    labels = list(labels or [])
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    below = ax.get_window_extent(renderer).y0 - ax.get_tightbbox(renderer).y0
    anchor = transforms.offset_copy(ax.transAxes, fig=fig, y=-below * 72 / fig.dpi - 4,
                                    units="points")
    column = text_width(fig, labels) + 4.5 * LEGEND_PT * fig.dpi / 72  # handle and gaps
    ncol = max(1, min(len(labels), int(ax.bbox.width // column)))
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0),
              bbox_transform=anchor, ncol=ncol, fontsize=LEGEND_PT, frameon=False,
              borderaxespad=0, columnspacing=1.2)


def legend_right(ax: Any, handles: Sequence[Any] | None = None,
                 labels: Sequence[str] | None = None, **kwargs: Any) -> None:
    """A legend right of ``ax``, outside it: it never covers data, whatever its length."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
              fontsize=LEGEND_PT, **kwargs)


def legend_above(ax: Any, handles: Sequence[Any], labels: Sequence[str], title: str,
                 width_in: float, points: float = LEGEND_PT) -> None:
    """The key above the plot, under its title (the legend's own): outside the data, as
    many entries a row as the plot's width (``width_in`` once laid out) holds."""
    fig = ax.figure
    column = text_width(fig, labels, points) + 5 * points * fig.dpi / 72  # handle, gaps
    ncol = max(1, min(len(labels), int(width_in * fig.dpi // column)))
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol,
              fontsize=points, frameon=False, borderaxespad=0.3, title=title,
              title_fontsize=points + 3)
