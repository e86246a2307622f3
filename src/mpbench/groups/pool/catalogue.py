"""The ``pool`` group: ``multiprocessing.Pool`` and ``ProcessPoolExecutor``.

What most programs run: a pool's start-up and shutdown per start method and
worker count W, the dispatch cost per task of every API and chunksize, the
payload, the task length at which a pool beats a plain loop, and
pyperformance's ``concurrent_imap``; plus ``Queue`` timeouts. Floors, in the
same run: a plain loop calling the task in one process (break-even), a minimal
pool of W forked workers on two ``os.pipe`` (dispatch), ``Pipe(duplex=False)``
streams and round trips of the payload, and ``time.sleep``'s own overshoot
(timeouts). The harness check: ``Pool.map`` chunksize 1 against a bare
``Pool.map`` loop on the same pool.

What is crossed with what, the options and the loop counts:
:mod:`mpbench.groups.pool.grid`; the set-ups run in the pyperf workers:
:mod:`mpbench.groups.pool.setups`; docs/pool.md says what each figure includes.
"""

from __future__ import annotations

import functools
from typing import Any

from mpbench import options as opt
from mpbench.groups.pool import grid as pool_grid
from mpbench.groups.pool import setups as setup
from mpbench.groups.pool.grid import (
    APIS,
    DEFAULT_WORKERS,
    DISPATCH_TASKS,
    TASK_US,
    TIMEOUTS,
    apply_tasks,
    break_even_tasks,
    chunk_param,
    effective_chunksize,
    grid_for,
    life_seconds,
    lifecycle_loops,
    main_workers,
    numeric_chunks,
    payload_tasks,
    start_method,
    timeout_label,
    timeout_loops,
)
from mpbench.groups.pool.workloads import pools
from mpbench.groups.process.workloads import lifecycle
from mpbench.spec import BenchSpec, bench_name
from mpbench.units import format_size

