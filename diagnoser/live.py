"""Live: the same analysis as `analyze`, fed line by line, reporting each incident at once.

A `LiveSession` wraps an `Analysis`. An incident is one occurrence of a rule, with
the id `incidents.incident_id` gives it (the same in `analyze`). After each batch
of lines the session looks at the occurrences the engine fired, kept or holds
pending, and records each incident's transitions:

- `provisional`: a sequence on its way (`provisional_after`), or complete but with
  a rule that would supersede it still open on the same events (a WORKER TIMEOUT
  whose SIGKILL may follow);
- `confirmed`: it stands, and nothing narrower can still explain it;
- `withdrawn`: it was provisional, and it did not complete, or a narrower rule
  explained it first (`superseded_by` names that incident);
- `superseded`: it was confirmed, then a narrower rule explained the same events.

Each transition is one `IncidentRecord`, so an alert on `confirmed` fires once per
incident. The final report is `Analysis.report()` after `finish()`, exactly what
`analyze` prints for the same bytes, its findings listing the same incident ids.
`snapshot()` is what a live view shows, as report-model types, so the renderers
never reach into the analysis.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

from diagnoser.analysis import Analysis
from diagnoser.engine import Occurrence
from diagnoser.findings import build_findings
from diagnoser.incidents import EventKey, event_key
from diagnoser.remedies import Remedies
from diagnoser.report.model import FindingOut, IncidentRecord, LiveSnapshot, LiveWorker, Report
from diagnoser.report.safe import excerpt
from diagnoser.sources import Line, LineBlock
from diagnoser.timestamps import log_time
from diagnoser.vocabulary import IncidentState

# How many workers and incidents a snapshot holds: what one screen of the live view shows.
SNAPSHOT_WORKERS = 15
SNAPSHOT_INCIDENTS = 8
# Incidents followed at once: past this, the oldest confirmed ones stop being watched
# for a narrower rule (their span is long over), the oldest ended ones are forgotten.
MAX_TRACKED = 2_000

_FINAL = frozenset({IncidentState.WITHDRAWN, IncidentState.SUPERSEDED})


@dataclass(slots=True)
class _Incident:
    id: str
    occurrence: Occurrence
    state: IncidentState | None = None  # None: not reported yet
    record: IncidentRecord | None = None  # its latest record
    from_pending: bool = False  # its occurrence is a sequence the engine holds open


class LiveSession:
    """Feeds lines to an analysis and reports each incident's transitions."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.started = time.monotonic()
        self.lines = 0
        self.finished = False
        self._incidents: OrderedDict[str, _Incident] = OrderedDict()
        self._kept_seen = 0  # engine.occurrences already looked at
        self._open = 0  # incidents reported provisional: re-weighed as the log goes on
        self._last_line = 0
        self._last_source = ""
        self._read_at = time.monotonic()  # when the last line came

    def feed(self, lines: Sequence[Line | LineBlock]) -> list[IncidentRecord]:
        """Read a batch of lines (or blocks of them); the transitions they caused."""
        fired: list[Occurrence] = []
        for item in lines:
            if isinstance(item, LineBlock):
                self.lines += item.count
                fired.extend(self.analysis.feed_block(item.source, item.data, item.first))
                continue
            self.lines += 1
            fired.extend(self.analysis.feed_line(item))
        if lines:
            last = lines[-1]
            self._last_line = last.last if isinstance(last, LineBlock) else last.number
            self._last_source = last.source
            self._read_at = time.monotonic()
        engine = self.analysis.engine
        idle = not fired and not engine.pending and len(engine.occurrences) == self._kept_seen
        if idle and not self._open:
            return []
        return self._update(fired, final=False)

    def finish(self) -> tuple[list[IncidentRecord], Report]:
        """End of input: settle what is left and return the final report."""
        fired = self.analysis.finish()
        self.finished = True
        records = self._update(fired, final=True)
        return records, self.analysis.report()

    # -- incidents --------------------------------------------------------------------

    def _update(self, fired: list[Occurrence], final: bool) -> list[IncidentRecord]:
        engine = self.analysis.engine
        for occurrence in [*engine.occurrences[self._kept_seen :], *fired]:
            self._follow(occurrence, pending=False)
        self._kept_seen = len(engine.occurrences)
        for occurrence in list(engine.pending.values()):
            self._follow(occurrence, pending=True)
        pending = {id(occurrence) for occurrence in engine.pending.values()}
        covered = self._covered(pending)
        records: list[IncidentRecord] = []
        for incident in list(self._incidents.values()):
            if incident.state in _FINAL:
                continue
            state, by = self._state_of(incident, covered, pending, final)
            if state is None or state == incident.state:
                continue
            records.append(self._record(incident, state, by))
        self._open = sum(i.state is IncidentState.PROVISIONAL for i in self._incidents.values())
        self._bound()
        return records

    def _follow(self, occurrence: Occurrence, pending: bool) -> str:
        """Take an occurrence into the incidents; its id. A pending occurrence is
        replaced by the completed one of the same id when it comes."""
        ident = occurrence.incident_id()
        incident = self._incidents.get(ident)
        if incident is None:
            self._incidents[ident] = _Incident(ident, occurrence, from_pending=pending)
        elif incident.occurrence is not occurrence and (incident.from_pending or not pending):
            # the pending sequence completed (or moved on): follow its latest form
            incident.occurrence = occurrence
            incident.from_pending = pending
        return ident

    def _covered(self, pending: set[int]) -> dict[str, dict[EventKey, str]]:
        """For each rule, its events that a narrower rule's incident explains: by whom."""
        covered: dict[str, dict[EventKey, str]] = {}
        for incident in self._incidents.values():
            occurrence = incident.occurrence
            if id(occurrence) in pending:
                continue  # an open sequence explains nothing yet
            if incident.state is IncidentState.WITHDRAWN:
                continue
            for other in occurrence.rule.supersedes:
                keys = covered.setdefault(other, {})
                for event in occurrence.events:
                    keys.setdefault(event_key(event), incident.id)
        return covered

    def _state_of(
        self,
        incident: _Incident,
        covered: dict[str, dict[EventKey, str]],
        pending: set[int],
        final: bool,
    ) -> tuple[IncidentState | None, str | None]:
        """The state the incident is in now (None: not one to report yet), and the
        incident that explained it, when a narrower one did."""
        occurrence = incident.occurrence
        explained = covered.get(occurrence.rule.id, {})
        keys = (event_key(event) for event in occurrence.events)
        by = next((explained[key] for key in keys if key in explained), None)
        if by is not None and by != incident.id:
            if incident.state is IncidentState.CONFIRMED:
                return IncidentState.SUPERSEDED, by
            # one never reported has nothing to withdraw
            return (IncidentState.WITHDRAWN if incident.state else None), by
        if id(occurrence) in pending:
            return IncidentState.PROVISIONAL, None
        if incident.from_pending:
            # the engine let the sequence go, neither completed nor standing: it expired
            return (IncidentState.WITHDRAWN if incident.state else None), None
        if not final and self.analysis.engine.may_yet_be_superseded(occurrence, self._log_now()):
            return IncidentState.PROVISIONAL, None
        return IncidentState.CONFIRMED, None

    def _log_now(self) -> float | None:
        """The log time now: the latest time read, plus the wall time since the last
        line came (a live stream is read as it is written, so a quiet stream still
        lets the time spans of open sequences run out)."""
        latest = self.analysis.correlator.now
        if latest is None:
            return None
        return latest + max(0.0, time.monotonic() - self._read_at)

    def _record(self, incident: _Incident, state: IncidentState, by: str | None) -> IncidentRecord:
        occurrence = incident.occurrence
        finding = self._finding(occurrence)
        worker = next(iter(occurrence.workers), None)
        deciding = occurrence
        if by is not None and by in self._incidents:
            deciding = self._incidents[by].occurrence
        last = max(
            (e for e in deciding.events if e.ts is not None),
            key=lambda e: e.ts or 0.0,
            default=None,
        )
        record = IncidentRecord(
            id=incident.id,
            state=state,
            previous=incident.state,
            superseded_by=by,
            rule=occurrence.rule.id,
            severity=occurrence.rule.severity,
            cause=occurrence.rule.cause,
            instance=excerpt(worker[0] if worker else self._instance(occurrence)),
            pid=worker[1] if worker else None,
            wall_time=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            log_time=None if last is None or last.ts is None else log_time(last.ts, last.text),
            line=self._last_line,
            source=self._last_source,
            finding=finding,
        )
        incident.state = state
        incident.record = record
        return record

    def _instance(self, occurrence: Occurrence) -> str:
        """Where an incident no worker took part in happened, as the correlator names it."""
        if not occurrence.events:
            return ""
        return self.analysis.correlator.instance_key(occurrence.events[0])

    def _finding(self, occurrence: Occurrence) -> FindingOut:
        analysis = self.analysis
        findings = build_findings(
            [occurrence],
            analysis.fixes,
            multiple_inputs=len(analysis.inputs) > 1,
            extra_context=analysis.stats.context(),
            lang=analysis.lang,
            seen=analysis.seen,
            remedies=Remedies(analysis.configuration, analysis.stats, analysis.lang),
        )
        return findings[0]

    def _bound(self) -> None:
        """Forget the oldest incidents past MAX_TRACKED: ended ones first."""
        if len(self._incidents) <= MAX_TRACKED:
            return
        for ident in [i for i, inc in self._incidents.items() if inc.state in _FINAL]:
            if len(self._incidents) <= MAX_TRACKED:
                return
            del self._incidents[ident]
        while len(self._incidents) > MAX_TRACKED:
            self._incidents.popitem(last=False)

    # -- the view -----------------------------------------------------------------------

    def snapshot(self) -> LiveSnapshot:
        """What a live view shows now: counters, the latest workers and incidents, and
        the fix of the newest confirmed incident."""
        analysis = self.analysis
        correlator = analysis.correlator
        workers: list[LiveWorker] = []
        for worker in islice(reversed(correlator.workers.values()), SNAPSHOT_WORKERS):
            state, age, requests, own = correlator.live_view(worker)
            workers.append(
                LiveWorker(
                    instance=excerpt(worker.ref.instance),
                    pid=worker.ref.pid,
                    state=state,
                    age=age,
                    requests=requests,
                    requests_of="worker" if own else "instance",
                    restarts=worker.ref.generation,
                    last_event=worker.last_event,
                )
            )
        shown = [i.record for i in reversed(self._incidents.values()) if i.record is not None]
        newest = next(
            (r for r in shown if r.state is IncidentState.CONFIRMED and r.finding.fix), None
        )
        return LiveSnapshot(
            lines=self.lines,
            rate=self.rate,
            unrecognized=sum(p.counts.unrecognized for p in analysis._parsers.values()),
            evicted=correlator.evicted,
            workers=workers,
            incidents=shown[:SNAPSHOT_INCIDENTS],
            fix=newest.finding.fix if newest is not None else None,
            fix_incident=newest.id if newest is not None else "",
            lang=analysis.lang,
        )

    @property
    def rate(self) -> float:
        """Lines per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.lines / elapsed if elapsed > 0 else 0.0
