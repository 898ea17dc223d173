"""Hostile and broken input: read from the bytes, bounded, honest about what it could not read.

Each test is one probe an attacker or an unlucky user would make: the command
line is run as a real process, and the exit code, the one-line message and the
counts are checked.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import zstandard

from diagnoser import sources
from diagnoser.sources import MAX_LINE, LineBounder, Normalizer, ReadState, cut_long_lines

ROOT = Path(__file__).resolve().parent.parent
# a real Gunicorn 23.0.0 log of a blocked worker: boot, timeout, abort, traceback, kill
SAMPLE = ROOT / "sample_logs" / "gunicorn-23.0.0" / "slow_request.log"
DIAGNOSER = [sys.executable, "-m", "diagnoser"]
TIMEOUT = "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)"


def diagnose(
    *args: str, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*DIAGNOSER, "analyze", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def report_of(result: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def causes(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [(f["rule"], f["cause"]) for f in findings]


@pytest.fixture(scope="module")
def plain() -> dict[str, object]:
    """The sample's report read as it is: what every other shape must give."""
    result = diagnose("--format", "json", str(SAMPLE))
    report = report_of(result)
    assert causes(report), "the sample must give a finding for the comparison to mean anything"
    return report


def _same_diagnosis(report: dict[str, object], plain: dict[str, object]) -> None:
    assert causes(report) == causes(plain)
    assert report["lines"] == plain["lines"]


# -- compression and encoding, from the bytes ---------------------------------


@pytest.mark.parametrize(
    ("name", "compress", "kind"),
    [
        ("log.xz", lzma.compress, "xz"),
        ("log.bz2", bz2.compress, "bzip2"),
        ("log.zst", zstandard.ZstdCompressor().compress, "zstd"),
        ("log", gzip.compress, "gzip"),  # no suffix: found from the magic bytes
        ("log.txt", lambda data: gzip.compress(data[:900]) + gzip.compress(data[900:]), "gzip"),
    ],
)
def test_compressed_files_are_read_from_their_magic_bytes(
    tmp_path: Path, plain: dict[str, object], name: str, compress: object, kind: str
) -> None:
    path = tmp_path / name
    assert callable(compress)
    path.write_bytes(compress(SAMPLE.read_bytes()))
    result = diagnose("--format", "json", str(path))
    report = report_of(result)
    _same_diagnosis(report, plain)
    assert report["sources"] == [
        {**report["sources"][0], "compression": kind, "status": "read"}  # type: ignore[index]
    ]
    assert result.returncode == 1


def test_gzip_on_standard_input(plain: dict[str, object]) -> None:
    result = diagnose("--format", "json", "-", stdin=gzip.compress(SAMPLE.read_bytes()))
    _same_diagnosis(report_of(result), plain)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_encodings_are_found_from_the_bytes(
    tmp_path: Path, plain: dict[str, object], encoding: str
) -> None:
    """A BOM names the encoding; UTF-16 without one shows by its NUL bytes (PowerShell's
    `>` writes UTF-16 with a BOM, some exports drop it)."""
    path = tmp_path / "log"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode(encoding))
    report = report_of(diagnose("--format", "json", str(path)))
    _same_diagnosis(report, plain)


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends(tmp_path: Path, plain: dict[str, object], ending: str) -> None:
    path = tmp_path / "log"
    path.write_bytes(SAMPLE.read_bytes().replace(b"\n", ending.encode()))
    _same_diagnosis(report_of(diagnose("--format", "json", str(path))), plain)


def test_a_crlf_split_between_two_reads_is_one_line_end() -> None:
    normalizer = Normalizer()
    data = normalizer.feed(b"a\r") + normalizer.feed(b"\nb\r\r\nc\rd\n")
    assert data == b"a\nb\n\nc\nd\n"


def test_utf16_split_inside_a_character_between_reads() -> None:
    encoded = "é\n—\n".encode("utf-16-le")
    normalizer = Normalizer()
    out = b"".join(normalizer.feed(encoded[i : i + 1]) for i in range(len(encoded)))
    # the BOM-less UTF-16 test needs a sample: a one-byte first read is taken as UTF-8
    assert normalizer.encoding == "utf-8"
    normalizer = Normalizer()
    out = normalizer.feed(("x" * 20 + "é\n").encode("utf-16-le")[:-1])
    out += normalizer.feed(b"\x00") + normalizer.end()
    assert normalizer.encoding == "utf-16-le"
    assert out.decode("utf-8") == "x" * 20 + "é\n"


