"""Live sources: lines as they arrive from a pipe, or from a file followed like `tail -F`.

Unlike `sources.read_blocks`, these never wait for more than `poll` seconds
without giving control back, so the live view keeps ticking, and a line that
is complete but not yet newline-terminated (`render logs -o json --tail` leaves
the last `}` of an object hanging until the next object arrives) is delivered
at once.
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator
from pathlib import Path

from diagnoser.sources import (
    InputError,
    Line,
    LineBlock,
    LineBounder,
    Normalizer,
    ReadState,
    compression_of,
)

Batch = list[Line | LineBlock]

CHUNK = 1 << 20  # whatever the pipe holds, up to this much, is read at once
# A lone closing brace at column 0 ends a pretty-printed JSON record: deliver it
# even without its newline, which only comes with the next record.
_HANGING = b"}"


class LineSplitter:
    """Bytes in, numbered lines out, as `sources.read_blocks` makes them: UTF-16 and
    BOMs transcoded, CR and CRLF taken as line ends, lines cut to `MAX_LINE`; the
    unfinished last line is held back (bounded too)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.number = 0
        self._normalizer = Normalizer()
        self._bounder = LineBounder()
        self._started = False
        self._hanging_sent = False

    @property
    def cut(self) -> int:
        """Lines cut to MAX_LINE so far."""
        return self._bounder.cut

    @property
    def encoding(self) -> str:
        return self._normalizer.encoding

    def feed(self, data: bytes) -> Batch:
        """The whole lines in `data` (and the tail held back), as one block."""
        if not data:
            return []
        if not self._started:
            self._started = True
            kind = compression_of(data)
            if kind:
                raise InputError(
                    f"{self.source}: {kind}-compressed data; watch reads a live text "
                    "stream (diagnoser analyze reads compressed logs)"
                )
        data = self._normalizer.feed(data)
        if self._hanging_sent and data:
            # The `}` went out already: the line end that completes it is not a line.
            self._hanging_sent = False
            if data.startswith(b"\n"):
                data = data[1:]
        out: Batch = []
        block = self._bounder.feed(data)
        if block:
            count = block.count(b"\n")
            out.append(LineBlock(self.source, block, self.number + 1, count))
            self.number += count
        if self._bounder.held == _HANGING:
            self._bounder.take_held()
            out.append(self._line("}"))
            self._hanging_sent = True
        return out

    def flush(self) -> Batch:
        """End of input: the unterminated last line, if any."""
        rest = self._bounder.feed(self._normalizer.end()) + self._bounder.end()
        self._hanging_sent = False
        if not rest:
            return []
        count = rest.count(b"\n")
        block = LineBlock(self.source, rest, self.number + 1, count)
        self.number += count
        return [block]

    def _line(self, text: str) -> Line:
        self.number += 1
        return Line(self.source, self.number, text)


def _account(state: ReadState | None, splitter: LineSplitter) -> None:
    if state is not None:
        state.cut = splitter.cut
        state.encoding = splitter.encoding
        state.lines = splitter.number


def stream_lines(
    fd: int, source: str, poll: float = 0.1, state: ReadState | None = None
) -> Iterator[Batch]:
    """Batches of lines from a pipe or terminal; an empty batch every `poll` seconds idle.

    A batch is whatever the pipe holds at once, up to `CHUNK` bytes: a pipe gives
    64 KiB a read, so reads go on while more is already waiting, and a line that
    arrives alone is still delivered at once.
    """
    splitter = LineSplitter(source)
    while True:
        ready, _, _ = select.select([fd], [], [], poll)
        if not ready:
            yield []
            continue
        parts: list[bytes] = []
        size = 0
        ended = False
        while True:
            try:
                data = os.read(fd, CHUNK - size)
            except OSError as exc:
                raise InputError(f"{source}: read failed: {exc.strerror or exc}") from None
            if not data:
                ended = True
                break
            parts.append(data)
            size += len(data)
            if size >= CHUNK or not select.select([fd], [], [], 0)[0]:
                break
        if parts:
            batch = splitter.feed(b"".join(parts))
            _account(state, splitter)
            yield batch
        if ended:
            rest: Batch = [*splitter.flush()]
            _account(state, splitter)
            if rest:
                yield rest
            return


def follow_lines(path: str, poll: float = 0.1, state: ReadState | None = None) -> Iterator[Batch]:
    """`tail -F`: read the file, then what is appended; reopen on rotation, restart on
    truncation. Never ends by itself (the caller stops on Ctrl-C or a deadline)."""
    splitter = LineSplitter(path)
    handle = None
    inode: int | None = None
    position = 0
    while True:
        if handle is None:
            try:
                handle = Path(path).open("rb")  # noqa: SIM115 - kept open across iterations
                inode = os.fstat(handle.fileno()).st_ino
                position = 0
            except FileNotFoundError:
                yield []  # not there yet (or mid-rotation): keep waiting
                continue
            except OSError as exc:
                raise InputError(f"{path}: {exc.strerror or exc}") from None
        data = handle.read(CHUNK)
        if data:
            position += len(data)
            batch = splitter.feed(data)
            _account(state, splitter)
            yield batch
            continue
        # At the end: has the file been truncated, or replaced by a new one?
        try:
            status = os.stat(path)
        except FileNotFoundError:
            status = None
        if status is not None and status.st_ino != inode:
            rest = [*splitter.flush()]
            _account(state, splitter)
            yield rest
            handle.close()
            handle = None
            continue
        if status is not None and status.st_size < position:
            handle.seek(0)
            position = 0
            continue
        yield []
        select.select([], [], [], poll)
