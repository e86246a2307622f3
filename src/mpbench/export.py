"""``mpbench export RESULTS... --format F``: results for the dashboards teams already run.

- ``bencher``: Bencher Metric Format (BMF) JSON, ``{benchmark: {measure: {value,
  lower_value, upper_value}}}``, in Bencher's built-in measures: ``throughput``
  (operations per second: messages or copies a second) for the ``*.throughput``
  benchmarks, ``latency`` (nanoseconds per operation) for every other one; the bounds are
  the mean minus and plus one standard deviation of the time, converted the same way.
- ``github-action-benchmark``: the ``customSmallerIsBetter`` input, a list of
  ``{name, unit, value, range, extra}``; value in ``ns``, range ``± <std dev>``, extra
  naming the machine and the run.
- ``csv``: one row per benchmark: its statistics, a column per parameter its name
  carries (``size``, ``placement``...: only those present), then the machine.

Several results files go into one export. Names get ``--name-prefix``; by default, when
the files come from several machines, each machine's name (``host/``), and from one
machine, each file's own label, so a matrix of runners needs no ``name:`` each. Samples
files given beside their results file (a ``results/*.json`` glob) are skipped.

Each reads a results file the way ``mpbench report`` does (bad files are refused in one
line) and writes its output atomically, into a new file unless ``--force`` (a regular
file only; never a results file or its samples file).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable

from mpbench.atomic import atomic_write_text
from mpbench.errors import UsageError

if TYPE_CHECKING:  # the command line imports FORMATS: pyperf only when exporting
    from mpbench.reporting.data import Result, ResultSet

NS = 1e9
FORMATS = ("bencher", "github-action-benchmark", "csv")
LATENCY, THROUGHPUT = "latency", "throughput"  # Bencher's built-in measures: ns, ops/s
STAT_COLUMNS = ("benchmark", "group", "metric", "mean_s", "stdev_s", "median_s", "min_s",
                "max_s", "values", "runs", "floor", "ratio_to_floor")
MACHINE_COLUMNS = ("hostname", "mpbench_python", "mpbench_mode", "cpu_model_name",
                   "mpbench_usable_cpus", "mpbench_virtualization", "mpbench_kernel")
# bookkeeping, never a parameter: the floor is a column already, argv is a command line
NOT_PARAMETERS = ("mpbench_floor", "mpbench_reference", "mpbench_argv", "mpbench_group",
                  "mpbench_metric")
PARAMETERS = re.compile(r"\[(.*)\]$")

Named = tuple[str, "ResultSet"]  # (name prefix, results)


MAX_PREFIX = 100


def parse_name_prefix(text: str) -> str:
    """``--name-prefix``: printable text of at most :data:`MAX_PREFIX` characters."""
    if len(text) > MAX_PREFIX:
        raise UsageError(f"at most {MAX_PREFIX} characters, got {len(text)}")
    if not text.isprintable():
        raise UsageError(f"{text!r} holds a control character")
    return text


def _ns(seconds: float) -> float:
    return round(seconds * NS, 3)


def _per_second(seconds: float) -> float:
    return float(f"{1.0 / seconds:.6g}")


def machine_line(rs: ResultSet) -> str:
    """``host, CPython 3.12.1, 2 usable CPUs, vm=kvm, mode fast``: where the numbers come from."""
    md = rs.machine
    parts = [str(md.get("hostname", "?")), str(md.get("mpbench_python", "?")),
             f"{md.get('mpbench_usable_cpus', '?')} usable CPUs",
             str(md.get("mpbench_virtualization", "?")), f"mode {md.get('mpbench_mode', '?')}"]
    if md.get("cpu_model_name"):
        parts.insert(1, str(md["cpu_model_name"]))
    return ", ".join(parts)


def name_prefixes(sets: Sequence[ResultSet], prefix: str | None) -> list[Named]:
    """Each results set with the prefix its benchmark names get: ``prefix`` for all, else
    (several files) the machine's name when they come from several machines, each file's
    label when from one; nothing for a single file."""
    if prefix is not None:
        return [(prefix, rs) for rs in sets]
    if len(sets) == 1:
        return [("", sets[0])]
    hosts = [str(rs.machine.get("hostname", "?")) for rs in sets]
    if len(set(hosts)) == len(sets):
        return [(host + "/", rs) for host, rs in zip(hosts, sets)]
    return [(rs.label.replace(" ", "-") + "/", rs) for rs in sets]


def measure(result: Result) -> tuple[str, dict[str, float]]:
    """The Bencher measure of one benchmark and its value with bounds (one standard
    deviation of the time either side, converted: a longer time is less throughput)."""
    mean, stdev = result.mean, result.stdev
    if result.metric == THROUGHPUT:
        bounds = {"value": _per_second(mean), "lower_value": _per_second(mean + stdev)}
        if mean > stdev:
            bounds["upper_value"] = _per_second(mean - stdev)
        return THROUGHPUT, bounds
    return LATENCY, {"value": _ns(mean), "lower_value": _ns(max(mean - stdev, 0.0)),
                     "upper_value": _ns(mean + stdev)}


def to_bencher(named: Sequence[Named]) -> dict[str, dict[str, dict[str, float]]]:
    """Bencher Metric Format: benchmark -> ``throughput`` (ops/s) or ``latency`` (ns)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for prefix, rs in named:
        for name, result in rs.results.items():
            kind, values = measure(result)
            out[prefix + name] = {kind: values}
    return out


