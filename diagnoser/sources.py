"""Sources: where log bytes come from, read in blocks of whole, bounded lines.

An input is opened once (a file, a FIFO, a character device, process
substitution or standard input) and whatever it holds is found from its bytes,
never from its name:

- compression, from the magic bytes: gzip, bzip2, xz and zstd;
- encoding: UTF-8 (a BOM dropped), UTF-16 or UTF-32 with a BOM, UTF-16 without
  one when every other byte is NUL, transcoded to UTF-8; any other bytes go on
  as they are, and bad ones are replaced where a line is decoded;
- line ends: LF, CRLF and CR alike.

Every line gets its 1-based number within its input. A line longer than
`MAX_LINE` bytes is cut at read time to its first `MAX_LINE` bytes (its head is
still recognized) and counted in `ReadState.cut`, so reading never holds more
than one bounded line plus a block, whatever the input (`/dev/zero`, a 200 MB
line). An input that ends early (a truncated `.gz`, a read error) keeps every
line read so far: the reader stops, and `ReadState.problem` says where and why.
"""

from __future__ import annotations

import bz2
import codecs
import glob
import gzip
import io
import lzma
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

import zstandard

STDIN = "-"
BLOCK = 1 << 20  # bytes read at a time by `read_blocks`
MAX_LINE = 64 * 1024  # bytes: longer lines are cut to this many at read time
_ZSTD_SLICE = 512  # compressed bytes given to zstd at once: bounds what one call can expand to


class InputError(Exception):
    """An input that cannot be read at all (missing file, directory, no permission)."""


@dataclass(slots=True, frozen=True)
class Line:
    source: str
    number: int
    text: str


@dataclass(slots=True, frozen=True)
class LineBlock:
    """Whole lines of one source as bytes (ending with a newline), read in one go."""

    source: str
    data: bytes
    first: int  # number of the first line
    count: int  # lines in `data`

    @property
    def last(self) -> int:
        return self.first + self.count - 1


@dataclass(slots=True)
class ReadState:
    """What reading one input came to."""

    name: str
    compression: str = ""  # "", "gzip", "bzip2", "xz" or "zstd"
    encoding: str = "utf-8"  # as found: "utf-8", "utf-8-sig", "utf-16-le", ...
    lines: int = 0  # lines read
    cut: int = 0  # lines longer than MAX_LINE, cut to their head
    problem: str = ""  # why reading stopped before the end, if it did
    failed: bool = False  # it could not be read at all


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


# -- opening -----------------------------------------------------------------


def open_input(path: str) -> BinaryIO:
    """Open `path` once for reading (`-`: standard input); a one-line InputError when
    it can't be (missing, a directory, no permission, standard input closed)."""
    if path == STDIN:
        try:
            os.fstat(0)
        except OSError:
            raise InputError("standard input is closed: pipe a log in, or name a file") from None
        if sys.stdin is not None and hasattr(sys.stdin, "buffer"):
            return sys.stdin.buffer
        return os.fdopen(0, "rb", closefd=False)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        os.close(fd)
        raise InputError(f"{path}: is a directory, not a log file")
    return os.fdopen(fd, "rb", buffering=0)


_GLOB = frozenset("*?[")


def expand_inputs(paths: list[str]) -> list[str]:
    """The inputs named: a directory stands for the regular files in it (sorted, hidden
    ones skipped; not its subdirectories: `'logs/**/*.log'` reaches those), a pattern
    the shell did not expand (`'logs/*.gz'`, `**` too) for the files it matches;
    anything else as given. A pattern that matches nothing, and a directory without
    files, are one-line errors."""
    out: list[str] = []
    for path in paths:
        if path == STDIN:
            out.append(path)
        elif os.path.isdir(path):
            found = _files_under(path)
            if not found:
                raise InputError(
                    f"{path}: a directory with no files in it (its subdirectories are "
                    "not read: name them, or use a pattern such as 'DIR/**/*.log')"
                )
            out.extend(found)
        elif _GLOB & set(path) and not os.path.exists(path):
            found = sorted(p for p in glob.glob(path, recursive=True) if not os.path.isdir(p))
            if not found:
                raise InputError(f"{path}: no file matches this pattern")
            out.extend(found)
        else:
            out.append(path)
    return list(dict.fromkeys(out))  # a file named twice is read once


