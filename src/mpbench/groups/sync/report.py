"""The sync group's report: its headlines (the uncontended cost, what each extra contender
costs, crossing processes against threads, fairness, one hand-off, wake-ups,
oversubscription), its section of a report, its section of a comparison (figures overlaid
across results files, the benchmarks behind the headlines side by side) and its fleet rows."""

from __future__ import annotations

from collections.abc import Sequence

from mpbench.groups.sync import GROUP as SYNC
from mpbench.groups.sync import figures, tables
from mpbench.groups.sync.results import (
    GIL_OFF,
    NAME,
    PLACEMENT_TEXT,
    THREADS,
    gil_off,
    headline_primitive,
    info_median,
    label,
    pingpong,
    pingpongs,
    point_label,
    rate,
    rate_text,
    series,
    uncontended,
    wakeup_placements,
    wakeups,
    work_points,
    worker_cpus,
)
from mpbench.reporting import legends
from mpbench.reporting import plotting as plot
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, Table, build_section
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

INTRO = ("N processes loop acquire -> critical section -> release -> think time on one "
         "primitive; the figure is the time per acquisition of all N together, from a clean "
         "pass (nothing in the loop but the primitive and the busy work; each contender pinned "
         "to one CPU, in turn); waits, hand-offs, shares and the mutual-exclusion check come "
         "from an instrumented pass of the same configuration. Floors: an uncontended acquire, "
         "a semaphore ping-pong (one hand-off) and the same loop in N threads on a "
         "threading.Lock.")
FIGURES = (figures.throughput, figures.wait, figures.fairness, figures.handoff, figures.slots,
           figures.wakeup)
TABLES = (tables.contention_table, tables.wakeup_table, tables.floor_table)


