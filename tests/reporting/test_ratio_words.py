"""A ratio in words, its interval the same way round, and the geometric mean: what every
row of ``compare`` prints."""

from __future__ import annotations

import math

import pytest

from mpbench.reporting.verdict import geometric_mean, ratio_words
from mpbench.reporting.verdict_section import format_time


@pytest.mark.parametrize("ratio, low, high, text", [
    (1.06, 1.01, 1.12, "1.06x slower [1.01, 1.12]"),
    (0.4926, 0.3788, 0.6410, "2.03x faster [1.56, 2.64]"),  # never [0.38, 0.64] beside it
    (0.98, 0.91, 1.10, "1.02x faster [0.91, 1.10]"),        # straddles 1: still one direction
    (1.0, 0.9, 1.1, "1.00x [0.90, 1.10]"),                  # exactly the same
    (1.3, 0.0, math.inf, "1.30x slower [no interval]"),
])
def test_the_interval_reads_in_the_direction_of_the_words(ratio, low, high, text):
    assert ratio_words(ratio, low, high) == text


def test_a_ratio_alone_and_the_geometric_mean():
    assert ratio_words(0.8) == "1.25x faster" and ratio_words(1.5) == "1.50x slower"
    assert geometric_mean([2.0, 0.5]) == pytest.approx(1.0)
    assert geometric_mean([1.1, 1.2, 1.3]) == pytest.approx((1.1 * 1.2 * 1.3) ** (1 / 3))
    assert math.isnan(geometric_mean([]))


@pytest.mark.parametrize("seconds, text", [(8.6e-3, "8.60 ms"), (664e-6, "664 us"),
                                           (12e-3, "12.0 ms"), (1.5, "1.50 s"),
                                           (284e-9, "284 ns")])
def test_times_keep_three_significant_digits_as_pyperf_prints_them(seconds, text):
    assert format_time(seconds) == text
