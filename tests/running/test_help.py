"""``mpbench --help`` and each command's: options under one heading per family, and
every positional argument explained."""

from __future__ import annotations

import argparse

import pytest

from mpbench import catalogue, cli
from mpbench.groups import GROUPS
from mpbench.options import COMMON_OPTIONS

pytestmark = pytest.mark.timeout(60)

FAMILIES = ["selection", "mode", *(group.name for group in GROUPS), "output"]


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    [subparsers] = [action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction)]
    return dict(subparsers.choices)


def _sections(help_text: str) -> dict[str, str]:
    """Each heading of a help text (``name:`` at the margin) and the text under it."""
    sections: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in help_text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            lines = sections.setdefault(line[:-1], [])
        else:
            lines.append(line)
    return {heading: "\n".join(body) for heading, body in sections.items()}


def _help(command: str, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "100")
    return _commands()[command].format_help()


def test_run_help_has_a_heading_per_family_in_order(monkeypatch):
    headings = list(_sections(_help("run", monkeypatch)))
    assert [h for h in headings if h in FAMILIES] == FAMILIES
    assert [g.name for g in GROUPS] == headings[headings.index("mode") + 1:][:len(GROUPS)]


@pytest.mark.parametrize("command", ["run", "list", "ab", "selftest"])
def test_each_group_s_options_sit_under_its_own_heading(command, monkeypatch):
    sections = _sections(_help(command, monkeypatch))
    owned = catalogue.group_options()
    assert all(own for _, own in owned), "every group has options of its own"
    for group, own in owned:
        assert group.title in sections[group.name]
        for option in own:
            if option.hidden:
                continue
            homes = [h for h, body in sections.items() if f"  {option.flag} " in body]
            assert homes == [group.name], (option.flag, homes)
    for option in COMMON_OPTIONS:
        if not option.hidden:
            homes = [h for h, body in sections.items() if f"  {option.flag} " in body]
            assert homes == [option.heading], (option.flag, homes)
    assert "  --only REGEX" in sections["selection"]
    assert "  --fast " in sections["mode"]


def test_group_options_are_all_options_without_the_common_ones():
    flat = [option.flag for _, own in catalogue.group_options() for option in own]
    assert len(flat) == len(set(flat))
    assert [o.flag for o in catalogue.all_options()] == [o.flag for o in COMMON_OPTIONS] + flat


def test_every_positional_argument_and_command_has_a_help_text():
    parser = cli.build_parser()
    for name, command in [("mpbench", parser), *_commands().items()]:
        for action in command._actions:
            if not action.option_strings:
                assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    assert all(action.help for action in parser._subparsers._group_actions[0]._choices_actions)


def test_top_level_help_names_every_command_and_the_reference(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for command in _commands():
        assert f"\n    {command} " in out
    assert "docs/commands.md" in out
