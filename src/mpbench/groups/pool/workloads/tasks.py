"""The tasks pool workers run, in a module that imports next to nothing.

Spawn and forkserver workers import the module of the function they run:
this one costs them only ``os`` and ``itertools``, so a pool's start-up
figure is the pool's, not mpbench's (``busywork`` alone takes ~16 ms to
import here, through ``statistics`` and ``dataclasses``).
"""

from __future__ import annotations

import os
from itertools import repeat
from typing import Any

WORKER_DIES_EXIT_CODE = 70

# Set in each worker by :func:`rendezvous_init` (the pool's ``initializer``).
_arrived: Any = None
_go: Any = None


def identity(x: Any = None) -> Any:
    """The no-op task: returns its argument (pyperformance's ``f``), so the result
    proves the task ran, and for a payload sends the argument's size back."""
    return x


def busy(iterations: int) -> int:
    """``iterations`` turns of the same empty loop as :func:`mpbench.workloads.busywork.spin`
    (copied here so that workers need not import ``busywork``); returns ``iterations``."""
    for _ in repeat(None, iterations):
        pass
    return iterations


def whoami(x: Any = None) -> tuple[Any, int]:
    """``(x, pid of the worker)``: for tests that the tasks really run in the workers."""
    return x, os.getpid()


def worker_dies(x: Any = None) -> None:
    """A task that kills its worker without a word (``--inject-fault worker-dies``)."""
    os._exit(WORKER_DIES_EXIT_CODE)


def rendezvous_init(arrived: Any, go: Any) -> None:
    """Pool ``initializer``: keep the two semaphores :func:`rendezvous` uses."""
    global _arrived, _go
    _arrived, _go = arrived, go


def rendezvous(timeout: float | None = None) -> int:
    """Say "running" and wait for the parent's go; returns the worker's pid.

    W of these, each blocking its worker until all W run, prove that W
    distinct workers are up and taking tasks.
    """
    _arrived.release()
    if not _go.acquire(timeout=timeout):
        raise TimeoutError("the parent never said go")
    return os.getpid()
