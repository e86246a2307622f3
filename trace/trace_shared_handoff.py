"""Traced scenario: a 64 MiB array handed over by a Queue and by SharedMemory, side by side
(``mpbench trace shared_handoff``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.shared.scenarios import main

    sys.exit(main(sys.argv[1:]))
