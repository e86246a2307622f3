"""Inputs an adversary would try: one line on stderr, exit status 2, nothing written,
never a traceback or a hang (patterns, nested JSON, edited results and samples)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURE_RESULTS, run_mpbench

from mpbench.errors import UsageError
from mpbench.reporting import data

pytestmark = pytest.mark.timeout(120)
SAMPLES = FIXTURE_RESULTS[0].with_name("suite-py311.samples.json")


def one_line_exit_2(proc: subprocess.CompletedProcess, fragment: str) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    return lines[0]


# -- --only ---------------------------------------------------------------------------

NESTED = "(" * 5000 + "a" + ")" * 5000


@pytest.mark.parametrize("only, fragment", [
    ("a{9999999999}", "repetition number is too large"),
    (NESTED, "longer than"),
    ("(" * 300 + ")" * 300, "nested deeper than"),
    ("(.*.*)*X", "took over 1 s"),
    ("(.|.)*X", "took over 1 s"),
])
@pytest.mark.parametrize("command", [["list"], ["run", "--debug-single-value"],
                                     ["selftest", "aa"]])
@pytest.mark.slow
def test_a_pattern_that_overflows_recurses_or_backtracks_is_refused(tmp_path, command, only,
                                                                    fragment):
    output = [] if command == ["list"] else ["-o", str(tmp_path / "out")]
    proc = run_mpbench(*command, "--only", only, *output, cwd=tmp_path, timeout=60)
    one_line_exit_2(proc, fragment)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("only, fragment", [
    ("a{9999999999}", "repetition number is too large"),
    ("(" * 300 + ")" * 300, "nested deeper than"),
    ("(.*.*)*X", "took over"),
])
def test_select_refuses_such_a_pattern_in_one_line(only, fragment):
    from mpbench import catalogue

    specs = catalogue.build({})
    with pytest.raises(UsageError, match=fragment):
        catalogue.select(specs, only)


def test_an_honest_pattern_still_selects():
    from mpbench import pattern

    compiled = pattern.compile_only(r"^process\.(os_fork|start_join)\[")
    names = ["process.os_fork[x]", "process.start_join[method=fork]", "channels.queue"]
    assert pattern.matching(compiled, names) == set(names[:2])


def test_the_time_bound_gives_back_an_outer_timer():
    import signal

    from mpbench import pattern

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        pattern.matching(pattern.compile_only("a"), ["a", "b"])
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0 < remaining <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(UsageError, match="took over"):
        pattern.matching(pattern.compile_only("(.*.*)*X"), ["process.start_join" * 3], 0.2)


# -- files nested too deeply ------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("command", ["report", "compare", "export", "view"])
def test_a_file_of_100000_brackets_is_one_line(tmp_path, command):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    args = {"report": ["report", str(deep), "-o", str(tmp_path / "out")],
            "compare": ["compare", str(FIXTURE_RESULTS[0]), str(deep), "-o",
                        str(tmp_path / "out")],
            "export": ["export", str(deep), "--format", "csv", "-o", str(tmp_path / "x.csv")],
            "view": ["view", str(deep), "--no-browser", "--timeout", "1"]}[command]
    one_line_exit_2(run_mpbench(*args, timeout=60), "nested too deeply")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.json"]


def test_a_samples_file_nested_too_deeply_is_refused(tmp_path):
    shutil.copy(FIXTURE_RESULTS[0], tmp_path / "r.json")
    (tmp_path / "r.samples.json").write_text('{"format": "mpbench-samples", "x": '
                                             + "[" * 100_000)
    with pytest.raises(UsageError, match="nested too deeply"):
        data.load(str(tmp_path / "r.json"))


# -- edited samples and results -------------------------------------------------------

def _with_samples(tmp_path: Path, edit) -> Path:
    shutil.copy(FIXTURE_RESULTS[0], tmp_path / "r.json")
    document = json.loads(SAMPLES.read_text())
    edit(document)
    (tmp_path / "r.samples.json").write_text(json.dumps(document))
    return tmp_path / "r.json"


def _first(document) -> dict:
    return next(iter(document["benchmarks"].values()))


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d.update(benchmarks=None), '"benchmarks" is NoneType'),
    (lambda d: d.update(benchmarks=[]), '"benchmarks" is list'),
    (lambda d: _first(d).update(series={"wait": "abc"}), '"series" must map'),
    (lambda d: _first(d).update(series={"wait": ["1e-6"]}), '"series" must map'),
    (lambda d: _first(d).update(series="abc"), '"series" must map'),
    (lambda d: _first(d).update(info=[{"ops": "many", "x": {"y": 1}}]), '"info" must be'),
    (lambda d: _first(d).update(info="abc"), '"info" must be'),
    (lambda d: _first(d).update(kept_every={"wait": 0}), '"kept_every" must map'),
    (lambda d: d["benchmarks"].update(x="abc"), "benchmark x: expected an object"),
])
def test_a_samples_file_of_the_wrong_shape_is_refused_at_load(tmp_path, edit, fragment):
    with pytest.raises(UsageError, match=fragment.replace("(", r"\(")):
        data.load(str(_with_samples(tmp_path, edit)))


@pytest.mark.slow
@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_null_samples_file_writes_no_folder(tmp_path, command):
    path = _with_samples(tmp_path, lambda d: d.update(benchmarks=None))
    out = tmp_path / "out"
    files = [str(path)] if command == "report" else [str(FIXTURE_RESULTS[0]), str(path)]
    one_line_exit_2(run_mpbench(command, *files, "-o", str(out)), '"benchmarks" is NoneType')
    assert not out.exists()


def _edited_results(tmp_path: Path, edit) -> Path:
    document = json.loads(FIXTURE_RESULTS[0].read_text())
    edit(document)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    return path


def _set_size(document, value) -> None:
    bench = next(b for b in document["benchmarks"] if "mpbench_size" in b.get("metadata", {}))
    bench["metadata"]["mpbench_size"] = value


def _set_values(name: str, value: float):
    def edit(document) -> None:
        for bench in document["benchmarks"]:
            if bench["metadata"].get("name") == name:
                for run in bench["runs"]:
                    if "values" in run:
                        run["values"] = [value] * len(run["values"])
    return edit


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: _set_size(d, 10**400), "mpbench_size is 1000"),
    (lambda d: _set_size(d, 2**53 + 1), "of at most 2**53"),
    (lambda d: _set_size(d, 1e300), "expected an integer"),
    (_set_values("process.os_fork", 5e-324), "not a number of seconds between"),
    (_set_values("process.os_fork", 1e300), "not a number of seconds between"),
])
def test_numbers_no_computation_can_take_are_refused_at_load(tmp_path, edit, fragment):
    with pytest.raises(UsageError, match=fragment.replace("*", r"\*")):
        data.load(str(_edited_results(tmp_path, edit)))


@pytest.mark.slow
def test_compare_against_a_5e_324_floor_is_one_line(tmp_path):
    path = _edited_results(tmp_path, _set_values("process.os_fork", 5e-324))
    out = tmp_path / "out"
    line = one_line_exit_2(run_mpbench("compare", str(FIXTURE_RESULTS[0]), str(path), "-o",
                                       str(out)), "process.os_fork")
    assert "not a number of seconds" in line and not out.exists()
