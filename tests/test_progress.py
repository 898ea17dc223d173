"""`analyze` shows its progress on a terminal's standard error, and only there."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, RUNBOOK_LINES

from diagnoser.cli.progress import ReadProgress


def test_progress_names_the_input_and_counts_lines_on_a_terminal(tmp_path: Path) -> None:
    log = tmp_path / "[red]day.log"
    log.write_text(RUNBOOK_LINES * 100, encoding="utf-8")
    out = io.StringIO()
    with ReadProgress(out, force=True) as progress:
        progress.read(str(log), log.read_bytes())
        progress._progress.refresh()
    shown = out.getvalue()
    assert "[red]day.log" in shown  # the name as it is, not as markup
    assert "300 lines" in shown
    assert "lines/s" in shown


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    log = tmp_path / "day.log"
    log.write_text(RUNBOOK_LINES * 1000, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "diagnoser", "analyze", "--fail-on", "never", str(log)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert "WORKER TIMEOUT" in done.stdout or "timeout" in done.stdout.lower()
