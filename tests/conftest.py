"""Shared fixtures: every test must leave no process behind.

The test session makes itself a child subreaper (Linux): a grandchild
orphaned by a dying ``mpbench`` is re-parented to pytest instead of init, so
``psutil.Process().children(recursive=True)`` really sees anything left over.

It also gives itself a /dev/shm of its own where it may (Linux, allowed to
mount: root, as CI runs): a fresh tmpfs in a mount namespace of its own, which
every process a test starts shares. The checks that nothing is left in
/dev/shm then see only what the tests' own processes made, never another
job's segments or semaphores. Elsewhere they compare the machine's /dev/shm.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

PR_SET_CHILD_SUBREAPER = 36
ROOT = Path(__file__).resolve().parent.parent


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


SUBREAPER = _become_subreaper()


def _take_back_ignored_signals() -> None:
    """A shell without job control starts a background command with SIGINT ignored
    (nohup: SIGHUP), and ignored signals stay ignored in every child it starts: the
    Ctrl-C and hang-up tests would then see their signal vanish. A handler is reset
    at exec, so the children get the default back."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


_take_back_ignored_signals()

CLONE_NEWNS, MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x20000, 0x2, 0x4, 0x4000, 0x40000


def _private_dev_shm() -> int | None:
    """Mount a fresh tmpfs on /dev/shm in a mount namespace of this process's own;
    a descriptor of the machine's /dev/shm (for the test that checks it), or None
    where that is not possible."""
    import threading

    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None  # unshare(CLONE_NEWNS) needs a single-threaded process
    try:
        machine = os.open("/dev/shm", os.O_RDONLY)
    except OSError:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    # "/" private first: a mount on a shared "/" would propagate to the machine
    if (libc.unshare(CLONE_NEWNS) != 0
            or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0
            or libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV,
                          b"mode=1777") != 0):
        os.close(machine)
        return None
    return machine


MACHINE_SHM_FD = _private_dev_shm()


def _own_multiprocessing_helpers() -> set:
    """Pids of the resource tracker and forkserver multiprocessing keeps for *this*
    process (a test that runs workloads in-process starts them; they live on)."""
    from multiprocessing import forkserver, resource_tracker

    pids = {getattr(forkserver._forkserver, "_forkserver_pid", None),
            getattr(resource_tracker._resource_tracker, "_pid", None)}
    return {pid for pid in pids if pid}


def leftover_processes(grace: float = 5.0) -> list[psutil.Process]:
    """Descendants still alive after ``grace`` seconds (zombies are reaped)."""
    me = psutil.Process()
    helpers = _own_multiprocessing_helpers()
    end = time.monotonic() + grace
    while True:
        alive = []
        for child in me.children(recursive=True):
            try:
                if child.status() == psutil.STATUS_ZOMBIE:
                    os.waitpid(child.pid, os.WNOHANG)
                elif child.pid not in helpers:
                    alive.append(child)
            except (psutil.Error, ChildProcessError):
                continue
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _browser_tests_are_marked(request):
    """Lets ``browser.browser_page`` fail a test that starts chromium unmarked."""
    import browser

    browser.CURRENT_TEST = request.node
    yield
    browser.CURRENT_TEST = None


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """Fail a test that leaves a child process behind (and kill it)."""
    yield
    alive = leftover_processes()
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    assert not alive, f"processes left behind: {[(p.pid, p.name()) for p in alive]}"


def run_mpbench(*args: str, cwd: Path | None = None, timeout: float = 100,
                check: bool = False) -> subprocess.CompletedProcess:
    """Run ``python -m mpbench ARGS`` and capture its output."""
    proc = subprocess.run([sys.executable, "-m", "mpbench", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"mpbench {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def shm_entries() -> set:
    """Names in /dev/shm that multiprocessing creates (semaphores, shared memory)."""
    try:
        names = os.listdir("/dev/shm")
    except OSError:
        return set()
    return {name for name in names if name.startswith(("sem.mp-", "psm_", "mp-"))}


def shm_segments() -> set:
    """The ``SharedMemory`` segments in /dev/shm (``psm_*``): named semaphores come and go
    with other test runs on a shared machine, segments only with the shared group's."""
    return {name for name in shm_entries() if name.startswith("psm_")}


FIXTURE_RESULTS = (ROOT / "tests" / "data" / "suite-py311.json",
                   ROOT / "tests" / "data" / "suite-py312.json")


@pytest.fixture(scope="session")
def fixture_report(tmp_path_factory) -> Path:
    """``mpbench report`` of the first committed fixture, built once for every report test."""
    out = tmp_path_factory.mktemp("fixture-report")
    run_mpbench("report", str(FIXTURE_RESULTS[0]), "-o", str(out), check=True)
    return out


@pytest.fixture(scope="session")
def fixture_comparison(tmp_path_factory) -> Path:
    """``mpbench compare`` of the two committed fixtures (3.11 then 3.12), built once."""
    out = tmp_path_factory.mktemp("fixture-comparison")
    run_mpbench("compare", *map(str, FIXTURE_RESULTS), "-o", str(out), check=True)
    return out


class FixtureFile:
    """A results file and its samples, read with pyperf and json, not the report's code."""

    def __init__(self, path: Path) -> None:
        import json

        import pyperf

        from mpbench.results import bench_metadata

        self.benches = {b.get_name(): b for b in pyperf.BenchmarkSuite.load(str(path))}
        self.md = {name: bench_metadata(b) for name, b in self.benches.items()}
        samples = json.loads(path.with_name(path.stem + ".samples.json").read_text())
        self.samples = samples["benchmarks"]

    def one(self, **criteria) -> str:
        """The one benchmark whose ``mpbench_<key>`` metadata equals each value."""
        found = [name for name, md in self.md.items()
                 if all(md.get(f"mpbench_{k}") == v for k, v in criteria.items())]
        assert len(found) == 1, (criteria, found)
        return found[0]

    def mean(self, name: str) -> float:
        return self.benches[name].mean()


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs (a small disk that fills up), or a skip saying why none."""
    mounted: list[Path] = []

    def mount(name: str = "tmpfs", size: str = "64k") -> Path:
        where = tmp_path / name
        where.mkdir()
        if not sys.platform.startswith("linux"):
            pytest.skip("tmpfs: Linux only")
        try:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                   str(where)], capture_output=True, text=True, timeout=30)
        except OSError as exc:
            pytest.skip(f"cannot mount a tmpfs here: {exc}")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill ``folder``'s file system until at most ``leave`` bytes are free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with open(folder / "ballast", "wb") as ballast:
        try:
            ballast.write(b"\0" * max(0, free - leave))
            ballast.flush()
        except OSError:
            pass


def mpbench_driver(tmp_path: Path, prologue: str, *args: str, timeout: float = 100,
                   env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``mpbench ARGS`` in a fresh interpreter after ``prologue`` (Python code that
    arranges a fault at a chosen point, e.g. by wrapping a function)."""
    script = tmp_path / "driver.py"
    script.write_text(prologue + "\nimport sys\nfrom mpbench.cli import main\n"
                      f"sys.exit(main({list(args)!r}))\n")
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=timeout, env=env)
