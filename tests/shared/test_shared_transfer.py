"""Hand-overs deliver the payload whole, pickle5 really goes out of band, numpy stays
out of children that hand over bytes, a dying receiver leaves nothing behind."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from conftest import shm_segments

from mpbench.errors import BenchmarkFailed
from mpbench.groups.shared.workloads import transfer as tr
from mpbench.groups.shared.workloads.handover import FAULT_RECEIVER_DIES, HandOverRun
from mpbench.groups.shared.workloads.segments import Segments, supports_track
from mpbench.workloads.memory import reset_peak_rss

np = pytest.importorskip("numpy")
FORK = multiprocessing.get_context("fork")
SIZE = 70_001  # odd, and above the 64 KiB pipe buffer: written and read in pieces
CASES = [(t, r, p) for p in tr.PAYLOADS for t in tr.ALL_TRANSFERS for r in tr.receivers_of(t)]


@pytest.fixture(autouse=True)
def no_segment_left():
    before = shm_segments()
    yield
    assert shm_segments() <= before, "shared memory left in /dev/shm"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("transfer, receiver, payload", CASES)
def test_every_transfer_delivers_the_payload_whole(transfer, receiver, payload):
    with HandOverRun(FORK, transfer, SIZE, payload, receiver, timeout=30) as run:
        run.check(3)  # payload i differs from i-1; the receiver compares every byte
        assert run.time(3) > 0


@pytest.mark.timeout(30)
@pytest.mark.parametrize("sent, payload, fragment", [
    (tr.make_payload(5000, seq=1), "bytes", "arrived altered"),   # stale: the previous one
    (tr.make_payload(5000)[:-1], "bytes", "arrived altered"),     # cut
    (tr.make_payload(5000, "ndarray")[:10], "ndarray", "expected a uint8 array of 5000"),
    (tr.make_payload(5000), "ndarray", "expected a uint8 array"),  # bytes, not an array
])
def test_the_check_catches_stale_cut_and_wrong_payloads(sent, payload, fragment):
    with pytest.raises(tr.PayloadMismatch, match=fragment):
        tr.check_payload(sent, 5000, payload, 0)
    tr.check_payload(tr.make_payload(5000, payload), 5000, payload, 0)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("payload", tr.PAYLOADS)
def test_pickle5_keeps_the_payload_out_of_the_pickle_stream(payload):
    size = 2**20
    obj = tr.make_payload(size, payload)
    stream, frames = tr.pickle5_frames(obj)
    assert len(stream) < 1024, f"{len(stream)} B of pickle for a {size} B payload"
    assert bytes(memoryview(obj)[:64]) not in stream
    assert [frame.nbytes for frame in frames] == [size]
    # the frame is the sender's own memory, not a copy of it
    assert np.shares_memory(np.frombuffer(frames[0], dtype=np.uint8),
                            np.frombuffer(obj, dtype=np.uint8))
    received = bytes(frames[0])  # what recv_bytes gives the receiver
    back = tr.pickle5_loads(stream, [received])
    tr.check_payload(back, size, payload, 0)
    # and the object the receiver gets is built over the received frame, no copy
    assert np.shares_memory(np.frombuffer(back, dtype=np.uint8),
                            np.frombuffer(received, dtype=np.uint8))


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_bytes_payload_never_imports_numpy_in_a_child():
    spawn = multiprocessing.get_context("spawn")
    for transfer in ("pickle5", "shared_memory"):
        with HandOverRun(spawn, transfer, 8192, "bytes", "copy", timeout=30) as run:
            run.check(1)
            assert run.modules() == {"sender": [], "receiver": []}
    with HandOverRun(spawn, "queue", 8192, "ndarray", timeout=30) as run:  # control
        run.check(1)
        assert all(loaded == ["numpy"] for loaded in run.modules().values())


@pytest.mark.timeout(60)
@pytest.mark.skipif(not reset_peak_rss(), reason="cannot reset the peak RSS here")
@pytest.mark.parametrize("transfer, receiver, low, high", [
    ("shared_memory", "view", 0.0, 0.3),  # the receiver reads nothing
    ("shared_memory", "copy", 0.7, 1.3),  # one private copy; the segment counted once
    ("send_bytes", "copy", 0.7, 1.3),     # the receiver's buffer
    ("queue", "copy", 2.7, 3.3),          # pickle in the sender, buffer and object in the receiver
    ("fork_cow", "view", 0.0, 0.3),       # copy-on-write: nothing copied
])
def test_memory_pass_counts_the_copies_held(transfer, receiver, low, high):
    size = 32 * 2**20
    with HandOverRun(FORK, transfer, size, "bytes", receiver, timeout=30) as run:
        held = sum(m[0] for m in run.memory().values())
    assert low <= held / size <= high, f"{held / size:.2f} payloads held"


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("transfer", ["shared_memory", "fork_cow", "send_bytes"])
def test_a_receiver_killed_mid_transfer_fails_fast_and_leaves_nothing(transfer):
    started = time.monotonic()
    receiver = "copy"
    with pytest.raises(BenchmarkFailed, match="(receiver|fork child) ended with killed by SIGKILL"):
        with HandOverRun(FORK, transfer, 4 * 2**20, "bytes", receiver, timeout=30,
                         fault=FAULT_RECEIVER_DIES) as run:
            run.check(1)
            run.time(4)  # dies at the third hand-over, the sender mid-write
    assert time.monotonic() - started < 20, "noticed through the sentinel, not the timeout"


@pytest.mark.timeout(30)
def test_segments_are_unlinked_even_when_a_view_is_left():
    with pytest.raises(BufferError):
        with Segments() as segments:
            view = segments.create(4096).buf[:10]  # still exported at the end
    del view
    assert not segments.created


@pytest.mark.timeout(30)
@pytest.mark.skipif(not supports_track(), reason="track= is Python 3.13+")
def test_untracked_segments_are_unlinked_too():
    with Segments() as segments:
        name = segments.create(4096, track=False).name
    assert f"{name.lstrip('/')}" not in shm_segments()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("transfer", ["shared_memory", "fork_cow"])
def test_pinned_hand_overs_keep_every_process_on_one_cpu(transfer):
    import os

    from mpbench.workloads.placement import cpus_for

    cpus = cpus_for("same-cpu")
    with HandOverRun(FORK, transfer, 8192, "bytes", "copy", timeout=30, cpus=cpus) as run:
        assert {frozenset(os.sched_getaffinity(p.pid)) for p in run.crew.procs} == {
            frozenset(cpus)}
        run.check(2)
        assert run.time(10) > 0
