"""The ``process`` group: start and join cost per start method, beside its floors.

Floors, measured in the same run: a bare ``os.fork`` + ``os._exit`` +
``waitpid`` (fork and forkserver) and ``posix_spawn`` of
``python -I -S -c pass`` (spawn). Two references decompose spawn further:
the interpreter with ``site`` (what a spawn child really starts) and with
multiprocessing's own modules imported. The harness check: per start
method, ``Process(target=noop).start(); join()`` in a bare loop
(``process.start_join_minimal``), the reference of ``process.start_join``.

Also here: ``process.terminate[method=M,state=S]``, ``terminate()`` until ``join()``
returns, beside its floor ``process.os_kill[state=S]`` (``os.kill(SIGTERM)`` +
``waitpid`` of a bare forked child).
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mpbench import options as opt
from mpbench.errors import UsageError
from mpbench.groups.process.workloads import lifecycle
from mpbench.groups.process.workloads import start_join as work
from mpbench.spec import BenchSpec, MetadataValue, Prepared, WorkerEnv, bench_name
from mpbench.units import format_size, parse_list, parse_size
from mpbench.workloads import faults
from mpbench.workloads.memory import rss, touch_memory

GROUP = "process"
DEFAULT_NPROCS = (1, 2, 4, 8)
FAST_NPROCS = (1, 2, 8)  # --fast: two CPUs' worth, and well beyond
DEFAULT_PARENT_MEM = (0, 256 * 1024**2, 1024**3)
FAST_PARENT_MEM = (0, 256 * 1024**2)  # a 1 GiB parent costs seconds a benchmark: not in --fast
MAX_PARENT_MEM = 16 * 1024**3
STARTUP_FLOOR_MODE = "isolated"
FAULTS = {"crash": faults.crash, "hang": faults.hang, "check-imports": faults.check_imports}
# terminate: rounds per value, fixed; each round starts a child (untimed) for ~100 us of timed work.
TERMINATE_LOOPS = {"fork": 16, "forkserver": 8, "spawn": 2}
TERMINATE_ROUND_COST = {"fork": 0.003, "forkserver": 0.015, "spawn": 0.05}


def parse_parent_mem(text: str) -> list[int]:
    def one(item: str) -> int:
        size = parse_size(item) if item.strip() not in ("0", "none") else 0
        if size > MAX_PARENT_MEM:
            raise UsageError(f"bad parent memory {item!r}: at most {format_size(MAX_PARENT_MEM)}")
        return size
    return parse_list(text, one, "parent memory")


OPTIONS = (
    opt.Option("--parent-mem", parse_parent_mem,
               "memory the parent touches before fork is timed, comma-separated "
               "(default: 0,256MiB,1GiB)"),
)


def _target(options: opt.Options, default):
    """The child's target: ``default``, or the test fault meant for this group
    (other groups' faults are theirs: the catalogue checks the name)."""
    return FAULTS.get(opt.fault(options) or "", default)


@contextmanager
def _setup(env: WorkerEnv, time_func, parent_mem: int = 0, method: str | None = None,
           **kwargs) -> Iterator[Prepared]:
    """Touch the parent's memory, note its RSS, bind the time function."""
    if method is not None:
        kwargs["ctx"] = multiprocessing.get_context(method)
    ballast = touch_memory(parent_mem)
    parent_rss = rss() // 2**20 * 2**20  # whole MiB: equal across workers
    try:
        func = functools.partial(time_func, timeout=env.child_timeout, **kwargs)
        yield Prepared(func, {"mpbench_parent_rss": parent_rss})
    finally:
        del ballast


def _split_setup(env: WorkerEnv, **kwargs):
    return _setup(env, work.time_split, scratch_dir=env.scratch_dir, **kwargs)


def benchmarks(options: opt.Options) -> list[BenchSpec]:
    """The process group for these options."""
    methods = opt.methods(options)
    fast = options.get("mode") in ("fast", "debug")
    nprocs_list = opt.value(options, "nprocs", FAST_NPROCS if fast else DEFAULT_NPROCS)
    parent_mems = opt.value(options, "parent_mem", FAST_PARENT_MEM if fast else DEFAULT_PARENT_MEM)
    specs: list[BenchSpec] = []

    def add(base: str, params, metadata, setup, **spec_kwargs) -> BenchSpec:
        metadata = {key: val for key, val in metadata.items() if val is not None}
        spec = BenchSpec(bench_name(f"{GROUP}.{base}", params),
                         {"mpbench_group": GROUP, **metadata},
                         setup, **spec_kwargs)
        specs.append(spec)
        return spec

    def nprocs_param(nprocs: int):
        return [("nprocs", nprocs)] if nprocs != 1 else []

    def mem_param(mem: int):
        return [("parent_mem", format_size(mem))] if mem else []

    def common(nprocs: int = 1, mem: int = 0):
        return {"mpbench_nprocs": nprocs, "mpbench_parent_touched": mem}

    # Floors
    fork_floor = {}
    if "fork" in methods or "forkserver" in methods:
        mems = parent_mems if "fork" in methods else [0]
        for nprocs in nprocs_list:
            for mem in (mems if nprocs == 1 else [0]):
                spec = add("os_fork", nprocs_param(nprocs) + mem_param(mem),
                           {"mpbench_metric": "start_join", "mpbench_operation": "os.fork",
                            "mpbench_is_floor": 1, **common(nprocs, mem)},
                           functools.partial(_setup, time_func=work.time_os_fork,
                                             parent_mem=mem, nprocs=nprocs),
                           weight=0.5 if mem else 1.0, cost=0.1 + 0.3 * mem / 2**30)
                fork_floor[nprocs, mem] = spec.name
    startup_floor = {}
    if "spawn" in methods:
        for mode in work.STARTUP_ARGS:
            for nprocs in (nprocs_list if mode == STARTUP_FLOOR_MODE else [1]):
                spec = add("interpreter_startup", [("mode", mode)] + nprocs_param(nprocs),
                           {"mpbench_metric": "start_join", "mpbench_operation": "posix_spawn",
                            "mpbench_is_floor": 1, "mpbench_startup_mode": mode,
                            "mpbench_argv": " ".join(work.STARTUP_ARGS[mode]),
                            **common(nprocs)},
                           functools.partial(_setup, time_func=work.time_posix_spawn,
                                             argv=work.startup_argv(mode), nprocs=nprocs))
                if mode == STARTUP_FLOOR_MODE:
                    startup_floor[nprocs] = spec.name

    def floor_of(method: str, nprocs: int = 1, mem: int = 0) -> str | None:
        if method == "spawn":
            return startup_floor.get(nprocs)
        return fork_floor.get((nprocs, mem if method == "fork" else 0))

    # References: the harness check of start+join, per start method
    reference: dict = {}
    for method in methods:
        reference[method] = add(
            "start_join_minimal", [("method", method)],
            {"mpbench_metric": "start_join", "mpbench_operation": "Process (bare loop)",
             "mpbench_method": method, "mpbench_is_floor": 1, "mpbench_is_reference": 1,
             **common()},
            functools.partial(_setup, time_func=work.time_minimal_start_join, method=method),
            weight=0.5, cost=0.1).name

    # Multiprocessing
    for method in methods:
        heavy = method != "fork"
        base_md = {"mpbench_method": method, "mpbench_operation": "Process"}
        for part in work.SPLIT_PARTS:
            add(part, [("method", method)],
                {"mpbench_metric": part, **base_md, **common(),
                 "mpbench_floor": floor_of(method)},
                functools.partial(_split_setup, method=method, part=part,
                                  target=_target(options, work.stamp_entry)),
                loops={"fork": 32, "forkserver": 16, "spawn": 2}[method],
                weight=0.5 if heavy else 1.0,
                cost={"fork": 0.08, "forkserver": 0.15, "spawn": 0.12}[method])
        for nprocs in nprocs_list:
            for mem in (parent_mems if method == "fork" and nprocs == 1 else [0]):
                checked = nprocs == 1 and not mem
                add("start_join", [("method", method)] + nprocs_param(nprocs) + mem_param(mem),
                    {"mpbench_metric": "start_join", **base_md, **common(nprocs, mem),
                     "mpbench_floor": floor_of(method, nprocs, mem),
                     "mpbench_reference": reference[method] if checked else None},
                    functools.partial(_setup, time_func=work.time_start_join, parent_mem=mem,
                                      method=method, nprocs=nprocs,
                                      target=_target(options, work.noop)),
                    weight=0.5 if (heavy and nprocs > 2) or mem else 1.0,
                    cost=max(0.1, 0.03 * nprocs) if method == "spawn" else 0.1 + 0.3 * mem / 2**30)
        if method == "forkserver":
            add("start_join", [("method", method), ("server", "cold")],
                {"mpbench_metric": "start_join", **base_md, **common(),
                 "mpbench_forkserver": "cold", "mpbench_floor": floor_of(method)},
                functools.partial(_setup, time_func=work.time_cold_forkserver, method=method,
                                  target=_target(options, work.noop)),
                weight=0.5, cost=0.15)
    specs.extend(terminate_benchmarks(methods))
    return specs


@contextmanager
def _terminate(env: WorkerEnv, method: str, state: str) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_terminate,
                                     ctx=multiprocessing.get_context(method), state=state,
                                     timeout=env.child_timeout))


