"""Channel workloads: messages arrive whole and in order, memory stays bounded,
a dying consumer fails fast and leaves nothing behind."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time

import pytest
from conftest import shm_entries

from mpbench.errors import BenchmarkFailed
from mpbench.groups.channels.workloads import floors as floors
from mpbench.groups.channels.workloads import messages as ch
from mpbench.groups.channels.workloads.ends import ConnEnd
from mpbench.groups.channels.workloads.loops import consume_checked, stamp_plan
from mpbench.groups.channels.workloads.runs import PingPongRun, StreamRun
from mpbench.workloads.placement import cpus_for, pinned

FORK = multiprocessing.get_context("fork")
PIPE_BUFFER = 64 * 1024
# 1 byte, an odd size, and one above the 64 KiB pipe buffer (written in pieces)
SIZES = (1, 1001, PIPE_BUFFER + 34_465)


def _cases():
    for transport in ch.TRANSPORTS:
        for size in SIZES:
            yield transport, size, "bytes"
        if transport not in ch.RAW:
            yield transport, 1001, "object"


def record_answers(run) -> list:
    """Every answer the run's processes give, one list per call, as they arrive."""
    calls: list = []
    recv_all = run.crew.recv_all

    def recording():
        answers = recv_all()
        calls.append(answers)
        return answers

    run.crew.recv_all = recording
    return calls


def check_stream(run, count: int) -> None:
    """One stream call: the consumer's tally is every message of every producer, whole
    (it also checks message i against make_message(i) when verifying), and it got the last
    one after each producer's first send."""
    calls = record_answers(run)
    seconds = run.stream(count)
    (received, length, last), *firsts = calls[-1]
    expected = count * run.producers
    assert (received, length) == (expected, expected * ch.message_length(run.size, run.payload))
    assert len(firsts) == run.producers and all(first <= last for first in firsts)
    assert seconds == (last - min(firsts)) / 1e9


def check_round_trips(run, count: int) -> None:
    """One ping-pong call: every round trip stamped (verify mode), in causal order across
    the two processes: sent <= echoed <= received back <= the next send."""
    seconds = run.round_trips(count)
    call = run.sample_calls[-1]
    assert call["info"] == {"size": run.size, "round_trips": count, "stamped": count}
    one_way = call["series"]["one_way_ns"]
    assert len(one_way) == 2 * count and min(one_way) >= 0, one_way
    assert sum(one_way) <= seconds * 1e9


@pytest.mark.parametrize("transport, size, payload", list(_cases()))
def test_stream_delivers_every_message_whole_and_in_order(transport, size, payload):
    with StreamRun(FORK, transport, size, payload, verify=True, timeout=30) as run:
        check_stream(run, 6)
        check_stream(run, 3)


@pytest.mark.parametrize("transport, size, payload", list(_cases()))
def test_ping_pong_echoes_every_message_whole(transport, size, payload):
    with PingPongRun(FORK, transport, size, payload, verify=True, timeout=30) as run:
        check_round_trips(run, 4)  # the ping side also checks each echo against message i


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["queue", "os_pipe", "socketpair"])
def test_spawned_children_get_working_ends(transport):
    ctx = multiprocessing.get_context("spawn")
    with StreamRun(ctx, transport, 5000, verify=True, timeout=60) as run:
        check_stream(run, 3)
    with PingPongRun(ctx, transport, 5000, verify=True, timeout=60) as run:
        check_round_trips(run, 2)


@pytest.mark.parametrize("transport", ch.QUEUES[:2])
def test_n_producers_deliver_every_message(transport):
    with StreamRun(FORK, transport, 100, producers=3, timeout=30) as run:
        check_stream(run, 50)  # 150 messages of 100 bytes from 3 producers


@pytest.mark.parametrize("sent, fragment", [
    ([ch.make_message(10)[:-1] + b"?"], "message 0 of 10 B"),     # altered
    ([ch.make_message(10)[:-1]], "message 0 of 10 B"),            # cut
    ([ch.make_message(10, seq=1), ch.make_message(10)], "message 0"),  # out of order
])
def test_the_check_catches_altered_cut_and_reordered_messages(sent, fragment):
    reader, writer = FORK.Pipe(duplex=False)
    try:
        for data in sent:
            writer.send_bytes(data)
        with pytest.raises(ch.MessageMismatch, match=fragment):
            consume_checked(ConnEnd(reader=reader), len(sent), 10, "bytes")
    finally:
        reader.close()
        writer.close()


def test_object_payload_pickles_to_about_its_size():
    for size in (64, 1001, 65536):
        assert abs(ch.pickled_size(size, "object") - size) <= 16
        assert len(ch.make_message(size, "object")) == ch.message_length(size, "object")
    assert ch.make_message(300, "bytes", seq=2) != ch.make_message(300, "bytes", seq=3)


