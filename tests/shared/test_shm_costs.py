"""SharedMemory's own costs: every operation runs, leaves no segment and no tracker warning."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import shm_segments

from mpbench.groups.shared.workloads import shm_costs
from mpbench.groups.shared.workloads.segments import supports_track

SCRIPT = """
from multiprocessing import resource_tracker
from mpbench.groups.shared.workloads import shm_costs as c
from mpbench.groups.shared.workloads.segments import supports_track
resource_tracker.ensure_running()
for size in (4096, 3 * 2**20):
    assert c.time_create(70, size) > 0          # two batches
    assert c.time_unlink(3, size) > 0
    with c.ResidentSegment(size) as seg:
        assert c.time_attach(70, seg.name) > 0
        assert c.time_close(3, seg.name, size) > 0
        if supports_track():
            assert c.time_attach(5, seg.name, track=False) > 0
    if supports_track():
        assert c.time_create(5, size, track=False) > 0
assert c.time_register(70) > 0
print("done")
"""


@pytest.mark.timeout(60)
def test_every_operation_runs_and_leaves_nothing_for_the_tracker_to_warn_about():
    before = shm_segments()
    # a process of its own: the resource tracker speaks on stderr when it ends
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr
    assert "resource_tracker" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert shm_segments() <= before


def test_batches_bound_descriptors_and_resident_bytes():
    assert shm_costs.batch_size(4096, "create") == shm_costs.MAX_BATCH
    assert shm_costs.batch_size(256 * 2**20, "unlink") == 1
    assert shm_costs.batch_size(64 * 2**20, "close") == 4
    assert sum(shm_costs._batches(150, 4096, "attach")) == 150


def test_track_is_offered_where_python_has_it():
    assert supports_track() == (sys.version_info >= (3, 13))
