"""The pool group's report: its headlines (the first is the group's first-screen line),
its section of a report and its section of a comparison."""

from __future__ import annotations

from mpbench.groups.pool import GROUP as POOL
from mpbench.groups.pool import figures, tables
from mpbench.groups.pool import results as pd
from mpbench.reporting.data import Result, ResultSet
from mpbench.reporting.tables import Headline, Section, build_section
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

INTRO = ("What Pool and ProcessPoolExecutor cost per start method and worker count W: a "
         "pool's start-up and shutdown, the dispatch cost of each task per API and chunksize "
         "beside a minimal forked pool on raw pipes, and how long a task must be before a pool "
         "beats a plain loop, all measured in the same run. docs/pool.md says what each figure "
         "includes.")
FIGURES = (figures.fig_dispatch, figures.fig_startup, figures.fig_break_even)
TABLES = (tables.recommendations, tables.dispatch_table, tables.startup_table,
          tables.break_even_table, tables.payload_table, tables.imap_table,
          tables.harness_table)
COMPARE_FIGURES = (figures.fig_compare_dispatch,)
COMPARE_TABLES = (tables.delta_table,)


def _life_text(rs: ResultSet, workers: int) -> Headline | None:
    lives = pd.lifecycle(rs, "lifetime", "pool")
    found = [(m, lives[(m, workers)]) for m in pd.methods(rs) if (m, workers) in lives]
    if not found:
        return None
    text = ", ".join(f"{format_seconds(r.mean)} with {m}" for m, r in found)
    return Headline(f"a Pool({workers}) lives {text}", [r.name for _, r in found])


def first_screen(rs: ResultSet) -> Headline | None:
    """One sentence: per-task dispatch at chunksize 1 and the largest, the task length
    at which W workers reach half their ideal speed-up, and a pool's lifetime."""
    found = pd.advise(rs)
    parts: list[str] = []
    sources: list[str] = []
    workers = found.setting[1] if found else 2
    if found:
        method = found.setting[0]
        by_chunk = {c.chunksize: c.dispatch for c in found.chunks}
        one: Result | None = by_chunk.get(1)
        big = max((c for c in found.chunks if not c.default), key=lambda c: c.chunksize,
                  default=None)
        if one is not None:
            text = f"Pool.map costs {format_seconds(one.mean)} per task at chunksize 1"
            sources.append(one.name)
            if big is not None and big.chunksize != 1:
                text += (f" and {format_seconds(big.dispatch.mean)} at {big.chunksize}")
                sources.append(big.dispatch.name)
            parts.append(text + f" ({method}, W={workers})")
        cross = found.measured
        if cross is not None and cross.where == "between" and cross.task_us:
            parts.append(f"{workers} workers reach half their ideal speed-up only for tasks of "
                         f"~{format_seconds(cross.task_us * 1e-6)} (interpolated between "
                         f"{cross.points[0].task_us:g} and {cross.points[-1].task_us:g} us)")
            sources += [p.pool.name for p in cross.points]
        elif cross is not None and cross.where == "above":
            parts.append(f"{workers} workers never reach half their ideal speed-up up to "
                         f"{cross.points[-1].task_us:g} us tasks")
            sources.append(cross.points[-1].pool.name)
    life = _life_text(rs, workers)
    if life is not None:
        parts.append(life.text)
        sources += life.sources
    if not parts:
        return None
    return Headline("Pools: " + "; ".join(parts) + ".", sources)


def harness_line(rs: ResultSet) -> Headline | None:
    pairs = pd.harness_pairs(rs)
    if not pairs:
        return None
    text = ", ".join(f"{r.mean / ref.mean:.2f}x ({r.get('method')})" for r, ref in pairs)
    return Headline(f"Harness check, pool: Pool.map chunksize 1 is {text} a bare Pool.map loop "
                    "on the same kind of pool, same run.",
                    [n for r, ref in pairs for n in (r.name, ref.name)])


def executor_line(rs: ResultSet) -> Headline | None:
    setting = pd.main_setting(rs)
    if setting is None:
        return None
    pool = pd.dispatch_at(rs, "map", 1, *setting)
    submit = pd.dispatch_at(rs, "submit", None, *setting)
    if pool is None or submit is None:
        return None
    return Headline(f"ProcessPoolExecutor.submit costs {format_seconds(submit.mean)} per task, "
                    f"{submit.mean / pool.mean:.1f}x Pool.map at chunksize 1 "
                    f"({pd.setting_text(setting)}).", [submit.name, pool.name])


def imap_line(rs: ResultSet) -> Headline | None:
    found = pd.concurrent_imap(rs)
    if not found:
        return None
    text = ", ".join(f"{m} {format_seconds(r.mean)}" for m, r in found.items())
    return Headline(f"pyperformance's concurrent_imap (pool creation included): {text}.",
                    [r.name for r in found.values()])


def oversubscribed_line(rs: ResultSet) -> Headline | None:
    cpus = pd.usable_cpus(rs)
    top = max((int(r.get("workers")) for r in rs.where(group=pd.NAME) if r.get("workers")),
              default=0)
    if cpus and top > cpus:
        return Headline(f"Pools of more than {cpus} workers (the usable CPUs) measure "
                        "oversubscription.")
    return None


def headlines(rs: ResultSet) -> list[Headline]:
    lines = [first_screen(rs), harness_line(rs), executor_line(rs), imap_line(rs),
             oversubscribed_line(rs)]
    return [line for line in lines if line is not None]


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The pool section, or None when the results hold no pool benchmark."""
    if not pd.has_pool(rs):
        return None
    return build_section("pool", POOL.title, INTRO, rs, outdir, headlines, FIGURES, TABLES)


# -- the comparison ---------------------------------------------------------------------

def compare_headlines(comparison: Comparison) -> list[Headline]:
    """Pool.map per task at chunksize 1, the reference's main setting, per candidate."""
    sets, found = comparison.sets, comparison.verdicts
    setting = pd.main_setting(sets[0])
    if not found or setting is None:
        return []
    one = pd.dispatch_at(sets[0], "map", 1, *setting)
    if one is None or one.name not in found[0]:
        return []
    parts = [f"{side.label} {v[one.name].describe()}"
             for side, v in zip(comparison.candidates, found)]
    return [Headline(f"Pool.map per task at chunksize 1 ({pd.setting_text(setting)}), against "
                     f"{comparison.reference.label} "
                     f"({format_seconds(found[0][one.name].ref_mean)}): " + "; ".join(parts)
                     + ".", [one.name])]


def compare_section(comparison: Comparison, outdir: str) -> Section | None:
    """Pool figures across results files, with the overview's verdicts on the key figures."""
    if not any(pd.has_pool(rs) for rs in comparison.sets):
        return None
    return build_section("pool", POOL.title, "", comparison, outdir, compare_headlines,
                         COMPARE_FIGURES, COMPARE_TABLES)
