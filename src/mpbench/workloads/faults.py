"""Targets that misbehave on purpose, for tests of the harness's fault handling.

Selected with the hidden ``mpbench run --inject-fault`` option; never part of
a real run.
"""

from __future__ import annotations

import os
import time

CRASH_EXIT_CODE = 70


def crash(*args: object) -> None:
    """A child that dies at once without cleanup."""
    os._exit(CRASH_EXIT_CODE)


def hang(*args: object) -> None:
    """A child that never finishes."""
    while True:
        time.sleep(3600)


HEAVY_MODULES = ("pyperf", "mpbench.catalogue", "mpbench.runner", "mpbench.cli", "viztracer",
                 "matplotlib")
HEAVY_EXIT_CODE = 71


def check_imports(*args: object) -> None:
    """A child that fails (exit code 71) if the harness's modules were imported into it.

    Spawn and forkserver children re-import the parent's ``__main__``; this
    proves that what they load is the workload, not pyperf or the harness.
    """
    import sys

    heavy = [name for name in HEAVY_MODULES if name in sys.modules]
    if heavy:
        sys.stderr.write(f"child imported the harness: {', '.join(heavy)}\n")
        sys.stderr.flush()
        os._exit(HEAVY_EXIT_CODE)