def headlines(rs: ResultSet) -> list[Headline]:
    """The sync headlines; the first opens the section on the report's first screen."""
    lines: list[Headline] = []
    uncontended_lines: list[Headline] = []  # after the first contention line: it opens
    base, tbase = uncontended(rs, "lock"), uncontended(rs, THREADS)
    if base:
        text = (f"Uncontended, a multiprocessing Lock acquire()+release() takes "
                f"{format_seconds(base.mean)} in one process")
        sources = [base.name]
        if tbase:
            text += f" (threading.Lock: {format_seconds(tbase.mean)})"
            sources.append(tbase.name)
        uncontended_lines.append(Headline(text + ".", sources))
    primitive = headline_primitive(rs) or ""  # "": no primitive, no lines below
    cpus = worker_cpus(rs)
    for point in (work_points(rs) if primitive else []):
        points = series(rs, primitive, point)
        if len(points) < 2:
            continue
        (n0, r0), (n1, r1) = list(points.items())[0], list(points.items())[-1]
        per_extra = (r1.mean - r0.mean) / (n1 - n0)
        if per_extra >= 0:
            cost = f"each extra process adds {format_seconds(per_extra)} per acquisition"
        else:
            cost = (f"each extra process takes {format_seconds(-per_extra)} off each "
                    "acquisition (the work between acquisitions runs in parallel)")
        text = (f"{label(rs, primitive)}, {point_label(point)}: {format_seconds(r0.mean)} per "
                f"acquisition with N={n0} ({rate_text(r0)}), {format_seconds(r1.mean)} "
                f"with N={n1} ({rate_text(r1)}): {cost}")
        p99 = info_median(rs, r1, "wait_p99")
        if p99 is not None:
            text += f"; wait p99 at N={n1}: {format_seconds(p99)}"
        if cpus and n1 > cpus:
            text += f" (N={n1} is oversubscribed: {cpus} usable CPUs)"
        lines.append(Headline(text + ".", [r0.name, r1.name]))
        # crossing processes vs threads, at the smallest N > 1
        for n, r in points.items():
            floor = rs.floor(r)
            if n > 1 and floor:
                lines.append(Headline(
                    f"Crossing processes, {point_label(point)}, N={n}: "
                    f"{label(rs, primitive)} takes "
                    f"{format_seconds(r.mean)} per acquisition, {r.mean / floor.mean:.2f}x the "
                    f"same loop in {n} threads on a threading.Lock ({format_seconds(floor.mean)})"
                    + (GIL_OFF if gil_off(rs) else "") + ".",
                    [r.name, floor.name]))
                break
        jain = info_median(rs, r1, "jain")
        if jain is not None:
            max_min = info_median(rs, r1, "max_min_share")
            lines.append(Headline(
                f"Fairness, {point_label(point)}, N={n1}: Jain's index {jain:.3f}"
                + (f", the busiest contender made {max_min:.2f}x the acquisitions of the least busy"
                   if max_min else ", some contender starved") + ".", [r1.name]))
    floors = pingpongs(rs)
    if floors:
        text = ("One cross-process hand-off (semaphore ping-pong) takes "
                + ", ".join(f"{format_seconds(r.mean)} {PLACEMENT_TEXT[p]}" for p, r in floors))
        lines.append(Headline(text + ".", [r.name for _, r in floors]))
    for place in wakeup_placements(rs):
        events = wakeups(rs, "event", "set", place)
        if not events:
            continue
        (w0, e0), (w1, e1) = list(events.items())[0], list(events.items())[-1]
        text = (f"Event.set() wakes {w0} waiter in {format_seconds(e0.mean)} on average"
                + (f" ({PLACEMENT_TEXT[place]})" if place else ""))
        if w1 != w0:
            text += f", each of {w1} waiters in {format_seconds(e1.mean)}"
        lines.append(Headline(text + ".", [e0.name] + ([e1.name] if w1 != w0 else [])))
    oversubscribed = [r for r in rs.where(group=NAME) if r.get("oversubscribed")]
    if oversubscribed and cpus:
        lines.append(Headline(f"{len(oversubscribed)} sync benchmarks ran more processes than "
                              f"the {cpus} usable CPUs: they measure oversubscription (time "
                              "slices, preempted lock holders) as much as the primitive."))
    return lines[:1] + uncontended_lines + lines[1:]


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The sync section of a single-file report, or None without sync results."""
    if not rs.where(group=NAME):
        return None
    return build_section(NAME, SYNC.title, INTRO, rs, outdir, headlines, FIGURES, TABLES)


def compare_throughput(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Acquisitions/s against N per work point, one colour per results file."""
    sets = comparison.sets
    points = []
    for rs in sets:
        for point in work_points(rs):
            if point not in points:
                points.append(point)
    points = [p for p in points if any((prim := headline_primitive(rs)) and series(rs, prim, p)
                                       for rs in sets)]
    if not points:
        return None
    fig, axes = plot.grid(len(points), 3.6)
    kinds: dict[str, set[str]] = {"-": set(), "--": set()}  # the names each line style had
    for ax, point in zip(axes, points):
        ns: list[int] = []
        values: list[float] = []
        for j, rs in enumerate(sets):
            primitive = headline_primitive(rs)
            for prim, ls in ((primitive, "-"), (THREADS, "--")):
                if not prim:
                    continue
                found = series(rs, prim, point)
                if not found:
                    continue
                xs, ys = list(found), [rate(r) for r in found.values()]
                ax.errorbar(xs, ys, [rate(r) * r.stdev / r.mean for r in found.values()],
                            marker="o" if ls == "-" else "s", capsize=2, ls=ls,
                            color=plot.colour(j), alpha=1.0 if ls == "-" else 0.6)
                kinds[ls].add(label(rs, prim))
                ns += xs
                values += ys
        if plot.spans_decades(values, 1):
            ax.set_yscale("log")
        plot.rate_axis(ax, "")
        figures.n_axis(ax, ns, worker_cpus(sets[0]), "contending processes (threads), N")
        ax.set_title(point_label(point), fontsize=10)
    axes[0].set_ylabel("acquisitions per second, all N together")
    fig.suptitle("Lock throughput per results file", fontsize=11)
    legends.factored_legend(fig, [(rs.label, plot.colour(j)) for j, rs in enumerate(sets)],
                            [(" / ".join(sorted(names)), {"ls": ls, "marker": marker})
                             for (ls, names), marker in zip(kinds.items(), "os") if names],
                            axes[:1])
    return plot.save(fig, outdir, "compare_sync_throughput", "Lock throughput per results file",
                     "The same benchmarks in each results file (colour); dashed, each file's "
                     "own threading.Lock floor.")


