"""Engine: rules applied to correlated events, one event at a time.

`feed` returns the occurrences that the event just decided, so a live reader can
report them at once; `analyze` is the same engine run to the end of the input.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from diagnoser.bulk import BulkLine, BulkRun, bulk_group, counts_every_line
from diagnoser.correlate import Correlator
from diagnoser.events import Event, Kind
from diagnoser.incidents import PastBound, event_key, incident_id
from diagnoser.matching import Matcher, inside, matcher, matches, ordered, within
from diagnoser.rules import Absent, Rule, Step
from diagnoser.vocabulary import MatchType

MAX_GROUPS = 50_000  # bound on partial matches kept at once (oldest dropped first)
PRUNE_EVERY = 10_000  # events between sweeps of expired matches
MAX_OCCURRENCES_PER_RULE = 200
MAX_EVENTS_PER_OCCURRENCE = 64  # later follow-up events are counted, not kept
EVIDENCE_EVENTS = 40  # a rule's kept events that fill its evidence (findings.MAX_EVIDENCE)
HISTORY = 512  # recent events per instance, for context and absences


@dataclass(slots=True)
class Occurrence:
    """One firing of a rule: the events that proved it, for one group.

    Follow-up events past `MAX_EVENTS_PER_OCCURRENCE`, and bulk lines attached
    without being read one by one, are only counted: `extra_lines` is the
    number of evidence lines they would have shown. `workers` are the workers
    that took part: those of the events that matched the rule's steps, not of
    the evidence or context around them (a replacement worker's boot).
    """

    rule: Rule
    group: Hashable
    events: list[Event]
    settled: bool = True
    extra_lines: int = 0
    workers: dict[tuple[str, int], None] = field(default_factory=dict)  # (instance, pid)
    kept: bool = False  # among the rule's kept occurrences (not past the bound)
    summary: object = None  # what findings made of it (findings._Summary), kept for reuse
    incident: str = ""  # its incident id, once asked for (`incident_id`)

    def incident_id(self) -> str:
        """Its stable id (`incidents.incident_id`): computed once, as the events that
        decide it (its first step's) never change after it was made."""
        if not self.incident:
            self.incident = incident_id(self.rule, self.events)
        return self.incident


@dataclass(slots=True)
class _Partial:
    events: list[Event] = field(default_factory=list)


def _cannot_materialize(line: BulkLine) -> Event:
    raise RuntimeError("bulk lines fed to an engine that cannot read them")


class Engine:
    """Runs every rule over the event stream."""

    def __init__(self, rules: list[Rule], correlator: Correlator) -> None:
        self.rules = rules
        self.correlator = correlator
        self.occurrences: list[Occurrence] = []
        # Occurrences kept per rule are bounded (the first ones carry the evidence);
        # the rest are only counted (`past_bound`), so a run of days stays within memory.
        self.kept: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.past_bound: dict[str, PastBound] = {}
        # Sequences that reached `provisional_after` but not their end (live mode).
        self.pending: dict[int, Occurrence] = {}
        self._by_kind: dict[Kind, list[Rule]] = {}
        self._rule_kinds: dict[str, set[Kind]] = {}  # the kinds each rule looks at
        for rule in rules:
            kinds = {k for step in rule.match.steps for k in step.kinds} | set(rule.match.evidence)
            self._rule_kinds[rule.id] = kinds
            for kind in kinds:
                self._by_kind.setdefault(kind, []).append(rule)
        self._partials: OrderedDict[tuple[str, Hashable], list[_Partial]] = OrderedDict()
        self._open: OrderedDict[tuple[str, Hashable], Occurrence] = OrderedDict()
        self._counts: OrderedDict[tuple[str, Hashable], deque[Event | BulkLine]] = OrderedDict()
        # reads a bulk line held in a count window as its event (set by the analysis)
        self.materialize: Callable[[BulkLine], Event] = _cannot_materialize
        # events with their sequence numbers: bulk lines take numbers without being kept,
        # so an event leaves the history after the same number of lines as before
        self._instance_history: dict[str, deque[Event]] = {}
        self._instance_seqs: dict[str, deque[int]] = {}
        self._seq: dict[str, int] = {}
        self._rule_events: dict[str, int] = {}  # events kept in a rule's kept occurrences
        self._bulk_rules: dict[frozenset[Kind], list[tuple[Rule, list[Kind], frozenset[Kind]]]] = {}
        self._evidence_rules: dict[Kind, list[Rule]] = {
            kind: [r for r in rules if kind in r.match.evidence and not counts_every_line(r, kind)]
            for kind in Kind
        }
        self._fed = 0
        self._now: float | None = None  # the latest timestamp seen
        self._rules_by_id = {rule.id: rule for rule in rules}
        # for each rule, the rules that supersede it (a narrower cause on the same events)
        self._superseders: dict[str, list[Rule]] = {}
        for rule in rules:
            for other in rule.supersedes:
                self._superseders.setdefault(other, []).append(rule)
        # compiled once: the rules live as long as the engine, so their ids are stable
        self._matchers: dict[int, Matcher] = {}
        for rule in rules:
            conditions: list[Step | Absent] = [*rule.match.steps, *rule.match.absent]
            for condition in conditions:
                self._matchers[id(condition)] = matcher(condition)

    # -- public -----------------------------------------------------------------

    def feed(self, event: Event) -> list[Occurrence]:
        """Apply every rule interested in this event; return what it decided."""
        instance = self.correlator.instance_key(event)
        history = self._instance_history.get(instance)
        if history is None:
            history = self._instance_history[instance] = deque(maxlen=HISTORY)
            self._instance_seqs[instance] = deque(maxlen=HISTORY)
        seq = self._seq[instance] = self._seq.get(instance, 0) + 1
        history.append(event)
        self._instance_seqs[instance].append(seq)
        self._fed += 1
        if event.ts is not None:
            self._now = event.ts
        if self._fed % PRUNE_EVERY == 0:
            self._prune()
        rules = self._by_kind.get(event.kind)
        if not rules:
            return []
        fired: list[Occurrence] = []
        for rule in rules:
            group = self._group(rule, event, instance)
            if group is None:
                continue
            if rule.match.type is MatchType.COUNT:
                occurrence = self._count(rule, group, event)
            else:
                occurrence = self._sequence(rule, group, event)
            if occurrence is not None:
                self._keep(occurrence)
                fired.append(occurrence)
        return fired

    def may_yet_be_superseded(self, occurrence: Occurrence, now: float | None = None) -> bool:
        """Whether a rule that supersedes `occurrence`'s rule has a partial match still
        open (within its time span of `now`, the latest time seen, and on a worker
        life the log has not ended) on one of its events: the narrower explanation
        may still come. Used by the live mode to keep an incident provisional until
        it can no longer be explained better."""
        narrower = self._superseders.get(occurrence.rule.id)
        if not narrower:
            return False
        now = self._now if now is None else now
        keys = {event_key(event) for event in occurrence.events}
        for rule in narrower:
            span = rule.match.timespan
            if rule.match.group_by == occurrence.rule.match.group_by:
                groups = [self._partials.get((rule.id, occurrence.group), [])]
            else:
                groups = [p for (rule_id, _), p in self._partials.items() if rule_id == rule.id]
            for partials in groups:
                for partial in partials:
                    worker = partial.events[-1].worker
                    by_worker = rule.match.group_by == "worker" and worker is not None
                    if by_worker and self.correlator.life_ended(worker):  # type: ignore[arg-type]
                        continue  # its worker is gone: the sequence cannot go on
                    first = partial.events[0].ts
                    if now is not None and first is not None and now - first > span:
                        continue
                    if any(event_key(event) in keys for event in partial.events):
                        return True
        return False

    def _keep(self, occurrence: Occurrence) -> None:
        rule_id = occurrence.rule.id
        if self.kept.get(rule_id, 0) >= MAX_OCCURRENCES_PER_RULE:
            self.dropped[rule_id] = self.dropped.get(rule_id, 0) + 1
            past = self.past_bound.get(rule_id)
            if past is None:
                past = self.past_bound[rule_id] = PastBound(occurrence.rule)
            past.add(occurrence, self._now)
            return
        self.kept[rule_id] = self.kept.get(rule_id, 0) + 1
        self._rule_events[rule_id] = self._rule_events.get(rule_id, 0) + len(occurrence.events)
        self.occurrences.append(occurrence)
        occurrence.kept = True

    def finish(self) -> list[Occurrence]:
        """End of input: sequences that reached `provisional_after` stand, unsettled."""
        fired: list[Occurrence] = []
        for (rule_id, group), partials in self._partials.items():
            rule = self._rules_by_id[rule_id]
            for partial in partials:
                occurrence = self._settle_unfinished(rule, group, partial)
                if occurrence is not None:
                    fired.append(occurrence)
        self._partials.clear()
        self.pending.clear()
        return fired

    # -- matching -----------------------------------------------------------------

    def _group(self, rule: Rule, event: Event, instance: str) -> Hashable | None:
        scope = rule.match.group_by
        if scope == "worker":
            if event.worker is None and event.pid is None:
                # a line that names no worker (a pasted traceback): one unknown
                # worker per instance, so it still gives a finding
                return (instance, None)
            return event.worker
        if scope == "instance":
            return instance
        return ""

    def _sequence(self, rule: Rule, group: Hashable, event: Event) -> Occurrence | None:
        steps = rule.match.steps
        key = (rule.id, group)
        if self._ok(steps[0], event):
            if len(steps) == 1:
                return self._fire(rule, group, [event])
            partials = self._partials.get(key)
            if partials is None:
                partials = self._partials[key] = []
                if len(self._partials) > MAX_GROUPS:
                    self._partials.popitem(last=False)
            partial = _Partial([event])
            partials.append(partial)
            self._track(rule, group, partial)
            return None
        if self._attach(rule, key, event):
            return None
        partials = self._partials.get(key)
        if not partials:
            return None
        span = rule.match.timespan
        for partial in list(partials):
            if not within(partial.events[0], event, span):
                partials.remove(partial)
                self.pending.pop(id(partial), None)
                self._settle_unfinished(rule, group, partial)
                continue
            if self._ok(steps[len(partial.events)], event):
                partial.events.append(event)
                if len(partial.events) == len(steps):
                    partials.remove(partial)
                    self.pending.pop(id(partial), None)
                    if not partials:
                        del self._partials[key]
                    return self._fire(rule, group, partial.events)
                self._track(rule, group, partial)
                return None
        return None

    def _ok(self, step: Step | Absent, event: Event) -> bool:
        return matches(self._matchers[id(step)], event)

    def _prune(self) -> None:
        """Forget open occurrences and partial matches whose time span has passed.

        Groups that never see another event (a dead worker) would otherwise be
        kept until the size bound; both dicts are in insertion order, oldest first.
        """
        now = self._now
        if now is None:
            return
        while self._open:
            key, occurrence = next(iter(self._open.items()))
            first = occurrence.events[0].ts
            if first is None or now - first <= occurrence.rule.match.timespan:
                break
            del self._open[key]
        for key in list(self._partials)[:PRUNE_EVERY]:
            partials = self._partials[key]
            span = self._rules_by_id[key[0]].match.timespan
            alive = [p for p in partials if p.events[0].ts is None or now - p.events[0].ts <= span]
            if alive:
                self._partials[key] = alive
                continue
            del self._partials[key]
            for partial in partials:
                self.pending.pop(id(partial), None)
                self._settle_unfinished(self._rules_by_id[key[0]], key[1], partial)

    def _settle_unfinished(
        self, rule: Rule, group: Hashable, partial: _Partial
    ) -> Occurrence | None:
        """A sequence whose end never came stands, unsettled, if it got far enough."""
        needed = rule.match.provisional_after
        if needed is None or len(partial.events) < needed:
            return None
        if not self._absence_ok(rule, partial.events[-1]):
            return None
        occurrence = Occurrence(
            rule,
            group,
            self._with_context(rule, partial.events),
            settled=False,
            workers=_workers_of(partial.events),
        )
        self._keep(occurrence)
        return occurrence

    def _track(self, rule: Rule, group: Hashable, partial: _Partial) -> None:
        """A partial match far enough to be shown, unsettled, while it waits."""
        needed = rule.match.provisional_after
        if needed is not None and len(partial.events) >= needed:
            self.pending[id(partial)] = Occurrence(
                rule,
                group,
                list(partial.events),
                settled=False,
                workers=_workers_of(partial.events),
            )
            if len(self.pending) > MAX_GROUPS:
                self.pending.pop(next(iter(self.pending)))

    def _count(self, rule: Rule, group: Hashable, event: Event) -> Occurrence | None:
        key = (rule.id, group)
        if not self._ok(rule.match.steps[0], event):
            self._attach(rule, key, event)
            return None
        if self._attach(rule, key, event):
            return None
        return self._count_one(rule, group, event)

    def _window(self, key: tuple[str, Hashable]) -> deque[Event | BulkLine]:
        """The events a count rule holds for its group, within its span."""
        window = self._counts.get(key)
        if window is None:
            window = self._counts[key] = deque()
            if len(self._counts) > MAX_GROUPS:
                self._counts.popitem(last=False)
        return window

    def _count_one(self, rule: Rule, group: Hashable, item: Event | BulkLine) -> Occurrence | None:
        """Count `item` in the group's window; the occurrence when the threshold is met."""
        window = self._window((rule.id, group))
        window.append(item)
        span = rule.match.timespan
        while window and not within(window[0], item, span):
            window.popleft()
        if len(window) < rule.match.threshold:
            return None
        occurrence = self._fire_window(rule, group, window)
        if occurrence is not None:
            window.clear()
        return occurrence

    def _follow(
        self, rule: Rule, occurrence: Occurrence, item: Event | BulkLine, step: bool = True
    ) -> None:
        """A follow-up of an open occurrence: kept up to the bound, counted past it.
        `step`: it matched one of the rule's steps (else it is evidence only)."""
        if len(occurrence.events) < MAX_EVENTS_PER_OCCURRENCE:
            item = self.materialize(item) if isinstance(item, BulkLine) else item
            occurrence.events.append(item)
            if occurrence.kept:
                self._rule_events[rule.id] = self._rule_events.get(rule.id, 0) + 1
        elif isinstance(item, BulkLine):
            occurrence.extra_lines += 1
        else:
            occurrence.extra_lines += len(item.evidence_lines())
        if step and isinstance(item, Event) and item.worker is not None:
            occurrence.workers.setdefault((item.worker.instance, item.worker.pid), None)

    def _attach(self, rule: Rule, key: tuple[str, Hashable], event: Event) -> bool:
        """Add a follow-up event to the group's open occurrence, if it is one."""
        occurrence = self._open.get(key)
        if occurrence is None:
            return False
        if not within(occurrence.events[0], event, rule.match.timespan):
            del self._open[key]
            return False
        later_kinds = {k for step in rule.match.steps[1:] for k in step.kinds}
        if rule.match.type is MatchType.COUNT:
            later_kinds |= rule.match.steps[0].kinds
        step = event.kind in later_kinds and any(self._ok(s, event) for s in rule.match.steps)
        if step or event.kind in rule.match.evidence:
            self._follow(rule, occurrence, event, step)
            return True
        return False

    def _fire(
        self,
        rule: Rule,
        group: Hashable,
        events: list[Event],
        deciding: Event | None = None,
        extra_lines: int = 0,
    ) -> Occurrence | None:
        """Open an occurrence; it keeps at most `MAX_EVENTS_PER_OCCURRENCE` events and
        counts the evidence lines of the rest."""
        if not self._absence_ok(rule, deciding or events[-1]):
            return None
        workers = _workers_of(events)
        events = self._with_context(rule, events)
        if len(events) > MAX_EVENTS_PER_OCCURRENCE:
            extra_lines += sum(len(e.evidence_lines()) for e in events[MAX_EVENTS_PER_OCCURRENCE:])
            events = events[:MAX_EVENTS_PER_OCCURRENCE]
        occurrence = Occurrence(rule, group, events, extra_lines=extra_lines, workers=workers)
        key = (rule.id, group)
        self._open[key] = occurrence
        self._open.move_to_end(key)
        if len(self._open) > MAX_GROUPS:
            self._open.popitem(last=False)
        return occurrence

    def _fire_window(
        self, rule: Rule, group: Hashable, window: deque[Event | BulkLine]
    ) -> Occurrence | None:
        """A count rule's window fires: bulk lines in it are read as events, only as
        many as the occurrence keeps (and the deciding one) when no context is needed."""
        items = list(window)

        def read(item: Event | BulkLine) -> Event:
            return self.materialize(item) if isinstance(item, BulkLine) else item

        if rule.match.evidence or rule.match.context or len(items) <= MAX_EVENTS_PER_OCCURRENCE:
            return self._fire(rule, group, [read(e) for e in items])
        kept = [read(e) for e in items[:MAX_EVENTS_PER_OCCURRENCE]]
        rest = items[MAX_EVENTS_PER_OCCURRENCE:]
        extra = sum(1 if isinstance(e, BulkLine) else len(e.evidence_lines()) for e in rest)
        occurrence = self._fire(rule, group, kept, deciding=read(items[-1]), extra_lines=extra)
        if occurrence is not None:  # the counted events took part as much as the kept ones
            for event in rest:
                if isinstance(event, Event) and event.worker is not None:
                    occurrence.workers.setdefault((event.worker.instance, event.worker.pid), None)
        return occurrence

    def _history(self, scope: str, event: Event) -> Iterable[Event]:
        if scope == "worker":
            return self.correlator.history(event.worker)
        instance = self.correlator.instance_key(event)
        history = self._instance_history.get(instance)
        if not history:
            return ()
        seqs = self._instance_seqs[instance]
        oldest = self._seq.get(instance, 0) - HISTORY
        if seqs[0] > oldest:
            return history
        cut = bisect.bisect_right(list(seqs), oldest)
        return list(islice(history, cut, None))

    def _with_context(self, rule: Rule, events: list[Event]) -> list[Event]:
        """Step events plus the group's evidence between them and context before them."""
        match = rule.match
        if not match.evidence and not match.context:
            return events
        first, last = events[0], events[-1]
        chosen = {id(e) for e in events}
        extra: list[Event] = []
        scope = "worker" if match.group_by == "worker" else "instance"
        for earlier in self._history(scope, last):
            if id(earlier) in chosen or earlier.source != last.source:
                continue
            if earlier.line > last.line:
                continue
            if (earlier.kind in match.evidence and earlier.line >= first.line) or (
                earlier.kind in match.context
                and earlier.line < first.line
                and within(earlier, first, match.timespan)
            ):
                extra.append(earlier)
        if not extra:
            return events
        return sorted([*events, *extra], key=lambda e: e.line)

    # -- bulk lines ----------------------------------------------------------------

    def bulk_wants_events(self, kind: Kind, instance: str) -> bool:
        """Whether the next lines of `kind` must be read one by one, because an open
        occurrence would keep them as evidence (its rule's evidence is not full yet)."""
        for rule in self._evidence_rules[kind]:
            group = bulk_group(rule, instance)
            if group is None:
                continue
            occurrence = self._open.get((rule.id, group))
            if (
                occurrence is not None
                and occurrence.kept
                and len(occurrence.events) < MAX_EVENTS_PER_OCCURRENCE
                and self._rule_events.get(rule.id, 0) < EVIDENCE_EVENTS
            ):
                return True
        return False

    def bulk(self, instance: str, runs: dict[Kind, BulkRun], now: float | None) -> list[Occurrence]:
        """One stretch of lines that no rule step matches, by kind, `now` the latest
        time among them. Does what feeding each as an event would have done.

        They take their place in the instance's history, follow an open occurrence
        (counted), end partial matches whose time span they pass, and feed count
        rules that count every such line.
        """
        count = sum(len(run.times) for run in runs.values())
        if not count:
            return []
        fed_before = self._fed
        self._fed += count
        self._seq[instance] = self._seq.get(instance, 0) + count
        if now is not None:
            self._now = now
        fired: list[Occurrence] = []
        for rule, kinds, every in self._rules_for(frozenset(runs)):
            group = bulk_group(rule, instance)
            if group is None:
                continue
            key = (rule.id, group)
            occurrence = self._open.get(key)
            if occurrence is None and not every and key not in self._partials:
                continue  # nothing open for these lines to follow, end or count
            expired = False
            sequence = rule.match.type is not MatchType.COUNT
            for kind in kinds:
                run = runs[kind]
                if kind in every:
                    fired.extend(self._bulk_count(rule, group, run))
                    continue
                times = run.times
                attached = 0
                if occurrence is not None:
                    # the lines of every kind are measured against the same occurrence:
                    # one past its span ends it for the lines after it, in time order
                    spanned = inside(times, occurrence.events[0].ts, rule.match.timespan)
                    if kind in rule.match.evidence:
                        attached = spanned
                        occurrence.extra_lines += spanned
                    expired = expired or spanned < len(times)
                if sequence and attached < len(times) and key in self._partials:
                    self._bulk_expire(rule, group, times[attached:])
            if expired and self._open.get(key) is occurrence:
                del self._open[key]
        if fed_before // PRUNE_EVERY != self._fed // PRUNE_EVERY:
            self._prune()
        return fired

    def _rules_for(self, kinds: frozenset[Kind]) -> list[tuple[Rule, list[Kind], frozenset[Kind]]]:
        """The rules that bulk lines of `kinds` concern, each with the kinds it names
        and those of them it counts every line of."""
        found = self._bulk_rules.get(kinds)
        if found is None:
            found = []
            seen: set[str] = set()
            for kind in sorted(kinds):
                for rule in self._by_kind.get(kind, ()):
                    if rule.id in seen:
                        continue
                    seen.add(rule.id)
                    named = [k for k in sorted(kinds) if k in self._rule_kinds[rule.id]]
                    every = frozenset(k for k in named if counts_every_line(rule, k))
                    found.append((rule, named, every))
            self._bulk_rules[kinds] = found
        return found

    def _bulk_expire(self, rule: Rule, group: Hashable, times: list[float]) -> None:
        """Partial matches that a later line shows to be past their time span end."""
        key = (rule.id, group)
        partials = self._partials.get(key)
        if not partials:
            return
        for partial in list(partials):
            if inside(times, partial.events[0].ts, rule.match.timespan) < len(times):
                partials.remove(partial)
                self.pending.pop(id(partial), None)
                occurrence = self._settle_unfinished(rule, group, partial)
                del occurrence  # kept by _settle_unfinished, as in _sequence
        if not partials:
            del self._partials[key]

    def _bulk_count(self, rule: Rule, group: Hashable, run: BulkRun) -> list[Occurrence]:
        """`_count` for bulk lines: held as `BulkLine`s, read only when the rule fires."""
        key = (rule.id, group)
        span = rule.match.timespan
        if key not in self._open and self._count_quietly(rule, key, run):
            return []
        fired: list[Occurrence] = []
        for index in range(len(run.times)):
            line = run.line(index)
            occurrence = self._open.get(key)
            if occurrence is not None:
                if within(occurrence.events[0], line, span):
                    self._follow(rule, occurrence, line)
                    continue
                del self._open[key]
            fresh = self._count_one(rule, group, line)
            if fresh is not None:
                self._keep(fresh)
                fired.append(fresh)
        return fired

    def _count_quietly(self, rule: Rule, key: tuple[str, Hashable], run: BulkRun) -> bool:
        """A run that leaves the count below the threshold, without a step per line:
        only the lines still within the window at its end are kept. False (nothing
        done) when the rule would fire in it, or times are missing or out of order."""
        times = run.times
        if not ordered(times):
            return False
        span = rule.match.timespan
        first, last = times[0], times[-1]
        window = self._counts.get(key)
        if window:
            tail = window[-1].ts
            if tail is None or tail > first:
                return False
            while window and window[0].ts is not None and first - window[0].ts > span:
                window.popleft()  # as the run's first line would
            if len(window) + len(times) < rule.match.threshold:
                window.extend(run.line(index) for index in range(len(times)))
                while window and window[0].ts is not None and last - window[0].ts > span:
                    window.popleft()
                return True
        held = [e.ts for e in window] if window else []
        if any(t is None for t in held):
            return False
        combined = np.array([*held, *times], dtype=np.float64)
        if len(combined) > 1 and (np.diff(combined) < 0).any():
            return False
        # in time order, a line is within the span of every earlier one it is not past
        start = np.searchsorted(combined, combined - span, side="left")
        size = np.arange(len(combined)) - start + 1
        if len(held) < len(combined) and size[len(held) :].max() >= rule.match.threshold:
            return False
        keep = int(start[-1])
        kept: deque[Event | BulkLine] = deque()
        if window:
            kept.extend(list(window)[keep:])
        for index in range(max(keep - len(held), 0), len(times)):
            kept.append(run.line(index))
        window = self._window(key)
        window.clear()
        window.extend(kept)
        return True

    def _absence_ok(self, rule: Rule, deciding: Event) -> bool:
        for absent in rule.match.absent:
            history = self._history(absent.scope, deciding)
            for earlier in reversed(list(history)):
                if earlier is deciding:
                    continue
                if (
                    deciding.ts is not None
                    and earlier.ts is not None
                    and deciding.ts - earlier.ts > absent.within
                ):
                    break
                if self._ok(absent, earlier) and (
                    earlier.source != deciding.source or earlier.line <= deciding.line
                ):
                    return False
        return True


def _workers_of(steps: list[Event]) -> dict[tuple[str, int], None]:
    """The workers of the events that matched a rule's steps, first seen first."""
    return {
        (event.worker.instance, event.worker.pid): None
        for event in steps
        if event.worker is not None
    }
