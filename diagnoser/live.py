"""Live: the same analysis as `analyze`, fed line by line, reporting each change at once.

A `LiveSession` wraps an `Analysis`. After each batch of lines it compares the
findings with the ones already reported and yields updates: a finding that is
new (provisional while its outcome is pending, confirmed once settled), one that
changed (more occurrences, settled), or one withdrawn (a more precise rule took
its place). The final report is `Analysis.report()` after `finish()`, exactly
what `analyze` prints for the same bytes. `snapshot()` is what a live view shows,
as report-model types, so the renderers never reach into the analysis.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from itertools import islice

from diagnoser.analysis import Analysis
from diagnoser.correlate import Worker
from diagnoser.findings import build_findings
from diagnoser.remedies import Remedies
from diagnoser.report.model import FindingOut, FindingUpdate, LiveSnapshot, LiveWorker, Report
from diagnoser.report.safe import excerpt
from diagnoser.sources import Line, LineBlock
from diagnoser.vocabulary import UpdateStatus

# How many workers and updates a snapshot holds: what one screen of the live view shows.
SNAPSHOT_WORKERS = 15
SNAPSHOT_UPDATES = 8


class LiveSession:
    """Feeds lines to an analysis and reports what changed."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._shown: dict[str, FindingOut] = {}
        self._pending_seen = 0
        self.started = time.monotonic()
        self.lines = 0
        self.finished = False
        self.recent: deque[FindingUpdate] = deque(maxlen=SNAPSHOT_UPDATES)

    def feed(self, lines: Sequence[Line | LineBlock]) -> list[FindingUpdate]:
        """Read a batch of lines (or blocks of them); the updates they caused."""
        changed = False
        for item in lines:
            if isinstance(item, LineBlock):
                self.lines += item.count
                if self.analysis.feed_block(item.source, item.data, item.first):
                    changed = True
                continue
            self.lines += 1
            if self.analysis.feed_line(item):
                changed = True
        pending = len(self.analysis.engine.pending)
        if pending != self._pending_seen:
            changed = True
            self._pending_seen = pending
        if not changed or not lines:
            return []
        last = lines[-1]
        number = last.last if isinstance(last, LineBlock) else last.number
        return self._diff(self._current(), number, last.source)

    def finish(self) -> tuple[list[FindingUpdate], Report]:
        """End of input: settle what is left and return the final report."""
        self.analysis.finish()
        self.finished = True
        report = self.analysis.report()
        return self._diff(report.findings, self.lines, ""), report

    def _current(self) -> list[FindingOut]:
        engine = self.analysis.engine
        analysis = self.analysis
        occurrences = [*engine.occurrences, *engine.pending.values()]
        return build_findings(
            occurrences,
            analysis.fixes,
            multiple_inputs=len(analysis.inputs) > 1,
            extra_context=analysis.stats.context(),
            lang=analysis.lang,
            seen=analysis.seen,
            remedies=Remedies(analysis.configuration, analysis.stats, analysis.lang),
            past_bound=engine.past_bound,
        )

    def _diff(self, findings: list[FindingOut], line: int, source: str) -> list[FindingUpdate]:
        updates: list[FindingUpdate] = []
        now = {finding.rule: finding for finding in findings}
        for rule, finding in now.items():
            before = self._shown.get(rule)
            if before is None:
                status = UpdateStatus.CONFIRMED if finding.settled else UpdateStatus.PROVISIONAL
            elif before.settled != finding.settled and finding.settled:
                status = UpdateStatus.CONFIRMED
            elif before.occurrences != finding.occurrences or before.evidence != finding.evidence:
                status = UpdateStatus.UPDATED
            else:
                continue
            updates.append(FindingUpdate(status=status, finding=finding, line=line, source=source))
        for rule, finding in self._shown.items():
            if rule not in now:
                status = UpdateStatus.WITHDRAWN
                updates.append(
                    FindingUpdate(status=status, finding=finding, line=line, source=source)
                )
        self._shown = now
        self.recent.extend(updates)
        return updates

    def snapshot(self) -> LiveSnapshot:
        """What a live view shows now: counters, the latest workers and updates."""
        analysis = self.analysis
        correlator = analysis.correlator
        now = time.time()
        workers = [
            LiveWorker(
                instance=excerpt(worker.ref.instance),
                pid=worker.ref.pid,
                state=worker.state,
                age=_age(worker, now),
                requests=worker.requests,
                restarts=worker.ref.generation,
                last_event=worker.last_event,
            )
            for worker in islice(reversed(correlator.workers.values()), SNAPSHOT_WORKERS)
        ]
        return LiveSnapshot(
            lines=self.lines,
            rate=self.rate,
            unrecognized=sum(p.counts.unrecognized for p in analysis._parsers.values()),
            evicted=correlator.evicted,
            workers=workers,
            updates=list(reversed(self.recent)),
            lang=analysis.lang,
        )

    @property
    def rate(self) -> float:
        """Lines per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.lines / elapsed if elapsed > 0 else 0.0


def _age(worker: Worker, now: float) -> float | None:
    # a worker still running is as old as the time since its first line
    if worker.first_ts is None:
        return None
    return max(0.0, (worker.last_ts or now) - worker.first_ts)
