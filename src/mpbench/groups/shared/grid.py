"""Sizes, options and rough costs of the ``shared`` group (:mod:`mpbench.groups.shared.catalogue`).

Sizes come from ``--shared-sizes`` (4 KiB to 256 MiB), a flag of its own:
``--sizes`` is the channels group's (1 B to 1 GiB), and ``mpbench`` builds
every group's catalogue from the same options, so one flag meaning two ranges
would make one group refuse or silently drop what the other accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mpbench import options as opt
from mpbench.groups.shared.workloads.transfer import ALL_TRANSFERS, FLOOR, TRANSFERS, receivers_of
from mpbench.memory_check import NEEDED_KEY
from mpbench.spec import MetadataValue
from mpbench.units import format_size, one_of, parse_list, parse_size_within

KiB, MiB = 2**10, 2**20
MIN_SIZE, MAX_SIZE = 4 * KiB, 256 * MiB
SLICE_MAX = 4 * MiB       # a[:] of an Array makes a list of ints: ~4.5x its bytes
FIXED_LOOP_SIZE = 16 * MiB  # from here one hand-over per value (-l 1): no calibration
MAX_LOOPS = 4096
COPY_NEW_FROM = 16 * MiB  # memcpy into a new object: below, glibc reuses freed memory
LEADS_SIZE = 64 * MiB     # the size the project's table of minimal loops has
DEFAULT_CLIENTS = (1, 2, 4)
FAST_CLIENTS = (1, 2)
# Memory one hand-over may hold at once, in payloads (sender's payload and its
# pickle or check copy, the receiver's buffers): measured 4 for queue/ndarray
# (docs/shared.md), plus a margin for the allocator and the interpreters.
MEMORY_FACTOR = {"queue": 6, "send_bytes": 4, "pickle5": 4, "shared_memory": 4,
                 "fork_cow": 4, FLOOR: 3, "memcpy": 3, "minimal": 3}
MEMORY_MARGIN = 256 * MiB


@dataclass(frozen=True)
class Grid:
    """Sizes per family."""

    transfer: tuple[int, ...]        # every transfer, bytes payload, and the floors
    arrays: tuple[int, ...]          # ndarray payload
    array_transfers: tuple[tuple[str, str], ...]  # (transfer, receiver) with an ndarray
    shm_ops: tuple[int, ...]         # SharedMemory's close and unlink
    shm_mapping: tuple[int, ...]     # create and attach (they touch no page)
    slices: tuple[int, ...]          # Array slices
    clients: tuple[int, ...]         # Value and proxy clients at once
    contended_reads: bool            # N clients for reads too (else writes only)
    pinned_proxies: tuple[tuple[str, str], ...]  # (object, op) also with every process on one CPU


_ALL_RECEIVERS = tuple((t, r) for t in TRANSFERS for r in receivers_of(t))
GRIDS = {
    "full": Grid(transfer=(4 * KiB, 64 * KiB, MiB, 16 * MiB, 64 * MiB, 256 * MiB),
                 arrays=(MiB, 16 * MiB), array_transfers=_ALL_RECEIVERS,
                 shm_ops=(4 * KiB, MiB, 64 * MiB), shm_mapping=(4 * KiB, MiB, 64 * MiB),
                 slices=(4 * KiB, 64 * KiB, MiB), clients=DEFAULT_CLIENTS,
                 contended_reads=True, pinned_proxies=(("dict", "get"), ("dict", "set"))),
    # what fits in 2 minutes here; 256 MiB only in the default and rigorous modes
    "fast": Grid(transfer=(4 * KiB, MiB, 64 * MiB), arrays=(MiB,),
                 array_transfers=(("queue", "copy"), ("send_bytes", "copy"), ("pickle5", "copy"),
                                  ("shared_memory", "copy")),
                 shm_ops=(4 * KiB, 64 * MiB), shm_mapping=(4 * KiB,), slices=(64 * KiB,),
                 clients=FAST_CLIENTS, contended_reads=False,
                 pinned_proxies=(("dict", "set"),)),
}


def grid_for(options: opt.Options) -> Grid:
    """``--shared-sizes`` replaces every size list (slices stop at 4 MiB), ``--nprocs``
    the clients; else the run mode's grid."""
    grid = GRIDS["fast" if options.get("mode") in ("fast", "debug") else "full"]
    sizes = options.get("shared_sizes")
    if sizes:
        sizes = tuple(sorted(sizes))
        grid = replace(grid, transfer=sizes, arrays=sizes, shm_ops=sizes, shm_mapping=sizes,
                       slices=tuple(s for s in sizes if s <= SLICE_MAX))
    nprocs = options.get("nprocs")
    if nprocs:
        grid = replace(grid, clients=tuple(sorted(nprocs)))
    return grid


