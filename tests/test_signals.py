"""Signals and a closed standard input, on real processes.

`watch` on a pipe that never ends: the first Ctrl-C (or SIGTERM) stops reading and
prints the final summary, a second one exits at once. `analyze` interrupted says so
in one line. `watch` and `analyze` refuse
a closed standard input with one line and exit 2.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WATCH_JSONL = [sys.executable, "-m", "diagnoser", "watch", "--format", "jsonl"]
# boots, requests, then a worker timed out and killed: a finding is certain
INCIDENT = (
    b"[2025-07-30 11:09:00 -0300] [96] [INFO] Booting worker with pid: 96\n"
    + b'10.0.0.7 - - [30/Jul/2025:11:09:30 -0300] "GET /orders HTTP/1.1" 200 512 "-" "curl/8"\n'
    * 2000
    + b"[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)\n"
    b"[2025-07-30 11:10:09 -0300] [96] [INFO] Worker exiting (pid: 96)\n"
    b"[2025-07-30 11:10:10 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! "
    b"Perhaps out of memory?\n"
)
HANG_GUARD = 10.0  # seconds: far more than a stop needs, so a failure is a hang


def _ignore_sigint() -> None:
    # what a script's `cmd &` does to its background jobs
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def flooded(proc: subprocess.Popen[bytes]) -> Iterator[threading.Event]:
    """Write INCIDENT into the child's stdin as fast as it takes it, until stopped."""
    assert proc.stdin is not None
    fd = proc.stdin.fileno()
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                os.write(fd, INCIDENT)
        except OSError:  # the child is gone
            pass

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()


def drained(fd: int) -> tuple[list[bytes], threading.Thread]:
    """Read `fd` to its end on a thread, so the child never blocks writing."""
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # a pty's master reads EIO once the child is gone
                return
            if not data:
                return
            chunks.append(data)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return chunks, thread


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def stopped_in_time(proc: subprocess.Popen[bytes], seconds: float = HANG_GUARD) -> float:
    """How long the child took to exit; kills it (and fails) past `seconds`."""
    start = time.monotonic()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"still running {seconds:.0f} s after the signal")
    return time.monotonic() - start


def summary_of(out: bytes) -> dict[str, object]:
    records = [json.loads(line) for line in out.splitlines()]
    assert records, "nothing printed"
    assert records[-1]["type"] == "summary"
    report = records[-1]["report"]
    assert isinstance(report, dict)
    return report


@pytest.mark.parametrize(
    ("stop_signal", "code", "preexec"),
    [
        (signal.SIGINT, 130, None),
        # a background job of a script: SIGINT inherited as ignored, still stops a watch
        (signal.SIGINT, 130, _ignore_sigint),
        (signal.SIGTERM, 143, None),
    ],
    ids=["sigint", "sigint-inherited-ignored", "sigterm"],
)
def test_watch_stops_on_a_fast_pipe_with_the_summary(
    tmp_path: Path, stop_signal: int, code: int, preexec: Callable[[], None] | None
) -> None:
    proc = subprocess.Popen(
        WATCH_JSONL,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        preexec_fn=preexec,  # a signal disposition only
    )
    assert proc.stdout is not None and proc.stderr is not None
    out, out_thread = drained(proc.stdout.fileno())
    err, err_thread = drained(proc.stderr.fileno())
    try:
        with flooded(proc):
            # the incident reported: the child is reading, well into the stream
            assert wait_until(lambda: b'"type": "incident"' in b"".join(out), HANG_GUARD)
            proc.send_signal(stop_signal)
            took = stopped_in_time(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out_thread.join(5)
    err_thread.join(5)
    stderr = b"".join(err).decode()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "borted" not in stderr
    report = summary_of(b"".join(out))
    lines = report["lines"]
    assert isinstance(lines, dict) and lines["read"] > 2000
    assert any(f["rule"] for f in report["findings"])  # type: ignore[attr-defined]
    assert took < 5.0  # stopped between batches, not at the end of a stream that has none


def test_a_second_ctrl_c_exits_at_once_while_output_is_stalled(tmp_path: Path) -> None:
    # stdout a pipe of one page nobody reads: the records fill it and the child waits
    # to write the rest, as behind a consumer that has stalled; the first Ctrl-C can
    # print no summary, the second must end the process anyway
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(
        WATCH_JSONL, stdin=subprocess.PIPE, stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path
    )
    os.close(write_end)
    assert proc.stderr is not None
    err, err_thread = drained(proc.stderr.fileno())
    try:
        with flooded(proc):
            assert wait_until(lambda: _unread(read_end) > 0, HANG_GUARD)  # records out
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
            time.sleep(0.5)
            assert proc.poll() is None  # still waiting to write
            proc.send_signal(signal.SIGINT)
            took = stopped_in_time(proc, 5.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(read_end)
    err_thread.join(5)
    stderr = b"".join(err).decode()
    assert proc.returncode == 130
    assert stderr == "diagnoser: interrupted\n"
    assert took < 2.0


def _unread(fd: int) -> int:
    """Bytes waiting in the pipe `fd` reads from."""
    buffer = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buffer)
    return int.from_bytes(buffer, sys.byteorder)


def test_ctrl_c_in_the_live_view_prints_the_final_report(tmp_path: Path) -> None:
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "watch", "--width", "120"],
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    assert proc.stderr is not None
    screen, screen_thread = drained(master)
    err, err_thread = drained(proc.stderr.fileno())
    try:
        with flooded(proc):
            assert wait_until(lambda: b"Workers" in b"".join(screen), HANG_GUARD)  # live view up
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
            stopped_in_time(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        screen_thread.join(5)
        os.close(master)
    err_thread.join(5)
    stderr = b"".join(err).decode()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(screen).decode("utf-8", "replace"))
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "borted" not in stderr
    # the final text report, after the live view: its timeline is not in the view
    assert "Timeline" in text.split("Workers")[-1]


def test_analyze_interrupted_says_so_in_one_line(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "analyze"],
        stdin=read_end,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        os.write(write_end, INCIDENT[:60000])
        # everything taken in: the child waits in a read for a pipe that never ends
        assert wait_until(lambda: _unread(read_end) == 0, HANG_GUARD)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(read_end)
        os.close(write_end)
    assert proc.returncode == 130
    assert err.decode() == "diagnoser: interrupted\n"
    assert out == b""


@pytest.mark.parametrize("command", ["watch", "analyze", "analyze -"])
def test_closed_standard_input_is_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    proc = subprocess.run(
        ["sh", "-c", f'exec "$0" -m diagnoser {command} <&-', sys.executable],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=HANG_GUARD * 3,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("diagnoser: error: standard input is closed")
    assert proc.stderr.count("\n") == 1
    assert proc.stdout == ""


def test_a_closed_stdin_is_no_error_when_a_file_is_named(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    log.write_bytes(INCIDENT)
    proc = subprocess.run(
        ["sh", "-c", f'exec "$0" -m diagnoser analyze {log} <&-', sys.executable],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=HANG_GUARD * 3,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # the timeout is found; nothing about stdin
    assert "standard input" not in proc.stderr
