"""The ``channels`` part of a report: throughput and latency against message size,
beside the raw-pipe, socketpair, pickle and memcpy floors.

- :mod:`.results`: reading the results into series (per transport, size, placement);
- :mod:`.fits`: ``time(size) = fixed + size / bandwidth`` fitted per transport;
- :mod:`.figures`, :mod:`.tables`, :mod:`.headlines`: what the section shows;
- :mod:`.section`: the single-file report's section; :mod:`.compare`: the comparison's.
"""