def test_round_trip_samples_pair_up_stamps():
    with PingPongRun(FORK, "os_pipe", 64, timeout=30, samples_per_call=16) as run:
        seconds = run.round_trips(100)
    (call,) = run.sample_calls
    one_way = call["series"]["one_way_ns"]
    assert len(one_way) == 32 and all(value > 0 for value in one_way)
    # out and back of 16 evenly spread round trips: together less than the whole call
    assert sum(one_way) / 1e9 < seconds
    assert call["info"] == {"size": 64, "round_trips": 100, "stamped": 16}


def test_stamp_plan_spreads_stamps_over_the_call():
    assert stamp_plan(10) == (0, 1, 10)
    assert stamp_plan(10, 3) == (1, 3, 3)
    assert stamp_plan(2, 5) == (0, 1, 2)
    assert stamp_plan(7, 0) == (7, 1, 0)
    for count, samples in ((1000, 128), (129, 128), (5, 5)):
        lead, stride, stamped = stamp_plan(count, samples)
        assert lead + stride * stamped == count and stamped == min(count, samples)


def test_bounded_queue_at_64mib_stays_under_the_memory_bound():
    size = 64 * 2**20
    with StreamRun(FORK, "queue", size, timeout=60) as run:
        assert ch.queue_maxsize("queue", size) == 2
        run.stream(run.prime_count())
        peaks, bases = run.peak_rss(), run.base_rss
    moved = sum(peaks.values()) - sum(bases.values())
    assert len(peaks) == 3  # this process, the producer, the consumer
    assert 0 < moved <= 8 * size, f"{moved / 2**20:.0f} MiB held for 64 MiB messages"


def _semaphores(channel) -> set:
    """/dev/shm entries of the named semaphores behind the channel's queues."""
    names = set()
    for end in channel.ends:
        for queue in (getattr(end, "out_queue", None), getattr(end, "in_queue", None)):
            for lock in vars(queue).values() if queue is not None else ():
                name = getattr(getattr(lock, "_semlock", None), "name", None)
                if name:
                    names.add("sem." + name.lstrip("/"))
    return names


@pytest.mark.parametrize("transport, method", [("queue", "spawn"), ("pipe", "fork")])
def test_a_consumer_killed_mid_stream_fails_fast_and_leaves_nothing(transport, method):
    killed, semaphores = [], set()

    def kill_consumer(run):
        time.sleep(0.3)
        pid = run.crew.procs[0].pid
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    started = time.monotonic()
    with pytest.raises(BenchmarkFailed, match="consumer ended with killed by SIGKILL"):
        with StreamRun(multiprocessing.get_context(method), transport, 4096,
                       timeout=60) as run:
            semaphores = _semaphores(run.channel)
            threading.Thread(target=kill_consumer, args=(run,), daemon=True).start()
            run.stream(10_000_000)
    assert killed
    assert time.monotonic() - started < 10, "noticed through the sentinel, not the timeout"
    assert bool(semaphores) == (transport == "queue")  # spawn keeps them named
    del run
    gc.collect()  # the queue's finalizer unlinks them
    assert not semaphores & shm_entries(), "semaphores left in /dev/shm"


def test_in_process_floors_do_the_work_they_time(monkeypatch):
    src, dst = bytearray(ch.make_message(4096)), bytearray(4096)
    floors.time_memcpy(10, src, dst)
    assert dst == src  # the copy happened, into the buffer given
    from multiprocessing.reduction import ForkingPickler

    pickled: list = []
    dumps = ForkingPickler.dumps
    monkeypatch.setattr(ForkingPickler, "dumps",
                        classmethod(lambda cls, obj, *a: pickled.append(obj) or dumps(obj, *a)))
    for payload in ch.PAYLOADS:
        message = ch.make_message(4096, payload)
        del pickled[:]
        floors.time_pickle(10, message)
        assert len(pickled) == 10 and all(obj is message for obj in pickled), payload


@pytest.mark.parametrize("placement, size", [("same-cpu", 1), ("free", floors.PIPE_BUF)])
def test_minimal_ping_pong_runs_in_either_placement(placement, size):
    ctx = multiprocessing.get_context("fork")
    with pinned(cpus_for(placement)), floors.MinimalPingPong("os_pipe", ctx, size, 30) as loop:
        assert loop.time_func(50) > 0 and loop.time_func(20) > 0
    with pytest.raises(ValueError):
        floors.MinimalPingPong("os_pipe", ctx, floors.PIPE_BUF + 1, 30)


@pytest.mark.skipif(floors.find_perf() is None, reason="perf (linux-perf) is not installed")
def test_perf_sched_pipe_is_read_per_round_trip():
    perf = floors.find_perf()
    fixed = floors.perf_fixed_cost(perf, timeout=30, runs=1)
    assert 0 < floors.time_perf_sched_pipe(200, perf, fixed, timeout=30) < 1
