"""Live: a stream goes in, each finding comes out the moment its deciding line arrives."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import RUNBOOK_LINES, through_head

from diagnoser.analysis import analyze_paths

WATCH = [sys.executable, "-m", "diagnoser", "watch", "--format", "jsonl"]
# a timeout, its outcome, a later SIGKILL from outside, and a boot failure
STREAM = [
    *RUNBOOK_LINES.splitlines(),
    "[2025-07-30 11:40:02 -0300] [85] [ERROR] Worker (pid:19) was sent SIGKILL! Perhaps out of memory?",
    "[2025-07-30 11:40:02 -0300] [23] [INFO] Booting worker with pid: 23",
]


FIRST_RECORD_AT: list[float] = []
_PENDING: dict[int, bytes] = {}


def read_records(proc: subprocess.Popen[str], timeout: float) -> list[dict[str, object]]:
    """JSON lines the child wrote within `timeout` seconds (read from the raw pipe, so
    nothing sits unseen in a Python buffer)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    records: list[dict[str, object]] = []
    FIRST_RECORD_AT.clear()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        buffer = _PENDING.get(fd, b"") + data
        *lines, _PENDING[fd] = buffer.split(b"\n")
        for line in lines:
            records.append(json.loads(line))
            if len(records) == 1:
                FIRST_RECORD_AT.append(time.monotonic())
        if records and records[-1]["type"] == "summary":
            break
        if records:
            deadline = min(deadline, time.monotonic() + 0.3)  # more may follow right after
    return records


def test_each_finding_arrives_before_the_next_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        WATCH, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, cwd=tmp_path
    )
    assert proc.stdin is not None
    seen: list[list[tuple[object, object]]] = []
    latencies: list[float] = []
    for line in STREAM:
        written = time.monotonic()
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        records = read_records(proc, timeout=1.5)
        if FIRST_RECORD_AT:
            latencies.append(FIRST_RECORD_AT[0] - written)
        seen.append([(r["status"], r["finding"]["rule"]) for r in records])  # type: ignore[index]
        time.sleep(0.2)
    proc.stdin.close()
    final = read_records(proc, timeout=10)
    proc.wait(timeout=10)
    # the first line also pays for the start-up (imports, rule loading)
    print("finding latency after the deciding line (s):", [round(x, 3) for x in latencies])
    # the target is 100 ms; shared CI machines get slack, the figure is printed
    assert max(latencies[1:]) < 0.5
    assert seen[0] == [("provisional", "timeout-kill")]  # WORKER TIMEOUT: outcome pending
    assert seen[1] == [("updated", "timeout-kill")] or seen[1] == [("confirmed", "timeout-kill")]
    assert ("confirmed", "timeout-sigkill") in seen[2] and ("withdrawn", "timeout-kill") in seen[2]
    assert ("confirmed", "oom-kill") in seen[3]
    summary = final[-1]
    assert summary["type"] == "summary"
    # the final summary is exactly what analyze says about the same bytes
    log = tmp_path / "same.log"
    log.write_text("\n".join(STREAM) + "\n", encoding="utf-8")
    expected = analyze_paths([str(log)]).model_dump(mode="json", by_alias=True, exclude_none=True)
    got = summary["report"]
    assert isinstance(got, dict)
    got["inputs"] = expected["inputs"]
    for source, named in zip(got["sources"], expected["sources"], strict=True):
        source["name"] = named["name"]
    for finding in [*got["findings"], *expected["findings"]]:
        for worker in finding["workers"]:
            worker["instance"] = "-"
    for worker in [*got["workers"], *expected["workers"]]:
        worker["instance"] = "-"
    got["gunicorn"] = expected["gunicorn"] = {}
    assert got == expected
    assert proc.returncode == 1


def test_render_json_tail_last_object_without_newline(tmp_path: Path) -> None:
    entry = {
        "id": "x",
        "labels": [{"name": "instance", "value": "srv-abc123-54m4m"}],
        "message": RUNBOOK_LINES.splitlines()[0],
        "timestamp": "2025-07-30T14:10:08.521Z",
    }
    proc = subprocess.Popen(
        WATCH, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(entry, indent=2))  # no newline after the closing brace
    proc.stdin.flush()
    records = read_records(proc, timeout=3)
    assert [(r["status"], r["finding"]["rule"]) for r in records] == [
        ("provisional", "timeout-kill")
    ]  # type: ignore[index]
    proc.stdin.close()
    proc.wait(timeout=10)


def test_follow_reads_across_truncation_and_rotation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("", encoding="utf-8")
    proc = subprocess.Popen(
        [*WATCH, "--follow", str(log)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        time.sleep(0.5)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(STREAM[0] + "\n")
        first = read_records(proc, timeout=3)
        assert [r["finding"]["rule"] for r in first] == ["timeout-kill"]  # type: ignore[index]
        log.write_text("", encoding="utf-8")  # truncated
        time.sleep(0.5)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(STREAM[3] + "\n")
        second = read_records(proc, timeout=3)
        assert ("confirmed", "oom-kill") in [(r["status"], r["finding"]["rule"]) for r in second]  # type: ignore[index]
        os.rename(log, tmp_path / "app.log.1")  # rotated
        log.write_text(STREAM[5 - 1] + "\n", encoding="utf-8")
        time.sleep(1)
        with log.open("a", encoding="utf-8") as handle:
            handle.write("[2025-07-30 09:51:46 +0000] [1] [ERROR] Reason: Worker failed to boot.\n")
        third = read_records(proc, timeout=3)
        assert "boot-failure" in [r["finding"]["rule"] for r in third]  # type: ignore[index]
    finally:
        proc.send_signal(2)  # Ctrl-C: settle and print the summary
        out, _ = proc.communicate(timeout=10)
    assert json.loads(out.strip().splitlines()[-1])["type"] == "summary"


def test_closed_output_pipe_exits_quietly(tmp_path: Path) -> None:
    proc = through_head(tmp_path, "watch -f jsonl", 100)
    assert proc.stderr == ""


def test_live_view_in_a_real_terminal(tmp_path: Path) -> None:
    import pty
    import re

    log = tmp_path / "app.log"
    log.write_text("", encoding="utf-8")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "watch", "--follow", str(log), "--width", "140"],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunks.append(os.read(master, 65536))
                except OSError:
                    return

    try:
        drain(1.5)
        with log.open("a", encoding="utf-8") as handle:
            handle.write("[2025-07-30 11:10:00 -0300] [96] [INFO] Booting worker with pid: 96\n")
            handle.write(RUNBOOK_LINES)
        drain(2.0)
    finally:
        proc.send_signal(2)
        drain(3.0)
        proc.wait(timeout=10)
        os.close(master)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    assert "Workers" in screen and "restarts" in screen  # the workers table
    assert "timeout-sigkill" in screen or "not out of memory" in screen  # a finding
    assert "killed" in screen  # worker 96's state
