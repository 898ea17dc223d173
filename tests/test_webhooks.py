"""The webhook sender against real HTTP servers on 127.0.0.1, and the Slack message."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from diagnoser import __version__
from diagnoser.webhooks import (
    WebhookError,
    WebhookSender,
    check_url,
    parse_header,
    redact,
    slack_message,
)

FINDING: dict[str, Any] = {
    "rule": "timeout-sigkill",
    "cause": "slow_request",
    "severity": "critical",
    "confidence": 0.95,
    "title": "Gunicorn killed worker 96 for running past its timeout; the SIGKILL was not out of memory",
    "explanation": "Worker 96 stopped sending its heartbeat for longer than Gunicorn's `timeout`.",
    "settled": True,
    "occurrences": 1,
    "workers": [{"instance": "srv-abc-54m4m", "pid": 96}],
    "places": [],
    "evidence": [
        {
            "line": 1,
            "text": "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
            "time": "2025-07-30T11:10:08-03:00",
        },
        {
            "line": 3,
            "text": "[2025-07-30 11:10:10 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?",
            "time": "2025-07-30T11:10:10-03:00",
        },
    ],
    "evidence_omitted": 0,
    "fix": {
        "id": "gunicorn-timeout",
        "title": "Give slow requests more time (after finding why they are slow)",
        "file": "gunicorn.conf.py",
        "snippet": "timeout = 60\n",
        "runbook_section": "1. Optimized Gunicorn configuration (gunicorn.conf.py)",
        "caveat": "A longer timeout only hides a slow endpoint.",
        "current": "timeout = 30  (Gunicorn's default)",
        "status": "suggested",
        "note": "",
    },
    "also": [],
    "for": ["No kernel or platform out-of-memory line anywhere."],
    "against": [],
}
RECORD: dict[str, Any] = {
    "type": "incident",
    "id": "inc-3f2a9c1b7d",
    "state": "confirmed",
    "rule": "timeout-sigkill",
    "severity": "critical",
    "wall_time": "2026-12-02T16:00:00Z",
    "log_time": "2025-07-30T11:10:10-03:00",
    "instance": "srv-abc-54m4m",
    "pid": 96,
    "finding": FINDING,
}
HOSTILE = "evil <!channel> & `` ``` \u202e end"
FAST = {"backoff": 0.01, "max_backoff": 0.05}


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that answers `answer(n)` to its n-th request
    (0-based), after waiting for `release` when `stall` is set."""

    answer: Callable[[int], tuple[int, dict[str, str]]]
    stall: bool = False
    requests: list[tuple[dict[str, str], bytes, float]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def seen(self) -> int:
        return len(self.requests)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib takes proxies from the environment; these servers are local
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def serve() -> Iterator[Callable[..., Receiver]]:
    """Start receivers; every one is released and shut down at the end."""
    started: list[tuple[Receiver, ThreadingHTTPServer]] = []

    def start(
        answer: Callable[[int], tuple[int, dict[str, str]]] = lambda n: (200, {}),
        *,
        stall: bool = False,
    ) -> Receiver:
        receiver = Receiver(answer, stall)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body, time.monotonic()))
                index = len(receiver.requests) - 1
                receiver.arrived.set()
                if receiver.stall:
                    receiver.release.wait(30)
                status, headers = receiver.answer(index)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, *args: Any) -> None:
                pass  # a client that gave up first: not the test's concern

        server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        started.append((receiver, server))
        return receiver

    yield start
    for receiver, server in started:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_a_record_is_posted_once_as_json(serve: Callable[..., Receiver]) -> None:
    receiver = serve()
    sender = WebhookSender([receiver.url], headers=[("Authorization", "Bearer s3cret")])
    sender.start()
    record = copy.deepcopy(RECORD)
    record["finding"]["evidence"][0]["text"] = HOSTILE
    assert sender.submit(record) is True
    sender.close(5)
    assert receiver.seen() == 1
    headers, body, _ = receiver.requests[0]
    assert json.loads(body.decode("utf-8")) == record
    assert "\u202e".encode() not in body  # written as \u202e, decoding to the same text
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["User-Agent"] == f"diagnoser/{__version__}"
    assert sender.stats[receiver.url].delivered == 1
    assert sender.total.delivered == 1 and sender.total.failed == sender.total.dropped == 0


def test_a_500_is_retried_then_delivered(serve: Callable[..., Receiver]) -> None:
    receiver = serve(lambda n: (500, {}) if n == 0 else (200, {}))
    sender = WebhookSender([receiver.url], **FAST)
    sender.start()
    sender.submit(RECORD)
    sender.close(5)
    stats = sender.stats[receiver.url]
    assert (stats.delivered, stats.failed, stats.dropped) == (1, 0, 0)
    assert stats.retried >= 1
    assert receiver.seen() == 2