# -- inputs that are not logs ---------------------------------------------------


@pytest.mark.parametrize("seed", [3, 45, 61, 134, "interpreter"])
def test_binary_data_is_unrecognized_not_healthy(tmp_path: Path, seed: int | str) -> None:
    """Random bytes (seeds whose noise once held a progress bar's `7%|`), and a real
    executable."""
    path = tmp_path / "data.bin"
    if isinstance(seed, int):
        path.write_bytes(random.Random(seed).randbytes(200_000))
    else:
        path.write_bytes(Path(sys.executable).resolve().read_bytes()[:2_000_000])
    result = diagnose("--format", "json", str(path))
    assert result.returncode == 2
    report = report_of(result)
    assert report["verdict"] == "unrecognized"
    assert report["sources"][0]["status"] == "unrecognized"  # type: ignore[index]
    lines = report["lines"]
    assert isinstance(lines, dict) and lines["read"] > 0 and lines["recognized"] == 0
    warning = result.stderr.decode().strip()
    assert warning.count("\n") == 0 and "data.bin" in warning and "recognized" in warning


def test_another_programs_log_is_unrecognized_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text(
        "".join(f"Jul 30 11:10:{i:02d} host cron[{i}]: (root) CMD (run-parts)\n" for i in range(50))
    )
    for fmt, needle in (("text", "no diagnosis"), ("markdown", "no diagnosis")):
        result = diagnose("--format", fmt, str(path))
        assert result.returncode == 2
        assert needle in result.stdout.decode()
        assert "No worker timeouts" not in result.stdout.decode()


def test_empty_input_is_not_healthy() -> None:
    result = diagnose("--format", "json", "/dev/null")  # a character device, too
    assert result.returncode == 2
    report = report_of(result)
    assert report["verdict"] == "unrecognized"
    assert report["sources"][0]["status"] == "empty"  # type: ignore[index]


def test_healthy_stays_healthy() -> None:
    """The negative: a recognized log without a cause is healthy, exit 0."""
    result = diagnose("--format", "json", str(SAMPLE.with_name("healthy.log")))
    assert result.returncode == 0
    report = report_of(result)
    findings = report["findings"]
    assert isinstance(findings, list)
    assert report["verdict"] == ("findings" if findings else "healthy")
    assert all(f["severity"] == "info" for f in findings)
    assert report["sources"][0]["status"] == "read"  # type: ignore[index]


# -- inputs cut short ------------------------------------------------------------


def _truncated_gzip(tmp_path: Path) -> tuple[Path, int]:
    """A .gz cut at two thirds, as a log still being written is; and how many lines
    its readable part holds whole."""
    text = "".join(
        f'127.0.0.1 - - [30/Jul/2025:11:10:{i % 60:02d} +0000] "GET /x{i} HTTP/1.1" 200 1 "-" "c"\n'
        for i in range(200_000)
    )
    data = gzip.compress(text.encode())
    cut = data[: len(data) * 2 // 3]
    path = tmp_path / "error.log.gz"
    path.write_bytes(cut)
    readable = zlib_prefix(cut)
    return path, readable.count(b"\n")


def zlib_prefix(data: bytes) -> bytes:
    import zlib

    return zlib.decompressobj(wbits=31).decompress(data)


def test_a_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    path, whole = _truncated_gzip(tmp_path)
    result = diagnose("--format", "json", str(path))
    assert result.returncode == 3
    report = report_of(result)
    assert report["complete"] is False
    source = report["sources"][0]  # type: ignore[index]
    assert source["status"] == "incomplete"
    # every whole line, and the part of the last one
    assert source["lines"] == whole + 1
    stderr = result.stderr.decode().strip()
    assert stderr.count("\n") == 0
    assert str(path) in stderr and f"after line {whole + 1}" in stderr


def test_one_failing_input_of_several_leaves_the_others_read(tmp_path: Path) -> None:
    path, _ = _truncated_gzip(tmp_path)
    missing = tmp_path / "gone.log"
    result = diagnose("--format", "json", str(missing), str(path), str(SAMPLE))
    assert result.returncode == 3
    report = report_of(result)
    statuses = [s["status"] for s in report["sources"]]  # type: ignore[attr-defined]
    assert statuses == ["failed", "incomplete", "read"]
    assert causes(report)  # the sample's incident is still diagnosed
    lines = result.stderr.decode().splitlines()
    assert any("gone.log: no such file" in line for line in lines)
    assert any("error.log.gz" in line and "ended early" in line for line in lines)


# -- files and streams -------------------------------------------------------


def test_a_named_fifo_is_read_once(tmp_path: Path, plain: dict[str, object]) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as out:
            out.write(SAMPLE.read_bytes())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = diagnose("--format", "json", str(fifo), timeout=60)
    writer.join(10)
    _same_diagnosis(report_of(result), plain)


@pytest.mark.skipif(shutil.which("bash") is None, reason="process substitution needs bash")
def test_process_substitution() -> None:
    command = f'exec "{sys.executable}" -m diagnoser analyze --format json <(cat "{SAMPLE}")'
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, timeout=60, cwd=ROOT, check=False
    )
    assert result.returncode == 1
    assert causes(report_of(result))


