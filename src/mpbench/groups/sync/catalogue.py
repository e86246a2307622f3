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
(:mod:`mpbench.groups.sync.workloads.contention`). The semaphore ping-pong, the wake-ups
and the Event reference run in every ``--placement`` (default same-cpu and
cross-cpu).

The contenders use one start method (the platform's default, unless
``--methods`` leaves it out): once the processes run, the start method does
not change what a lock costs.

Options, defaults and fixed rounds: :mod:`mpbench.groups.sync.grid`; the
set-ups run in the pyperf workers: :mod:`mpbench.groups.sync.setups`.
"""

from __future__ import annotations

import functools

from mpbench import options as opt
from mpbench.groups.sync import grid as sync_grid
from mpbench.groups.sync import setups as setups
from mpbench.groups.sync.grid import (
    DEFAULT_CRITICAL_US,
    DEFAULT_NPROCS,
    DEFAULT_PRIMITIVES,
    DEFAULT_SLOTS,
    DEFAULT_THINK_US,
    FAST_NPROCS,
    FAST_PRIMITIVES,
    WAKEUP_ROUNDS,
    thread_turns,
    wakeup_rounds,
    work_points,
)
from mpbench.groups.sync.workloads import contention, wakeup
from mpbench.groups.sync.workloads import primitives as work
from mpbench.machine import chosen_start_method as start_method
from mpbench.spec import BenchSpec, bench_name

GROUP = "sync"
FAULTS = (contention.FAULT_DIE_HOLDING, contention.FAULT_SLOW_START)
# pyperf worker processes relative to the mode's (each starts N contenders and merges
# their stamps after every value): 4 with --fast, 6 by default (8 before the
# references and the second placement of the wake-ups came, within 25 minutes).
CONTENTION_WEIGHT = 0.35
OPTIONS = sync_grid.OPTIONS


def _fault(options: opt.Options) -> str | None:
    """The test fault meant for this group, if any (other groups' faults are theirs to
    check: every group sees the same ``--inject-fault``)."""
    fault = opt.fault(options)
    return fault if fault in FAULTS else None


def _us(value: float) -> str:
    return f"{value:g}"


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The sync group for these options."""
    fast = options.get("mode") in ("fast", "debug")
    nprocs_list = opt.value(options, "nprocs", FAST_NPROCS if fast else DEFAULT_NPROCS)
    primitives = opt.value(options, "primitives", FAST_PRIMITIVES if fast else DEFAULT_PRIMITIVES)
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
            functools.partial(setups.uncontended_setup, primitive=primitive, method=method),
            weight=0.5, cost=0.03)
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
                functools.partial(setups.minimal_lock_setup, nprocs=nprocs, method=method),
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
            functools.partial(setups.pingpong_setup, method=method, placement=placement),
            inner_loops=2, weight=0.5, cost=0.07).name
        if "event" in wakeups and 1 in nprocs_list:
            event_reference[placement] = add(
                "event_minimal", placement_param(placement),
                {"mpbench_metric": "wakeup", "mpbench_operation": "wakeup (bare loop)",
                 "mpbench_primitive": "event", "mpbench_nprocs": 1, "mpbench_notify": "set",
                 "mpbench_ops": 1, "mpbench_method": method, "mpbench_placement": placement,
                 "mpbench_is_floor": 1, "mpbench_is_reference": 1},
                functools.partial(setups.minimal_event_setup, method=method, placement=placement),
                loops=WAKEUP_ROUNDS, weight=0.5, cost=0.01 + WAKEUP_ROUNDS * 1.2e-3).name
    thread_floor: dict[tuple, str] = {}
    for critical, think in (points if mutexes else []):
        for nprocs in nprocs_list:
            turns = thread_turns(nprocs, critical, think)
            spec = add("contended", [("primitive", thread_primitive), ("nprocs", nprocs)]
                       + work_params(critical, think),
                       {**acquire_md(thread_primitive, nprocs, 1, critical, think),
                        "mpbench_is_floor": 1, "mpbench_threads": nprocs},
                       functools.partial(setups.threaded_setup, nthreads=nprocs,
                                         critical_us=critical, think_us=think),
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
                        functools.partial(setups.contended_setup, primitive=primitive,
                                          nprocs=nprocs, slots=slots, critical_us=critical,
                                          think_us=think, method=method, fault=fault),
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
                        functools.partial(setups.wakeup_setup, primitive=primitive, waiters=waiters,
                                          notify=notify, method=method, placement=placement),
                        inner_loops=woken, loops=rounds, weight=0.5,
                        cost=0.01 + rounds * (wakeup.WAKE_GAP + 1e-4 + waiters * 30e-6))
    return specs
