"""The verdicts of ``mpbench compare`` as a person and a CI job read them.

Headlines (how many benchmarks are slower, faster, unchanged or
inconclusive, the geometric mean, and the smallest change the comparison
could have seen), the ratio figure per group (interval bars, marker per
verdict, the band of the minimum effect), the geometric mean per group, the
table of every common benchmark and ``comparison.json``. What the terminal
shows is :mod:`compare_console`; the ``--fail-on-slower`` gate is :mod:`gate`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator

from mpbench import passes
from mpbench.reporting import legends
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
    geometric_mean,
    median_detectable,
    ratio_words,
)
from mpbench.units import format_seconds

FORMAT = "mpbench-comparison"
VERSION = 3  # 2: four verdicts, detectable, levels pair/run/pass/worker, gate; 3: geometric means
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
          "benchmark's own; docs/comparing.md")
ALL = "all"  # the geometric mean over every common benchmark, beside the groups'


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


def group_means(comparison: Comparison, found: Found) -> dict[str, tuple[float, int]]:
    """Per group, in page order, then over :data:`ALL` (when there are several groups):
    the geometric mean of the candidate/reference ratios and how many benchmarks."""
    ref = comparison.reference.sets[0]
    by_group: dict[str, list[float]] = {}
    for name in comparison.names:
        by_group.setdefault(ref.results[name].group, []).append(found[name].ratio)
    means = {group: (geometric_mean(ratios), len(ratios)) for group, ratios in by_group.items()}
    if len(means) > 1:
        every = [found[name].ratio for name in comparison.names]
        means[ALL] = (geometric_mean(every), len(every))
    return means


def overall_mean(comparison: Comparison, found: Found) -> str:
    """``geometric mean 1.03x slower``: over every common benchmark."""
    return f"geometric mean {ratio_words(geometric_mean([v.ratio for v in found.values()]))}"


def level_phrase(verdicts: Sequence[Verdict]) -> str:
    """``95% worker-level interval, drift unknown``: how these intervals were computed."""
    levels = sorted({v.level for v in verdicts}, key=list(LEVEL_TEXT).index)
    return f"{CONFIDENCE:.0%} " + " and ".join(LEVEL_TEXT[level] for level in levels)


def summary_line(comparison: Comparison, cand: Side, found: Found) -> str:
    """``B against A: 36 no change, 3 inconclusive, 1 slower of 40 benchmarks, geometric
    mean 1.02x slower; changes above 8% would have been seen (median; ...)``: the first
    line of a comparison, for one candidate and its verdicts."""
    ref, min_effect = comparison.reference, comparison.min_effect
    verdicts = list(found.values())
    n = counts(verdicts)
    parts = [f"{n[kind]} {kind}" for kind in (NO_CHANGE, INCONCLUSIVE, SLOWER, FASTER)
             if n[kind]] or ["nothing"]
    seen = median_detectable(verdicts)
    sight = (f"changes above {seen:.0%} would have been seen (median over benchmarks)"
             if math.isfinite(seen) else "no interval could be sized (one value a side)")
    drift = ""
    if verdicts and not any(v.drift_known for v in verdicts):
        drift = ("; run-level drift unknown: one results file a side, so the drift between "
                 "the two runs is not in these intervals (use 'mpbench ab', or several runs a "
                 "side with --vs)")
    return (f"{cand.label} against {ref.label}: {', '.join(parts)} of {len(found)} "
            f"benchmarks, {overall_mean(comparison, found)}; {sight}; "
            f"{level_phrase(verdicts)}, min effect {min_effect:.0%}{drift}")


def called(found: Found) -> list[Verdict]:
    """Benchmarks called slower or faster, largest change first."""
    return sorted((v for v in found.values() if v.verdict in (SLOWER, FASTER)),
                  key=lambda v: -abs(math.log(v.ratio)))


def file_line(cand: Side, found: Found) -> str:
    """One candidate in a few words: ``B 1.40x slower (100 slower, 19 inconclusive;
    most changed: x 1.52x slower [1.40, 1.65])``, its ratio the geometric mean."""
    n = counts(list(found.values()))
    parts = ", ".join(f"{n[kind]} {kind}" for kind in (SLOWER, FASTER, NO_CHANGE, INCONCLUSIVE)
                      if n[kind])
    changed = called(found)
    most = f"; most changed: {changed[0].name} {changed[0].ratio_text()}" if changed else ""
    mean = ratio_words(geometric_mean([v.ratio for v in found.values()]))
    return f"{cand.label} {mean} ({parts}{most})"


def fleet_intro(comparison: Comparison) -> str:
    return (f"Against {comparison.reference.label}, each file's geometric mean over the "
            f"{len(comparison.names)} common benchmarks and its verdicts")


def fleet_line(comparison: Comparison) -> str:
    """Every candidate's headline in one sentence: what "In short" shows for several."""
    return (fleet_intro(comparison) + ": "
            + "; ".join(file_line(cand, found)
                        for cand, found in zip(comparison.candidates, comparison.verdicts)))


