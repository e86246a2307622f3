"""Where reports and results go: what is in the way is refused before anything is
built or run, and a refusal leaves nothing written."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import FIXTURE_RESULTS, run_mpbench

from mpbench.reporting import output

pytestmark = pytest.mark.timeout(120)
ONE = r"process\.os_fork$"


def one_line_exit_2(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def _listing(folder) -> list:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("entry, make", [
    ("index.html", lambda path: path.mkdir()),
    ("summary.md", lambda path: path.mkdir()),
    ("figures", lambda path: path.write_text("my notes, not figures")),
    ("index.html", lambda path: path.symlink_to("/etc/hostname")),
])
@pytest.mark.parametrize("command", ["report", "compare"])
@pytest.mark.slow
def test_what_is_in_the_way_of_a_report_is_refused_and_kept(tmp_path, entry, make, command):
    out = tmp_path / "out"
    out.mkdir()
    make(out / entry)
    (out / "README").write_text("mine")
    before = _listing(out)
    files = [str(FIXTURE_RESULTS[0])] * (1 if command == "report" else 2)
    one_line_exit_2(run_mpbench(command, *files, "-o", str(out)), "is in the way")
    assert _listing(out) == before
    assert (out / "README").read_text() == "mine"


def test_check_entries_accepts_a_previous_report(tmp_path):
    (tmp_path / "figures").mkdir()
    for name in ("summary.md", "index.html", "comparison.json"):
        (tmp_path / name).write_text("old")
    output.check_entries(str(tmp_path))


def test_a_dead_builds_staging_folder_is_removed_and_a_live_one_kept(tmp_path):
    dead = tmp_path / f"{output.STAGING_PREFIX}999999999-abcd"  # no such pid
    dead.mkdir()
    (dead / "figures").mkdir()
    live = tmp_path / f"{output.STAGING_PREFIX}{os.getpid()}-abcd"
    live.mkdir()
    with output.staged(str(tmp_path)) as tmp:
        assert os.path.basename(tmp).startswith(f"{output.STAGING_PREFIX}{os.getpid()}-")
        with open(os.path.join(tmp, "summary.md"), "w") as handle:
            handle.write("new")
    assert not dead.exists() and live.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "summary.md"])


# -- mpbench run --report ------------------------------------------------------------------

def test_run_report_into_proc_is_refused_and_leaves_no_results_folder(tmp_path):
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "--report",
                       "/proc/nope", cwd=tmp_path)
    one_line_exit_2(proc, "/proc/nope")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("output_name, report", [
    ("out.json", "out.json"),
    ("out.json", "out.samples.json"),
    ("out.json", "out.json/sub"),
    ("rep/index.html", "rep"),
])
def test_run_report_in_the_place_of_the_results_is_refused(tmp_path, output_name, report):
    if "/" in output_name:
        (tmp_path / os.path.dirname(output_name)).mkdir()
    before = _listing(tmp_path)
    proc = run_mpbench("run", "--only", ONE, "--debug-single-value", "-o", output_name,
                       "--report", report, cwd=tmp_path)
    one_line_exit_2(proc, "would take the place of")
    assert _listing(tmp_path) == before
