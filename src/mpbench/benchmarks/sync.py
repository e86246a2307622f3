"""The ``sync`` group: locks, semaphores, events and conditions under contention.

N processes contend for one primitive (acquire -> critical section ->
release -> think time); Semaphore(k) is shared by N; Event and Condition
wake 1 or N waiters. Floors, measured in the same run: an uncontended
acquire+release in one process, a bare semaphore ping-pong between two
processes (the hand-off floor), and ``threading.Lock`` contended by N threads
of one process running the same loop (what crossing processes adds).

The contenders use one start method (the platform's default, unless
``--methods`` leaves it out): once the processes run, the start method does
not change what a lock costs.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Tuple

from mpbench import options as opt
from mpbench.atomic import atomic_write_text
from mpbench.catalogue import BenchSpec, Prepared, WorkerEnv, bench_name
from mpbench.errors import UsageError
from mpbench.machine import default_start_method, usable_cpus
from mpbench.units import parse_list, parse_non_negative_float, parse_positive_int
from mpbench.workloads import busywork, sync as work, wakeup
from mpbench.workloads.crew import Crew

GROUP = "sync"
DEFAULT_NPROCS = (1, 2, 4, 8, 16)
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
FAULTS = (work.FAULT_DIE_HOLDING, work.FAULT_SLOW_START)
# pyperf worker processes relative to the mode's (each starts N contenders and merges
# their stamps after every value): 4 with --fast, 8 by default.
CONTENTION_WEIGHT = 0.4
CALIBRATION_FILE = "sync-busywork-calibration.json"
PLACEMENTS = ("free", "same-cpu")


def parse_primitives(text: str) -> List[str]:
    def one(item: str) -> str:
        name = item.strip().lower().replace("-", "_")
        if name not in KNOWN_PRIMITIVES:
            raise UsageError(f"unknown primitive {item!r} (known: {', '.join(KNOWN_PRIMITIVES)})")
        return name
    return parse_list(text, one, "primitive")


def parse_microseconds(text: str) -> List[float]:
    def one(item: str) -> float:
        value = parse_non_negative_float(item, "time in microseconds")
        if value > MAX_MICROSECONDS:
            raise UsageError(f"bad time in microseconds {item!r}: at most {MAX_MICROSECONDS:g}")
        return value
    return parse_list(text, one, "time")


def parse_slots(text: str) -> List[int]:
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


def work_points(options: opt.Options) -> List[Tuple[float, float]]:
    """(critical section, think time) pairs: every combination of the options given
    (the other at its default), or :data:`DEFAULT_WORK_POINTS`."""
    criticals = options.get("critical_us")
    thinks = options.get("think_us")
    if criticals is None and thinks is None:
        return list(DEFAULT_WORK_POINTS)
    return [(critical, think) for critical in (criticals or [DEFAULT_CRITICAL_US])
            for think in (thinks or [DEFAULT_THINK_US])]


def _fault(options: opt.Options) -> Optional[str]:
    """The test fault meant for this group, if any (other groups' faults are theirs to
    check: every group sees the same ``--inject-fault``)."""
    fault = opt.fault(options)
    return fault if fault in FAULTS else None


def _occupancy(nprocs: int) -> Dict[str, Any]:
    """What the pyperf worker (and so its children) may run on: oversubscribed or not."""
    cpus = usable_cpus()
    return {"mpbench_worker_cpus": cpus, "mpbench_oversubscribed": int(nprocs > cpus)}


def _calibration(env: WorkerEnv) -> busywork.Calibration:
    """The busy loop's calibration, shared by every benchmark of one ``mpbench run``.

    The first worker to need it calibrates and leaves it in the run's scratch
    folder; the others read it, so "1 us" is the same loop in every benchmark
    of the run (calibrating in each worker varied by 10-20 % here).
    """
    path = os.path.join(env.scratch_dir, CALIBRATION_FILE) if env.scratch_dir else None
    if path and os.path.exists(path):
        with open(path) as handle:
            saved = json.load(handle)
        return busywork.Calibration(saved["call_ns"], saved["iteration_ns"])
    cal = busywork.calibrate()
    if path:
        atomic_write_text(path, json.dumps({"call_ns": cal.call_ns,
                                            "iteration_ns": cal.iteration_ns}))
    return cal


def _busy_metadata(cal: busywork.Calibration, critical: int, think: int) -> Dict[str, Any]:
    """The busy loop behind ``critical_us`` and ``think_us``: iterations and calibration."""
    return {"mpbench_critical_iters": critical, "mpbench_think_iters": think,
            "mpbench_spin_call_ns": round(cal.call_ns, 1),
            "mpbench_spin_iteration_ns": round(cal.iteration_ns, 3)}


@contextmanager
def _contended(env: WorkerEnv, primitive: str, nprocs: int, slots: int, critical_us: float,
               think_us: float, method: str, fault: Optional[str]) -> Iterator[Prepared]:
    """Start N contenders (outside the timed region) and hand out the time function."""
    ctx = multiprocessing.get_context(method)
    cal = _calibration(env)
    critical, think = cal.iterations_for(critical_us), cal.iterations_for(think_us)
    lock = work.make_primitive(ctx, primitive, slots)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    barrier = ctx.Barrier(nprocs) if nprocs > 1 else None
    what = f"{nprocs} processes on one {primitive}" + (f"({slots})" if slots > 1 else "")
    args = [(lock, raw, i, barrier, critical, think, slots, env.child_timeout, fault)
            for i in range(nprocs)]
    with Crew(ctx, work.contender_member, args, timeout=env.child_timeout, what=what,
              names=[f"contender-{i}" for i in range(nprocs)]) as crew:
        crew.recv_all()  # every contender runs: start-up is behind us
        run = work.Contention(work.crew_driver(crew, state, primitive), state, nprocs, slots,
                              what)
        yield Prepared(run.time_func, {**_occupancy(nprocs),
                                       **_busy_metadata(cal, critical, think)}, run.sample_calls)


@contextmanager
def _threaded(env: WorkerEnv, nthreads: int, critical_us: float,
              think_us: float) -> Iterator[Prepared]:
    """threading.Lock contended by N threads of the worker, the same loop."""
    cal = _calibration(env)
    critical, think = cal.iterations_for(critical_us), cal.iterations_for(think_us)
    lock = work.make_primitive(None, work.THREAD_PRIMITIVE)
    state = work.state_view(work.new_state())
    driver = work.thread_driver(lock, state, nthreads, 1, critical, think, env.child_timeout)
    run = work.Contention(driver, state, nthreads, 1, f"{nthreads} threads on one threading.Lock")
    yield Prepared(run.time_func, {**_occupancy(nthreads), **_busy_metadata(cal, critical, think)},
                   run.sample_calls)


@contextmanager
def _uncontended(env: WorkerEnv, primitive: str, method: str) -> Iterator[Prepared]:
    ctx = None if primitive == work.THREAD_PRIMITIVE else multiprocessing.get_context(method)
    lock = work.make_primitive(ctx, primitive)
    yield Prepared(functools.partial(work.time_uncontended, lock=lock))


@contextmanager
def _pingpong(env: WorkerEnv, method: str, placement: str) -> Iterator[Prepared]:
    """Two processes handing two semaphores back and forth: ``free`` (the scheduler
    places them) or ``same-cpu`` (both pinned to the highest usable CPU, as the
    channels group pins its floors)."""
    ctx = multiprocessing.get_context(method)
    ping, pong = ctx.Semaphore(0), ctx.Semaphore(0)
    before = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cpu = before[-1:] if before and placement == "same-cpu" else None
    occupancy = _occupancy(1 if cpu else 2)  # before pinning: what the worker was given
    try:
        if cpu:
            os.sched_setaffinity(0, cpu)
        with Crew(ctx, work.pingpong_member, [(ping, pong)], timeout=env.child_timeout,
                  what="semaphore ping-pong", names=["echo"], cpus=[cpu]) as crew:
            crew.recv_all()
            yield Prepared(functools.partial(work.time_pingpong, crew=crew, ping=ping,
                                             pong=pong, timeout=env.child_timeout),
                           occupancy)
    finally:
        if cpu:
            os.sched_setaffinity(0, before)


@contextmanager
def _wakeup(env: WorkerEnv, primitive: str, waiters: int, notify: Optional[int],
            method: str) -> Iterator[Prepared]:
    """Start W waiters (outside the timed region); the worker is the waker."""
    ctx = multiprocessing.get_context(method)
    raw = work.new_state(ctx)
    state = work.state_view(raw)
    prims: Any = ((ctx.Event(), ctx.Event()) if primitive == "event"
                  else ctx.Condition(ctx.Lock()))
    ack = ctx.Semaphore(0)
    what = f"{primitive} waking {waiters} waiter(s)"
    with Crew(ctx, wakeup.waiter_member, [(primitive, prims, raw, ack)] * waiters,
              timeout=env.child_timeout, what=what,
              names=[f"waiter-{i}" for i in range(waiters)]) as crew:
        crew.recv_all()
        run = wakeup.Wakeups(crew, primitive, prims, state, ack, waiters, notify,
                             env.child_timeout)
        yield Prepared(run.time_func, _occupancy(waiters), run.sample_calls)


def _us(value: float) -> str:
    return f"{value:g}"


def benchmarks(options: opt.Options) -> List[BenchSpec]:
    """The sync group for these options."""
    nprocs_list = opt.value(options, "nprocs", DEFAULT_NPROCS)
    primitives = opt.value(options, "primitives", DEFAULT_PRIMITIVES)
    points = work_points(options)
    slots_list = opt.value(options, "slots", DEFAULT_SLOTS)
    method = start_method(options)
    fault = _fault(options)
    mutexes = [p for p in work.MUTEX_PRIMITIVES if p in primitives]
    wakeups = [p for p in work.WAKEUP_PRIMITIVES if p in primitives]
    specs: List[BenchSpec] = []

    def add(base: str, params, metadata, setup, **spec_kwargs) -> BenchSpec:
        spec = BenchSpec(bench_name(f"{GROUP}.{base}", params),
                         {"mpbench_group": GROUP, **metadata}, setup, **spec_kwargs)
        specs.append(spec)
        return spec

    def work_params(critical: float, think: float):
        params = []
        if critical != DEFAULT_CRITICAL_US:
            params.append(("critical_us", _us(critical)))
        if think != DEFAULT_THINK_US:
            params.append(("think_us", _us(think)))
        return params

    def acquire_md(primitive: str, nprocs: int, slots: int, critical: float, think: float):
        return {"mpbench_metric": "acquire", "mpbench_operation": "contended",
                "mpbench_primitive": primitive,
                "mpbench_nprocs": nprocs, "mpbench_slots": slots,
                "mpbench_critical_us": critical, "mpbench_think_us": think,
                "mpbench_ops": nprocs}

    def contention_cost(nprocs: int, critical: float, think: float) -> float:
        # starting N contenders, the window (>= pyperf's min time) and merging their
        # stamps, per value; an empty loop makes ~100k acquisitions to merge per value
        busy = critical + think < 2
        return (0.09 if busy else 0.045) + (0.001 if busy else 0.0005) * nprocs

    # Floors
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
    pingpong = None
    for placement in (PLACEMENTS if mutexes or wakeups else ()):
        spec = add("semaphore_pingpong", [("placement", placement)] if placement != "free" else [],
                   {"mpbench_metric": "handoff", "mpbench_primitive": "semaphore",
                    "mpbench_nprocs": 2, "mpbench_ops": 2, "mpbench_method": method,
                    "mpbench_is_floor": 1, "mpbench_placement": placement,
                    "mpbench_operation": "pingpong"},
                   functools.partial(_pingpong, method=method, placement=placement),
                   inner_loops=2, weight=0.5, cost=0.07)
        pingpong = pingpong or spec.name  # the floor of wake-ups: placed freely, like them
    thread_floor: Dict[tuple, str] = {}
    for critical, think in (points if mutexes else []):
        for nprocs in nprocs_list:
            spec = add("contended", [("primitive", thread_primitive), ("nprocs", nprocs)]
                       + work_params(critical, think),
                       {**acquire_md(thread_primitive, nprocs, 1, critical, think),
                        "mpbench_is_floor": 1, "mpbench_threads": nprocs},
                       functools.partial(_threaded, nthreads=nprocs, critical_us=critical,
                                         think_us=think),
                       inner_loops=nprocs, weight=CONTENTION_WEIGHT,
                       cost=contention_cost(nprocs, critical, think))
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
                    add("contended", params,
                        {**acquire_md(primitive, nprocs, slots, critical, think),
                         "mpbench_method": method,
                         "mpbench_floor": thread_floor[critical, think, nprocs]},
                        functools.partial(_contended, primitive=primitive, nprocs=nprocs,
                                          slots=slots, critical_us=critical, think_us=think,
                                          method=method, fault=fault),
                        inner_loops=nprocs, weight=CONTENTION_WEIGHT,
                        cost=contention_cost(nprocs, critical, think))

    # Wake-ups: (notify label, how many a round wakes: None = all)
    for primitive in wakeups:
        variants = [("set", None)] if primitive == "event" else [("all", None), ("one", 1)]
        for notify_label, notify in variants:
            counts = nprocs_list if notify is None else [n for n in nprocs_list if n > 1][-1:]
            for waiters in counts:
                woken = waiters if notify is None else notify
                rounds = max(16, 128 // waiters)  # fixed: pyperf would calibrate on latency only
                params = [("primitive", primitive)]
                if primitive == "condition":
                    params.append(("notify", notify_label))
                add("wakeup", params + [("waiters", waiters)],
                    {"mpbench_metric": "wakeup", "mpbench_operation": "wakeup",
                     "mpbench_primitive": primitive,
                     "mpbench_nprocs": waiters, "mpbench_notify": notify_label,
                     "mpbench_ops": woken, "mpbench_method": method, "mpbench_floor": pingpong},
                    functools.partial(_wakeup, primitive=primitive, waiters=waiters,
                                      notify=notify, method=method),
                    inner_loops=woken, loops=rounds, weight=0.5,
                    cost=0.01 + rounds * waiters * 30e-6)
    return specs

