"""Findings: differential evidence, rule selection, user regexes with a time limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import RUNBOOK_LINES, analyze_text

from diagnoser.analysis import select_rules
from diagnoser.rules import Compare, RuleError, load_rules

KILL_ONLY = RUNBOOK_LINES.splitlines()[2]
KERNEL = "[ 5662.970139] Memory cgroup out of memory: Killed process 96 (gunicorn) total-vm:725396kB, anon-rss:601312kB, file-rss:0kB, shmem-rss:0kB"


def test_unconfirmed_sigkill_says_what_speaks_against_it() -> None:
    report = analyze_text(KILL_ONLY)
    finding = next(f for f in report.findings if f.rule == "oom-kill")
    assert finding.against and "No kernel or platform line confirms" in finding.against[0]
    assert finding.confidence < 0.75  # lowered from the rule's base


def test_confirmed_oom_ranks_memory_first_and_says_why() -> None:
    report = analyze_text(KERNEL + "\n" + KILL_ONLY)
    assert report.findings[0].cause.value == "oom_kill"
    assert report.findings[0].rule == "kernel-oom"


def test_timeout_with_memory_trouble_names_the_competing_cause() -> None:
    report = analyze_text(
        " Oct 16 08:37:11 live-app heroku/web.1: Error R14 (Memory quota exceeded)\n"
        + RUNBOOK_LINES
    )
    timeout = next(f for f in report.findings if f.rule == "timeout-sigkill")
    assert any("memory pressure" in text for text in timeout.against)
    causes = [f.cause.value for f in report.findings]
    assert "too_many_workers" in causes and "slow_request" in causes


def test_select_and_ignore() -> None:
    rules, _ = load_rules()
    assert [r.id for r in select_rules(rules, ["oom-kill"], [])] == ["oom-kill"]
    assert "oom-kill" not in {r.id for r in select_rules(rules, [], ["oom-kill"])}
    with pytest.raises(RuleError, match=r"no rule named 'oom-kil' \(did you mean oom-kill\?\)"):
        select_rules(rules, ["oom-kil"], [])


def test_ignore_changes_the_report() -> None:
    from typer.testing import CliRunner

    from diagnoser.cli.app import app

    result = CliRunner().invoke(
        app,
        ["analyze", "-", "--ignore", "timeout-sigkill", "--ignore", "timeout-kill", "-f", "json"],
        input=RUNBOOK_LINES,
    )
    assert '"timeout-sigkill"' not in result.stdout
    assert result.exit_code == 0  # nothing at warning or above is left


def test_user_regex_conditions_match() -> None:
    assert Compare(regex=r"^gunicorn|python").test("python3")
    assert not Compare(regex=r"^java$").test("python3")


def test_a_catastrophic_user_regex_cannot_hang_the_run() -> None:
    compare = Compare(regex=r"(x+x+)+y")
    started = time.monotonic()
    assert compare.test("x" * 3000) is False
    assert time.monotonic() - started < 2


def test_an_invalid_user_regex_is_a_rule_error(tmp_path: Path) -> None:
    (tmp_path / "bad-regex.toml").write_text(
        """
id = "bad-regex"
cause = "slow_request"
severity = "warning"
confidence = 0.5
title = "t"
explanation = "e"

[match]
type = "sequence"
steps = [ { event = "access", where = { path = { regex = "([" } } } ]
""",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"bad-regex.toml: field 'match.steps.0.where.path"):
        load_rules([tmp_path])


def test_user_regex_rule_runs(tmp_path: Path) -> None:
    (tmp_path / "slow-report.toml").write_text(
        """
id = "slow-report"
cause = "slow_request"
severity = "warning"
confidence = 0.5
title = "report endpoint failed"
explanation = "e"

