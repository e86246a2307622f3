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
REQUIRED_BY_GROUP = {
    "process": ("mpbench_nprocs", "mpbench_operation"),
    "channels": ("mpbench_size", "mpbench_producers", "mpbench_transport", "mpbench_messages",
                 "mpbench_payload", "mpbench_placement"),
    "sync": ("mpbench_nprocs", "mpbench_operation", "mpbench_primitive"),
}


def _type_ok(value: Any, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if isinstance(value, bool):
        return False
    if kind == INT:
        return isinstance(value, int)
    return isinstance(value, (int, float)) and math.isfinite(value)


def check_benchmark(path: str, name: str, md: dict[str, Any], values: list) -> None:
    """Raise :class:`UsageError` on the first problem of benchmark ``name``."""
    where = f"{path}: benchmark {name}"
    if not values:
        raise UsageError(f"{where}: no values (edited or truncated results?)")
    if any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
        raise UsageError(f"{where}: a value is not a finite number")
    for key in REQUIRED + REQUIRED_BY_GROUP.get(str(md.get("mpbench_group")), ()):
        if key not in md:
            raise UsageError(f"{where}: metadata {key} is missing")
    for key, (kind, minimum) in SCHEMA.items():
        if key not in md:
            continue
        value = md[key]
        if not _type_ok(value, kind):
            article = "an" if kind == INT else "a"
            raise UsageError(f"{where}: metadata {key} is {value!r}, expected {article} {kind}")
        if minimum is not None and value < minimum:
            raise UsageError(f"{where}: metadata {key} is {value!r}, expected at least "
                             f"{minimum:g}")