def _files_under(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise InputError(f"{directory}: {exc.strerror or exc}") from None
    paths = (os.path.join(directory, name) for name in names if not name.startswith("."))
    return [path for path in paths if os.path.isfile(path)]


def size_of(path: str) -> int | None:
    """Bytes the reader will see, when known without reading: a plain, uncompressed
    regular file's size (FIFOs and devices are never opened here)."""
    if path == STDIN:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return None
    return None if compression_of(head) else status.st_size


# -- compression and encoding ------------------------------------------------

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def compression_of(head: bytes) -> str:
    """The compression the first bytes of an input show ("" for none)."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return ""


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff them): gives them back."""

    def __init__(self, head: bytes, rest: _Reader) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Zstd:
    """zstd frames one after another, read with bounded output: what a call yields is
    bounded by the compressed slice it is given; a frame cut short raises EOFError."""

    def __init__(self, raw: _Reader) -> None:
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._fed = False  # the current frame has been given bytes
        self._pending = b""

    def read(self, size: int = BLOCK) -> bytes:
        out: list[bytes] = []
        total = 0
        while total < size:
            if not self._pending:
                self._pending = self._raw.read(BLOCK)
                if not self._pending:
                    if self._fed and not self._obj.eof:
                        raise EOFError("zstd data ended before the end of its frame")
                    break
            piece, self._pending = self._pending[:_ZSTD_SLICE], self._pending[_ZSTD_SLICE:]
            try:
                data = self._obj.decompress(piece)
            except zstandard.ZstdError as exc:
                raise OSError(f"not valid zstd data ({exc})") from None
            self._fed = True
            if self._obj.eof:
                rest = self._obj.unused_data
                self._obj = self._dctx.decompressobj()
                self._fed = False
                self._pending = rest + self._pending
            if data:
                out.append(data)
                total += len(data)
        return b"".join(out)


def _decompressed(raw: _Reader, head: bytes, kind: str) -> _Reader:
    stream = io.BufferedReader(_Prefixed(head, raw), BLOCK)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(stream, "rb")
    if kind == "xz":
        return lzma.LZMAFile(stream, "rb")
    return _Zstd(stream)


def _encoding(head: bytes) -> tuple[str, int]:
    """The encoding the first bytes show, and the length of its BOM."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs >= 8:
        even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
        # ASCII text in UTF-16: one byte of each pair is NUL, the other never is
        if odd >= pairs * 0.9 and even <= pairs * 0.02:
            return "utf-16-le", 0
        if even >= pairs * 0.9 and odd <= pairs * 0.02:
            return "utf-16-be", 0
    return "utf-8", 0


class Normalizer:
    """Bytes as read in, UTF-8 with LF line ends out, chunk by chunk.

    The encoding is taken from the first chunk (`start`); a CR ends a line as an LF
    does, and a CRLF split between two chunks still makes one line end."""

    def __init__(self) -> None:
        self.encoding = "utf-8"
        self._decoder: codecs.IncrementalDecoder | None = None
        self._after_cr = False
        self._started = False

    def feed(self, data: bytes) -> bytes:
        if not self._started:
            self._started = True
            self.encoding, skip = _encoding(data)
            data = data[skip:]
            if self.encoding not in ("utf-8", "utf-8-sig"):
                self._decoder = codecs.getincrementaldecoder(self.encoding)("replace")
        if self._decoder is not None:
            data = self._decoder.decode(data).encode("utf-8", "surrogatepass")
        if not data:
            return data
        if self._after_cr and data[0] == 10:
            data = data[1:]
        if b"\r" in data:
            self._after_cr = data.endswith(b"\r")
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            self._after_cr = False
        return data

    def end(self) -> bytes:
        if self._decoder is None:
            return b""
        rest = self._decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
        return rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


# -- bounded lines -----------------------------------------------------------


def _head(line: bytes) -> bytes:
    """The first MAX_LINE bytes of a line, not cutting a UTF-8 character in two."""
    end = MAX_LINE
    while end > MAX_LINE - 3 and (line[end] & 0xC0) == 0x80:
        end -= 1
    return line[:end]


def cut_long_lines(block: bytes) -> tuple[bytes, int]:
    """`block` (whole lines) with every line longer than MAX_LINE cut to its head,
    and how many were cut.

    Looks only at aligned windows of MAX_LINE // 2 bytes: a line longer than
    MAX_LINE holds one whole, and a window with a newline in it is passed by one
    `find`, so a block of ordinary lines costs a few dozen calls.
    """
    window = MAX_LINE // 2
    if len(block) <= MAX_LINE:
        return block, 0
    parts: list[bytes] = []
    done = 0  # bytes of `block` already in `parts`
    cut = 0
    start = 0
    while start + window <= len(block):
        if block.find(b"\n", start, start + window) >= 0:
            start += window
            continue
        line_start = max(block.rfind(b"\n", done, start) + 1, done)
        line_end = block.find(b"\n", start + window)
        if line_end < 0:  # not whole lines after all: the rest is one
            line_end = len(block)
        if line_end - line_start > MAX_LINE:
            parts.append(block[done:line_start])
            parts.append(_head(block[line_start:line_end]))
            done = line_end  # the newline stays
            cut += 1
        start = line_end + 1
    if not cut:
        return block, 0
    parts.append(block[done:])
    return b"".join(parts), cut


class LineBounder:
    """Normalized bytes in, blocks of whole bounded lines out; holds back the
    unfinished last line, never more than MAX_LINE bytes of it."""

    def __init__(self) -> None:
        self.cut = 0
        self._tail = b""
        self._over = False  # the held line passed MAX_LINE: the rest of it is skipped

    def feed(self, data: bytes) -> bytes:
        """The whole lines `data` completes (b"" when none)."""
        start = 0
        done = b""
        if self._over:
            newline = data.find(b"\n")
            if newline < 0:
                return b""
            done = self._tail + b"\n"
            self._tail, self._over = b"", False
            start = newline + 1
        last = data.rfind(b"\n", start) + 1
        if last == 0 or last <= start:
            self._hold(self._tail + data[start:])
            return done
        block = self._tail + data[start:last] if self._tail else data[start:last]
        self._hold(data[last:])
        block, cut = cut_long_lines(block)
        self.cut += cut
        return done + block if done else block

    def end(self) -> bytes:
        """End of input: the unterminated last line, with a newline."""
        tail, self._tail, self._over = self._tail, b"", False
        return tail + b"\n" if tail else b""

    @property
    def held(self) -> bytes:
        return self._tail

    def take_held(self) -> bytes:
        tail, self._tail = self._tail, b""
        return tail

    def _hold(self, tail: bytes) -> None:
        if len(tail) > MAX_LINE and not self._over:
            tail = _head(tail)
            self._over = True
            self.cut += 1
        self._tail = tail


# -- reading -----------------------------------------------------------------

_SNIFF = 16  # bytes needed to tell compression and encoding apart


def _first_bytes(raw: _Reader, path: str) -> bytes:
    """The input's first bytes: at least `_SNIFF` of them unless it is shorter (a pipe
    may give one byte a read)."""
    parts: list[bytes] = []
    size = 0
    try:
        while size < _SNIFF:
            data = raw.read(BLOCK)
            if not data:
                break
            parts.append(data)
            size += len(data)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    return b"".join(parts)


def read_blocks(path: str, state: ReadState | None = None) -> Iterator[tuple[bytes, int]]:
    """Yield whole lines of one input in large blocks, with the number of the block's
    first line; every block ends with a newline (one is added to an unterminated
    last line). What was found, and a read that ended early, go into `state`:
    the lines read before it are kept, and reading stops there."""
    state = state if state is not None else ReadState(path)
    raw = open_input(path)
    shared = sys.stdin is not None and raw is getattr(sys.stdin, "buffer", None)
    normalizer = Normalizer()
    bounder = LineBounder()
    number = 1

    def emit(block: bytes) -> Iterator[tuple[bytes, int]]:
        nonlocal number
        if block:
            yield block, number
            number += block.count(b"\n")

    try:
        head = _first_bytes(raw, path)
        state.compression = compression_of(head)
        stream: _Reader = raw
        pending = head
        if state.compression:
            stream = _decompressed(raw, head, state.compression)
            pending = b""
        # one underlying read a call: what a failing read held back is the least lost
        read = getattr(stream, "read1", stream.read)
        try:
            while True:
                chunk = pending or read(BLOCK)
                pending = b""
                if not chunk:
                    break
                data = normalizer.feed(chunk)
                yield from emit(bounder.feed(data))
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            where = number - 1 + (1 if bounder.held else 0)
            reason = str(exc) or type(exc).__name__
            state.problem = f"{path}: input ended early, after line {where}: {reason}"
        yield from emit(bounder.feed(normalizer.end()))
        yield from emit(bounder.end())
    finally:
        state.encoding = normalizer.encoding
        state.cut = bounder.cut
        state.lines = number - 1
        if not shared:
            raw.close()
