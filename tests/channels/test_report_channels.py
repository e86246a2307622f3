"""The channels part of reports, built from two committed real ``--fast`` runs of the group.

    mpbench run --fast --sizes 64B,4KiB,1MiB --transports queue,pipe --nprocs 1,2,4 ...

once under CPython 3.11 and once under 3.12 (tests/data/suite-py3*.json, see test_report.py), each
with its samples file. The numbers the summary states are recomputed here from the fixture
itself, with pyperf and the samples JSON, not with the report's code.
"""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURE_RESULTS, ROOT
from conftest import FixtureFile as Fixture

from mpbench.groups.channels import report, results
from mpbench.reporting import data, plotting
from mpbench.units import format_seconds, format_size

DATA = ROOT / "tests" / "data"
PY311, PY312 = FIXTURE_RESULTS
FIGURES = ("channels_throughput", "channels_latency", "channels_round_trip_placement",
           "channels_objects", "channels_producers")


@pytest.fixture(scope="module")
def fixture():
    return Fixture(PY311)


@pytest.fixture(scope="module")
def summary(fixture_report):
    return fixture_report


def _median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def test_report_writes_every_channel_figure(summary):
    index = (summary / "index.html").read_text()
    text = (summary / "summary.md").read_text()
    for stem in FIGURES:
        assert (summary / "figures" / f"{stem}.png").stat().st_size > 10_000
        assert (summary / "figures" / f"{stem}.svg").exists()
        assert f"figures/{stem}.png" in text and f"figures/{stem}.svg" in index
    assert "Fixed cost and bandwidth" in text and "One-way latency percentiles" in text


def test_distance_from_the_floor_is_the_fixtures_own(fixture, summary):
    text = (summary / "summary.md").read_text()
    line = next(line for line in text.splitlines()
                if line.startswith("- Distance from the kernel floor at 1MiB"))
    for transport, shown in (("queue", "Queue"), ("pipe", "Pipe()")):
        name = fixture.one(transport=transport, metric="throughput", size=2**20,
                           payload="bytes", producers=1)
        floor = fixture.md[name]["mpbench_floor"]
        share = fixture.mean(floor) / fixture.mean(name)
        assert f"{shown} {100 * share:.0f}% of the raw" in line
        assert f"`{name}`" in line and f"`{floor}`" in line


def test_fastest_channel_per_size_is_the_fixtures_own(fixture, summary):
    text = (summary / "summary.md").read_text()
    line = next(line for line in text.splitlines()
                if line.startswith("- Fastest channel for streaming bytes"))
    for size in (64, 4096, 2**20):
        means = {t: fixture.mean(fixture.one(transport=t, metric="throughput", size=size,
                                             payload="bytes", producers=1))
                 for t in ("queue", "pipe")}
        winner = min(means, key=means.get)
        shown = {"queue": "Queue", "pipe": "Pipe()"}[winner]
        at = re.findall(r"(Queue|Pipe\(\)) at (\S+?)(?: to (\S+?))?[ ;.(]", line)
        assert any(w == shown and (format_size(size) in (first, last) or
                                   _within(size, first, last)) for w, first, last in at), line


def _within(size: int, first: str, last: str) -> bool:
    sizes = {"64B": 64, "4KiB": 4096, "1MiB": 2**20}
    return bool(last) and sizes[first] <= size <= sizes[last]


def test_latency_medians_come_from_the_samples_file(fixture, summary):
    text = (summary / "summary.md").read_text()
    start = "- One-way latency of a 64B message, median (placement same-cpu)"
    line = next(line for line in text.splitlines() if line.startswith(start))
    for transport, shown in (("queue", "Queue"), ("pipe", "Pipe()"), ("os_pipe", "raw os.pipe")):
        name = fixture.one(transport=transport, metric="round_trip", size=64,
                           placement="same-cpu")
        values = [v / 1e9 for v in fixture.samples[name]["series"]["one_way_ns"]]
        assert f"{shown} {format_seconds(_median(values))} (p99" in line
        assert f"`{name}`" in line


def test_harness_check_compares_the_raw_pipe_with_the_hand_written_loop(fixture, summary):
    """A file from before references had their own key: the raw pipe's floor is the
    hand-written loop, and that is its harness check (both placements)."""
    text = (summary / "summary.md").read_text()
    ratios = []
    for place in ("same-cpu", "free"):
        raw = fixture.one(transport="os_pipe", metric="round_trip", size=64, placement=place)
        minimal = fixture.md[raw]["mpbench_floor"]
        assert fixture.md[minimal]["mpbench_transport"] == "os_pipe_minimal"
        ratios.append(fixture.mean(raw) / fixture.mean(minimal))
        row = next(line for line in text.splitlines() if line.startswith(f"| channels | {raw} |"))
        assert row.startswith(f"| channels | {raw} | {ratios[-1]:.2f}x |")  # the answer first
        assert (f"| {format_seconds(fixture.mean(raw))} | {minimal} | "
                f"{format_seconds(fixture.mean(minimal))} |") in row
    assert (f"Harness check, channels: 2 benchmark(s) / their same-run minimal loops = "
            f"{min(ratios):.2f}x to {max(ratios):.2f}x (target within 1.10x either way") in text


def test_every_source_named_in_the_summary_is_in_the_fixture(fixture, summary):
    text = (summary / "summary.md").read_text()
    named = set(re.findall(r"`(channels\.[^`]+)`", text))
    assert named and named <= set(fixture.benches)


def test_object_payload_headline(fixture, summary):
    text = (summary / "summary.md").read_text()
    obj = fixture.one(transport="queue", metric="throughput", size=2**20, payload="object")
    raw = fixture.one(transport="queue", metric="throughput", size=2**20, payload="bytes",
                      producers=1)
    assert (f"Through Queue, a list of ints of 1MiB takes "
            f"{fixture.mean(obj) / fixture.mean(raw):.1f}x as long as bytes") in text


@pytest.mark.slow
def test_every_channel_figure_states_its_placement(tmp_path, monkeypatch):
    titles = {}
    real_save = plotting.save

    def capture(fig, outdir, stem, title, caption):
        titles[stem] = " ".join(ax.get_title() for ax in fig.axes) + " " + caption
        return real_save(fig, outdir, stem, title, caption)

    monkeypatch.setattr(plotting, "save", capture)
    rs = data.load(str(PY311))
    data.label_sets([rs])
    built = report.section(rs, str(tmp_path))
    assert [f.stem for f in built.figures] == list(FIGURES)
    for stem, text in titles.items():
        assert "placement" in text, stem


def test_fit_recovers_a_fixed_cost_and_a_bandwidth():
    class Fake:  # a throughput result: one message per value
        def __init__(self, size, seconds):
            self.name, self.mean = f"x[size={size}]", seconds

        def get(self, key, default=None):
            return 1 if key == "messages" else default

    points = {size: Fake(size, 5e-6 + size / 2e9) for size in (1, 64, 4096, 2**20, 2**26)}
    fitted = results.fit(points)
    assert fitted.fixed == pytest.approx(5e-6, rel=1e-6)
    assert fitted.bandwidth == pytest.approx(2e9, rel=1e-6)
    assert fitted.worst < 1e-6 and fitted.sources == [p.name for p in points.values()]


def test_compare_overlays_the_two_python_versions(fixture_comparison):
    tmp_path = fixture_comparison
    text = (tmp_path / "summary.md").read_text()
    assert "Fixed cost and bandwidth per results file" in text
    for stem in ("compare_channels_throughput", "compare_channels_latency",
                 "compare_ratio_channels"):
        assert (tmp_path / "figures" / f"{stem}.png").exists(), stem
