"""The rule engine: sequences, absence, counts, and deciding events in a stream."""

from __future__ import annotations

from pathlib import Path

from conftest import RUNBOOK_LINES, analyze_text, serious

from diagnoser.analysis import Analysis
from diagnoser.rules import load_rules
from diagnoser.sources import Line

GUNICORN_23_HEALTHY = """\
[2025-07-30 09:49:40 +0000] [1] [INFO] Starting gunicorn 23.0.0
[2025-07-30 09:49:40 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 09:49:40 +0000] [1] [INFO] Using worker: sync
[2025-07-30 09:49:40 +0000] [7] [INFO] Booting worker with pid: 7
[2025-07-30 09:51:53 +0000] [7] [INFO] Autorestarting worker after current request.
127.0.0.1 - - [30/Jul/2025:09:51:53 +0000] "GET /b HTTP/1.1" 200 3 "-" "curl/7.88.1"
[2025-07-30 09:51:53 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 09:51:53 +0000] [12] [INFO] Booting worker with pid: 12
[2025-07-30 09:52:01 +0000] [1] [INFO] Handling signal: hup
[2025-07-30 09:52:01 +0000] [1] [INFO] Hang up: Master
[2025-07-30 09:52:01 +0000] [20] [INFO] Booting worker with pid: 20
[2025-07-30 09:52:01 +0000] [12] [INFO] Worker exiting (pid: 12)
[2025-07-30 09:52:30 +0000] [1] [INFO] Handling signal: term
[2025-07-30 09:52:30 +0000] [1] [ERROR] Worker (pid:20) was sent SIGTERM!
[2025-07-30 09:52:30 +0000] [1] [INFO] Shutting down: Master
"""

GUNICORN_27_CONTROL_SOCKET = """\
[2025-07-30 09:48:47 +0000] [1] [INFO] Starting gunicorn 27.0.1
[2025-07-30 09:48:47 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 09:48:47 +0000] [1] [INFO] Using worker: sync
[2025-07-30 09:48:47 +0000] [14] [INFO] Booting worker with pid: 14
[2025-07-30 09:48:47 +0000] [1] [INFO] Control socket listening at /home/app/.gunicorn/gunicorn.ctl
[2025-07-30 09:48:48 +0000] [15] [INFO] Booting worker with pid: 15
[2025-07-30 09:48:48 +0000] [1] [INFO] Control socket listening at /home/app/.gunicorn/gunicorn.ctl
[2025-07-30 09:49:46 +0000] [1] [INFO] Handling signal: term
[2025-07-30 09:49:46 +0000] [1] [INFO] Worker (pid:14) was sent SIGTERM!
[2025-07-30 09:49:46 +0000] [1] [INFO] Shutting down: Master
"""


def test_healthy_restarts_give_nothing_above_info() -> None:
    report = analyze_text(GUNICORN_23_HEALTHY)
    assert serious(report) == []
    rules = {f.rule for f in report.findings}
    assert {"max-requests-recycle", "hup-reload", "sigterm-stop"} <= rules


def test_repeated_control_socket_lines_are_not_restarts() -> None:
    report = analyze_text(GUNICORN_27_CONTROL_SOCKET)
    assert serious(report) == []
    assert report.gunicorn["test.log"].starts == 1


def test_sigkill_at_end_of_graceful_shutdown_is_not_oom() -> None:
    report = analyze_text(
        "[2025-07-30 09:51:32 +0000] [1] [INFO] Handling signal: term\n"
        "[2025-07-30 09:51:34 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?\n"
        "[2025-07-30 09:51:34 +0000] [1] [INFO] Shutting down: Master\n"
    )
    assert serious(report) == []
    assert [f.rule for f in report.findings] == ["shutdown-kill"]


def test_timeout_long_before_the_kill_does_not_excuse_it() -> None:
    # A WORKER TIMEOUT ten minutes earlier for the same pid (different life: no
    # boot line in between, so the absence window decides) is not this kill's cause.
    report = analyze_text(
        "[2025-07-30 11:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:9)\n"
        "[2025-07-30 11:10:00 +0000] [1] [ERROR] Worker (pid:9) was sent SIGKILL! Perhaps out of memory?\n"
    )
    assert "oom_kill" in serious(report)


def test_pid_reuse_after_a_restart_is_a_new_worker() -> None:
    report = analyze_text(
        "[2025-07-30 11:00:00 +0000] [1] [INFO] Starting gunicorn 23.0.0\n"
        "[2025-07-30 11:00:00 +0000] [7] [INFO] Booting worker with pid: 7\n"
        "[2025-07-30 11:00:30 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)\n"
        "[2025-07-30 11:00:30 +0000] [1] [INFO] Starting gunicorn 23.0.0\n"
        "[2025-07-30 11:00:30 +0000] [7] [INFO] Booting worker with pid: 7\n"
        "[2025-07-30 11:00:31 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?\n"
    )
    lives = [(w.pid, w.generation) for w in report.workers]
    assert lives == [(7, 0), (7, 1)]
    # The SIGKILL hit the second life, which never timed out: not Gunicorn's kill.
    assert "oom_kill" in serious(report)


