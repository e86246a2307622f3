"""Samples files given to ``compare`` and ``report`` (a glob like ``results/*.json`` picks
them up): skipped in one line beside their results file, refused alone; the fleet and CI
commands of the docs work as written on a folder holding them."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_RESULTS, ROOT, run_mpbench

pytestmark = pytest.mark.slow  # mpbench compare and report in subprocesses
POOL = ROOT / "tests" / "data" / "pool-py311.json"


def small_copy(path: Path, hostname: str, src: Path = FIXTURE_RESULTS[0]) -> Path:
    """The fixture's process group as another machine's results file, with a samples file
    beside it (as ``mpbench run`` writes one)."""
    document = json.loads(src.read_text())
    document["metadata"]["hostname"] = hostname
    document["benchmarks"] = [b for b in document["benchmarks"]
                              if b["metadata"]["name"].startswith("process.")]
    path.write_text(json.dumps(document))
    samples = {"format": "mpbench-samples", "version": 1, "results": path.name, "benchmarks": {}}
    path.with_name(path.stem + ".samples.json").write_text(json.dumps(samples))
    return path


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    return proc.stderr


def test_compare_refuses_a_samples_file_alone(tmp_path):
    a, b = small_copy(tmp_path / "a.json", "a"), small_copy(tmp_path / "b.json", "b")
    out = tmp_path / "out"
    said = one_line_error(run_mpbench("compare", str(a), str(tmp_path / "b.samples.json"),
                                      "-o", str(out)))
    assert f"b.samples.json is a samples file: give its results file, {tmp_path / 'b.json'}" \
        in said and not out.exists()
    # beside its results file on the other side of --vs: skipped all the same
    proc = run_mpbench("compare", str(a), "--vs", str(b), str(tmp_path / "a.samples.json"),
                       "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == ("skipped 1 samples file (read with their results "
                                           "files): a.samples.json")
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["candidates"][0]["files"] == [str(b)]


def test_report_skips_a_samples_file_beside_its_results_file_and_refuses_one_alone(tmp_path):
    copy = tmp_path / "pool.json"
    copy.write_bytes(POOL.read_bytes())
    samples = tmp_path / "pool.samples.json"
    samples.write_text(json.dumps({"format": "mpbench-samples", "version": 1,
                                   "results": copy.name, "benchmarks": {}}))
    proc = run_mpbench("report", str(copy), str(samples), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == ("skipped 1 samples file (read with their results "
                                           "files): pool.samples.json")
    assert (tmp_path / "out" / "summary.md").exists()
    said = one_line_error(run_mpbench("report", str(samples), "-o", str(tmp_path / "alone")))
    assert f"give its results file, {copy}" in said and not (tmp_path / "alone").exists()
    said = one_line_error(run_mpbench("report", str(copy), str(POOL), "-o", str(tmp_path / "two")))
    assert "report reads one results file, not 2" in said


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """``command`` run by bash in ``cwd`` as written, ``mpbench`` this checkout's."""
    script = f'mpbench() {{ {shlex.quote(sys.executable)} -m mpbench "$@"; }}\n{command}\n'
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True,
                          timeout=200)


def test_the_fleet_command_of_the_docs_works_on_a_folder_holding_samples_files(tmp_path):
    """``mpbench compare results/*.json`` (docs/reports.md), four machines' files and their
    samples files in results/."""
    text = (ROOT / "docs" / "reports.md").read_text()
    command = re.search(r"^    (mpbench compare results/\*\.json[^#\n]*)", text, re.M)
    assert command, "docs/reports.md shows the fleet command"
    (tmp_path / "results").mkdir()
    for host in ("m1", "m2", "m3", "m4"):
        small_copy(tmp_path / "results" / f"{host}.json", host)
    proc = shell(command[1], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == (
        "skipped 4 samples files (read with their results files): m1.samples.json, "
        "m2.samples.json, m3.samples.json, m4.samples.json")
    outdir = next(p.parent for p in tmp_path.rglob("comparison.json"))
    doc = json.loads((outdir / "comparison.json").read_text())
    assert [c["label"] for c in doc["candidates"]] == ["m2 py3.11.7", "m3 py3.11.7",
                                                       "m4 py3.11.7"]


def test_the_ci_compare_step_works_as_written(tmp_path):
    """docs/ci.md's compare job: the reference first, every other file of the artifacts
    folder after it (samples files there too)."""
    text = (ROOT / "docs" / "ci.md").read_text()
    step = re.search(r"^ +(ref=all/\S+)\n +(mpbench compare .*)$", text, re.M)
    assert step, "docs/ci.md has the compare step"
    assert "samples" not in step[2]  # no workaround left
    (tmp_path / "all").mkdir()
    ref = step[1].split("=", 1)[1]
    for name in (Path(ref).stem, "ubuntu-24.04-py3.13", "macos-14-py3.12"):
        small_copy(tmp_path / "all" / f"{name}.json", name)
    proc = shell(f"{step[1]}\n{step[2]}", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("skipped 3 samples files")
    doc = json.loads((tmp_path / "reports" / "compare" / "comparison.json").read_text())
    assert doc["reference"]["files"] == [str(tmp_path / ref)]
    assert sorted(c["label"] for c in doc["candidates"]) == ["macos-14-py3.12 py3.11.7",
                                                            "ubuntu-24.04-py3.13 py3.11.7"]
