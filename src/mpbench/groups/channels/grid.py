"""Sizes, transports, options and rough costs of the ``channels`` group
(:mod:`mpbench.groups.channels.catalogue`): the message sizes each family of benchmarks
runs at (:class:`Grid`, ``--sizes``, ``--fast``), the transports ``--transports``
knows, and the seconds a message takes, roughly, for the progress estimate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mpbench import options as opt
from mpbench.groups.channels.workloads import messages as work
from mpbench.units import format_size, one_of, parse_list, parse_size_within

MAX_SIZE = 2**30
OBJECT_MAX_SIZE = 4 * 2**20  # a list of ints holds ~7x its pickled size in memory
IN_PROCESS = ("memcpy", "pickle")
# The hand-written loops are the harness checks' references; perf is a reference line.
MINIMAL = ("os_pipe_minimal", "pipe_minimal", "queue_minimal")
REFERENCES = ("perf_sched_pipe",) + MINIMAL
ALL_TRANSPORTS = work.CHANNELS + work.RAW + IN_PROCESS + REFERENCES


def _powers(base: int, top: int) -> tuple[int, ...]:
    sizes, size = [], 1
    while size <= top:
        sizes.append(size)
        size *= base
    return tuple(sizes)


@dataclass(frozen=True)
class Grid:
    """Message sizes per family of benchmarks."""

    throughput: tuple[int, ...]  # every transport and floor, bytes, placement free
    pinned: tuple[int, ...]      # the raw floors' throughput again, placement same-cpu
    round_trip: tuple[int, ...]  # every transport and raw floor, both placements
    objects: tuple[int, ...]     # a list of ints instead of bytes
    producers: tuple[int, ...]   # N producers into one queue


KiB, MiB = 2**10, 2**20
GRIDS = {
    # powers of 4 from 1 B to 64 MiB; the rest on powers of 16
    "full": Grid(throughput=_powers(4, 64 * MiB), pinned=_powers(16, 64 * MiB),
                 round_trip=_powers(16, MiB), objects=(64, 4 * KiB, 256 * KiB, 4 * MiB),
                 producers=(64, 64 * KiB)),
    # what `mpbench run --fast` fits in its time budget
    "fast": Grid(throughput=(64, 64 * KiB, MiB, 64 * MiB), pinned=(64, 64 * KiB, 64 * MiB),
                 round_trip=(1, 64 * KiB), objects=(64, 64 * KiB), producers=(64,)),
}


def grid_for(options: opt.Options) -> Grid:
    """The size lists: ``--sizes`` everywhere if given, else the run mode's grid."""
    sizes = options.get("sizes")
    if sizes:
        sizes = tuple(sorted(sizes))
        return Grid(sizes, sizes, sizes, tuple(s for s in sizes if s <= OBJECT_MAX_SIZE), sizes)
    return GRIDS["fast" if options.get("mode") in ("fast", "debug") else "full"]


# -- options ----------------------------------------------------------------------

def parse_message_size(text: str) -> int:
    return parse_size_within(text, "size", 1, MAX_SIZE, "a message has at least 1 byte")


def parse_sizes(text: str) -> list[int]:
    return parse_list(text, parse_message_size, "size")


def parse_transports(text: str) -> list[str]:
    return parse_list(text, one_of(ALL_TRANSPORTS, "transport"), "transport")


def _sizes_text(sizes: Sequence[int]) -> str:
    return ",".join(format_size(s) for s in sizes)


OPTIONS = (
    opt.Option("--sizes", parse_sizes,
               "channel message sizes, e.g. 64B,4KiB,1MiB (1 B to 1 GiB; default: powers of 4 "
               f"from 1B to 64MiB for throughput, {_sizes_text(GRIDS['full'].round_trip)} for "
               f"round trips; with --fast {_sizes_text(GRIDS['fast'].throughput)} and "
               f"{_sizes_text(GRIDS['fast'].round_trip)})"),
    opt.Option("--transports", parse_transports,
               "channel transports to measure (default: all: " + ", ".join(ALL_TRANSPORTS)
               + "); the floors they are compared with come along"),
)


# -- rough costs, for the progress estimate ------------------------------------------

# (fixed seconds per message, bytes per second) of one message, roughly, on a small VM
_SPEED = {
    "os_pipe": (2e-6, 2e9), "socketpair": (3e-6, 2e9), "pipe_simplex": (3e-6, 0.8e9),
    "pipe": (5e-6, 0.8e9), "simplequeue": (7e-6, 0.5e9), "queue": (7e-6, 0.5e9),
    "joinablequeue": (9e-6, 0.5e9), "manager_queue": (60e-6, 0.15e9),
    "memcpy": (0.2e-6, 6e9), "pickle": (1e-6, 3e9),
}
OBJECT_SECONDS_PER_BYTE = 1 / 0.1e9  # pickling and unpickling a list of ints


def message_seconds(transport: str, size: int, payload: str = "bytes") -> float:
    fixed, bandwidth = _SPEED.get(transport, (10e-6, 1e9))
    seconds = fixed + size / bandwidth
    if payload == "object":
        seconds += size * OBJECT_SECONDS_PER_BYTE
    return seconds


def rough_cost(transport: str, size: int, payload: str = "bytes", round_trip: bool = False,
               producers: int = 1) -> float:
    one = message_seconds(transport, size, payload) * (2 if round_trip else 1)
    # what a worker spends besides its values (its children, the priming call), spread
    # over them; measured: about 2.9 s a benchmark in a default run, 1.6 s with --fast
    setup = 0.045 + (size * 8 / 1e9 if transport not in IN_PROCESS else 0.0)
    return one * producers + setup
