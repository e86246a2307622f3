"""The process headlines: the cheapest start method, each against its floor, spawn layer by
layer, fork against the parent's memory, a cold forkserver, oversubscription."""

from __future__ import annotations

from mpbench.groups.process.results import GROUP, memory_series, methods, plain, spawn_breakdown
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Headline
from mpbench.units import format_seconds, format_size


def headlines(rs: ResultSet) -> list[Headline]:
    lines: list[Headline] = []
    ranked = sorted((r.mean, m, r) for m in methods(rs) if (r := plain(rs, "start_join", m)))
    if ranked:
        best_mean, best, best_r = ranked[0]
        others = ", ".join(f"{m} {format_seconds(mean)} ({mean / best_mean:.1f}x)"
                           for mean, m, _ in ranked[1:])
        lines.append(Headline(f"Cheapest start method: {best}, {format_seconds(best_mean)} per "
                              f"process start+join" + (f"; {others}" if others else "") + ".",
                              [r.name for _, _, r in ranked]))
        for mean, method, result in ranked:
            floor = rs.floor(result)
            if floor:
                lines.append(Headline(f"{method} costs {mean / floor.mean:.2f}x its floor "
                                      f"({format_seconds(floor.mean)}).",
                                      [result.name, floor.name]))
    parts = spawn_breakdown(rs)
    if parts:
        text = "; ".join(f"{label} {format_seconds(seconds)}" for label, seconds, _ in parts)
        lines.append(Headline(f"Spawn, layer by layer: {text}.", [p[2] for p in parts]))
    memory = memory_series(rs, method="fork")
    if len(memory) >= 2:
        (m0, r0), (m1, r1) = list(memory.items())[0], list(memory.items())[-1]
        per_gib = (r1.mean - r0.mean) / ((m1 - m0) / 2**30)
        lines.append(Headline(f"fork with {format_size(m1)} of touched parent memory takes "
                              f"{format_seconds(r1.mean)} ({r1.mean / r0.mean:.1f}x a small "
                              f"parent): about {format_seconds(per_gib)} per GiB.",
                              [r0.name, r1.name]))
    cold = rs.one(group=GROUP, forkserver="cold")
    warm = plain(rs, "start_join", "forkserver")
    if cold and warm:
        lines.append(Headline(f"A program's first forkserver process pays "
                              f"{format_seconds(cold.mean)} (the server boots) against "
                              f"{format_seconds(warm.mean)} once it runs.", [cold.name, warm.name]))
    cpus = rs.machine.get("mpbench_usable_cpus")
    top = max((int(r.get("nprocs")) for r in rs.where(group=GROUP, metric="start_join")),
              default=0)
    if cpus and top > cpus:
        lines.append(Headline(f"N above {cpus} (the usable CPUs) measures oversubscription."))
    return lines
