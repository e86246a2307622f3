"""The sync part of reports, built from two committed real ``--fast`` runs of the group.

    mpbench run --only sync --fast --nprocs 1,2,4 --primitives lock,semaphore,event,condition

once under CPython 3.11 and once under 3.12 (tests/data/suite-py3*.json, see
test_report.py), each with its samples file. Every number the summary states is
recomputed here from the fixture itself.
"""

from __future__ import annotations

import statistics

import pyperf
import pytest
from conftest import FIXTURE_RESULTS, ROOT, FixtureFile, run_mpbench

from mpbench.groups.sync import report, results
from mpbench.reporting import data
from mpbench.reporting.verdict import Comparison
from mpbench.units import format_seconds

DATA = ROOT / "tests" / "data"
PY311, PY312 = FIXTURE_RESULTS
FIGURES = ("sync_throughput", "sync_wait", "sync_fairness", "sync_handoff", "sync_slots",
           "sync_wakeup")


class Fixture(FixtureFile):
    """The fixture, with the sync views these tests need."""
    def info_median(self, name: str, key: str) -> float:
        return statistics.median(i[key] for i in self.samples[name]["info"]
                                 if i.get(key) is not None)

    def contended(self, primitive: str, critical: float, think: float):
        found = {md["mpbench_nprocs"]: name for name, md in self.md.items()
                 if md.get("mpbench_operation") == "contended"
                 and md["mpbench_primitive"] == primitive and md["mpbench_slots"] == 1
                 and (md["mpbench_critical_us"], md["mpbench_think_us"]) == (critical, think)}
        return dict(sorted(found.items()))


@pytest.fixture(scope="module")
def fixture() -> Fixture:
    return Fixture(PY311)


@pytest.fixture(scope="module")
def summary(fixture_report) -> str:
    out = fixture_report
    for stem in FIGURES:
        assert (out / "figures" / f"{stem}.png").stat().st_size > 10_000, stem
        assert (out / "figures" / f"{stem}.svg").exists(), stem
    index = (out / "index.html").read_text()
    assert all(f"figures/{stem}.svg" in index for stem in FIGURES)
    return (out / "summary.md").read_text()



def test_uncontended_and_floor_headlines(fixture, summary):
    lock = fixture.mean("sync.uncontended[primitive=lock]")
    threads = fixture.mean("sync.uncontended[primitive=threading_lock]")
    assert (f"a multiprocessing Lock acquire()+release() takes {format_seconds(lock)} in one "
            f"process (threading.Lock: {format_seconds(threads)})") in summary
    free = fixture.mean("sync.semaphore_pingpong")
    same = fixture.mean("sync.semaphore_pingpong[placement=same-cpu]")
    assert (f"One cross-process hand-off (semaphore ping-pong) takes {format_seconds(same)} "
            f"both on one CPU, {format_seconds(free)} placed by the scheduler") in summary
    assert "`sync.semaphore_pingpong[placement=same-cpu]`" in summary


@pytest.mark.parametrize("point", [(1.0, 10.0), (0.0, 0.0)])
def test_what_each_extra_process_costs(fixture, summary, point):
    series = fixture.contended("lock", *point)
    (n0, first), (n1, last) = list(series.items())[0], list(series.items())[-1]
    per_extra = (fixture.mean(last) - fixture.mean(first)) / (n1 - n0)
    verb = "adds" if per_extra >= 0 else "takes"
    label = results.point_label(point)
    assert (f"Lock, {label}: {format_seconds(fixture.mean(first))} per acquisition with "
            f"N={n0}") in summary
    assert f"{format_seconds(fixture.mean(last))} with N={n1}" in summary
    assert f"each extra process {verb} {format_seconds(abs(per_extra))}" in summary
    p99 = fixture.info_median(last, "wait_p99")
    assert f"wait p99 at N={n1}: {format_seconds(p99)}" in summary
    assert f"`{first}`, `{last}`" in summary  # traceable to both benchmarks


@pytest.mark.parametrize("point", [(1.0, 10.0), (0.0, 0.0)])
def test_processes_against_threads_and_fairness(fixture, summary, point):
    series = fixture.contended("lock", *point)
    two = series[2]
    floor = fixture.md[two]["mpbench_floor"]
    assert fixture.md[floor]["mpbench_primitive"] == "threading_lock"
    ratio = fixture.mean(two) / fixture.mean(floor)
    label = results.point_label(point)
    assert (f"Crossing processes, {label}, N=2: Lock takes {format_seconds(fixture.mean(two))} "
            f"per acquisition, {ratio:.2f}x the same loop in 2 threads") in summary
    last = list(series.values())[-1]
    assert f"Jain's index {fixture.info_median(last, 'jain'):.3f}" in summary


def test_wakeup_headline(fixture, summary):
    one = fixture.mean("sync.wakeup[primitive=event,waiters=1]")
    four = fixture.mean("sync.wakeup[primitive=event,waiters=4]")
    assert (f"Event.set() wakes 1 waiter in {format_seconds(one)} on average, each of 4 "
            f"waiters in {format_seconds(four)}") in summary


def test_oversubscription_is_said(fixture, summary):
    over = [name for name, md in fixture.md.items() if md.get("mpbench_oversubscribed")]
    cpus = {md["mpbench_worker_cpus"] for md in fixture.md.values() if "mpbench_worker_cpus" in md}
    assert over and len(cpus) == 1
    assert (f"{len(over)} sync benchmarks ran more processes than the {cpus.pop()} usable "
            "CPUs") in summary


def test_tables_carry_the_fixture_values(fixture, summary):
    name = "sync.contended[primitive=semaphore,slots=2,nprocs=4]"
    bench = fixture.benches[name]
    assert f"{format_seconds(bench.mean())} +- {format_seconds(bench.stdev())}" in summary
    assert "| Semaphore(2) | 4 |" in summary


def test_compare_overlays_both_files(fixture_comparison, fixture):
    tmp_path = fixture_comparison
    for stem in ("compare_sync_throughput", "compare_sync_wakeup"):
        assert (tmp_path / "figures" / f"{stem}.png").exists()
    summary = (tmp_path / "summary.md").read_text()
    other = Fixture(PY312)
    name = "sync.uncontended[primitive=lock]"
    ratio = other.mean(name) / fixture.mean(name)
    assert (f"| {name} | {format_seconds(fixture.mean(name))} | "
            f"{format_seconds(other.mean(name))} ({ratio:.2f}x) |") in summary


def test_no_section_without_sync_results(tmp_path):
    suite = pyperf.BenchmarkSuite.load(str(PY311))
    process_only = tmp_path / "process-only.json"
    pyperf.BenchmarkSuite([b for b in suite if b.get_name().startswith("process.")]).dump(
        str(process_only))
    rs = data.load(str(process_only))
    assert "sync" not in rs.groups()
    assert report.section(rs, "/nonexistent") is None
    assert report.compare_section(Comparison.of([rs, rs]), "/nonexistent") is None


@pytest.mark.slow
def test_a_results_file_without_its_samples_still_reports(tmp_path, fixture):
    lonely = tmp_path / "lonely.json"
    lonely.write_bytes(PY311.read_bytes())  # no samples file beside it
    out = tmp_path / "out"
    run_mpbench("report", str(lonely), "-o", str(out), check=True)
    summary = (out / "summary.md").read_text()
    lock = fixture.mean("sync.uncontended[primitive=lock]")
    assert f"acquire()+release() takes {format_seconds(lock)}" in summary
    assert (out / "figures" / "sync_throughput.png").exists()
    assert not (out / "figures" / "sync_fairness.png").exists()  # shares live in the samples
