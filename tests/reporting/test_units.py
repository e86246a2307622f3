"""Sizes, durations and lists as users type them."""
from __future__ import annotations

import pytest

from mpbench.errors import UsageError
from mpbench.units import format_seconds, format_size, parse_list, parse_size


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("64B", 64), ("4KiB", 4096), ("1MiB", 1 << 20), ("1GiB", 1 << 30),
    ("2kb", 2000), ("3 MB", 3_000_000), ("64mib", 64 << 20),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "12XB", "1.5MiB", "-4", "KiB", "4 KiB B"])
def test_parse_size_rejects(text):
    with pytest.raises(UsageError):
        parse_size(text)


@pytest.mark.parametrize("nbytes, text", [(1, "1B"), (4096, "4KiB"), (1 << 20, "1MiB"),
                                          (3 << 30, "3GiB"), (1000, "1000B")])
def test_format_size_round_trips(nbytes, text):
    assert format_size(nbytes) == text
    assert parse_size(text) == nbytes


def test_format_seconds():
    assert format_seconds(0.0482) == "48.2 ms"
    assert format_seconds(1.5e-6) == "1.5 us"


@pytest.mark.parametrize("text", ["", "1,,2", "1,1", ","])
def test_parse_list_rejects(text):
    with pytest.raises(UsageError):
        parse_list(text, int, "number")
