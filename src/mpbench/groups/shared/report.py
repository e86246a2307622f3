"""The shared group's report: its section of a report and of a comparison."""

from __future__ import annotations

from mpbench.groups.shared.compare import compare_section
from mpbench.groups.shared.section import section

__all__ = ["compare_section", "section"]