def test_a_directory_without_files_is_a_one_line_error(tmp_path: Path) -> None:
    # a directory stands for the files in it (tests/test_scale.py): none is an error
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden.log").write_text("[2025-07-30 11:10:08 -0300] [85] [INFO] x\n")
    result = diagnose(str(tmp_path))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.startswith(f"diagnoser: error: {tmp_path}: a directory with no files in it")
    assert err.count("\n") == 1


def test_closed_standard_input_is_a_one_line_error() -> None:
    command = f'exec "{sys.executable}" -m diagnoser analyze <&-'
    result = subprocess.run(
        ["sh", "-c", command], capture_output=True, timeout=60, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1 and "standard input is closed" in stderr
    assert "Traceback" not in stderr


# -- bounded lines -----------------------------------------------------------


def test_a_long_line_is_cut_counted_and_recognized_on_its_head(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    path.write_bytes(
        SAMPLE.read_bytes() + (TIMEOUT + " " + "x" * 3_000_000 + "\n").encode() + b"tail\n"
    )
    result = diagnose("--format", "json", str(path))
    report = report_of(result)
    lines = report["lines"]
    assert isinstance(lines, dict)
    assert lines["cut"] == 1
    assert lines["read"] == SAMPLE.read_bytes().count(b"\n") + 2
    assert any("timeout" in rule for rule, _ in causes(report))
    assert "cut" in result.stderr.decode()


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("size", [1_000_000, 20_000_000])
def test_one_long_line_gives_a_small_report_at_once(tmp_path: Path, fmt: str, size: int) -> None:
    """The probe: a WORKER TIMEOUT line carrying megabytes took seconds to minutes in the
    text report (wrapping grows with the square of the length) and was copied whole
    into JSON and Markdown. Now the line is cut when read and its excerpt is bounded."""
    path = tmp_path / "long.log"
    path.write_bytes((TIMEOUT + " " + "x" * size + "\n").encode() + SAMPLE.read_bytes())
    result = diagnose("--format", fmt, str(path), timeout=60)
    short = tmp_path / "short.log"
    short.write_bytes((TIMEOUT + " x\n").encode() + SAMPLE.read_bytes())
    baseline = diagnose("--format", fmt, str(short), timeout=60)
    assert result.returncode == baseline.returncode == 1
    # the report of the long line is the short one's plus excerpts of at most 500 chars
    assert len(result.stdout) < len(baseline.stdout) + 5_000
    assert b"x" * 600 not in result.stdout


def test_cut_long_lines_in_a_block() -> None:
    short = b"short line\n"
    long = b"y" * (MAX_LINE * 3) + b"\n"
    edge = b"z" * MAX_LINE + b"\n"  # exactly the limit: kept whole
    over = b"w" * (MAX_LINE + 1) + b"\n"  # one over: cut
    block = short * 100 + long + short + edge + over + short
    cut, count = cut_long_lines(block)
    assert count == 2
    assert cut.split(b"\n") == [
        *[b"short line"] * 100,
        b"y" * MAX_LINE,
        b"short line",
        b"z" * MAX_LINE,
        b"w" * MAX_LINE,
        b"short line",
        b"",
    ]


def test_a_cut_never_splits_a_utf8_character() -> None:
    line = ("é" * MAX_LINE).encode() + b"\n"
    cut, count = cut_long_lines(line)
    assert count == 1
    assert cut.decode("utf-8").endswith("é\n")


def test_the_bounder_holds_no_more_than_one_bounded_line() -> None:
    bounder = LineBounder()
    for _ in range(300):  # 300 MiB without a newline
        assert bounder.feed(b"\0" * (1 << 20)) == b""
        assert len(bounder.held) <= MAX_LINE
    assert bounder.feed(b"rest\nnext\n") == b"\0" * MAX_LINE + b"\nnext\n"
    assert bounder.cut == 1


def test_read_blocks_counts_every_line(tmp_path: Path) -> None:
    """However the input is cut into reads, the lines come out numbered, whole, once."""
    path = tmp_path / "mixed.log"
    lines = [b"a" * n for n in (0, 1, MAX_LINE - 1, MAX_LINE, MAX_LINE + 1, 5 * MAX_LINE, 2)]
    path.write_bytes(b"\r\n".join(lines * 30))  # no line end after the last
    state = ReadState(str(path))
    out = b""
    expected_first = 1
    for block, first in sources.read_blocks(str(path), state):
        assert first == expected_first and block.endswith(b"\n")
        expected_first += block.count(b"\n")
        out += block
    assert state.lines == len(lines) * 30 == out.count(b"\n")
    assert state.cut == 2 * 30
    assert not state.problem


# -- memory, whatever the input ---------------------------------------------------


def _peak_rss_mb(shell: str) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run `shell` and return the peak RSS of its largest process, in MB."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(['sh', '-c', sys.argv[1]], capture_output=True)\n"
        "sys.stderr.buffer.write(r.stderr)\n"
        "sys.stdout.buffer.write(r.stdout)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(r.returncode)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, shell],
        capture_output=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    *_, peak = result.stderr.decode().split()
    return int(peak) / 1024, result


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head")
@pytest.mark.parametrize(
    "producer",
    [
        "head -c 209715200 /dev/zero",  # /dev/zero cut by a byte limit
        "head -c 209715200 /dev/zero | tr '\\000' 'a'",  # 200 MB of text without a newline
    ],
)
def test_memory_stays_bounded_without_newlines(producer: str) -> None:
    command = f'{producer} | "{sys.executable}" -m diagnoser analyze --format json -'
    peak, result = _peak_rss_mb(command)
    report = json.loads(result.stdout)
    assert report["lines"]["read"] == 1 and report["lines"]["cut"] == 1
    assert report["verdict"] == "unrecognized" and result.returncode == 2
    assert peak < 100, f"peak RSS {peak:.0f} MB"


# -- the same reader in watch ------------------------------------------------------


def _watch(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*DIAGNOSER, "watch", "--format", "jsonl"],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def _summary(result: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    record = json.loads(result.stdout.splitlines()[-1])
    assert record["type"] == "summary"
    report = record["report"]
    assert isinstance(report, dict)
    return report


def test_watch_cuts_long_lines_and_says_so() -> None:
    result = _watch((TIMEOUT + " " + "x" * 3_000_000 + "\n").encode())
    report = _summary(result)
    assert report["lines"] == {**report["lines"], "read": 1, "recognized": 1, "cut": 1}  # type: ignore[dict-item]
    assert "cut" in result.stderr.decode()
    assert len(result.stdout) < 40_000


def test_watch_reads_utf16_and_cr_as_analyze_does(plain: dict[str, object]) -> None:
    data = SAMPLE.read_text(encoding="utf-8").replace("\n", "\r").encode("utf-16")
    report = _summary(_watch(data))
    assert causes(report) == causes(plain) and report["lines"] == plain["lines"]


def test_watch_of_binary_data_is_unrecognized() -> None:
    result = _watch(random.Random(7).randbytes(300_000))
    assert result.returncode == 2
    assert _summary(result)["verdict"] == "unrecognized"
    assert "recognized" in result.stderr.decode()


def test_watch_refuses_a_compressed_stream_in_one_line() -> None:
    result = _watch(gzip.compress(SAMPLE.read_bytes()))
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1 and "gzip-compressed" in stderr and "analyze" in stderr
