"""What the ``pool`` group crosses with what, its options, and how many tasks and loops
each value takes (:mod:`mpbench.groups.pool.catalogue` builds the benchmarks from them).

The full cross product would take an hour: :class:`Grid` says what is crossed with
what (``--fast``: a coarser one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from mpbench import options as opt
from mpbench.groups.pool.workloads import pools
from mpbench.machine import default_start_method
from mpbench.units import one_of, parse_list, parse_positive_int

DEFAULT_WORKERS = (1, 2, 4)
MAX_WORKERS = 64
APIS = ("pool", "executor") + pools.DISPATCH_APIS
DEFAULT_CHUNK = "default"  # Pool.map's own choice: ceil(tasks / (4 W))
DISPATCH_TASKS = 1024      # tasks per timed call (the default chunksize depends on it)
KiB, MiB = 2**10, 2**20
TASK_US = (1, 10, 100, 1000, 10000)
TIMEOUTS = (0.001, 0.01, 0.1)


Pairs = tuple[tuple[str, Optional[int]], ...]  # (api, chunksize); None: the API's default


@dataclass(frozen=True)
class Grid:
    """What is crossed with what. ``main W`` is 2 when asked for, else the middle of
    ``--workers``; the default start method is the platform's (unless ``--methods``
    leaves it out)."""

    sweep: Pairs        # at the main W and the default method
    per_method: Pairs   # at the main W, every other method
    per_workers: Pairs  # at every other W, the default method
    split_all_workers: bool        # startup/shutdown at every W (else the main W)
    break_even_all_workers: bool   # break-even at every W (else the main W)
    payload_sizes: tuple[int, ...]


FULL_SWEEP = (("map", 1), ("map", 4), ("map", 16), ("map", 64), ("map", None),
              ("imap", 1), ("imap", 16), ("imap_unordered", 1), ("imap_unordered", 16),
              ("apply_async", None), ("submit", None), ("executor_map", 1),
              ("executor_map", 16))
# --fast: every API at chunksize 1 (or none), and Pool.map's curve at 16, 64, its default
FAST_SWEEP = tuple(p for p in FULL_SWEEP if p[1] in (1, None) or p in (("map", 16), ("map", 64)))
GRIDS = {
    "full": Grid(FULL_SWEEP, per_method=(("map", 1), ("map", 16), ("submit", None)),
                 per_workers=(("map", 1), ("map", 16), ("submit", None)),
                 split_all_workers=False, break_even_all_workers=True,
                 payload_sizes=(64, 4 * KiB, 64 * KiB, MiB)),
    "fast": Grid(FAST_SWEEP, per_method=(("map", 1),), per_workers=(),
                 split_all_workers=False, break_even_all_workers=False,
                 payload_sizes=(64, MiB)),
}


# -- options ------------------------------------------------------------------------

def parse_workers(text: str) -> list[int]:
    return parse_list(text, lambda item: parse_positive_int(item, "worker count", MAX_WORKERS),
                      "worker count")


def parse_apis(text: str) -> list[str]:
    return parse_list(text, one_of(APIS, "API"), "API")


def parse_chunksizes(text: str) -> list[Any]:
    def one(item: str) -> Any:
        if item == DEFAULT_CHUNK:
            return item
        return parse_positive_int(item, "chunksize", DISPATCH_TASKS)
    return parse_list(text, one, "chunksize")


OPTIONS = (
    opt.Option("--workers", parse_workers,
               "pool: worker counts W, comma-separated, 1 to 64 (default: 1,2,4)"),
    opt.Option("--apis", parse_apis,
               "pool: APIs to measure (default: all: " + ",".join(APIS) + "; pool and "
               "executor are the start-up figures, map also brings payload and break-even)"),
    opt.Option("--chunksizes", parse_chunksizes,
               "pool: chunksizes of map, imap, imap_unordered and Executor.map, 1 to "
               f"{DISPATCH_TASKS} or 'default' (Pool.map's own; default: 1,4,16,64,default "
               "for map, 1,16 for the others)"),
)


# -- the grid for these options, and what each call and value takes --------------------

def grid_for(options: opt.Options) -> Grid:
    grid = GRIDS["fast" if options.get("mode") in ("fast", "debug") else "full"]
    chunks = options.get("chunksizes")
    if not chunks:
        return grid

    def rechunk(pairs: Pairs) -> Pairs:
        out: list[tuple[str, int | None]] = []
        for api in dict.fromkeys(api for api, _ in pairs):
            if api not in pools.CHUNKED_APIS:
                out.append((api, None))
                continue
            for chunk in chunks:
                if chunk != DEFAULT_CHUNK:
                    out.append((api, chunk))
                elif api == "map":
                    out.append((api, None))
        return tuple(out)
    return Grid(rechunk(grid.sweep), rechunk(grid.per_method), rechunk(grid.per_workers),
                grid.split_all_workers, grid.break_even_all_workers, grid.payload_sizes)


def start_method(options: opt.Options) -> str:
    """The platform's default start method, unless ``--methods`` leaves it out."""
    chosen = options.get("methods")
    default = default_start_method()
    return default if not chosen or default in chosen else chosen[0]


def main_workers(workers: Sequence[int]) -> int:
    ordered = sorted(workers)
    return 2 if 2 in ordered else ordered[len(ordered) // 2]


def effective_chunksize(api: str, chunksize: int | None, tasks: int, workers: int) -> int:
    """The chunksize a call really uses (Pool.map's default: ceil(tasks / (4 W)))."""
    if chunksize is not None:
        return chunksize
    if api == "map":
        return -(-tasks // (4 * workers))
    return 1


def chunk_param(api: str, chunksize: int | None) -> list[tuple[str, Any]]:
    if api not in pools.CHUNKED_APIS:
        return []
    return [("chunksize", DEFAULT_CHUNK if chunksize is None else chunksize)]


def payload_tasks(size: int, workers: int) -> int:
    """Tasks per call for ``size``-byte payloads: about 4 MiB of arguments, at least
    two chunks of 16 per worker, at most :data:`DISPATCH_TASKS`."""
    return max(32 * workers, min(DISPATCH_TASKS, 4 * MiB // size))


def apply_tasks(size: int) -> int:
    """Tasks per call of the synchronous ``apply``: 4 to 64, about 4 MiB."""
    return max(4, min(64, 4 * MiB // size))


def break_even_tasks(task_us: float, workers: int) -> int:
    """Tasks per call: a multiple of W, about 20 ms of work per worker."""
    return workers * max(4, min(64, int(20000 // task_us)))


def life_seconds(method: str, workers: int) -> float:
    """About what one pool's life costs here (for loop counts and estimates)."""
    return {"fork": 3 + 2 * workers, "forkserver": 10 + 8 * workers,
            "spawn": 25 + 25 * workers}[method] / 1000


def lifecycle_loops(method: str, workers: int) -> int:
    """Pool lives per value, fixed (pyperf would calibrate on the part timed only):
    about 40 ms of whole lives."""
    return max(1, round(0.04 / life_seconds(method, workers)))


def numeric_chunks(options: opt.Options, default: Sequence[int]) -> list[int]:
    given = options.get("chunksizes")
    return [c for c in given if c != DEFAULT_CHUNK] if given else list(default)


def timeout_label(seconds: float) -> str:
    return f"{seconds * 1000:g}ms"


def timeout_loops(seconds: float) -> int:
    """Calls per value: about 30 ms of timeouts (at least one)."""
    return max(1, round(0.03 / seconds))
