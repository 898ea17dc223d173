"""Counts that agree: occurrences past a rule's kept bound weigh in every number of
a finding (occurrences, "Seen N times", workers, places), and where incidents happened."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from conftest import analyze_text

from diagnoser.engine import MAX_OCCURRENCES_PER_RULE
from diagnoser.incidents import place_of, request_path
from diagnoser.report.markdown import MarkdownFormatter
from diagnoser.report.model import Report
from diagnoser.report.text import TextFormatter

START = datetime(2025, 7, 30, 8, 0, tzinfo=UTC)
SITE = "/usr/local/lib/python3.11/site-packages"
INCIDENTS = 337  # past the bound of kept occurrences
assert INCIDENTS > MAX_OCCURRENCES_PER_RULE


def stamp(index: int, second: int = 0) -> str:
    moment = START + timedelta(minutes=2 * index, seconds=second)
    return moment.strftime("[%Y-%m-%d %H:%M:%S +0000]")


def timeout_kill(index: int, pid: int) -> list[str]:
    """The runbook's three lines, for worker `pid`."""
    return [
        f"{stamp(index)} [1] [CRITICAL] WORKER TIMEOUT (pid:{pid})",
        f"{stamp(index, 1)} [{pid}] [INFO] Worker exiting (pid: {pid})",
        f"{stamp(index, 2)} [1] [ERROR] Worker (pid:{pid}) was sent SIGKILL! Perhaps out of memory?",
        f"{stamp(index, 2)} [{pid + 1}] [INFO] Booting worker with pid: {pid + 1}",
    ]


def abort_in_database(index: int, pid: int, path: str, view: tuple[str, int, str]) -> list[str]:
    """A Gunicorn 22+ timeout whose abort traceback is stuck in the database driver."""
    file, line, function = view
    return [
        f"{stamp(index)} [1] [CRITICAL] WORKER TIMEOUT (pid:{pid})",
        f"{stamp(index)} [{pid}] [ERROR] Error handling request {path}?pagina={index}",
        "Traceback (most recent call last):",
        f'  File "{SITE}/gunicorn/workers/sync.py", line 134, in handle',
        "    self.handle_request(listener, req, client, addr)",
        f'  File "{file}", line {line}, in {function}',
        "    rows = list(queryset)",
        f'  File "{SITE}/psycopg/connection.py", line 495, in wait',
        "    return waiting.wait(",
        '  File "psycopg_binary/_psycopg/waiting.pyx", line 341, in psycopg_binary._psycopg.wait_c',
        f'  File "{SITE}/gunicorn/workers/base.py", line 204, in handle_abort',
        "    sys.exit(1)",
        "SystemExit: 1",
        f"{stamp(index, 1)} [{pid}] [INFO] Worker exiting (pid: {pid})",
        f"{stamp(index, 2)} [{pid + 1}] [INFO] Booting worker with pid: {pid + 1}",
    ]


QUADRO = ("/app/promocoes/views.py", 212, "quadro_acesso")
EXPORT = ("/app/relatorios/views.py", 27, "exportar")


def day_of_aborts() -> str:
    lines: list[str] = []
    for index in range(INCIDENTS):
        pid = 100 + 2 * index
        if index % 12 == 5:  # 28 of 337 elsewhere
            lines += abort_in_database(index, pid, "/relatorios/exportar/", EXPORT)
        else:
            lines += abort_in_database(index, pid, "/promocoes/quadro/", QUADRO)
    return "\n".join(lines)


def render(report: Report, lang: str = "en") -> str:
    out = io.StringIO()
    TextFormatter(color=False, width=200, lang=lang).write(report, out)
    return out.getvalue()


