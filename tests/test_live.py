"""The live session's snapshot: what the live view shows, as report-model types."""

from __future__ import annotations

import io

from conftest import RUNBOOK_LINES
from rich.console import Console

from diagnoser.analysis import Analysis
from diagnoser.live import SNAPSHOT_INCIDENTS, LiveSession
from diagnoser.report.live import LiveView
from diagnoser.rules import load_rules
from diagnoser.sources import Line
from diagnoser.vocabulary import IncidentState, WorkerState


def _session() -> LiveSession:
    rules, fixes = load_rules()
    return LiveSession(Analysis(rules, fixes))


def _lines(text: str, first: int = 1) -> list[Line]:
    return [Line("live.log", n, line) for n, line in enumerate(text.splitlines(), first)]


def test_snapshot_holds_workers_incidents_and_counters() -> None:
    session = _session()
    session.feed(_lines(RUNBOOK_LINES + "not a gunicorn line\n"))
    snapshot = session.snapshot()
    assert snapshot.lines == 4
    assert snapshot.unrecognized == 1
    [worker] = snapshot.workers
    assert (worker.instance, worker.pid, worker.state) == ("live.log", 96, WorkerState.KILLED)
    assert worker.age == 2.0
    # one row per incident, in its current state: the SIGKILL incident, and the broader
    # timeout incident it explained, withdrawn
    rows = {(r.rule, r.state) for r in snapshot.incidents}
    assert ("timeout-kill", IncidentState.WITHDRAWN) not in rows  # never shown: no row
    [row] = snapshot.incidents
    assert row.rule == "timeout-sigkill" and row.pid == 96
    assert row.state in (IncidentState.PROVISIONAL, IncidentState.CONFIRMED)


def test_a_quiet_stream_lets_the_narrower_rules_span_run_out(monkeypatch: object) -> None:
    import diagnoser.live as live

    session = _session()
    session.feed(_lines(RUNBOOK_LINES))
    [row] = session.snapshot().incidents
    assert row.state is IncidentState.PROVISIONAL  # slow-query-timeout is open for 10 s
    now = live.time.monotonic()
    clock = iter([now + 11.0] * 100)
    monkeypatch.setattr(live.time, "monotonic", lambda: next(clock))  # type: ignore[attr-defined]
    [record] = session.feed([])
    assert (record.previous, record.state) == (IncidentState.PROVISIONAL, IncidentState.CONFIRMED)
    snapshot = session.snapshot()
    assert snapshot.fix is not None and snapshot.fix_incident == record.id


def test_snapshot_keeps_the_latest_incidents_newest_first() -> None:
    session = _session()
    batches = SNAPSHOT_INCIDENTS + 3
    for batch in range(batches):
        pid = str(100 + batch)
        session.feed(_lines(RUNBOOK_LINES.replace("96", pid), first=3 * batch + 1))
    incidents = session.snapshot().incidents
    assert len(incidents) == SNAPSHOT_INCIDENTS
    assert incidents[0].pid == 100 + batches - 1
    assert [r.pid for r in incidents] == sorted((r.pid or 0 for r in incidents), reverse=True)


def test_the_live_view_shows_a_booted_worker_running_with_its_instances_requests() -> None:
    session = _session()
    boot = "[2025-07-30 11:10:00 -0300] [85] [INFO] Booting worker with pid: 96\n" + "".join(
        f'127.0.0.1 - - [30/Jul/2025:11:10:{s:02d} -0300] "GET / HTTP/1.1" 200 2 "-" "-"\n'
        for s in range(1, 35)
    )
    session.feed(_lines(boot))
    [worker] = session.snapshot().workers
    assert worker.state is WorkerState.RUNNING
    assert worker.age == 34.0
    assert (worker.requests, worker.requests_of) == (34, "instance")


def test_live_view_renders_a_snapshot() -> None:
    session = _session()
    session.feed(_lines(RUNBOOK_LINES))
    out = io.StringIO()
    console = Console(file=out, width=140, force_terminal=False)
    console.print(LiveView.frame(session.snapshot()))
    text = out.getvalue()
    assert "killed" in text
    assert "provisional" in text and "timeout-sigkill" not in text  # the title is shown


def test_live_view_speaks_the_sessions_language() -> None:
    rules, fixes = load_rules()
    session = LiveSession(Analysis(rules, fixes, lang="pt-BR"))
    session.feed(_lines(RUNBOOK_LINES))
    assert session.snapshot().lang == "pt-BR"
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    console.print(LiveView.frame(session.snapshot()))
    text = out.getvalue()
    for portuguese in (
        "3 linhas",
        "linhas/s",
        "provisório",
        "Incidentes",
        "último evento",
    ):
        assert portuguese in text, portuguese
    assert "provisional" not in text and "lines/s" not in text