def test_abort_traceback_is_attached_and_names_the_frame() -> None:
    text = """\
[2025-07-30 09:48:47 +0000] [14] [INFO] Booting worker with pid: 14
[2025-07-30 09:48:53 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)
[2025-07-30 09:48:53 +0000] [14] [ERROR] Error handling request GET /slow
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 141, in handle
    self.handle_request(listener, req, client, addr)
  File "/app/app.py", line 5, in slow_view
    time.sleep(10)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 200, in handle_abort
    sys.exit(1)
SystemExit: 1
127.0.0.1 - - [30/Jul/2025:09:48:53 +0000] "GET /slow HTTP/1.1" 500 0 "-" "-"
[2025-07-30 09:48:53 +0000] [14] [INFO] Worker exiting (pid: 14)
[2025-07-30 09:48:53 +0000] [17] [INFO] Booting worker with pid: 17
"""
    report = analyze_text(text)
    assert serious(report) == ["slow_request"]
    worker = next(w for w in report.workers if w.pid == 14)
    assert worker.abort_frame == "/app/app.py:5 in slow_view"
    assert worker.stuck_in == "app"
    evidence = [e.line for e in report.findings[0].evidence]
    assert evidence == [2, 3, 7, 11, 13]
    assert report.lines.traceback == 8


def test_timeout_without_a_logged_outcome_still_counts() -> None:
    # Gunicorn <= 20.0 logs nothing when it kills the worker.
    report = analyze_text(
        "[2025-07-30 11:12:10 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:12)\n"
        "[2025-07-30 11:12:11 +0000] [19] [INFO] Booting worker with pid: 19\n"
    )
    assert serious(report) == ["slow_request"]
    assert report.findings[0].settled is False


def test_boot_failure_names_the_exception() -> None:
    text = """\
[2025-07-30 09:51:46 +0000] [7] [INFO] Booting worker with pid: 7
[2025-07-30 09:51:46 +0000] [7] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/app/myapp/wsgi.py", line 1, in <module>
    import nonexistent_dependency
ModuleNotFoundError: No module named 'nonexistent_dependency'
[2025-07-30 09:51:46 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 09:51:46 +0000] [1] [ERROR] Worker (pid:7) exited with code 3
[2025-07-30 09:51:46 +0000] [1] [ERROR] Shutting down: Master
[2025-07-30 09:51:46 +0000] [1] [ERROR] Reason: Worker failed to boot.
"""
    report = analyze_text(text)
    assert serious(report) == ["boot_failure"]
    finding = report.findings[0]
    assert "No module named 'nonexistent_dependency'" in finding.explanation
    # The import error is the more precise reading of the boot failure.
    assert finding.rule == "import-error"
    assert (
        finding.title
        == "The app can't be imported: ModuleNotFoundError: No module named 'nonexistent_dependency'"
    )
    lines = [e.line for e in finding.evidence]
    assert 6 in lines and 10 in lines  # the exception and Gunicorn's halt reason


def _occurrences_per_line(text: str, rule_dirs: list[Path] | None = None) -> list[list[str]]:
    rules, fixes = load_rules(rule_dirs)
    analysis = Analysis(rules, fixes)
    return [
        [o.rule.id for o in analysis.feed_line(Line("s", n, t))]
        for n, t in enumerate(text.splitlines(), 1)
    ]


def test_findings_fire_on_their_deciding_line() -> None:
    fired = _occurrences_per_line(RUNBOOK_LINES)
    assert fired == [[], ["timeout-kill"], ["timeout-sigkill"]]


COUNT_RULE = """
id = "three-boots"
cause = "crash_loop"
severity = "warning"
confidence = 0.5
title = "{count} boots"
explanation = "e"

[match]
type = "count"
group_by = "instance"
timespan = "10s"
threshold = 3
steps = [ { event = "worker_boot" } ]
"""


def test_count_rule_fires_at_threshold_within_timespan(tmp_path: Path) -> None:
    (tmp_path / "three-boots.toml").write_text(COUNT_RULE, encoding="utf-8")
    boots = [
        "[2025-07-30 11:00:00 +0000] [7] [INFO] Booting worker with pid: 7",
        "[2025-07-30 11:00:20 +0000] [8] [INFO] Booting worker with pid: 8",  # 20 s later
        "[2025-07-30 11:00:21 +0000] [9] [INFO] Booting worker with pid: 9",
        "[2025-07-30 11:00:22 +0000] [10] [INFO] Booting worker with pid: 10",
        "[2025-07-30 11:00:23 +0000] [11] [INFO] Booting worker with pid: 11",
    ]
    fired = _occurrences_per_line("\n".join(boots), [tmp_path])
    assert [("three-boots" in f) for f in fired] == [False, False, False, True, False]
    report = analyze_text("\n".join(boots), rule_dirs=[tmp_path])
    finding = next(f for f in report.findings if f.rule == "three-boots")
    # the fifth boot arrives while the occurrence is open: it joins its evidence
    assert [e.line for e in finding.evidence] == [2, 3, 4, 5]
    assert finding.title == "1 boots"


SEQUENCE_RULE = """
id = "boot-then-timeout"
cause = "boot_timeout"
severity = "warning"
confidence = 0.5
title = "t"
explanation = "e"

[match]
type = "sequence"
group_by = "worker"
timespan = "30s"
steps = [ { event = "worker_boot" }, { event = "worker_timeout" } ]
"""


def test_sequence_respects_order_group_and_timespan(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(SEQUENCE_RULE, encoding="utf-8")
    text = (
        "[2025-07-30 11:00:00 +0000] [7] [INFO] Booting worker with pid: 7\n"
        "[2025-07-30 11:00:01 +0000] [8] [INFO] Booting worker with pid: 8\n"
        "[2025-07-30 11:00:10 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:8)\n"  # within 30 s
        "[2025-07-30 11:01:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)\n"  # 60 s: too late
    )
    fired = _occurrences_per_line(text, [tmp_path])
    assert ["boot-then-timeout" in f for f in fired] == [False, False, True, False]