GROUP = "pool"
FAULTS = (setup.FAULT_WORKER_DIES,)
OPTIONS = pool_grid.OPTIONS
# pyperf worker processes relative to the mode's (20 by default, 10 with --fast): the
# group has ~100 benchmarks and a 6-minute budget; each value is itself an average over
# hundreds of tasks or a whole pool's life.
WEIGHT = 0.25
# The harness check's pair gets twice the workers: per-task dispatch moves by 20 % and more
# from one pyperf worker to the next (where the scheduler puts the pool's threads and workers).
CHECK_WEIGHT = 0.5


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The pool group for these options."""
    methods = opt.methods(options)
    workers_list = sorted(opt.value(options, "workers", DEFAULT_WORKERS))
    apis = opt.value(options, "apis", APIS)
    grid = grid_for(options)
    main_w = main_workers(workers_list)
    default_method = start_method(options)
    specs: list[BenchSpec] = []

    def add(base: str, params, metadata: dict[str, Any], setup_func, **kwargs) -> BenchSpec:
        md = {key: val for key, val in metadata.items() if val is not None}
        checked = "mpbench_reference" in md or "mpbench_is_reference" in md
        spec = BenchSpec(bench_name(f"{GROUP}.{base}", params),
                         {"mpbench_group": GROUP, **md}, setup_func,
                         weight=CHECK_WEIGHT if checked else WEIGHT, **kwargs)
        specs.append(spec)
        return spec

    def at(method: str, workers: int) -> list[tuple[str, Any]]:
        return [("method", method), ("workers", workers)]

    # (api, chunksize, method, W) of every dispatch figure
    dispatch = [(api, chunk, default_method, main_w) for api, chunk in grid.sweep]
    dispatch += [(api, chunk, m, main_w) for m in methods if m != default_method
                 for api, chunk in grid.per_method]
    dispatch += [(api, chunk, default_method, w) for w in workers_list if w != main_w
                 for api, chunk in grid.per_workers]
    dispatch = [d for d in dispatch if d[0] in apis]
    with_map = "map" in apis
    payload_sizes = grid.payload_sizes if with_map or "apply" in apis else ()
    payload_chunks = numeric_chunks(options, (1, 16))
    break_even_workers = workers_list if grid.break_even_all_workers else [main_w]

    # Floors and the reference
    plain = {}
    for task_us in ((0,) + TASK_US if with_map else ()):
        plain[task_us] = add(
            "plain_loop", [("task_us", task_us)],
            {"mpbench_metric": "serial", "mpbench_api": "call",
             "mpbench_task": "identity" if task_us == 0 else "busy",
             "mpbench_task_us": float(task_us), "mpbench_is_floor": 1},
            functools.partial(setup.plain_loop_setup, task_us=task_us),
            cost=0.05).name
    minimal = {}
    for workers, effective in sorted({(w, effective_chunksize(api, c, DISPATCH_TASKS, w))
                                      for api, c, _, w in dispatch}):
        minimal[workers, effective] = add(
            "minimal_pool", [("chunksize", effective), ("workers", workers)],
            {"mpbench_metric": "dispatch", "mpbench_api": "minimal_pool",
             "mpbench_chunksize": effective, "mpbench_workers": workers,
             "mpbench_tasks": DISPATCH_TASKS, "mpbench_is_floor": 1},
            functools.partial(setup.minimal_pool_setup, workers=workers, tasks=DISPATCH_TASKS,
                              chunksize=effective),
            inner_loops=DISPATCH_TASKS, cost=0.05).name
    round_trip, stream = {}, {}
    for size in (payload_sizes if "apply" in apis else ()):
        round_trip[size] = add(
            "pipe_round_trip", [("size", format_size(size))],
            {"mpbench_metric": "payload", "mpbench_api": "send_bytes/recv_bytes",
             "mpbench_transport": "pipe_simplex", "mpbench_size": size, "mpbench_tasks": 1,
             "mpbench_method": default_method, "mpbench_is_floor": 1},
            functools.partial(setup.pipe_round_trip_setup, size=size, method=default_method),
            cost=0.06).name
    for size in (payload_sizes if with_map else ()):
        for per in payload_chunks:
            stream[size, per] = add(
                "pipe_stream", [("size", format_size(size))]
                + ([("per", per)] if per > 1 else []),
                {"mpbench_metric": "payload", "mpbench_api": "send_bytes/recv_bytes",
                 "mpbench_transport": "pipe_simplex", "mpbench_size": size,
                 "mpbench_message_size": size * per, "mpbench_tasks": per,
                 "mpbench_method": default_method, "mpbench_is_floor": 1},
                functools.partial(setup.pipe_stream_setup, size=size * per,
                                  method=default_method),
                inner_loops=per if per > 1 else None, cost=0.06).name
    reference = {}
    for method in (methods if ("map", 1) in [(a, c) for a, c, _, _ in dispatch] else ()):
        reference[method] = add(
            "map_bare", at(method, main_w),
            {"mpbench_metric": "dispatch", "mpbench_api": "map", "mpbench_chunksize": 1,
             "mpbench_method": method, "mpbench_workers": main_w,
             "mpbench_tasks": DISPATCH_TASKS, "mpbench_is_floor": 1, "mpbench_is_reference": 1},
            functools.partial(setup.bare_map_setup, method=method, workers=main_w,
                              tasks=DISPATCH_TASKS),
            inner_loops=DISPATCH_TASKS, cost=0.08).name
    sleep_floor = {}
    for seconds in TIMEOUTS:
        sleep_floor[seconds] = add(
            "sleep_overshoot", [("timeout", timeout_label(seconds))],
            {"mpbench_metric": "timeout_overshoot", "mpbench_api": "time.sleep",
             "mpbench_timeout": seconds, "mpbench_is_floor": 1},
            functools.partial(setup.sleep_overshoot_setup, seconds=seconds),
            loops=timeout_loops(seconds), cost=timeout_loops(seconds) * seconds * 1.2).name

    # Start-up and shutdown
    for kind in (k for k in pools.KINDS if k in apis):
        for method in methods:
            for workers in workers_list:
                parts = (pools.LIFECYCLE_PARTS if grid.split_all_workers or workers == main_w
                         else ("lifetime",))
                loops = lifecycle_loops(method, workers)
                for part in parts:
                    add(part, [("api", kind)] + at(method, workers),
                        {"mpbench_metric": part, "mpbench_api": kind, "mpbench_method": method,
                         "mpbench_workers": workers, "mpbench_tasks": workers},
                        functools.partial(setup.lifecycle_setup, kind=kind, method=method,
                                          workers=workers, part=part),
                        loops=loops, cost=loops * life_seconds(method, workers))
            if method == "forkserver":
                workers = workers_list[0]
                add("lifetime", [("api", kind)] + at(method, workers) + [("server", "cold")],
                    {"mpbench_metric": "lifetime", "mpbench_api": kind, "mpbench_method": method,
                     "mpbench_workers": workers, "mpbench_tasks": workers,
                     "mpbench_forkserver": "cold"},
                    functools.partial(setup.lifecycle_setup, kind=kind, method=method,
                                      workers=workers, part="lifetime", cold=True),
                    loops=1, cost=0.15)

    # Dispatch of a no-op task
    for api, chunk, method, workers in dispatch:
        add("dispatch", [("api", api)] + chunk_param(api, chunk) + at(method, workers),
            {"mpbench_metric": "dispatch", "mpbench_api": api,
             "mpbench_chunksize": effective_chunksize(api, chunk, DISPATCH_TASKS, workers),
             "mpbench_chunksize_default": int(chunk is None and api in pools.CHUNKED_APIS),
             "mpbench_method": method, "mpbench_workers": workers,
             "mpbench_tasks": DISPATCH_TASKS,
             "mpbench_floor": minimal[workers, effective_chunksize(api, chunk, DISPATCH_TASKS,
                                                                   workers)],
             "mpbench_reference": (reference.get(method) if (api, chunk) == ("map", 1)
                                   and workers == main_w else None)},
            functools.partial(setup.dispatch_setup, api=api, chunksize=chunk, method=method,
                              workers=workers, items=setup.task_ids(DISPATCH_TASKS)),
            inner_loops=DISPATCH_TASKS, cost=0.06)

    # Payload: distinct bytes arguments, each returned; map streams them, apply waits for
    # each one's round trip
    for size in payload_sizes:
        for api, chunk in ([("apply", None)] if "apply" in apis else []) + (
                [("map", c) for c in payload_chunks] if with_map else []):
            tasks = payload_tasks(size, main_w) if api == "map" else apply_tasks(size)
            add("payload", [("api", api)] + chunk_param(api, chunk)
                + [("size", format_size(size))] + at(default_method, main_w),
                {"mpbench_metric": "payload", "mpbench_api": api,
                 "mpbench_chunksize": chunk or 1, "mpbench_size": size,
                 "mpbench_method": default_method, "mpbench_workers": main_w,
                 "mpbench_tasks": tasks,
                 "mpbench_floor": stream[size, chunk] if chunk else round_trip[size]},
                functools.partial(setup.dispatch_setup, api=api, chunksize=chunk,
                                  method=default_method, workers=main_w,
                                  items=setup.messages(size, tasks)),
                inner_loops=tasks, cost=0.06 + tasks * size * 2e-9)

    # Break-even: busy tasks, Pool.map chunksize 1, against the plain loop
    for workers in (break_even_workers if with_map else ()):
        for task_us in TASK_US:
            tasks = break_even_tasks(task_us, workers)
            add("break_even", [("task_us", task_us)] + at(default_method, workers),
                {"mpbench_metric": "break_even", "mpbench_api": "map", "mpbench_chunksize": 1,
                 "mpbench_task": "busy", "mpbench_task_us": float(task_us),
                 "mpbench_method": default_method, "mpbench_workers": workers,
                 "mpbench_tasks": tasks, "mpbench_floor": plain[task_us]},
                functools.partial(setup.dispatch_setup, api="map", chunksize=1,
                                  method=default_method, workers=workers,
                                  items=setup.busy_items(task_us, tasks),
                                  task=setup.pool_tasks.busy,
                                  metadata=functools.partial(setup.serial_here,
                                                             task_us=task_us)),
                inner_loops=tasks, cost=max(0.06, tasks * task_us * 1e-6 / 2))

    # pyperformance's concurrent_imap, pool creation included
    for method in (methods if "imap" in apis else ()):
        shape = pools.CONCURRENT_IMAP
        add("concurrent_imap", [("method", method)],
            {"mpbench_metric": "concurrent_imap", "mpbench_api": "imap",
             "mpbench_chunksize": shape["chunksize"], "mpbench_method": method,
             "mpbench_workers": shape["workers"], "mpbench_tasks": shape["count"]},
            functools.partial(setup.concurrent_imap_setup, method=method),
            loops={"fork": 4, "forkserver": 2, "spawn": 1}[method], cost=0.06)

    # Queue timeouts: how late Empty / Full arrive
    for op in lifecycle.QUEUE_OPS:
        for seconds in TIMEOUTS:
            loops = timeout_loops(seconds)
            add("queue_timeout", [("op", op), ("timeout", timeout_label(seconds))],
                {"mpbench_metric": "timeout_overshoot", "mpbench_api": f"Queue.{op}",
                 "mpbench_timeout": seconds, "mpbench_method": default_method,
                 "mpbench_floor": sleep_floor[seconds]},
                functools.partial(setup.queue_timeout_setup, op=op, seconds=seconds,
                                  method=default_method),
                loops=loops, cost=loops * seconds * 1.2)
    return specs
