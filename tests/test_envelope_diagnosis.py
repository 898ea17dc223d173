"""Every way a log arrives gives the same diagnosis as the bare lines.

Each wrapper follows ../shared/reference/platform-log-formats.md (section named
per case). Render, Heroku, journald and Kubernetes can't be run here, so these
lines are written by hand in exactly the documented shapes.
"""

from __future__ import annotations

import json

import pytest
from conftest import RUNBOOK_LINES, accounted, analyze_text

from diagnoser.report.model import Report

BARE = RUNBOOK_LINES.splitlines()
# 11:10:08 -0300 is 14:10:08 UTC
UTC = ["2025-07-30 14:10:08", "2025-07-30 14:10:09", "2025-07-30 14:10:10"]
ISO = [t.replace(" ", "T") for t in UTC]


def wrap(template: str) -> str:
    return "\n".join(
        template.format(line=line, utc=utc, iso=iso)
        for line, utc, iso in zip(BARE, UTC, ISO, strict=True)
    )


def render_json_stream(
    instance: str = "srv-d0cjkelq67qs70c2pugg-sbpkm", lines: list[str] = BARE
) -> str:
    """`render logs -o json`: MarshalIndent objects written back to back, no newline at the end."""
    objects = []
    for index, (line, iso) in enumerate(zip(lines, ISO, strict=True)):
        entry = {
            "id": f"id-{index}",
            "labels": [
                {"name": "resource", "value": "srv-d0cjkelq67qs70c2pugg"},
                {"name": "instance", "value": instance},
                {"name": "level", "value": "error"},
                {"name": "type", "value": "app"},
            ],
            "message": line,
            "timestamp": f"{iso}.521Z",
        }
        objects.append(json.dumps(entry, indent=2))
    return "".join(objects)


WRAPPED = {
    # 1.3 text
    "render-text": wrap("{utc}  {line}"),
    # 1.3 json (tail: no newline after the last object)
    "render-json": render_json_stream(),
    # 2.1 dashboard download: RFC3339Nano, trailing zeros dropped
    "render-dashboard": wrap("{iso}.283639334Z {line}"),
    # 2.6 / 6 Render log stream, RFC 5424
    "render-syslog": wrap(
        "<134>1 {iso}.521Z my-service srv-abc123-54m4m 74440 srv-abc123-54m4m - {line}"
    ),
    # 6 docker logs --timestamps (fixed 9 digits)
    "docker-timestamps": wrap("{iso}.123456789Z {line}"),
    # 6 kubectl logs --timestamps
    "kubectl-timestamps": wrap("{iso}.120000000Z {line}"),
    # kubectl logs --prefix
    "kubectl-prefix": wrap("[pod/web-7d9f8c6b5-x2x7q/web] {line}"),
    # 6 CRI node log file
    "cri": wrap("{iso}.669794202Z stderr F {line}"),
    # 6 docker compose v2 and v1
    "compose-v2": wrap("web-1  | {line}"),
    "compose-v1": wrap("myapp_web_1  | {line}"),
    # 6 journalctl short and short-iso
    "journald-short": wrap("Jul 30 14:10:08 web-host gunicorn[85]: {line}"),
    "journald-short-iso": wrap("{iso}+0000 web-host gunicorn[85]: {line}"),
    # 3.1 Heroku CLI and 3.4 drain
    "heroku": wrap("{iso}.637050+00:00 app[web.1]: {line}"),
    "heroku-drain": wrap("140 <190>1 {iso}.621815+00:00 host app web.1 - {line}"),
    # 5.4 Fly
    "fly": wrap("{iso}Z app[8e40d3b769e2d8] dfw [info]{line}"),
    # JSON-lines logger with a message field
    "json-lines": "\n".join(
        json.dumps({"time": f"{iso}Z", "level": "error", "message": line})
        for line, iso in zip(BARE, ISO, strict=True)
    ),
    # 0.5 ANSI colours, and CRLF line ends
    "ansi-crlf": "\r\n".join(f"\x1b[31m{line}\x1b[0m" for line in BARE) + "\r\n",
}


