"""The bench/ scripts are ordinary pyperf scripts, one per group."""

from __future__ import annotations

import subprocess
import sys

import pyperf
import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # bench scripts under plain pyperf


@pytest.mark.parametrize("script, args, names", [
    ("bench_process.py", ["--only", r"start_join\[method=spawn\]$"],
     ["process.interpreter_startup[mode=isolated]", "process.start_join_minimal[method=spawn]",
      "process.start_join[method=spawn]"]),
    ("bench_channels.py", ["--sizes", "64B", "--placement", "same-cpu", "--only",
                           r"channels\.pipe\.throughput\[size=64B,placement=same-cpu\]$"],
     ["channels.socketpair.throughput[size=64B,placement=same-cpu]",
      "channels.pipe.throughput[size=64B,placement=same-cpu]"]),
    ("bench_sync.py", ["--only", r"wakeup\[primitive=event,waiters=2,placement=same-cpu\]"],
     ["sync.semaphore_pingpong[placement=same-cpu]",
      "sync.wakeup[primitive=event,waiters=2,placement=same-cpu]"]),
    ("bench_pool.py", ["--only", r"queue_timeout\[op=get,timeout=1ms\]"],
     ["pool.sleep_overshoot[timeout=1ms]", "pool.queue_timeout[op=get,timeout=1ms]"]),
])
def test_bench_script_runs_under_plain_pyperf(tmp_path, script, args, names):
    """The benchmark asked for, its floor and its reference (the harness check), nothing else."""
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / script),
                           "--debug-single-value", *args, "-o", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names() == names
