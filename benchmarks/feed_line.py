"""Time `Analysis.feed_line` per line over two mixes and print µs/line.

    python benchmarks/feed_line.py [--lines 200000]

`samples`: every sample log and corpus log, repeated. `access`: mostly access
and SQL debug lines with some app output, as a busy production log is.
Figures, not a pass/fail: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from diagnoser.analysis import Analysis
from diagnoser.rules import load_rules
from diagnoser.sources import Line

ROOT = Path(__file__).resolve().parent.parent


def sample_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted((ROOT / "sample_logs").rglob("*.log")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    corpus = ROOT.parent / "shared" / "corpus" / "real"
    for path in sorted(corpus.glob("*.log")):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return lines


def access_lines() -> list[str]:
    out: list[str] = []
    for i in range(1000):
        r = i % 20
        if r < 12:
            out.append(
                f"10.0.0.{i % 250} - - [30/Jul/2025:11:10:{i % 60:02d} +0000] "
                f'"GET /items/{i} HTTP/1.1" 200 {i * 7} "-" "curl/8.0"'
            )
        elif r < 17:
            out.append(
                f"(0.{i % 1000:03d}) SELECT id, name FROM items WHERE id = {i}; "
                f"args=({i},); alias=default"
            )
        elif r < 19:
            out.append(f"2025-07-30 11:10:08,123 INFO app.views handled item {i} in 12ms")
        else:
            out.append(
                f"[2025-07-30 11:10:08 +0000] [{100 + i}] [INFO] Booting worker with pid: {100 + i}"
            )
    return out


def run(name: str, base: list[str], total: int) -> None:
    rules, fixes = load_rules(None)
    analysis = Analysis(rules, fixes)
    lines = [
        Line("bench", n, t) for n, t in enumerate(itertools.islice(itertools.cycle(base), total), 1)
    ]
    start = time.perf_counter()
    for line in lines:
        analysis.feed_line(line)
    elapsed = time.perf_counter() - start
    print(f"{name:8} {total} lines  {elapsed:6.2f} s  {elapsed / total * 1e6:6.2f} µs/line")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    run("samples", sample_lines(), args.lines)
    run("access", access_lines(), args.lines)


if __name__ == "__main__":
    main()
