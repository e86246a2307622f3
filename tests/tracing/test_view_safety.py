"""``mpbench view``: localhost only, dies with its parent, refuses what is not a trace."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, run_mpbench

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads listening sockets from /proc/net")]

TRACE = {"traceEvents": [{"ph": "X", "name": "work", "ts": 0, "dur": 10, "pid": 1, "tid": 1},
                         {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "parent"}}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ip(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    return socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))


def listening_on(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:
                found.add(_ip(address))
    return found


def other_address() -> str:
    """An address of this machine that is not loopback ('' when it has none)."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return ""


@pytest.fixture
def trace_file(tmp_path) -> Path:
    path = tmp_path / "traces" / "demo-fork.json"
    path.parent.mkdir()
    path.write_text(json.dumps(TRACE))
    return path


def start_view(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mpbench", "view", *args, "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_url(proc: subprocess.Popen) -> str:
    for line in proc.stdout:
        found = re.search(r"(http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"no URL (exit status {proc.wait()}): {proc.stderr.read()}")


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    return err


@pytest.mark.parametrize("what", ["file", "folder"])
def test_view_listens_on_localhost_only(trace_file, what):
    port = free_port()
    target = trace_file if what == "file" else trace_file.parent
    proc = start_view(str(target), "--port", str(port))
    try:
        url = wait_for_url(proc)
        assert url.startswith(f"http://127.0.0.1:{port}/")
        assert listening_on(port) == {"127.0.0.1"}
        elsewhere = other_address()
        if elsewhere:  # the machine's other address does not answer
            with socket.socket() as sock:
                sock.settimeout(5)
                assert sock.connect_ex((elsewhere, port)) != 0
    finally:
        err = stop(proc)
    assert "warning" not in err


def test_an_explicit_host_widens_it_with_a_warning(trace_file):
    port = free_port()
    proc = start_view(str(trace_file), "--port", str(port), "--host", "0.0.0.0")
    try:
        assert wait_for_url(proc).startswith(f"http://127.0.0.1:{port}/")
        assert listening_on(port) == {"0.0.0.0"}
    finally:
        err = stop(proc)
    [warning] = [line for line in err.splitlines() if "warning" in line]
    assert "0.0.0.0" in warning and "not only on this machine" in warning


def test_the_viewer_server_dies_with_a_sigkilled_mpbench_view(trace_file):
    port = free_port()
    proc = start_view(str(trace_file), "--port", str(port))
    wait_for_url(proc)
    assert listening_on(port)
    proc.kill()
    proc.communicate(timeout=20)
    end = time.monotonic() + 10
    while listening_on(port) and time.monotonic() < end:
        time.sleep(0.1)
    assert not listening_on(port), "vizviewer outlived mpbench view"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def _bad_inputs(tmp_path: Path) -> dict:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(TRACE)[:40])
    truncated_gz = tmp_path / "truncated.json.gz"
    truncated_gz.write_bytes(gzip.compress(json.dumps(TRACE).encode())[:30])
    no_events = tmp_path / "other.json"
    no_events.write_text('{"hello": "world"}')
    no_traces = tmp_path / "no-traces"
    no_traces.mkdir()
    (no_traces / "index.html").write_text("<html></html>")
    (no_traces / "notes.json").write_text("[]")
    return {"empty": (empty, "empty file"),
            "truncated": (truncated, "not a readable trace"),
            "truncated-gz": (truncated_gz, "not a readable trace"),
            "results": (ROOT / "tests" / "data" / "suite-py311.json", "a results file"),
            "samples": (ROOT / "tests" / "data" / "suite-py311.samples.json", "a samples file"),
            "not-a-trace": (no_events, "not a trace"),
            "folder-without-traces": (no_traces, "no traces in this folder")}


@pytest.mark.parametrize("case", ["empty", "truncated", "truncated-gz", "results", "samples",
                                  "not-a-trace", "folder-without-traces"])
def test_view_refuses_what_is_not_a_trace_in_one_line(tmp_path, case):
    path, fragment = _bad_inputs(tmp_path)[case]
    proc = run_mpbench("view", str(path), "--no-browser", "--timeout", "5", timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and "http://" not in proc.stdout


def test_bad_host_is_one_line(trace_file):
    proc = run_mpbench("view", str(trace_file), "--host", "no-such-host.invalid", timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert os.path.exists(trace_file)


# -- what the servers answer, and to whom ---------------------------------------------------

def _get(port: int, path: str, host: str | None = None) -> tuple:
    """``(status, headers, body)`` of ``GET path`` with ``Host: host`` (default: the URL's)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host or f"127.0.0.1:{port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture
def served_file(trace_file):
    port = free_port()
    proc = start_view(str(trace_file), "--port", str(port))
    try:
        wait_for_url(proc)
        yield port
    finally:
        stop(proc)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/localtrace", "/file_info"])
def test_file_mode_sends_no_wildcard_cors_header(served_file, path):
    status, headers, body = _get(served_file, path)
    assert status == 200, body[:200]
    assert not [key for key in headers if key.startswith("access-control-")], headers
    if path == "/localtrace":
        assert json.loads(body) == TRACE


@pytest.mark.slow
@pytest.mark.parametrize("what", ["file", "folder"])
def test_only_requests_addressed_to_the_server_are_answered(trace_file, what):
    port = free_port()
    target = trace_file if what == "file" else trace_file.parent
    proc = start_view(str(target), "--port", str(port))
    try:
        wait_for_url(proc)
        page = "/localtrace" if what == "file" else "/demo-fork.json"
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.nip.io:{port}",
                     f"127.0.0.1:{port + 1}", ""):
            status, _, body = _get(port, page, host=host or " ")
            assert status in (400, 403), (host, status)
            assert b"traceEvents" not in body
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
            assert _get(port, page, host=host)[0] == 200, host
    finally:
        stop(proc)


@pytest.fixture
def served_folder(trace_file, tmp_path):
    folder = trace_file.parent
    (folder / "index.html").write_text("<html>index</html>")
    (folder / ".secret.json").write_text(json.dumps(TRACE))
    (folder / "root").symlink_to("/")
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(TRACE))
    (folder / "outside.json").symlink_to(outside)
    (folder / "inner").mkdir()
    (folder / "inner" / "notes.json").write_text("{}")
    port = free_port()
    proc = start_view(str(folder), "--port", str(port))
    try:
        wait_for_url(proc)
        yield port
    finally:
        stop(proc)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/root/etc/passwd", "/root/etc/", "/outside.json",
                                  "/.secret.json", "/inner/", "/inner", "/%2e%2e/outside.json",
                                  "/../outside.json", "/nothing.json"])
def test_folder_mode_serves_only_regular_files_inside_it(served_folder, path):
    status, _, body = _get(served_folder, path)
    assert status == 404, (path, status, body[:200])
    assert b"root:" not in body and b"traceEvents" not in body and b"<li>" not in body


@pytest.mark.slow
@pytest.mark.parametrize("path, fragment", [("/", b"index"), ("/index.html", b"index"),
                                            ("/demo-fork.json", b"traceEvents"),
                                            ("/inner/notes.json", b"{}")])
def test_folder_mode_still_serves_its_own_files(served_folder, path, fragment):
    status, _, body = _get(served_folder, path)
    assert status == 200 and fragment in body


@pytest.mark.slow
def test_a_compressed_trace_is_bounded_once_decompressed(tmp_path):
    """A small .json.gz that expands past the bound is refused without reading it all."""
    import zlib

    from mpbench.tracing.trace_files import MAX_BYTES

    bomb = tmp_path / "bomb.json.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = b" " * 2**20
    with open(bomb, "wb") as handle:
        handle.write(packer.compress(b'{"traceEvents": ['))
        for _ in range(MAX_BYTES // len(chunk) + 8):
            handle.write(packer.compress(chunk))
        handle.write(packer.compress(b"]}") + packer.flush())
    assert bomb.stat().st_size < MAX_BYTES // 100
    proc = run_mpbench("view", str(bomb), "--no-browser", "--timeout", "1", timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "once decompressed" in line and "http://" not in proc.stdout
