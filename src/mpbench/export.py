"""``mpbench export RESULTS --format F``: results for the dashboards teams already run.

- ``bencher``: Bencher Metric Format (BMF) JSON, ``{benchmark: {measure: {value,
  lower_value, upper_value}}}``. Every benchmark reports the built-in
  ``latency`` measure, in nanoseconds (Bencher's unit for it): the mean, and
  the mean minus and plus one standard deviation as lower and upper values.
- ``github-action-benchmark``: the ``customSmallerIsBetter`` input, a list of
  ``{name, unit, value, range, extra}``; value in ``ns``, range
  ``± <std dev>``, extra naming the machine and the run.
- ``csv``: one row per benchmark, its statistics, then every ``mpbench_*``
  parameter as a column (machine and run keys last), for a spreadsheet or pandas.

Each reads a results file the way ``mpbench report`` does (bad files are
refused in one line) and writes its output atomically, into a new file unless
``--force`` (a regular file only; never the results file or its samples file).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from typing import TYPE_CHECKING, Any, Callable

from mpbench.atomic import atomic_write_text
from mpbench.errors import UsageError

if TYPE_CHECKING:  # the command line imports FORMATS: pyperf only when exporting
    from mpbench.reporting.data import Result, ResultSet

NS = 1e9
FORMATS = ("bencher", "github-action-benchmark", "csv")
BENCHER_MEASURE = "latency"  # a built-in Bencher measure, in nanoseconds
STAT_COLUMNS = ("benchmark", "group", "metric", "mean_s", "stdev_s", "median_s", "min_s",
                "max_s", "values", "runs", "floor", "ratio_to_floor")


def _ns(seconds: float) -> float:
    return round(seconds * NS, 3)


def machine_line(rs: ResultSet) -> str:
    """``host, CPython 3.12.1, 2 usable CPUs, vm=kvm, mode fast``: where the numbers come from."""
    md = rs.machine
    parts = [str(md.get("hostname", "?")), str(md.get("mpbench_python", "?")),
             f"{md.get('mpbench_usable_cpus', '?')} usable CPUs",
             str(md.get("mpbench_virtualization", "?")), f"mode {md.get('mpbench_mode', '?')}"]
    if md.get("cpu_model_name"):
        parts.insert(1, str(md["cpu_model_name"]))
    return ", ".join(parts)


def to_bencher(rs: ResultSet) -> dict[str, dict[str, dict[str, float]]]:
    """Bencher Metric Format: benchmark -> ``latency`` -> value, lower_value, upper_value (ns)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, result in rs.results.items():
        mean, stdev = result.mean, result.stdev
        out[name] = {BENCHER_MEASURE: {"value": _ns(mean),
                                       "lower_value": _ns(max(mean - stdev, 0.0)),
                                       "upper_value": _ns(mean + stdev)}}
    return out


def to_github_action_benchmark(rs: ResultSet) -> list[dict[str, Any]]:
    """github-action-benchmark's ``customSmallerIsBetter`` list (value in ns)."""
    extra_machine = machine_line(rs)
    entries = []
    for name, result in rs.results.items():
        extra = f"{extra_machine}; {len(result.values)} values"
        floor = rs.floor(result)
        if floor is not None:
            extra += f"; {result.mean / floor.mean:.2f}x floor {floor.name}"
        entries.append({"name": name, "unit": "ns", "value": _ns(result.mean),
                        "range": f"± {_ns(result.stdev):g}", "extra": extra})
    return entries


def _stats_row(rs: ResultSet, result: Result) -> dict[str, Any]:
    floor = rs.floor(result)
    return {"benchmark": result.name, "group": result.group, "metric": result.metric,
            "mean_s": repr(result.mean), "stdev_s": repr(result.stdev),
            "median_s": repr(result.median), "min_s": repr(min(result.values)),
            "max_s": repr(max(result.values)), "values": len(result.values),
            "runs": sum(1 for run in result.bench.get_runs() if run.values),
            "floor": floor.name if floor is not None else "",
            "ratio_to_floor": f"{result.mean / floor.mean:.6g}" if floor is not None else ""}


