"""Incidents: where each occurrence of a rule happened, and what is left of those not kept.

A rule's first occurrences are kept whole (`engine.MAX_OCCURRENCES_PER_RULE`);
the later ones are only counted, as `Counted` records: enough to weigh them in
every number a finding gives (occurrences, workers, places) and to tell when a
more specific rule superseded them, without their events.

An occurrence's place is the request it was serving and the code it was stuck
in: the path of `Error handling request <path>` (or of the request's access or
router line) and the app frame of the abort's traceback (else its stuck frame).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from diagnoser.events import Event, Kind
from diagnoser.rules import Rule
from diagnoser.vocabulary import MatchType

# An event's identity across kept and counted occurrences: a derived event shares
# its line with the event it came from, but not its kind.
EventKey = tuple[str, int, Kind, int | None]  # (source, line, kind, pid)
WorkerKey = tuple[str, int]  # (instance, pid)
Place = tuple[str, str]  # (request path, frame); "" where the log does not say

_PATH_FIELDS = ("uri", "raw_uri", "path")
_PATH_KINDS = frozenset(
    {
        Kind.WORKER_ABORT,
        Kind.REQUEST_ERROR,
        Kind.DJANGO_REQUEST_ERROR,
        Kind.ACCESS,
        Kind.REQUEST_LOG,
    }
)


def incident_id(rule: Rule, events: list[Event]) -> str:
    """An occurrence's stable id: its rule, and the event that opened it (the first of
    its rule's first step): its envelope instance, worker life, line and time.

    Only what the bytes say goes in, never the input's name or the time it was read,
    so the same lines give the same ids in `analyze` (a file) and `watch` (a pipe),
    and a sequence keeps its id from provisional to settled.
    """
    first_kinds = rule.match.steps[0].kinds if rule.match.steps else set()
    opener = next((e for e in events if e.kind in first_kinds), events[0] if events else None)
    if opener is None:
        return "inc-" + hashlib.blake2b(rule.id.encode(), digest_size=5).hexdigest()
    worker = opener.worker
    life = f"{worker.pid}.{worker.generation}" if worker is not None else str(opener.pid or "")
    key = "\x1f".join(
        (rule.id, opener.instance, life, str(opener.line), repr(opener.ts), opener.kind.value)
    )
    return "inc-" + hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=5).hexdigest()


def event_key(event: Event) -> EventKey:
    return (event.source, event.line, event.kind, event.pid)


def request_path(event: Event) -> str:
    """The path (without its query) of the request an event names, or ""."""
    if event.kind not in _PATH_KINDS:
        return ""
    for name in _PATH_FIELDS:
        value = event.fields.get(name)
        if isinstance(value, str) and value.startswith("/"):
            return value.split(None, 1)[0].split("?", 1)[0]
    return ""


def place_of(events: Iterable[Event]) -> Place:
    """Where an occurrence happened: the first frame its events show, and the path of
    the same request (the event with the frame, else the first that names one)."""
    frame = ""
    path = ""
    for event in events:
        found = event.fields.get("app_frame") or event.fields.get("stuck_frame")
        if isinstance(found, str) and found and not frame:
            frame = found
            path = request_path(event) or path
        elif not path:
            path = request_path(event)
        if frame and path:
            break
    return (path, frame)


@dataclass(slots=True, frozen=True)
class Counted:
    """An occurrence past its rule's kept bound: counted, its events not kept."""

    keys: frozenset[EventKey]  # its events, to tell whether a more specific rule took them
    workers: tuple[WorkerKey, ...]  # the workers that took part (its steps')
    place: Place
    settled: bool
    lines: int  # evidence lines it would have shown

    @classmethod
    def of(
        cls, events: list[Event], workers: Iterable[WorkerKey], settled: bool, extra_lines: int
    ) -> Counted:
        """The record of an occurrence made of `events` (its steps' `workers`)."""
        return cls(
            frozenset(event_key(event) for event in events),
            tuple(workers),
            place_of(events),
            settled,
            extra_lines + sum(len(event.evidence_lines()) for event in events),
        )


class Fired(Protocol):
    """What a record is made of: an occurrence (`engine.Occurrence`)."""

    events: list[Event]
    workers: dict[WorkerKey, None]
    settled: bool
    extra_lines: int


@dataclass(slots=True)
class PastBound:
    """A rule's occurrences past its kept bound.

    An occurrence still gathers follow-up evidence (the abort traceback that names
    its path and frame) for its rule's time span after it fired, so it is held as
    it is until that span has passed, then recorded; past `MAX_COUNTED` records,
    only their number is kept (`uncounted`).
    """

    rule: Rule
    counted: list[Counted] = field(default_factory=list)
    uncounted: int = 0
    open: deque[Fired] = field(default_factory=deque)  # fired within the span, oldest first

    MAX_COUNTED = 20_000
    MAX_OPEN = 256

    def add(self, occurrence: Fired, now: float | None) -> None:
        """One more occurrence past the bound, fired at `now` (the latest time seen)."""
        self.open.append(occurrence)
        span = self.rule.match.timespan
        while self.open:
            first = self.open[0].events[0].ts
            spent = now is not None and first is not None and now - first > span
            if not spent and len(self.open) <= self.MAX_OPEN:
                break
            self._record(self.open.popleft())

    def _record(self, occurrence: Fired) -> None:
        if len(self.counted) < self.MAX_COUNTED:
            self.counted.append(_record(occurrence))
        else:
            self.uncounted += 1

    def records(self) -> list[Counted]:
        """Every occurrence recorded, and those still open as they are now."""
        room = max(0, self.MAX_COUNTED - len(self.counted))
        return self.counted + [_record(o) for o in list(self.open)[:room]]

    def add_settled(self, occurrence: Fired) -> None:
        """One more occurrence past the bound whose input has ended (a merge)."""
        self._record(occurrence)

    def absorb(self, other: PastBound) -> None:
        """Take another analysis's occurrences of the same rule past its bound."""
        records = other.records()
        for record in records:
            if len(self.counted) < self.MAX_COUNTED:
                self.counted.append(record)
            else:
                self.uncounted += 1
        # what `records` left out: the uncounted, and open ones past MAX_COUNTED
        self.uncounted += other.total - len(records)

    @property
    def total(self) -> int:
        """How many occurrences fired past the bound."""
        return len(self.counted) + self.uncounted + len(self.open)


def _record(occurrence: Fired) -> Counted:
    return Counted.of(
        occurrence.events, occurrence.workers, occurrence.settled, occurrence.extra_lines
    )


def single_incident(rule: Rule) -> bool:
    """Whether each occurrence of `rule` is one incident (one timeout, one request), so
    that its place says where that incident happened: not a burst that a count
    rule adds up over many events."""
    return rule.match.type is not MatchType.COUNT or rule.match.threshold == 1
