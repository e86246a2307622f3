"""pyperf script for the ``shared`` group: hand-overs without (or with) copies,
SharedMemory's own costs, Value/Array access and Manager proxies.

    python bench/bench_shared.py -o out.json [pyperf options] [mpbench options]

An ordinary pyperf script, so every pyperf option works (``--fast``,
``--rigorous``, ``--affinity``, ``--compare-to OTHER_PYTHON``...). Unlike
``mpbench run`` it stops at the first failing benchmark, adds no machine
metadata, keeps no samples and does not skip a benchmark for lack of memory
(its set-up refuses to start instead, which stops the script). Nothing is
imported above the guard: spawn and forkserver children re-import this file.
"""
from __future__ import annotations

if __name__ == "__main__":
    from mpbench.suite import main

    main(only=r"^shared\.")