def headlines(comparison: Comparison) -> list[Headline]:
    """Several candidates: first a line naming each; then a line per candidate (its most
    changed benchmarks), then the drift note if any."""
    lines = [Headline(fleet_line(comparison) + ".")] if len(comparison.candidates) > 1 else []
    for cand, verdicts in zip(comparison.candidates, comparison.verdicts):
        text = summary_line(comparison, cand, verdicts)
        changed = called(verdicts)
        if changed:
            text += "; most changed: " + ", ".join(f"{v.name} {v.ratio_text()}"
                                                   for v in changed[:3])
        lines.append(Headline(text + "."))
    note = drift_note(comparison)
    if note:
        lines.append(Headline(note[0].upper() + note[1:] + "."))
    return lines


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
    plot_in = FIGURE_WIDTH - 0.3 - legends.text_width(fig, shown_names, FIGURE_PT) / fig.dpi
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
    legends.legend_above(ax, handles, labels, f"{group}: verdicts against the reference", plot_in,
                         FIGURE_PT)
    return plot.save(fig, outdir, f"compare_ratio_{group}", f"{group}: verdicts",
                     f"Each benchmark's ratio to the reference with its {CONFIDENCE:.0%} "
                     f"interval ({level_words(comparison)}); slower/faster only where the whole "
                     f"interval lies outside the grey band (min effect {min_effect:.0%}), no "
                     "change where it lies inside it, inconclusive where it straddles an edge.")


def level_words(comparison: Comparison) -> str:
    """How the intervals were computed, in words (``interval over interleaved pairs, drift
    cancelled``; ``worker-level interval, drift unknown`` for single-pass files)."""
    return " and ".join(LEVEL_TEXT[level] for level in comparison.levels())


def format_time(seconds: float) -> str:
    """Three significant digits, trailing zeros kept (``8.60 ms``), as pyperf prints."""
    text = format_seconds(seconds)
    number, _, unit = text.partition(" ")
    try:
        kept = f"{float(number):#.3g}".rstrip(".")
    except ValueError:
        return text
    return f"{kept} {unit}" if unit else kept


def spread_cell(sides: Sequence[Side], name: str) -> str:
    """The sides' run-to-run spreads that are known (``a 3.1%, b 2.0%``), or ``-``."""
    known = [(side.label, side.spread(name)) for side in sides]
    return ", ".join(f"{label} {passes.format_spread(value)}" for label, value in known
                     if value is not None) or "-"


