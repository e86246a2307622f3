"""The channels group's report: its headlines (the fastest channel per size, crossovers,
the distance from the kernel floor, the fitted cost per message, latency, the cost of
pickling), its section of a report, its section of a comparison and its fleet rows."""

from __future__ import annotations

import math
from collections.abc import Sequence

from mpbench.groups.channels import GROUP as CHANNELS_GROUP
from mpbench.groups.channels import figures, tables
from mpbench.groups.channels.results import (
    CHANNELS,
    NAME,
    RAW,
    fits,
    label,
    messages_ratio,
    one_way,
    placements,
    seconds_per_message,
    series,
    size_of,
    throughput_placement,
)
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, build_section
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size
from mpbench.workloads.stats import percentile

INTRO = ("Throughput (one producer process streaming to one consumer process) and latency (a "
         "ping-pong between two processes) of multiprocessing's channels, beside the floors "
         "measured in the same run: a raw os.pipe and socketpair, an in-process pickle and "
         "memcpy. Every figure states where the processes ran (placement).")
REFERENCE_SIZE = 2**20  # "how far from the floor" is quoted here when measured
TIE = 1.10  # a runner-up within 10 % is named beside the winner


def _ranges(best: list[tuple[int, str, Result, str | None]]
            ) -> list[tuple[int, int, str, list[str], list[str]]]:
    """Merge consecutive sizes with the same winner:
    (first size, last size, winner, sources, runners-up within :data:`TIE`)."""
    merged: list[tuple[int, int, str, list[str], list[str]]] = []
    for size, winner, result, close in best:
        if merged and merged[-1][2] == winner:
            first, _, _, sources, ties = merged[-1]
            merged[-1] = (first, size, winner, sources + [result.name],
                          ties + ([close] if close and close not in ties else []))
        else:
            merged.append((size, size, winner, [result.name], [close] if close else []))
    return merged


def _span(first: int, last: int) -> str:
    return format_size(first) if first == last else f"{format_size(first)} to {format_size(last)}"


def _fastest(rs: ResultSet, metric: str, place: str, transports: Sequence[str] = CHANNELS
             ) -> list[tuple[int, str, Result, str | None]]:
    """Per size: (size, fastest transport, its result, a runner-up within TIE or None)."""
    by_size: dict[int, list[tuple[float, str, Result]]] = {}
    for transport in transports:
        for size, result in series(rs, transport, metric, placement=place).items():
            by_size.setdefault(size, []).append((result.mean, transport, result))
    found = []
    for size, entries in sorted(by_size.items()):
        if len(entries) < 2:
            continue
        entries.sort(key=lambda entry: entry[0])
        (best_mean, winner, result), (second_mean, second, _) = entries[0], entries[1]
        found.append((size, winner, result, second if second_mean <= best_mean * TIE else None))
    return found


def _ranges_text(ranges) -> str:
    parts = []
    for first, last, winner, _, ties in ranges:
        tie = f" ({' and '.join(label(t) for t in ties)} within 10%)" if ties else ""
        parts.append(f"{label(winner)} at {_span(first, last)}{tie}")
    return "; ".join(parts)


def _crossovers(rs: ResultSet, a: str, b: str, place: str) -> list[Headline]:
    """Where ``a`` and ``b`` change places, each clearly ahead (by more than TIE) on
    either side of the crossing."""
    pa, pb = series(rs, a, placement=place), series(rs, b, placement=place)
    sizes = [s for s in pa if s in pb]
    lines: list[Headline] = []
    def clear_winner(size: int) -> bool | None:  # True: a faster by more than TIE
        ratio = pb[size].mean / pa[size].mean
        return True if ratio > TIE else False if ratio < 1 / TIE else None

    for low, high in zip(sizes, sizes[1:]):
        before, after = clear_winner(low), clear_winner(high)
        if before is not None and after is not None and before != after:
            winner, loser = (a, b) if after else (b, a)
            lines.append(Headline(
                f"{label(winner)} overtakes {label(loser)} between {format_size(low)} and "
                f"{format_size(high)} (throughput, placement {place}).",
                [pa[low].name, pb[low].name, pa[high].name, pb[high].name]))
    return lines


