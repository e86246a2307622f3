"""The pool section's tables: recommendations, dispatch, start-up, break-even,
payload, concurrent_imap and the harness check; and the comparison's table of verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.pool import results as pd
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Table
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size


def _ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value else "-"


def _span(rule: pd.Rule) -> str:
    if rule.low is None and rule.high is None:
        return "any task"
    if rule.low is None:
        return f"below {format_seconds(rule.high or 0)}"
    if rule.high is None:
        return f"{format_seconds(rule.low)} and longer"
    return f"{format_seconds(rule.low)} to {format_seconds(rule.high)}"


def measured_text(cross: pd.Crossing | None) -> str:
    """The measured half-ideal point in words, with the points it rests on."""
    if cross is None:
        return "not measured"
    shown = ", ".join(f"{p.task_us:g} us: {p.speedup:.2f}x" for p in cross.points)
    if cross.where == "below":
        return f"already at the shortest task ({shown})"
    if cross.where == "above":
        return f"not reached up to the longest task ({shown})"
    return f"{format_seconds((cross.task_us or 0) * 1e-6)} (between {shown})"


def recommendations(rs: ResultSet) -> Table | None:
    found = pd.advise(rs)
    if found is None:
        return None
    rows: list[Sequence[str]] = []
    for rule in pd.rules(found):
        chunk = rule.chunk
        rows.append([_span(rule), rule.what,
                     format_seconds(chunk.dispatch.mean) if chunk else "-",
                     format_seconds(chunk.gains_from) if chunk and chunk.gains_from else "-",
                     chunk.dispatch.name if chunk else "-"])
    calibrated = (f"scaled by k = {found.scale:.2f}, the measured half-ideal point at "
                  f"chunksize 1 ({measured_text(found.measured)}) over the model's "
                  f"(ideal x d(1)): the parent's threads and the workers share the CPUs, which "
                  "the model ignores; assumed to scale with d(C) at every chunksize"
                  if found.scale > 1 else
                  f"not calibrated (measured half-ideal point at chunksize 1: "
                  f"{measured_text(found.measured)})")
    note = (f"Pool.map at {pd.setting_text(found.setting)}, ideal speed-up {found.ideal}x "
            "(min(W, usable CPUs)). Model: W workers spend T / ideal per task of length T, "
            "plus the parent's dispatch cost d(C) per task at chunksize C (measured with no-op "
            "tasks); half of the ideal speed-up needs T >= ideal x d(C), beating a plain loop "
            f"T > d(C) x ideal / (ideal - 1); both {calibrated}. A range's chunksize is the "
            "smallest that reaches half of the ideal speed-up there. Large chunks balance "
            "uneven tasks badly: prefer the smallest chunksize that suffices.")
    return Table("Recommendations: which chunksize for which task length",
                 ["task length", "use", "dispatch per task d(C)", "beats a plain loop from",
                  "from benchmark"], rows, note)


def dispatch_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for r in pd.dispatch_results(rs):
        floor = rs.floor(r)
        chunk = int(r.get("chunksize", 1))
        rows.append([pd.api_label(str(r.get("api"))),
                     (f"{chunk} (default)" if r.get("chunksize_default") else str(chunk))
                     if r.get("api") in pd.CHUNKED else "-",
                     str(r.get("method")), str(r.get("workers")),
                     format_seconds(r.mean), f"{1 / r.mean:,.0f}",
                     format_seconds(floor.mean) if floor else "-",
                     _ratio(rs.ratio_to_floor(r))])
    if not rows:
        return None
    return Table("Dispatch cost per no-op task", ["API", "chunksize", "method", "W", "per task",
                                                  "tasks/s", "floor (minimal pool)", "x floor"],
                 rows, "One call over 1024 no-op tasks on a pool that is up; the floor is W "
                       "forked workers on two raw pipes at the same chunksize.")


def startup_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for kind in pd.KINDS:
        lives = pd.lifecycle(rs, "lifetime", kind)
        starts = pd.lifecycle(rs, "startup", kind)
        stops = pd.lifecycle(rs, "shutdown", kind)
        for method in pd.methods(rs):
            for workers, life in pd.workers_of(lives, method).items():
                start, stop = starts.get((method, workers)), stops.get((method, workers))
                rows.append([pd.api_label(kind), method, str(workers),
                             format_seconds(life.mean),
                             format_seconds(start.mean) if start else "-",
                             format_seconds(stop.mean) if stop else "-"])
        cold = pd.cold_lifetime(rs, kind)
        if cold is not None:
            rows.append([pd.api_label(kind), "forkserver, server cold",
                         str(cold.get("workers")), format_seconds(cold.mean), "-", "-"])
    if not rows:
        return None
    return Table("Start-up and shutdown", ["pool", "method", "W", "lifetime", "start-up",
                                           "shutdown"], rows,
                 "Lifetime: the constructor until every worker has run one task, then "
                 "close(); join() (shutdown(wait=True) for the executor).")


def break_even_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for workers, points in pd.break_even(rs).items():
        for p in points:
            rows.append([str(workers), f"{p.task_us:g} us", format_seconds(p.pool.mean),
                         format_seconds(p.serial_s), f"{p.speedup:.2f}x",
                         f"{pd.ideal_speedup(rs, workers)}x"])
        cross = pd.half_ideal(rs, workers, points)
        rows.append([str(workers), "half of ideal reached at", measured_text(cross), "", "", ""])
    if not rows:
        return None
    return Table("Break-even: Pool.map (chunksize 1) against a plain loop",
                 ["W", "task", "pool, per task", "plain loop, per task", "speed-up", "ideal"],
                 rows, "The plain loop is timed by the same pyperf worker just before its pool "
                       "starts (mpbench_serial_task_s); busy work drifts between moments of a "
                       "run. W above the usable CPUs measures oversubscription.")


def payload_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = []
    for r in pd.payload_results(rs):
        floor = rs.floor(r)
        api = str(r.get("api"))
        rows.append([pd.api_label(api) + (f" chunksize {r.get('chunksize')}" if api == "map"
                                          else ""),
                     format_size(int(r.get("size"))), format_seconds(r.mean),
                     f"{floor.name.split('.', 1)[-1]}: {format_seconds(floor.mean)}"
                     if floor else "-", _ratio(rs.ratio_to_floor(r))])
    if not rows:
        return None
    return Table("Payload: argument and result of S bytes", ["API", "size", "per task",
                                                             "floor", "x floor"], rows,
                 "Floors: a one-way Pipe(duplex=False) stream of the same messages (map; "
                 "16 x S for chunksize 16), one Pipe round trip (apply).")


def imap_table(rs: ResultSet) -> Table | None:
    found = pd.concurrent_imap(rs)
    if not found:
        return None
    return Table("pyperformance's concurrent_imap, per start method",
                 ["method", "one call", "std dev"],
                 [[m, format_seconds(r.mean), format_seconds(r.stdev)] for m, r in found.items()],
                 "with Pool(2) as pool: imap(identity, range(1000), 10), pool creation and "
                 "terminate() included, as speed.python.org runs it.")


def harness_table(rs: ResultSet) -> Table | None:
    pairs = pd.harness_pairs(rs)
    if not pairs:
        return None
    rows: list[Sequence[str]] = [
        [str(r.get("method")), str(r.get("workers")), format_seconds(r.mean),
         format_seconds(ref.mean), f"{r.mean / ref.mean:.2f}x", r.name, ref.name]
        for r, ref in pairs]
    return Table("Harness check: the harness's Pool.map against a bare Pool.map loop",
                 ["method", "W", "harness", "bare loop", "ratio", "benchmark", "reference"],
                 rows, "Same run, same kind of pool, chunksize 1; the two are separate "
                       "benchmarks seconds apart, so the ratio moves by ~10 % (20 % with "
                       "--fast) between runs.")


# -- the comparison ---------------------------------------------------------------------

def key_benchmarks(rs: ResultSet) -> dict[str, Result]:
    """What a user compares: every dispatch figure and every warm pool lifetime,
    by a readable label."""
    found: dict[str, Result] = {}
    for r in pd.dispatch_results(rs):
        chunk = (f" chunksize {r.get('chunksize')}" + (" (default)" if r.get("chunksize_default")
                                                       else "")
                 if r.get("api") in pd.CHUNKED else "")
        found[f"{pd.api_label(str(r.get('api')))}{chunk}, per task "
              f"({r.get('method')}, W={r.get('workers')})"] = r
    for kind in pd.KINDS:
        for (method, workers), r in pd.lifecycle(rs, "lifetime", kind).items():
            found[f"{pd.api_label(kind)} lifetime ({method}, W={workers})"] = r
    return found


def delta_table(comparison: Comparison) -> Table | None:
    """The reference's key figures against each candidate's, with the overview's verdicts
    (None when the reference holds no pool benchmark)."""
    sets, found = comparison.sets, comparison.verdicts
    if not found or not pd.has_pool(sets[0]):
        return None
    rows: list[Sequence[str]] = []
    for label, r in key_benchmarks(sets[0]).items():
        if r.name not in found[0]:
            continue
        rows.append([label, format_seconds(found[0][r.name].ref_mean)]
                    + [f"{format_seconds(v[r.name].cand_mean)} ({v[r.name].describe()})"
                       for v in found])
    return Table("Per-task dispatch and pool lifetime against the reference",
                 ["figure", comparison.reference.label]
                 + [side.label for side in comparison.candidates], rows,
                 f"The overview's verdicts: the ratio's {comparison.interval_words()}; "
                 "slower or faster only when it lies wholly beyond the minimum effect "
                 f"({comparison.min_effect:.0%}).")
