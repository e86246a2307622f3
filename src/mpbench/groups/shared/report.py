"""The shared group's report: its sentences, its section of a report and its section of
a comparison. The first sentence is the group's first-screen line (which way to hand a
buffer over, at which size); the others: crossovers, copies held, Value/Array, Manager
proxies, and the harness check."""

from __future__ import annotations

import functools

from mpbench.groups.shared import GROUP as SHARED
from mpbench.groups.shared import results as sd
from mpbench.groups.shared.figures import COMPARE_FIGURES, FIGURES
from mpbench.groups.shared.tables import COMPARE_TABLES, TABLES
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Headline, Section, build_section
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds, format_size

KEY = SHARED.name
TITLE = SHARED.title
INTRO = ("How long until another process holds a buffer, by Queue, send_bytes, pickle protocol "
         "5 with out-of-band buffers, SharedMemory or a fork child's copy-on-write memory, and "
         "how many copies of it exist meanwhile; what SharedMemory's own operations, a "
         "Value/Array access and a Manager proxy call cost. Every figure beside floors measured "
         "in the same run: memcpy, a raw os.pipe, a local object, a Pipe round trip. What each "
         "includes: docs/shared.md.")

COPY_METHODS = tuple(m for m in sd.METHODS if m[1] == "copy")
CROSSOVER_PAIRS = ((("shared_memory", "copy"), ("send_bytes", "copy")),
                   (("shared_memory", "copy"), ("queue", "copy")),
                   (("pickle5", "copy"), ("queue", "copy")))


def first_screen(rs: ResultSet) -> Headline | None:
    """Which method hands a copy over fastest at which size, and how far ahead of the
    fastest channel (Queue, send_bytes, pickle5) it is at the largest size."""
    series = sd.handovers(rs, methods=COPY_METHODS)
    found = sd.winners(series)
    if not found:
        return None
    parts = []
    for run in sd.winner_ranges(found):
        ties = [f"{sd.method_label(w.runner_up)} within 10% at {format_size(w.size)}"
                for w in run if w.tie]
        parts.append(f"{sd.method_label(run[0].method)} at {sd.span_text([w.size for w in run])}"
                     + (f" ({', '.join(ties)})" if ties else ""))
    last = found[-1]
    channels = [(points[last.size].mean, m, points[last.size]) for m, points in series.items()
                if m[0] in sd.CHANNEL_TRANSFERS and last.size in points]
    text = (f"Fastest way to hand a copy of a buffer to another process (bytes, placed "
            f"freely): {'; '.join(parts)}")
    sources = [w.result.name for w in found]
    if channels and last.method[0] not in sd.CHANNEL_TRANSFERS:
        mean, method, result = min(channels, key=lambda entry: entry[0])
        text += (f"; at {format_size(last.size)} {sd.method_label(last.method)} takes "
                 f"{format_seconds(last.result.mean)}, {mean / last.result.mean:.1f}x less than "
                 f"the fastest channel, {sd.method_label(method)} ({format_seconds(mean)})")
        sources.append(result.name)
    return Headline(text + ".", list(dict.fromkeys(sources)))


def crossover_line(rs: ResultSet) -> Headline | None:
    series = sd.handovers(rs)
    found = [cross for a, b in CROSSOVER_PAIRS for cross in sd.crossovers(series, a, b)]
    if not found:
        return None
    text = "; ".join(f"{sd.method_label(c.winner)} overtakes {sd.method_label(c.loser)} "
                     f"between {format_size(c.low)} and {format_size(c.high)}" for c in found)
    return Headline(f"Crossovers (hand-overs of bytes, placed freely): {text}.",
                    list(dict.fromkeys(n for c in found for n in c.sources)))


def copies_line(rs: ResultSet) -> Headline | None:
    series = sd.handovers(rs)
    held = [(m, points[max(points)]) for m, points in series.items()
            if sd.held_copies(points[max(points)]) is not None]
    if not held:
        return None
    size = max(sd.size_of(r) for _, r in held)
    held = [(m, r) for m, r in held if sd.size_of(r) == size]
    text = ", ".join(f"{sd.method_label(m)} {sd.held_copies(r):g}" for m, r in held)
    return Headline(f"Payloads held at once during a {format_size(size)} hand-over (both "
                    f"sides' peak memory over the payload): {text}.", [r.name for _, r in held])


