"""Live outputs: one JSON line per incident transition for alerting, or a rich live view.

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

from diagnoser.i18n import N_, ntr, tr
from diagnoser.report.model import IncidentRecord, LiveSnapshot, LiveWorker, Report
from diagnoser.report.safe import json_dumps, literal
from diagnoser.report.text import fix_parts
from diagnoser.vocabulary import IncidentState

STATE_LABELS = {
    IncidentState.PROVISIONAL: N_("provisional"),
    IncidentState.CONFIRMED: N_("confirmed"),
    IncidentState.WITHDRAWN: N_("withdrawn"),
    IncidentState.SUPERSEDED: N_("superseded"),
}
STATE_STYLE = {
    IncidentState.PROVISIONAL: "bold yellow",
    IncidentState.CONFIRMED: "bold red",
    IncidentState.WITHDRAWN: "dim",
    IncidentState.SUPERSEDED: "dim",
}


class JsonLinesWriter:
    """`{"type": "incident", ...}` per transition, flushed at once; a summary at the end.

    Characters that are not printable text are `\\uXXXX` escapes, as in the JSON report.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def updates(self, records: list[IncidentRecord]) -> None:
        for record in records:
            data = record.model_dump(mode="json", by_alias=True, exclude_none=True)
            self.out.write(json_dumps(data) + "\n")
        if records:
            self.out.flush()

    def summary(self, report: Report) -> None:
        record = {
            "type": "summary",
            "report": report.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        self.out.write(json_dumps(record) + "\n")
        self.out.flush()


class LiveView:
    """A terminal view that redraws a few times a second: workers, incidents, the fix.

    Transient: when the watch ends, the view is cleared and the final report takes
    its place, so no frame is left half-drawn or printed twice above it.
    """

    def __init__(self, snapshot: Callable[[], LiveSnapshot], console: Console) -> None:
        self.snapshot = snapshot
        self.console = console
        self.live = Live(
            self._render(),
            console=console,
            refresh_per_second=8,
            transient=True,
            vertical_overflow="crop",
        )

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def refresh(self) -> None:
        """Redraw from a new snapshot."""
        self.live.update(self._render())

    def _render(self) -> RenderableType:
        return self.frame(self.snapshot())

    @staticmethod
    def frame(snapshot: LiveSnapshot) -> RenderableType:
        """One frame of the view, for `snapshot`."""
        lang = snapshot.lang
        evicted = ntr(lang, "{n} old worker evicted", "{n} old workers evicted", snapshot.evicted)
        header = Text.assemble(
            ("diagnoser watch", "bold"),
            "  " + ntr(lang, "{n} line", "{n} lines", snapshot.lines),
            "  " + tr(lang, "{rate} lines/s", rate=f"{snapshot.rate:,.0f}"),
            "  " + ntr(lang, "{n} unrecognized", "{n} unrecognized", snapshot.unrecognized),
            (f"  {evicted}", "dim") if snapshot.evicted else "",
        )
        parts: list[RenderableType] = [
            header,
            _workers(snapshot.workers, lang),
            _incidents(snapshot.incidents, lang),
        ]
        if snapshot.fix is not None:
            title = tr(lang, "Fix for {id}", id=snapshot.fix_incident)
            body = Group(*fix_parts(snapshot.fix, lang, "fix"))
            parts.append(Panel(body, title=title, title_align="left", border_style="green"))
        return Group(*parts)


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
    shared = False
    for worker in workers:
        requests = str(worker.requests)
        if worker.requests_of == "instance":
            requests += "*"
            shared = True
        table.add_row(
            literal(worker.instance[-24:]),
            str(worker.pid),
            literal(worker.state),
            "" if worker.age is None else f"{worker.age:.0f}s",
            requests,
            str(worker.restarts),
            literal(worker.last_event),
        )
    if shared:
        table.caption = tr(
            lang, "* requests of the instance since the worker started: its lines name no worker"
        )
        table.caption_justify = "left"
    return table


def _incidents(records: list[IncidentRecord], lang: str) -> Panel:
    rows: list[RenderableType] = []
    for record in records:
        state = tr(lang, STATE_LABELS[record.state])
        worker = f"{record.instance[-16:]}/{record.pid}" if record.pid is not None else ""
        rows.append(
            Text.assemble(
                (f"{state:<11}", STATE_STYLE[record.state]),
                (f" {record.severity.value:<8}", "bold"),
                f" {record.cause.value:<16} ",
                (f"{record.id} ", "cyan"),
                literal(worker),
                " ",
                literal(record.finding.title),
                (f"  ({record.log_time})" if record.log_time else "", "dim"),
            )
        )
    if not rows:
        rows.append(Text(tr(lang, "No incidents yet."), style="green"))
    return Panel(Group(*rows), title=tr(lang, "Incidents"), title_align="left")
