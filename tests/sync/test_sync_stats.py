"""Percentiles, fairness and the merge of contenders' stamps, on known inputs."""

from __future__ import annotations

from array import array

import pytest

from mpbench.errors import BenchmarkFailed
from mpbench.groups.sync.workloads.primitives import Stamps, analyse, check_exclusion, handoff_pairs
from mpbench.workloads import stats


def test_percentile_interpolates_between_ranks():
    values = [1, 2, 3, 4]
    assert stats.percentile(values, 0) == 1
    assert stats.percentile(values, 50) == 2.5
    assert stats.percentile(values, 100) == 4
    hundred = list(range(1, 101))
    assert stats.percentile(hundred, 99) == pytest.approx(99.01)
    assert stats.percentile([7], 99) == 7
    with pytest.raises(ValueError):
        stats.percentile([], 50)


def test_summary_of_known_values():
    summary = stats.summary(sorted([5, 1, 3, 2, 4]), "wait")
    assert summary == {"wait_p50": 3, "wait_p99": pytest.approx(4.96), "wait_max": 5,
                       "wait_count": 5}
    assert stats.summary([], "handoff") == {"handoff_count": 0}


def test_jain_index_and_max_min_share():
    assert stats.jain_index([10, 10, 10, 10]) == 1.0
    assert stats.jain_index([40, 0, 0, 0]) == 0.25  # one process got everything: 1/n
    assert stats.jain_index([1, 3]) == pytest.approx(16 / (2 * 10))
    assert stats.jain_index([0, 0]) == 1.0
    assert stats.max_min_ratio([10, 20, 40]) == 4.0
    assert stats.max_min_ratio([10, 0]) is None  # starved


def test_thinning_keeps_min_max_and_quantiles():
    values = list(range(1001))
    kept = stats.thin_sorted(values, 11)
    assert kept == list(range(0, 1001, 100))
    assert stats.thin_sorted([1, 2, 3], 10) == [1, 2, 3]


def _stamps(member, turns):
    """``turns``: (wait_from, acquired, released) triples."""
    return Stamps(member, min(t[0] for t in turns), max(t[2] for t in turns),
                  array("q", [t[0] for t in turns]), array("q", [t[1] for t in turns]),
                  array("q", [t[2] for t in turns]))


def test_analyse_finds_handoffs_shares_and_waits():
    # member 0 holds 10-20; member 1 waits from 12, gets it at 25 (a hand-off of 5 after
    # the release stamp at 20); member 0 comes back at 40 to a free lock (no hand-off);
    # member 1 again at 60, after its own release: not a hand-off either.
    a = _stamps(0, [(10, 10, 20), (40, 41, 45)])
    b = _stamps(1, [(12, 25, 30), (60, 61, 62)])
    call = analyse([a, b])
    assert call.shares == [2, 2]
    assert call.waits == sorted([0, 1, 13, 1])
    assert call.handoffs == [5]
    assert handoff_pairs([a, b]) == [(0, 20, 1, 25)]
    assert call.max_holders == 1
    assert call.elapsed_ns == 62 - 10
    check_exclusion(call, counter=4, total=4, slots=1, what="test")
    info = call.sample_call()["info"]
    assert info["jain"] == 1.0 and info["max_min_share"] == 1.0 and info["starved"] == 0
    assert info["handoff_p50"] == 5e-9 and info["wait_max"] == 13e-9


def test_overlapping_holders_and_lost_updates_fail_the_check():
    a = _stamps(0, [(10, 10, 20)])
    b = _stamps(1, [(11, 15, 25)])  # acquired while member 0 still held it
    call = analyse([a, b])
    assert call.max_holders == 2
    with pytest.raises(BenchmarkFailed, match="holders at once"):
        check_exclusion(call, counter=2, total=2, slots=1, what="lock")
    clean = analyse([_stamps(0, [(10, 10, 20)]), _stamps(1, [(11, 21, 25)])])
    with pytest.raises(BenchmarkFailed, match="counter ended at 1 after 2 counted"):
        check_exclusion(clean, counter=1, total=2, slots=1, what="lock")


def test_slots_allow_k_holders_and_no_more():
    turns = [_stamps(i, [(0, 10 + i, 50)]) for i in range(3)]
    call = analyse(turns, slots=2)
    assert call.max_holders == 3 and call.handoffs == []
    check_exclusion(call, counter=None, total=3, slots=3, what="sem")
    with pytest.raises(BenchmarkFailed, match="at least 3 holders"):
        check_exclusion(call, counter=None, total=3, slots=2, what="sem")
