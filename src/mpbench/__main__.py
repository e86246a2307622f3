"""``python -m mpbench``: the same command line as the ``mpbench`` script."""
from __future__ import annotations

import sys

from mpbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
