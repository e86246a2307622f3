"""What the trace viewer's HTTP servers answer, and to whom.

- Only requests whose ``Host`` header names the address served (or
  ``localhost``), on the port served: a page elsewhere that points a name it
  controls at 127.0.0.1 (DNS rebinding) gets 403. On a wildcard address
  (``--host 0.0.0.0``) any IP literal is accepted too; names cannot be
  rebound to those.
- No ``Access-Control-*`` header (viztracer's handler sends
  ``Access-Control-Allow-Origin: *``): no other origin may read a response.
"""

from __future__ import annotations

import http.server
import ipaddress
from typing import Any

WILDCARDS = ("0.0.0.0", "::", "")


def _split_host(header: str) -> tuple[str, str]:
    """``'[::1]:9001'`` -> ``('::1', '9001')``; ``'localhost'`` -> ``('localhost', '')``."""
    header = header.strip()
    if header.startswith("["):
        name, _, rest = header[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else ""
    name, _, port = header.rpartition(":") if header.count(":") == 1 else (header, "", "")
    return name, port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def host_allowed(header: str | None, host: str, port: int) -> bool:
    """Whether a request with ``Host: header`` is meant for a server on ``host``:``port``."""
    if not header:
        return False
    name, given_port = _split_host(header)
    if given_port != str(port):
        return False
    name = name.lower().rstrip(".")
    if name in ("localhost", host.lower()):
        return True
    return host in WILDCARDS and _is_ip(name)


def guard(handler: type[http.server.BaseHTTPRequestHandler], host: str, port: int) -> None:
    """Make ``handler`` (and its subclasses) answer 403 to a foreign ``Host`` and
    drop every ``Access-Control-*`` header."""
    parse_request = handler.parse_request
    send_header = handler.send_header

    def guarded_parse_request(self: Any) -> bool:
        if not parse_request(self):
            return False
        if not host_allowed(self.headers.get("Host"), host, port):
            self.send_error(403, "Host not served here")
            return False
        return True

    def guarded_send_header(self: Any, keyword: str, value: str) -> None:
        if not keyword.lower().startswith("access-control-"):
            send_header(self, keyword, value)

    handler.parse_request = guarded_parse_request  # type: ignore[method-assign]
    handler.send_header = guarded_send_header  # type: ignore[method-assign]