[match]
type = "sequence"
group_by = "global"
steps = [ { event = "access", where = { path = { regex = "^/reports?/" }, status = 500 } } ]
""",
        encoding="utf-8",
    )
    log = '127.0.0.1 - - [30/Jul/2025:09:48:53 +0000] "GET /reports/export HTTP/1.1" 500 0 "-" "-"'
    report = analyze_text(log, rule_dirs=[tmp_path])
    assert [f.rule for f in report.findings] == ["slow-report"]


def test_fix_values_come_from_the_evidence() -> None:
    text = "\n".join(
        [
            '{"loglevel": "info", "workers": 3, "bind": "0.0.0.0:80", "timeout": 30}',
            "2021-11-28T04:27:40.493997+00:00 heroku[web.1]: Process running mem=549M(107.4%)",
            "2021-11-28T04:27:40.496966+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)",
            '2025-08-19T14:38:25Z clientIP="187.115.194.5" requestID="e0" responseTimeMS=28557 responseBytes=1217 userAgent="x"',
        ]
    )
    report = analyze_text(text)
    memory = next(f for f in report.findings if f.rule == "memory-pressure")
    # 549 MB is 107.4% of a 511 MB quota; 3 workers of ~183 MB: 2 fit in 80% of it
    assert memory.fix is not None and memory.fix.snippet.startswith("workers = 2 ")
    slow = next(f for f in report.findings if f.rule == "slow-requests")
    # one request of 28.6 s: 1.25 x the longest, rounded up to 5 s, above the 30 in force
    assert slow.fix is not None and slow.fix.snippet.startswith("timeout = 40 ")


def test_render_json_request_labels_name_the_slow_paths() -> None:
    import json

    def entry(index: int, path: str, ms: int) -> str:
        labels = [
            {"name": "instance", "value": "srv-a-1"},
            {"name": "type", "value": "request"},
            {"name": "method", "value": "GET"},
            {"name": "path", "value": path},
            {"name": "statusCode", "value": "502"},
        ]
        message = f'clientIP="1.2.3.4" requestID="r{index}" responseTimeMS={ms} responseBytes=10 userAgent="x"'
        return json.dumps(
            {
                "id": str(index),
                "labels": labels,
                "message": message,
                "timestamp": "2025-08-19T14:38:25Z",
            },
            indent=2,
        )

    report = analyze_text(entry(0, "/reports/export", 28557) + entry(1, "/", 16))
    slow = next(f for f in report.findings if f.rule == "slow-requests")
    assert "Slowest paths: /reports/export (28557 ms), / (16 ms)" in slow.explanation


def test_workers_are_those_of_the_matched_events_not_the_evidence() -> None:
    # The replacement worker that booted and shut down within the rule's span is in
    # the evidence of the instance-wide rule, but the query held only the first.
    log = "\n".join(
        [
            "[2026-11-28 12:41:58 +0000] [6325] [INFO] Booting worker with pid: 6325",
            "[2026-11-28 12:42:00 +0000] [6324] [CRITICAL] WORKER TIMEOUT (pid:6325)",
            "(1.943) SELECT sleep(6.0); args=[6.0]; alias=default",
            "[2026-11-28 12:42:00 +0000] [6325] [INFO] Worker exiting (pid: 6325)",
            "[2026-11-28 12:42:00 +0000] [6327] [INFO] Booting worker with pid: 6327",
            "[2026-11-28 12:42:01 +0000] [6327] [INFO] Worker exiting (pid: 6327)",
        ]
    )
    report = analyze_text(log)
    finding = next(f for f in report.findings if f.rule == "slow-query-timeout")
    assert [w.pid for w in finding.workers] == [6325]
    assert "6327" not in finding.title
    # its exit is still shown, as evidence
    assert any("pid: 6327" in e.text for e in finding.evidence)


def test_placeholders_choose_the_form_that_fits_the_number() -> None:
    from diagnoser.findings import one_form, render

    template = "{n?Worker|Workers} {pids} {n?was|were} aborted"
    assert render(template, {"n": "1", "pids": "96"}) == "Worker 96 was aborted"
    assert render(template, {"n": "2", "pids": "96, 97"}) == "Workers 96, 97 were aborted"
    assert render("{n?a|b}", {"n": "0"}) == "a"  # no worker named: one unknown worker
    assert render("{n?um|vários}", {"n": "1"}, "pt-BR") == "um"
    assert render("{n?um|vários}", {"n": "2"}, "pt-BR") == "vários"
    assert render("{n?a|b}", {}) == "a" and render("{missing}", {}) == "{missing}"
    assert one_form(template) == "Worker {pids} was aborted"


def test_titles_agree_with_how_many_workers_they_name() -> None:
    lines = RUNBOOK_LINES.splitlines()
    one = analyze_text(RUNBOOK_LINES)
    assert one.findings[0].title == (
        "Gunicorn killed worker 96 for running past its timeout; the SIGKILL was not out of memory"
    )
    two = "\n".join([*lines, *(line.replace("96", "97") for line in lines)])
    many = analyze_text(two)
    assert many.findings[0].title == (
        "Gunicorn killed workers 96, 97 for running past its timeout; "
        "the SIGKILLs were not out of memory"
    )
    assert "Seen 2 times." in many.findings[0].explanation


def test_evidence_lines_carry_their_time() -> None:
    report = analyze_text(RUNBOOK_LINES)
    assert [e.time for e in report.findings[0].evidence] == [
        "2025-07-30T11:10:08-03:00",
        "2025-07-30T11:10:09-03:00",
        "2025-07-30T11:10:10-03:00",
    ]


def test_a_tracebacks_lines_take_its_time_and_untimed_lines_none() -> None:
    log = "\n".join(
        [
            "[2025-07-30 11:10:08 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)",
            "[2025-07-30 11:10:08 +0000] [7] [ERROR] Error handling request /reports/export",
            "Traceback (most recent call last):",
            '  File "/app/reports/views.py", line 27, in export',
            "    time.sleep(60)",
            '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 204, in handle_abort',
            "    sys.exit(1)",
            "SystemExit: 1",
            "[2025-07-30 11:10:09 +0000] [7] [INFO] Worker exiting (pid: 7)",
        ]
    )
    finding = analyze_text(log).findings[0]
    times = {e.line: e.time for e in finding.evidence}
    assert times[2] == times[4] == times[8] == "2025-07-30T11:10:08Z"
    assert times[9] == "2025-07-30T11:10:09Z"
    untimed = analyze_text(
        "[CRITICAL] WORKER TIMEOUT (pid:7)\n"
        "[ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?"
    )
    assert [e.time for e in untimed.findings[0].evidence] == [None, None]
