"""Hostile log text in every report format: no raw control, bidi or format characters."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RUNBOOK_LINES
from rich.console import Console

from diagnoser.analysis import Analysis, analyze_paths
from diagnoser.live import LiveSession
from diagnoser.report import formatter
from diagnoser.report.live import JsonLinesWriter, LiveView
from diagnoser.report.model import IncidentRecord, Report
from diagnoser.report.safe import EXCERPT_CHARS, excerpt
from diagnoser.rules import load_rules
from diagnoser.sources import Line
from diagnoser.vocabulary import IncidentState

# One of each kind of character that is not printable text, with its visible escape.
HOSTILE = {
    "\x1b": "\\x1b",  # C0 (ESC)
    "\x07": "\\x07",  # C0 (BEL)
    "\x7f": "\\x7f",  # DEL
    "\x9b": "\\x9b",  # C1 (CSI)
    "\x85": "\\x85",  # C1 (NEL)
    "\u061c": "\\u061c",  # Arabic letter mark
    "\u200b": "\\u200b",  # zero-width space
    "\u200d": "\\u200d",  # zero-width joiner
    "\u200e": "\\u200e",  # left-to-right mark
    "\u202e": "\\u202e",  # right-to-left override
    "\u2028": "\\u2028",  # line separator
    "\u2029": "\\u2029",  # paragraph separator
    "\u2060": "\\u2060",  # word joiner
    "\u2066": "\\u2066",  # left-to-right isolate
    "\u2069": "\\u2069",  # pop directional isolate
    "\ufeff": "\\ufeff",  # zero-width no-break space (BOM)
    "\U000e0041": "\\U000e0041",  # tag latin capital letter A
}
PAYLOAD = "<" + "".join(f"{ch}{i}" for i, ch in enumerate(HOSTILE)) + ">"
# The same payload as the text and markdown reports must show it.
SHOWN = "<" + "".join(f"{shown}{i}" for i, shown in enumerate(HOSTILE.values())) + ">"

TIMEOUT_LINE = "[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)"
BOOT_TRACEBACK = """\
[2025-07-30 11:10:00 +0000] [85] [INFO] Starting gunicorn 23.0.0
[2025-07-30 11:10:00 +0000] [96] [INFO] Booting worker with pid: 96
[2025-07-30 11:10:00 +0000] [96] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/srv/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 589, in spawn_worker
    worker.init_process()
  File "/srv/app/wsgi.py", line 3, in <module>
    import missing
