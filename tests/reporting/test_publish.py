"""Results are never lost, never overwritten: checks before measuring, exclusive
publishing, the fallback when the final write fails (a full 64 KiB tmpfs)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyperf
import pytest
from conftest import fill, mpbench_driver, run_mpbench

from mpbench import publish
from mpbench.errors import UsageError

ONE = r"process\.os_fork$"  # one quick benchmark
pytestmark = pytest.mark.timeout(120)


def _assert_one_line(proc: subprocess.CompletedProcess, status: int, fragment: str) -> str:
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    return lines[0]


def _suite() -> pyperf.BenchmarkSuite:
    run = pyperf.Run([1.0, 1.5], metadata={"name": "demo", "mpbench_group": "process"},
                     collect_metadata=False)
    return pyperf.BenchmarkSuite([pyperf.Benchmark([run])])


SAMPLES = {"format": "mpbench-samples", "version": 1, "benchmarks": {"demo": {}}}


# -- before measuring -------------------------------------------------------------------

def test_a_name_too_long_for_its_samples_file_is_refused_before_running(tmp_path):
    out = tmp_path / ("r" * 245 + ".json")
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", str(out))
    _assert_one_line(proc, 2, "file name too long")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_named_like_the_samples_file_is_refused(tmp_path):
    (tmp_path / "r.samples.json").mkdir()
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", str(tmp_path / "r.json"))
    _assert_one_line(proc, 2, "its samples file r.samples.json is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.samples.json"]


def test_an_existing_samples_file_is_refused_like_the_results_file(tmp_path):
    (tmp_path / "r.samples.json").write_text("{}")
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", str(tmp_path / "r.json"))
    _assert_one_line(proc, 2, "its samples file r.samples.json already exists")
    assert (tmp_path / "r.samples.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.samples.json"]


def test_a_folder_without_room_is_refused_before_running(small_tmpfs):
    disk = small_tmpfs()
    fill(disk, leave=8192)
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", str(disk / "r.json"))
    _assert_one_line(proc, 2, "free in")
    assert sorted(p.name for p in disk.iterdir()) == ["ballast"]


def test_the_estimate_grows_with_the_work():
    assert publish.estimate_bytes([1]) < publish.estimate_bytes([1, 1]) \
        < publish.estimate_bytes([21, 21])


def test_check_output_accepts_a_fresh_name(tmp_path):
    assert publish.check_output(str(tmp_path / "r.json"), runs_per_benchmark=[1]) == \
        str(tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_check_output_refuses_a_read_only_folder(small_tmpfs):
    disk = small_tmpfs()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, timeout=30)
    with pytest.raises(UsageError, match="not writable|cannot create a file"):
        publish.check_output(str(disk / "r.json"))


# -- publishing ---------------------------------------------------------------------------

def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / ".mpbench-run-1-x"
    work.mkdir()
    return work


def test_publish_writes_both_files_as_asked(tmp_path):
    out = tmp_path / "r.json"
    saved = publish.publish(str(out), _suite(), SAMPLES, str(_workdir(tmp_path)))
    assert saved.as_asked and saved.results == str(out)
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == ["demo"]
    assert json.loads((tmp_path / "r.samples.json").read_text()) == {**SAMPLES,
                                                                      "results": "r.json"}
    assert sorted(os.listdir(tmp_path / ".mpbench-run-1-x")) == []  # no temporary file left


def test_publish_never_replaces_a_file_that_appeared_during_the_run(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("someone else's")
    saved = publish.publish(str(out), _suite(), SAMPLES, str(_workdir(tmp_path)))
    assert out.read_text() == "someone else's"
    assert saved.results == str(tmp_path / "r-2.json") and not saved.as_asked
    assert "appeared during the run" in saved.describe() and "r-2.json" in saved.describe()
    samples = json.loads((tmp_path / "r-2.samples.json").read_text())
    assert samples["results"] == "r-2.json"  # the samples name their own results file


def test_a_samples_file_that_appeared_moves_both_files(tmp_path):
    out = tmp_path / "r.json"
    (tmp_path / "r.samples.json").write_text("someone else's")
    saved = publish.publish(str(out), _suite(), SAMPLES, str(_workdir(tmp_path)))
    assert not out.exists()  # never a results file paired with someone else's samples
    assert (tmp_path / "r.samples.json").read_text() == "someone else's"
    assert saved.results == str(tmp_path / "r-2.json")
    assert saved.samples == str(tmp_path / "r-2.samples.json")


def test_exclusive_link_falls_back_to_o_excl_where_links_fail(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    src = tmp_path / "src"
    src.write_text("complete")
    monkeypatch.setattr(os, "link", no_links)
    publish.link_exclusive(str(src), str(tmp_path / "dst"))
    assert (tmp_path / "dst").read_text() == "complete"
    with pytest.raises(FileExistsError):
        publish.link_exclusive(str(src), str(tmp_path / "dst"))


def test_a_full_disk_at_the_end_keeps_the_results_elsewhere(small_tmpfs, monkeypatch):
    disk = small_tmpfs()
    work = disk / ".mpbench-run-1-x"
    work.mkdir()
    fill(disk)
    rescue = small_tmpfs("rescue", "1m")
    monkeypatch.setattr("tempfile.tempdir", str(rescue))
    saved = publish.publish(str(disk / "r.json"), _suite(), SAMPLES, str(work))
    assert not saved.as_asked and saved.results.startswith(str(rescue))
    assert "No space left on device" in saved.describe() and saved.results in saved.describe()
    assert pyperf.BenchmarkSuite.load(saved.results).get_benchmark_names() == ["demo"]
    assert os.path.exists(publish.samples_path(saved.results))
    assert sorted(os.listdir(disk)) == [".mpbench-run-1-x", "ballast"]


def test_with_nowhere_to_write_the_work_folder_is_kept(small_tmpfs, monkeypatch):
    disk = small_tmpfs()
    work = disk / ".mpbench-run-1-x"
    work.mkdir()
    (work / "bench-0.json").write_text("{}")
    fill(disk)
    rescue = small_tmpfs("rescue")
    fill(rescue)
    monkeypatch.setattr("tempfile.tempdir", str(rescue))
    saved = publish.publish(str(disk / "r.json"), _suite(), SAMPLES, str(work))
    assert saved.kept_workdir and not work.exists()
    assert (Path(saved.kept_workdir) / "bench-0.json").exists()
    assert "mpbench-unsaved-" in saved.describe()
    assert not (disk / "r.json").exists() and not (disk / "r.samples.json").exists()


# -- end to end -----------------------------------------------------------------------------

FILL_AT_PUBLISH = """
import os
from mpbench import publish
_publish = publish.publish
def publish_on_a_full_disk(output, *args):
    stats = os.statvfs(os.path.dirname(output))
    with open(os.path.join(os.path.dirname(output), "ballast"), "wb") as ballast:
        try:
            ballast.write(b"\\0" * stats.f_bavail * stats.f_frsize)
            ballast.flush()
        except OSError:
            pass
    return _publish(output, *args)
