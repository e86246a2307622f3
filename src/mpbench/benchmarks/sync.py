"""The ``sync`` group: locks, semaphores, events and conditions under contention.

N processes contend for one primitive (acquire -> critical section ->
release -> think time); Semaphore(k) is shared by N; Event and Condition
wake 1 or N waiters. Floors, measured in the same run: an uncontended
acquire+release in one process, a bare semaphore ping-pong between two
processes (the hand-off floor), and ``threading.Lock`` contended by N threads
of one process running the same loop (what crossing processes adds).
References (the harness checks): the bare contended Lock loop at each N
(``sync.lock_minimal``) and a bare Event set -> wait-return ping
(``sync.event_minimal``), measured in the same run.

Every contention benchmark times a clean pass (nothing in the loop but the
primitive and the busy work) and takes its distributions and the
mutual-exclusion check from an instrumented pass of the same configuration
(:mod:`mpbench.workloads.contention`). The semaphore ping-pong, the wake-ups
and the Event reference run in every ``--placement`` (default same-cpu and
cross-cpu).

The contenders use one start method (the platform's default, unless
``--methods`` leaves it out): once the processes run, the start method does
not change what a lock costs.
"""

from __future__ import annotations

import functools
import multiprocessing
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mpbench import options as opt
from mpbench.catalogue import BenchSpec, Prepared, WorkerEnv, bench_name
from mpbench.errors import UsageError
from mpbench.machine import default_start_method, usable_cpu_count
from mpbench.units import one_of, parse_list, parse_non_negative_float, parse_positive_int
from mpbench.workloads import contention, minimal, wakeup
from mpbench.workloads import sync as work
from mpbench.workloads.crew import Crew
from mpbench.workloads.placement import cpus_for, end_cpus, pinned, spread_cpus

GROUP = "sync"
DEFAULT_NPROCS = (1, 2, 4, 8, 16)
# --fast stops at 8: 16 contenders on a few CPUs measure the scheduler's time slices
# more than the primitive, and the whole --fast suite must fit in 10 minutes.
FAST_NPROCS = (1, 2, 4, 8)
DEFAULT_PRIMITIVES = work.MUTEX_PRIMITIVES + work.WAKEUP_PRIMITIVES
KNOWN_PRIMITIVES = DEFAULT_PRIMITIVES + (work.THREAD_PRIMITIVE,)
DEFAULT_CRITICAL_US = 1.0
DEFAULT_THINK_US = 10.0
# (critical section, think time) in microseconds when neither option is given: a short
# section between stretches of work, and the empty loop (acquire, release, again: the
# most contention there can be).
DEFAULT_WORK_POINTS = ((DEFAULT_CRITICAL_US, DEFAULT_THINK_US), (0.0, 0.0))
DEFAULT_SLOTS = (2, 4)
MAX_MICROSECONDS = 1e6
FAULTS = (contention.FAULT_DIE_HOLDING, contention.FAULT_SLOW_START)
# pyperf worker processes relative to the mode's (each starts N contenders and merges
# their stamps after every value): 4 with --fast, 6 by default (8 before the
# references and the second placement of the wake-ups came, within 25 minutes).
CONTENTION_WEIGHT = 0.35
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


def start_method(options: opt.Options) -> str:
    """The platform's default start method, unless ``--methods`` leaves it out."""
    chosen = options.get("methods")
    default = default_start_method()
    if not chosen or default in chosen:
        return default
    return chosen[0]


def work_points(options: opt.Options) -> list[tuple[float, float]]:
    """(critical section, think time) pairs: every combination of the options given
    (the other at its default), or :data:`DEFAULT_WORK_POINTS`."""
    criticals = options.get("critical_us")
    thinks = options.get("think_us")
    if criticals is None and thinks is None:
        return list(DEFAULT_WORK_POINTS)
    return [(critical, think) for critical in (criticals or [DEFAULT_CRITICAL_US])
            for think in (thinks or [DEFAULT_THINK_US])]


