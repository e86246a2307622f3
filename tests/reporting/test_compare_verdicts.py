"""``mpbench compare`` end to end: comparison.json, --vs, --min-effect, --fail-on-slower."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest
from conftest import FIXTURE_RESULTS, run_mpbench

pytestmark = pytest.mark.slow  # mpbench compare in subprocesses

STABLE = "process.interpreter_startup[mode=isolated]"  # worker means within 10 % in the fixture
PROCESS_BENCHMARKS = 29  # the fixture's process group


def two_pass_copy(dst: Path, scale: dict[str, float] | None = None,
                  src: Path = FIXTURE_RESULTS[0]) -> Path:
    """The fixture's process group as if run in two passes (first half of its workers
    pass 1, the rest pass 2), with the values of the benchmarks in ``scale`` multiplied."""
    scale = scale or {}
    benches = []
    for bench in pyperf.BenchmarkSuite.load(str(src)):
        if not bench.get_name().startswith("process."):
            continue
        runs = bench.get_runs()
        value_runs = [run for run in runs if run.values]
        half = (len(value_runs) + 1) // 2
        new_runs, seen = [], 0
        for run in runs:
            number = 1 if seen < half or not run.values else 2
            seen += bool(run.values)
            factor = scale.get(bench.get_name(), 1.0)
            new_runs.append(pyperf.Run([v * factor for v in run.values], warmups=run.warmups,
                                       metadata={**run.get_metadata(), "mpbench_pass": number},
                                       collect_metadata=False))
        benches.append(pyperf.Benchmark(new_runs))
    pyperf.BenchmarkSuite(benches).dump(str(dst))
    return dst


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    base = tmp_path_factory.mktemp("two-pass")
    return {"a": two_pass_copy(base / "a.json"), "a2": two_pass_copy(base / "a2.json"),
            "slow": two_pass_copy(base / "slow.json", {STABLE: 1.3}),
            "slow2": two_pass_copy(base / "slow2.json", {STABLE: 1.31}),
            "fast": two_pass_copy(base / "fast.json", {STABLE: 1 / 1.3}),
            "slight": two_pass_copy(base / "slight.json", {STABLE: 1.03})}


def compare(*args: str, out: Path) -> subprocess.CompletedProcess:
    return run_mpbench("compare", *args, "-o", str(out))


def results(out: Path) -> dict[str, dict]:
    return {r["benchmark"]: r for r in json.loads((out / "comparison.json").read_text())["results"]}


def test_comparison_json_holds_ratio_interval_verdict_detectable_and_files(files, tmp_path):
    proc = compare(str(files["a"]), str(files["slow"]), out=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "comparison.json").read_text())
    assert doc["format"] == "mpbench-comparison" and doc["version"] == 3
    assert doc["verdicts"] == ["slower", "faster", "no change", "inconclusive"]
    assert doc["min_effect"] == 0.05 and doc["confidence"] == 0.95 and doc["unit"] == "second"
    assert doc["reference"] == {"label": "a", "files": [str(files["a"])]}
    assert [c["label"] for c in doc["candidates"]] == ["slow"]
    keys = {"benchmark", "reference", "candidate", "ratio", "interval", "verdict", "detectable",
            "level", "drift_known", "units", "df", "se", "reference_mean", "candidate_mean",
            "reference_spread", "candidate_spread", "confirmation", "reference_files",
            "candidate_files"}
    assert len(doc["results"]) == PROCESS_BENCHMARKS
    for record in doc["results"]:
        assert set(record) == keys
        low, high = record["interval"]
        assert low <= record["ratio"] <= high
        assert record["verdict"] in doc["verdicts"]
        assert record["detectable"] >= 0.05
        assert record["level"] == "pass" and not record["drift_known"]
        assert record["units"] == [2, 2] and record["candidate_files"] == [str(files["slow"])]
    counts = doc["candidates"][0]["counts"]
    assert set(counts) == set(doc["verdicts"]) and sum(counts.values()) == PROCESS_BENCHMARKS
    assert counts["slower"] == 1 and counts["faster"] == 0
    assert doc["candidates"][0]["median_detectable"] > 0.05
    assert results(tmp_path)[STABLE]["verdict"] == "slower"
    assert results(tmp_path)[STABLE]["ratio"] == pytest.approx(1.3)
    row = next(line.split() for line in proc.stdout.splitlines()
               if line.startswith(f"  {STABLE} "))
    assert row[-5:] == ["1.30x", "slower", row[-3], row[-2], "slower"] and row[3] == "->"
    summary = next(line for line in proc.stdout.splitlines() if "would have been seen" in line)
    assert summary.startswith("slow against a: ") and "1 slower" in summary
    assert "run-level drift unknown" in summary and doc["gate"] is None
    record, page = results(tmp_path)[STABLE], (tmp_path / "summary.md").read_text()
    assert "| verdict | detectable | run-to-run spread |" in page  # two passes: spreads known
    row = next(line for line in page.splitlines() if line.startswith(f"| {STABLE} |"))
    assert row.endswith(f"| a {100 * record['reference_spread']:.1f}%, "
                        f"slow {100 * record['candidate_spread']:.1f}% |")


def test_identical_files_compare_as_no_change_or_inconclusive_never_changed(files, tmp_path):
    proc = compare(str(files["a"]), str(files["a2"]), out=tmp_path)
    assert proc.returncode == 0
    found = {r["verdict"] for r in results(tmp_path).values()}
    assert found <= {"no change", "inconclusive"}
    assert "no benchmark called slower or faster" in proc.stdout.splitlines()[0]


@pytest.mark.parametrize("name, verdicts", [("fast", {"faster"}),
                                            ("slight", {"no change", "inconclusive"})])
def test_faster_and_below_the_minimum_effect(files, tmp_path, name, verdicts):
    assert compare(str(files["a"]), str(files[name]), out=tmp_path).returncode == 0
    assert results(tmp_path)[STABLE]["verdict"] in verdicts


@pytest.mark.parametrize("min_effect, verdict", [("10%", "slower"), ("60", "no change")])
def test_min_effect_decides_whether_a_30_percent_shift_is_called(files, tmp_path, min_effect,
                                                                  verdict):
    proc = compare(str(files["a"]), str(files["slow"]), "--min-effect", min_effect, out=tmp_path)
    assert proc.returncode == 0
    assert results(tmp_path)[STABLE]["verdict"] == verdict
    assert json.loads((tmp_path / "comparison.json").read_text())["min_effect"] == \
        float(min_effect.rstrip("%")) / 100


def test_vs_pools_the_files_of_each_side_and_measures_the_run_to_run_drift(files, tmp_path):
    proc = compare(str(files["a"]), str(files["a2"]), "--vs", str(files["slow"]),
                   str(files["slow2"]), out=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "comparison.json").read_text())
    assert doc["reference"]["files"] == [str(files["a"]), str(files["a2"])]
    assert len(doc["candidates"]) == 1
    assert {tuple(r["units"]) for r in doc["results"]} == {(2, 2)}
    assert {r["level"] for r in doc["results"]} == {"run"}
    assert all(r["drift_known"] for r in doc["results"])
    assert results(tmp_path)[STABLE]["verdict"] == "slower"
    assert "run-level drift unknown" not in proc.stdout


def test_a_folder_of_runs_is_one_side(files, tmp_path):
    """``compare baseline/ candidate/``: each folder's results files pooled, samples files
    and an old comparison.json in the folder left out."""
    import shutil

    base, cand = tmp_path / "base", tmp_path / "cand"
    for folder, names in ((base, ("a", "a2")), (cand, ("slow", "slow2"))):
        folder.mkdir()
        for name in names:
            shutil.copy(files[name], folder / f"{name}.json")
        (folder / "comparison.json").write_text("{}")
    (base / "other.samples.json").write_text("{}")  # not a results file: skipped
    proc = compare(str(base), str(cand), out=tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert len(doc["reference"]["files"]) == 2 and len(doc["candidates"]) == 1
    assert {r["level"] for r in doc["results"]} == {"run"}
    assert results(tmp_path / "out")[STABLE]["verdict"] == "slower"
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = compare(str(empty), str(cand), out=tmp_path / "out2")
    assert proc.returncode == 2 and "without results files" in proc.stderr


def test_several_candidates_each_against_the_first_file(files, tmp_path):
    proc = compare(str(files["a"]), str(files["slow"]), str(files["fast"]), out=tmp_path)
    assert proc.returncode == 0
    doc = json.loads((tmp_path / "comparison.json").read_text())
    assert [c["label"] for c in doc["candidates"]] == ["slow", "fast"]
    verdicts = {(r["candidate"], r["benchmark"]): r["verdict"] for r in doc["results"]}
    assert verdicts[("slow", STABLE)] == "slower" and verdicts[("fast", STABLE)] == "faster"


@pytest.mark.parametrize("threshold, status", [("10", 1), ("20", 1), ("28", 0), ("50", 0),
                                               ("0", 1)])
def test_fail_on_slower_trips_beyond_its_threshold_with_the_drift_known(files, tmp_path,
                                                                       threshold, status):
    proc = compare(str(files["a"]), str(files["a2"]), "--vs", str(files["slow"]),
                   str(files["slow2"]), "--fail-on-slower", threshold, out=tmp_path)
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert ("TRIPPED" in proc.stdout) == (status == 1)
    gate = json.loads((tmp_path / "comparison.json").read_text())["gate"]
    assert gate["tripped"] == (status == 1) and gate["eligible"] == PROCESS_BENCHMARKS
    if status:
        assert [b["benchmark"] for b in gate["benchmarks"]] == [STABLE]


def test_fail_on_slower_cannot_trip_on_one_file_a_side(files, tmp_path):
    """A 30 % slowdown called between two single runs: the run-level drift is unknown,
    so the gate says it cannot judge instead of failing the job."""
    proc = compare(str(files["a"]), str(files["slow"]), "--fail-on-slower", "10", out=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert results(tmp_path)[STABLE]["verdict"] == "slower"
    assert "cannot trip it" in proc.stdout and "passed" in proc.stdout


def test_fail_on_slower_ignores_faster_and_unchanged(files, tmp_path):
    for other in ("a2", "fast", "slight"):
        proc = compare(str(files["a"]), str(files["a2"]), "--vs", str(files[other]),
                       str(files[other]), "--fail-on-slower", "1", out=tmp_path / other)
        assert proc.returncode == 0, other


@pytest.mark.parametrize("flag, value", [("--fail-on-slower", "abc"), ("--fail-on-slower", "-5"),
                                         ("--fail-on-slower", "nan"), ("--min-effect", "5x"),
                                         ("--min-effect", "inf"), ("--min-effect", "2000")])
def test_bad_percentages_are_one_line_exit_2(files, tmp_path, flag, value):
    out = tmp_path / "out"
    proc = compare(str(files["a"]), str(files["slow"]), flag, value, out=out)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert flag in proc.stderr and not out.exists()


def test_vs_alone_is_two_files_and_the_ratio_figure_marks_each_verdict(files, tmp_path):
    proc = compare(str(files["a"]), "--vs", str(files["slow"]), out=tmp_path)
    assert proc.returncode == 0
    svg = (tmp_path / "figures" / "compare_ratio_process.svg").read_text()
    for label in ("slower", "min effect"):
        assert label in svg
    summary = (tmp_path / "summary.md").read_text()
    assert f"| {STABLE} |" in summary and "1.30x slower [" in summary


def test_pyperf_compare_to_still_reads_two_pass_files(files):
    proc = subprocess.run([sys.executable, "-m", "pyperf", "compare_to", str(files["a"]),
                           str(files["slow"])], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert STABLE in proc.stdout
