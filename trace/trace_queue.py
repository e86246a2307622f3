"""Traced scenario: a Queue, 2 producers -> 2 consumers (``mpbench trace queue``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.channels.scenarios import main_queue

    sys.exit(main_queue(sys.argv[1:]))
