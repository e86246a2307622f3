"""What ties a timeline's processes together, read from the marks they left.

- flow arrows (``s``/``f``) from each ``put``/``send`` to its ``get``/``recv``,
  and from each lock release to the next acquire in another process;
- counters (``C``) on the parent: messages in flight and bytes sent per
  channel, and which process holds the lock.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from mpbench.tracing.marks import CAT_LOCK, CAT_MESSAGE
from mpbench.tracing.timeline_names import natural

Event = dict[str, Any]

FLOW_EPSILON_US = 0.001  # inside our own slice, clear of the functions it encloses


def slices(events: list[Event], cat: str) -> list[Event]:
    """The complete slices of category ``cat``, by start time."""
    return sorted((e for e in events if e.get("cat") == cat and e.get("ph") == "X"),
                  key=lambda e: e["ts"])


class Flows:
    """Flow events, numbered from 1 in the order they are linked; :attr:`unmatched`
    counts, per channel, the messages sent that no receive matched."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.count = 0
        self.unmatched: dict[str, int] = defaultdict(int)

    def _flow(self, flow_id: int, cat: str, name: str, src: Event, dst: Event) -> None:
        src_ts = src["ts"] + min(FLOW_EPSILON_US, src.get("dur", 0) / 2)
        dst_ts = dst["ts"] + max(dst.get("dur", 0) - FLOW_EPSILON_US, dst.get("dur", 0) / 2)
        self.events.append({"ph": "s", "id": flow_id, "cat": cat, "name": name,
                            "pid": src["pid"], "tid": src["tid"], "ts": src_ts})
        self.events.append({"ph": "f", "bp": "e", "id": flow_id, "cat": cat, "name": name,
                            "pid": dst["pid"], "tid": dst["tid"], "ts": dst_ts})
        self.count += 1

    def link_messages(self, events: list[Event]) -> None:
        """A flow from each message's send to its receive (matched by message id)."""
        sends: dict[str, Event] = {}
        recvs: dict[str, Event] = {}
        for event in slices(events, CAT_MESSAGE):
            args = event.get("args", {})
            (sends if args.get("side") == "send" else recvs)[args.get("msg")] = event
        for msg, send in sends.items():
            recv = recvs.get(msg)
            if recv is None:
                self.unmatched[send["args"].get("channel", "?")] += 1
                continue
            self._flow(self.count + 1, "message",
                       f"{send['args'].get('channel', 'message')} message", send, recv)

    def link_lock_handoffs(self, events: list[Event]) -> None:
        """A flow from each lock release to the acquire that followed it in another process."""
        releases: dict[str, Event] = {}
        acquires: list[Event] = []
        for event in slices(events, CAT_LOCK):
            args = event.get("args", {})
            if args.get("op") == "release":
                releases[args.get("release")] = event
            elif args.get("op") == "acquire" and args.get("after"):
                acquires.append(event)
        for acquire in acquires:
            release = releases.get(acquire["args"]["after"])
            if release is None or release["pid"] == acquire["pid"]:
                continue  # the first acquire, or the same process again: no hand-off
            self._flow(self.count + 1, "lock", "lock hand-off", release, acquire)


def message_counters(events: list[Event], pid: int) -> list[Event]:
    """Counters on process ``pid``: messages in flight and bytes sent, per channel."""
    added: list[Event] = []
    changes: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    for event in slices(events, CAT_MESSAGE):
        args = event.get("args", {})
        end = event["ts"] + event.get("dur", 0)
        if args.get("side") == "send":
            changes[args.get("channel", "channel")].append((end, 1, args.get("bytes") or 0))
        else:
            changes[args.get("channel", "channel")].append((end, -1, 0))
    for channel, steps in changes.items():
        in_flight = 0
        sent = 0
        for ts, step, nbytes in sorted(steps, key=lambda s: (s[0], -s[1])):
            in_flight += step
            sent += nbytes
            added.append({"ph": "C", "pid": pid, "ts": ts,
                          "name": f"{channel}: messages in flight",
                          "args": {"messages": in_flight}})
            if step > 0:
                added.append({"ph": "C", "pid": pid, "ts": ts,
                              "name": f"{channel}: bytes sent", "args": {"bytes": sent}})
    return added


def lock_holder_counter(events: list[Event], pid: int,
                        roles: dict[int, str]) -> tuple[list[Event], str | None]:
    """A ``lock holder`` counter on process ``pid`` (0 = free, then each holder's
    number) and its legend; ``([], None)`` when no lock was marked."""
    steps: list[tuple[float, int, int]] = []
    for event in slices(events, CAT_LOCK):
        op = event.get("args", {}).get("op")
        end = event["ts"] + event.get("dur", 0)
        if op == "acquire":
            steps.append((end, 1, event["pid"]))
        elif op == "release":
            steps.append((event["ts"], 0, event["pid"]))
    if not steps:
        return [], None
    holders = sorted({p for _, _, p in steps}, key=lambda p: natural(roles.get(p, "")))
    index = {p: i + 1 for i, p in enumerate(holders)}
    legend = ", ".join(f"{i} = {roles.get(p, p)}" for p, i in index.items())
    added: list[Event] = [{"ph": "C", "pid": pid, "ts": steps[0][0] - 1, "name": "lock holder",
                           "args": {"holder": 0}}]
    for ts, acquired, who in sorted(steps, key=lambda s: (s[0], s[1])):
        added.append({"ph": "C", "pid": pid, "ts": ts, "name": "lock holder",
                      "args": {"holder": index[who] if acquired else 0}})
    return added, f"lock holder: 0 = free, {legend}"
