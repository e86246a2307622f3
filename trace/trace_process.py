"""Traced scenario: Process start/join, one child a round (``mpbench trace process``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.process.scenarios import main

    sys.exit(main(sys.argv[1:]))
