"""Traced scenario: Pipe ping-pong between two children (``mpbench trace pipe``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.channels.scenarios import main_pipe

    sys.exit(main_pipe(sys.argv[1:]))
