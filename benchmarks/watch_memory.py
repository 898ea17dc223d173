"""Feed a long synthetic stream to `diagnoser watch` and print its memory as it runs.

    python benchmarks/watch_memory.py [--lines 10000000] [--every 500000]

The stream mixes access lines, app lines, noise and, every few thousand lines, a
worker that times out and is replaced by a new pid, so timelines keep being
created and retired. The child's resident memory (VmRSS, from /proc) is printed
at intervals with the rate; after warm-up it should stay flat. Figures, not a
pass/fail: run it on a quiet machine and compare ratios within one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Iterator


def stream(total: int) -> Iterator[bytes]:
    pid = 100
    batch: list[str] = []
    for i in range(total):
        second = i // 2000
        hour, minute, sec = 10 + second // 3600 % 12, second // 60 % 60, second % 60
        ts = f"[2025-07-30 {hour:02d}:{minute:02d}:{sec:02d} +0000]"
        r = i % 1000
        if r < 600:
            batch.append(
                f"10.0.0.{i % 250} - - [30/Jul/2025:11:10:08 +0000] "
                f'"GET /p/{i % 97} HTTP/1.1" 200 512 "-" "bench"'
            )
        elif r < 900:
            batch.append(f"{ts} [{pid}] [INFO] app message {i}")
        elif r < 999:
            batch.append(f"noise line {i}")
        elif i % 5000 == 999:
            batch.append(f"{ts} [1] [CRITICAL] WORKER TIMEOUT (pid:{pid})")
            batch.append(f"{ts} [{pid}] [INFO] Worker exiting (pid: {pid})")
            pid += 1
            batch.append(f"{ts} [{pid}] [INFO] Booting worker with pid: {pid}")
        else:
            batch.append(f"{ts} [{pid}] [INFO] heartbeat-ish {i}")
        if len(batch) >= 5000:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--every", type=int, default=500_000)
    args = parser.parse_args()
    child = subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "watch", "--format", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    findings = [0]

    def drain() -> None:
        assert child.stdout is not None
        for _ in child.stdout:
            findings[0] += 1

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.monotonic()
    sent = 0
    next_report = args.every
    print(f"{'lines':>12} {'seconds':>8} {'lines/s':>10} {'rss MB':>8} {'updates':>8}")
    for chunk in stream(args.lines):
        child.stdin.write(chunk)
        sent += chunk.count(b"\n")
        if sent >= next_report:
            child.stdin.flush()
            elapsed = time.monotonic() - started
            print(
                f"{sent:>12,} {elapsed:>8.1f} {sent / elapsed:>10,.0f} "
                f"{rss_kb(child.pid) / 1024:>8.1f} {findings[0]:>8}",
                flush=True,
            )
            next_report += args.every
    child.stdin.close()
    child.wait()
    reader.join(timeout=10)
    elapsed = time.monotonic() - started
    print(
        f"done: {sent:,} lines in {elapsed:.1f} s ({sent / elapsed:,.0f} lines/s), "
        f"exit {child.returncode}"
    )


if __name__ == "__main__":
    main()
