"""The ``shared`` part of a report: hand-overs against size, SharedMemory's costs,
Value/Array and Manager proxies per operation.

- :mod:`.data`: reading the results (series, winners, crossovers, pairs);
- :mod:`.figures` and :mod:`.tables`: what the page shows;
- :mod:`.headlines`: the sentences on the first screen;
- :mod:`.section`: the single-file section (``section(rs, outdir)``);
- :mod:`.compare_section`: the comparison section (``compare_section(sets, outdir)``).
"""