def compare_wakeup(comparison: Comparison, outdir: str) -> plot.Figure | None:
    """Wake-up latency against waiters, one colour per results file."""
    sets = comparison.sets
    if not any(wakeups(rs, "event", "set") or wakeups(rs, "condition", "all") for rs in sets):
        return None
    fig, ax = plot.new_figure(8.5, 4.6)
    ns: list[int] = []
    kinds: dict[str, dict[str, str]] = {}
    for j, rs in enumerate(sets):
        for (primitive, notify), ls in ((("event", "set"), "-"), (("condition", "all"), "--")):
            found = wakeups(rs, primitive, notify)
            if found:
                ax.errorbar(list(found), [r.mean for r in found.values()],
                            [r.stdev for r in found.values()], marker="o", capsize=2, ls=ls,
                            color=plot.colour(j))
                kinds["Event.set()" if notify == "set" else "Condition.notify_all()"] = \
                    {"ls": ls, "marker": "o"}
                ns += list(found)
        floor = pingpong(rs)
        if floor:
            ax.axhline(floor.mean, color=plot.colour(j), lw=1, ls=":", alpha=0.8)
            kinds["each file's ping-pong floor (one hand-off)"] = {"ls": ":"}
    ax.set_yscale("log")
    plot.seconds_axis(ax)
    figures.n_axis(ax, ns, worker_cpus(sets[0]), "waiting processes, W")
    ax.set_ylabel("mean wake-up latency")
    ax.set_title("Wake-up latency per results file", fontsize=11)
    legends.factored_legend(fig, [(rs.label, plot.colour(j)) for j, rs in enumerate(sets)],
                            list(kinds.items()), [ax])
    return plot.save(fig, outdir, "compare_sync_wakeup", "Wake-ups per results file",
                     "Colour: results file; solid: Event.set(), dashed: Condition.notify_all(); "
                     "dotted: each file's semaphore ping-pong floor, placed by the scheduler.")


def compare_table(comparison: Comparison) -> Table | None:
    """The benchmarks behind every file's headlines, present in all files, side by side."""
    sets = comparison.sets
    names: list[str] = []
    for rs in sets:
        for headline in headlines(rs):
            for name in headline.sources:
                if name not in names and all(name in other.results for other in sets):
                    names.append(name)
    rows: list[Sequence[str]] = []
    for name in names:
        cells = [name]
        ref = sets[0].results[name].mean
        for rs in sets:
            mean = rs.results[name].mean
            cells.append(format_seconds(mean) + ("" if rs is sets[0] else f" ({mean / ref:.2f}x)"))
        rows.append(cells)
    if not rows:
        return None
    return Table("The benchmarks behind the sync headlines, per results file",
                 ["benchmark"] + [rs.label for rs in sets], rows,
                 "Mean time per operation; in brackets, the ratio to the first file.")


def compare_headlines(comparison: Comparison) -> list[Headline]:
    """None: the compare table carries the benchmarks behind each file's headlines."""
    return []


COMPARE_FIGURES = (compare_throughput, compare_wakeup)
COMPARE_TABLES = (compare_table,)


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Sync figures overlaid across results files, and the headline numbers side by side."""
    if not any(rs.where(group=NAME) for rs in comparison.sets):
        return None
    return build_section(NAME, SYNC.title, "", comparison, outdir, compare_headlines,
                         COMPARE_FIGURES, COMPARE_TABLES)


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The rows a fleet comparison shows: a Lock between two processes, one Event wake-up."""
    return ((result.metric == "acquire" and result.get("primitive") == "lock"
             and result.get("nprocs") == 2)
            or (result.metric == "wakeup" and result.get("primitive") == "event"
                and result.get("nprocs") == 1))
