"""pyperf script for the ``pool`` group: Pool and ProcessPoolExecutor start-up, dispatch,
payload and break-even, pyperformance's concurrent_imap, Queue timeouts.

    python bench/bench_pool.py -o out.json [pyperf options] [mpbench options]

An ordinary pyperf script, so every pyperf option works (``--fast``,
``--rigorous``, ``--affinity``, ``--compare-to OTHER_PYTHON``...); the pools'
workers inherit the worker's CPU affinity. Unlike ``mpbench run`` it stops at
the first failing benchmark and adds no machine metadata. Nothing is imported
above the guard: spawn and forkserver workers re-import this file.
"""
from __future__ import annotations

if __name__ == "__main__":
    from mpbench.suite import main

    main(only=r"^pool\.")
