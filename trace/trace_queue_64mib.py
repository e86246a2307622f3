"""Traced scenario: one 64 MiB message through a Queue (``mpbench trace queue_64mib``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""

if __name__ == "__main__":
    import sys

    from mpbench.tracing.scenarios.bigmessage import main_queue

    sys.exit(main_queue(sys.argv[1:]))
