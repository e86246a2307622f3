"""``process.terminate[method=M,state=S]``: ``terminate()`` until ``join()`` returns,
beside its floor ``process.os_kill[state=S]`` (``os.kill(SIGTERM)`` + ``waitpid`` of
a bare forked child). Part of the ``process`` group; kept apart from its
start/join catalogue.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mpbench.catalogue import BenchSpec, MetadataValue, Prepared, WorkerEnv, bench_name
from mpbench.groups.process.workloads import lifecycle

GROUP = "process"
# Rounds per value, fixed: each round starts a child (untimed) for ~100 us of timed work.
LOOPS = {"fork": 16, "forkserver": 8, "spawn": 2}
ROUND_COST = {"fork": 0.003, "forkserver": 0.015, "spawn": 0.05}


@contextmanager
def _terminate(env: WorkerEnv, method: str, state: str) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_terminate,
                                     ctx=multiprocessing.get_context(method), state=state,
                                     timeout=env.child_timeout))


@contextmanager
def _os_kill(env: WorkerEnv, state: str) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_os_kill, state=state,
                                     timeout=env.child_timeout))


def benchmarks(methods: Sequence[str]) -> list[BenchSpec]:
    """The terminate benchmarks for ``methods`` and their floors."""
    specs: list[BenchSpec] = []
    common: dict[str, MetadataValue] = {"mpbench_group": GROUP, "mpbench_metric": "terminate",
                                        "mpbench_nprocs": 1}
    for state in lifecycle.STATES:
        floor = BenchSpec(bench_name(f"{GROUP}.os_kill", [("state", state)]),
                          {**common, "mpbench_operation": "os.kill", "mpbench_state": state,
                           "mpbench_is_floor": 1},
                          functools.partial(_os_kill, state=state),
                          loops=LOOPS["fork"], weight=0.5, cost=LOOPS["fork"] * 0.003)
        specs.append(floor)
        for method in methods:
            specs.append(BenchSpec(
                bench_name(f"{GROUP}.terminate", [("method", method), ("state", state)]),
                {**common, "mpbench_operation": "Process", "mpbench_method": method,
                 "mpbench_state": state, "mpbench_floor": floor.name},
                functools.partial(_terminate, method=method, state=state),
                loops=LOOPS[method], weight=0.5, cost=LOOPS[method] * ROUND_COST[method]))
    return specs
