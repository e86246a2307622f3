"""``mpbench compare`` of the committed fixtures as a person reads it: a row per benchmark
as ``pyperf compare_to --table`` prints it, the geometric mean per group, the level of the
intervals named wherever they are shown, and every row in summary.md."""

from __future__ import annotations

import json
import math
import re
import statistics

import pytest
from conftest import FIXTURE_RESULTS, ROOT, run_mpbench

from mpbench.reporting.compare_console import ROWS
from mpbench.reporting.verdict import VERDICTS

pytestmark = pytest.mark.slow  # mpbench compare of 119 benchmarks in a subprocess
GLOB = sorted(str(p) for p in (ROOT / "tests" / "data").glob("suite-py31*.json"))
WORKER = "worker-level interval, drift unknown"
RATIO = re.compile(r"^(\d+\.\d\d)x (slower|faster) \[(\d+\.\d\d), (\d+\.\d\d)\]$")
TIME = r"\d[\d.]* (?:s|ms|us|ns)"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``mpbench compare tests/data/suite-py31*.json``: both results files and, as a shell
    glob gives them, their samples files."""
    out = tmp_path_factory.mktemp("compare") / "out"
    proc = run_mpbench("compare", *GLOB, "-o", str(out), timeout=200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((out / "comparison.json").read_text())
    return proc.stdout.splitlines(), out, doc, {r["benchmark"]: r for r in doc["results"]}


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def check_ratio(text: str, record: dict) -> str:
    """``text`` reads the record's ratio and interval in one direction; its direction."""
    found = RATIO.match(text)
    assert found, text
    shown, direction, low, high = (float(found[1]), found[2], float(found[3]), float(found[4]))
    ratio, (r_low, r_high) = record["ratio"], record["interval"]
    if direction == "faster":  # a speed-up and its interval, both as candidate-over-reference
        ratio, r_low, r_high = 1 / ratio, 1 / r_high, 1 / r_low
    assert ratio >= 1 or round(ratio, 2) == 1.0, text
    assert (shown, low, high) == pytest.approx((ratio, r_low, r_high), abs=0.006), text
    assert low <= shown <= high, text
    return direction


def test_samples_files_beside_their_results_files_are_skipped_in_one_line(compared):
    lines, *_ = compared
    assert lines[0] == ("skipped 2 samples files (read with their results files): "
                        "suite-py311.samples.json, suite-py312.samples.json")
    assert not any("samples" in line for line in lines[1:])


def test_terminal_rows_read_as_pyperf_table_rows(compared):
    """Called benchmarks, largest change first: reference -> candidate with units, the
    ratio in words with its interval the same way, the verdict."""
    lines, _, doc, records = compared
    start = next(i for i, line in enumerate(lines) if "called slower or faster" in line)
    assert WORKER in lines[start]  # the intervals are worker-level: said where they are shown
    assert cells(lines[start + 1]) == ["benchmark", "vm py3.11.7", "vm py3.12.1",
                                       "ratio [interval]", "verdict"]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("  ") or line.startswith(("  not shown", "  geometric mean")):
            break
        rows.append(cells(line))
    counts = doc["candidates"][0]["counts"]
    called = counts["slower"] + counts["faster"]
    assert len(rows) == min(ROWS, called) and called > ROWS
    changes = []
    for name, ref, arrow, cand, ratio, verdict in rows:
        record = records[name]
        assert arrow == "->" and re.fullmatch(TIME, ref) and re.fullmatch(TIME, cand)
        assert verdict == record["verdict"] == check_ratio(ratio, record)
        changes.append(abs(math.log(record["ratio"])))
    assert changes == sorted(changes, reverse=True)
    join = next(r for r in rows if r[0] == "process.join[method=forkserver]")
    assert join[1:] == ["54.0 us", "->", "27.0 us", "2.03x faster [1.56, 2.64]", "faster"]
    hidden = lines[start + 2 + len(rows)]
    assert hidden == (f"  not shown: {called - ROWS} more called, {counts['inconclusive']} "
                      "inconclusive (summary.md has every benchmark)")


def group_means(records: dict) -> dict[str, float]:
    by_group: dict[str, list[float]] = {}
    for name, record in records.items():
        by_group.setdefault(name.split(".")[0], []).append(math.log(record["ratio"]))
    return {group: math.exp(statistics.fmean(logs)) for group, logs in by_group.items()}


