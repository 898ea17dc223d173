"""Live: the same analysis as `analyze`, fed line by line, reporting each change at once.

A `LiveSession` wraps an `Analysis`. After each batch of lines it compares the
findings with the ones already reported and yields updates: a finding that is
new (provisional while its outcome is pending, confirmed once settled), one that
changed (more occurrences, settled), or one withdrawn (a more precise rule took
its place). The final report is `Analysis.report()` after `finish()`, exactly
what `analyze` prints for the same bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from diagnoser.analysis import Analysis
from diagnoser.findings import build_findings
from diagnoser.report.model import FindingOut, Report
from diagnoser.sources import Line
from diagnoser.vocabulary import UpdateStatus


@dataclass(slots=True, frozen=True)
class Update:
    status: UpdateStatus
    finding: FindingOut
    line: int  # the line that decided it (the last line read)
    source: str


class LiveSession:
    """Feeds lines to an analysis and reports what changed."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._shown: dict[str, FindingOut] = {}
        self._pending_seen = 0
        self.started = time.monotonic()
        self.lines = 0
        self.finished = False

    def feed(self, lines: list[Line]) -> list[Update]:
        """Read a batch of lines; the updates they caused."""
        changed = False
        for line in lines:
            self.lines += 1
            if self.analysis.feed_line(line):
                changed = True
        pending = len(self.analysis.engine.pending)
        if pending != self._pending_seen:
            changed = True
            self._pending_seen = pending
        if not changed or not lines:
            return []
        last = lines[-1]
        return self._diff(self._current(), last.number, last.source)

    def finish(self) -> tuple[list[Update], Report]:
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
            dropped=engine.dropped,
        )

    def _diff(self, findings: list[FindingOut], line: int, source: str) -> list[Update]:
        updates: list[Update] = []
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
            updates.append(Update(status, finding, line, source))
        for rule, finding in self._shown.items():
            if rule not in now:
                updates.append(Update(UpdateStatus.WITHDRAWN, finding, line, source))
        self._shown = now
        return updates

    @property
    def rate(self) -> float:
        """Lines per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.lines / elapsed if elapsed > 0 else 0.0
