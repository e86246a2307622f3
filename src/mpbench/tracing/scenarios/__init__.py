"""Scenario bodies, run by the light scripts in ``trace/`` (standard library only).

Each module has ``main(argv) -> int``: the script's ``__main__`` block calls it,
so spawn and forkserver children, which re-import the script, import nothing.
The processes of a scenario run the benchmarks' own workload functions
(:mod:`mpbench.workloads`) with traced channel and lock proxies
(:mod:`mpbench.tracing.proxies`) passed in place of the plain objects.
"""