def to_github_action_benchmark(named: Sequence[Named]) -> list[dict[str, Any]]:
    """github-action-benchmark's ``customSmallerIsBetter`` list (value in ns)."""
    entries = []
    for prefix, rs in named:
        extra_machine = machine_line(rs)
        for name, result in rs.results.items():
            extra = f"{extra_machine}; {len(result.values)} values"
            floor = rs.floor(result)
            if floor is not None:
                extra += f"; {result.mean / floor.mean:.2f}x floor {floor.name}"
            entries.append({"name": prefix + name, "unit": "ns", "value": _ns(result.mean),
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


def _named_parameters(result: Result) -> dict[str, Any]:
    """The parameters in a benchmark's name (``[size=4KiB,placement=same-cpu]``), each as
    its raw metadata value where there is one (4096), else as written."""
    found = PARAMETERS.search(result.name)
    out: dict[str, Any] = {}
    for item in found.group(1).split(",") if found else ():
        key, _, text = item.partition("=")
        out[key] = result.md.get(f"mpbench_{key}", text)
    return out


def _varying_keys(named: Sequence[Named]) -> list[str]:
    """Text metadata that tells benchmarks of one group and metric apart (``transport``,
    ``primitive``, ``api``...): parameters carried in the dotted part of the name."""
    seen: dict[tuple[str, str, str], set[str]] = {}
    for _, rs in named:
        for result in rs.results.values():
            for key, value in result.md.items():
                if (key.startswith("mpbench_") and isinstance(value, str)
                        and key not in rs.machine and key not in NOT_PARAMETERS):
                    seen.setdefault((result.group, result.metric, key), set()).add(value)
    keys: list[str] = []
    for (_, _, key), values in seen.items():
        if len(values) > 1 and key not in keys:
            keys.append(key)
    return keys


def parameters(result: Result, varying: Sequence[str]) -> dict[str, Any]:
    """What sets this benchmark apart: its name's parameters and the ``varying`` keys."""
    out = {_column(key): result.md[key] for key in varying if key in result.md}
    out.update(_named_parameters(result))
    return out


def to_csv(named: Sequence[Named]) -> str:
    """One row per benchmark: statistics, the parameters present, then the machine."""
    varying = _varying_keys(named)
    params: list[str] = []
    for _, rs in named:
        for result in rs.results.values():
            params += [key for key in parameters(result, varying) if key not in params]
    machine = {key: _column(key) for key in MACHINE_COLUMNS
               if any(key in rs.machine for _, rs in named)}
    machine = {key: "run_" + column if column in params else column  # mode, the run's
               for key, column in machine.items()}
    columns = list(STAT_COLUMNS) + params + list(machine.values())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for prefix, rs in named:
        for result in rs.results.values():
            row = _stats_row(rs, result)
            row["benchmark"] = prefix + result.name
            row.update(parameters(result, varying))
            row.update({column: rs.machine.get(key, "") for key, column in machine.items()})
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


RENDERERS: dict[str, Callable[[Sequence[Named]], str]] = {
    "bencher": lambda named: json.dumps(to_bencher(named), indent=1) + "\n",
    "github-action-benchmark": lambda named: json.dumps(to_github_action_benchmark(named),
                                                        indent=1) + "\n",
    "csv": to_csv,
}


def _own_files(paths: Sequence[str]) -> dict[str, str]:
    """The paths an export must never write: the results files and their samples files."""
    from mpbench.samples import samples_path

    own: dict[str, str] = {}
    for path in paths:
        own[os.path.realpath(path)] = "the results file being exported"
        own[os.path.realpath(samples_path(path))] = "the samples file of a results file exported"
    return own


def check_output(output: str, results: Sequence[str] = (), force: bool = False) -> None:
    """Refuse a target we must not write, before reading anything: a results file
    exported or its samples file, an existing file (unless ``force``), and anything
    but a regular file (a device, a link, a pipe, a folder), ever."""
    what = _own_files(results).get(os.path.realpath(output))
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


def export(paths: Sequence[str], fmt: str, output: str | None, force: bool = False,
           name_prefix: str | None = None) -> int:
    """Write the results files ``paths`` in format ``fmt`` to ``output`` (atomically; an
    existing file only with ``force``), or to stdout for ``None`` or ``-``."""
    from mpbench.samples import results_only, skipped_line

    if fmt not in RENDERERS:
        raise UsageError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if isinstance(paths, str):
        paths = [paths]
    paths, skipped = results_only(paths)
    target = None if output == "-" else output  # None: stdout
    if target is not None:
        check_output(target, paths, force)
    elif sys.stdout is None:
        raise UsageError("standard output is closed: give -o FILE")
    if skipped:
        print(skipped_line(skipped), file=sys.stderr)
    from mpbench.reporting.data import label_sets, load

    sets = label_sets([load(path) for path in paths])
    text = RENDERERS[fmt](name_prefixes(sets, name_prefix))
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    check_output(target, paths, force)  # again: loading took a moment
    try:
        atomic_write_text(target, text, replace=force)
    except FileExistsError:
        raise UsageError(f"-o {output}: appeared while exporting; left alone") from None
    print(f"wrote {output} ({fmt}, {text.count(chr(10))} lines)", file=sys.stderr)
    return 0
