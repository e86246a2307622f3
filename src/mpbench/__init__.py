"""mpbench: what :mod:`multiprocessing` really costs on this machine, and why.

Kept empty on purpose: spawn and forkserver children import this package to
reach the workloads, and what it imports they pay for.
"""
from __future__ import annotations

__version__ = "0.1.0"
