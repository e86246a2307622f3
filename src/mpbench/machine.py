"""What a comparison across machines needs beyond pyperf's own metadata.

pyperf records the CPU model, the CPU count, the kernel in ``platform``, the
Python build and more. This adds what decides multiprocessing costs: the CPUs
a process may really use (affinity and cgroup quota), memory, whether the
machine is a VM or a container, and the start methods the platform offers.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import platform
import shutil
import subprocess
from typing import Union

from mpbench.options import Options, available_start_methods
from mpbench.workloads.placement import usable_cpus

Value = Union[int, float, str]


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def _cgroup_paths() -> dict[str, str]:
    """Controller -> path of this process's cgroup (``""`` for cgroup v2)."""
    paths: dict[str, str] = {}
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def cgroup_cpu_quota() -> float | None:
    """CPUs' worth of time the cgroup allows (``None``: no quota)."""
    paths = _cgroup_paths()
    if "" in paths:  # cgroup v2
        text = _read(f"/sys/fs/cgroup{paths['']}/cpu.max".replace("//", "/"))
        if text and not text.startswith("max"):
            quota, period = text.split()[:2]
            return int(quota) / int(period)
    if "cpu" in paths:  # cgroup v1
        base = f"/sys/fs/cgroup/cpu{paths['cpu']}".rstrip("/")
        for directory in (base, "/sys/fs/cgroup/cpu"):
            quota_us = _read(f"{directory}/cpu.cfs_quota_us")
            period_us = _read(f"{directory}/cpu.cfs_period_us")
            if quota_us and period_us and int(quota_us) > 0:
                return int(quota_us) / int(period_us)
    return None


def usable_cpu_count() -> int:
    """How many CPUs the process can really use: its affinity, capped by the cgroup quota
    (:func:`~mpbench.workloads.placement.usable_cpus` lists the affinity)."""
    count = len(usable_cpus())
    quota = cgroup_cpu_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return count


def memory_total() -> int:
    """Physical memory in bytes, capped by a cgroup memory limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    paths = _cgroup_paths()
    limits = []
    if "" in paths:
        limits.append(_read(f"/sys/fs/cgroup{paths['']}/memory.max".replace("//", "/")))
    if "memory" in paths:
        limits.append(_read(f"/sys/fs/cgroup/memory{paths['memory']}/memory.limit_in_bytes"))
    for limit in limits:
        if limit and limit.isdigit() and 0 < int(limit) < total:
            total = int(limit)
    return total


def virtualization() -> str:
    """``vm=kvm container=docker``, ``none``, ... (systemd-detect-virt when present)."""
    vm = container = None
    detect = shutil.which("systemd-detect-virt")
    if detect:
        for flag in ("--vm", "--container"):
            try:
                out = subprocess.run([detect, flag], capture_output=True, text=True,
                                     timeout=5).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                out = ""
            if out and out != "none":
                if flag == "--vm":
                    vm = out
                else:
                    container = out
    if vm is None and "hypervisor" in (_read("/proc/cpuinfo") or "").split():
        vm = (_read("/sys/class/dmi/id/sys_vendor") or "unknown").lower().replace(" ", "-")
    if container is None:
        init_cgroup = _read("/proc/1/cgroup") or ""
        if os.path.exists("/.dockerenv") or "docker" in init_cgroup:
            container = "docker"
        elif os.path.exists("/run/.containerenv"):
            container = "podman"
        elif "kubepods" in init_cgroup:
            container = "kubernetes"
        elif "lxc" in init_cgroup:
            container = "lxc"
    parts = [f"vm={vm}"] if vm else []
    parts += [f"container={container}"] if container else []
    return " ".join(parts) or "none"


def free_threaded_build() -> bool:
    """Whether this is a free-threaded CPython build (``Py_GIL_DISABLED``, 3.13t+)."""
    import sysconfig

    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_disabled() -> bool:
    """Whether threads of this interpreter run Python code in parallel: a
    free-threaded build with the GIL not re-enabled at run time
    (``sys._is_gil_enabled()``, 3.13+; ``PYTHON_GIL=1`` turns it back on)."""
    import sys

    if not free_threaded_build():
        return False
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return not is_enabled() if is_enabled is not None else True


def default_start_method() -> str:
    """The start method ``multiprocessing`` uses when a program does not choose."""
    return multiprocessing.get_context().get_start_method()


def chosen_start_method(options: Options) -> str:
    """The one start method a group runs at: the platform's default, unless
    ``--methods`` leaves it out (then the first chosen)."""
    chosen = options.get("methods")
    default = default_start_method()
    if not chosen or default in chosen:
        return default
    return chosen[0]


@functools.cache
def _machine_metadata() -> dict[str, Value]:
    """``mpbench_*`` metadata describing this machine and platform."""
    quota = cgroup_cpu_quota()
    return {
        "mpbench_default_start_method": default_start_method(),
        "mpbench_start_methods": ",".join(available_start_methods()),
        "mpbench_usable_cpus": usable_cpu_count(),
        "mpbench_affinity": ",".join(map(str, usable_cpus())),
        "mpbench_cgroup_cpu_quota": "none" if quota is None else round(quota, 3),
        "mpbench_cpu_count": os.cpu_count() or 1,
        "mpbench_mem_total": memory_total(),
        "mpbench_kernel": platform.release() or "unknown",
        "mpbench_os": platform.system() or "unknown",
        "mpbench_machine": platform.machine() or "unknown",
        "mpbench_virtualization": virtualization(),
        "mpbench_python": (f"{platform.python_implementation()} {platform.python_version()}"
                           + ("t" if free_threaded_build() else "")),
        "mpbench_free_threaded": int(free_threaded_build()),
        "mpbench_gil_disabled": int(gil_disabled()),
    }


def machine_metadata() -> dict[str, Value]:
    """``mpbench_*`` metadata describing this machine and platform (read once)."""
    return dict(_machine_metadata())
