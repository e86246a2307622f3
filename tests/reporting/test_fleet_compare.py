"""Comparing a fleet: twenty results files made by perturbing one fixture, not by running
twenty suites."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import pytest
from conftest import ROOT

from mpbench.reporting import fleet
from mpbench.reporting.compare_build import build_comparison
from mpbench.reporting.data import load

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
FIXTURE = ROOT / "tests" / "data" / "suite-py311.json"
FILES = 20
SLOW_HOST = 7  # this machine is 40 % slower at everything


def perturbed_copies(folder: Path, count: int = FILES) -> list[Path]:
    """``count`` copies of the fixture as other machines: each with its own host name,
    every value scaled by a machine factor (one of them 1.4x) and a little noise per
    value; a few have forkserver as their default start method (as on 3.14)."""
    document = json.loads(FIXTURE.read_text())
    paths = []
    for index in range(count):
        rng = random.Random(index)
        factor = 1.4 if index == SLOW_HOST else (1.0 if index == 0 else rng.uniform(0.97, 1.03))
        copy = json.loads(json.dumps(document))
        copy["metadata"]["hostname"] = f"machine-{index:02d}"
        if index % 5 == 4:
            copy["metadata"]["mpbench_default_start_method"] = "forkserver"
        for bench in copy["benchmarks"]:
            for run in bench["runs"]:
                if "values" in run:
                    run["values"] = [v * factor * rng.uniform(0.99, 1.01) for v in run["values"]]
        path = folder / f"machine-{index:02d}.json"
        path.write_text(json.dumps(copy))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def fleet_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fleet")
    paths = perturbed_copies(folder)
    outdir = folder / "report"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert build_comparison([str(p) for p in paths], str(outdir)) == 0
    return paths, outdir, printed.getvalue().splitlines()


def test_heatmap_per_group_replaces_one_line_per_file(fleet_report):
    _, outdir, _ = fleet_report
    figures = {p.stem for p in (outdir / "figures").glob("*.png")}
    assert {"fleet_heatmap_process", "fleet_heatmap_channels", "fleet_heatmap_sync"} <= figures
    assert not any(stem.startswith("compare_ratio_") for stem in figures)
    # one line per file stops being readable: no per-group overlays for twenty files
    assert not any(stem.startswith("compare_") for stem in figures)


def test_the_slow_machine_is_called_slower_everywhere_and_the_others_are_not(fleet_report):
    _, outdir, _ = fleet_report
    doc = json.loads((outdir / "comparison.json").read_text())
    by_candidate = {c["label"]: c["counts"] for c in doc["candidates"]}
    slow = next(label for label in by_candidate if "machine-07" in label)
    assert by_candidate[slow]["slower"] > 0.5 * sum(by_candidate[slow].values())
    others = [counts for label, counts in by_candidate.items() if label != slow]
    assert all(counts["slower"] + counts["faster"] <= 0.05 * sum(counts.values())
               for counts in others)


def test_floor_table_has_every_file_and_the_start_method_headline(fleet_report):
    paths, outdir, _ = fleet_report
    summary = (outdir / "summary.md").read_text()
    assert "Each file against its own floors" in summary
    header = next(line for line in summary.splitlines() if line.startswith("| benchmark | floor"))
    assert header.count("|") == len(paths) + 3
    assert "process.start_join[method=fork]" in summary
    assert "The default start method differs between these files (fork on" in summary
    assert "forkserver on machine-04" in summary


def test_in_short_and_the_terminal_name_every_file(fleet_report):
    """Not only the first candidate: each file's geometric mean and verdicts, a line each
    in the terminal (no table per file), all of them in the first line of "In short"."""
    paths, outdir, printed = fleet_report
    doc = json.loads((outdir / "comparison.json").read_text())
    labels = [c["label"] for c in doc["candidates"]]
    first = (outdir / "summary.md").read_text().split("## In short\n\n")[1].splitlines()[0]
    assert first.startswith(f"- Against {doc['reference']['label']}, each file's geometric "
                            "mean over the 119 common benchmarks and its verdicts: ")
    slow = next(c for c in doc["candidates"] if "machine-07" in c["label"])
    assert slow["geometric_mean"]["ratio"] == pytest.approx(1.4, rel=0.01)
    for cand in doc["candidates"]:
        mean = cand["geometric_mean"]["ratio"]
        words = f"{mean:.2f}x slower" if mean >= 1 else f"{1 / mean:.2f}x faster"
        assert f"{cand['label']} {words} (" in first
    assert "machine-07 py3.11.7 1.40x slower (" in first
    assert printed[0].startswith(f"Against {doc['reference']['label']}, each file's")
    assert len(labels) == len(paths) - 1
    for label, line in zip(labels, printed[1:len(paths)]):
        assert line.startswith(f"  {label} ") and line[len(label) + 2:] in first
    assert len(printed) == len(paths) + 2  # the drift note, the files written
    assert not any(" -> " in line for line in printed)


def test_floor_rows_are_the_figures_machines_are_compared_by():
    rs = load(str(FIXTURE))
    rows = fleet.floor_rows(rs, list(rs.results))
    assert "process.start_join[method=spawn]" in rows
    assert "channels.queue.throughput[size=1MiB]" in rows
    assert "sync.contended[primitive=lock,nprocs=2]" in rows
    assert not any("nprocs=4" in row or "payload=object" in row for row in rows)
    assert all(not rs.results[row].is_floor for row in rows)


def test_a_handful_of_files_keeps_the_overlays(tmp_path):
    paths = perturbed_copies(tmp_path, count=3)
    outdir = tmp_path / "report"
    build_comparison([str(p) for p in paths], str(outdir))
    figures = {p.stem for p in (outdir / "figures").glob("*.png")}
    assert any(stem.startswith("compare_ratio_") for stem in figures)
    assert not any(stem.startswith("fleet_") for stem in figures)
