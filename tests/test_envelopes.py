"""The envelope stage: every platform wrapper around the three runbook lines.

Each wrapped line follows a template of `../shared/reference/platform-log-formats.md`
(the comment before each group names the section) or, for shapes the document does
not list, a real-log corpus case (`../shared/corpus/real/NNN.log`) or the tool's
source. The runbook lines are stamped 11:10:08-11:10:10 at -03:00, so every wrapper
stamps them 14:10:08-14:10:10 UTC (or the same instant in its own zone). Case ids
name the wrapper.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from diagnoser.envelopes import Envelope, strip_ansi, unwrap

L1 = "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)"
L2 = "[2025-07-30 11:10:09 -0300] [96] [INFO] Worker exiting (pid: 96)"
L3 = "[2025-07-30 11:10:10 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?"


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def yearless(month: int, day: int, hour: int, minute: int, second: int) -> float:
    """A syslog stamp has no year: the latest year that does not put it in the future."""
    latest = datetime.now(UTC) + timedelta(days=1)
    for year in range(latest.year, latest.year - 8, -1):
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            continue
        if moment <= latest:
            return moment.timestamp()
    raise AssertionError("no year fits")


T1, T2, T3 = utc(2025, 7, 30, 14, 10, 8), utc(2025, 7, 30, 14, 10, 9), utc(2025, 7, 30, 14, 10, 10)
S1, S2, S3 = yearless(7, 30, 14, 10, 8), yearless(7, 30, 14, 10, 9), yearless(7, 30, 14, 10, 10)

# (id, wrapped line, message, ts, instance, wrapper)
Case = tuple[str, str, str, float | None, str, str]


def runbook(
    name: str,
    lines: tuple[str, str, str],
    ts: tuple[float | None, float | None, float | None],
    instance: str | tuple[str, str, str],
    wrapper: str,
) -> list[Case]:
    """Three cases: the wrapped runbook lines, expected back exactly as L1, L2, L3."""
    instances = (instance,) * 3 if isinstance(instance, str) else instance
    return [
        (f"{name}-{n}", line, inner, t, inst, wrapper)
        for n, (line, inner, t, inst) in enumerate(
            zip(lines, (L1, L2, L3), ts, instances, strict=True), 1
        )
    ]


def render_object(message: str, stamp: str) -> str:
    """§1.2: a Render API `Log` (id, labels as a list of {name, value}, message, timestamp)."""
    labels = (
        '[{"name": "resource", "value": "srv-abc123"}, '
        '{"name": "instance", "value": "srv-abc123-54m4m"}, '
        '{"name": "level", "value": "error"}, {"name": "type", "value": "app"}]'
    )
    return f'{{"id": "b1e0f0", "labels": {labels}, "message": "{message}", "timestamp": "{stamp}"}}'


def drain(frame: str) -> str:
    """A Heroku drain frame with its octet count (§3.4)."""
    return f"{len(frame.encode())} {frame}"


WRAPPED: list[Case] = [
    # §1.3 `render logs -o text`: `YYYY-MM-DD HH:MM:SS`, two spaces, message (UTC).
    *runbook(
        "render-text",
        (f"2025-07-30 14:10:08  {L1}", f"2025-07-30 14:10:09  {L2}", f"2025-07-30 14:10:10  {L3}"),
        (T1, T2, T3),
        "",
        "render-text",
    ),
    # §2.1/§6 Render dashboard download/copy: RFC3339Nano (0-9 fraction digits, trailing
    # zeros dropped), Z, one space; §2.2 request lines carry whole seconds.
    *runbook(
        "render-dashboard",
        (
            f"2025-07-30T14:10:08.05404551Z {L1}",
            f"2025-07-30T14:10:09.5Z {L2}",
            f"2025-07-30T14:10:10Z {L3}",
        ),
        (T1 + 0.05404551, T2 + 0.5, T3),
        "",
        "render-dashboard",
    ),
    # §2.6 Render log stream, RFC 5424 as in the doc example (`-08:00`, APP-NAME cron-12345).
    *runbook(
        "rfc5424-render",
        (
            f"<0>1 2025-07-30T06:10:08-08:00 test-service cron-12345 74440 cron-12345 - {L1}",
            f"<0>1 2025-07-30T06:10:09-08:00 test-service cron-12345 74440 cron-12345 - {L2}",
            f"<0>1 2025-07-30T06:10:10-08:00 test-service cron-12345 74440 cron-12345 - {L3}",
        ),
        (T1, T2, T3),
        "cron-12345",
        "rfc5424",
    ),
    # §6 syslog RFC 5424 with structured data (`[SD|-]`: the RFC's own SD example; a `]`
    # inside a value is escaped as `\]`) and a nil PROCID, as in the §6 RFC example.
    *runbook(
        "rfc5424-sd",
        (
            f'<34>1 2025-07-30T14:10:08.003Z mymachine.example.com gunicorn - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] {L1}',
            f"<34>1 2025-07-30T14:10:09.003Z mymachine.example.com gunicorn - ID47 - {L2}",
            f'<34>1 2025-07-30T14:10:10.003Z mymachine.example.com gunicorn - ID47 [a@1 b="x\\]y"][c@2] {L3}',
        ),
        (T1 + 0.003, T2 + 0.003, T3 + 0.003),
        "gunicorn",
        "rfc5424",
    ),
    # §6 syslog RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG[pid]: MSG`.
    *runbook(
        "rfc3164",
        (
            f"<34>Jul 30 14:10:08 mymachine gunicorn[85]: {L1}",
            f"<34>Jul 30 14:10:09 mymachine gunicorn[96]: {L2}",
            f"<34>Jul 30 14:10:10 mymachine gunicorn[85]: {L3}",
        ),
        (S1, S2, S3),
        "mymachine",
        "rfc3164",
    ),
    # §6 `docker logs --timestamps`: fixed 9-digit RFC3339Nano, Z, one space.
    *runbook(
        "docker-timestamps",
        (
            f"2025-07-30T14:10:08.123456789Z {L1}",
            f"2025-07-30T14:10:09.000000000Z {L2}",
            f"2025-07-30T14:10:10.500000000Z {L3}",
        ),
        (T1 + 0.123456789, T2, T3 + 0.5),
        "",
        "docker",
    ),
    # §6 `kubectl logs --timestamps`: the kubelet's fixed-width RFC3339Nano (same shape).
    *runbook(
        "kubectl-timestamps",
        (
            f"2025-07-30T14:10:08.120000000Z {L1}",
            f"2025-07-30T14:10:09.120000000Z {L2}",
            f"2025-07-30T14:10:10.120000000Z {L3}",
        ),
        (T1 + 0.12, T2 + 0.12, T3 + 0.12),
        "",
        "docker",
    ),
    # §6 CRI node log file: `<RFC3339Nano> <stdout|stderr> <F|P> <line>`.
    *runbook(
        "cri",
        (
            f"2025-07-30T14:10:08.669794202Z stderr F {L1}",
            f"2025-07-30T14:10:09.669794202Z stderr F {L2}",
            f"2025-07-30T14:10:10.669794202Z stdout F {L3}",
        ),
        (T1 + 0.669794202, T2 + 0.669794202, T3 + 0.669794202),
        "",
        "cri",
    ),
    # kubectl logs --prefix: `[pod/<pod>/<container>] ` (kubectl `addPrefixIfNeeded`,
    # `fmt.Sprintf("[pod/%s/%s] ", …)`, prepended to each line the API streams).
    *runbook(
        "kubectl-prefix",
        (
            f"[pod/web-7d4b9c6f5-x2x9k/web] {L1}",
            f"[pod/web-7d4b9c6f5-x2x9k/web] {L2}",
            f"[pod/web-7d4b9c6f5-x2x9k/web] {L3}",
        ),
        (None, None, None),
        "web-7d4b9c6f5-x2x9k",
        "kubectl-prefix",
    ),
    # --prefix with --timestamps: the kubelet stamps the streamed line, kubectl prefixes it.
    *runbook(
        "kubectl-prefix-timestamps",
        (
            f"[pod/web-7d4b9c6f5-x2x9k/web] 2025-07-30T14:10:08.120000000Z {L1}",
            f"[pod/web-7d4b9c6f5-x2x9k/web] 2025-07-30T14:10:09.120000000Z {L2}",
            f"[pod/web-7d4b9c6f5-x2x9k/web] 2025-07-30T14:10:10.120000000Z {L3}",
        ),
        (T1 + 0.12, T2 + 0.12, T3 + 0.12),
        "web-7d4b9c6f5-x2x9k",
        "kubectl-prefix+docker",
    ),
    # The other order is accepted too (a timestamp added by a collector in front).
    *runbook(
        "timestamps-kubectl-prefix",
        (
            f"2025-07-30T14:10:08.120000000Z [pod/web-7d4b9c6f5-x2x9k/web] {L1}",
            f"2025-07-30T14:10:09.120000000Z [pod/web-7d4b9c6f5-x2x9k/web] {L2}",
            f"2025-07-30T14:10:10.120000000Z [pod/web-7d4b9c6f5-x2x9k/web] {L3}",
        ),
        (T1 + 0.12, T2 + 0.12, T3 + 0.12),
        "web-7d4b9c6f5-x2x9k",
        "docker+kubectl-prefix",
    ),
    # §6 `docker compose logs` v2: `<service>-<n>  | <line>`.
    *runbook(
        "compose-v2",
        (f"web-1  | {L1}", f"web-1  | {L2}", f"web-1  | {L3}"),
        (None, None, None),
        "web-1",
        "docker-compose",
    ),
    # §6 v1: `<project>_<service>_<n>  | ` padded to the widest name (the doc's `voteapp_1       | `).
    *runbook(
        "compose-v1",
        (f"myapp_web_1       | {L1}", f"myapp_web_1       | {L2}", f"myapp_web_1       | {L3}"),
        (None, None, None),
        "myapp_web_1",
        "docker-compose",
    ),
    # Corpus 109: a container_name column, `koku_server  | `.
    *runbook(
        "compose-container-name",
        (f"koku_server  | {L1}", f"koku_server  | {L2}", f"koku_server  | {L3}"),
        (None, None, None),
        "koku_server",
        "docker-compose",
    ),
    # §6 journalctl short (the default): `Mon DD HH:MM:SS <host> <ident>[<pid>]: <msg>`.
    *runbook(
        "journal-short",
        (
            f"Jul 30 14:10:08 server gunicorn[85]: {L1}",
            f"Jul 30 14:10:09 server gunicorn[85]: {L2}",
            f"Jul 30 14:10:10 server gunicorn[85]: {L3}",
        ),
        (S1, S2, S3),
        "server",
        "syslog",
    ),
    # §6 journalctl -o short-precise: microseconds after the seconds.
    *runbook(
        "journal-short-precise",
        (
            f"Jul 30 14:10:08.250000 server gunicorn[85]: {L1}",
            f"Jul 30 14:10:09.250000 server gunicorn[85]: {L2}",
            f"Jul 30 14:10:10.250000 server gunicorn[85]: {L3}",
        ),
        (S1 + 0.25, S2 + 0.25, S3 + 0.25),
        "server",
        "syslog",
    ),
    # §6 journalctl -o short-iso: the offset without a colon (here the host's -03:00).
    *runbook(
        "journal-short-iso",
        (
            f"2025-07-30T11:10:08-0300 host gunicorn[85]: {L1}",
            f"2025-07-30T11:10:09-0300 host gunicorn[85]: {L2}",
            f"2025-07-30T11:10:10-0300 host gunicorn[85]: {L3}",
        ),
        (T1, T2, T3),
        "host",
        "journal-iso",
    ),
    # §3.1 Heroku CLI: `<ISO8601 µs+00:00> <source>[<dyno>]: <message>`.
    *runbook(
        "heroku",
        (
            f"2025-07-30T14:10:08.146914+00:00 app[web.1]: {L1}",
            f"2025-07-30T14:10:09.146914+00:00 app[web.1]: {L2}",
            f"2025-07-30T14:10:10.146914+00:00 app[web.1]: {L3}",
        ),
        (T1 + 0.146914, T2 + 0.146914, T3 + 0.146914),
        "web.1",
        "heroku",
    ),
    # §3.1 older docs: no fraction and `-07:00`.
    *runbook(
        "heroku-old",
        (
            f"2025-07-30T07:10:08-07:00 app[web.1]: {L1}",
            f"2025-07-30T07:10:09-07:00 app[web.1]: {L2}",
            f"2025-07-30T07:10:10-07:00 app[web.1]: {L3}",
        ),
        (T1, T2, T3),
        "web.1",
        "heroku",
    ),
    # §3.4 Heroku drain: `<len> <PRI>1 <ts> host <app|heroku> <web.N|router|api> - <msg>`.
    *runbook(
        "heroku-drain",
        (
            drain(f"<190>1 2025-07-30T14:10:08.621815+00:00 host app web.1 - {L1}"),
            drain(f"<190>1 2025-07-30T14:10:09.621815+00:00 host app web.1 - {L2}"),
            drain(f"<190>1 2025-07-30T14:10:10.621815+00:00 host app web.1 - {L3}"),
        ),
        (T1 + 0.621815, T2 + 0.621815, T3 + 0.621815),
        "web.1",
        "heroku-drain",
    ),
    # §3.4 "Some samples have `- -` before the message."
    *runbook(
        "heroku-drain-dash-dash",
        (
            drain(f"<190>1 2025-07-30T14:10:08.621815+00:00 host app web.2 - - {L1}"),
            drain(f"<190>1 2025-07-30T14:10:09.621815+00:00 host app web.2 - - {L2}"),
            drain(f"<190>1 2025-07-30T14:10:10.621815+00:00 host app web.2 - - {L3}"),
        ),
        (T1 + 0.621815, T2 + 0.621815, T3 + 0.621815),
        "web.2",
        "heroku-drain",
    ),
    # §5.4 Fly: `<RFC3339 s>Z <app|proxy|runner>[<machine id>] <region> [<level>]<message>`.
    *runbook(
        "fly",
        (
            f"2025-07-30T14:10:08Z app[8e40d3b769e2d8] dfw [info]{L1}",
            f"2025-07-30T14:10:09Z app[8e40d3b769e2d8] dfw [info]{L2}",
            f"2025-07-30T14:10:10Z app[8e40d3b769e2d8] dfw [info]{L3}",
        ),
        (T1, T2, T3),
        "8e40d3b769e2d8",
        "fly",
    ),
    # §4.1 dmesg `[  142.890123] ` (seconds since boot: no wall time). Constructed: Gunicorn
    # never writes to the kernel ring buffer, but the prefix is the prefix.
    *runbook(
        "dmesg",
        (f"[  142.890123] {L1}", f"[  143.890123] {L2}", f"[  144.890123] {L3}"),
        (None, None, None),
        "",
        "dmesg",
    ),
    # §4.1 `dmesg -T`: `[Mon Jan 15 10:23:45 2024] ` (a Wednesday for 2025-07-30).
    *runbook(
        "dmesg-T",
        (
            f"[Wed Jul 30 14:10:08 2025] {L1}",
            f"[Wed Jul 30 14:10:09 2025] {L2}",
            f"[Wed Jul 30 14:10:10 2025] {L3}",
        ),
        (T1, T2, T3),
        "",
        "dmesg-T",
    ),
    # §1.2 the Render API log object (`render logs -o json`) written on one line.
    *runbook(
        "render-json",
        (
            render_object(L1, "2025-07-30T14:10:08.521Z"),
            render_object(L2, "2025-07-30T14:10:09.521Z"),
            render_object(L3, "2025-07-30T14:10:10.521Z"),
        ),
        (T1 + 0.521, T2 + 0.521, T3 + 0.521),
        "srv-abc123-54m4m",
        "render-json",
    ),
    # docker's json-file driver: `{"log": "<line>\n", "stream": …, "time": <RFC3339Nano>}`.
    *runbook(
        "docker-json",
        (
            '{"log":"' + L1 + '\\n","stream":"stderr","time":"2025-07-30T14:10:08.123456789Z"}',
            '{"log":"' + L2 + '\\n","stream":"stderr","time":"2025-07-30T14:10:09.123456789Z"}',
            '{"log":"' + L3 + '\\n","stream":"stderr","time":"2025-07-30T14:10:10.123456789Z"}',
        ),
        (T1 + 0.123456789, T2 + 0.123456789, T3 + 0.123456789),
        "",
        "docker-json",
    ),
    # JSON-lines loggers: message under `message`/`msg`/`text`/`event`, time under
    # `timestamp`/`time` (epoch ms)/`ts` (epoch s)/`@timestamp`/`asctime`.
    *runbook(
        "json",
        (
            '{"timestamp": "2025-07-30T14:10:08Z", "level": "critical", "instance": "web-1", "message": "'
            + L1
            + '"}',
            '{"time": 1753884609000, "pod": "web-5c9d", "msg": "' + L2 + '"}',
            '{"@timestamp": "2025-07-30T14:10:10.000Z", "hostname": "ip-10-0-0-7", "event": "'
            + L3
            + '"}',
        ),
        (T1, T2, T3),
        ("web-1", "web-5c9d", "ip-10-0-0-7"),
        "json",
    ),
    # Corpus 102: a k9s log pane, `│ ` before every line and spaces up to the pane width.
    *runbook(
        "k9s",
        (f"│ {L1}     ", f"│ {L2}", f"│ {L3}  "),
        (None, None, None),
        "",
        "k9s",
    ),
    # Corpus 116: a viewer's `YYYY-MM-DD HH:MM:SS ` stamp (one space) before Gunicorn's.
    *runbook(
        "date-prefix",
        (f"2025-07-30 14:10:08 {L1}", f"2025-07-30 14:10:09 {L2}", f"2025-07-30 14:10:10 {L3}"),
        (T1, T2, T3),
        "",
        "date-prefix",
    ),
]


@pytest.mark.parametrize(
    ("line", "message", "ts", "instance", "wrapper"),
    [pytest.param(*case[1:], id=case[0]) for case in WRAPPED],
)
def test_runbook_lines_in_every_wrapper(
    line: str, message: str, ts: float | None, instance: str, wrapper: str
) -> None:
    env = unwrap(line)
    assert env.message == message
    if ts is None:
        assert env.ts is None
    else:
        assert env.ts == pytest.approx(ts, abs=1e-6)
    assert env.instance == instance
    assert env.wrapper == wrapper


# Platform lines from the reference, unwrapped to the exact text after the prefix.
PLATFORM: list[Case] = [
    # §3.2 real H13 router line: instance "router" (the dyno is in its `dyno=` field).
    (
        "heroku-router",
        '2025-08-10T04:06:13.637050+00:00 heroku[router]: at=error code=H13 desc="Connection closed without response" method=GET path="/api/concordance" host=www.123-bibel.de fwd="61.8.139.252" dyno=web.1 connect=0ms service=24183ms status=503 bytes=567 protocol=http2.0',
        'at=error code=H13 desc="Connection closed without response" method=GET path="/api/concordance" host=www.123-bibel.de fwd="61.8.139.252" dyno=web.1 connect=0ms service=24183ms status=503 bytes=567 protocol=http2.0',
        utc(2025, 8, 10, 4, 6, 13) + 0.63705,
        "router",
        "heroku",
    ),
    # §3.3 dyno manager.
    (
        "heroku-dyno-manager",
        "2015-12-01T18:55:18.458035+00:00 heroku[web.1]: Process exited with status 137",
        "Process exited with status 137",
        utc(2015, 12, 1, 18, 55, 18) + 0.458035,
        "web.1",
        "heroku",
    ),
    # §3.4 drain frame from the router, verbatim.
    (
        "heroku-drain-router",
        '396 <158>1 2015-05-12T18:27:15.834333+00:00 host heroku router - at=error code=H13 desc="Connection closed without response" method=GET path="/2bbb…" host=ephemeralp2p.durazo.us request_id=a84a62c8-… fwd="128.119.40.196" dyno=web.1 connect=1ms service=10512ms status=503 bytes=0',
        'at=error code=H13 desc="Connection closed without response" method=GET path="/2bbb…" host=ephemeralp2p.durazo.us request_id=a84a62c8-… fwd="128.119.40.196" dyno=web.1 connect=1ms service=10512ms status=503 bytes=0',
        utc(2015, 5, 12, 18, 27, 15) + 0.834333,
        "router",
        "heroku-drain",
    ),
    # §3.4 drain frame whose message starts with `[GIN]`: not taken for RFC 5424 SD.
    (
        "heroku-drain-gin",
        '140 <190>1 2022-06-13T14:52:23.621815+00:00 host app web.1 - [GIN] 2022/06/13 - 14:52:23 | 200 |    1.428101ms |  181.167.87.140 | GET      "/"',
        '[GIN] 2022/06/13 - 14:52:23 | 200 |    1.428101ms |  181.167.87.140 | GET      "/"',
        utc(2022, 6, 13, 14, 52, 23) + 0.621815,
        "web.1",
        "heroku-drain",
    ),
    # §2.6 the Render doc example, verbatim.
    (
        "rfc5424-render-doc",
        "<0>1 2021-03-31T16:00:00-08:00 test-service cron-12345 74440 cron-12345 - hello this is a test",
        "hello this is a test",
        utc(2021, 4, 1, 0, 0, 0),
        "cron-12345",
        "rfc5424",
    ),
    # §2.1 real deploy sequence (Render dashboard), 8 fraction digits.
    (
        "render-dashboard-deploy",
        "2026-05-20T18:20:26.05558224Z ==> Your service is live 🎉",
        "==> Your service is live 🎉",
        utc(2026, 5, 20, 18, 20, 26) + 0.05558224,
        "",
        "render-dashboard",
    ),
    # §2.2 request log line with whole seconds.
    (
        "render-dashboard-request",
        '2025-08-19T14:21:05Z clientIP="35.247.111.159" requestID="764a5527-1bea-439b" responseTimeMS=16 responseBytes=2253 userAgent="Go-http-client/2.0"',
        'clientIP="35.247.111.159" requestID="764a5527-1bea-439b" responseTimeMS=16 responseBytes=2253 userAgent="Go-http-client/2.0"',
        utc(2025, 8, 19, 14, 21, 5),
        "",
        "render-dashboard",
    ),
    # §1.3 text mode, a Render platform line.
    (
        "render-text-deploy",
        "2026-06-29 08:55:57  ==> Deploying...",
        "==> Deploying...",
        utc(2026, 6, 29, 8, 55, 57),
        "",
        "render-text",
    ),
    # §1.3 text mode keeps a traceback line's own indentation.
    (
        "render-text-indented",
        '2026-05-21 18:42:41    File "/app/views.py", line 12, in index',
        '  File "/app/views.py", line 12, in index',
        utc(2026, 5, 21, 18, 42, 41),
        "",
        "render-text",
    ),
    # §4.1 rsyslog file: the message starts after `kernel: ` and the dmesg seconds.
    (
        "syslog-kernel-dmesg",
        "Sep 29 17:50:31 bfs kernel: [5618442.047786] Memory cgroup out of memory: Killed process 96 (gunicorn) total-vm:2418296kB, anon-rss:2048512kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4832kB oom_score_adj:998",
        "Memory cgroup out of memory: Killed process 96 (gunicorn) total-vm:2418296kB, anon-rss:2048512kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4832kB oom_score_adj:998",
        yearless(9, 29, 17, 50, 31),
        "bfs",
        "syslog",
    ),
    # §4.1 `journalctl -k`: the `[…]` prefix is already dropped.
    (
        "journal-kernel",
        "Jan 15 10:23:45 host kernel: Out of memory: Killed process 6439 (tracker-miner-f) total-vm:127921280kB, anon-rss:60906104kB, file-rss:0kB, shmem-rss:4kB, UID:1000 pgtables:249416kB oom_score_adj:0",
        "Out of memory: Killed process 6439 (tracker-miner-f) total-vm:127921280kB, anon-rss:60906104kB, file-rss:0kB, shmem-rss:4kB, UID:1000 pgtables:249416kB oom_score_adj:0",
        yearless(1, 15, 10, 23, 45),
        "host",
        "syslog",
    ),
    # §6 short-iso example, verbatim apart from the elided tail.
    (
        "journal-short-iso-kernel",
        "2024-01-15T10:23:45+0000 host kernel: Out of memory: Killed process 6439 (tracker-miner-f)",
        "Out of memory: Killed process 6439 (tracker-miner-f)",
        utc(2024, 1, 15, 10, 23, 45),
        "host",
        "journal-iso",
    ),
    # §8: whether the newest systemd puts a colon in the short-iso offset is unconfirmed.
    (
        "journal-short-iso-colon",
        "2024-01-15T10:23:45+00:00 host kernel: Out of memory: Killed process 6439 (tracker-miner-f)",
        "Out of memory: Killed process 6439 (tracker-miner-f)",
        utc(2024, 1, 15, 10, 23, 45),
        "host",
        "journal-iso",
    ),
    # §0.3 any RFC 3339 prefix with an offset that no platform above claims.
    (
        "rfc3339-offset",
        f"2025-07-30T11:10:08.123-03:00 {L1}",
        L1,
        T1 + 0.123,
        "",
        "rfc3339",
    ),
    # §4.1 systemd unit line, verbatim.
    (
        "journal-systemd",
        "Sep 23 14:09:18 ip-172-31-16-253 systemd[1]: erigon.service: A process of this unit has been killed by the OOM killer.",
        "erigon.service: A process of this unit has been killed by the OOM killer.",
        yearless(9, 23, 14, 9, 18),
        "ip-172-31-16-253",
        "syslog",
    ),
    # Corpus 101: only the first ident is removed; the kernel's own `gunicorn[9604]:` stays.
    (
        "syslog-kernel-segfault",
        "Mar 22 04:21:48 stg-chef-loom-server kernel: gunicorn[9604]: segfault at 0 ip           (null) sp 00007fff446b17b8 error 14 in python2.7[400000+31e000]",
        "gunicorn[9604]: segfault at 0 ip           (null) sp 00007fff446b17b8 error 14 in python2.7[400000+31e000]",
        yearless(3, 22, 4, 21, 48),
        "stg-chef-loom-server",
        "syslog",
    ),
    # Corpus 104 (leading space as posted): Papertrail-style Heroku; the dyno is the instance.
    (
        "syslog-papertrail-heroku",
        " Oct 16 08:37:11 live-opentech-fund heroku/web.1: Error R14 (Memory quota exceeded)",
        "Error R14 (Memory quota exceeded)",
        yearless(10, 16, 8, 37, 11),
        "web.1",
        "syslog",
    ),
    # Gunicorn `--log-syslog` (`gunicorn.<name>.error: [pid] message`, see
    # recognizers/gunicorn.py SYSLOG_CORE): the tag is what marks the line, so it stays.
    (
        "syslog-gunicorn-tag",
        "Jul 30 14:10:08 web01 gunicorn.myapp.error: [85] WORKER TIMEOUT (pid:96)",
        "gunicorn.myapp.error: [85] WORKER TIMEOUT (pid:96)",
        S1,
        "web01",
        "syslog",
    ),
    # §6 RFC 3164 example, verbatim.
    (
        "rfc3164-doc",
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "'su root' failed for lonvick on /dev/pts/8",
        yearless(10, 11, 22, 14, 15),
        "mymachine",
        "rfc3164",
    ),
    # §4.1 dmesg and dmesg -T kernel lines.
    (
        "dmesg-oom",
        "[  142.890123] Memory cgroup out of memory: Killed process 28914 (llama-server) total-vm:2418296kB, anon-rss:2048512kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4832kB oom_score_adj:998",
        "Memory cgroup out of memory: Killed process 28914 (llama-server) total-vm:2418296kB, anon-rss:2048512kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4832kB oom_score_adj:998",
        None,
        "",
        "dmesg",
    ),
    (
        "dmesg-big-uptime",
        "[337533.314412] Memory cgroup out of memory: Killed process 23793 (leaker) total-vm:2623712kB, anon-rss:506500kB, file-rss:1268kB, shmem-rss:0kB",
        "Memory cgroup out of memory: Killed process 23793 (leaker) total-vm:2623712kB, anon-rss:506500kB, file-rss:1268kB, shmem-rss:0kB",
        None,
        "",
        "dmesg",
    ),
    (
        "dmesg-T-oom",
        "[Mon Jan 15 10:23:45 2024] Out of memory: Killed process 6439 (tracker-miner-f)",
        "Out of memory: Killed process 6439 (tracker-miner-f)",
        utc(2024, 1, 15, 10, 23, 45),
        "",
        "dmesg-T",
    ),
    # §5.4 Fly, verbatim: the message follows `]` directly (tracing pads INFO to ` INFO`).
    (
        "fly-init",
        "2026-05-31T03:10:45Z app[8e40d3b769e2d8] dfw [info] INFO Main child exited normally with code: 0",
        " INFO Main child exited normally with code: 0",
        utc(2026, 5, 31, 3, 10, 45),
        "8e40d3b769e2d8",
        "fly",
    ),
    (
        "fly-proxy",
        '2026-05-31T03:12:36Z proxy[8e40d3b769e2d8] dfw [error]error.message="machine was recently stopped and is unavailable to service request"',
        'error.message="machine was recently stopped and is unavailable to service request"',
        utc(2026, 5, 31, 3, 12, 36),
        "8e40d3b769e2d8",
        "fly",
    ),
    # §5.4 "Kernel lines are embedded with their dmesg prefix": Fly around dmesg.
    (
        "fly+dmesg",
        "2026-05-31T03:10:45Z app[8e40d3b769e2d8] dfw [info][  368.350727] reboot: Restarting system",
        "reboot: Restarting system",
        utc(2026, 5, 31, 3, 10, 45),
        "8e40d3b769e2d8",
        "fly+dmesg",
    ),
    # Corpus 120 (Azure App Service): a 9-digit stamp before an access line.
    (
        "docker-access",
        '2022-09-27T05:33:58.238025829Z 172.16.2.1 - - [27/Sep/2022:05:33:58 +0000] "GET / HTTP/1.1" 200 7712',
        '172.16.2.1 - - [27/Sep/2022:05:33:58 +0000] "GET / HTTP/1.1" 200 7712',
        utc(2022, 9, 27, 5, 33, 58) + 0.238025829,
        "",
        "docker",
    ),
    # §6 CRI: a partial line (P) is passed on as it is.
    (
        "cri-partial",
        "2016-10-06T00:17:09.669794202Z stdout P first half of a long",
        "first half of a long",
        utc(2016, 10, 6, 0, 17, 9) + 0.669794202,
        "",
        "cri",
    ),
    # §1.4 legacy Render CLI `--json`: fields `deployID` and `text`.
    (
        "json-legacy-render",
        '{"deployID": "dep-abc123", "text": "==> Deploying..."}',
        "==> Deploying...",
        None,
        "",
        "json",
    ),
    # §1.2 a deploy-phase Render object has no instance label: the resource stands in.
    (
        "render-json-deploy",
        '{"id": "x1", "labels": [{"name": "resource", "value": "srv-abc123"}, {"name": "type", "value": "deploy"}], "message": "==> Your service is live 🎉", "timestamp": "2026-03-27T14:34:36.521Z"}',
        "==> Your service is live 🎉",
        utc(2026, 3, 27, 14, 34, 36) + 0.521,
        "srv-abc123",
        "render-json",
    ),
    # Python logging's asctime in a JSON formatter (zone-less: UTC), `ts` as epoch seconds.
    (
        "json-asctime",
        '{"asctime": "2025-07-30 14:10:08,123", "levelname": "ERROR", "message": "boom", "container_name": "api"}',
        "boom",
        T1 + 0.123,
        "api",
        "json",
    ),
    (
        "json-ts-epoch",
        '{"level": "error", "ts": 1753884608.5, "msg": "boom", "host": "web-3"}',
        "boom",
        T1 + 0.5,
        "web-3",
        "json",
    ),
]


@pytest.mark.parametrize(
    ("line", "message", "ts", "instance", "wrapper"),
    [pytest.param(*case[1:], id=case[0]) for case in PLATFORM],
)
def test_platform_lines(
    line: str, message: str, ts: float | None, instance: str, wrapper: str
) -> None:
    env = unwrap(line)
    assert env.message == message
    if ts is None:
        assert env.ts is None
    else:
        assert env.ts == pytest.approx(ts, abs=1e-6)
    assert env.instance == instance
    assert env.wrapper == wrapper


BARE = [
    pytest.param(L1, id="gunicorn-1"),
    pytest.param(L2, id="gunicorn-2"),
    pytest.param(L3, id="gunicorn-3"),
    pytest.param("", id="empty"),
    pytest.param("[85] [CRITICAL] WORKER TIMEOUT (pid:96)", id="gunicorn-no-timestamp"),
    pytest.param("Traceback (most recent call last):", id="traceback-header"),
    pytest.param('  File "/app/views.py", line 12, in index', id="traceback-frame"),
    pytest.param("INFO:     Child process [8] died", id="uvicorn"),
    # Python logging's default asctime is an app line, not a wrapper.
    pytest.param("2025-07-30 14:10:08,123 INFO something", id="python-logging"),
    pytest.param("2025-07-30 14:10:08 [INFO] something", id="python-logging-datefmt"),
    # Corpus 110: Gunicorn 0.x's own unbracketed stamp before `[pid] [LEVEL]`.
    pytest.param("2012-07-13 14:59:27 [2] [CRITICAL] WORKER TIMEOUT (pid:7)", id="gunicorn-0.x"),
    # Corpus 109: a bracketed asctime (not Gunicorn's) keeps its stamp.
    pytest.param(
        "[2023-07-12 17:57:42,849] ERROR None 29 Killing worker 29", id="bracketed-asctime"
    ),
    # ` | ` in the middle is not a compose prefix.
    pytest.param("GET /api/orders | 200 | 12ms", id="pipe-in-middle"),
    pytest.param("worker | started", id="pipe-one-space"),
    pytest.param("INFO     | app.main:run:12 - started", id="pipe-level-column"),
    pytest.param("200   | GET /", id="pipe-number-column"),
    pytest.param(
        '[GIN] 2022/06/13 - 14:52:23 | 200 |    1.428101ms |  181.167.87.140 | GET      "/"',
        id="gin",
    ),
    # Corpus 116: a progress bar with ` | ` and a Gunicorn line glued on.
    pytest.param(
        "Downloading shards:   0%|          | 0/7 [00:00<?, ?it/s][2024-02-29 11:59:13 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:8)",
        id="tqdm",
    ),
    # §5.1 nginx lines.
    pytest.param(
        "2024/02/18 07:57:20 [error] 30#30: *1 upstream prematurely closed connection while reading response header from upstream, client: 172.31.0.1",
        id="nginx-error",
    ),
    pytest.param(
        '120.52.92.188 - - [09/Nov/2016:00:59:32 +0800] "GET /hexo HTTP/1.1" 502 575 "-" "Mozilla/5.0" "-"',
        id="nginx-access",
    ),
    # Corpus 105: a JSON config dump has no message field.
    pytest.param(
        '{"loglevel": "info", "workers": 64, "bind": "0.0.0.0:80", "host": "0.0.0.0", "port": "80"}',
        id="json-without-message",
    ),
    pytest.param("{not json}", id="json-invalid"),
    pytest.param('["message", "x"]', id="json-array"),
    # A month name that is not a syslog stamp.
    pytest.param("May the worker boot", id="month-word"),
    pytest.param("Jul 30 was the day it broke", id="month-date-words"),
    pytest.param("[Errno 111] Connection refused", id="bracket-word"),
    pytest.param("<html>", id="angle-bracket"),
    pytest.param("│x", id="box-char-not-k9s"),
]


@pytest.mark.parametrize("line", BARE)
def test_bare_lines_unchanged(line: str) -> None:
    assert unwrap(line) == Envelope(line, None, "", "")


def test_json_traceback_keeps_its_newlines() -> None:
    # A traceback JSON-escaped onto one line (structlog/python-json-logger `exc_info`).
    line = (
        '{"timestamp": "2025-07-30T14:10:10Z", "level": "error", "message": "Traceback (most recent call last):\\n'
        '  File \\"/app/views.py\\", line 12, in index\\n    rows = run_report()\\n'
        'TimeoutError: report took too long"}'
    )
    env = unwrap(line)
    assert env.message == (
        "Traceback (most recent call last):\n"
        '  File "/app/views.py", line 12, in index\n'
        "    rows = run_report()\n"
        "TimeoutError: report took too long"
    )
    assert env.ts == T3
    assert env.wrapper == "json"


def test_docker_json_strips_one_newline_only() -> None:
    line = '{"log":"  indented\\n\\n","stream":"stdout","time":"2025-07-30T14:10:08.000000000Z"}'
    assert unwrap(line).message == "  indented\n"


@pytest.mark.parametrize(
    ("line", "message", "wrapper"),
    [
        pytest.param(f"\x1b[36mweb-1  | \x1b[0m{L1}", L1, "docker-compose", id="compose-colour"),
        pytest.param(f"\x1b[32m{L1}\x1b(B\x1b[m", L1, "", id="bare-colour"),
        # §0.5: build/deploy lines carry colour codes; in JSON they arrive as \u001b.
        pytest.param(
            '{"message": "\\u001b[1;32m==> Build successful 🎉\\u001b[0m", "timestamp": "2026-05-20T18:19:00.283639334Z"}',
            "==> Build successful 🎉",
            "json",
            id="json-colour",
        ),
    ],
)
def test_ansi_stripped(line: str, message: str, wrapper: str) -> None:
    env = unwrap(line)
    assert env.message == message
    assert env.wrapper == wrapper


@pytest.mark.parametrize(
    ("line", "message", "wrapper"),
    [
        pytest.param(L1 + "\r", L1, "", id="bare"),
        pytest.param(f"2025-07-30 14:10:08  {L1}\r", L1, "render-text", id="render-text"),
        pytest.param(f"web-1  | {L2}\r", L2, "docker-compose", id="compose"),
        pytest.param(
            '{"log":"' + L3 + '\\r\\n","stream":"stderr","time":"2025-07-30T14:10:10Z"}',
            L3,
            "docker-json",
            id="docker-json",
        ),
    ],
)
def test_crlf(line: str, message: str, wrapper: str) -> None:
    env = unwrap(line)
    assert env.message == message
    assert env.wrapper == wrapper


NESTED = [
    # Compose around a JSON-lines logger: the instance from compose, the time from JSON.
    pytest.param(
        "web-1  | "
        + '{"timestamp": "2025-07-30T14:10:08Z", "message": "'
        + L1
        + '", "hostname": "c0ffee"}',
        L1,
        T1,
        "web-1",
        "docker-compose+json",
        id="compose+json",
    ),
    # kubectl --timestamps around a CRI line (a log shipper's pod): the outer time wins.
    pytest.param(
        f"2025-07-30T14:10:09.000000000Z 2025-07-30T14:10:08.669794202Z stderr F {L1}",
        L1,
        T2,
        "",
        "docker+cri",
        id="kubectl-timestamps+cri",
    ),
    # A k9s pane around kubectl --prefix output.
    pytest.param(
        f"│ [pod/web-7d4b9c6f5-x2x9k/web] {L2}   ",
        L2,
        None,
        "web-7d4b9c6f5-x2x9k",
        "k9s+kubectl-prefix",
        id="k9s+kubectl-prefix",
    ),
    # Heroku around a JSON logger: the dyno and the Heroku time are kept.
    pytest.param(
        '2025-07-30T14:10:10.146914+00:00 app[web.1]: {"msg": "'
        + L3
        + '", "time": "2025-07-30T14:10:09Z", "pod": "x"}',
        L3,
        T3 + 0.146914,
        "web.1",
        "heroku+json",
        id="heroku+json",
    ),
    # Render text around a Render dashboard copy (a paste of a paste).
    pytest.param(
        f"2025-07-30 14:10:08  2025-07-30T14:10:07.5Z {L1}",
        L1,
        T1,
        "",
        "render-text+render-dashboard",
        id="render-text+render-dashboard",
    ),
]


@pytest.mark.parametrize(("line", "message", "ts", "instance", "wrapper"), NESTED)
def test_nested_wrappers(
    line: str, message: str, ts: float | None, instance: str, wrapper: str
) -> None:
    env = unwrap(line)
    assert env.message == message
    if ts is None:
        assert env.ts is None
    else:
        assert env.ts == pytest.approx(ts, abs=1e-6)
    assert env.instance == instance
    assert env.wrapper == wrapper


def test_nesting_is_bounded() -> None:
    line = "│ " * 10 + L1
    env = unwrap(line)
    assert env.wrapper == "k9s+k9s+k9s+k9s"
    assert env.message == "│ " * 6 + L1


def test_yearless_stamp_is_never_far_in_the_future() -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=2)
    stamp = tomorrow.strftime("%b %d %H:%M:%S")
    env = unwrap(f"{stamp} host gunicorn[85]: {L1}")
    assert env.ts is not None
    assert env.ts <= datetime.now(UTC).timestamp() + 86400
    assert datetime.fromtimestamp(env.ts, UTC).year == tomorrow.year - 1


def test_feb_29_falls_back_to_a_leap_year() -> None:
    env = unwrap(f"Feb 29 17:29:13 host gunicorn[8]: {L2}")
    assert env.ts is not None
    year = datetime.fromtimestamp(env.ts, UTC).year
    assert year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def test_unwrap_returns_an_envelope_the_caller_can_read_by_name() -> None:
    env = unwrap(f"web-1  | {L1}")
    message, ts, instance = env.message, env.ts, env.instance
    assert (message, ts, instance) == (L1, None, "web-1")
    assert env[0] == message and env[3] == "docker-compose"


def test_strip_ansi() -> None:
    assert strip_ansi("\x1b[31mred\x1b[0m \x1b(Bplain") == "red plain"
    assert strip_ansi("plain") == "plain"


# Real corpus lines: (case, line number, wrapper, instance, message start).
CORPUS = [
    pytest.param(
        "101",
        1,
        "syslog",
        "stg-chef-loom-server",
        "Out of memory: Kill process",
        id="101-syslog-kernel",
    ),
    pytest.param("102", 1, "k9s", "", "[2023-05-11 18:13:57 +0000] [7] [WARNING]", id="102-k9s"),
    pytest.param(
        "103",
        6,
        "syslog",
        "ip-10-0-0-236",
        "Out of memory: Kill process 25456",
        id="103-syslog-kernel-dmesg",
    ),
    pytest.param(
        "104", 1, "syslog", "web.1", "Error R14 (Memory quota exceeded)", id="104-papertrail-heroku"
    ),
    pytest.param("106", 2, "heroku", "web.1", "Process running mem=549M(107.4%)", id="106-heroku"),
    pytest.param(
        "109",
        1,
        "docker-compose",
        "koku_server",
        "[2023-07-12 17:57:42 +0000] [26]",
        id="109-compose",
    ),
    pytest.param(
        "109",
        3,
        "docker-compose",
        "koku_server",
        '  File "/opt/koku/.venv/bin/gunicorn"',
        id="109-compose-frame",
    ),
    pytest.param(
        "110",
        3,
        "heroku",
        "web.1",
        "2012-07-13 14:59:27 [2] [CRITICAL]",
        id="110-heroku-gunicorn-0.x",
    ),
    pytest.param(
        "116", 3, "date-prefix", "", "[2024-02-29 11:59:13 +0000] [8] [INFO]", id="116-date-prefix"
    ),
    pytest.param(
        "117",
        1,
        "docker-compose",
        "api_1",
        "[2018-12-24 17:27:33 +0000] [1] [INFO]",
        id="117-compose",
    ),
    pytest.param(
        "120", 4, "docker", "", "[2022-09-27 05:34:00 +0000] [1881] [INFO]", id="120-azure"
    ),
    pytest.param(
        "122", 1, "docker-compose", "nginx_1", "172.24.0.1 - - [01/Feb/2019", id="122-compose"
    ),
]


@pytest.mark.parametrize(("case", "number", "wrapper", "instance", "start"), CORPUS)
def test_corpus_shapes(
    shared: Path, case: str, number: int, wrapper: str, instance: str, start: str
) -> None:
    text = (shared / "corpus" / "real" / f"{case}.log").read_text(encoding="utf-8")
    env = unwrap(text.splitlines()[number - 1])
    assert (env.wrapper, env.instance) == (wrapper, instance)
    assert env.message.startswith(start)


def test_corpus_messages_are_suffixes(shared: Path) -> None:
    # Outside JSON, unwrapping only ever cuts a prefix (and k9s pane padding).
    for path in sorted((shared / "corpus" / "real").glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            env = unwrap(line)
            if "json" not in env.wrapper and "k9s" not in env.wrapper:
                assert line.endswith(env.message), (path.name, line)
