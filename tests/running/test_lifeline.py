"""Parent-death watching (:mod:`mpbench.lifeline`) and stale work folders
(:mod:`mpbench.workdirs`), on small hand-made process trees."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import psutil
import pytest
from conftest import leftover_processes

from mpbench import workdirs

pytestmark = pytest.mark.timeout(60)

# A parent that starts CHILD_CODE as the leader of a new session, prints the
# session's pids once the child has its own child, then sleeps until killed.
PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())],
                         stdout=subprocess.PIPE, text=True, start_new_session=True)
print(child.pid, child.stdout.readline().strip(), flush=True)
time.sleep(600)
"""

SESSION_LEADER = """
import os, subprocess, sys, time
{setup}
from mpbench import lifeline
lifeline.tie_session_to_parent(int(sys.argv[1]))
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(grandchild.pid, flush=True)
while True:
    time.sleep(0.05)
"""

NO_PRCTL = "import mpbench.lifeline as l; l._set_pdeathsig = lambda sig: False"


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _wait_dead(pids, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("setup", ["", NO_PRCTL], ids=["prctl", "polling"])
def test_a_session_stops_when_its_parent_is_killed(setup):
    if not setup and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG: Linux only")
    parent = subprocess.Popen([sys.executable, "-c", PARENT,
                               SESSION_LEADER.format(setup=setup)],
                              stdout=subprocess.PIPE, text=True)
    leader, grandchild = map(int, parent.stdout.readline().split())
    assert _alive(leader) and _alive(grandchild)
    parent.kill()
    parent.wait()
    assert _wait_dead([leader, grandchild]), "the session outlived its parent"
    assert not leftover_processes()


def test_a_parent_already_gone_is_noticed_at_once():
    code = textwrap.dedent("""
        import os, sys, time
        from mpbench import lifeline
        lifeline.tie_session_to_parent(1 if os.getppid() != 1 else 2)  # not our parent
        time.sleep(30)
        sys.exit(0)
    """)
    proc = subprocess.run([sys.executable, "-c", code], timeout=30, start_new_session=True)
    assert proc.returncode == 125


def test_the_guardian_stops_the_command_when_its_parent_dies():
    code = textwrap.dedent("""
        import os, subprocess, sys, time
        guard = subprocess.Popen([sys.executable, "-m", "mpbench.lifeline", str(os.getpid()),
                                  "--", sys.executable, "-c",
                                  "import os, time; print(os.getpid(), flush=True); "
                                  "time.sleep(600)"],
                                 stdout=subprocess.PIPE, text=True, start_new_session=True)
        print(guard.pid, guard.stdout.readline().strip(), flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    guard, command = map(int, parent.stdout.readline().split())
    parent.kill()
    parent.wait()
    assert _wait_dead([guard, command])
    assert not leftover_processes()


def test_the_guardian_passes_the_exit_status_on():
    proc = subprocess.run([sys.executable, "-m", "mpbench.lifeline", str(os.getpid()), "--",
                           sys.executable, "-c", "raise SystemExit(7)"], timeout=30)
    assert proc.returncode == 7


# -- stale work folders --------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _folder(parent, name_pid: int, **owner) -> str:
    path = parent / f"{workdirs.RUN_PREFIX}{name_pid}-abcdefgh"
    path.mkdir()
    if owner:
        (path / workdirs.OWNER_FILE).write_text(json.dumps(owner))
    return str(path)


def test_stale_work_folders_are_those_whose_owner_is_gone(tmp_path):
    me = psutil.Process()
    dead = _folder(tmp_path, _dead_pid())
    reused = _folder(tmp_path, os.getppid(), pid=os.getppid(), started=1.0,
                     host=socket.gethostname())  # a pid now held by a newer process
    live = _folder(tmp_path, os.getpid(), pid=os.getpid(), started=me.create_time(),
                   host=socket.gethostname())
    elsewhere = _folder(tmp_path, _dead_pid(), pid=1, started=1.0, host="another-host")
    (tmp_path / ".mpbench-run-olderformat").mkdir()
    found = {stale.path for stale in workdirs.find_stale(str(tmp_path), workdirs.RUN_PREFIX)}
    assert found == {dead, reused}
    assert {s.path for s in workdirs.remove_stale(str(tmp_path), workdirs.RUN_PREFIX)} == found
    assert sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(p) for p in (live, elsewhere, str(tmp_path / ".mpbench-run-olderformat")))


def test_a_new_work_folder_names_and_records_its_owner(tmp_path):
    path = workdirs.create(str(tmp_path), workdirs.TRACE_PREFIX)
    assert os.path.basename(path).startswith(f"{workdirs.TRACE_PREFIX}{os.getpid()}-")
    owner = json.loads(open(os.path.join(path, workdirs.OWNER_FILE)).read())
    assert owner["pid"] == os.getpid()
    assert workdirs.find_stale(str(tmp_path), workdirs.TRACE_PREFIX) == []
