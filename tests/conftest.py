"""Shared helpers: run the pipeline on text, and find ../shared when it exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from diagnoser.analysis import Analysis
from diagnoser.envelopes import EnvelopeStage
from diagnoser.events import Event
from diagnoser.recognizers import LineParser
from diagnoser.report.model import LinesOut, Report
from diagnoser.rules import load_rules
from diagnoser.sources import Line

# Property tests: "ci" (the default) keeps the suite's time bounded; a longer hunt
# runs with HYPOTHESIS_PROFILE=long (docs/testing.md).
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


def parse_lines(lines: list[str], source: str = "test.log") -> tuple[LineParser, list[Event]]:
    """The envelope stage and the parser alone over `lines`, finished: (parser, events)."""
    parser = LineParser()
    stage = EnvelopeStage(parser.counts)
    events: list[Event] = []
    for number, line in enumerate(lines, 1):
        for record in stage.feed(Line(source, number, line)):
            events.extend(parser.feed(record))
    events.extend(parser.finish())
    return parser, events


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


def through_head(tmp_path: Path, args: str, limit: int) -> subprocess.CompletedProcess[str]:
    """Run `diagnoser ARGS LOG | head -c LIMIT` on a log of 5,000 timeouts (a closed pipe)."""
    log = tmp_path / "many.log"
    log.write_text(
        "".join(
            f"[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:{pid})\n"
            for pid in range(100, 5100)
        ),
        encoding="utf-8",
    )
    return subprocess.run(
        f"{sys.executable} -m diagnoser {args} {log} | head -c {limit}",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
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