def test_retry_after_is_followed_up_to_max_backoff(serve: Callable[..., Receiver]) -> None:
    asked = serve(lambda n: (429, {"Retry-After": "0.2"}) if n == 0 else (200, {}))
    capped = serve(lambda n: (503, {"Retry-After": "3600"}) if n == 0 else (200, {}))
    sender = WebhookSender([asked.url, capped.url], backoff=0.01, max_backoff=0.3)
    sender.start()
    started = time.monotonic()
    sender.submit(RECORD)
    sender.close(5)
    assert time.monotonic() - started < 2
    assert sender.total.delivered == 2 and sender.total.retried == 2
    gap = asked.requests[1][2] - asked.requests[0][2]
    assert 0.2 <= gap < 1  # exactly what was asked, no jitter below it
    assert capped.requests[1][2] - capped.requests[0][2] < 1


def test_a_full_queue_drops_without_blocking(serve: Callable[..., Receiver]) -> None:
    receiver = serve(stall=True)
    sender = WebhookSender([receiver.url], queue_size=3, **FAST)
    sender.start()
    assert sender.submit(RECORD)
    assert receiver.arrived.wait(5)  # the first is in flight, held by the server
    accepted = 1
    for _ in range(19):
        started = time.perf_counter()
        accepted += sender.submit(RECORD)
        assert time.perf_counter() - started < 0.05
    assert accepted == 1 + 3  # in flight, and the queue's 3
    assert sender.stats[receiver.url].dropped == 20 - accepted
    receiver.release.set()
    sender.close(5)
    total = sender.total
    assert total.delivered == accepted
    assert total.delivered + total.dropped + total.failed == 20


def test_a_slow_url_does_not_hold_up_the_others(serve: Callable[..., Receiver]) -> None:
    slow = serve(stall=True)
    fast = serve()
    sender = WebhookSender([slow.url, fast.url], **FAST)
    sender.start()
    sender.submit(RECORD)
    assert slow.arrived.wait(5)  # and held there
    assert wait_for(lambda: sender.stats[fast.url].delivered == 1, 2)
    assert sender.stats[slow.url].delivered == 0 and slow.seen() == 1
    slow.release.set()
    sender.close(5)
    assert sender.total.delivered == 2


def test_a_request_past_its_timeout_is_retried_then_failed(
    serve: Callable[..., Receiver], capfd: pytest.CaptureFixture[str]
) -> None:
    receiver = serve(stall=True)
    sender = WebhookSender([receiver.url], timeout=0.2, retries=1, **FAST)
    sender.start()
    sender.submit(RECORD)
    started = time.monotonic()
    sender.close(3)
    assert time.monotonic() - started < 1.5  # two 0.2 s attempts, well within the deadline
    stats = sender.stats[receiver.url]
    assert (stats.delivered, stats.failed, stats.dropped, stats.retried) == (0, 1, 0, 1)
    assert receiver.seen() == 2
    assert capfd.readouterr().err == ""  # nothing printed by the sender's thread


