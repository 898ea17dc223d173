"""Property tests of the reader: arbitrary bytes, cut into arbitrary reads, never raise,
and every line comes out once, numbered, bounded, whatever the reads were."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from diagnoser import sources
from diagnoser.follow import LineSplitter
from diagnoser.sources import MAX_LINE, LineBlock, LineBounder, Normalizer, ReadState

# bytes that matter to the reader, mixed with any others
_PIECES = st.sampled_from(
    [b"\n", b"\r", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1f\x8b", b"}", b"\xc3"]
)
_DATA = st.lists(
    st.one_of(_PIECES, st.binary(max_size=40), st.just(b"x" * (MAX_LINE + 7))), max_size=30
).map(b"".join)
_SPLITS = st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=12)


def _chunks(data: bytes, splits: list[int]) -> list[bytes]:
    points = sorted({p % (len(data) + 1) for p in splits} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


def _read(chunks: list[bytes]) -> tuple[bytes, int, str]:
    normalizer = Normalizer()
    bounder = LineBounder()
    out = b"".join(bounder.feed(normalizer.feed(chunk)) for chunk in chunks)
    out += bounder.feed(normalizer.end()) + bounder.end()
    return out, bounder.cut, normalizer.encoding


@given(_DATA, _SPLITS)
@example(b"a\r", [2])
@example(b"x" * (MAX_LINE + 1) + b"\n", [MAX_LINE])
def test_the_reads_do_not_change_the_lines(data: bytes, splits: list[int]) -> None:
    whole = _read([data] if data else [])
    # the encoding is found from the first read: keep it whole up to its sample size
    first = min(len(data), 4096)
    chunks = ([data[:first]] if first else []) + _chunks(data[first:], splits)
    assert _read(chunks) == whole


@given(_DATA)
@example(b"\xef\xbb\xbfa\rb\r\n" + "é".encode() * MAX_LINE)
def test_every_line_end_makes_one_bounded_line(data: bytes) -> None:
    out, cut, encoding = _read([data] if data else [])
    assert out == b"" or out.endswith(b"\n")
    lines = out.split(b"\n")[:-1]
    assert all(len(line) <= MAX_LINE for line in lines)
    if encoding in ("utf-8", "utf-8-sig"):
        body = data[3:] if encoding == "utf-8-sig" else data
        raw = re.split(rb"\r\n|\r|\n", body)
        if raw[-1] == b"":
            raw.pop()  # the last line had its end
        assert lines == [sources._head(line) if len(line) > MAX_LINE else line for line in raw]
        assert cut == sum(len(line) > MAX_LINE for line in raw)


@given(_DATA, _SPLITS)
def test_the_live_splitter_gives_what_read_blocks_gives(data: bytes, splits: list[int]) -> None:
    """`watch` and `analyze` read the same bytes as the same lines."""
    if sources.compression_of(data):
        return  # watch refuses compressed streams; analyze decompresses them
    first = min(len(data), 4096)
    chunks = ([data[:first]] if first else []) + _chunks(data[first:], splits)
    splitter = LineSplitter("-")
    texts: list[str] = []
    batches = [item for chunk in chunks for item in splitter.feed(chunk)] + splitter.flush()
    for item in batches:
        if isinstance(item, LineBlock):
            texts.extend(t.decode("utf-8", "replace") for t in item.data.split(b"\n")[:-1])
        else:
            texts.append(item.text)
    out, _, _ = _read([data] if data else [])
    expected = [t.decode("utf-8", "replace") for t in out.split(b"\n")[:-1]]
    # a lone `}` goes out before its line end arrives; the rest is line for line
    assert texts == expected


@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=3000))
def test_a_compressed_input_cut_anywhere_keeps_its_lines(text: bytes, cut: int) -> None:
    whole = gzip.compress(text, mtime=0)
    raw = whole[:cut]
    path = Path(f"/tmp/fuzz-reader-{abs(hash((text, cut)))}.gz")
    path.write_bytes(raw)
    try:
        state = ReadState(str(path))
        count = 0
        for block, first in sources.read_blocks(str(path), state):
            assert first == count + 1 and block.endswith(b"\n")
            count += block.count(b"\n")
        assert state.lines == count
        # one byte is not yet the gzip magic: it is read as the text it is
        assert bool(state.problem) == (2 <= cut < len(whole))
        assert state.compression == ("gzip" if cut >= 2 else "")
    finally:
        path.unlink()
