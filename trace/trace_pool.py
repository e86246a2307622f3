"""Traced scenario: Pool(2) maps 40 tasks in chunks of 4 (``mpbench trace pool``).

Spawn and forkserver workers re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.pool.scenarios import main

    sys.exit(main(sys.argv[1:]))
