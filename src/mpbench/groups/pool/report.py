"""The pool group's report: its section of a report and of a comparison."""

from __future__ import annotations

from mpbench.groups.pool.compare import compare_section
from mpbench.groups.pool.section import section

__all__ = ["compare_section", "section"]
