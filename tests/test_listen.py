"""`diagnoser listen`: the syslog receiver, with real clients on 127.0.0.1.

util-linux `logger` and Python's `SysLogHandler` as they are; `openssl s_client`
and Python's `ssl` for TLS (util-linux 2.38's `logger` has no TLS and no
`--hostname`: it sends the machine's name as HOSTNAME). Every listener is
stopped at the end of its test.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import logging.handlers
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RUNBOOK_LINES

from diagnoser.listen import ListenError, SyslogListener, tls_context
from diagnoser.sources import Line, ReadState
from diagnoser.syslog_wire import MALFORMED, REJECTED, Framer, open_frame
from diagnoser.watch import live_analysis, run_live

LOCAL = "127.0.0.1"
LOGGER = shutil.which("logger")
OPENSSL = shutil.which("openssl")
RUNBOOK = RUNBOOK_LINES.splitlines()


def render(text: str, service: str = "my-service", instance: str = "srv-abc-54m4m") -> bytes:
    """One log line as a Render Log Stream sends it (RFC 5424), without framing."""
    stamp = "2025-07-30T14:10:08.123Z"
    return f"<134>1 {stamp} {service} {instance} 74440 {instance} - {text}".encode()


def octets(message: bytes) -> bytes:
    return b"%d %s" % (len(message), message)


@pytest.fixture
def listening() -> Iterator[Callable[..., tuple[SyslogListener, int]]]:
    """Start listeners on 127.0.0.1, any free port; all stopped at the end."""
    started: list[SyslogListener] = []

    def start(**options: Any) -> tuple[SyslogListener, int]:
        listener = SyslogListener(LOCAL, 0, **options)
        started.append(listener)
        _, port = listener.start()
        return listener, port

    yield start
    for listener in started:
        listener.stop()


def collect(listener: SyslogListener, count: int, timeout: float = 10.0) -> list[Line]:
    """Lines from `batches()` until `count` arrived or `timeout` passed."""
    lines: list[Line] = []
    deadline = time.monotonic() + timeout
    for batch in listener.batches(poll=0.02):
        lines.extend(batch)
        if len(lines) >= count or time.monotonic() > deadline:
            break
    return lines


def send(port: int, data: bytes, context: ssl.SSLContext | None = None) -> None:
    """Send `data` on one connection and close it cleanly: TLS close_notify, FIN, and
    the server's close awaited (a bare close with a TLS 1.3 session ticket unread
    would be a reset, and the kernel would drop what the server had not read)."""
    with socket.create_connection((LOCAL, port)) as raw:
        raw.settimeout(30)
        sock = raw
        if context is not None:
            sock = context.wrap_socket(raw, server_hostname=LOCAL)
        sock.sendall(data)
        if isinstance(sock, ssl.SSLSocket):
            with contextlib.suppress(OSError):  # a plain server on a TLS client: no unwrap
                sock = sock.unwrap()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# The frames and the token, without sockets.


def test_framing_is_found_from_the_first_byte_and_kept() -> None:
    octet = Framer(1000)
    data = octets(render("a")) + octets(render("b"))
    # a count and a message cut across reads
    assert octet.feed(data[:3]) + octet.feed(data[3:40]) + octet.feed(data[40:]) == [
        render("a"),
        render("b"),
    ]
    assert octet.framing == "octet-counting"
    lines = Framer(1000)
    assert lines.feed(render("a") + b"\r\n" + render("b") + b"\0" + render("c")[:9]) == [
        render("a"),
        render("b"),
    ]
    assert lines.feed(render("c")[9:] + b"\n") == [render("c")]
    assert lines.framing == "newline"
    # once newline-framed, a digit is just text
    assert lines.feed(b"12 <13>1 x\n") == [b"12 <13>1 x"]
    broken = Framer(1000)
    assert broken.feed(octets(render("a")) + b"12x <13>1 x") == [render("a")]
    assert broken.broken and broken.feed(octets(render("b"))) == []


def test_octet_counting_read_a_byte_at_a_time() -> None:
    data = b"".join(octets(render(f"m {i}")) for i in range(50))
    for size in (1, 2, 3, 7, 64):
        framer = Framer(1000)
        out = [m for at in range(0, len(data), size) for m in framer.feed(data[at : at + size])]
        assert out == [render(f"m {i}") for i in range(50)], size


def test_a_long_message_is_cut_and_the_rest_skipped() -> None:
    long = render("x" * 5000)
    octet = Framer(100)
    out = octet.feed(octets(long)[:3000]) + octet.feed(octets(long)[3000:] + octets(render("y")))
    assert out == [long[:100], render("y")]
    assert octet.cut == 1 and octet.buffered == 0
    lines = Framer(100)
    out = [part for i in range(0, 5000, 700) for part in lines.feed(long[i : i + 700])]
    assert out == [long[:100]] and lines.buffered <= 100
    assert lines.feed(long[5000:] + b"\n" + render("y") + b"\n") == [render("y")]
    assert lines.cut == 1


@pytest.mark.parametrize(
    ("frame", "sent_on"),
    [
        (b"s3cret " + render("hello"), render("hello")),
        (render("[s3cret@41058] hello").replace(b"- [", b"["), render("hello")),
        (
            render('[meta@1 a="b"][render@41058 token="s3cret"] hello').replace(b"- [", b"["),
            render('[meta@1 a="b"] hello').replace(b"- [", b"["),
        ),
        (render("s3cret hello"), render("hello")),
    ],
    ids=["prefix", "sd-id", "sd-param", "msg-word"],
)
def test_the_token_is_found_and_removed(frame: bytes, sent_on: bytes) -> None:
    assert open_frame(frame, b"s3cret") == (b"my-service", sent_on)


@pytest.mark.parametrize(
    "frame",
    [
        render("hello"),
        b"s3cre " + render("hello"),
        render("s3cret2 hello"),
        render('[x@1 token="s3cre"] hello').replace(b"- [", b"["),
        render('[x@1 note="s3cret] hello"]').replace(b"- [", b"["),
    ],
)
def test_a_frame_without_the_token_is_rejected(frame: bytes) -> None:
    assert open_frame(frame, b"s3cret") == REJECTED


def test_a_frame_that_is_not_syslog_is_malformed() -> None:
    assert open_frame(b"GET / HTTP/1.1", None) == MALFORMED
    assert open_frame(b"<12>hello", None) == (b"", b"<12>hello")


# Real clients.


@pytest.mark.skipif(LOGGER is None, reason="util-linux logger is not installed")
def test_logger_octet_counted_and_newline(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening()
    common = [str(LOGGER), "--tcp", "-n", LOCAL, "-P", str(port), "-t", "srv-abc-54m4m"]
    subprocess.run([*common, "--octet-count", "--rfc5424", "counted"], check=True)
    subprocess.run([*common, "--rfc5424=notq", "by newline"], check=True)
    lines = collect(listener, 2)
    assert [line.text.rsplit("] ", 1)[-1].rsplit(" - ", 1)[-1] for line in lines] == [
        "counted",
        "by newline",
    ]
    for line in lines:
        host, app = line.text.split(" ")[2:4]
        assert line.source == f"syslog:{host}" and app == "srv-abc-54m4m"
    assert [line.number for line in lines] == [1, 2]
    assert listener.received == 2 and listener.connections == 2 and listener.malformed == 0


def test_python_syslog_handler_nul_framed(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening()
    handler = logging.handlers.SysLogHandler(address=(LOCAL, port), socktype=socket.SOCK_STREAM)
    try:
        for text in ("first", "second"):
            handler.emit(logging.LogRecord("app", logging.WARNING, "", 0, text, None, None))
    finally:
        handler.close()
    lines = collect(listener, 2)
    # RFC 3164 without a HOSTNAME: the sender's address names the source
    assert lines == [
        Line("syslog:127.0.0.1", 1, "<12>first"),
        Line("syslog:127.0.0.1", 2, "<12>second"),
    ]


def test_10000_messages_from_4_clients_all_arrive(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening()
    per_client = 2500

    def client(index: int) -> None:
        frame = octets if index % 2 else (lambda message: message + b"\n")
        service = f"service-{index}"
        data = b"".join(
            frame(render(f"message {i}", service=service, instance=f"srv-{index}"))
            for i in range(per_client)
        )
        with socket.create_connection((LOCAL, port)) as sock:
            for at in range(0, len(data), 4096):  # many small writes, frames cut across them
                sock.sendall(data[at : at + 4096])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    lines = collect(listener, 4 * per_client, timeout=20)
    for thread in threads:
        thread.join()
    assert listener.received == 10_000 and len(lines) == 10_000
    for index in range(4):
        mine = [line for line in lines if line.source == f"syslog:service-{index}"]
        assert [line.number for line in mine] == list(range(1, per_client + 1))
        assert [line.text.rsplit(" ", 1)[-1] for line in mine] == [
            str(i) for i in range(per_client)
        ]


@pytest.mark.skipif(LOGGER is None, reason="util-linux logger is not installed")
def test_only_messages_with_the_token_are_fed_on(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening(token="s3cret")
    common = [str(LOGGER), "--tcp", "--octet-count", "--rfc5424=notq", "-n", LOCAL, "-P", str(port)]
    subprocess.run([*common, "-t", "srv-abc-54m4m", "no token"], check=True)
    sd = ["--sd-id", "s3cret@41058", "--sd-param", 'via="logger"']
    subprocess.run([*common, "-t", "srv-abc-54m4m", *sd, "with token"], check=True)
    send(port, b"s3cret " + render("prefixed") + b"\n" + b"wrong " + render("bad") + b"\n")
    lines = collect(listener, 2)
    assert wait_for(lambda: listener.received == 4)
    assert [line.text.split(" ", 7)[-1] for line in lines] == ["with token", "prefixed"]
    assert all("s3cret" not in line.text for line in lines)
    assert listener.rejected_token == 2


def test_an_oversized_message_is_cut_and_counted(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening(max_message=1000)
    long = render("x" * 20_000)
    send(port, octets(long) + octets(render("after")))
    send(port, long + b"\n" + render("after, by newline") + b"\n")
    lines = collect(listener, 4)
    assert [line.text for line in lines if line.text.endswith("x")] == [long[:1000].decode()] * 2
    assert [line.text for line in lines if "after" in line.text] == [
        render("after").decode(),
        render("after, by newline").decode(),
    ]
    assert listener.cut == 2 and listener.received == 4


def test_an_endless_line_holds_no_more_than_the_buffer(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    limit = 64 * 1024
    listener, port = listening(max_message=limit)
    sent = [0]
    done = threading.Event()

    def endless() -> None:
        with socket.create_connection((LOCAL, port)) as sock:
            sock.sendall(render("never ends "))
            chunk = b"x" * 65536
            while not done.is_set() and sent[0] < 64 << 20:
                sock.sendall(chunk)
                sent[0] += len(chunk)

    thread = threading.Thread(target=endless)
    thread.start()
    try:
        assert wait_for(lambda: sent[0] > 8 << 20)  # 8 MiB in, and still sending
        send(port, b"".join(octets(render(f"other {i}")) for i in range(10)))
        lines = collect(listener, 11)
        assert thread.is_alive()
    finally:
        done.set()
        thread.join()
    assert sum(line.text.endswith(f"other {i}") for line in lines for i in range(10)) == 10
    cut = [line for line in lines if "never ends" in line.text]
    assert len(cut) == 1 and len(cut[0].text) == limit
    assert listener.cut == 1
    assert listener.peak_buffered <= limit
    assert wait_for(lambda: listener.buffered == 0)


def test_a_full_queue_pauses_reading_and_loses_nothing(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening(queue_size=100)
    total = 60_000
    data = b"".join(octets(render(f"m {i}")) for i in range(total))  # ~6 MB
    thread = threading.Thread(target=send, args=(port, data))
    thread.start()
    time.sleep(0.5)  # no one consumes meanwhile
    assert listener.queued <= 100
    # reading stopped: the rest waits in the kernel's socket buffers, not in the listener
    assert listener.received < total // 10
    lines = collect(listener, total, timeout=30)
    thread.join()
    assert len(lines) == total and lines[-1].number == total


def test_bounds_on_connections_and_idle_time(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening(max_connections=2, idle_timeout=0.3)
    first = socket.create_connection((LOCAL, port))
    second = socket.create_connection((LOCAL, port))
    try:
        assert wait_for(lambda: listener.connections == 2)
        third = socket.create_connection((LOCAL, port))
        third.settimeout(2)
        assert third.recv(1) == b""  # closed at once
        third.close()
        assert listener.refused == 1
        for idle in (first, second):
            idle.settimeout(3)
            assert idle.recv(1) == b""  # closed after 0.3 s without a byte
        assert listener.idle_closed == 2
    finally:
        first.close()
        second.close()


def test_a_broken_octet_count_closes_the_connection(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening()
    with socket.create_connection((LOCAL, port)) as sock:
        sock.sendall(octets(render("fine")) + b"12x " + render("broken"))
        sock.settimeout(3)
        assert sock.recv(1) == b""
    assert [line.text for line in collect(listener, 1)] == [render("fine").decode()]
    assert listener.malformed == 1


def test_a_port_in_use_is_a_listen_error(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    _, port = listening()
    other = SyslogListener(LOCAL, port)
    with pytest.raises(ListenError, match=f"cannot listen on 127.0.0.1:{port}: "):
        other.start()
    other.stop()


def test_each_service_and_instance_is_its_own_timeline(
    listening: Callable[..., tuple[SyslogListener, int]],
) -> None:
    listener, port = listening()
    for service, instance in (("svc-a", "srv-a-1111"), ("svc-b", "srv-b-2222")):
        send(port, b"".join(octets(render(text, service, instance)) for text in RUNBOOK))
    lines = collect(listener, 6)
    assert {line.source for line in lines} == {"syslog:svc-a", "syslog:svc-b"}
    report = run_live(
        live_analysis(), [list(lines)], ReadState(lines[0].source), jsonl=True, out=io.StringIO()
    )
    workers = sorted((w.instance, w.pid, w.state) for w in report.workers)
    assert workers == [("srv-a-1111", 96, "killed"), ("srv-b-2222", 96, "killed")]
    kills = [f for f in report.findings if f.rule == "timeout-sigkill"]
    assert sorted(w.instance for f in kills for w in f.workers) == ["srv-a-1111", "srv-b-2222"]


# TLS.


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if OPENSSL is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_with_python_and_openssl_clients(
    listening: Callable[..., tuple[SyslogListener, int]], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    listener, port = listening(ssl_context=tls_context(str(cert), str(key)))
    send(port, octets(render("over TLS")), ssl.create_default_context(cafile=str(cert)))
    # openssl s_client: another TLS implementation's handshake, newline-framed
    subprocess.run(
        [str(OPENSSL), "s_client", "-quiet", "-no_ign_eof", "-verify_return_error", "-CAfile", str(cert),
         "-connect", f"{LOCAL}:{port}"],
        input=render("from s_client") + b"\n",
        check=True,
        capture_output=True,
        timeout=20,
    )  # fmt: skip
    # a plain client on a TLS port gets nothing through
    send(port, octets(render("in clear")) + b"\n" * 200)
    lines = collect(listener, 2)
    assert [line.text for line in lines] == [
        render("over TLS").decode(),
        render("from s_client").decode(),
    ]
    assert wait_for(lambda: listener.connections == 3) and listener.received == 2


def test_tls_many_messages_none_lost(
    listening: Callable[..., tuple[SyslogListener, int]], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    listener, port = listening(ssl_context=tls_context(str(cert), str(key)))
    context = ssl.create_default_context(cafile=str(cert))
    data = [b"".join(octets(render(f"m {i}", f"svc-{c}")) for i in range(10_000)) for c in (0, 1)]
    threads = [threading.Thread(target=send, args=(port, part, context)) for part in data]
    for thread in threads:
        thread.start()
    lines = collect(listener, 20_000, timeout=20)
    for thread in threads:
        thread.join()
    assert len(lines) == 20_000 and listener.received == 20_000


def test_tls_refuses_old_protocols(
    listening: Callable[..., tuple[SyslogListener, int]], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    _, port = listening(ssl_context=tls_context(str(cert), str(key)))
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(cafile=str(cert))
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError):
        send(port, b"x", old)


def test_an_unreadable_certificate_is_a_listen_error(tmp_path: Path) -> None:
    (tmp_path / "empty.pem").write_text("")
    with pytest.raises(ListenError, match="--tls-cert"):
        tls_context(str(tmp_path / "empty.pem"), str(tmp_path / "empty.pem"))


# The command, end to end.


def _diagnoser(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "listen", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


class _Reader:
    """A child's output, line by line, read on a thread (a test never blocks on it)."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: Any) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put(line)

    def get(self, timeout: float) -> bytes:
        return self.lines.get(timeout=timeout)

    def rest(self) -> list[bytes]:
        """Every line left, once the stream has ended."""
        self.thread.join(10)
        return list(self.lines.queue)


