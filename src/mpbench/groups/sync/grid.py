"""Options, defaults and fixed rounds of the ``sync`` group (:mod:`mpbench.groups.sync.catalogue`):
process counts, primitives, the (critical section, think time) points, semaphore slots,
the start method the contenders use, and the rounds per value pyperf must not calibrate."""

from __future__ import annotations

from mpbench import options as opt
from mpbench.errors import UsageError
from mpbench.groups.sync.workloads import primitives as work
from mpbench.units import one_of, parse_list, parse_non_negative_float, parse_positive_int

DEFAULT_NPROCS = (1, 2, 4, 8, 16)
# --fast stops at 8: 16 contenders on a few CPUs measure the scheduler's time slices
# more than the primitive, and the whole --fast suite must fit in 10 minutes.
FAST_NPROCS = (1, 2, 4, 8)
DEFAULT_PRIMITIVES = work.MUTEX_PRIMITIVES + work.WAKEUP_PRIMITIVES
KNOWN_PRIMITIVES = DEFAULT_PRIMITIVES + (work.THREAD_PRIMITIVE,)
# --fast leaves out BoundedSemaphore: a Semaphore(1) with a bound check on release
FAST_PRIMITIVES = tuple(p for p in DEFAULT_PRIMITIVES if p != "bounded_semaphore")
DEFAULT_CRITICAL_US = 1.0
DEFAULT_THINK_US = 10.0
# (critical section, think time) in microseconds when neither option is given: a short
# section between stretches of work, and the empty loop (acquire, release, again: the
# most contention there can be).
DEFAULT_WORK_POINTS = ((DEFAULT_CRITICAL_US, DEFAULT_THINK_US), (0.0, 0.0))
DEFAULT_SLOTS = (2, 4)
MAX_MICROSECONDS = 1e6
# Wake-up rounds per value (fixed: pyperf would calibrate on the latencies alone, not
# on the rounds' real length, WAKE_GAP and the settling included).
WAKEUP_ROUNDS = 32


def wakeup_rounds(waiters: int) -> int:
    return max(8, WAKEUP_ROUNDS // waiters)


# Acquisitions per value of the threads floor, all threads together (fixed: the
# threads share one GIL, and whether their turns straddle its 5 ms switch interval
# made one value 63 ns and the next 1.2 us per acquisition here; pyperf, calibrating
# on the first, ran 45 s of the second).
THREAD_ACQUISITIONS = 32768
THREAD_BUSY_ACQUISITIONS = 4096


def thread_turns(nthreads: int, critical_us: float, think_us: float) -> int:
    """Turns per thread in one value of the threads floor."""
    total = THREAD_BUSY_ACQUISITIONS if critical_us + think_us > 0 else THREAD_ACQUISITIONS
    return max(1, total // nthreads)


def parse_primitives(text: str) -> list[str]:
    return parse_list(text, one_of(KNOWN_PRIMITIVES, "primitive",
                                   lambda item: item.strip().lower().replace("-", "_")),
                      "primitive")


def parse_microseconds(text: str) -> list[float]:
    def one(item: str) -> float:
        value = parse_non_negative_float(item, "time in microseconds")
        if value > MAX_MICROSECONDS:
            raise UsageError(f"bad time in microseconds {item!r}: at most {MAX_MICROSECONDS:g}")
        return value
    return parse_list(text, one, "time")


def parse_slots(text: str) -> list[int]:
    def one(item: str) -> int:
        value = parse_positive_int(item, "slot count", 256)
        if value < 2:
            raise UsageError(f"bad slot count {item!r}: at least 2 (one slot is the plain "
                             "semaphore, always measured)")
        return value
    return parse_list(text, one, "slot count")


OPTIONS = (
    opt.Option("--primitives", parse_primitives,
               "primitives for the sync group, comma-separated (default: "
               + ",".join(DEFAULT_PRIMITIVES) + "; the floors always come along)"),
    opt.Option("--critical-us", parse_microseconds,
               "sync: busy work inside the critical section, microseconds, comma-separated "
               "(default: 1)"),
    opt.Option("--think-us", parse_microseconds,
               "sync: busy work between a release and the next acquire, microseconds, "
               "comma-separated (default: 10)"),
    opt.Option("--slots", parse_slots,
               "sync: k for Semaphore(k) shared by N processes, comma-separated "
               "(default: 2,4)"),
)


def work_points(options: opt.Options) -> list[tuple[float, float]]:
    """(critical section, think time) pairs: every combination of the options given
    (the other at its default), or :data:`DEFAULT_WORK_POINTS`."""
    criticals = options.get("critical_us")
    thinks = options.get("think_us")
    if criticals is None and thinks is None:
        return list(DEFAULT_WORK_POINTS)
    return [(critical, think) for critical in (criticals or [DEFAULT_CRITICAL_US])
            for think in (thinks or [DEFAULT_THINK_US])]
