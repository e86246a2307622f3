"""Workloads: the code that is timed, free of pyperf and of the harness.

Spawn and forkserver children import these modules to find their targets, so
they import only the standard library.
"""
