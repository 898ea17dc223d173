"""Bulk lines counted in runs give the report that reading every line alone gives."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from diagnoser.analysis import Analysis
from diagnoser.bulk import compile_patterns, int_le, number_le
from diagnoser.events import Kind
from diagnoser.rules import load_rules
from diagnoser.sources import Line

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


@pytest.mark.parametrize("bound", [0, 5, 9, 10, 99, 100, 999, 1000, 4999, 5000, 19999, 20000])
def test_int_le_accepts_exactly_the_numbers_up_to_the_bound(bound: int) -> None:
    pattern = re.compile(f"^{int_le(bound)}$")
    wrong = [n for n in range(25_000) if bool(pattern.match(str(n))) != (n <= bound)]
    assert not wrong


@pytest.mark.parametrize("bound", [0.999, 1.5, 2.0, 12.25])
def test_number_le_with_decimals(bound: float) -> None:
    pattern = re.compile(f"^{number_le(bound, 3)}$")
    wrong = [
        n for n in range(15_000) if bool(pattern.match(f"{n / 1000:.3f}")) != (n / 1000 <= bound)
    ]
    assert not wrong


def test_rule_conditions_take_lines_out_of_the_bulk() -> None:
    rules, _ = load_rules()
    patterns = compile_patterns(rules)
    assert patterns.kinds == {Kind.REQUEST_LOG, Kind.ACCESS, Kind.SQL_QUERY}

    def bulk(line: bytes) -> bool:
        return patterns.rare.search(b"\n" + line + b"\n") is None or (
            patterns.rare.search(b"\n" + line + b"\n").start() != 0  # type: ignore[union-attr]
        )

    stamp = b"2025-07-30 11:10:08  "
    request = (
        b'clientIP="1.2.3.4" requestID="ab-cd" responseTimeMS=%d responseBytes=12 userAgent="x"'
    )
    assert bulk(stamp + request % 4999)
    assert bulk(stamp + request % 5000)
    assert not bulk(stamp + request % 5001)  # response-time-target: over 5000 ms
    access = b'10.0.0.1 - - [30/Jul/2025:11:10:08 +0000] "GET / HTTP/1.1" %d 5 "-" "ua"'
    assert bulk(stamp + access % 200)
    assert not bulk(stamp + access % 504)  # proxy-timeout: status 504
    sql = b"(%s) SELECT 1; args=None; alias=default"
    assert bulk(stamp + sql % b"0.999")
    assert not bulk(stamp + sql % b"1.000")  # slow-query-timeout: a second or more
    assert not bulk(stamp + b"[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)")