ModuleNotFoundError: No module named {message}
[2025-07-30 11:10:00 +0000] [96] [INFO] Worker exiting (pid: 96)
[2025-07-30 11:10:00 +0000] [85] [INFO] Shutting down: Master
"""


def not_printable(text: str) -> list[str]:
    """The characters of `text` that no report may write raw (tab and newline aside)."""
    return [
        ch
        for ch in text
        if ch not in "\t\n" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")
    ]


def analyze_text(text: str) -> Report:
    """The pipeline over `text`, split into lines only at newlines, as a file is read
    (`str.splitlines` would also split at U+2028, NEL and other separators)."""
    rules, fixes = load_rules()
    analysis = Analysis(rules, fixes)
    for number, line in enumerate(text.removesuffix("\n").split("\n"), 1):
        analysis.feed_line(Line("test.log", number, line))
    analysis.finish()
    return analysis.report()


def write(report: Report, name: str, width: int = 100) -> str:
    out = io.StringIO()
    formatter(name, color=False, width=width).write(report, out)
    return out.getvalue()


def timeout_report() -> Report:
    """A WORKER TIMEOUT whose line carries the payload."""
    return analyze_text(
        RUNBOOK_LINES.replace("WORKER TIMEOUT (pid:96)", f"WORKER TIMEOUT (pid:96) {PAYLOAD}")
    )


def traceback_report() -> Report:
    """A boot traceback whose exception message (quoted in the title) is the payload."""
    return analyze_text(BOOT_TRACEBACK.format(message=PAYLOAD))


def test_the_probes_carry_the_payload_into_the_report() -> None:
    timeout = timeout_report()
    assert any(PAYLOAD in e.text for f in timeout.findings for e in f.evidence)
    boot = traceback_report()
    assert any(PAYLOAD in f.title for f in boot.findings)
    assert any(PAYLOAD in w.exception for w in boot.workers)


@pytest.mark.parametrize("name", ["text", "markdown"])
@pytest.mark.parametrize("report", [timeout_report, traceback_report])
def test_text_and_markdown_show_every_such_character_as_an_escape(
    name: str, report: Callable[[], Report]
) -> None:
    out = write(report(), name, width=1000)  # wide: the payload on one line
    assert not_printable(out) == []
    assert SHOWN in out  # in the evidence, as the log line


@pytest.mark.parametrize("report", [timeout_report, traceback_report])
def test_json_escapes_them_and_decodes_to_the_log_text(report: Callable[[], Report]) -> None:
    built = report()
    out = write(built, "json")
    assert not_printable(out) == []
    out.encode("utf-8")  # no lone surrogate either
    for ch in HOSTILE:
        if ord(ch) > 0xFFFF:  # astral: a surrogate pair
            code = ord(ch) - 0x10000
            assert f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}" in out
        else:
            assert f"\\u{ord(ch):04x}" in out
    assert Report.model_validate(json.loads(out)) == built


def test_watch_json_lines_escape_them_and_decode_to_the_log_text() -> None:
    report = traceback_report()
    out = io.StringIO()
    writer = JsonLinesWriter(out)
    finding = report.findings[0]
    record = IncidentRecord(
        id="inc-0123456789",
        state=IncidentState.CONFIRMED,
        rule=finding.rule,
        severity=finding.severity,
        cause=finding.cause,
        instance="x",
        wall_time="2026-12-02T00:00:00Z",
        line=9,
        finding=finding,
    )
    writer.updates([record])
    writer.summary(report)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert not_printable(out.getvalue()) == []
    assert json.loads(lines[0])["finding"]["title"] == finding.title
    assert Report.model_validate(json.loads(lines[1])["report"]) == report


def test_a_lone_surrogate_is_escaped_not_a_crash() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.findings[0].evidence[0].text = "bad \ud800 half"
    out = write(report, "json")
    assert "bad \\ud800 half" in out
    assert json.loads(out)["findings"][0]["evidence"][0]["text"] == "bad \ud800 half"
    lines = io.StringIO()
    JsonLinesWriter(lines).summary(report)
    assert "bad \\ud800 half" in lines.getvalue()
    assert "bad \\ud800 half" in write(report, "text")
    assert "bad \\ud800 half" in write(report, "markdown")


def test_through_the_whole_pipeline_from_a_file(tmp_path: Path) -> None:
    log = tmp_path / "hostile.log"
    log.write_text(f"{TIMEOUT_LINE} {PAYLOAD}\n", encoding="utf-8")
    report = analyze_paths([str(log)])
    for name in ("text", "markdown", "json"):
        assert not_printable(write(report, name)) == []


# -- bounded excerpts -----------------------------------------------------------------

LONG = 60_000  # under the 64 KiB a line is cut to when read
MAX_OUTPUT = 20_000  # bytes any one report of these logs may take
MARKER = re.compile(r"… \[\+(\d+) chars\]")


def marker_in(out: str) -> bool:
    """Whether `out` shows a cut's marker, even wrapped across a panel's lines."""
    return MARKER.search(" ".join(out.replace("│", " ").split())) is not None


def test_excerpt_keeps_short_text_and_says_how_much_it_cut() -> None:
    assert excerpt("short") == "short"
    assert excerpt("a" * EXCERPT_CHARS) == "a" * EXCERPT_CHARS
    cut = excerpt("a" * EXCERPT_CHARS + "b" * 1234)
    assert cut.startswith("a" * EXCERPT_CHARS)
    assert "b" not in cut
    assert MARKER.fullmatch(cut[EXCERPT_CHARS:]) is not None
    assert cut.endswith("[+1234 chars]")


def bounded(text: str, original: int | None = None) -> None:
    """`text` is an excerpt: at most `EXCERPT_CHARS` of log text, then its marker,
    which counts what was cut of `original` characters."""
    found = MARKER.search(text)
    assert found is not None, "not cut"
    assert len(MARKER.findall(text)) == 1
    if original is not None:
        assert int(found.group(1)) == original - EXCERPT_CHARS


def long_timeout_log(tmp_path: Path) -> Path:
    """A WORKER TIMEOUT carrying 60,000 characters, then a 60,000-character line."""
    log = tmp_path / "long-timeout.log"
    log.write_text(
        f"{TIMEOUT_LINE} {'x' * LONG}\n"
        f"[2025-07-30 11:10:09 +0000] [96] [INFO] Worker exiting (pid: 96) {'y' * LONG}\n"
        "[2025-07-30 11:10:10 +0000] [85] [ERROR] Worker (pid:96) was sent SIGKILL! "
        "Perhaps out of memory?\n",
        encoding="utf-8",
    )
    return log


def long_exception_log(tmp_path: Path) -> Path:
    """A boot traceback whose exception message is 60,000 characters."""
    log = tmp_path / "long-exception.log"
    log.write_text(BOOT_TRACEBACK.format(message="z" * LONG), encoding="utf-8")
    return log


def test_a_long_timeout_line_is_an_excerpt_in_every_format(tmp_path: Path) -> None:
    report = analyze_paths([str(long_timeout_log(tmp_path))])
    evidence = [e for f in report.findings for e in f.evidence]
    assert any("WORKER TIMEOUT" in e.text for e in evidence)
    for item in evidence:
        assert len(item.text) <= EXCERPT_CHARS + len(" … [+00000 chars]")
    timeout = next(e.text for e in evidence if "WORKER TIMEOUT" in e.text)
    bounded(timeout, len(TIMEOUT_LINE) + 1 + LONG)
    assert timeout.startswith(TIMEOUT_LINE)
    for name in ("text", "json", "markdown"):
        out = write(report, name)
        assert len(out.encode("utf-8")) < MAX_OUTPUT, name
        assert "x" * (EXCERPT_CHARS + 1) not in out and "y" * (EXCERPT_CHARS + 1) not in out
        assert marker_in(out), name
    assert Report.model_validate(json.loads(write(report, "json"))) == report


def test_a_long_exception_message_is_an_excerpt_wherever_it_is_quoted(tmp_path: Path) -> None:
    report = analyze_paths([str(long_exception_log(tmp_path))])
    finding = report.findings[0]
    assert finding.rule == "import-error"
    original = len("ModuleNotFoundError: No module named ") + LONG
    bounded(finding.title, original)
    bounded(finding.explanation, original)
    # the rule's own words around the quote are whole
    assert finding.explanation.endswith(" installed in the image.")
    assert len(finding.title) < EXCERPT_CHARS + 100
    assert len(finding.explanation) < EXCERPT_CHARS + 1000
    worker = next(w for w in report.workers if w.exception)
    bounded(worker.exception, original)
    assert any(MARKER.search(e.text) for e in finding.evidence)
    for name in ("text", "json", "markdown"):
        out = write(report, name)
        assert len(out.encode("utf-8")) < MAX_OUTPUT, name
        assert "z" * (EXCERPT_CHARS + 1) not in out


def test_watch_gets_the_same_excerpts(tmp_path: Path) -> None:
    rules, fixes = load_rules()
    session = LiveSession(Analysis(rules, fixes))
    text = long_timeout_log(tmp_path).read_text(encoding="utf-8")
    lines = [Line("live.log", n, line) for n, line in enumerate(text.splitlines(), 1)]
    updates = session.feed(lines)
    final, report = session.finish()
    out = io.StringIO()
    writer = JsonLinesWriter(out)
    writer.updates(updates + final)
    writer.summary(report)
    assert updates + final
    assert len(out.getvalue().encode("utf-8")) < MAX_OUTPUT * 3
    assert "x" * (EXCERPT_CHARS + 1) not in out.getvalue()
    view = io.StringIO()
    with LiveView(session.snapshot, Console(file=view, width=120, force_terminal=False)):
        pass
    assert "x" * (EXCERPT_CHARS + 1) not in view.getvalue()
    assert len(view.getvalue()) < MAX_OUTPUT


@pytest.mark.parametrize("name", ["text", "json", "markdown"])
def test_the_command_line_report_of_long_lines_is_small(tmp_path: Path, name: str) -> None:
    logs = [str(long_timeout_log(tmp_path)), str(long_exception_log(tmp_path))]
    done = subprocess.run(
        [sys.executable, "-m", "diagnoser", "analyze", "--format", name, *logs],
        capture_output=True,
        timeout=60,  # a hang guard, not a timing
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
    )
    assert done.returncode == 1, done.stderr  # critical findings
    out = done.stdout.decode("utf-8")
    assert "WORKER TIMEOUT" in out and "ModuleNotFoundError" in out
    assert 0 < len(done.stdout) < 2 * MAX_OUTPUT  # two logs' findings
    assert "x" * (EXCERPT_CHARS + 1) not in out and "z" * (EXCERPT_CHARS + 1) not in out
    assert marker_in(out)
