"""`diagnoser watch`: read a stream as it arrives and report each finding at once.

Wires a live source (a pipe, a file, or a file followed like `tail -F`) to a
`LiveSession` and to an output: JSON lines for alerting, or the rich live view
on a terminal. End of input or Ctrl-C settles the analysis and prints the final
summary, the same report `analyze` gives for the same bytes.

Ctrl-C (SIGINT) and SIGTERM stop the watch between two batches of lines, never
inside one: the handler only records the signal, the read loop (which gets
control back at least every `poll` seconds, and after at most 1 MiB of input)
sees it and settles what was read. A second signal ends the process at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO

from rich.console import Console

from diagnoser.analysis import Analysis, select_rules
from diagnoser.follow import Batch, follow_lines, stream_lines
from diagnoser.live import LiveSession
from diagnoser.report.live import JsonLinesWriter, LiveView
from diagnoser.report.model import IncidentRecord, Report
from diagnoser.report.text import TextFormatter
from diagnoser.rules import load_rules
from diagnoser.sources import STDIN, InputError, ReadState
from diagnoser.vocabulary import IncidentState
from diagnoser.webhooks import WebhookSender

WATCH_RETIRED = 200
WEBHOOK_DRAIN = 5.0  # seconds the webhooks get at the end to deliver what is queued
# Timelines kept for workers not yet known to be gone; the least recently active
# (in practice dead workers whose pid never came back) are retired first.
WATCH_WORKERS = 200
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The terminal's cursor back (the live view hides it), written on a second signal.
_SHOW_CURSOR = b"\x1b[?25h"


class Stop:
    """The signal that asked a watch to stop, once one has (SIGINT or SIGTERM)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number, the shell's convention: 130 for Ctrl-C, 143 for
        SIGTERM; None while no signal came."""
        return None if self.signum is None else 128 + self.signum


def _write_now(stream: IO[str] | None, data: bytes) -> None:
    # straight to the descriptor, past the buffer (which may hold half a record)
    try:
        if stream is not None:
            os.write(stream.fileno(), data)
    except (OSError, ValueError):  # closed, or not a real file
        pass


@contextmanager
def _stopping_on_signals(stop: Stop, terminal: bool) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop.signum` while the block runs; a second one exits
    at once. Installed even over an inherited SIG_IGN (a job started with `&` by a
    script): signals are a watch's only way to end a stream that never ends."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread; nothing to install
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.signum is None:
            stop.signum = signum
            return
        # The second signal: now, not after the summary. No Python-level exit (it
        # would flush a stdout that may be a full pipe, and run the live view's exit).
        if terminal:
            _write_now(sys.stdout, _SHOW_CURSOR)
        _write_now(sys.stderr, b"diagnoser: interrupted\n")
        os._exit(stop.exit_code or 128 + signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def _batches(path: str, follow: bool, poll: float, state: ReadState) -> Iterator[Batch]:
    if follow:
        yield from follow_lines(path, poll, state)
        return
    if path == STDIN:
        yield from stream_lines(sys.stdin.fileno(), STDIN, poll, state)
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        yield from stream_lines(fd, path, poll, state)
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
    stop: Stop | None = None,
    webhooks: WebhookSender | None = None,
) -> Report:
    """Watch one input until it ends, or until SIGINT or SIGTERM (then `stop.signum`
    says which); return the final report."""
    if path != STDIN and not follow and Path(path).is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    analysis = live_analysis(rule_dirs, select, ignore, lang, config_files)
    state = ReadState(path)  # what the reader found: lines cut, the encoding
    return run_live(
        analysis,
        _batches(path, follow, poll, state),
        state,
        jsonl=jsonl,
        out=out,
        color=color,
        width=width,
        stop=stop,
        webhooks=webhooks,
    )


def live_analysis(
    rule_dirs: list[Path] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    lang: str = "en",
    config_files: list[Path] | None = None,
) -> Analysis:
    """The analysis a live reader feeds: the rules chosen, bounded for a long run."""
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
    return analysis


def run_live(
    analysis: Analysis,
    batches: Iterable[Batch],
    state: ReadState,
    *,
    jsonl: bool,
    out: IO[str],
    color: bool | None = None,
    width: int | None = None,
    stop: Stop | None = None,
    webhooks: WebhookSender | None = None,
) -> Report:
    """Feed `batches` (each may be empty: the source had nothing new within its poll
    time) to a live session until they end or a signal comes, writing JSON lines or
    the live view to `out`, and handing each confirmed incident to `webhooks`; return
    the final report. `state` is the reader's account of the input, read when the
    session ends. The webhooks get `WEBHOOK_DRAIN` seconds at the end to deliver
    what is queued; their counts go to standard error."""
    stop = stop if stop is not None else Stop()
    session = LiveSession(analysis)
    notify = _notifier(webhooks)
    try:
        if jsonl:
            writer = JsonLinesWriter(out)
            with _stopping_on_signals(stop, terminal=False):
                for batch in batches:
                    records = session.feed(batch)
                    writer.updates(records)
                    notify(records)
                    if stop.signum is not None:
                        break
                analysis.read_state(state)
                records, report = session.finish()
                writer.updates(records)
                notify(records)
                writer.summary(report)
            return report
        console = Console(file=out, force_terminal=color, width=width, highlight=False)
        with _stopping_on_signals(stop, terminal=console.is_terminal):
            with LiveView(session.snapshot, console) as view:
                for batch in batches:
                    notify(session.feed(batch))
                    view.refresh()
                    if stop.signum is not None:
                        break
                analysis.read_state(state)
                records, report = session.finish()
                notify(records)
                view.refresh()
            TextFormatter(color=color, width=width).write(report, out)
        return report
    finally:
        if webhooks is not None:
            webhooks.close(WEBHOOK_DRAIN)
            print(_webhook_counts(webhooks), file=sys.stderr)


def _notifier(webhooks: WebhookSender | None) -> Callable[[list[IncidentRecord]], None]:
    if webhooks is None:
        return lambda records: None
    webhooks.start()

    def notify(records: list[IncidentRecord]) -> None:
        for record in records:
            if record.state is IncidentState.CONFIRMED:
                webhooks.submit(record.model_dump(mode="json", by_alias=True, exclude_none=True))

    return notify


def _webhook_counts(webhooks: WebhookSender) -> str:
    """`diagnoser: webhooks: …`, one line of what was delivered, failed and dropped."""
    total = webhooks.total
    return (
        f"diagnoser: webhooks: {total.delivered} delivered, {total.failed} failed, "
        f"{total.dropped} dropped (queue full or out of time), {total.retried} retried"
    )
