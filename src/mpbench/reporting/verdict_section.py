"""The verdicts of ``mpbench compare`` as a person and a CI job read them.

Headlines (how many benchmarks are slower, faster, within noise), the
ratio figure per group (interval bars, marker per verdict, the band of the
minimum effect), the table of every common benchmark, the console lines,
``comparison.json``, and the ``--fail-on-slower`` gate.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

from mpbench import passes
from mpbench.reporting import plotting as plot
from mpbench.reporting.tables import Headline, Table
from mpbench.reporting.verdict import (
    CONFIDENCE,
    FASTER,
    SLOWER,
    VERDICTS,
    WITHIN_NOISE,
    Side,
    Verdict,
    counts,
)
from mpbench.units import format_seconds

FORMAT = "mpbench-comparison"
VERSION = 1
Found = dict[str, Verdict]  # one candidate's verdicts by benchmark name
STYLE = {SLOWER: ("#d62728", ">", "slower"), FASTER: ("#2ca02c", "<", "faster"),
         WITHIN_NOISE: ("#7f7f7f", "o", "within noise")}
METHOD = ("95 % t interval of the ratio of geometric means of the pass means (one pass of one "
          "file = one observation), between-pass variance moderated across the compared "
          "benchmarks (Smyth 2004), never below the benchmark's own")


def drift_unknown(sides: Sequence[Side], names: Sequence[str]) -> list[str]:
    """Files in which every benchmark has a single pass."""
    return [os.path.basename(rs.path) for side in sides for rs in side.sets
            if all(len(passes.pass_workers(rs.results[name].bench)) < 2 for name in names)]


def drift_note(sides: Sequence[Side], names: Sequence[str]) -> str | None:
    """The line saying the drift is unknown, when some file cannot show it."""
    unknown = drift_unknown(sides, names)
    if not unknown:
        return None
    return (f"drift unknown: {', '.join(unknown)} hold{'s' if len(unknown) == 1 else ''} a single "
            "pass per benchmark (written before 'mpbench run --passes'); where neither side "
            "has two passes, intervals cover worker-to-worker variation only and a verdict "
            "may be a false alarm")


def summary_line(ref: Side, cand: Side, found: Found, min_effect: float) -> str:
    """``B against A: 1 slower, 0 faster, 35 within noise of 36 benchmarks (...)``."""
    n = counts(list(found.values()))
    units = " and ".join(sorted({"passes" if v.drift_known else "worker processes"
                                 for v in found.values()}))
    return (f"{cand.label} against {ref.label}: {n[SLOWER]} slower, {n[FASTER]} faster, "
            f"{n[WITHIN_NOISE]} within noise of {len(found)} benchmarks "
            f"({CONFIDENCE:.0%} intervals over {units}, min effect {min_effect:.0%})")


def called(found: Found) -> list[Verdict]:
    """Benchmarks called slower or faster, largest change first."""
    return sorted((v for v in found.values() if v.verdict != WITHIN_NOISE),
                  key=lambda v: -abs(math.log(v.ratio)))


def headlines(ref: Side, cands: Sequence[Side], found: Sequence[Found], min_effect: float,
              note: str | None) -> list[Headline]:
    lines = []
    for cand, verdicts in zip(cands, found):
        text = summary_line(ref, cand, verdicts, min_effect)
        changed = called(verdicts)
        if changed:
            text += "; most changed: " + ", ".join(f"{v.name} {v.describe()}" for v in changed[:3])
        lines.append(Headline(text + "."))
    if note:
        lines.append(Headline(note[0].upper() + note[1:] + "."))
    return lines


def ratio_figure(ref: Side, cands: Sequence[Side], found: Sequence[Found], names: Sequence[str],
                 group: str, min_effect: float, outdir: str) -> plot.Figure | None:
    """Each benchmark's ratio to the reference with its interval, marked by verdict."""
    names = [n for n in names if ref.sets[0].results[n].group == group]
    if not names:
        return None
    fig, ax = plot.new_figure(10, max(2.5, 0.22 * len(names) + 1.4))
    ax.axvspan(1 / (1 + min_effect), 1 + min_effect, color="#dddddd", alpha=0.6, lw=0,
               label=f"min effect +-{min_effect:.0%}")
    offsets = [(i - (len(cands) - 1) / 2) * 0.3 for i in range(len(cands))]
    finite = [1.0]
    for j, (cand, verdicts) in enumerate(zip(cands, found)):
        for kind in VERDICTS:
            shown = [(k, verdicts[n]) for k, n in enumerate(names) if verdicts[n].verdict == kind]
            if not shown:
                continue
            colour, marker, text = STYLE[kind]
            ys = [k + offsets[j] for k, _ in shown]
            xs = [v.ratio for _, v in shown]
            bars = [(v.ratio - v.low, v.high - v.ratio) if math.isfinite(v.high) else (0, 0)
                    for _, v in shown]
            finite += [b for _, v in shown for b in (v.low, v.high) if 0 < b < math.inf]
            ax.errorbar(xs, ys, xerr=list(zip(*bars)), fmt="none", ecolor=colour, alpha=0.7,
                        capsize=2)
            ax.scatter(xs, ys, marker=marker, color=colour if kind != WITHIN_NOISE else "white",
                       edgecolors=colour, zorder=3,
                       label=f"{text}" + (f" ({cand.label})" if len(cands) > 1 else ""))
    ax.axvline(1.0, color="black", lw=1)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    plot.ratio_axis(ax, min(finite) / 1.05, max(finite) * 1.05, "x")
    ax.set_xlabel(f"ratio to {ref.label} (right: slower; bars: {CONFIDENCE:.0%} interval)")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"{group}: verdicts against the reference")
    return plot.save(fig, outdir, f"compare_ratio_{group}", f"{group}: verdicts",
                     f"Each benchmark's ratio to the reference with its {CONFIDENCE:.0%} "
                     "interval computed over passes; slower/faster only where the whole "
                     f"interval lies outside the grey band (min effect {min_effect:.0%}); "
                     "hollow: within noise.")


