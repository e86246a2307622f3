"""Traced scenario: a Queue, 2 producers -> 2 consumers (``mpbench trace queue``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""

if __name__ == "__main__":
    import sys

    from mpbench.tracing.scenarios.queues import main

    sys.exit(main(sys.argv[1:]))
