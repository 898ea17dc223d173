"""The JSON report contract: the published schema matches the models."""

from __future__ import annotations

import json

from conftest import ROOT, RUNBOOK_LINES, analyze_text

from diagnoser.report.model import Report
from diagnoser.report.schema import report_schema_json, watch_schema_json


def test_published_schema_is_current() -> None:
    published = (ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8")
    assert published == report_schema_json(), (
        "docs/report.schema.json is stale: run python -m diagnoser.report.schema > docs/report.schema.json"
    )


def test_report_round_trips_through_json() -> None:
    report = analyze_text(RUNBOOK_LINES)
    again = Report.model_validate_json(report.model_dump_json(exclude_none=True))
    assert again.findings[0].rule == report.findings[0].rule
    assert again.lines == report.lines


def test_findings_are_sorted_most_likely_first() -> None:
    text = RUNBOOK_LINES + (
        "[2025-07-30 11:20:00 -0300] [85] [INFO] Handling signal: hup\n"
        "[2025-07-30 11:20:00 -0300] [85] [INFO] Hang up: Master\n"
        "[2025-07-30 11:40:02 -0300] [85] [ERROR] Worker (pid:19) was sent SIGKILL! Perhaps out of memory?\n"
    )
    report = analyze_text(text)
    keys = [(f.severity.rank, f.confidence) for f in report.findings]
    assert keys == sorted(keys, reverse=True)
    assert [f.cause.value for f in report.findings] == [
        "slow_request",
        "oom_kill",
        "planned_restart",
    ]


def test_the_watch_schema_is_published() -> None:
    published = (ROOT / "docs" / "watch.schema.json").read_text(encoding="utf-8")
    assert published == watch_schema_json(), (
        "docs/watch.schema.json is stale: "
        "run python -m diagnoser.report.schema watch > docs/watch.schema.json"
    )
    assert {ref["$ref"] for ref in json.loads(published)["oneOf"]} == {
        "#/$defs/IncidentRecord",
        "#/$defs/SummaryRecord",
    }
