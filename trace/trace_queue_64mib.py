"""Traced scenario: one 64 MiB message through a Queue (``mpbench trace queue_64mib``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.channels.scenarios_bigmessage import main_queue

    sys.exit(main_queue(sys.argv[1:]))
