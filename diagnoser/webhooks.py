"""Webhooks: each confirmed incident POSTed to the URLs given, off the read loop.

`watch` must never wait on the network, so `WebhookSender.submit` only appends
the encoded body to a bounded queue per URL and returns; one daemon thread per
URL delivers its queue in order, so a slow or dead receiver holds up only
itself. A full queue drops the new incident and counts it (`dropped`), rather
than grow without bound or block. Delivery retries connection errors,
timeouts, 5xx and 429 with exponential backoff and jitter (a numeric
`Retry-After` is followed, up to `max_backoff`); any other answer that is not
2xx is final (`failed`): the request itself is wrong and sending it again will
not help. Nothing raises out of a sender thread.

HTTP is the standard library's (`urllib.request`): proxies from the
environment apply; redirects are not followed (a POST redirected is a webhook
URL to correct, not something to resend elsewhere).
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from diagnoser import __version__
from diagnoser.report.safe import json_dumps, printable
from diagnoser.report.slack import slack_message

__all__ = [
    "FORMATS",
    "WebhookError",
    "WebhookSender",
    "WebhookStats",
    "check_url",
    "parse_header",
    "redact",
    "slack_message",
]

FORMATS = ("json", "slack")
USER_AGENT = f"diagnoser/{__version__}"
# An answer's body is read (so the connection ends cleanly) but not kept.
_READ_LIMIT = 64 * 1024
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP field name (RFC 9110)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab is allowed in a field value
# Fields the sender sets itself from the body it sends.
_RESERVED = frozenset({"content-length", "content-type", "host", "transfer-encoding"})


class WebhookError(ValueError):
    """A webhook URL or header given by the user is unusable: a one-line message."""


@dataclass(slots=True)
class WebhookStats:
    """What became of the incidents submitted for one URL (or for all)."""

    delivered: int = 0  # answered 2xx
    failed: int = 0  # a final error answer, or retries spent
    dropped: int = 0  # its queue was full, or `close` ran out of time
    retried: int = 0  # requests sent again (one incident may count several)

    def __add__(self, other: WebhookStats) -> WebhookStats:
        return WebhookStats(
            self.delivered + other.delivered,
            self.failed + other.failed,
            self.dropped + other.dropped,
            self.retried + other.retried,
        )


def parse_header(text: str) -> tuple[str, str]:
    """`'Name: value'` (as `--webhook-header` takes it) as `(name, value)`."""
    name, colon, value = text.partition(":")
    name, value = name.strip(), value.strip()
    shown = printable(text[:60]) + ("…" if len(text) > 60 else "")
    if not colon or not name:
        raise WebhookError(f"webhook header {shown!r}: expected 'Name: value'")
    if not _TOKEN.fullmatch(name):
        raise WebhookError(f"webhook header {shown!r}: {printable(name)!r} is not a header name")
    if _CONTROL.search(value):
        raise WebhookError(f"webhook header {shown!r}: a line break or control character in it")
    if not value.isascii():
        raise WebhookError(f"webhook header {shown!r}: only ASCII is sent in a header value")
    if name.lower() in _RESERVED:
        raise WebhookError(f"webhook header {shown!r}: {name} is set by diagnoser")
    return name, value


def check_url(url: str) -> str:
    """`url` if it is an http:// or https:// URL with a host, else WebhookError."""
    shown = printable(url[:80]) + ("…" if len(url) > 80 else "")
    if not url or any(char.isspace() or not char.isprintable() for char in url):
        raise WebhookError(f"webhook URL {shown!r}: empty, or a space or control character in it")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as error:
        raise WebhookError(f"webhook URL {shown!r}: {error}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise WebhookError(f"webhook URL {shown!r}: must start with http:// or https://")
    if not parts.hostname:
        raise WebhookError(f"webhook URL {shown!r}: no host")
    if "@" in parts.netloc:
        raise WebhookError(
            f"webhook URL {redact(url)!r}: credentials in the URL are not sent; "
            "use --webhook-header 'Authorization: ...'"
        )
    return url


def redact(url: str) -> str:
    """`url` without its path and query, to print: a Slack webhook's path is its secret."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{rest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then comes back as an HTTPError: final


class _Channel:
    """One URL's bounded queue, its thread and its counts, all under one lock."""

    def __init__(self, sender: WebhookSender, url: str) -> None:
        self.sender = sender
        self.url = url
        self.stats = WebhookStats()
        self.lock = threading.Lock()
        self.ready = threading.Condition(self.lock)
        self.queue: deque[bytes] = deque()
        self.in_flight = False
        self.closing = False
        self.abandoned = False  # `close` gave up on it: its thread counts nothing more
        self.deadline = float("inf")
        self.thread = threading.Thread(target=self.run, name=f"webhook {redact(url)}", daemon=True)

    def offer(self, body: bytes) -> bool:
        with self.lock:
            if self.closing or len(self.queue) >= self.sender.queue_size:
                self.stats.dropped += 1
                return False
            self.queue.append(body)
            self.ready.notify()
            return True

    def run(self) -> None:
        try:
            while True:
                with self.lock:
                    while not self.queue and not self.closing:
                        self.ready.wait()
                    if not self.queue or self.abandoned:
                        return
                    body = self.queue.popleft()
                    self.in_flight = True
                try:
                    outcome = self.deliver(body)
                except Exception:  # a bug here must cost this incident, not the thread
                    outcome = "failed"
                with self.lock:
                    self.in_flight = False
                    if self.abandoned:
                        return
                    if outcome == "delivered":
                        self.stats.delivered += 1
                    elif outcome == "failed":
                        self.stats.failed += 1
                    else:
                        self.stats.dropped += 1
        except Exception:  # a sender thread must never raise, nor print a traceback
            return

    def deliver(self, body: bytes) -> Literal["delivered", "failed", "dropped"]:
        """Send `body` until it is answered 2xx, a final error comes, or retries run out."""
        sender = self.sender
        attempt = 0
        while True:
            timeout = min(sender.timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                return "dropped"
            wait = sender._post(self.url, body, timeout)
            if wait is None:
                return "delivered"
            if wait < 0 or attempt >= sender.retries:
                return "failed"
            if wait:  # the receiver said how long: no jitter below it
                delay = min(sender.max_backoff, wait)
            else:  # jitter, so that receivers that failed together are retried apart
                delay = min(sender.max_backoff, sender.backoff * 2**attempt)
                delay = delay / 2 + random.uniform(0, delay / 2)
            resume = time.monotonic() + delay
            with self.lock:
                # `close` notifies, so a new deadline is seen during a long wait
                while resume < self.deadline and (left := resume - time.monotonic()) > 0:
                    self.ready.wait(left)
                if resume >= self.deadline:
                    return "dropped"
                self.stats.retried += 1
            attempt += 1


class WebhookSender:
    """POSTs each submitted incident record to every URL, without ever blocking `submit`.

    `fmt` is "json" (the record itself) or "slack" (`slack_message`); `headers`
    go on every request, with `User-Agent: diagnoser/<version>` unless given.
    Each URL keeps at most `queue_size` records waiting; a request that takes
    longer than `timeout` seconds is abandoned and retried, up to `retries`
    times, waiting `backoff` seconds doubled each time (at most `max_backoff`).
    """

    def __init__(
        self,
        urls: list[str],
        *,
        fmt: str = "json",
        headers: Iterable[tuple[str, str]] = (),
        queue_size: int = 1000,
        timeout: float = 5.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        if fmt not in FORMATS:
            raise WebhookError(f"webhook format {fmt!r}: expected json or slack")
        if queue_size < 1 or timeout <= 0 or retries < 0 or backoff < 0 or max_backoff < 0:
            raise ValueError("queue_size and timeout must be positive, the others not negative")
        self.fmt = fmt
        self.queue_size = queue_size
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        given = [parse_header(f"{name}: {value}") for name, value in headers]
        if not any(name.lower() == "user-agent" for name, _ in given):
            given.append(("User-Agent", USER_AGENT))
        content_type = "application/json; charset=utf-8" if fmt == "slack" else "application/json"
        self.headers = {**dict(given), "Content-Type": content_type}
        self._opener = urllib.request.build_opener(_NoRedirect())
        # one channel per distinct URL: the same URL twice would get each incident twice
        self._channels = {url: _Channel(self, url) for url in map(check_url, dict.fromkeys(urls))}
        self._started = False

    def start(self) -> None:
        """Start one delivery thread per URL."""
        if not self._started:
            self._started = True
            for channel in self._channels.values():
                channel.thread.start()

    def submit(self, record: dict[str, Any]) -> bool:
        """Queue `record` for every URL and return at once: False when a URL's queue
        was full (that URL counts it as dropped) or the record could not be encoded."""
        try:
            message = slack_message(record) if self.fmt == "slack" else record
            body = json_dumps(message).encode("utf-8")
        except Exception:  # a record the sender can't encode must not stop `watch`
            for channel in self._channels.values():
                with channel.lock:
                    channel.stats.failed += 1
            return False
        accepted = [channel.offer(body) for channel in self._channels.values()]
        return all(accepted)

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued within `timeout` seconds in all, then stop. What is
        still queued or in flight then is counted as dropped."""
        deadline = time.monotonic() + max(timeout, 0.0)
        channels = list(self._channels.values())
        for channel in channels:
            with channel.lock:
                channel.closing = True
                channel.deadline = deadline
                channel.ready.notify()
        for channel in channels:
            if channel.thread.is_alive():
                channel.thread.join(max(0.0, deadline - time.monotonic()))
            with channel.lock:
                if not channel.abandoned:
                    channel.abandoned = True
                    channel.stats.dropped += len(channel.queue) + channel.in_flight
                    channel.queue.clear()

    @property
    def stats(self) -> dict[str, WebhookStats]:
        """Per URL, a copy of its counts as they stand."""
        out = {}
        for url, channel in self._channels.items():
            with channel.lock:
                out[url] = replace(channel.stats)
        return out

    @property
    def total(self) -> WebhookStats:
        """The counts of all URLs added up."""
        return sum(self.stats.values(), WebhookStats())

    def _post(self, url: str, body: bytes, timeout: float) -> float | None:
        """One POST: None when delivered; -1 when the answer is final; else the seconds
        to wait before trying again (0 for the usual backoff)."""
        request = urllib.request.Request(url, data=body, headers=self.headers, method="POST")
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read(_READ_LIMIT)
                return None if 200 <= response.status < 300 else -1
        except urllib.error.HTTPError as error:
            with error:
                if error.code == 429 or error.code >= 500:
                    return _retry_after(error.headers.get("Retry-After"))
                return -1
        except (OSError, http.client.HTTPException):
            return 0  # refused, reset, timed out, a broken answer: worth another try


def _retry_after(value: str | None) -> float:
    """The seconds a numeric `Retry-After` asks for, else 0 (the usual backoff)."""
    try:
        seconds = float(value) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: the backoff applies
    return seconds if seconds > 0 and seconds == seconds else 0.0