def test_a_geometric_mean_per_group_in_the_terminal_summary_and_json(compared):
    lines, out, doc, records = compared
    expected = group_means(records)
    every = math.exp(statistics.fmean(math.log(r["ratio"]) for r in records.values()))
    cand = doc["candidates"][0]
    assert set(cand) >= {"label", "files", "counts", "median_detectable"}  # kept as they were
    assert list(cand["geometric_means"]) == ["process", "channels", "sync"]
    for group, ratio in expected.items():
        entry = cand["geometric_means"][group]
        assert entry["ratio"] == pytest.approx(ratio)
        assert entry["direction"] == ("slower" if ratio > 1 else "faster")
        assert entry["benchmarks"] == sum(1 for n in records if n.startswith(group + "."))
    assert cand["geometric_mean"]["ratio"] == pytest.approx(every)
    assert cand["geometric_mean"]["benchmarks"] == len(records) == 119

    def words(ratio: float) -> str:
        return f"{ratio:.2f}x slower" if ratio >= 1 else f"{1 / ratio:.2f}x faster"

    shown = {cells(line)[0]: cells(line)[1] for line in lines
             if line.startswith("  geometric mean, ")}
    assert shown == {**{f"geometric mean, {g} ({cand['geometric_means'][g]['benchmarks']} "
                        f"benchmarks)": words(r) for g, r in expected.items()},
                     "geometric mean, all (119 benchmarks)": words(every)}
    assert words(every) == "1.05x slower"  # as pyperf compare_to --table says of these files
    summary = (out / "summary.md").read_text()
    assert ("| file | process (29) | channels (58) | sync (32) | all (119) |\n"
            "|---|---|---|---|---|\n"
            f"| vm py3.12.1 | {' | '.join(words(r) for r in expected.values())} | "
            f"{words(every)} |") in summary
    verdicts = next(line for line in lines if "would have been seen" in line)
    assert f"of 119 benchmarks, geometric mean {words(every)};" in verdicts


def test_summary_md_has_every_row_with_its_level_and_no_unknown_spread_column(compared):
    _, out, doc, records = compared
    summary = (out / "summary.md").read_text()
    table = summary.split("**Every common benchmark")[1].split("\n\n")[1].splitlines()
    assert table[0] == ("| benchmark | vm py3.11.7 -> vm py3.12.1 | ratio [95% interval] | "
                        "verdict | detectable |")
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in table[2:]]
    assert [row[0] for row in rows] == list(records) and len(rows) == 119
    for name, means, ratio, verdict, detectable in rows:
        record = records[name]
        assert re.fullmatch(f"{TIME} -> {TIME}", means), means
        check_ratio(ratio, record)
        assert verdict == record["verdict"] and verdict in VERDICTS
        assert detectable == f"{record['detectable']:.0%}"
    note = summary.split("**Every common benchmark")[1].split("\n\n")[2]
    assert note.startswith(f"Intervals: 95% {WORKER}.") and "docs/comparing.md" in note
    assert "over passes" not in summary and "py3.11.7 unknown" not in summary
    assert "README" not in summary
    html = (out / "index.html").read_text()
    assert f"95% interval ({WORKER})" in html  # the ratio figures' captions
    assert "over passes" not in html


def test_several_candidates_are_each_named_on_the_first_screen(tmp_path):
    """Three files (the third the first again): "In short" names both candidates, the
    terminal shows each one's rows, half as many each."""
    out = tmp_path / "out"
    paths = [*map(str, FIXTURE_RESULTS), str(FIXTURE_RESULTS[0])]
    proc = run_mpbench("compare", *paths, "-o", str(out), timeout=200)
    assert proc.returncode == 0, proc.stderr
    summary = (out / "summary.md").read_text()
    first = summary.split("## In short\n\n")[1].splitlines()[0]
    assert first.startswith("- Against suite-py311 #1, each file's geometric mean over the 119 ")
    assert ("vm py3.12.1 1.05x slower (26 slower, 8 faster, 85 inconclusive; most changed: "
            "process.join[method=forkserver] 2.03x faster [1.56, 2.64]); suite-py311 #3 1.00x "
            "(") in first
    lines = proc.stdout.splitlines()
    heads = [line for line in lines if "called slower or faster" in line]
    assert [h.split(" against ")[0] for h in heads] == ["vm py3.12.1", "suite-py311 #3"]
    assert "suite-py311 #3 against suite-py311 #1: no benchmark called" in heads[1]
    shown = [line for line in lines if re.search(r"  \d\.\d\dx (slower|faster) \[", line)]
    assert len(shown) == ROWS // 2
    hidden = next(line for line in lines[lines.index(heads[1]):] if "not shown" in line)
    assert re.fullmatch(r"  not shown: \d+ no change, \d+ inconclusive \(summary.md has every "
                        r"benchmark\)", hidden)