def _fault(options: opt.Options) -> str | None:
    """The test fault meant for this group, if any (other groups' faults are theirs to
    check: every group sees the same ``--inject-fault``)."""
    fault = opt.fault(options)
    return fault if fault in FAULTS else None


def _occupancy(nprocs: int, cpus: int | None = None) -> dict[str, Any]:
    """What the pyperf worker (and so its children) may run on: oversubscribed or not."""
    cpus = usable_cpu_count() if cpus is None else cpus
    return {"mpbench_worker_cpus": cpus, "mpbench_oversubscribed": int(nprocs > cpus)}


def _busy_metadata(calibrations: list[dict[str, Any]], call: Any) -> dict[str, Any]:
    """The busy loop behind ``critical_us`` and ``think_us``: the spin lengths of the
    set-up's probe and what they measured there (medians over the processes that
    spin, each calibrated in itself just before), and the calibration each made
    at start-up (medians)."""
    def mid(key: str) -> float:
        return statistics.median(c[key] for c in calibrations)
    return {"mpbench_critical_iters": call.critical_iters,
            "mpbench_think_iters": call.think_iters,
            "mpbench_spin_call_ns": round(mid("call_ns"), 1),
            "mpbench_spin_iteration_ns": round(mid("iteration_ns"), 3),
            "mpbench_critical_us_measured": round(call.critical_us_measured, 4),
            "mpbench_think_us_measured": round(call.think_us_measured, 4)}


# Acquisitions of the set-up's probe, a clean pass then an instrumented one (checks
# exclusion once before any value, measures the busy work for the metadata, just
# after a calibration; not in the samples file).
PROBE_ACQUISITIONS = 2000


@contextmanager
def _contended(env: WorkerEnv, primitive: str, nprocs: int, slots: int, critical_us: float,
               think_us: float, method: str, fault: str | None) -> Iterator[Prepared]:
    """Start N contenders (outside the timed region), each calibrating its own busy
    work, probe them once with an instrumented pass, hand out the time function."""
    ctx = multiprocessing.get_context(method)
    lock = work.make_primitive(ctx, primitive, slots)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    barrier = ctx.Barrier(nprocs) if nprocs > 1 else None
    what = f"{nprocs} processes on one {primitive}" + (f"({slots})" if slots > 1 else "")
    args = [(lock, raw, i, barrier, 0, 0, slots, env.child_timeout, fault,
             (critical_us, think_us)) for i in range(nprocs)]
    with Crew(ctx, contention.contender_member, args, timeout=env.child_timeout, what=what,
              names=[f"contender-{i}" for i in range(nprocs)],
              cpus=spread_cpus(nprocs)) as crew:
        calibrations = crew.recv_all()  # every contender runs: start-up is behind us
        run = contention.Contention(contention.crew_driver(crew, state, primitive), state,
                                    nprocs, slots, what)
        probe = run.probe(PROBE_ACQUISITIONS)
        yield Prepared(run.time_func, {**_occupancy(nprocs),
                                       **_busy_metadata(calibrations, probe)}, run.sample_calls)


@contextmanager
def _threaded(env: WorkerEnv, nthreads: int, critical_us: float,
              think_us: float) -> Iterator[Prepared]:
    """threading.Lock contended by N threads of the worker, the same loop."""
    busy = contention.Work(critical_us=critical_us, think_us=think_us).calibrate()
    lock = work.make_primitive(None, work.THREAD_PRIMITIVE)
    state = work.state_view(work.new_state())
    driver = contention.thread_driver(lock, state, nthreads, 1, busy, env.child_timeout,
                                      spread_cpus(nthreads))
    run = contention.Contention(driver, state, nthreads, 1,
                                f"{nthreads} threads on one threading.Lock")
    probe = run.probe(PROBE_ACQUISITIONS)
    yield Prepared(run.time_func, {**_occupancy(nthreads),
                                   **_busy_metadata([busy.describe()], probe)},
                   run.sample_calls)


