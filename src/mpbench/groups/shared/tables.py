"""The shared group's tables: hand-overs per method and size, the winner per size,
SharedMemory's own costs, Value/Array and Manager proxies per operation with the ratio
to their floors, and the harness check; in a comparison, the overview's verdicts
(:mod:`mpbench.reporting.verdict`) laid out by method and size."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import EngFormatter

from mpbench.groups.shared import results as sd
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Table
from mpbench.reporting.verdict import Comparison, Verdict
from mpbench.units import format_seconds, format_size

RATE = EngFormatter(unit="B/s", places=1, sep=" ")


def ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def _cell(rs: ResultSet, result: Result | None) -> str:
    if result is None:
        return "-"
    floor = rs.floor(result)
    extra = f", {ratio_text(result.mean / floor.mean)} floor" if floor else ""
    return f"{format_seconds(result.mean)} ({RATE(sd.gbps(result))}{extra})"


def handover_table(rs: ResultSet, payload: str = "bytes",
                   placement: str = "free") -> Table | None:
    """Method x size: time per hand-over, rate, ratio to its floor; copies held."""
    series = sd.handovers(rs, payload, placement, sd.METHODS + (sd.FLOOR_PIPE,))
    if not series:
        return None
    sizes = sorted({s for points in series.values() for s in points})
    rows: list[Sequence[str]] = []
    for method, points in series.items():
        copies = [f"{sd.held_copies(r):g}" for r in points.values()
                  if sd.held_copies(r) is not None]
        rows.append([sd.method_label(method)] + [_cell(rs, points.get(s)) for s in sizes]
                    + [copies[-1] if copies else "-"])
    where = "pinned to one CPU" if placement == "same-cpu" else "placed freely"
    return Table(f"Hand-overs of {payload}, {where}: time (rate, x floor)",
                 ["method"] + [format_size(s) for s in sizes] + ["payloads held (largest)"],
                 rows,
                 "Seconds per hand-over (sender's stamp before it starts to the receiver's once "
                 "it holds the object); rate = payload / time. Floors: the raw os.pipe for "
                 "Queue, send_bytes and pickle5; memcpy for the view and copy receivers (into "
                 "a new object from 16 MiB). Payloads held: peak resident memory of both sides "
                 "over the payload, from 16 MiB.")


def winner_table(rs: ResultSet) -> Table | None:
    """Per size and placement: the fastest method, the runner-up and by how much."""
    rows: list[Sequence[str]] = []
    for placement in ("free", "same-cpu"):
        for payload in ("bytes", "ndarray"):
            for win in sd.winners(sd.handovers(rs, payload, placement)):
                rows.append([format_size(win.size), payload, placement,
                             sd.method_label(win.method), format_seconds(win.result.mean),
                             sd.method_label(win.runner_up), f"{win.margin:.2f}x"])
    if not rows:
        return None
    return Table("Fastest hand-over per size", ["size", "payload", "placement", "fastest",
                                                "time", "runner-up", "runner-up / fastest"],
                 rows, "Placed freely, a small hand-over lands on one CPU or two as the "
                       "scheduler decides; pinned (same-cpu), only CPU time counts.")


def shm_table(rs: ResultSet) -> Table | None:
    """SharedMemory's create, attach, close, unlink, register."""
    rows: list[Sequence[str]] = [
        [str(r.get("op")), format_size(sd.size_of(r)) if sd.size_of(r) else "-",
         "yes" if int(r.get("track", 1)) else "no", format_seconds(r.mean), r.name]
        for r in sd.shm_ops(rs)]
    if not rows:
        return None
    return Table("SharedMemory's own costs", ["operation", "size", "resource tracker",
                                              "time", "benchmark"], rows,
                 "Each operation timed alone in the pyperf worker; what grows with the size is "
                 "unmapping touched pages (close) and freeing written ones (unlink).")


def _ops_rows(rs: ResultSet, results: list[Result]) -> list[Sequence[str]]:
    rows: list[Sequence[str]] = []
    for r in results:
        floor, local = rs.floor(r), sd.local_of(rs, r)
        size = sd.size_of(r)
        rows.append([str(r.get("object")), str(r.get("op")),
                     format_size(size) if size else "-", str(r.get("clients", 1)),
                     str(r.get("placement", "free")) if r.get("object") in sd.PROXY_OBJECTS
                     else "-", format_seconds(r.mean),
                     ratio_text(r.mean / floor.mean) if floor else "-",
                     floor.name if floor else "-",
                     ratio_text(r.mean / local.mean) if local and local is not floor else "-",
                     "yes" if r.get("oversubscribed") else ""])
    return rows


