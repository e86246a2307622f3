"""The shared plotting helpers: ratio ticks labelled as the range needs, one rate format."""

from __future__ import annotations

import pytest

from mpbench.reporting import plotting

pytestmark = pytest.mark.timeout(30)


def labels(low, high):
    return [plotting.ratio_label(t) for t in plotting.ratio_ticks(low, high)]


@pytest.mark.parametrize("low, high, expected", [
    (0.5, 2.0, ["0.5x", "0.67x", "0.8x", "1x", "1.25x", "1.5x", "2x"]),
    (0.9, 1.1, ["0.9x", "0.95x", "1x", "1.05x", "1.1x"]),
    (0.97, 1.03, ["0.98x", "0.99x", "1x", "1.01x", "1.02x"]),
    (0.8, 1.6, ["0.8x", "1x", "1.25x", "1.5x"]),
    (0.3, 30.0, ["0.5x", "1x", "2x", "5x", "10x", "20x"]),
    (1.3, 1.4, ["1.3x", "1.4x"]),            # nothing of the ladder inside: the ends
    (0.995, 1.004, ["0.995x", "1x", "1.004x"]),
])
def test_ratio_ticks_label_more_than_1x(low, high, expected):
    assert labels(low, high) == expected


@pytest.mark.parametrize("low, high", [(0.2, 5.0), (0.05, 40.0), (0.6, 1.05), (1e-4, 1e4)])
def test_ratio_ticks_stay_inside_and_few(low, high):
    ticks = plotting.ratio_ticks(low, high)
    assert 2 <= len(ticks) <= plotting.RATIO_TICKS_MAX
    assert all(low <= t <= high for t in ticks) and ticks == sorted(set(ticks))


def test_ratio_axis_labels_the_axis_it_draws():
    fig, ax = plotting.new_figure()
    ax.plot([0.7, 1.4], [0, 1])
    plotting.ratio_axis(ax, 0.7, 1.4, "x")
    fig.canvas.draw()
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plotting.plt.close(fig)
    assert ax.get_xscale() == "log"
    assert shown == ["0.8x", "1x", "1.25x"]


@pytest.mark.parametrize("value, unit, text", [
    (1.5e9, "B", "1.5 GB/s"), (950, "B", "950 B/s"), (999.7, "B", "1 kB/s"),
    (1.94e6, "acquisitions", "1.94 M acquisitions/s"), (950, "acquisitions", "950 acquisitions/s"),
    (90.2e3, "", "90.2 k/s"), (12.0, "", "12/s"),
])
def test_format_rate(value, unit, text):
    assert plotting.format_rate(value, unit) == text


def test_axes_use_engineering_prefixes_and_ascii_micro():
    fig, ax = plotting.new_figure()
    plotting.seconds_axis(ax)
    plotting.rate_axis(ax, "B", "x")
    assert ax.yaxis.get_major_formatter()(2e-5, 0) == "20 us"
    assert ax.xaxis.get_major_formatter()(2.5e6, 0) == "2.5 MB/s"
    plotting.plt.close(fig)