# -- options ------------------------------------------------------------------------

def parse_buffer_size(text: str) -> int:
    return parse_size_within(text, "shared size", MIN_SIZE, MAX_SIZE)


def parse_shared_sizes(text: str) -> list[int]:
    return parse_list(text, parse_buffer_size, "shared size")


def parse_transfers(text: str) -> list[str]:
    return parse_list(text, one_of(ALL_TRANSFERS, "transfer"), "transfer")


def _sizes_text(sizes: Sequence[int]) -> str:
    return ",".join(format_size(s) for s in sizes)


OPTIONS = (
    opt.Option("--shared-sizes", parse_shared_sizes,
               "shared: buffer sizes, 4KiB to 256MiB (default: "
               f"{_sizes_text(GRIDS['full'].transfer)}; with --fast "
               f"{_sizes_text(GRIDS['fast'].transfer)})"),
    opt.Option("--transfers", parse_transfers,
               "shared: hand-over methods (default: all: " + ", ".join(ALL_TRANSFERS)
               + "); the floors they are compared with come along"),
)


# -- rough costs, for the progress estimate -------------------------------------------

# (fixed seconds, bytes per second) of one hand-over, measured on the project's 2-CPU VM
_SPEED = {("queue", "copy"): (38e-6, 0.42e9), ("send_bytes", "copy"): (22e-6, 0.7e9),
          ("pickle5", "copy"): (25e-6, 0.7e9), ("shared_memory", "view"): (34e-6, 16e9),
          ("shared_memory", "copy"): (36e-6, 2e9), ("fork_cow", "view"): (0.9e-3, 30e9),
          ("fork_cow", "copy"): (0.9e-3, 2e9), (FLOOR, "copy"): (18e-6, 1e9),
          ("minimal", "copy"): (30e-6, 2e9)}


def handover_seconds(transfer: str, receiver: str, size: int) -> float:
    fixed, rate = _SPEED[transfer, receiver]
    return fixed + size / rate


def handover_loops(transfer: str, receiver: str, size: int) -> int:
    """Fixed hand-overs per value, about 30 ms of them on a small VM (one from 16 MiB):
    pyperf's calibration would cost a worker process per benchmark and tell little
    (values are sums of spans between two processes, far above the timer's resolution)."""
    if size >= FIXED_LOOP_SIZE:
        return 1
    return max(1, min(MAX_LOOPS, round(0.03 / handover_seconds(transfer, receiver, size))))


def handover_cost(transfer: str, receiver: str, size: int) -> float:
    """Rough seconds per pyperf value, set-up included (progress estimates)."""
    one = handover_seconds(transfer, receiver, size)
    value = one * handover_loops(transfer, receiver, size)
    # set-up spread over a worker's values: processes, payload, check and memory passes
    return value + (0.05 + 3 * one + size / 1e9) / 4


def needed_memory(kind: str, size: int) -> int:
    """Bytes a benchmark of ``kind`` at ``size`` may hold at once, margin included;
    0 (nothing to check) below 16 MiB."""
    if size < FIXED_LOOP_SIZE:
        return 0
    return MEMORY_FACTOR[kind] * size + MEMORY_MARGIN


def memory_md(kind: str, size: int) -> dict[str, MetadataValue]:
    """What ``mpbench run`` checks is free before a large hand-over starts."""
    needed = needed_memory(kind, size)
    return {NEEDED_KEY: needed} if needed else {}