@contextmanager
def _uncontended(env: WorkerEnv, primitive: str, method: str) -> Iterator[Prepared]:
    ctx = None if primitive == work.THREAD_PRIMITIVE else multiprocessing.get_context(method)
    lock = work.make_primitive(ctx, primitive)
    yield Prepared(functools.partial(work.time_uncontended, lock=lock))


def _placement_metadata(placement: str, processes: int) -> dict[str, Any]:
    """Occupancy of a placed benchmark: the CPUs its processes may use."""
    cpus = cpus_for(placement)
    md = _occupancy(processes - 1, len(cpus) if cpus else None)
    if cpus:
        md["mpbench_cpus"] = ",".join(map(str, cpus))
    return md


@contextmanager
def _pingpong(env: WorkerEnv, method: str, placement: str) -> Iterator[Prepared]:
    """Two processes handing two semaphores back and forth, this worker (end 0)
    and an echo child (end 1), placed as asked."""
    ctx = multiprocessing.get_context(method)
    ping, pong = ctx.Semaphore(0), ctx.Semaphore(0)
    mine, theirs = end_cpus(placement, 2)
    occupancy = _placement_metadata(placement, 2)
    with pinned(mine):
        with Crew(ctx, work.pingpong_member, [(ping, pong)], timeout=env.child_timeout,
                  what="semaphore ping-pong", names=["echo"], cpus=[theirs]) as crew:
            crew.recv_all()
            yield Prepared(functools.partial(work.time_pingpong, crew=crew, ping=ping,
                                             pong=pong, timeout=env.child_timeout),
                           occupancy)


@contextmanager
def _wakeup(env: WorkerEnv, primitive: str, waiters: int, notify: int | None,
            method: str, placement: str) -> Iterator[Prepared]:
    """Start W waiters (outside the timed region, ends 1..W); the worker is the waker
    (end 0)."""
    ctx = multiprocessing.get_context(method)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    prims: Any = ((ctx.Event(), ctx.Event()) if primitive == "event"
                  else ctx.Condition(ctx.Lock()))
    ack = ctx.Semaphore(0)
    what = f"{primitive} waking {waiters} waiter(s)"
    cpus = end_cpus(placement, waiters + 1)
    occupancy = _placement_metadata(placement, waiters + 1)
    with pinned(cpus[0]):
        with Crew(ctx, wakeup.waiter_member, [(primitive, prims, raw, ack)] * waiters,
                  timeout=env.child_timeout, what=what, cpus=cpus[1:],
                  names=[f"waiter-{i}" for i in range(waiters)]) as crew:
            crew.recv_all()
            run = wakeup.Wakeups(crew, primitive, prims, state, ack, waiters, notify,
                                 env.child_timeout)
            yield Prepared(run.time_func, occupancy, run.sample_calls)


@contextmanager
def _minimal_lock(env: WorkerEnv, nprocs: int, method: str) -> Iterator[Prepared]:
    ctx = multiprocessing.get_context(method)
    with minimal.LockLoop(ctx, nprocs, env.child_timeout, spread_cpus(nprocs)) as loop:
        yield Prepared(loop.time_func, _occupancy(nprocs))


@contextmanager
def _minimal_event(env: WorkerEnv, method: str, placement: str) -> Iterator[Prepared]:
    ctx = multiprocessing.get_context(method)
    mine, theirs = end_cpus(placement, 2)
    md = _placement_metadata(placement, 2)
    with pinned(mine), minimal.EventPing(ctx, env.child_timeout, theirs) as ping:
        yield Prepared(ping.time_func, md)


