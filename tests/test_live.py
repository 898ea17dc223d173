"""The live session's snapshot: what the live view shows, as report-model types."""

from __future__ import annotations

import io

from conftest import RUNBOOK_LINES
from rich.console import Console

from diagnoser.analysis import Analysis
from diagnoser.live import SNAPSHOT_UPDATES, LiveSession
from diagnoser.report.live import LiveView
from diagnoser.rules import load_rules
from diagnoser.sources import Line
from diagnoser.vocabulary import UpdateStatus, WorkerState


def _session() -> LiveSession:
    rules, fixes = load_rules()
    return LiveSession(Analysis(rules, fixes))


def _lines(text: str, first: int = 1) -> list[Line]:
    return [Line("live.log", n, line) for n, line in enumerate(text.splitlines(), first)]


def test_snapshot_holds_workers_updates_and_counters() -> None:
    session = _session()
    session.feed(_lines(RUNBOOK_LINES + "not a gunicorn line\n"))
    snapshot = session.snapshot()
    assert snapshot.lines == 4
    assert snapshot.unrecognized == 1
    [worker] = snapshot.workers
    assert (worker.instance, worker.pid, worker.state) == ("live.log", 96, WorkerState.KILLED)
    assert worker.age == 2.0
    assert snapshot.updates, "the timeout kill is reported at once"
    assert all(update.status is UpdateStatus.CONFIRMED for update in snapshot.updates)


def test_snapshot_keeps_the_latest_updates_newest_first() -> None:
    session = _session()
    batches = SNAPSHOT_UPDATES + 3
    for batch in range(batches):
        pid = str(100 + batch)
        session.feed(_lines(RUNBOOK_LINES.replace("96", pid), first=3 * batch + 1))
    updates = session.snapshot().updates
    assert len(updates) == SNAPSHOT_UPDATES
    assert updates[0].line == 3 * batches
    assert [u.line for u in updates] == sorted((u.line for u in updates), reverse=True)


def test_live_view_renders_a_snapshot() -> None:
    session = _session()
    session.feed(_lines(RUNBOOK_LINES))
    out = io.StringIO()
    console = Console(file=out, width=140, force_terminal=False)
    with LiveView(session.snapshot, console) as view:
        view.refresh()
    text = out.getvalue()
    assert "killed" in text
    assert "confirmed" in text


def test_live_view_speaks_the_sessions_language() -> None:
    rules, fixes = load_rules()
    session = LiveSession(Analysis(rules, fixes, lang="pt-BR"))
    session.feed(_lines(RUNBOOK_LINES))
    assert session.snapshot().lang == "pt-BR"
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with LiveView(session.snapshot, console) as view:
        view.refresh()
    text = out.getvalue()
    for portuguese in (
        "3 linhas",
        "linhas/s",
        "confirmado",
        "Achados",
        "último evento",
        "(linha 3)",
    ):
        assert portuguese in text, portuguese
    assert "confirmed" not in text and "lines/s" not in text