CROSSOVER_PAIRS = (("queue", "pipe"), ("queue", "pipe_simplex"), ("queue", "simplequeue"),
                   ("simplequeue", "pipe_simplex"), ("simplequeue", "pipe"),
                   ("pipe", "pipe_simplex"))


def headlines(rs: ResultSet) -> list[Headline]:
    lines: list[Headline] = []
    place = throughput_placement(rs)
    best = _fastest(rs, "throughput", place)
    if best:
        ranges = _ranges(best)
        text = f"Fastest channel for streaming bytes (placement {place}): {_ranges_text(ranges)}"
        sources = [n for *_, sources, _ in ranges for n in sources]
        size = _reference_size(rs, place)
        queue = _floor_share(rs, "queue", size, place) if size else None
        if size and queue:  # the first screen's line: how far from the kernel floor
            text += (f"; at {format_size(size)} a Queue reaches {100 * queue[0]:.0f}% of the "
                     f"{queue[1]}'s throughput")
            sources += queue[2]
        lines.append(Headline(text + ".", list(dict.fromkeys(sources))))
    for a, b in CROSSOVER_PAIRS:
        lines += _crossovers(rs, a, b, place)
    for p in placements(rs):
        fastest_rt = _fastest(rs, "round_trip", p)
        if fastest_rt:
            ranges = _ranges(fastest_rt)
            lines.append(Headline(f"Lowest round trip (placement {p}): {_ranges_text(ranges)}.",
                                  [n for *_, sources, _ in ranges for n in sources]))
    lines += _floor_headlines(rs, place)
    found = {t: f for t, f in fits(rs).items() if t in CHANNELS + ("os_pipe",)}
    if found:
        text = "; ".join(f"{label(t)} {f.describe()}" for t, f in found.items())
        lines.append(Headline(f"Cost per message, fitted (time = fixed + size / bandwidth, "
                              f"placement {place}; worst fit error in the table): {text}.",
                              [n for f in found.values() for n in f.sources]))
    lines += _latency_headlines(rs)
    lines += _object_headlines(rs, place)
    cpus = rs.machine.get("mpbench_usable_cpus")
    producers = [int(r.get("producers")) for r in rs.where(group=NAME, metric="throughput")]
    if cpus and producers and max(producers) + 1 > cpus:
        lines.append(Headline(f"N producers plus the consumer above {cpus} processes (the usable "
                              "CPUs) measure oversubscription."))
    return lines


def _floor_share(rs: ResultSet, transport: str, size: int,
                 place: str) -> tuple[float, str, list[str]] | None:
    """What share of its kernel floor's throughput a transport reaches at ``size``."""
    result = series(rs, transport, placement=place).get(size)
    floor = rs.floor(result) if result else None
    if result is None or floor is None:
        return None
    share = floor.mean / result.mean * messages_ratio(result, floor)
    return share, label(floor.get("transport")), [result.name, floor.name]


def _reference_size(rs: ResultSet, place: str) -> int | None:
    sizes = sorted({s for t in CHANNELS for s in series(rs, t, placement=place)})
    if not sizes:
        return None
    return min(sizes, key=lambda s: abs(math.log(s) - math.log(REFERENCE_SIZE)))


