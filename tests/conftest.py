"""Shared helpers: run the pipeline on text, and find ../shared when it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnoser.analysis import Analysis
from diagnoser.report.model import LinesOut, Report
from diagnoser.rules import load_rules
from diagnoser.sources import Line

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

RUNBOOK_LINES = """\
[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)
[2025-07-30 11:10:09 -0300] [96] [INFO] Worker exiting (pid: 96)
[2025-07-30 11:10:10 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?
"""


def analyze_text(
    text: str, source: str = "test.log", rule_dirs: list[Path] | None = None
) -> Report:
    """Run the whole pipeline over `text` as one input."""
    rules, fixes = load_rules(rule_dirs)
    analysis = Analysis(rules, fixes)
    for number, line in enumerate(text.splitlines(), 1):
        analysis.feed_line(Line(source, number, line))
    analysis.finish()
    return analysis.report()


def accounted(lines: LinesOut) -> bool:
    """Every line read is in exactly one category."""
    return lines.read == (
        lines.recognized
        + lines.traceback
        + lines.app
        + lines.unrecognized
        + lines.blank
        + lines.wrapper
    )


def serious(report: Report) -> list[str]:
    """Causes of findings at warning or above."""
    return [f.cause.value for f in report.findings if f.severity.value != "info"]


@pytest.fixture
def shared() -> Path:
    """The shared reference material; tests that need it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (it exists only in the project's workspace and CI)")
    return SHARED