def _spreads(sides: Sequence[Side], name: str) -> str:
    return ", ".join(f"{side.label} {passes.format_spread(side.spread(name))}" for side in sides)


def verdict_table(ref: Side, cands: Sequence[Side], found: Sequence[Found],
                  names: Sequence[str], min_effect: float) -> Table:
    columns = ["benchmark", ref.label] + [c.label for c in cands] + ["run-to-run spread"]
    rows: list[Sequence[str]] = []
    for name in names:
        row = [name, format_seconds(ref.mean(name))]
        row += [f"{format_seconds(cand.mean(name))} ({verdicts[name].describe()})"
                for cand, verdicts in zip(cands, found)]
        rows.append(row + [_spreads([ref, *cands], name)])
    return Table("Every common benchmark (mean; verdict, ratio and interval against the reference)",
                 columns, rows,
                 f"Verdict: {METHOD}; slower or faster only when the interval excludes the "
                 f"minimum effect ({min_effect:.0%}). Run-to-run spread: (largest - smallest "
                 "pass mean) / mean, 'unknown' for single-pass files.")


def document(ref: Side, cands: Sequence[Side], found: Sequence[Found], min_effect: float,
             left_out: dict[str, list[str]]) -> dict:
    """What ``comparison.json`` holds (see docs/results-format.md)."""
    results = []
    for cand, verdicts in zip(cands, found):
        for v in verdicts.values():
            results.append({
                "benchmark": v.name, "reference": ref.label, "candidate": cand.label,
                "ratio": v.ratio, "interval": [v.low, v.high if math.isfinite(v.high) else None],
                "verdict": v.verdict, "level": v.level, "drift_known": v.drift_known,
                "units": list(v.units), "df": v.df if math.isfinite(v.df) else None,
                "reference_mean": v.ref_mean, "candidate_mean": v.cand_mean,
                "reference_spread": v.ref_spread, "candidate_spread": v.cand_spread,
                "reference_files": ref.paths, "candidate_files": cand.paths})
    return {"format": FORMAT, "version": VERSION, "unit": "second",
            "confidence": CONFIDENCE, "min_effect": min_effect, "method": METHOD,
            "reference": {"label": ref.label, "files": ref.paths},
            "candidates": [{"label": c.label, "files": c.paths, "counts": counts(list(f.values()))}
                           for c, f in zip(cands, found)],
            "results": results, "left_out": left_out}


def write_json(path: str, doc: dict) -> None:
    with open(path, "w") as handle:
        json.dump(doc, handle, indent=1)
        handle.write("\n")


def gate(found: Sequence[Found], cands: Sequence[Side], threshold: float) -> list[str]:
    """``--fail-on-slower``: benchmarks called slower whose interval lies above 1 + threshold."""
    return [f"{cand.label}: {v.name} {v.describe()}"
            for cand, verdicts in zip(cands, found) for v in called(verdicts)
            if v.verdict == SLOWER and v.low > 1 + threshold]