def values_line(rs: ResultSet) -> Headline | None:
    single = {(r.get("object"), r.get("op")): r for r in sd.operations(rs, sd.VALUE_OBJECTS)
              if int(r.get("clients", 1)) == 1 and not sd.size_of(r)}
    parts, sources = [], []
    for obj in sd.VALUE_OBJECTS:
        result = single.get((obj, "get"))
        local = sd.local_of(rs, result) if result else None
        if result and local:
            parts.append(f"{obj} {format_seconds(result.mean)} "
                         f"({result.mean / local.mean:.2f}x a local attribute)")
            sources += [result.name, local.name]
    if not parts:
        return None
    text = "Reading one shared element: " + ", ".join(parts)
    contended = [r for r in sd.operations(rs, ("value",))
                 if r.get("op") == "increment" and int(r.get("clients", 1)) > 1]
    if contended:
        top = contended[-1]
        text += (f"; a locked increment from {top.get('clients')} processes "
                 f"{format_seconds(top.mean)} per increment")
        sources.append(top.name)
    return Headline(text + ".", list(dict.fromkeys(sources)))


def proxy_line(rs: ResultSet) -> Headline | None:
    sets = [r for r in sd.operations(rs, ("dict",))
            if r.get("op") == "set" and int(r.get("clients", 1)) == 1]
    parts, sources = [], []
    for result in sets:
        floor, local = rs.floor(result), sd.local_of(rs, result)
        if floor is None:
            continue
        where = "pinned to one CPU" if result.get("placement") == "same-cpu" else "placed freely"
        locals_text = f", {result.mean / local.mean:.0f} local writes" if local else ""
        parts.append(f"{format_seconds(result.mean)} {where} ({result.mean / floor.mean:.2f}x "
                     f"its Pipe round trip{locals_text})")
        sources += [result.name, floor.name] + ([local.name] if local else [])
    if not parts:
        return None
    return Headline("A Manager dict write (d[k] = 1) costs " + "; ".join(parts) + ".",
                    list(dict.fromkeys(sources)))


def harness_line(rs: ResultSet) -> Headline | None:
    pairs = sd.harness_pairs(rs)
    if not pairs:
        return None
    parts = [f"{b.mean / ref.mean:.2f}x at {format_size(sd.size_of(b))} "
             f"({sd.placement_text(b)})" for b, ref in pairs]
    return Headline("Harness check: the SharedMemory hand-over (copy) over a hand-written "
                    "minimal loop measured in the same run: " + ", ".join(parts) + ".",
                    [name for pair in pairs for name in (pair[0].name, pair[1].name)])


def headlines(rs: ResultSet) -> list[Headline]:
    """The section's sentences, the first-screen line first."""
    lines = [first_screen(rs), crossover_line(rs), copies_line(rs), values_line(rs),
             proxy_line(rs), harness_line(rs)]
    return [line for line in lines if line]


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The shared section, or None when the results hold no shared benchmark."""
    if not rs.where(group=sd.GROUP):
        return None
    return build_section(KEY, TITLE, INTRO, rs, outdir, headlines, FIGURES, TABLES)


def compare_headlines(comparison: Comparison) -> list[Headline]:
    """None: in a comparison the section's tables carry the verdicts."""
    return []


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Shared figures overlaid across results files, and the overview's verdicts by method
    and size for each candidate; None when no file holds a shared benchmark."""
    if not any(rs.where(group=sd.GROUP) for rs in comparison.sets):
        return None
    tables = [functools.partial(make, candidate=i)
              for i in range(len(comparison.candidates)) for make in COMPARE_TABLES]
    return build_section(KEY, TITLE, "", comparison, outdir, compare_headlines,
                         COMPARE_FIGURES, tables)
