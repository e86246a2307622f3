"""Exceptions shared by the command line, the runner glue and the workloads."""
from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class BenchmarkFailed(RuntimeError):
    """A workload could not produce an honest number (a child crashed, hung...)."""
