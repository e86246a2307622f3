"""Check, when a results file is loaded, the metadata the report relies on.

A results file is JSON anyone can edit: a report must not crash halfway (and
leave an empty folder) on ``"mpbench_nprocs": "abc"``. Every key below that a
benchmark carries must have its type (and be at least its minimum), the keys
its group always carries must be there, and every benchmark must have values. The first
problem is one line naming the file, the benchmark and the key (exit status 2), before any
output is created.
"""

from __future__ import annotations

import math
from typing import Any

from mpbench.errors import UsageError
from mpbench.groups import GROUPS

# key -> (type, minimum or None). Integers are counts and sizes; numbers may
# be int or float.
INT, NUMBER, TEXT = "integer", "number", "string"
SCHEMA: dict[str, tuple[str, float | None]] = {
    "mpbench_group": (TEXT, None),
    "mpbench_metric": (TEXT, None),
    "mpbench_results_layout": (INT, 1),
    **{f"mpbench_{key}": (INT, 1) for key in (
        "nprocs", "producers", "processes", "slots", "threads", "size", "messages", "ops",
        "usable_cpus", "cpu_count", "worker_cpus", "queue_maxsize", "pickled_size")},
    **{f"mpbench_{key}": (INT, 0) for key in (
        "is_floor", "oversubscribed", "parent_touched", "parent_rss", "base_rss", "peak_rss",
        "mem_total", "cpu", "critical_iters", "think_iters", "clock_overhead_ns")},
    **{f"mpbench_{key}": (NUMBER, 0) for key in (
        "critical_us", "think_us", "perf_fixed", "spin_call_ns", "spin_iteration_ns")},
    **{f"mpbench_{key}": (TEXT, None) for key in (
        "floor", "method", "operation", "placement", "transport", "payload", "primitive",
        "notify", "forkserver", "startup_mode", "api", "python", "mode", "version",
        "virtualization", "default_start_method", "start_methods", "affinity",
        "cgroup_cpu_quota", "kernel", "os", "machine", "command")},
}
REQUIRED = ("mpbench_group", "mpbench_metric")
# What every benchmark of a group carries (the catalogue sets it) and the
# report reads without a default.
REQUIRED_BY_GROUP = {group.name: group.required_metadata for group in GROUPS}


# Every number read is at most this large (exactly representable as a float:
# sizes and counts convert without OverflowError), and every value (seconds)
# lies between a picosecond and about eleven days: a ratio or a logarithm of
# two of them is always a finite float (5e-324 s would make a floor "infx").
MAX_MAGNITUDE = 2**53
MIN_VALUE, MAX_VALUE = 1e-12, 1e6


def number_ok(value: Any, limit: float = MAX_MAGNITUDE) -> bool:
    """An int or a finite float (not a bool) of magnitude at most ``limit``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return abs(value) <= limit


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_ok(value: Any, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and number_ok(value)
    return number_ok(value)


def check_benchmark(path: str, name: str, md: dict[str, Any], values: list) -> None:
    """Raise :class:`UsageError` on the first problem of benchmark ``name``."""
    where = f"{path}: benchmark {name}"
    if not values:
        raise UsageError(f"{where}: no values (edited or truncated results?)")
    if any(not number_ok(v, MAX_VALUE) or v < MIN_VALUE for v in values):
        raise UsageError(f"{where}: a value is not a number of seconds between "
                         f"{MIN_VALUE:g} and {MAX_VALUE:g}")
    for key in REQUIRED + REQUIRED_BY_GROUP.get(str(md.get("mpbench_group")), ()):
        if key not in md:
            raise UsageError(f"{where}: metadata {key} is missing")
    for key, (kind, minimum) in SCHEMA.items():
        if key not in md:
            continue
        value = md[key]
        if not _type_ok(value, kind):
            article = "an" if kind == INT else "a"
            raise UsageError(f"{where}: metadata {key} is {_short(value)}, expected {article} "
                             f"{kind}" + ("" if kind == TEXT else " of at most 2**53"))
        if minimum is not None and value < minimum:
            raise UsageError(f"{where}: metadata {key} is {_short(value)}, expected at least "
                             f"{minimum:g}")


def _info_value_ok(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool)) or number_ok(value):
        return True
    return isinstance(value, list) and all(number_ok(item) for item in value)


def check_samples(path: str, document: dict[str, Any]) -> None:
    """Raise :class:`UsageError` on the first problem of a samples document: the
    shapes the report reads (``benchmarks`` -> name -> ``series`` lists of numbers,
    ``info`` entries of numbers, ``kept_every`` counts)."""
    benchmarks = document.get("benchmarks")
    if not isinstance(benchmarks, dict):
        raise UsageError(f"{path}: \"benchmarks\" is {type(benchmarks).__name__}, "
                         "expected an object")
    for name, bench in benchmarks.items():
        where = f"{path}: benchmark {name}"
        if not isinstance(bench, dict):
            raise UsageError(f"{where}: expected an object")
        series = bench.get("series", {})
        if not isinstance(series, dict) or not all(
                isinstance(values, list) and all(number_ok(v) for v in values)
                for values in series.values()):
            raise UsageError(f"{where}: \"series\" must map names to lists of numbers")
        info = bench.get("info", [])
        if not isinstance(info, list) or not all(
                isinstance(entry, dict) and all(_info_value_ok(v) for v in entry.values())
                for entry in info):
            raise UsageError(f"{where}: \"info\" must be a list of objects of numbers")
        kept = bench.get("kept_every", {})
        if not isinstance(kept, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_MAGNITUDE
                for n in kept.values()):
            raise UsageError(f"{where}: \"kept_every\" must map names to counts")
