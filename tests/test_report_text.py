"""The terminal report: labels in each language, the timeline chart, untrusted text."""

from __future__ import annotations

import io

from conftest import RUNBOOK_LINES, analyze_text

from diagnoser.report import formatter
from diagnoser.report.model import Report, TimelineOut
from diagnoser.report.text import TextFormatter

TIMELINE = TimelineOut(
    start="2025-07-30T14:10:00Z",
    minutes=4,
    series={"timeouts": [1, 0, 0, 2], "kills": [0, 0, 0, 1], "boots": [1, 0, 0, 1]},
)
HEALTHY = "[2025-07-30 09:51:53 +0000] [7] [INFO] Autorestarting worker after current request.\n"


def render(report: Report, lang: str | None = None, color: bool = False) -> str:
    out = io.StringIO()
    TextFormatter(color=color, width=200, lang=lang).write(report, out)
    return out.getvalue()


def test_registered_as_a_format() -> None:
    assert isinstance(formatter("text", lang="pt-BR"), TextFormatter)


def test_english_labels() -> None:
    text = render(analyze_text(RUNBOOK_LINES))
    assert "diagnoser: 3 lines read: 3 recognized, 0 in tracebacks" in text
    assert "; 1 worker life\n" in text
    assert " CRITICAL " in text
    assert "slow_request  confidence 95%" in text
    assert "Worker: 96   Occurrences: 1" in text
    assert "Evidence:" in text
    assert "Fix: Give slow requests more time" in text
    assert "  in gunicorn.conf.py" in text
    assert "(runbook: 1. Optimized Gunicorn configuration (gunicorn.conf.py))" in text
    assert "Caution: A longer timeout" in text


def test_portuguese_labels() -> None:
    text = render(analyze_text(RUNBOOK_LINES), "pt-BR")
    assert "diagnoser: 3 linhas lidas: 3 reconhecidas, 0 em tracebacks" in text
    assert "; 1 vida de worker\n" in text
    assert " CRÍTICO " in text
    assert "confiança 95%" in text
    assert "Ocorrências: 1" in text
    assert "Evidências:" in text
    assert "Correção: " in text and "  em gunicorn.conf.py" in text
    assert "Atenção: " in text
    assert "Evidence:" not in text and "Caution:" not in text


def test_labels_follow_the_report_language_by_default() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.lang = "pt-BR"
    assert "Evidências:" in render(report)
    assert "Evidence:" in render(report, "en")


def test_no_findings_and_also_seen_in_both_languages() -> None:
    quiet = analyze_text(
        "[2025-07-30 09:51:53 +0000] [7] [INFO] Listening at: http://0.0.0.0:8000 (7)\n"
    )
    assert quiet.findings == []
    assert "No worker timeouts, kills or boot failures found." in render(quiet)
    assert "Nenhum timeout, morte de worker ou falha de inicialização" in render(quiet, "pt-BR")
    healthy = analyze_text(HEALTHY)
    assert "Also seen (no action needed):" in render(healthy)
    assert "Também visto (nenhuma ação necessária):" in render(healthy, "pt-BR")


def test_unsettled_finding_says_so() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.findings[0].settled = False
    assert "(outcome not in the log)" in render(report)
    assert "(desfecho ausente do log)" in render(report, "pt-BR")


def test_timeline_chart_after_the_findings() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.timeline = TIMELINE
    text = render(report)
    assert text.index("Timeline (events per minute)") > text.index("Caution:")
    lines = text.splitlines()
    start = lines.index("Timeline (events per minute)")
    assert lines[start + 1] == "timeouts │▄  █│ 3"
    assert lines[start + 2] == "kills    │   █│ 1"
    assert lines[start + 3] == "boots    │█  █│ 2"
    assert "2025-07-30 14:10 – 14:14 UTC" in lines[start + 4]


def test_timeline_chart_in_portuguese() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.timeline = TIMELINE
    text = render(report, "pt-BR")
    assert "Linha do tempo (eventos por minuto)" in text
    assert "mortes         │   █│ 1" in text
    assert "inicializações │█  █│ 2" in text


def test_timeline_shown_even_without_findings() -> None:
    report = analyze_text(HEALTHY)
    report.findings = []
    report.timeline = TIMELINE
    text = render(report)
    assert "No worker timeouts" in text and "Timeline (events per minute)" in text


def test_no_timeline_no_chart() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.timeline = None
    assert "Timeline" not in render(report)


def test_long_timeline_fits_a_narrow_terminal() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.timeline = TimelineOut(
        start="2025-07-30T14:10:00Z", minutes=1440, series={"timeouts": [1] * 1440}
    )
    out = io.StringIO()
    TextFormatter(color=False, width=50).write(report, out)
    chart = out.getvalue().split("Timeline (events per minute)\n")[1].splitlines()
    assert chart[0].startswith("timeouts │█") and chart[0].endswith("│ 1440")
    assert all(len(line) <= 50 for line in chart)


def test_log_text_is_printed_literally() -> None:
    evil = RUNBOOK_LINES.replace(
        "Worker exiting (pid: 96)",
        "Worker exiting (pid: 96) [bold red]x[/] \x1b[2J\x1b]0;pwned\x07 \u202e",
    )
    report = analyze_text(evil)
    report.findings[0].title = "title [link=http://e.example]click[/link] \x1b[6n"
    for lang in ("en", "pt-BR"):
        text = render(report, lang, color=True)
        assert "[bold red]x[/]" in text
        assert "[link=http://e.example]click[/link]" in text
        assert "\x1b[2J" not in text and "\x1b]0;" not in text and "\x07" not in text
        assert "\x1b[6n" not in text and "\u202e" not in text
        assert "\\x1b[2J\\x1b]0;pwned\\x07 \\u202e" in text
        assert "\\x1b[6n" in text


def test_evidence_shows_each_time_once_where_it_changes() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.findings[0].evidence[1].time = report.findings[0].evidence[0].time
    lines = [line for line in render(report).splitlines() if "pid:96" in line or "pid: 96" in line]
    assert "│ 1 2025-07-30T11:10:08-03:00 [2025-07-30 11:10:08 -0300]" in lines[0]
    # the same time as the line above is left blank
    assert "│ 2                           [2025-07-30 11:10:09 -0300]" in lines[1]
    assert "│ 3 2025-07-30T11:10:10-03:00 [2025-07-30 11:10:10 -0300]" in lines[2]
