"""Multi-process timelines: traced scenarios, named and linked for Perfetto.

``mpbench trace`` runs a scenario script from ``trace/`` under
``python -m viztracer`` (the only way viztracer follows multiprocessing
children), then post-processes the combined Chrome trace JSON: every process
named by its role, flow arrows from each ``put``/``send`` to its ``get``/``recv``
and from each lock release to the next acquire, counters, phase spans and the
tracing overhead in the metadata.

Modules that run *inside* the traced processes (:mod:`.marks`, :mod:`.proxies`,
:mod:`.scenarios`) use the standard library only and never import viztracer:
they find its global tracer when there is one and do nothing otherwise, so the
same scenario also runs untraced to measure the overhead.
"""
