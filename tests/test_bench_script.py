"""bench/bench_process.py is an ordinary pyperf script."""

from __future__ import annotations

import subprocess
import sys

import pyperf

from conftest import ROOT


def test_bench_script_runs_under_plain_pyperf(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_process.py"),
                           "--debug-single-value", "--only", r"start_join\[method=spawn\]$",
                           "-o", str(out)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    assert names == ["process.interpreter_startup[mode=isolated]",
                     "process.start_join[method=spawn]"]
