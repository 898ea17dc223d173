"""Send syslog messages to a `SyslogListener` over loopback and measure what it takes in.

    python benchmarks/listen.py                          # 200,000 messages, 4 clients
    python benchmarks/listen.py --messages 1000000 --clients 8
    python benchmarks/listen.py --framing newline --tls
    python benchmarks/listen.py --analyze                # also through the live analysis

The listener runs in this process, its consumer on the main thread (as in
`diagnoser listen`); the clients are separate processes, so that their work is
not counted here. Each client sends its share of Render-shaped RFC 5424 messages
(a Gunicorn access line, a worker timeout every thousand) as fast as the socket
takes them, octet-counted by default. Printed: messages received and per
second, from the first connection to the last message taken, and this process's
peak RSS. With `--analyze` every batch is also fed to a `LiveSession`, the rate
`diagnoser listen` itself reaches. Figures, not a pass/fail: compare runs on one
machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diagnoser.listen import SyslogListener, tls_context

HOST = "127.0.0.1"
CHUNK = 256 * 1024  # bytes a client writes at a time


def message(client: int, index: int) -> bytes:
    stamp = f"2025-07-30T14:{index // 60000 % 60:02d}:{index // 1000 % 60:02d}.123Z"
    service, instance = f"service-{client}", f"srv-{client}-54m4m"
    if index % 1000 == 999:
        text = f"[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:{index})"
    else:
        text = (
            f'10.0.0.{index % 250} - - [30/Jul/2025:11:10:08 +0000] "GET /p/{index % 97} '
            f'HTTP/1.1" 200 512 "-" "bench"'
        )
    return f"<134>1 {stamp} {service} {instance} 74440 {instance} - {text}".encode()


def client(number: int, count: int, port: int, framing: str, cafile: str | None) -> None:
    """Send `count` messages on one connection."""
    raw = socket.create_connection((HOST, port))
    sock: socket.socket = raw
    if cafile is not None:
        sock = ssl.create_default_context(cafile=cafile).wrap_socket(raw, server_hostname=HOST)
    pending: list[bytes] = []
    size = 0
    for index in range(count):
        body = message(number, index)
        frame = b"%d %s" % (len(body), body) if framing == "octet" else body + b"\n"
        pending.append(frame)
        size += len(frame)
        if size >= CHUNK:
            sock.sendall(b"".join(pending))
            pending, size = [], 0
    sock.sendall(b"".join(pending))
    finish(sock)


def finish(sock: socket.socket) -> None:
    """Close as a well-behaved sender does: TLS close_notify, then FIN, then wait for the
    server's close. A bare close() with unread bytes from the server (a TLS 1.3 session
    ticket) is a TCP reset, and the kernel drops what the server had not read yet."""
    if isinstance(sock, ssl.SSLSocket):
        sock = sock.unwrap()
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(60)
    while sock.recv(65536):
        pass
    sock.close()


def certificate(directory: Path) -> tuple[str, str]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--framing", choices=("octet", "newline"), default="octet")
    parser.add_argument("--tls", action="store_true", help="TLS with a throwaway certificate")
    parser.add_argument("--analyze", action="store_true", help="feed a LiveSession too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        cafile, context = None, None
        if args.tls:
            cert, key = certificate(Path(temporary))
            cafile, context = cert, tls_context(cert, key)
        listener = SyslogListener(HOST, 0, ssl_context=context)
        _, port = listener.start()
        session = None
        if args.analyze:
            from diagnoser.live import LiveSession
            from diagnoser.watch import live_analysis

            session = LiveSession(live_analysis())
        share = args.messages // args.clients
        total = share * args.clients
        spawn = multiprocessing.get_context("spawn")
        clients = [
            spawn.Process(target=client, args=(n, share, port, args.framing, cafile))
            for n in range(args.clients)
        ]
        for process in clients:
            process.start()
        received, started = 0, None
        deadline = time.monotonic() + 600
        for batch in listener.batches(poll=0.05):
            if started is None and listener.connections:
                started = time.monotonic()
            received += len(batch)
            if session is not None and batch:
                session.feed(batch)
            if received >= total or time.monotonic() > deadline:
                break
        elapsed = time.monotonic() - (started or time.monotonic())
        for process in clients:
            process.join()
        listener.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    what = "received and analysed" if args.analyze else "received"
    kind = ("TLS, " if args.tls else "") + args.framing
    print(
        f"{received:,} of {total:,} messages {what} from {args.clients} clients ({kind}) "
        f"in {elapsed:.2f} s: {received / elapsed:,.0f} messages/s; peak RSS {peak:.0f} MiB"
    )
    sys.exit(0 if received == total else 1)


if __name__ == "__main__":
    main()
