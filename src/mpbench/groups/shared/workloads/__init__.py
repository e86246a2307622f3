"""The shared group's workloads: the code that is timed (standard library only:
spawn and forkserver children import these modules)."""
