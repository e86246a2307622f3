"""Traced scenario: 4 processes contending for one Lock (``mpbench trace lock``).

Spawn and forkserver children re-import this script: it imports nothing at
module level.
"""

if __name__ == "__main__":
    import sys

    from mpbench.tracing.scenarios.lockhandoff import main

    sys.exit(main(sys.argv[1:]))
