"""What the command line answers in the terminal: ``mpbench`` alone, the count that ends
``mpbench list``, the "In short" lines of ``mpbench report``."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, run_mpbench

from mpbench.cli import main
from mpbench.groups import GROUPS

COMMANDS = ("list", "run", "report", "compare", "ab", "selftest", "export", "trace", "view")


def test_mpbench_alone_prints_the_usage_and_every_command_with_its_help_and_exits_2():
    proc = run_mpbench()
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr
    assert err.startswith("usage: mpbench ")
    assert run_mpbench("--help", check=True).stdout.strip() in err  # the whole help
    for command in COMMANDS:  # each with its one-line help beside it
        assert re.search(rf"^    {command} +\w", err, re.M), command
    assert err.rstrip().splitlines()[-1] == "mpbench: error: no COMMAND given"
    assert "Traceback" not in err


def test_a_bad_command_is_still_one_line():
    proc = run_mpbench("lsit")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "invalid choice: 'lsit'" in proc.stderr


def test_list_ends_with_a_count_per_group_and_a_total(capsys):
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    names = [line.split()[0] for line in out.splitlines()]
    count = err.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) benchmarks: (.+)", count)
    assert match and int(match.group(1)) == len(names) == len(set(names))
    per_group = dict(part.split() for part in match.group(2).split(", "))
    assert list(per_group) == [group.name for group in GROUPS]  # catalogue order, every group
    for group, n in per_group.items():
        assert int(n) == sum(name.startswith(group + ".") for name in names), group
    # standard output stays one benchmark a line, for pipes
    assert all("benchmarks:" not in line for line in out.splitlines())


def test_list_counts_a_selection_of_one_group(capsys):
    assert main(["list", "--only", r"^process\.os_fork$"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[0] == "process.os_fork"
    assert err.strip().splitlines()[-1] == "1 benchmark: process 1"


@pytest.mark.slow  # builds a report
def test_report_prints_the_in_short_lines_of_its_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "72")
    assert main(["report", str(ROOT / "tests" / "data" / "pool-py311.json"),
                 "-o", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "In short:" and out[-1].startswith("wrote ")
    assert all(len(line) <= 72 for line in out[:-1]), out
    items: list[str] = []  # the wrapped lines joined again: "- " opens one, "  " goes on
    for line in out[1:-1]:
        assert line.startswith(("- ", "  ")), line
        if line.startswith("- "):
            items.append(line[2:])
        else:
            items[-1] += " " + line.strip()
    markdown = (tmp_path / "report" / "summary.md").read_text()
    block = markdown.split("## In short\n", 1)[1].split("\n## ", 1)[0]
    page = [re.sub(r" \(\[[^]]+\]\(#[^)]+\)\)$", "", line[2:])
            for line in block.splitlines() if line.startswith("- ")]
    assert len(page) >= 2 and items == page