def test_close_keeps_its_deadline_and_counts_the_rest_dropped(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(stall=True)
    sender = WebhookSender([receiver.url], timeout=10, queue_size=10, **FAST)
    sender.start()
    for _ in range(3):
        sender.submit(RECORD)
    assert receiver.arrived.wait(5)
    started = time.monotonic()
    sender.close(0.3)
    assert 0.25 <= time.monotonic() - started < 0.8
    assert sender.stats[receiver.url].dropped == 3
    # the answer that comes after `close` gave up is not counted a second time
    receiver.release.set()
    thread = next(t for t in threading.enumerate() if t.name == f"webhook {redact(receiver.url)}")
    thread.join(5)
    assert not thread.is_alive()
    assert sender.total.dropped == 3 and sender.total.delivered == 0
    assert sender.submit(RECORD) is False  # closed: counted, not queued
    assert sender.total.dropped == 4


def test_a_4xx_is_final(serve: Callable[..., Receiver]) -> None:
    receiver = serve(lambda n: (404, {}))
    sender = WebhookSender([receiver.url], **FAST)
    sender.start()
    sender.submit(RECORD)
    sender.close(5)
    stats = sender.stats[receiver.url]
    assert (stats.delivered, stats.failed, stats.retried) == (0, 1, 0)
    assert receiver.seen() == 1


def test_a_refused_connection_is_retried_then_failed() -> None:
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WebhookSender([f"http://127.0.0.1:{port}/hook"], retries=2, **FAST)
    sender.start()
    sender.submit(RECORD)
    sender.close(5)
    stats = sender.total
    assert (stats.delivered, stats.failed, stats.dropped, stats.retried) == (0, 1, 0, 2)


def test_slack_message_shape_and_escaping(serve: Callable[..., Receiver]) -> None:
    receiver = serve()
    record = copy.deepcopy(RECORD)
    record["finding"]["evidence"].append({"line": 4, "text": HOSTILE, "time": None})
    sender = WebhookSender([receiver.url], fmt="slack")
    sender.start()
    sender.submit(record)
    sender.close(5)
    headers, body, _ = receiver.requests[0]
    assert headers["Content-Type"].startswith("application/json")
    message = json.loads(body.decode("utf-8"))
    assert message == json.loads(json.dumps(slack_message(record)))
    assert set(message) >= {"text", "blocks"} and "\n" not in message["text"]
    texts = _texts(message)
    shown = "\n".join(texts)
    for expected in ("slow_request", FINDING["title"], "pid 96", "srv-abc-54m4m"):
        assert expected in shown
    assert FINDING["fix"]["title"] in shown and "timeout = 60" in shown
    assert "<!channel>" not in body.decode("utf-8") and "<!channel>" not in shown
    assert "\u202e" not in shown and "\\u202e" in shown  # shown as an escape, not applied
    evidence = next(text for text in texts if text.startswith("*Evidence*"))
    inside = evidence.split("```\n", 1)[1].rsplit("\n```", 1)[0]
    assert "`" not in inside  # nothing in it can close the block early
    assert "4: evil &lt;!channel&gt; &amp; " in inside
    assert evidence.count("```") == 2 and evidence.endswith("```")


def test_slack_blocks_stay_under_the_limit() -> None:
    record = copy.deepcopy(RECORD)
    record["finding"]["evidence"] = [
        {"line": n, "text": "<&>" * 400, "time": None} for n in range(1, 21)
    ]
    record["finding"]["evidence_omitted"] = 5
    record["finding"]["title"] = "<" * 5000
    record["finding"]["fix"]["snippet"] = "`" * 4000 + "\n" + "x" * 4000
    message = slack_message(record)
    texts = _texts(message)
    assert all(len(text) < 3000 for text in texts)
    evidence = next(text for text in texts if text.startswith("*Evidence*"))
    assert evidence.count("```") == 2 and "+17 more lines" in evidence
    assert len(evidence.split("```")[1].strip("\n").splitlines()) <= 8
    fix = next(text for text in texts if text.startswith("*Fix:*"))
    assert fix.count("```") == 2 and fix.endswith("```")


def test_slack_message_survives_a_sparse_record() -> None:
    message = slack_message({"type": "incident", "pid": "x", "finding": ["not a finding"]})
    assert message["text"] and message["blocks"]
    assert all(len(text) < 3000 for text in _texts(message))


def _texts(message: dict[str, Any]) -> list[str]:
    """Every mrkdwn text of a message's blocks."""
    out = []
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(item["text"] for item in block.get("fields", []) + block.get("elements", []))
    return out


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "http://",
        "localhost:8080/hook",
        "https://exa mple.com/hook",
        "http://example.com:port/",
        "https://user:pw@example.com/hook",
        "",
    ],
)
def test_a_bad_url_is_a_one_line_error(url: str) -> None:
    with pytest.raises(WebhookError) as raised:
        check_url(url)
    assert str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(WebhookError):
        WebhookSender([url])


def test_good_urls_pass_and_are_redacted_for_display() -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
    assert check_url(url) == url
    assert check_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert redact(url) == "https://hooks.slack.com/…"
    assert "XXXX" not in redact(url)


@pytest.mark.parametrize(
    "text",
    [
        "NoColon",
        ": value",
        "X-A: b\r\nX-Injected: 1",
        "X-A: b\nc",
        "X A: b",
        "Content-Length: 5",
        "X-A: caf\u00e9",
    ],
)
def test_a_bad_header_is_a_one_line_error(text: str) -> None:
    with pytest.raises(WebhookError) as raised:
        parse_header(text)
    assert str(raised.value) and "\n" not in str(raised.value) and "\r" not in str(raised.value)


def test_a_header_parses_to_name_and_value() -> None:
    assert parse_header("Authorization: Bearer x") == ("Authorization", "Bearer x")
    assert parse_header("X-Token:a:b") == ("X-Token", "a:b")
    with pytest.raises(WebhookError):
        WebhookSender(["http://127.0.0.1/"], headers=[("X-A", "b\r\nX-B: c")])
    with pytest.raises(WebhookError):
        WebhookSender(["http://127.0.0.1/"], fmt="xml")
