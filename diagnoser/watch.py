"""`diagnoser watch`: read a stream as it arrives and report each finding at once.

Wires a live source (a pipe, a file, or a file followed like `tail -F`) to a
`LiveSession` and to an output: JSON lines for alerting, or the rich live view
on a terminal. End of input or Ctrl-C settles the analysis and prints the final
summary, the same report `analyze` gives for the same bytes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rich.console import Console

from diagnoser.analysis import Analysis, select_rules
from diagnoser.follow import Batch, follow_lines, stream_lines
from diagnoser.live import LiveSession
from diagnoser.report.live import JsonLinesWriter, LiveView
from diagnoser.report.model import Report
from diagnoser.report.text import TextFormatter
from diagnoser.rules import load_rules
from diagnoser.sources import STDIN, InputError

WATCH_RETIRED = 200
# Timelines kept for workers not yet known to be gone; the least recently active
# (in practice dead workers whose pid never came back) are retired first.
WATCH_WORKERS = 200


def _batches(path: str, follow: bool, poll: float) -> Iterator[Batch]:
    if follow:
        yield from follow_lines(path, poll)
        return
    if path == STDIN:
        yield from stream_lines(sys.stdin.fileno(), STDIN, poll)
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        yield from stream_lines(fd, path, poll)
    finally:
        os.close(fd)


def run_watch(
    path: str,
    *,
    follow: bool = False,
    jsonl: bool,
    out: IO[str],
    rule_dirs: list[Path] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    lang: str = "en",
    config_files: list[Path] | None = None,
    color: bool | None = None,
    width: int | None = None,
    poll: float = 0.1,
) -> Report:
    """Watch one input until it ends (or Ctrl-C); return the final report."""
    rules, fixes = load_rules(rule_dirs)
    # A watch may run for days: keep fewer finished workers than a one-off analysis.
    analysis = Analysis(
        select_rules(rules, select or [], ignore or []),
        fixes,
        lang,
        max_retired=WATCH_RETIRED,
        max_workers=WATCH_WORKERS,
    )
    for config_file in sorted(config_files or [], key=lambda p: p.suffix != ".py"):
        analysis.configuration.read_file(config_file)
    if path != STDIN and not follow and Path(path).is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    session = LiveSession(analysis)
    batches = _batches(path, follow, poll)
    if jsonl:
        writer = JsonLinesWriter(out)
        try:
            for batch in batches:
                writer.updates(session.feed(batch))
        except KeyboardInterrupt:
            pass
        updates, report = session.finish()
        writer.updates(updates)
        writer.summary(report)
        return report
    console = Console(file=out, force_terminal=color, width=width, highlight=False)
    with LiveView(session.snapshot, console) as view:
        try:
            for batch in batches:
                session.feed(batch)
                view.refresh()
        except KeyboardInterrupt:
            pass
        _, report = session.finish()
        view.refresh()
    TextFormatter(color=color, width=width).write(report, out)
    return report