def _floor_headlines(rs: ResultSet, place: str) -> list[Headline]:
    lines: list[Headline] = []
    reference = _reference_size(rs, place)
    if reference is None:
        return lines
    smallest = min(s for t in CHANNELS for s in series(rs, t, placement=place))
    chosen = [reference] if smallest == reference else [smallest, reference]
    for size in chosen:
        parts, sources = [], []
        for transport in CHANNELS:
            found = _floor_share(rs, transport, size, place)
            if found is None:
                continue
            share, floor_label, names = found
            parts.append(f"{label(transport)} {100 * share:.0f}% of the {floor_label}")
            sources += names
        if parts:
            lines.append(Headline(f"Distance from the kernel floor at {format_size(size)} "
                                  f"(throughput, placement {place}): " + ", ".join(parts) + ".",
                                  list(dict.fromkeys(sources))))
    return lines


def _latency_headlines(rs: ResultSet) -> list[Headline]:
    lines: list[Headline] = []
    for place in placements(rs):
        parts, sources = [], []
        for transport in CHANNELS + RAW:
            points = series(rs, transport, "round_trip", placement=place)
            if not points:
                continue
            result = points[min(points)]
            values = one_way(rs, result)
            if values:
                parts.append(f"{label(transport)} {format_seconds(percentile(values, 50))} "
                             f"(p99 {format_seconds(percentile(values, 99))})")
                sources.append(result.name)
        if parts:
            size = min(size_of(rs.results[n]) for n in sources)
            lines.append(Headline(f"One-way latency of a {format_size(size)} message, median "
                                  f"(placement {place}): " + ", ".join(parts) + ".", sources))
    return lines


def _object_headlines(rs: ResultSet, place: str) -> list[Headline]:
    lines: list[Headline] = []
    for transport in ("queue", "pipe"):
        objects = series(rs, transport, payload="object", placement=place)
        plain = series(rs, transport, placement=place)
        common = [s for s in objects if s in plain]
        if not common:
            continue
        size = max(common)
        obj, raw = objects[size], plain[size]
        ratio = seconds_per_message(obj) / seconds_per_message(raw)
        lines.append(Headline(f"Through {label(transport)}, a list of ints of {format_size(size)} "
                              f"takes {ratio:.1f}x as long as bytes of that size "
                              f"({format_seconds(seconds_per_message(obj))} against "
                              f"{format_seconds(seconds_per_message(raw))}): the cost of "
                              "pickling.", [obj.name, raw.name]))
    return lines

# -- the sections --------------------------------------------------------------------

FIGURES = (figures.throughput, figures.latency, figures.round_trip_placement, figures.objects,
           figures.producers)
TABLES = (tables.fit_table, tables.throughput_table, tables.latency_table,
          tables.harness_table, tables.memory_table)
COMPARE_FIGURES = (figures.compare_throughput, figures.compare_latency)
COMPARE_TABLES = (tables.compare_fit_table,)


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The channels section of a single-file report, or None without channel results."""
    if not rs.where(group=NAME):
        return None
    return build_section(NAME, CHANNELS_GROUP.title, INTRO, rs, outdir, headlines, FIGURES,
                         TABLES)


def compare_headlines(comparison: Comparison) -> list[Headline]:
    """None: the figures and the fits side by side say it; the verdicts are the overview's."""
    return []


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Channel figures overlaid across results files, and the fits side by side."""
    if not any(rs.where(group=NAME) for rs in comparison.sets):
        return None
    return build_section(NAME, CHANNELS_GROUP.title, "", comparison, outdir, compare_headlines,
                         COMPARE_FIGURES, COMPARE_TABLES)


def fleet_row(result: Result, rs: ResultSet) -> bool:
    """The rows a fleet comparison shows: Queue and Pipe at 1 MiB, and their smallest
    same-CPU round trip."""
    if result.get("payload", "bytes") != "bytes" or result.get("producers", 1) != 1:
        return False
    if result.get("transport") not in ("queue", "pipe"):
        return False
    if result.metric == "throughput":
        return result.get("size") == 2**20
    return (result.metric == "round_trip" and result.get("placement") == "same-cpu"
            and result.get("size") == min(x.get("size") for x in rs.where(
                group="channels", metric="round_trip")))
