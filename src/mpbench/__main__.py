"""``python -m mpbench``: the same command line as the ``mpbench`` script."""

import sys

from mpbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
