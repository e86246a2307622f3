"""The ``process`` part of a report: start/join cost per start method beside its floors.

- :mod:`.results`: reading the results (per start method, N, parent memory);
- :mod:`.figures`, :mod:`.tables`, :mod:`.headlines`: what the section shows;
- :mod:`.section`: the single-file report's section; :mod:`.compare`: the comparison's.
"""
