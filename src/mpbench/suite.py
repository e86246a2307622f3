"""pyperf entry point: ``python -m mpbench.suite [pyperf options] [mpbench options]``.

``mpbench run`` starts one pyperf manager per benchmark through this module
(``--mpbench-config`` names the benchmark); the scripts in ``bench/`` call
:func:`main` to run a whole group as one ordinary pyperf script.

This module is the ``__main__`` that spawn and forkserver children re-import,
so its top level imports nothing: pyperf and the catalogue are imported inside
:func:`main`, and a child pays only for the workload it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

CONFIG_FLAG = "--mpbench-config"
FAILED_PREFIX = "mpbench: FAILED: "
FAILED_EXIT = 3


def _program_args() -> Sequence[str]:
    """How pyperf should start its workers: ``-m module`` when run as a module."""
    import os

    main_spec = getattr(sys.modules["__main__"], "__spec__", None)
    if main_spec is not None and main_spec.name:
        return ("-m", main_spec.name)
    return (os.path.abspath(sys.argv[0]),)


def _forward_config(cmd: list[str], args) -> None:
    cmd.extend((CONFIG_FLAG, args.mpbench_config))


def _not_called(loops: int) -> float:  # pragma: no cover - pyperf skips it
    raise AssertionError("pyperf called a time function outside its worker task")


def _calibrating(args) -> bool:
    return bool(args.calibrate_loops or args.recalibrate_loops
                or args.calibrate_warmups or args.recalibrate_warmups)


def main(argv: Sequence[str] | None = None, only: str | None = None) -> None:
    """Run the selected benchmarks under a pyperf ``Runner``.

    ``only`` is the default ``--only`` pattern (a ``bench/`` script's group).
    """
    import argparse
    import json
    import shutil
    import tempfile

    import pyperf

    from mpbench import catalogue, samples
    from mpbench import options as opt
    from mpbench.arguments import add_selection_arguments, fail, options_from_args, pyperf_mode
    from mpbench.errors import BenchmarkFailed, UsageError
    from mpbench.spec import WorkerEnv

    parser = argparse.ArgumentParser()
    parser.add_argument(CONFIG_FLAG, dest="mpbench_config", help=argparse.SUPPRESS)
    given = list(sys.argv[1:] if argv is None else argv)
    if not any(arg.split("=", 1)[0] == CONFIG_FLAG for arg in given):
        # a manager started by mpbench, and every worker, get their options in the config:
        # the per-group options (an import of every group's catalogue) only by hand
        add_selection_arguments(parser)
    runner = pyperf.Runner(_argparser=parser, program_args=_program_args(),
                           add_cmdline_args=_forward_config)
    args = runner.parse_args(argv)
    try:
        if args.mpbench_config:
            config = json.loads(args.mpbench_config)
        else:
            options = {**options_from_args(args), "mode": pyperf_mode(args)}
            config = {"options": options, "only": args.only or only}
        if "names" in config:
            # a worker builds only its benchmarks' groups: it starts many times per run
            groups = {name.split(".", 1)[0] for name in config["names"]}
            specs = catalogue.build(config["options"], groups)
            specs = [catalogue.find(specs, name) for name in config["names"]]
        else:
            specs = catalogue.select(catalogue.build(config["options"]), config.get("only"))
    except UsageError as exc:
        fail(str(exc))
    if config.get("parent_pid"):
        # Started by `mpbench run` (the manager) or by such a manager (a worker):
        # if our parent dies, stop this session (the workers' children included).
        import os

        from mpbench import lifeline

        lifeline.tie_session_to_parent(int(config["parent_pid"]), allow_thread=not args.worker)
        if not args.worker:
            config["parent_pid"] = os.getpid()
            # a killed worker's children must not keep pyperf waiting on its pipe
            from mpbench.worker_watch import watch_workers

            watch_workers(opt.child_timeout(config["options"]), FAILED_PREFIX)
    args.mpbench_config = json.dumps(config)

    scratch_dir = config.get("scratch_dir")
    own_scratch = None
    if args.worker and not scratch_dir:
        own_scratch = scratch_dir = tempfile.mkdtemp(prefix="mpbench-")
    env = WorkerEnv(config["options"], scratch_dir or "", opt.child_timeout(config["options"]))
    try:
        for index, spec in enumerate(specs):
            if not args.worker or args.worker_task != index:
                # the manager, or a worker whose task is another benchmark:
                # pyperf counts the call and does not run the function
                runner.bench_time_func(spec.name, _not_called)
                continue
            with spec.setup(env) as prepared:
                runner.bench_time_func(spec.name, prepared.time_func,
                                       inner_loops=spec.inner_loops,
                                       metadata={**spec.metadata, **prepared.metadata})
            if prepared.sample_calls and config.get("samples_dir") and not _calibrating(args):
                samples.write_part(config["samples_dir"], spec.name,
                                   prepared.sample_calls[args.warmups or 0:])
    except BenchmarkFailed as exc:
        print(FAILED_PREFIX + str(exc), file=sys.stderr)
        sys.exit(FAILED_EXIT)
    finally:
        if own_scratch:
            shutil.rmtree(own_scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