def shape(report: Report) -> list[tuple[str, str, list[int], int]]:
    return [
        (f.rule, f.cause.value, [w.pid for w in f.workers], len(f.evidence))
        for f in report.findings
    ]


@pytest.mark.parametrize("wrapper", sorted(WRAPPED))
def test_wrapped_incident_gives_the_bare_diagnosis(wrapper: str) -> None:
    bare = analyze_text(RUNBOOK_LINES)
    wrapped = analyze_text(WRAPPED[wrapper])
    assert shape(wrapped) == shape(bare)
    lines = wrapped.lines
    assert accounted(lines)
    assert lines.unrecognized == 0


def test_a_file_mixing_envelopes() -> None:
    text = "\n".join(
        [
            '2025-07-30T14:10:01.637050+00:00 heroku[router]: at=info method=GET path="/" host=x.herokuapp.com dyno=web.1 connect=1ms service=12ms status=200 bytes=10',
            f"{UTC[0]}  {BARE[0]}",  # render text
            '2025/07/30 14:10:08 [error] 3102#3102: *20455 upstream prematurely closed connection while reading response header from upstream, client: 203.0.113.42, server: api.example.com, request: "GET /reports HTTP/1.1", upstream: "http://127.0.0.1:8000/reports", host: "api.example.com"',
            BARE[1],  # bare
            f"{ISO[2]}.123456789Z {BARE[2]}",  # docker --timestamps
        ]
    )
    report = analyze_text(text)
    serious = [f for f in report.findings if f.severity.value != "info"]
    assert serious[0].rule == "timeout-sigkill"
    assert [w.pid for w in serious[0].workers] == [96]
    assert report.lines.unrecognized == 0


def test_two_instances_with_the_same_pids_are_separate() -> None:
    # Instance A: timeout then kill. Instance B: the same pid killed with no timeout.
    a = render_json_stream("srv-abc123-aaaaa")
    b = render_json_stream(
        "srv-abc123-bbbbb",
        [BARE[0].replace("WORKER TIMEOUT", "Listening at: http://0.0.0.0:10000"), BARE[1], BARE[2]],
    )
    report = analyze_text(a + b)
    by_rule = {f.rule: f for f in report.findings}
    assert [(w.instance, w.pid) for w in by_rule["timeout-sigkill"].workers] == [
        ("srv-abc123-aaaaa", 96)
    ]
    assert [(w.instance, w.pid) for w in by_rule["oom-kill"].workers] == [("srv-abc123-bbbbb", 96)]


def test_json_escaped_traceback_is_assembled() -> None:
    traceback = (
        "[2025-07-30 09:48:53 +0000] [14] [ERROR] Error handling request GET /slow\n"
        "Traceback (most recent call last):\n"
        '  File "/app/app.py", line 5, in slow_view\n'
        "    time.sleep(10)\n"
        '  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 200, in handle_abort\n'
        "    sys.exit(1)\n"
        "SystemExit: 1"
    )
    text = "\n".join(
        [
            json.dumps(
                {
                    "time": "2025-07-30T09:48:53Z",
                    "message": "[2025-07-30 09:48:53 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)",
                }
            ),
            json.dumps({"time": "2025-07-30T09:48:53Z", "message": traceback}),
            json.dumps(
                {
                    "time": "2025-07-30T09:48:53Z",
                    "message": "[2025-07-30 09:48:53 +0000] [14] [INFO] Worker exiting (pid: 14)",
                }
            ),
        ]
    )
    report = analyze_text(text)
    worker = next(w for w in report.workers if w.pid == 14)
    assert worker.abort_frame == "/app/app.py:5 in slow_view"
    assert report.lines.read == 3
    assert accounted(report.lines)


def test_a_json_object_that_never_closes_is_read_as_text(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import diagnoser.envelopes.json

    monkeypatch.setattr(diagnoser.envelopes.json, "MAX_RECORD_LINES", 5)
    text = "\n".join(["{", "not json", *BARE, "more", "and more"])
    report = analyze_text(text)
    assert [f.rule for f in report.findings if f.severity.value != "info"] == ["timeout-sigkill"]
    assert [e.line for e in report.findings[0].evidence] == [3, 4, 5]
    assert accounted(report.lines) and report.lines.wrapper == 0
