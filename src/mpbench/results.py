"""Reading results files: pyperf suites whose benchmarks carry ``mpbench_*`` metadata."""

from __future__ import annotations

import json
import os
from typing import Any

import pyperf

from mpbench.errors import UsageError


def bench_metadata(bench: pyperf.Benchmark) -> dict[str, Any]:
    """A benchmark's metadata: common to all runs, completed by its first run's."""
    runs = bench.get_runs()
    first = runs[0].get_metadata() if runs else {}
    return {**first, **bench.get_metadata()}


def load_suite(path: str) -> pyperf.BenchmarkSuite:
    """Load an mpbench results file, or raise :class:`UsageError` saying why not."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a directory, not a results file")
    if os.path.getsize(path) == 0:
        raise UsageError(f"{path}: empty file")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from None
    except RecursionError:
        raise UsageError(f"{path}: JSON nested too deeply to be a results file") from None
    if not isinstance(data, dict) or "benchmarks" not in data or "version" not in data:
        raise UsageError(f"{path}: JSON, but not a pyperf results file")
    try:
        suite = pyperf.BenchmarkSuite.load(path)
    except Exception as exc:  # pyperf raises ValueError, KeyError, TypeError...
        raise UsageError(f"{path}: not a readable pyperf results file ({exc})") from None
    if not any("mpbench_group" in bench_metadata(bench) for bench in suite):
        raise UsageError(f"{path}: pyperf results, but not from mpbench "
                         "(no mpbench_group metadata)")
    return suite
