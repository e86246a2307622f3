"""Results files as the report sees them: benchmarks with their metadata and statistics."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

import pyperf

from mpbench import samples as samples_mod
from mpbench.errors import UsageError
from mpbench.reporting.validate import check_benchmark, check_samples
from mpbench.results import bench_metadata, load_suite

KNOWN_LAYOUT = 1
MACHINE_KEYS = ("mpbench_python", "mpbench_free_threaded", "mpbench_gil_disabled",
                "cpu_model_name", "mpbench_usable_cpus", "mpbench_cpu_count", "mpbench_affinity",
                "mpbench_cgroup_cpu_quota", "mpbench_mem_total",
                "mpbench_kernel", "mpbench_os", "mpbench_machine", "mpbench_virtualization",
                "mpbench_default_start_method", "mpbench_start_methods", "hostname",
                "mpbench_mode", "mpbench_version")


@dataclass
class Result:
    """One benchmark of a results file."""

    name: str
    md: dict[str, Any]
    values: list[float]
    bench: pyperf.Benchmark

    @property
    def mean(self) -> float:
        return self.bench.mean()

    @property
    def stdev(self) -> float:
        return self.bench.stdev() if len(self.values) >= 2 else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def group(self) -> str:
        return str(self.md.get("mpbench_group", ""))

    @property
    def metric(self) -> str:
        return str(self.md.get("mpbench_metric", ""))

    @property
    def is_floor(self) -> bool:
        return bool(self.md.get("mpbench_is_floor"))

    @property
    def floor_name(self) -> str | None:
        floor = self.md.get("mpbench_floor")
        return None if floor is None else str(floor)

    def get(self, key: str, default: Any = None) -> Any:
        """Metadata value ``mpbench_<key>``."""
        return self.md.get(f"mpbench_{key}", default)


@dataclass
class ResultSet:
    """A results file, its benchmarks by name, and its samples document if any."""

    path: str
    results: dict[str, Result]
    samples: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def machine(self) -> dict[str, Any]:
        """What describes the machine and run (same on every benchmark)."""
        first = next(iter(self.results.values()))
        return {key: first.md[key] for key in MACHINE_KEYS if key in first.md}

    def find(self, predicate: Callable[[Result], bool]) -> list[Result]:
        return [result for result in self.results.values() if predicate(result)]

    def where(self, **criteria: Any) -> list[Result]:
        """Results whose ``mpbench_<key>`` metadata equals each given value
        (``group=`` and ``metric=`` included)."""
        def matches(result: Result) -> bool:
            return all(result.md.get(f"mpbench_{key}") == value for key, value in criteria.items())
        return self.find(matches)

    def one(self, **criteria: Any) -> Result | None:
        found = self.where(**criteria)
        return found[0] if found else None

    def floor(self, result: Result) -> Result | None:
        return self.results.get(result.floor_name) if result.floor_name else None

    def ratio_to_floor(self, result: Result) -> float | None:
        floor = self.floor(result)
        return result.mean / floor.mean if floor else None

    def groups(self) -> list[str]:
        seen: list[str] = []
        for result in self.results.values():
            if result.group not in seen:
                seen.append(result.group)
        return seen

    def bench_samples(self, name: str) -> dict[str, Any]:
        """The samples kept for benchmark ``name`` (empty when none)."""
        return self.samples.get("benchmarks", {}).get(name, {})


def load(path: str) -> ResultSet:
    """Load a results file (and its samples file when present), checking its layout."""
    suite = load_suite(path)
    results: dict[str, Result] = {}
    for bench in suite:
        md = bench_metadata(bench)
        layout = md.get("mpbench_results_layout")
        if layout is None:
            raise UsageError(f"{path}: written by an older mpbench (no results layout "
                             "version); re-run 'mpbench run' to get a file this report reads")
        if not isinstance(layout, int) or layout > KNOWN_LAYOUT:
            raise UsageError(f"{path}: results layout {layout} is newer than this mpbench "
                             f"understands ({KNOWN_LAYOUT}); upgrade mpbench")
        check_benchmark(path, bench.get_name(), md, list(bench.get_values()))
        results[bench.get_name()] = Result(bench.get_name(), md, bench.get_values(), bench)
    samples: dict[str, Any] = {}
    samples_path = samples_mod.samples_path(path)
    if os.path.exists(samples_path):
        try:
            samples = samples_mod.load(samples_path)
        except RecursionError:
            raise UsageError(f"{samples_path}: unreadable samples file (JSON nested too "
                             "deeply)") from None
        except (OSError, ValueError) as exc:
            raise UsageError(f"{samples_path}: unreadable samples file ({exc})") from None
        check_samples(samples_path, samples)
    return ResultSet(os.path.abspath(path), results, samples)


def label_sets(sets: Iterable[ResultSet]) -> list[ResultSet]:
    """Give each set a short distinct label: host and Python, file name when needed."""
    sets = list(sets)
    for rs in sets:
        md = next(iter(rs.results.values())).md
        python = str(md.get("python_version", md.get("mpbench_python", "?"))).split(" ")[0]
        rs.label = f"{md.get('hostname', 'host')} py{python}"
    labels = [rs.label for rs in sets]
    for rs in sets:
        if labels.count(rs.label) > 1:
            rs.label = os.path.splitext(os.path.basename(rs.path))[0]
    labels = [rs.label for rs in sets]
    for index, rs in enumerate(sets):
        if labels.count(rs.label) > 1:
            rs.label = f"{rs.label} #{index + 1}"
    return sets
