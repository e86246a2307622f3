"""What ``multiprocessing.shared_memory.SharedMemory`` itself costs, one call at a time.

Operations (``mpbench_op``), each timed alone in this process, in batches
(the set-up of each batch, and its clean-up, outside the clock):

- ``create``: ``SharedMemory(create=True, size=S)``: ``shm_open``, ``ftruncate``,
  ``mmap``, and registering the name with the resource tracker; no page is
  touched (the pages cost when first written, see ``unlink``);
- ``attach``: ``SharedMemory(name)`` of a segment whose pages are all resident:
  ``shm_open``, ``fstat``, ``mmap`` and (tracked) the registration; no page read;
- ``close``: ``close()`` of an attachment that has read every page (a
  receiver's): releasing the view, ``munmap`` and closing the descriptor;
- ``unlink``: ``unlink()`` of a segment whose pages were all written and which
  nothing maps any more: ``shm_unlink`` frees the pages, then the tracker is told;
- ``register``: ``resource_tracker.register(name, "shared_memory")`` alone, what
  every tracked create or attach sends to the tracker (its matching
  ``unregister`` untimed).

``track=False`` (Python 3.13+, :func:`~mpbench.groups.shared.workloads.segments.supports_track`)
creates or attaches without the tracker. Every segment is unlinked by this
process (:class:`~mpbench.groups.shared.workloads.segments.Segments`), every register
unregistered, whatever happens. Standard library only.
"""

from __future__ import annotations

import os
from time import perf_counter
from typing import Any

from mpbench.groups.shared.workloads.segments import (
    Segments,
    shared_memory_class,
    touch_pages,
    write_pages,
)

OPS = ("create", "attach", "close", "unlink", "register")
SIZED_OPS = ("create", "attach", "close", "unlink")  # register does not depend on a size
TRACKABLE_OPS = ("create", "attach")
MAX_BATCH = 64          # segments (and descriptors) open at once
BATCH_BYTES = 2**28     # resident bytes a batch of touched segments may hold


def batch_size(size: int, op: str) -> int:
    """Segments per batch: descriptors stay few; touched pages stay under
    :data:`BATCH_BYTES`."""
    if op in ("close", "unlink"):
        return max(1, min(MAX_BATCH, BATCH_BYTES // max(size, 1)))
    return MAX_BATCH


def fixed_loops(op: str, size: int) -> int:
    """Operations per pyperf value. Fixed, not calibrated: the untimed set-up of each
    operation (pages written or read) outweighs the timed part, and pyperf would
    calibrate on the timed part only. A few ms of operations; fewer for large resident
    segments."""
    if op in ("close", "unlink"):
        return max(4, min(256, BATCH_BYTES // max(size, 1)))
    return 2048 if op == "register" else 256


def rough_seconds(op: str, size: int) -> float:
    """What one operation costs with its untimed set-up, roughly (progress estimates)."""
    pages = size / 4096 if op in ("close", "unlink") else 0
    return 30e-6 + pages * 1.5e-6


def _batches(loops: int, size: int, op: str) -> list[int]:
    each = batch_size(size, op)
    full, rest = divmod(loops, each)
    return [each] * full + ([rest] if rest else [])


def _attach_kwargs(track: bool) -> dict:
    return {} if track else {"track": False}


def time_create(loops: int, size: int, track: bool = True) -> float:
    """``loops`` x ``SharedMemory(create=True, size=size)``; every one unlinked after."""
    create = shared_memory_class()
    kwargs = {"create": True, "size": size, **_attach_kwargs(track)}
    elapsed = 0.0
    with Segments() as segments:
        for count in _batches(loops, size, "create"):
            made: list[Any] = []
            append = made.append
            try:
                t0 = perf_counter()
                for _ in range(count):
                    append(create(**kwargs))
                elapsed += perf_counter() - t0
            finally:
                segments.created.extend(made)
                segments.clear()
    return elapsed


def time_attach(loops: int, name: str, track: bool = True) -> float:
    """``loops`` x ``SharedMemory(name)`` of an existing segment; each closed after."""
    attach = shared_memory_class()
    kwargs = _attach_kwargs(track)
    elapsed = 0.0
    for count in _batches(loops, 0, "attach"):
        held: list[Any] = []
        append = held.append
        try:
            t0 = perf_counter()
            for _ in range(count):
                append(attach(name, **kwargs))
            elapsed += perf_counter() - t0
        finally:
            for segment in held:
                segment.close()
    return elapsed


def time_close(loops: int, name: str, size: int) -> float:
    """``loops`` x ``close()`` of an attachment that has read every page."""
    attach = shared_memory_class()
    elapsed = 0.0
    for count in _batches(loops, size, "close"):
        held: list[Any] = []
        try:
            for _ in range(count):
                held.append(attach(name))
                touch_pages(held[-1].buf)
            t0 = perf_counter()
            for segment in held:
                segment.close()
            elapsed += perf_counter() - t0
        finally:
            for segment in held:
                segment.close()  # a no-op once closed
    return elapsed


def time_unlink(loops: int, size: int) -> float:
    """``loops`` x ``unlink()`` of a closed segment whose pages were all written."""
    elapsed = 0.0
    with Segments() as segments:
        for count in _batches(loops, size, "unlink"):
            made = [segments.create(size) for _ in range(count)]
            for segment in made:
                write_pages(segment.buf)
                segment.close()
            t0 = perf_counter()
            for segment in made:
                segment.unlink()
            elapsed += perf_counter() - t0
            segments.created = [s for s in segments.created if s not in made]
    return elapsed


def time_register(loops: int) -> float:
    """``loops`` x ``resource_tracker.register(name, "shared_memory")`` of distinct
    names no segment has; each unregistered after (untimed), so the tracker is
    left as it was found."""
    from multiprocessing import resource_tracker

    register, unregister = resource_tracker.register, resource_tracker.unregister
    prefix = f"/mpbench-register-{os.getpid()}-"
    elapsed = 0.0
    for count in _batches(loops, 0, "register"):
        names = [f"{prefix}{i}" for i in range(count)]
        done = 0
        try:
            t0 = perf_counter()
            for name in names:
                register(name, "shared_memory")
                done += 1
            elapsed += perf_counter() - t0
        finally:
            for name in names[:done]:
                unregister(name, "shared_memory")
    return elapsed


class ResidentSegment:
    """One segment of ``size`` bytes with every page written, for attach and close
    (created in set-up, unlinked on the way out)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.segments = Segments()
        self.segment: Any = None

    def __enter__(self) -> ResidentSegment:
        self.segment = self.segments.create(self.size)
        write_pages(self.segment.buf)
        return self

    @property
    def name(self) -> str:
        return self.segment.name

    def __exit__(self, *exc: Any) -> None:
        self.segments.clear()
