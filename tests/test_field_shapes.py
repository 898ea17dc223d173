"""Logs as people have them: the shapes of tests/shapes/field_shapes.toml.

Every `shape` holds a worker timeout, a SIGKILL or signal-9 report, or a failed
boot, wrapped or decorated the way another logger, a viewer, a platform or a
paste leaves it; each must give a finding at warning or above with one of the
causes listed. Every `calm` entry is normal operation in the same decorations
and must give nothing above info. Both are run line by line (as `watch` reads)
and through the block scan (as `analyze` reads a file).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import analyze_text

from diagnoser.analysis import Analysis
from diagnoser.report.model import Report
from diagnoser.rules import load_rules

TABLE = tomllib.loads((Path(__file__).parent / "shapes" / "field_shapes.toml").read_text("utf-8"))
SERIOUS = ("warning", "critical")


def by_blocks(text: str) -> Report:
    rules, fixes = load_rules()
    analysis = Analysis(rules, fixes)
    analysis.feed_block("shape.log", (text + "\n").encode("utf-8"), 1)
    analysis.end_source("shape.log")
    analysis.finish()
    return analysis.report()


def _id(case: dict[str, Any]) -> str:
    return str(case["name"])


@pytest.mark.parametrize("read", [analyze_text, by_blocks], ids=["lines", "blocks"])
@pytest.mark.parametrize("case", TABLE["shape"], ids=_id)
def test_shape_gives_a_finding(case: dict[str, Any], read: Any) -> None:
    report = read(case["text"])
    serious = [f for f in report.findings if f.severity.value in SERIOUS]
    assert serious, f"no finding at warning or above; lines: {report.lines}"
    assert serious[0].cause.value in case["cause"].split("|"), [
        (f.rule, f.cause.value) for f in serious
    ]


@pytest.mark.parametrize("read", [analyze_text, by_blocks], ids=["lines", "blocks"])
@pytest.mark.parametrize("case", TABLE["calm"], ids=_id)
def test_calm_shape_gives_nothing_serious(case: dict[str, Any], read: Any) -> None:
    report = read(case["text"])
    assert [f.rule for f in report.findings if f.severity.value in SERIOUS] == []


def test_the_table_covers_every_family() -> None:
    causes = {c for case in TABLE["shape"] for c in case["cause"].split("|")}
    assert {"slow_request", "oom_kill", "boot_failure"} <= causes
    assert len(TABLE["shape"]) >= 50
