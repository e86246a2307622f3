"""``mpbench export``: each format checked against the fields its tool documents."""

from __future__ import annotations

import csv
import io
import json
import numbers

import pytest
from conftest import ROOT, run_mpbench

from mpbench import export
from mpbench.reporting.data import load

pytestmark = pytest.mark.timeout(120)
RESULTS = ROOT / "tests" / "data" / "suite-py311.json"
SUITE_312 = ROOT / "tests" / "data" / "suite-py312.json"
SHARED = ROOT / "tests" / "data" / "shared-py311.json"


@pytest.fixture(scope="module")
def results():
    return load(str(RESULTS))


def one(rs):
    """A single results set, as ``export`` hands it to a format: no name prefix."""
    return export.name_prefixes([rs], None)


def test_bencher_metric_format(results):
    """BMF: ``{benchmark: {measure: {value, lower_value?, upper_value?}}}``, numbers only
    (https://bencher.dev/docs/reference/bencher-metric-format), in the built-in measures:
    ``throughput`` (operations per second) for throughput benchmarks, ``latency`` (ns) for
    every other kind."""
    bmf = json.loads(json.dumps(export.to_bencher(one(results))))
    assert set(bmf) == set(results.results)
    kinds = set()
    for name, measures in bmf.items():
        result = results.results[name]
        kind = "throughput" if result.metric == "throughput" else "latency"
        kinds.add(kind)
        assert set(measures) == {kind}, name
        metric = measures[kind]
        assert set(metric) <= {"value", "lower_value", "upper_value"} and "value" in metric
        assert all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in metric.values())
        assert metric["lower_value"] <= metric["value"] <= metric.get("upper_value", float("inf"))
        expected = 1 / result.mean if kind == "throughput" else result.mean * 1e9
        assert metric["value"] == pytest.approx(expected, rel=1e-5)
    assert kinds == {"throughput", "latency"}


def test_github_action_benchmark_custom_smaller_is_better(results):
    """customSmallerIsBetter: a list of ``{name, unit, value, range?, extra?}``, strings but
    value (github-action-benchmark's BenchmarkResult)."""
    entries = json.loads(json.dumps(export.to_github_action_benchmark(one(results))))
    assert isinstance(entries, list) and len(entries) == len(results.results)
    assert len({e["name"] for e in entries}) == len(entries)
    for entry in entries:
        assert set(entry) <= {"name", "unit", "value", "range", "extra"}
        assert isinstance(entry["name"], str) and isinstance(entry["unit"], str)
        assert isinstance(entry["value"], numbers.Real) and entry["value"] > 0
        assert isinstance(entry["range"], str) and entry["range"].startswith("± ")
        assert "CPython 3.11" in entry["extra"] and "usable CPUs" in entry["extra"]
    fork = next(e for e in entries if e["name"] == "process.start_join[method=fork]")
    assert "x floor process.os_fork" in fork["extra"]