@contextmanager
def _os_kill(env: WorkerEnv, state: str) -> Iterator[Prepared]:
    yield Prepared(functools.partial(lifecycle.time_os_kill, state=state,
                                     timeout=env.child_timeout))


def terminate_benchmarks(methods: Sequence[str]) -> list[BenchSpec]:
    """``terminate()`` for ``methods``, beside its floor ``os.kill``, per child state."""
    specs: list[BenchSpec] = []
    common: dict[str, MetadataValue] = {"mpbench_group": GROUP, "mpbench_metric": "terminate",
                                        "mpbench_nprocs": 1}
    loops, cost = TERMINATE_LOOPS, TERMINATE_ROUND_COST
    for state in lifecycle.STATES:
        floor = BenchSpec(bench_name(f"{GROUP}.os_kill", [("state", state)]),
                          {**common, "mpbench_operation": "os.kill", "mpbench_state": state,
                           "mpbench_is_floor": 1},
                          functools.partial(_os_kill, state=state),
                          loops=loops["fork"], weight=0.5, cost=loops["fork"] * 0.003)
        specs.append(floor)
        for method in methods:
            specs.append(BenchSpec(
                bench_name(f"{GROUP}.terminate", [("method", method), ("state", state)]),
                {**common, "mpbench_operation": "Process", "mpbench_method": method,
                 "mpbench_state": state, "mpbench_floor": floor.name},
                functools.partial(_terminate, method=method, state=state),
                loops=loops[method], weight=0.5, cost=loops[method] * cost[method]))
    return specs
