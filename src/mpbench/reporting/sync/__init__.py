"""The ``sync`` part of a report: locks, semaphores, events and conditions under contention.

- :mod:`.results`: reading the results (per primitive, work point, N) and the per-call
  statistics the samples file kept;
- :mod:`.figures`, :mod:`.tables`, :mod:`.headlines`: what the section shows;
- :mod:`.section`: the single-file report's section; :mod:`.compare`: the comparison's.
"""