def mean_table(comparison: Comparison) -> Table:
    """The geometric mean per group, a row per candidate."""
    means = [group_means(comparison, found) for found in comparison.verdicts]
    groups = list(means[0])
    return Table("Geometric mean per group (candidate / reference over the common benchmarks)",
                 ["file"] + [f"{group} ({means[0][group][1]})" for group in groups],
                 [[cand.label] + [ratio_words(found[group][0]) for group in groups]
                  for cand, found in zip(comparison.candidates, means)],
                 "Each benchmark's ratio (the centre of its interval, as in the table below) "
                 "multiplied together, to the power one over their count; in brackets, how "
                 "many benchmarks. Floors and harness references count like the others.")


def verdict_table(comparison: Comparison) -> Table:
    """Every common benchmark, as ``pyperf compare_to --table`` shows it: the means
    (reference -> candidate), the ratio with its interval, the verdict."""
    ref, cands, found = comparison.reference, comparison.candidates, comparison.verdicts
    one = len(cands) == 1
    paired = all(v.level == PAIR_LEVEL for verdicts in found for v in verdicts.values())
    spreads = not paired and any(side.spread(name) is not None for side in comparison.sides
                                 for name in comparison.names)
    if one:
        columns = ["benchmark", f"{ref.label} -> {cands[0].label}",
                   f"ratio [{CONFIDENCE:.0%} interval]", "verdict"]
    else:
        columns = ["benchmark", ref.label] + [c.label for c in cands]
    columns += ["detectable"] + (["run-to-run spread"] if spreads else [])
    rows: list[Sequence[str]] = []
    for name in comparison.names:
        if one:
            v = found[0][name]
            row = [name, f"{format_time(v.ref_mean)} -> {format_time(v.cand_mean)}",
                   v.ratio_text(), v.verdict]
        else:
            row = [name, format_time(ref.mean(name))]
            row += [f"{format_time(f[name].cand_mean)}: {f[name].ratio_text()} ({f[name].verdict})"
                    for f in found]
        row.append(", ".join(format_detectable(f[name].detectable) for f in found))
        rows.append(row + ([spread_cell(comparison.sides, name)] if spreads else []))
    spread_note = (" Run-to-run spread: (largest - smallest pass mean) / mean, '-' where "
                   "neither side has two passes." if spreads else "" if paired else
                   " No run-to-run spread: every file holds a single pass.")
    return Table("Every common benchmark (mean; ratio and interval against the reference; "
                 "verdict)", columns, rows,
                 f"Intervals: {comparison.interval_words()}. Ratio: candidate / "
                 "reference, the geometric mean over the units the interval is computed on "
                 "(it may differ a little from the ratio of the two means), with its interval "
                 f"in the same direction. Verdict: {METHOD}. Slower or faster only when the "
                 f"interval lies beyond the minimum effect ({comparison.min_effect:.0%}), no "
                 "change when it lies within it, inconclusive otherwise. Detectable: the "
                 "smallest change the interval could have called." + spread_note)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def means_document(comparison: Comparison, found: Found) -> dict:
    """A candidate's geometric means in ``comparison.json``: per group, and overall."""
    def entry(ratio: float, count: int) -> dict:
        return {"ratio": _finite(ratio), "benchmarks": count,
                "direction": "slower" if ratio > 1 else "faster" if ratio < 1 else "same"}

    means = group_means(comparison, found)
    every = [v.ratio for v in found.values()]
    return {"geometric_mean": entry(geometric_mean(every), len(every)),
            "geometric_means": {group: entry(*value) for group, value in means.items()
                                if group != ALL}}


def document(comparison: Comparison, gate: dict | None = None) -> dict:
    """What ``comparison.json`` holds (see docs/comparing.md); ``gate``: the
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
                            "median_detectable": _finite(median_detectable(list(f.values()))),
                            **means_document(comparison, f)}
                           for c, f in zip(cands, found)],
            "results": results, "left_out": comparison.left_out(), "gate": gate}


def write_json(path: str, doc: dict) -> None:
    with open(path, "w") as handle:
        json.dump(doc, handle, indent=1)
        handle.write("\n")
