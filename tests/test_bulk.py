"""Bulk lines counted in runs give the report that reading every line alone gives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from diagnoser import scan
from diagnoser.analysis import Analysis
from diagnoser.bulk import compile_quiet
from diagnoser.events import Kind
from diagnoser.rules import load_rules
from diagnoser.scan import classify
from diagnoser.sources import Line
from diagnoser.timestamps import find_timestamp, parse_access_time

ROOT = Path(__file__).resolve().parent.parent


def _generate(path: Path, lines: int, seed: int) -> None:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)
    spec.loader.exec_module(module)
    module.generate(path, lines, seed)


def _report(data: bytes, bulk: bool) -> dict[str, object]:
    rules, fixes = load_rules()
    analysis = Analysis(rules, fixes, bulk_lines=bulk)
    if bulk:
        analysis.feed_block("day.log", data, 1)
    else:
        for number, raw in enumerate(data.split(b"\n")[:-1], 1):
            analysis.feed_line(Line("day.log", number, raw.decode("utf-8", "replace")))
    analysis.end_source("day.log")
    analysis.finish()
    return analysis.report().model_dump(mode="json")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_runs_give_the_line_by_line_report(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "day.log"
    _generate(path, 30_000, seed)
    data = path.read_bytes()
    assert _report(data, bulk=True) == _report(data, bulk=False)


STAMP = b"2025-07-30 11:10:08  "
REQUEST = b'clientIP="1.2.3.4" requestID="ab-cd" responseTimeMS=%d responseBytes=12 userAgent="x"'
ACCESS = b'10.0.0.1 - - [30/Jul/2025:11:10:08 +0000] "GET / HTTP/1.1" %d 5 "-" "ua"'
SQL = b"(%s) SELECT 1; args=None; alias=default"


def _kinds(*lines: bytes) -> list[int]:
    rules, _ = load_rules()
    return classify(
        b"".join(line + b"\n" for line in lines), compile_quiet(rules).quiet
    ).kind.tolist()


def test_every_bulk_shape_is_recognized() -> None:
    rules, _ = load_rules()
    assert set(compile_quiet(rules).quiet) == {Kind.REQUEST_LOG, Kind.ACCESS, Kind.SQL_QUERY}
    assert _kinds(STAMP + REQUEST % 12, STAMP + ACCESS % 200, STAMP + SQL % b"0.003") == [
        scan.REQUEST,
        scan.ACCESS,
        scan.SQL,
    ]
    # without the Render stamp: access lines keep their own time; the others need no colon
    assert _kinds(ACCESS % 200, SQL % b"0.003", REQUEST % 12) == [
        scan.ACCESS,
        scan.SQL,
        scan.REQUEST,
    ]


def test_rule_conditions_take_lines_out_of_the_bulk() -> None:
    assert _kinds(STAMP + REQUEST % 5000, STAMP + REQUEST % 5001) == [scan.REQUEST, scan.RARE]
    assert _kinds(STAMP + ACCESS % 503, STAMP + ACCESS % 504) == [scan.ACCESS, scan.RARE]
    assert _kinds(STAMP + SQL % b"0.999", STAMP + SQL % b"1.000") == [scan.SQL, scan.RARE]


@pytest.mark.parametrize(
    "line",
    [
        STAMP + b"[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
        STAMP + REQUEST.replace(b'"x"', b'"[1] [ERROR] x"') % 12,  # a Gunicorn core inside
        STAMP + ACCESS.replace(b"10.0.0.1 - -", b"10.0.0.1 - - -") % 200,  # four fields
        STAMP + ACCESS.replace(b"- -", b"-  -") % 200,  # an empty field
        STAMP + (SQL % b"0.003").replace(b"; args", b"; args=1; args"),  # `; args=` twice
        STAMP + b"(0.003) SELECT 1",  # no args
        (SQL % b"0.003").replace(b"SELECT 1", b"SELECT '2025-07-30 10:00:00'"),  # a time inside
        STAMP + REQUEST % 12 + b"\r",
        STAMP + b"\x1b[31m" + REQUEST % 12,
        STAMP + REQUEST.replace(b'"x"', b'"a \\" b"') % 12,
        # bytes the line by line path may read as binary, which the scan does not decode
        ACCESS.replace(b"GET /", b"GET /" + b"\x00" * 50) % 200,
        ACCESS.replace(b"GET /", b"GET /" + b"\xff" * 50) % 200,
        ACCESS.replace(b"GET /", "GET /caf\u00e9".encode()) % 200,
        b'  File "/app/views.py", line 3, in index',
        b"",
    ],
)
def test_lines_not_quite_of_a_shape_are_rare(line: bytes) -> None:
    assert _kinds(line) == [scan.RARE]


def test_times_are_read_as_the_full_path_reads_them() -> None:
    rules, _ = load_rules()
    block = STAMP + REQUEST % 12 + b"\n" + ACCESS.replace(b"+0000", b"-0300") % 200 + b"\n"
    lines = classify(block, compile_quiet(rules).quiet)
    assert lines.ts.tolist() == [
        find_timestamp("2025-07-30 11:10:08"),
        parse_access_time("30/Jul/2025:11:10:08 -0300"),
    ]
    assert lines.duration_ms.tolist()[0] == 12


def test_a_run_read_alone_is_read_before_the_rare_line_after_it() -> None:
    """A frame line whose traceback's top was cut takes the next unindented line as
    its code: the access lines before it must reach the parser before it does."""
    for count in (1, 20):  # samples still wanted, and the bulk counting
        data = (ACCESS % 200 + b"\n") * count + b'File "x.py", line 1, in f\n'
        assert _report(data, bulk=True)["lines"] == _report(data, bulk=False)["lines"]