def _us(value: float) -> str:
    return f"{value:g}"


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The sync group for these options."""
    fast = options.get("mode") in ("fast", "debug")
    nprocs_list = opt.value(options, "nprocs", FAST_NPROCS if fast else DEFAULT_NPROCS)
    primitives = opt.value(options, "primitives", DEFAULT_PRIMITIVES)
    points = work_points(options)
    slots_list = opt.value(options, "slots", DEFAULT_SLOTS)
    placements = opt.placements(options)
    method = start_method(options)
    fault = _fault(options)
    mutexes = [p for p in work.MUTEX_PRIMITIVES if p in primitives]
    wakeups = [p for p in work.WAKEUP_PRIMITIVES if p in primitives]
    specs: list[BenchSpec] = []

    def add(base: str, params, metadata, setup, **spec_kwargs) -> BenchSpec:
        spec = BenchSpec(bench_name(f"{GROUP}.{base}", params),
                         {"mpbench_group": GROUP,
                          **{k: v for k, v in metadata.items() if v is not None}},
                         setup, **spec_kwargs)
        specs.append(spec)
        return spec

    def work_params(critical: float, think: float):
        params = []
        if critical != DEFAULT_CRITICAL_US:
            params.append(("critical_us", _us(critical)))
        if think != DEFAULT_THINK_US:
            params.append(("think_us", _us(think)))
        return params

    def placement_param(placement: str):
        return [("placement", placement)] if placement != "free" else []

    def acquire_md(primitive: str, nprocs: int, slots: int, critical: float, think: float):
        return {"mpbench_metric": "acquire", "mpbench_operation": "contended",
                "mpbench_placement": "spread",
                "mpbench_primitive": primitive,
                "mpbench_nprocs": nprocs, "mpbench_slots": slots,
                "mpbench_critical_us": critical, "mpbench_think_us": think,
                "mpbench_ops": nprocs}

    def contention_cost(nprocs: int, critical: float, think: float) -> float:
        # per value: the clean window (>= pyperf's min time), the instrumented pass
        # (~10 ms at the clean rate, 1.5-3x slower) and merging its stamps
        busy = critical + think < 2
        return (0.06 if busy else 0.045) + 0.001 * nprocs

    # Floors and references (the minimal loops of the harness checks)
    thread_primitive = work.THREAD_PRIMITIVE
    for primitive in mutexes + [thread_primitive]:
        md = {"mpbench_metric": "acquire", "mpbench_primitive": primitive, "mpbench_nprocs": 1,
              "mpbench_slots": 1, "mpbench_critical_us": 0.0, "mpbench_think_us": 0.0,
              "mpbench_ops": 1, "mpbench_is_floor": 1,
              "mpbench_operation": "uncontended"}
        if primitive != thread_primitive:
            md["mpbench_method"] = method
        add("uncontended", [("primitive", primitive)], md,
            functools.partial(_uncontended, primitive=primitive, method=method), weight=0.5,
            cost=0.03)
    lock_reference: dict[int, str] = {}
    if "lock" in mutexes and (0.0, 0.0) in points:
        for nprocs in nprocs_list:
            lock_reference[nprocs] = add(
                "lock_minimal", [("nprocs", nprocs)],
                {"mpbench_metric": "acquire", "mpbench_operation": "contended (bare loop)",
                 "mpbench_primitive": "lock", "mpbench_nprocs": nprocs, "mpbench_slots": 1,
                 "mpbench_critical_us": 0.0, "mpbench_think_us": 0.0, "mpbench_ops": nprocs,
                 "mpbench_placement": "spread", "mpbench_method": method,
                 "mpbench_is_floor": 1, "mpbench_is_reference": 1},
                functools.partial(_minimal_lock, nprocs=nprocs, method=method),
                inner_loops=nprocs, weight=CONTENTION_WEIGHT,
                cost=0.03 + 0.002 * nprocs).name
    pingpong: dict[str, str] = {}
    event_reference: dict[str, str] = {}
    for placement in (placements if mutexes or wakeups else ()):
        pingpong[placement] = add(
            "semaphore_pingpong", placement_param(placement),
            {"mpbench_metric": "handoff", "mpbench_primitive": "semaphore",
             "mpbench_nprocs": 2, "mpbench_ops": 2, "mpbench_method": method,
             "mpbench_is_floor": 1, "mpbench_placement": placement,
             "mpbench_operation": "pingpong"},
            functools.partial(_pingpong, method=method, placement=placement),
            inner_loops=2, weight=0.5, cost=0.07).name
        if "event" in wakeups and 1 in nprocs_list:
            event_reference[placement] = add(
                "event_minimal", placement_param(placement),
                {"mpbench_metric": "wakeup", "mpbench_operation": "wakeup (bare loop)",
                 "mpbench_primitive": "event", "mpbench_nprocs": 1, "mpbench_notify": "set",
                 "mpbench_ops": 1, "mpbench_method": method, "mpbench_placement": placement,
                 "mpbench_is_floor": 1, "mpbench_is_reference": 1},
                functools.partial(_minimal_event, method=method, placement=placement),
                loops=WAKEUP_ROUNDS, weight=0.5, cost=0.01 + WAKEUP_ROUNDS * 1.2e-3).name
    thread_floor: dict[tuple, str] = {}
    for critical, think in (points if mutexes else []):
        for nprocs in nprocs_list:
            turns = thread_turns(nprocs, critical, think)
            spec = add("contended", [("primitive", thread_primitive), ("nprocs", nprocs)]
                       + work_params(critical, think),
                       {**acquire_md(thread_primitive, nprocs, 1, critical, think),
                        "mpbench_is_floor": 1, "mpbench_threads": nprocs},
                       functools.partial(_threaded, nthreads=nprocs, critical_us=critical,
                                         think_us=think),
                       inner_loops=nprocs, loops=turns, weight=CONTENTION_WEIGHT,
                       cost=0.02 + turns * nprocs * (critical + think + 0.5) * 1e-6)
            thread_floor[critical, think, nprocs] = spec.name

    # Contention
    for critical, think in points:
        for primitive in mutexes:
            for slots in [1] + (list(slots_list) if primitive == "semaphore" else []):
                for nprocs in nprocs_list:
                    if slots > 1 and nprocs <= slots:
                        continue  # nobody waits for a slot
                    params = ([("primitive", primitive)]
                              + ([("slots", slots)] if slots > 1 else [])
                              + [("nprocs", nprocs)] + work_params(critical, think))
                    checked = primitive == "lock" and (critical, think) == (0.0, 0.0)
                    add("contended", params,
                        {**acquire_md(primitive, nprocs, slots, critical, think),
                         "mpbench_method": method,
                         "mpbench_floor": thread_floor[critical, think, nprocs],
                         "mpbench_reference": lock_reference.get(nprocs) if checked else None},
                        functools.partial(_contended, primitive=primitive, nprocs=nprocs,
                                          slots=slots, critical_us=critical, think_us=think,
                                          method=method, fault=fault),
                        inner_loops=nprocs, weight=CONTENTION_WEIGHT,
                        cost=contention_cost(nprocs, critical, think))

    # Wake-ups: (notify label, how many a round wakes: None = all), in every placement
    for placement in placements:
        for primitive in wakeups:
            variants = [("set", None)] if primitive == "event" else [("all", None), ("one", 1)]
            for notify_label, notify in variants:
                counts = (nprocs_list if notify is None
                          else [n for n in nprocs_list if n > 1][-1:])
                for waiters in counts:
                    woken = waiters if notify is None else notify
                    rounds = wakeup_rounds(waiters)  # fixed: pyperf would calibrate on latency
                    params = [("primitive", primitive)]
                    if primitive == "condition":
                        params.append(("notify", notify_label))
                    checked = primitive == "event" and waiters == 1
                    add("wakeup", params + [("waiters", waiters)] + placement_param(placement),
                        {"mpbench_metric": "wakeup", "mpbench_operation": "wakeup",
                         "mpbench_primitive": primitive,
                         "mpbench_nprocs": waiters, "mpbench_notify": notify_label,
                         "mpbench_ops": woken, "mpbench_method": method,
                         "mpbench_placement": placement, "mpbench_floor": pingpong[placement],
                         "mpbench_reference": event_reference.get(placement) if checked
                         else None},
                        functools.partial(_wakeup, primitive=primitive, waiters=waiters,
                                          notify=notify, method=method, placement=placement),
                        inner_loops=woken, loops=rounds, weight=0.5,
                        cost=0.01 + rounds * (wakeup.WAKE_GAP + 1e-4 + waiters * 30e-6))
    return specs
