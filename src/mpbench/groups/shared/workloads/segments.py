"""Shared-memory segments that never outlive their benchmark.

Every segment the ``shared`` group creates is created through
:class:`Segments`, in the process that also unlinks it, on the way out of a
``with`` block: normally, on an exception (a child that died fails the
benchmark), and on SIGTERM (how ``mpbench run`` stops a benchmark on Ctrl-C
or a timeout), which :func:`terminate_raises` turns into an exception so the
same ``finally`` runs. A segment is unlinked exactly once, by its creator:
multiprocessing's resource tracker then sees one register and one unregister
per name and has nothing to warn about ("leaked shared_memory objects") and
nothing to unregister twice (a ``KeyError`` traceback from the tracker on
3.8-3.12). Children only attach and close.

Standard library only.
"""

from __future__ import annotations

import inspect
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


_SharedMemory: Any = None


def shared_memory_class() -> Any:
    """``multiprocessing.shared_memory.SharedMemory``, imported once, on first use
    (outside the timed loops: they call the class they were handed)."""
    global _SharedMemory
    if _SharedMemory is None:
        from multiprocessing.shared_memory import SharedMemory

        _SharedMemory = SharedMemory
    return _SharedMemory


def supports_track() -> bool:
    """Whether ``SharedMemory`` takes ``track=`` (Python 3.13+): attach or create
    without registering with the resource tracker."""
    return "track" in inspect.signature(shared_memory_class().__init__).parameters


class Segments:
    """Creates segments and unlinks every one of them when the block ends."""

    def __init__(self) -> None:
        self.created: list[Any] = []

    def create(self, size: int, track: bool = True) -> Any:
        """A new segment of ``size`` bytes (``track=False`` needs :func:`supports_track`)."""
        kwargs = {} if track else {"track": False}
        segment = shared_memory_class()(create=True, size=size, **kwargs)
        self.created.append(segment)
        return segment

    def discard(self, segment: Any) -> None:
        """Close and unlink one segment now."""
        self.created.remove(segment)
        _close_and_unlink(segment)

    def clear(self) -> None:
        """Close and unlink every segment still held."""
        created, self.created = self.created, []
        errors = []
        for segment in created:
            try:
                _close_and_unlink(segment)
            except BufferError as exc:  # a view still exported: unlinked all the same
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> Segments:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.clear()


def _close_and_unlink(segment: Any) -> None:
    try:
        segment.close()
    finally:
        try:
            segment.unlink()
        except FileNotFoundError:
            pass


def _raise_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def terminate_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit`` (so ``finally`` clauses unlink
    segments) instead of ending the process at once. Main thread only; the previous
    handler is restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def touch_pages(view: Any) -> None:
    """Read one byte of every page of ``view`` (faults every page in)."""
    bytes(memoryview(view).cast("B")[::PAGE])


def write_pages(view: Any) -> None:
    """Write one byte of every page of ``view`` (makes every page resident and dirty)."""
    flat = memoryview(view).cast("B")
    count = len(range(0, len(flat), PAGE))
    flat[::PAGE] = b"\x01" * count
