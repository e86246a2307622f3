"""A stream for progress lines that outlives its reader.

``mpbench run | head -2`` closes the pipe after two lines; the next write
raises ``BrokenPipeError``. A run must not stop (and lose its results) for
that: from then on the lines go to stderr (or nowhere, if stderr is closed
too), and stdout is pointed at ``/dev/null`` so that the interpreter's last
flush at exit does not fail either.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import TextIO


def _closed_reader(exc: BaseException) -> bool:
    if isinstance(exc, BrokenPipeError):
        return True
    if isinstance(exc, ValueError):  # I/O operation on closed file
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.EBADF)


def _silence(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at /dev/null (its buffered text then
    flushes into nothing)."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class ProgressStream:
    """Write-through text stream: ``primary`` until its reader goes away, then
    ``sys.stderr`` (saying so once), then nothing."""

    def __init__(self, primary: TextIO | None) -> None:
        # None: the descriptor was closed before we started (``>&-``)
        self._streams: list[TextIO] = [primary] if primary is not None else []
        if primary is not sys.stderr and sys.stderr is not None:
            self._streams.append(sys.stderr)
        self._pending: list[str] = []
        self.lost: str | None = None  # which stream's reader went away

    def write(self, text: str) -> int:
        self._pending.append(text)
        return len(text)

    def flush(self) -> None:
        text = "".join(self._pending)
        self._pending.clear()
        while text and self._streams:
            stream = self._streams[0]
            try:
                stream.write(text)
                stream.flush()
                return
            except (OSError, ValueError) as exc:
                if not _closed_reader(exc):
                    raise
                self._streams.pop(0)
                _silence(stream)
                if self.lost is None:
                    self.lost = str(getattr(stream, "name", "output")).strip("<>")
                    text = f"mpbench: {self.lost} was closed; progress goes on here\n" + text
