"""Live outputs: one JSON line per finding update for alerting, or a rich live view.

The view renders `LiveSnapshot`s (built by `diagnoser.live`), nothing else of
the analysis. Everything taken from logs is shown through `literal()`: no
markup, no control characters reach the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from diagnoser.i18n import N_, ntr, ptr, tr
from diagnoser.report.model import FindingUpdate, LiveSnapshot, LiveWorker, Report
from diagnoser.report.safe import json_dumps, literal
from diagnoser.vocabulary import UpdateStatus

STATUS_LABELS = {
    UpdateStatus.PROVISIONAL: N_("provisional"),
    UpdateStatus.CONFIRMED: N_("confirmed"),
    UpdateStatus.UPDATED: N_("updated"),
    UpdateStatus.WITHDRAWN: N_("withdrawn"),
}
STATUS_STYLE = {
    UpdateStatus.PROVISIONAL: "bold yellow",
    UpdateStatus.CONFIRMED: "bold red",
    UpdateStatus.UPDATED: "bold magenta",
    UpdateStatus.WITHDRAWN: "dim",
}


class JsonLinesWriter:
    """`{"type": "finding", ...}` per update, flushed at once; a summary at the end.

    Characters that are not printable text are `\\uXXXX` escapes, as in the JSON report.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def updates(self, updates: list[FindingUpdate]) -> None:
        for update in updates:
            record = {
                "type": "finding",
                "status": update.status,
                "line": update.line,
                "finding": update.finding.model_dump(mode="json", by_alias=True, exclude_none=True),
            }
            if update.source:
                record["source"] = update.source
            self.out.write(json_dumps(record) + "\n")
        if updates:
            self.out.flush()

    def summary(self, report: Report) -> None:
        record = {
            "type": "summary",
            "report": report.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        self.out.write(json_dumps(record) + "\n")
        self.out.flush()


class LiveView:
    """A terminal view that redraws a few times a second: workers, findings, rates."""

    def __init__(self, snapshot: Callable[[], LiveSnapshot], console: Console) -> None:
        self.snapshot = snapshot
        self.console = console
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.update(self._render())
        self.live.__exit__(None, None, None)

    def refresh(self) -> None:
        """Redraw from a new snapshot."""
        self.live.update(self._render())

    def _render(self) -> RenderableType:
        snapshot = self.snapshot()
        lang = snapshot.lang
        evicted = ntr(lang, "{n} old worker evicted", "{n} old workers evicted", snapshot.evicted)
        header = Text.assemble(
            ("diagnoser watch", "bold"),
            "  " + ntr(lang, "{n} line", "{n} lines", snapshot.lines),
            "  " + tr(lang, "{rate} lines/s", rate=f"{snapshot.rate:,.0f}"),
            "  " + ntr(lang, "{n} unrecognized", "{n} unrecognized", snapshot.unrecognized),
            (f"  {evicted}", "dim") if snapshot.evicted else "",
        )
        return Group(header, _workers(snapshot.workers, lang), _findings(snapshot.updates, lang))


def _workers(workers: list[LiveWorker], lang: str) -> Table:
    table = Table(title=tr(lang, "Workers"), expand=True, title_justify="left")
    columns = (
        tr(lang, "instance"),
        "pid",
        tr(lang, "state"),
        tr(lang, "age"),
        tr(lang, "requests"),
        tr(lang, "restarts"),
        tr(lang, "last event"),
    )
    for column in columns:
        table.add_column(column, no_wrap=True)
    for worker in workers:
        table.add_row(
            literal(worker.instance[-24:]),
            str(worker.pid),
            literal(worker.state),
            "" if worker.age is None else f"{worker.age:.0f}s",
            str(worker.requests),
            str(worker.restarts),
            literal(worker.last_event),
        )
    return table


def _findings(updates: list[FindingUpdate], lang: str) -> Panel:
    rows: list[RenderableType] = []
    for update in updates:
        finding = update.finding
        status = tr(lang, STATUS_LABELS[update.status])
        rows.append(
            Text.assemble(
                (f"{status:<11}", STATUS_STYLE[update.status]),
                (f" {finding.severity.value:<8}", "bold"),
                f" {finding.cause.value:<16} ",
                literal(finding.title),
                (f"  ({ptr(lang, 'log', 'line {n}', n=update.line)})", "dim"),
            )
        )
    if not rows:
        rows.append(Text(tr(lang, "No findings yet."), style="green"))
    return Panel(Group(*rows), title=tr(lang, "Findings"), title_align="left")