def to_csv(rs: ResultSet) -> str:
    """One row per benchmark: statistics, then ``mpbench_*`` parameters, then machine keys."""
    from mpbench.reporting.data import MACHINE_KEYS

    machine_keys = [key for key in MACHINE_KEYS if key in rs.machine]
    params: list[str] = []
    for result in rs.results.values():
        for key in result.md:
            if (key.startswith("mpbench_") and key not in machine_keys
                    and key not in params and not _is_run_key(key)):
                params.append(key)
    columns = (list(STAT_COLUMNS) + [_column(key) for key in params]
               + [_column(key) for key in machine_keys])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for result in rs.results.values():
        row = _stats_row(rs, result)
        row.update({_column(key): result.md.get(key, "") for key in params})
        row.update({_column(key): rs.machine.get(key, "") for key in machine_keys})
        writer.writerow({key: _inert(value) for key, value in row.items()})
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (``=HYPERLINK(...)``), quoted
    with a leading ``'`` (OWASP's advice); numbers are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
        return value
    except ValueError:
        return "'" + value


def _column(key: str) -> str:
    return key[len("mpbench_"):] if key.startswith("mpbench_") else key


def _is_run_key(key: str) -> bool:
    """Keys already among the statistics, or run-wide ones of no use per row."""
    return key in ("mpbench_group", "mpbench_metric", "mpbench_floor",
                   "mpbench_results_layout", "mpbench_command", "mpbench_affinity",
                   "mpbench_cpu_count", "mpbench_cgroup_cpu_quota")


RENDERERS: dict[str, Callable[[ResultSet], str]] = {
    "bencher": lambda rs: json.dumps(to_bencher(rs), indent=1) + "\n",
    "github-action-benchmark": lambda rs: json.dumps(to_github_action_benchmark(rs),
                                                     indent=1) + "\n",
    "csv": to_csv,
}


def _own_files(results: str) -> dict[str, str]:
    """The paths an export must never write: the results file and its samples file."""
    from mpbench.samples import samples_path

    return {os.path.realpath(results): "the results file being exported",
            os.path.realpath(samples_path(results)): "the samples file of the results exported"}


def check_output(output: str, results: str = "", force: bool = False) -> None:
    """Refuse a target we must not write, before reading anything: the results
    file itself or its samples file, an existing file (unless ``force``), and
    anything but a regular file (a device, a link, a pipe, a folder), ever."""
    what = _own_files(results).get(os.path.realpath(output)) if results else None
    if what:
        raise UsageError(f"-o {output}: that is {what}")
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"-o {output}: {exc.strerror}") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise UsageError(f"-o {output}: is a directory")
        if not stat.S_ISREG(mode):
            raise UsageError(f"-o {output}: not a regular file (a link, a device...); "
                             "name a new file, or leave -o out for standard output")
        if not force:
            raise UsageError(f"-o {output}: already exists (--force replaces it)")
    parent = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(parent):
        raise UsageError(f"-o {output}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"-o {output}: directory {parent} is not writable")


def export(path: str, fmt: str, output: str | None, force: bool = False) -> int:
    """Write ``path`` in format ``fmt`` to ``output`` (atomically; an existing file
    only with ``force``), or to stdout for ``None`` or ``-``."""
    if fmt not in RENDERERS:
        raise UsageError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    target = None if output == "-" else output  # None: stdout
    if target is not None:
        check_output(target, path, force)
    elif sys.stdout is None:
        raise UsageError("standard output is closed: give -o FILE")
    from mpbench.reporting.data import load

    text = RENDERERS[fmt](load(path))
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    check_output(target, path, force)  # again: loading took a moment
    try:
        atomic_write_text(target, text, replace=force)
    except FileExistsError:
        raise UsageError(f"-o {output}: appeared while exporting; left alone") from None
    print(f"wrote {output} ({fmt}, {text.count(chr(10))} lines)", file=sys.stderr)
    return 0
