"""N client processes running one operation in a loop on one shared object, at once.

The object kinds (``Value``, ``Array``, ``SharedMemory``, Manager proxies...)
live in :mod:`.values` and :mod:`.managers`;
this module only runs them. A client is a crew member that calls
``prepare(*spec)`` once, getting ``(loop, args, cleanup)``, makes one untimed
call (a proxy connects to its manager on first use), says it is ready, and
then per command ``count``: waits at a barrier with the others, stamps,
calls ``loop(*args, count)``, stamps, and answers the two stamps. Nothing
else runs inside the loop.

One timed call is the window from the first client's start to the last one's
end (``time.monotonic_ns``, system-wide), covering N x ``count`` operations:
pyperf's ``inner_loops`` = N gives seconds per operation, all clients
together (one client sees N times that per call of its own). Before and after
the window the parent may reset and check the shared state (``check``),
outside the clock. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic_ns, perf_counter
from typing import Any, Callable

from mpbench.workloads.crew import READY, STOP, Crew, entered, stop_crew

Prepare = Callable[..., tuple]


class Check:
    """Parent-side reset before and check after each timed call (outside the window)."""

    def reset(self) -> None:
        pass

    def verify(self, operations: int) -> None:
        pass


def client_member(conn: Any, prepare: Prepare, spec: tuple, barrier: Any,
                  timeout: float) -> None:
    """Crew target: see the module docstring."""
    loop, args, cleanup = prepare(*spec)
    try:
        loop(*args, 1)
        conn.send(READY)
        while True:
            count = conn.recv()
            if count is STOP:
                return
            if barrier is not None:
                barrier.wait(timeout)
            start = monotonic_ns()
            loop(*args, count)
            conn.send((start, monotonic_ns()))
    finally:
        cleanup()


class Clients:
    """``len(specs)`` clients, client ``i`` running ``prepare(*specs[i])``'s loop, each
    pinned to ``cpus`` if given."""

    def __init__(self, ctx: Any, prepare: Prepare, specs: Sequence[tuple], *, timeout: float,
                 what: str, check: Check | None = None,
                 cpus: Sequence[int] | None = None) -> None:
        self.ctx, self.prepare, self.specs = ctx, prepare, list(specs)
        self.timeout, self.what, self.cpus = timeout, what, cpus
        self.check = check or Check()
        self.crew: Crew | None = None

    @property
    def count(self) -> int:
        return len(self.specs)

    def __enter__(self) -> Clients:
        barrier = self.ctx.Barrier(self.count) if self.count > 1 else None
        args = [(self.prepare, spec, barrier, self.timeout) for spec in self.specs]
        self.crew = Crew(self.ctx, client_member, args, timeout=self.timeout, what=self.what,
                         names=[f"client-{i}" for i in range(self.count)],
                         cpus=[self.cpus] * self.count)
        self.crew.__enter__()
        try:
            self.crew.wait_ready("client")
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        stop_crew(self, exc_type, exc, tb)

    def time(self, loops: int) -> float:
        """``loops`` operations in each client at once: the window, in seconds."""
        self.check.reset()
        crew = entered(self.crew, self.what)
        crew.send_all(loops)
        stamps: list[tuple] = crew.recv_all()
        window = max(end for _, end in stamps) - min(start for start, _ in stamps)
        self.check.verify(loops * self.count)
        return window / 1e9


def time_in_process(loops: int, loop: Callable[..., None], args: tuple) -> float:
    """The same loop in this process, on a local object: ``loop(*args, loops)``."""
    t0 = perf_counter()
    loop(*args, loops)
    return perf_counter() - t0