def test_csv_one_row_per_benchmark_with_parameters_as_columns(results):
    text = export.to_csv(one(results))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["benchmark"] for row in rows] == list(results.results)
    header = text.splitlines()[0].split(",")
    for column in ("mean_s", "stdev_s", "floor", "ratio_to_floor", "method", "nprocs",
                   "transport", "size", "primitive", "python", "hostname"):
        assert column in header
    assert len(set(header)) == len(header)
    for column in header:  # only parameters present: no column empty in every row
        assert any(row[column] for row in rows), column
    for bookkeeping in ("is_floor", "peak_rss", "spin_call_ns", "argv", "perf_command"):
        assert bookkeeping not in header
    assert len(header) < 45
    by_name = {row["benchmark"]: row for row in rows}
    spawn = by_name["process.start_join[method=spawn]"]
    assert spawn["method"] == "spawn" and spawn["group"] == "process"
    assert float(spawn["mean_s"]) == results.results["process.start_join[method=spawn]"].mean
    assert spawn["floor"].startswith("process.interpreter_startup")


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_command_writes_the_file(tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    proc = run_mpbench("export", str(RESULTS), "--format", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    if fmt == "csv":
        assert text.count("\n") == len(load(str(RESULTS)).results) + 1
    else:
        json.loads(text)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize("args, says", [
    (["--format", "xml"], "invalid choice"),
    (["--format", "csv", "-o", "/no/such/dir/x.csv"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(args, says):
    proc = run_mpbench("export", str(RESULTS), *args)
    assert proc.returncode == 2
    assert says in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_mpbench_results_is_refused(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"benchmarks": [], "version": "1.0"}))
    out = tmp_path / "x.json"
    proc = run_mpbench("export", str(other), "--format", "bencher", "-o", str(out))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


# -- what -o may point at ------------------------------------------------------------------

def _copy_results(tmp_path):
    import shutil

    shutil.copy(RESULTS, tmp_path / "r.json")
    shutil.copy(RESULTS.with_name("suite-py311.samples.json"), tmp_path / "r.samples.json")
    return tmp_path / "r.json"


@pytest.mark.parametrize("target, says", [("r.json", "the results file being exported"),
                                          ("r.samples.json", "the samples file")])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_export_never_writes_the_results_or_samples_file(tmp_path, target, says, force):
    results = _copy_results(tmp_path)
    before = (tmp_path / target).read_bytes()
    proc = run_mpbench("export", str(results), "--format", "csv", "-o", str(tmp_path / target),
                       *force)
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert (tmp_path / target).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.samples.json"]


def test_export_refuses_an_existing_file_unless_forced(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("mine")
    proc = run_mpbench("export", str(RESULTS), "--format", "csv", "-o", str(out))
    assert proc.returncode == 2 and "already exists (--force replaces it)" in proc.stderr
    assert out.read_text() == "mine"
    proc = run_mpbench("export", str(RESULTS), "--format", "csv", "-o", str(out), "--force")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("benchmark,")
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device"])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_export_refuses_anything_but_a_regular_file_even_forced(tmp_path, kind, force):
    import os
    import stat

    out = tmp_path / "out.csv"
    kept = tmp_path / "kept.csv"
    kept.write_text("mine")
    if kind == "symlink":  # like /dev/stdout
        out.symlink_to(kept)
    elif kind == "fifo":
        os.mkfifo(out)
    else:  # like /dev/full, made here: /dev itself is never at risk
        try:
            os.mknod(out, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        except PermissionError:
            pytest.skip("mknod needs root")
    mode = os.lstat(out).st_mode
    proc = run_mpbench("export", str(RESULTS), "--format", "csv", "-o", str(out), *force)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr
    assert os.lstat(out).st_mode == mode and kept.read_text() == "mine"


def test_export_to_a_closed_stdout_is_one_line(tmp_path):
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "mpbench", "export", str(RESULTS), "--format",
                           "csv"], stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "mpbench: error: standard output is closed: give -o FILE"


def test_csv_cells_never_start_a_formula(tmp_path):
    document = json.loads(RESULTS.read_text())
    bench = document["benchmarks"][0]
    bench["metadata"]["name"] = '=HYPERLINK("http://evil.example","x")'
    bench["metadata"]["mpbench_method"] = "@SUM(1+1)"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    rows = list(csv.DictReader(io.StringIO(export.to_csv(one(load(str(path)))))))
    cells = [value for row in rows for value in row.values()]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'@SUM(1+1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    negative = [cell for cell in cells if cell.startswith("-")]
    assert all(float(cell) < 0 for cell in negative)  # numbers stay numbers


def test_csv_of_one_group_has_only_that_groups_parameters():
    rows = list(csv.DictReader(io.StringIO(export.to_csv(one(load(str(SHARED)))))))
    header = list(rows[0])
    assert "transport" not in header and "primitive" not in header and "nprocs" not in header
    assert {"api", "size", "object"} <= set(header)


def relabel(source, target, hostname):
    """A copy of a results file whose machine is called ``hostname``."""
    document = json.loads(source.read_text())
    document["metadata"]["hostname"] = hostname
    target.write_text(json.dumps(document))
    return target


def test_several_machines_get_their_names_as_prefix(tmp_path):
    a = relabel(SHARED, tmp_path / "a.json", "runner-a")
    b = relabel(SHARED, tmp_path / "b.json", "runner-b")
    proc = run_mpbench("export", str(a), str(b), "--format", "github-action-benchmark")
    assert proc.returncode == 0, proc.stderr
    names = [entry["name"] for entry in json.loads(proc.stdout)]
    count = len(load(str(SHARED)).results)
    assert len(names) == len(set(names)) == 2 * count
    assert sum(n.startswith("runner-a/shared.") for n in names) == count
    assert sum(n.startswith("runner-b/shared.") for n in names) == count


def test_two_files_of_one_machine_get_their_labels_and_a_given_prefix_wins(tmp_path):
    proc = run_mpbench("export", str(RESULTS), str(SUITE_312), "--format", "bencher")
    assert proc.returncode == 0, proc.stderr
    names = list(json.loads(proc.stdout))
    assert len(names) == len(set(names))
    assert {name.split("/")[0] for name in names} == {"vm-py3.11.7", "vm-py3.12.1"}
    proc = run_mpbench("export", str(RESULTS), "--format", "bencher",
                       "--name-prefix", "linux-x64 ")
    assert all(name.startswith("linux-x64 ") for name in json.loads(proc.stdout))


@pytest.mark.parametrize("prefix, says", [("a\tb", "control character"),
                                          ("x" * 101, "at most 100")])
def test_a_bad_name_prefix_is_one_line_and_exit_2(prefix, says):
    proc = run_mpbench("export", str(RESULTS), "--format", "bencher", "--name-prefix", prefix)
    assert proc.returncode == 2 and says in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_samples_files_beside_their_results_are_skipped_saying_so(tmp_path):
    """``export results/*.json`` on a folder holding samples files works."""
    for source in (RESULTS, RESULTS.with_name("suite-py311.samples.json")):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    given = sorted(str(p) for p in tmp_path.glob("*.json"))
    assert len(given) == 2
    proc = run_mpbench("export", *given, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ("skipped 1 samples file (read with their results files): "
                                   "suite-py311.samples.json")
    assert proc.stdout.count("\n") == len(load(str(RESULTS)).results) + 1
    alone = run_mpbench("export", given[1], "--format", "csv")
    assert alone.returncode == 2 and "is a samples file: give its results file" in alone.stderr
