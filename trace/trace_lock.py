"""Traced scenario: 4 processes contending for one Lock (``mpbench trace lock``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.sync.scenarios import main

    sys.exit(main(sys.argv[1:]))
