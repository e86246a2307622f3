"""pyperf script for the ``sync`` group: locks, semaphores, events and conditions under contention.

    python bench/bench_sync.py -o out.json [pyperf options] [mpbench options]

An ordinary pyperf script, so every pyperf option works (``--fast``,
``--rigorous``, ``--affinity``, ``--compare-to OTHER_PYTHON``...); the
contenders inherit the worker's CPU affinity. Unlike ``mpbench run`` it stops
at the first failing benchmark, adds no machine metadata and keeps no samples.
Nothing is imported above the guard: spawn and forkserver children re-import
this file.
"""
from __future__ import annotations

if __name__ == "__main__":
    from mpbench.suite import main

    main(only=r"^sync\.")
