"""Traced scenario: one 64 MiB message through a Pipe (``mpbench trace pipe_64mib``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""
from __future__ import annotations

if __name__ == "__main__":
    import sys

    from mpbench.groups.channels.scenarios import main_pipe_64mib

    sys.exit(main_pipe_64mib(sys.argv[1:]))
