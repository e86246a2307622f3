"""pyperf script for the ``channels`` group: Queue, SimpleQueue, JoinableQueue, Pipe
and a Manager queue, throughput and latency against message size, beside the
raw-pipe, socketpair, pickle and memcpy floors.

    python bench/bench_channels.py -o out.json [pyperf options] [mpbench options]
    python bench/bench_channels.py --fast --sizes 64B,4KiB,1MiB -o out.json

An ordinary pyperf script, so every pyperf option works (``--fast``,
``--rigorous``, ``--affinity``, ``--compare-to OTHER_PYTHON``...). Unlike
``mpbench run`` it stops at the first failing benchmark, adds no machine
metadata and keeps no latency samples. Without ``--sizes`` the whole default
size grid runs (long); ``--mode fast`` picks the coarser grid ``mpbench run
--fast`` uses. Nothing is imported above the guard: spawn and forkserver
children re-import this file.
"""
from __future__ import annotations

if __name__ == "__main__":
    from mpbench.suite import main

    main(only=r"^channels\.")
