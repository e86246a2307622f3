"""Traced scenario: Process start/join, one child a round (``mpbench trace process``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""

if __name__ == "__main__":
    import sys

    from mpbench.tracing.scenarios.startjoin import main

    sys.exit(main(sys.argv[1:]))
