"""Reports from results files: figures (matplotlib), ``summary.md`` and ``index.html``.

Reports read results and samples files only; they never run a benchmark.
"""
