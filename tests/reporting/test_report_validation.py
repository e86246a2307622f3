"""``report`` and ``compare`` on edited results files: one line naming the benchmark
and the key, exit status 2, nothing created."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_RESULTS, run_mpbench

from mpbench.errors import UsageError
from mpbench.reporting import data
from mpbench.reporting.validate import REQUIRED_BY_GROUP, SCHEMA, check_benchmark

pytestmark = pytest.mark.timeout(120)


def edited(tmp_path: Path, edit) -> Path:
    """A copy of the first fixture (and its samples) with ``edit(document)`` applied."""
    document = json.loads(FIXTURE_RESULTS[0].read_text())
    edit(document)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document))
    shutil.copy(FIXTURE_RESULTS[0].with_name("suite-py311.samples.json"),
                tmp_path / "edited.samples.json")
    return path


def first_with(document, key: str):
    return next(b for b in document["benchmarks"] if key in b.get("metadata", {}))


def set_nprocs_abc(document) -> None:
    first_with(document, "mpbench_nprocs")["metadata"]["mpbench_nprocs"] = "abc"


def drop_nprocs(document) -> None:
    for bench in document["benchmarks"]:
        bench.get("metadata", {}).pop("mpbench_nprocs", None)


def drop_values(document) -> None:
    bench = document["benchmarks"][3]
    for run in bench["runs"]:
        run.pop("values", None)
        run.setdefault("warmups", [[1, 0.001]])


@pytest.mark.parametrize("command", ["report", "compare"])
@pytest.mark.parametrize("edit, fragment", [
    (set_nprocs_abc, "metadata mpbench_nprocs is 'abc', expected an integer"),
    (drop_values, "no values"),
    (drop_nprocs, "metadata mpbench_nprocs is missing"),
])
@pytest.mark.slow
def test_edited_metadata_is_one_line_exit_2_and_creates_nothing(tmp_path, command, edit,
                                                                   fragment):
    path = edited(tmp_path, edit)
    out = tmp_path / "out"
    files = [str(path)] if command == "report" else [str(FIXTURE_RESULTS[0]), str(path)]
    proc = run_mpbench(command, *files, "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "benchmark " in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


def test_the_message_names_the_benchmark(tmp_path):
    path = edited(tmp_path, set_nprocs_abc)
    document = json.loads(path.read_text())
    bench = first_with(document, "mpbench_nprocs")
    name = bench["metadata"].get("name")
    with pytest.raises(UsageError, match=f"benchmark {name!s}".replace("[", r"\[")
                       .replace("]", r"\]")):
        data.load(str(path))


@functools.cache
def _fixture_metadata():
    rs = data.load(str(FIXTURE_RESULTS[0]))
    return list(rs.results.values())


@pytest.mark.parametrize("key", sorted(SCHEMA))
def test_every_key_the_report_reads_is_checked(key):
    """Each schema key, given the wrong type, is refused with its name."""
    kind = SCHEMA[key][0]
    carriers = [r for r in _fixture_metadata() if key in r.md] or _fixture_metadata()[:1]
    result = carriers[0]
    md = dict(result.md)
    md[key] = 12 if kind == "string" else "abc"
    with pytest.raises(UsageError, match=key):
        check_benchmark("f.json", result.name, md, result.values)
    check_benchmark("f.json", result.name, result.md, result.values)  # untouched: fine


@pytest.mark.parametrize("value", [0, -1, True, 2.5, float("nan")])
def test_counts_must_be_whole_and_positive(value):
    result = next(r for r in _fixture_metadata() if "mpbench_nprocs" in r.md)
    with pytest.raises(UsageError, match="mpbench_nprocs"):
        check_benchmark("f.json", result.name, {**result.md, "mpbench_nprocs": value},
                        result.values)


@pytest.mark.parametrize("group, key", [(group, key) for group, keys in REQUIRED_BY_GROUP.items()
                                        for key in keys])
def test_the_keys_a_group_always_carries_must_be_there(group, key):
    result = next(r for r in _fixture_metadata() if r.group == group and key in r.md)
    md = {k: v for k, v in result.md.items() if k != key}
    with pytest.raises(UsageError, match=f"{key} is missing"):
        check_benchmark("f.json", result.name, md, result.values)