publish.publish = publish_on_a_full_disk
"""


def test_run_whose_disk_fills_up_before_the_end_keeps_what_it_measured(tmp_path, small_tmpfs):
    """The disk fills while the run measures (here: just before it publishes)."""
    disk = small_tmpfs()
    rescue = tmp_path / "tmp"
    rescue.mkdir()
    out = disk / "r.json"
    proc = mpbench_driver(tmp_path, FILL_AT_PUBLISH, "run", "--only", ONE,
                          "--debug-single-value", "-o", str(out),
                          env={**os.environ, "TMPDIR": str(rescue)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    [line] = [line for line in proc.stdout.splitlines() if "could not write" in line]
    [kept] = list(rescue.glob("mpbench-rescued-*/r.json"))
    assert str(kept) in line and "No space left on device" in line
    assert pyperf.BenchmarkSuite.load(str(kept)).get_benchmark_names() == ["process.os_fork"]
    assert sorted(p.name for p in disk.iterdir()) == ["ballast"]  # no half file, no work folder


APPEAR_AT_PUBLISH = """
from mpbench import publish
_publish = publish.publish
def someone_writes_it_first(output, *args):
    with open(output, "w") as other:
        other.write("another run's results")
    return _publish(output, *args)
publish.publish = someone_writes_it_first
"""


def test_run_does_not_replace_a_results_file_that_appeared_meanwhile(tmp_path):
    out = tmp_path / "r.json"
    proc = mpbench_driver(tmp_path, APPEAR_AT_PUBLISH, "run", "--only", ONE,
                          "--debug-single-value", "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert out.read_text() == "another run's results"
    assert "appeared during the run" in proc.stdout and "r-2.json" in proc.stdout
    names = pyperf.BenchmarkSuite.load(str(tmp_path / "r-2.json")).get_benchmark_names()
    assert names == ["process.os_fork"]