def test_counts_past_the_bound_agree_everywhere() -> None:
    log = "\n".join(line for i in range(INCIDENTS) for line in timeout_kill(i, 100 + 2 * i))
    report = analyze_text(log)
    finding = next(f for f in report.findings if f.rule == "timeout-sigkill")
    assert finding.occurrences == INCIDENTS
    assert f"Seen {INCIDENTS} times." in finding.explanation
    # the worker it tells the story of is one of many
    assert finding.explanation.startswith(f"Worker 100 (the first of {INCIDENTS}) stopped")
    # every worker killed, kept or counted, and none of the replacements that booted
    assert len(finding.workers) == INCIDENTS
    assert {w.pid for w in finding.workers} == {100 + 2 * i for i in range(INCIDENTS)}
    assert finding.title == (
        "Gunicorn killed workers 100, 102, 104, 106, 108, 110, 112, 114, 116, 118 "
        f"and {INCIDENTS - 10} more for running past its timeout; "
        "the SIGKILLs were not out of memory"
    )
    text = render(report)
    assert f"(+{INCIDENTS - 20})   Occurrences: {INCIDENTS}" in text
    assert "Seen 200 times" not in text
    pt = analyze_text_pt(log)
    assert f"Visto {INCIDENTS} vezes." in pt.findings[0].explanation
    assert pt.findings[0].explanation.startswith(f"O worker 100 (o primeiro de {INCIDENTS}) ficou")


def analyze_text_pt(log: str) -> Report:
    from diagnoser.analysis import Analysis
    from diagnoser.rules import load_rules
    from diagnoser.sources import Line

    rules, fixes = load_rules()
    analysis = Analysis(rules, fixes, lang="pt-BR")
    for number, line in enumerate(log.splitlines(), 1):
        analysis.feed_line(Line("test.log", number, line))
    analysis.finish()
    return analysis.report()


def test_a_more_specific_rule_supersedes_past_the_bound_too() -> None:
    report = analyze_text(day_of_aborts())
    rules = {f.rule: f for f in report.findings}
    assert rules["abort-in-database"].occurrences == INCIDENTS
    # the general timeout rules fired on every one of these timeouts, and were replaced
    assert "timeout-kill" not in rules and "timeout-sigkill" not in rules


def test_places_name_the_path_and_frame_of_most_timeouts() -> None:
    report = analyze_text(day_of_aborts())
    finding = next(f for f in report.findings if f.rule == "abort-in-database")
    places = [(p.path, p.frame, p.occurrences) for p in finding.places]
    assert places == [
        ("/promocoes/quadro/", "/app/promocoes/views.py:212 in quadro_acesso", 309),
        ("/relatorios/exportar/", "/app/relatorios/views.py:27 in exportar", 28),
    ]
    assert (
        "Where: 309 of 337 on /promocoes/quadro/ in promocoes/views.py:212 quadro_acesso (92%); "
        "28 on /relatorios/exportar/ in relatorios/views.py:27 exportar (8%)"
    ) in render(report)
    pt = render(report, "pt-BR")
    assert "Onde: 309 de 337 em /promocoes/quadro/, no código promocoes/views.py:212" in pt
    out = io.StringIO()
    MarkdownFormatter().write(report, out)
    assert (
        "- 309 of 337 on `/promocoes/quadro/` in `promocoes/views.py:212 quadro_acesso` (92%)\n"
        in out.getvalue()
    )


def test_places_of_counted_occurrences_include_evidence_that_came_later() -> None:
    # slow-query-timeout fires on the SQL line; the abort that names the path and the
    # frame comes after it, as evidence: occurrences past the bound must see it too
    # (as Render prints them: a bare SQL line has no time, and is within any span)
    lines: list[str] = []
    for index in range(INCIDENTS):
        pid = 100 + 2 * index
        incident = abort_in_database(index, pid, "/promocoes/quadro/", QUADRO)
        incident.insert(1, f"(30.120) SELECT pg_sleep({index}); args=None; alias=default")
        render = (START + timedelta(minutes=2 * index)).strftime("%Y-%m-%d %H:%M:%S  ")
        lines += [render + line for line in incident]
    report = analyze_text("\n".join(lines))
    finding = next(f for f in report.findings if f.rule == "slow-query-timeout")
    assert finding.occurrences == INCIDENTS
    assert [p.occurrences for p in finding.places] == [INCIDENTS]


def test_no_places_when_the_log_names_no_path_or_frame() -> None:
    report = analyze_text("\n".join(timeout_kill(0, 96)))
    assert report.findings[0].places == []
    assert "Where:" not in render(report)


def test_request_path_and_place_of_events() -> None:
    from conftest import parse_lines

    _, events = parse_lines(abort_in_database(0, 7, "/promocoes/quadro/", QUADRO))
    abort = next(e for e in events if e.kind.value == "worker_abort")
    assert request_path(abort) == "/promocoes/quadro/"
    assert place_of(events) == (
        "/promocoes/quadro/",
        "/app/promocoes/views.py:212 in quadro_acesso",
    )
