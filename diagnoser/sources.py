"""Sources: where log bytes come from (files, gzip files, stdin), read in blocks of lines.

Every line gets its 1-based number within its source; bytes that are not valid
UTF-8 are replaced where a line is decoded, never fatal, and the input is never
held whole in memory.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN = "-"


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


def _open(path: str) -> BinaryIO:
    if path == STDIN:
        return sys.stdin.buffer
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    try:
        if p.suffix == ".gz":
            return gzip.open(p, "rb")  # type: ignore[return-value]
        return p.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def check_readable(paths: list[str]) -> None:
    """Fail early, before any output, when a named file can't be opened."""
    for path in paths:
        if path != STDIN:
            _open(path).close()


BLOCK = 1 << 20  # bytes read at a time by `read_blocks`


def read_blocks(path: str) -> Iterator[tuple[bytes, int]]:
    """Yield whole lines of one source in large blocks, with the number of the
    block's first line; every block ends with a newline (one is added to an
    unterminated last line)."""
    stream = _open(path)
    number = 1
    tail = b""
    try:
        while True:
            chunk = stream.read(BLOCK)
            if not chunk:
                break
            data = tail + chunk if tail else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                tail = data
                continue
            tail = data[cut:]
            block = data[:cut] if tail else data
            yield block, number
            number += block.count(b"\n")
        if tail:
            yield tail + b"\n", number
    except (OSError, EOFError) as exc:  # a truncated gzip file, a vanished file
        raise InputError(f"{path}: read failed after line {number - 1}: {exc}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
