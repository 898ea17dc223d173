"""Live outputs: one JSON line per finding update for alerting, or a rich live view.

Everything taken from logs is shown through `literal()`: no markup, no control
characters reach the terminal.
"""

from __future__ import annotations

import json
import time
from typing import IO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from diagnoser.correlate import Correlator
from diagnoser.live import LiveSession, Update
from diagnoser.report.model import Report
from diagnoser.report.safe import literal
from diagnoser.vocabulary import UpdateStatus

STATUS_STYLE = {
    UpdateStatus.PROVISIONAL: "bold yellow",
    UpdateStatus.CONFIRMED: "bold red",
    UpdateStatus.UPDATED: "bold magenta",
    UpdateStatus.WITHDRAWN: "dim",
}
SHOWN_WORKERS = 15
SHOWN_FINDINGS = 8


class JsonLinesWriter:
    """`{"type": "finding", ...}` per update, flushed at once; a summary at the end."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def updates(self, updates: list[Update]) -> None:
        for update in updates:
            record = {
                "type": "finding",
                "status": update.status,
                "line": update.line,
                "finding": update.finding.model_dump(mode="json", by_alias=True, exclude_none=True),
            }
            if update.source:
                record["source"] = update.source
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if updates:
            self.out.flush()

    def summary(self, report: Report) -> None:
        record = {
            "type": "summary",
            "report": report.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()


class LiveView:
    """A terminal view that redraws a few times a second: workers, findings, rates."""

    def __init__(self, session: LiveSession, console: Console) -> None:
        self.session = session
        self.console = console
        self.log: list[Update] = []
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.update(self._render())
        self.live.__exit__(None, None, None)

    def updates(self, updates: list[Update]) -> None:
        self.log.extend(updates)
        del self.log[:-SHOWN_FINDINGS]
        self.live.update(self._render())

    def tick(self) -> None:
        self.live.update(self._render())

    def _render(self) -> RenderableType:
        session = self.session
        parser_counts = [p.counts for p in session.analysis._parsers.values()]
        unrecognized = sum(c.unrecognized for c in parser_counts)
        header = Text.assemble(
            ("diagnoser watch", "bold"),
            f"  {session.lines} lines  {session.rate:,.0f} lines/s  {unrecognized} unrecognized",
            (f"  {session.analysis.correlator.evicted} old workers evicted", "dim")
            if session.analysis.correlator.evicted
            else "",
        )
        return Group(header, self._workers(session.analysis.correlator), self._findings())

    def _workers(self, correlator: Correlator) -> Table:
        table = Table(title="Workers", expand=True, title_justify="left")
        for column in ("instance", "pid", "state", "age", "requests", "restarts", "last event"):
            table.add_column(column, no_wrap=True)
        now = time.time()
        workers = list(correlator.workers.values())[-SHOWN_WORKERS:]
        for worker in reversed(workers):
            age = ""
            if worker.first_ts is not None:
                age = f"{max(0.0, (worker.last_ts or now) - worker.first_ts):.0f}s"
            table.add_row(
                literal(worker.ref.instance[-24:]),
                str(worker.ref.pid),
                literal(worker.state),
                age,
                str(worker.requests),
                str(worker.ref.generation),
                literal(worker.last_event),
            )
        return table

    def _findings(self) -> Panel:
        rows: list[RenderableType] = []
        for update in reversed(self.log):
            finding = update.finding
            rows.append(
                Text.assemble(
                    (f"{update.status:<11}", STATUS_STYLE.get(update.status, "")),
                    (f" {finding.severity.value:<8}", "bold"),
                    f" {finding.cause.value:<16} ",
                    literal(finding.title),
                    (f"  (line {update.line})", "dim"),
                )
            )
        if not rows:
            rows.append(Text("No findings yet.", style="green"))
        return Panel(Group(*rows), title="Findings", title_align="left")
