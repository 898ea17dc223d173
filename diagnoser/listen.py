"""`diagnoser listen`: a syslog receiver for Render Log Streams (RFC 5424 over TCP, TLS).

A `SyslogListener` runs an asyncio server on a thread of its own, with its own
event loop; the caller's thread takes what arrived with `batches()`. Every
connection is its own task, and every bound is a constructor argument:

- `max_connections` at once: one more is closed as soon as it is accepted (before
  any TLS handshake), and counted in `refused`;
- `max_message` bytes per message: a longer one is cut to it (counted in `cut`),
  and the rest of it skipped (`syslog_wire.Framer`);
- `read_buffer`: the bytes read from a socket at a time, and asyncio's read-ahead
  for it; with `max_message`, what one connection can hold (`max_message` plus
  about four `read_buffer`s), however long a line that never ends;
- `idle_timeout` seconds without a byte: the connection is closed (`idle_closed`);
- `queue_size` messages waiting for the consumer: when it is full a connection
  stops reading its socket until there is room, so a slow consumer slows the
  senders (TCP backpressure) instead of growing memory.

Each message becomes one `Line`: `source` is "syslog:" + its HOSTNAME (Render's
service), numbered per source, and `text` the message as received, less its
token. The envelope stage reads the instance from APP-NAME, so each service and
instance is its own set of timelines.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from itertools import chain

from diagnoser.sources import Line
from diagnoser.syslog_wire import MALFORMED, REJECTED, Framer, open_frame

# Distinct sources (HOSTNAMEs) numbered apart; past this many, further ones share one,
# so a sender inventing names cannot grow the analysis without bound.
MAX_SOURCES = 256
OTHER_SOURCE = "syslog:(other)"
_STOP_WAIT = 5.0  # seconds `stop()` waits for the server's thread


class ListenError(Exception):
    """The listener cannot start (bad address, port in use, unreadable certificate)."""


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context for `cert` and `key` (PEM files), TLS 1.2 or newer."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except OSError as exc:  # ssl.SSLError is one
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        raise ListenError(f"--tls-cert {cert} --tls-key {key}: {reason}") from None
    return context


class _Connection:
    __slots__ = ("last", "transport", "waiting")

    def __init__(self, transport: asyncio.WriteTransport, now: float) -> None:
        self.transport = transport
        self.last = now  # loop time of the last byte read
        self.waiting = False  # held back by a full queue: not idle by its own doing


class SyslogListener:
    """A TCP (or TLS) syslog server whose messages the caller takes with `batches()`.

    Counters (ints, written by the server's thread only): `received` messages,
    `rejected_token` of them without the right token, `malformed` (not syslog, or a
    broken octet count, which also closes the connection), `cut`, `connections`
    accepted, `refused` past `max_connections`, `idle_closed`. `buffered` is the
    bytes the framers hold now, `peak_buffered` the most one connection held."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        token: str | None = None,
        max_connections: int = 64,
        max_message: int = 64 * 1024,
        idle_timeout: float = 300.0,
        queue_size: int = 10_000,
        read_buffer: int = 64 * 1024,
    ) -> None:
        for name, value in (
            ("max_connections", max_connections),
            ("max_message", max_message),
            ("idle_timeout", idle_timeout),
            ("queue_size", queue_size),
            ("read_buffer", read_buffer),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive, not {value}")
        self.host, self.port = host, port
        self.ssl_context = ssl_context
        self.max_connections = max_connections
        self.max_message = max_message
        self.idle_timeout = idle_timeout
        self.queue_size = queue_size
        self.read_buffer = read_buffer
        self._token = token.encode() if token else None
        self.received = self.rejected_token = self.malformed = self.cut = 0
        self.connections = self.refused = self.idle_closed = 0
        self.buffered = self.peak_buffered = 0
        # hand-off: chunks of lines, `_queued` lines in all, under `_lock`
        self._lock = threading.Lock()
        self._chunks: deque[list[Line]] = deque()
        self._queued = 0
        self._arrived = threading.Event()
        self._stopped = False
        self._numbers: dict[str, int] = {}
        self._names: dict[bytes, str] = {}
        self._open: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._blocked = 0  # connections waiting for room in the queue
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._space: asyncio.Event | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def queued(self) -> int:
        """Messages waiting for the consumer (at most `queue_size`)."""
        return self._queued

    def start(self) -> tuple[str, int]:
        """Bind and serve; the address bound (port 0 picks a free one). Raises
        `ListenError` if the address cannot be bound."""
        if self._loop is not None:
            raise RuntimeError("the listener was started already")
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=loop.run_forever, name="diagnoser-syslog", daemon=True
        )
        self._thread.start()
        try:
            return asyncio.run_coroutine_threadsafe(self._serve(), loop).result()
        except OSError as exc:
            self.stop()
            reason = exc.strerror or str(exc)
            raise ListenError(f"cannot listen on {self.host}:{self.port}: {reason}") from None

    def batches(self, poll: float = 0.1) -> Iterator[list[Line]]:
        """What arrived, at least every `poll` seconds (an empty list when nothing
        did), until `stop()`; then what was still waiting."""
        while not self._stopped:
            self._arrived.wait(poll)
            self._arrived.clear()
            yield self._take()
        rest = self._take()
        if rest:
            yield rest

    def stop(self) -> None:
        """Close the server and every connection; `batches()` ends. Idempotent."""
        self._stopped = True
        self._arrived.set()
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(_STOP_WAIT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_STOP_WAIT)
        if not thread.is_alive():
            loop.close()

    # The consumer's side.

    def _take(self) -> list[Line]:
        with self._lock:
            if not self._chunks:
                return []
            chunks, self._chunks = self._chunks, deque()
            self._queued = 0
        if self._blocked and self._loop is not None and self._space is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._space.set)
        return list(chain.from_iterable(chunks))

    # The server's thread from here on.

    async def _serve(self) -> tuple[str, int]:
        self._space = asyncio.Event()
        self._server = await asyncio.start_server(
            self._connection,
            self.host,
            self.port,
            limit=self.read_buffer,
            reuse_address=os.name == "posix",
        )
        self._sweeper = asyncio.create_task(self._sweep())
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for connection in list(self._open):
            connection.transport.abort()
        if self._space is not None:
            self._space.set()  # a connection waiting for room sees the stop
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=_STOP_WAIT)

    async def _sweep(self) -> None:
        """Close the connections idle for `idle_timeout` seconds."""
        interval = max(0.05, min(1.0, self.idle_timeout / 4))
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            now = loop.time()
            for connection in list(self._open):
                if not connection.waiting and now - connection.last > self.idle_timeout:
                    self.idle_closed += 1
                    self._open.discard(connection)
                    connection.transport.abort()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._stopped or len(self._open) >= self.max_connections:
            self.refused += 1
            writer.transport.abort()
            return
        loop = asyncio.get_running_loop()
        connection = _Connection(writer.transport, loop.time())
        self._open.add(connection)
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        framer = Framer(self.max_message)
        try:
            if self.ssl_context is not None:
                await writer.start_tls(
                    self.ssl_context, ssl_handshake_timeout=min(self.idle_timeout, 30.0)
                )
                connection.transport = writer.transport
            peer = writer.get_extra_info("peername")
            client = str(peer[0]) if isinstance(peer, tuple) else "-"
            while not self._stopped:
                data = await reader.read(self.read_buffer)
                if not data:  # the sender is done: close in turn (TLS close_notify)
                    writer.close()
                    await asyncio.wait_for(writer.wait_closed(), _STOP_WAIT)
                    break
                connection.last = loop.time()
                held, cut = framer.buffered, framer.cut
                frames = framer.feed(data)
                self.buffered += framer.buffered - held
                self.peak_buffered = max(self.peak_buffered, framer.buffered)
                self.cut += framer.cut - cut
                lines = self._lines(frames, client)
                if lines:
                    await self._hand_off(lines, connection)
                if framer.broken:
                    self.malformed += 1
                    break
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            pass  # reset, TLS refused, handshake too slow: the connection is over
        finally:
            self.buffered -= framer.buffered
            self._open.discard(connection)
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()

    def _lines(self, frames: list[bytes], client: str) -> list[Line]:
        self.received += len(frames)
        token, names, numbers = self._token, self._names, self._numbers
        lines: list[Line] = []
        for frame in frames:
            opened = open_frame(frame, token)
            if isinstance(opened, int):
                if opened == REJECTED:
                    self.rejected_token += 1
                elif opened == MALFORMED:
                    self.malformed += 1
                continue
            host, message = opened
            source = names.get(host) if host else None
            if source is None:
                source = self._source_of(host, client)
            number = numbers[source] = numbers.get(source, 0) + 1
            lines.append(Line(source, number, message.decode("utf-8", "replace")))
        return lines

    def _source_of(self, host: bytes, client: str) -> str:
        # no HOSTNAME (RFC 3164, or `-`): the sending address stands for it
        name = "syslog:" + (host.decode("ascii", "replace")[:255] if host else client)
        if name not in self._numbers and len(self._numbers) >= MAX_SOURCES:
            name = OTHER_SOURCE
        if host and len(self._names) < MAX_SOURCES:
            self._names[host] = name
        return name

    async def _hand_off(self, lines: list[Line], connection: _Connection) -> None:
        """Queue `lines` for the consumer, waiting (not reading) while the queue is full."""
        space = self._space
        assert space is not None
        while lines:
            with self._lock:
                room = self.queue_size - self._queued
                if room > 0:
                    part, lines = lines[:room], lines[room:]
                    self._chunks.append(part)
                    self._queued += len(part)
            if room > 0:
                self._arrived.set()
                continue
            if self._stopped:
                return
            connection.waiting = True
            self._blocked += 1
            space.clear()
            with self._lock:  # the consumer may have made room since the look above
                room = self.queue_size - self._queued
            if room <= 0:
                await space.wait()
            self._blocked -= 1
            connection.waiting = False
