"""The verdicts of ``mpbench compare`` as a person and a CI job read them.

Headlines (how many benchmarks are slower, faster, unchanged or
inconclusive, and the smallest change the comparison could have seen), the
ratio figure per group (interval bars, marker per verdict, the band of the
minimum effect), the table of every common benchmark, the console lines and
``comparison.json``. The ``--fail-on-slower`` gate is :mod:`gate`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from mpbench import passes
from mpbench.reporting import plotting as plot
from mpbench.reporting.tables import Headline, Table
from mpbench.reporting.verdict import (
    CONFIDENCE,
    FASTER,
    INCONCLUSIVE,
    LEVEL_TEXT,
    NO_CHANGE,
    PAIR_LEVEL,
    SLOWER,
    VERDICTS,
    Comparison,
    Side,
    Verdict,
    counts,
    median_detectable,
)
from mpbench.units import format_seconds

FORMAT = "mpbench-comparison"
VERSION = 2  # 2: four verdicts, detectable, levels pair/run/pass/worker, gate
Found = dict[str, Verdict]  # one candidate's verdicts by benchmark name
STYLE = {SLOWER: ("#d62728", ">", "slower"), FASTER: ("#2ca02c", "<", "faster"),
         NO_CHANGE: ("#1f77b4", "o", "no change"), INCONCLUSIVE: ("#7f7f7f", "D", "inconclusive")}
CANDIDATE_MARKERS = ("o", "s", "^", "D", "v")  # several candidates: the marker names the file
FIGURE_WIDTH = 9.0  # inches: at plotting.DPI the PNG fits the page's figure width unshrunk
FIGURE_PT = 9.0     # the smallest text of the ratio figure
METHOD = ("95 % t interval of the candidate/reference ratio on a log scale, at the level the "
          "files allow: interleaved pairs (mpbench ab: each pair's log ratio, drift cancelled), "
          "runs (several files a side: run-to-run variance measured), passes or worker "
          "processes (one file a side: run-level drift unknown); unpaired variances moderated "
          "across the compared benchmarks (Smyth 2004, robust prior), never below the "
          "benchmark's own")


def drift_unknown(comparison: Comparison) -> list[str]:
    """Files in which every benchmark has a single pass."""
    return [os.path.basename(rs.path) for side in comparison.sides for rs in side.sets
            if all(len(passes.pass_workers(rs.results[name].bench)) < 2
                   for name in comparison.names)]


def drift_note(comparison: Comparison) -> str | None:
    """The line saying the drift is unknown, when some file cannot show it."""
    unknown = drift_unknown(comparison)
    if not unknown:
        return None
    return (f"drift unknown: {', '.join(unknown)} hold{'s' if len(unknown) == 1 else ''} a single "
            "pass per benchmark (written before 'mpbench run --passes'); where neither side "
            "has two passes, intervals cover worker-to-worker variation only and a verdict "
            "may be a false alarm")


def format_detectable(value: float) -> str:
    return "no change" if not math.isfinite(value) else f"{value:.0%}"


def summary_line(comparison: Comparison, cand: Side, found: Found) -> str:
    """``B against A: 36 no change, 3 inconclusive, 1 slower of 40 benchmarks; changes
    above 8% would have been seen (median; ...)``: the first line of a comparison, for
    one candidate and its verdicts."""
    ref, min_effect = comparison.reference, comparison.min_effect
    verdicts = list(found.values())
    n = counts(verdicts)
    parts = [f"{n[kind]} {kind}" for kind in (NO_CHANGE, INCONCLUSIVE, SLOWER, FASTER)
             if n[kind]] or ["nothing"]
    levels = sorted({v.level for v in verdicts}, key=list(LEVEL_TEXT).index)
    seen = median_detectable(verdicts)
    sight = (f"changes above {seen:.0%} would have been seen (median over benchmarks)"
             if math.isfinite(seen) else "no interval could be sized (one value a side)")
    drift = ""
    if levels and levels[0] not in ("pair", "run"):
        drift = ("; run-level drift unknown: one results file a side, so the drift between "
                 "the two runs is not in these intervals (use 'mpbench ab', or several runs a "
                 "side with --vs)")
    return (f"{cand.label} against {ref.label}: {', '.join(parts)} of {len(found)} "
            f"benchmarks; {sight}; {CONFIDENCE:.0%} intervals over "
            f"{' and '.join(LEVEL_TEXT[level] for level in levels)}, min effect "
            f"{min_effect:.0%}{drift}")


def called(found: Found) -> list[Verdict]:
    """Benchmarks called slower or faster, largest change first."""
    return sorted((v for v in found.values() if v.verdict in (SLOWER, FASTER)),
                  key=lambda v: -abs(math.log(v.ratio)))


def headlines(comparison: Comparison) -> list[Headline]:
    """A line per candidate (its most changed benchmarks), then the drift note if any."""
    lines = []
    for cand, verdicts in zip(comparison.candidates, comparison.verdicts):
        text = summary_line(comparison, cand, verdicts)
        changed = called(verdicts)
        if changed:
            text += "; most changed: " + ", ".join(f"{v.name} {v.describe()}" for v in changed[:3])
        lines.append(Headline(text + "."))
    note = drift_note(comparison)
    if note:
        lines.append(Headline(note[0].upper() + note[1:] + "."))
    return lines


def console_lines(comparison: Comparison) -> list[str]:
    """What ``compare`` prints: each candidate's summary line and its largest changes,
    then the drift note if any."""
    lines = []
    for cand, verdicts in zip(comparison.candidates, comparison.verdicts):
        lines.append(summary_line(comparison, cand, verdicts))
        lines += [f"  {v.verdict}: {v.name} {v.describe()}" for v in called(verdicts)[:10]]
    note = drift_note(comparison)
    return lines + ([note] if note else [])


def _text_width(fig, texts: Sequence[str], points: float) -> float:
    """The widest of ``texts`` at ``points``, in pixels."""
    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=points)
    return max(renderer.get_text_width_height_descent(t, font, ismath=False)[0] for t in texts)


def _legend_above(ax, handles: list, labels: list[str], title: str, width_in: float) -> None:
    """The key above the plot, under its title (the legend's own): outside the data, as
    many entries a row as the plot's width (``width_in`` once laid out) holds."""
    fig = ax.figure
    column = _text_width(fig, labels, FIGURE_PT) + 5 * FIGURE_PT * fig.dpi / 72  # handle, gaps
    ncol = max(1, min(len(labels), int(width_in * fig.dpi // column)))
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol,
              fontsize=FIGURE_PT, frameon=False, borderaxespad=0.3, title=title,
              title_fontsize=FIGURE_PT + 3)


def ratio_figure(comparison: Comparison, outdir: str, group: str) -> plot.Figure | None:
    """Each benchmark's ratio to the reference with its interval, marked by verdict
    (colour; the marker too for one candidate, else the marker names the candidate)."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    min_effect = comparison.min_effect
    names = [n for n in comparison.names if ref.sets[0].results[n].group == group]
    if not names:
        return None
    row = 0.27 if len(cands) == 1 else 0.22 * len(cands)  # inches per benchmark
    fig, ax = plot.new_figure(FIGURE_WIDTH, row * len(names) + 2.2)
    band = ax.axvspan(1 / (1 + min_effect), 1 + min_effect, color="#dddddd", alpha=0.6, lw=0)
    offsets = [(i - (len(cands) - 1) / 2) * 0.3 for i in range(len(cands))]
    finite = [1.0]
    kinds: dict[str, None] = {}
    for j, verdicts in enumerate(found):
        for kind in VERDICTS:
            shown = [(k, verdicts[n]) for k, n in enumerate(names) if verdicts[n].verdict == kind]
            if not shown:
                continue
            kinds[kind] = None
            colour, marker, _ = STYLE[kind]
            marker = marker if len(cands) == 1 else CANDIDATE_MARKERS[j % len(CANDIDATE_MARKERS)]
            ys = [k + offsets[j] for k, _ in shown]
            xs = [v.ratio for _, v in shown]
            bars = [(v.ratio - v.low, v.high - v.ratio) if math.isfinite(v.high) else (0, 0)
                    for _, v in shown]
            finite += [b for _, v in shown for b in (v.low, v.high) if 0 < b < math.inf]
            ax.errorbar(xs, ys, xerr=list(zip(*bars)), fmt="none", ecolor=colour, alpha=0.7,
                        capsize=2)
            ax.scatter(xs, ys, marker=marker, s=42,
                       color=colour if kind in (SLOWER, FASTER) else "white",
                       edgecolors=colour, zorder=3)
    ax.axvline(1.0, color="black", lw=1)
    shown_names = [n[len(group) + 1:] if n.startswith(group + ".") else n for n in names]
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(shown_names, fontsize=FIGURE_PT)
    ax.set_ylim(len(names) - 0.5, -0.5)
    low, high = min(finite) / 1.05, max(finite) * 1.05
    plot.ratio_axis(ax, low, high, "x")
    # as many ticks as the plot's width (the figure's, less the names) holds uncrowded
    plot_in = FIGURE_WIDTH - 0.3 - _text_width(fig, shown_names, FIGURE_PT) / fig.dpi
    ax.xaxis.set_major_locator(FixedLocator(
        plot.ratio_ticks(low, high, max(3, min(plot.RATIO_TICKS_MAX, int(plot_in / 0.5))))))
    ax.set_xlabel(f"ratio to {ref.label}\n(right: slower; bars: {CONFIDENCE:.0%} interval)")
    handles: list = [band]
    labels = [f"min effect +-{min_effect:.0%}"]
    for kind in kinds:  # one entry per verdict shown, then one per candidate if several
        colour, marker, text = STYLE[kind]
        filled = colour if kind in (SLOWER, FASTER) else "white"
        handles.append(Line2D([], [], ls="none", ms=7, mec=colour, mfc=filled, color=colour,
                              marker=marker) if len(cands) == 1 else
                       Patch(facecolor=filled, edgecolor=colour))
        labels.append(text)
    if len(cands) > 1:
        handles += [Line2D([], [], ls="none", ms=7, color="#444444",
                           marker=CANDIDATE_MARKERS[j % len(CANDIDATE_MARKERS)])
                    for j in range(len(cands))]
        labels += [c.label for c in cands]
    _legend_above(ax, handles, labels, f"{group}: verdicts against the reference", plot_in)
    return plot.save(fig, outdir, f"compare_ratio_{group}", f"{group}: verdicts",
                     f"Each benchmark's ratio to the reference with its {CONFIDENCE:.0%} "
                     f"interval ({level_words(comparison)}); slower/faster only where the whole "
                     f"interval lies outside the grey band (min effect {min_effect:.0%}), no "
                     "change where it lies inside it, inconclusive where it straddles an edge.")


def level_words(comparison: Comparison) -> str:
    """How the intervals were computed, in words (``interleaved pairs (drift cancelled)``)."""
    return " and ".join(LEVEL_TEXT[level] for level in comparison.levels())


def _spreads(sides: Sequence[Side], name: str) -> str:
    return ", ".join(f"{side.label} {passes.format_spread(side.spread(name))}" for side in sides)


def verdict_table(comparison: Comparison) -> Table:
    """Every common benchmark: its mean on each side, verdict, ratio and interval."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    min_effect = comparison.min_effect
    paired = all(v.level == PAIR_LEVEL for verdicts in found for v in verdicts.values())
    columns = (["benchmark", ref.label] + [c.label for c in cands] + ["detectable"]
               + ([] if paired else ["run-to-run spread"]))
    rows: list[Sequence[str]] = []
    for name in comparison.names:
        row = [name, format_seconds(ref.mean(name))]
        row += [f"{format_seconds(cand.mean(name))} ({verdicts[name].describe()})"
                for cand, verdicts in zip(cands, found)]
        row.append(", ".join(format_detectable(verdicts[name].detectable) for verdicts in found))
        rows.append(row + ([] if paired else [_spreads([ref, *cands], name)]))
    return Table("Every common benchmark (mean; verdict, ratio and interval against the reference)",
                 columns, rows,
                 f"Verdict: {METHOD}. Slower or faster only when the interval lies beyond the "
                 f"minimum effect ({min_effect:.0%}), no change when it lies within it, "
                 "inconclusive otherwise. Detectable: the smallest change the interval could "
                 "have called. Run-to-run spread: (largest - smallest pass mean) / mean, "
                 "'unknown' for single-pass files.")


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def document(comparison: Comparison, gate: dict | None = None) -> dict:
    """What ``comparison.json`` holds (see docs/results-format.md); ``gate``: the
    ``--fail-on-slower`` gate's own part, if it was asked for."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    min_effect = comparison.min_effect
    results = []
    for cand, verdicts in zip(cands, found):
        for v in verdicts.values():
            results.append({
                "benchmark": v.name, "reference": ref.label, "candidate": cand.label,
                "ratio": v.ratio, "interval": [v.low, _finite(v.high)],
                "verdict": v.verdict, "detectable": _finite(v.detectable),
                "level": v.level, "drift_known": v.drift_known,
                "units": list(v.units), "df": _finite(v.df), "se": _finite(v.estimate.se),
                "reference_mean": v.ref_mean, "candidate_mean": v.cand_mean,
                "reference_spread": v.ref_spread, "candidate_spread": v.cand_spread,
                "confirmation": None if v.confirmation is None else {
                    "ratio": math.exp(v.confirmation.diff), "pairs": v.confirmation.units[0]},
                "reference_files": ref.paths, "candidate_files": cand.paths})
    return {"format": FORMAT, "version": VERSION, "unit": "second",
            "confidence": CONFIDENCE, "min_effect": min_effect, "method": METHOD,
            "verdicts": list(VERDICTS),
            "reference": {"label": ref.label, "files": ref.paths},
            "candidates": [{"label": c.label, "files": c.paths, "counts": counts(list(f.values())),
                            "median_detectable": _finite(median_detectable(list(f.values())))}
                           for c, f in zip(cands, found)],
            "results": results, "left_out": comparison.left_out(), "gate": gate}


def write_json(path: str, doc: dict) -> None:
    with open(path, "w") as handle:
        json.dump(doc, handle, indent=1)
        handle.write("\n")
