"""The shared section of a single-file report (``Group.report``)."""

from __future__ import annotations

from mpbench.groups import get
from mpbench.groups.shared import results as sd
from mpbench.groups.shared.figures import FIGURES
from mpbench.groups.shared.headlines import headlines
from mpbench.groups.shared.tables import TABLES
from mpbench.reporting.data import ResultSet
from mpbench.reporting.tables import Section, build_section

KEY = "shared"
TITLE = get("shared").title
INTRO = ("How long until another process holds a buffer, by Queue, send_bytes, pickle protocol "
         "5 with out-of-band buffers, SharedMemory or a fork child's copy-on-write memory, and "
         "how many copies of it exist meanwhile; what SharedMemory's own operations, a "
         "Value/Array access and a Manager proxy call cost. Every figure beside floors measured "
         "in the same run: memcpy, a raw os.pipe, a local object, a Pipe round trip. What each "
         "includes: docs/shared.md.")


def section(rs: ResultSet, outdir: str) -> Section | None:
    """The shared section, or None when the results hold no shared benchmark."""
    if not rs.where(group=sd.GROUP):
        return None
    return build_section(KEY, TITLE, INTRO, rs, outdir, headlines, FIGURES, TABLES)