def test_listen_end_to_end(certificate: tuple[Path, Path]) -> None:
    """The runbook incident over TLS, with the token: the same engine and outputs as
    watch, the JSON lines and a webhook that gets the confirmed incident once."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    posted: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    cert, key = certificate
    process = _diagnoser(
        "--syslog", "127.0.0.1:0", "--tls-cert", str(cert), "--tls-key", str(key),
        "--format", "jsonl", "--fail-on", "never",
        "--webhook", f"http://127.0.0.1:{hook.server_address[1]}/hook",
        env={"DIAGNOSER_SYSLOG_TOKEN": "s3cret", "NO_PROXY": "*", "no_proxy": "*"},
    )  # fmt: skip
    try:
        errors, out = _Reader(process.stderr), _Reader(process.stdout)
        first = errors.get(timeout=20).decode()
        assert first.startswith("diagnoser: listening on 127.0.0.1:") and "(syslog, TLS)" in first
        port = int(first.split("127.0.0.1:")[1].split()[0])
        context = ssl.create_default_context(cafile=str(cert))
        messages = [b"s3cret " + render(text) for text in RUNBOOK]
        send(
            port, b"".join(octets(message) for message in [render("no token"), *messages]), context
        )
        finding = None
        deadline = time.monotonic() + 20
        while finding is None and time.monotonic() < deadline:
            record = json.loads(out.get(timeout=20))
            if record["type"] == "incident" and record["rule"] == "timeout-sigkill":
                finding = record["finding"]
        assert finding is not None
        assert finding["workers"] == [{"instance": "srv-abc-54m4m", "pid": 96}]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
    finally:
        process.kill()
        process.wait()
        hook.shutdown()
        hook.server_close()
    summary = json.loads(out.rest()[-1])
    assert summary["type"] == "summary"
    assert summary["report"]["sources"][0]["name"] == "syslog:my-service"
    assert [s["name"] for s in summary["report"]["sources"]] == ["syslog:my-service"]
    [incident] = summary["report"]["findings"][0]["incidents"]
    assert [(p["id"], p["state"], p["rule"]) for p in posted] == [
        (incident, "confirmed", "timeout-sigkill")
    ]
    rest = b"".join(errors.rest())
    assert b"diagnoser: syslog: 4 messages, 1 rejected (token), 0 cut" in rest
    assert b"diagnoser: webhooks: 1 delivered, 0 failed, 0 dropped" in rest
    assert b"Traceback" not in rest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--syslog", "nowhere"], "--syslog nowhere: expected HOST:PORT"),
        (["--syslog", "127.0.0.1:70000"], "expected HOST:PORT"),
        (["--syslog", "127.0.0.1:0", "--tls-cert", "cert.pem"], "go together"),
        (
            ["--syslog", "127.0.0.1:0", "--tls-cert", "no.pem", "--tls-key", "no.pem"],
            "--tls-cert no.pem",
        ),
    ],
)
def test_listen_usage_errors_are_one_line(args: list[str], message: str) -> None:
    process = _diagnoser(*args)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert err.decode().count("\n") == 1 and message in err.decode()
    assert b"Traceback" not in err


def test_listen_on_a_port_in_use_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind((LOCAL, 0))
        taken.listen()
        process = _diagnoser("--syslog", f"{LOCAL}:{taken.getsockname()[1]}")
        _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert err.decode().startswith("diagnoser: error: cannot listen on 127.0.0.1:")
    assert err.decode().count("\n") == 1