OPS_COLUMNS = ["object", "op", "size", "clients", "placement", "per operation",
               "x floor", "floor", "x local object", "oversubscribed"]


def values_table(rs: ResultSet) -> Table | None:
    rows = _ops_rows(rs, sd.operations(rs, sd.VALUE_OBJECTS))
    if not rows:
        return None
    return Table("Value, Array and SharedMemory+struct per operation", OPS_COLUMNS, rows,
                 "Seconds per operation, all clients together; floor: the same operation on "
                 "a local object (a SimpleNamespace attribute, a list for slices), measured "
                 "in the pyperf worker. Oversubscribed: more processes than usable CPUs.")


def proxies_table(rs: ResultSet) -> Table | None:
    rows = _ops_rows(rs, sd.operations(rs, sd.PROXY_OBJECTS))
    if not rows:
        return None
    return Table("Manager proxies per operation", OPS_COLUMNS, rows,
                 "Floor: one Connection.send/recv round trip of a 64 B pickled list between two "
                 "processes with the same placement (a proxy call is a pickled request and "
                 "reply on such a connection); x local object: the same operation on a local "
                 "dict, list or namespace.")


def harness_table(rs: ResultSet) -> Table | None:
    rows: list[Sequence[str]] = [
        [b.name, format_seconds(b.mean), ref.name, format_seconds(ref.mean),
         f"{b.mean / ref.mean:.2f}x", sd.placement_text(b)]
        for b, ref in sd.harness_pairs(rs)]
    if not rows:
        return None
    return Table("Harness check: benchmark against a hand-written minimal loop",
                 ["benchmark", "time", "same-run reference", "time", "benchmark / reference",
                  "placement"], rows,
                 "The reference is a hand-written SharedMemory hand-over (a bare os.fork child, "
                 "no crew, no command pipe) measured in the same run: the ratio is what the "
                 "harness adds, plus the drift between the two workers' moments.")


def ndarray_table(rs: ResultSet) -> Table | None:
    return handover_table(rs, "ndarray")


def pinned_table(rs: ResultSet) -> Table | None:
    return handover_table(rs, placement="same-cpu")


# The section's tables, in page order.
TABLES = (handover_table, ndarray_table, pinned_table, winner_table, values_table,
          proxies_table, shm_table, harness_table)


def _short(verdict: Verdict | None) -> str:
    return "-" if verdict is None else verdict.describe()


def handover_verdicts(comparison: Comparison, candidate: int = 0) -> Table | None:
    """Method x size, each cell a candidate's verdict against the reference."""
    rs, found = comparison.sets[0], comparison.verdicts[candidate]
    rows, sizes = [], set()
    for payload in ("bytes", "ndarray"):
        for placement in ("free", "same-cpu"):
            series = sd.handovers(rs, payload, placement, sd.METHODS + (sd.FLOOR_PIPE,))
            for method, points in series.items():
                cells = {s: found.get(r.name) for s, r in points.items()}
                if any(cells.values()):
                    sizes |= set(points)
                    rows.append((f"{sd.method_label(method)}, {payload}, {placement}", cells))
    if not rows:
        return None
    ordered = sorted(sizes)
    return Table(f"Hand-overs: {comparison.candidates[candidate].label} against "
                 f"{comparison.reference.label}",
                 ["method, payload, placement"] + [format_size(s) for s in ordered],
                 [[name] + [_short(cells.get(s)) for s in ordered] for name, cells in rows],
                 f"The overview's verdicts ({comparison.interval_words()}, minimum effect "
                 f"{comparison.min_effect:.0%}).")


def operation_verdicts(comparison: Comparison, candidate: int = 0) -> Table | None:
    """Value/Array, proxies and SharedMemory operations: both means and a candidate's
    verdict."""
    rs, found = comparison.sets[0], comparison.verdicts[candidate]
    reference, label = comparison.reference.label, comparison.candidates[candidate].label
    chosen = (sd.operations(rs, sd.VALUE_OBJECTS) + sd.operations(rs, sd.PROXY_OBJECTS)
              + sd.shm_ops(rs))
    rows: list[Sequence[str]] = [[r.name, format_seconds(found[r.name].ref_mean),
             format_seconds(found[r.name].cand_mean), found[r.name].describe()]
            for r in chosen if r.name in found]
    if not rows:
        return None
    return Table(f"Per-operation figures: {label} against {reference}",
                 ["benchmark", reference, label, "verdict"], rows)


# A comparison's tables, in page order, each once per candidate.
COMPARE_TABLES = (handover_verdicts, operation_verdicts)
