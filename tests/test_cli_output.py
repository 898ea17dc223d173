"""`--output FILE`: the report written whole to FILE, or nothing changed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

import pytest
from conftest import RUNBOOK_LINES
from typer.testing import CliRunner

from diagnoser.cli.app import app
from diagnoser.cli.output import OutputError, write_report
from diagnoser.report.model import Report

runner = CliRunner()


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    path = tmp_path / "runbook.log"
    path.write_text(RUNBOOK_LINES, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input="")
    return result.exit_code, result.stdout, result.stderr


def test_analyze_writes_the_report_to_the_file_not_stdout(runbook: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, err = run("analyze", str(runbook), "--format", "json", "--output", str(report))
    assert code == 1  # the exit code still says what was found
    assert out == "" and err == ""
    assert (
        json.loads(report.read_text(encoding="utf-8"))["findings"][0]["rule"] == "timeout-sigkill"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "runbook.log"]


def test_the_text_report_in_a_file_has_no_colour(runbook: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    assert run("analyze", str(runbook), "--output", str(report))[0] == 1
    text = report.read_text(encoding="utf-8")
    assert "timeout-sigkill" in text and "\x1b[" not in text


def test_dash_is_standard_output(runbook: Path) -> None:
    code, out, _ = run("analyze", str(runbook), "-f", "json", "--output", "-")
    assert code == 1 and json.loads(out)["version"] == 1


def test_an_existing_file_is_replaced_and_keeps_its_mode(runbook: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    report.chmod(0o640)
    run("analyze", str(runbook), "-f", "json", "--output", str(report))
    assert report.read_text(encoding="utf-8").startswith("{")
    assert report.stat().st_mode & 0o777 == 0o640


def test_a_new_file_gets_the_umask_mode(runbook: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    old = os.umask(0o027)
    try:
        run("analyze", str(runbook), "-f", "json", "--output", str(report))
    finally:
        os.umask(old)
    assert report.stat().st_mode & 0o777 == 0o640  # not the temporary file's 0600


def test_a_symlink_is_written_through(runbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run("analyze", str(runbook), "-f", "json", "--output", str(link))
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("{")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/report.json", "--output {path}: no such directory {tmp}/missing"),
        (".", "--output {path}: is a directory"),
        ("runbook.log/report.json", "--output {path}: {tmp}/runbook.log is not a directory"),
    ],
)
def test_an_unusable_output_is_one_line_exit_2(
    runbook: Path, tmp_path: Path, name: str, message: str
) -> None:
    path = tmp_path / name
    code, out, err = run("analyze", str(runbook), "--output", str(path))
    assert code == 2 and out == ""
    assert err == "diagnoser: error: " + message.format(path=path, tmp=tmp_path) + "\n"


def test_a_directory_it_cannot_write_is_one_line_exit_2(runbook: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        code, _, err = run("analyze", str(runbook), "--output", str(locked / "r.txt"))
    finally:
        locked.chmod(0o700)
    assert code == 2
    assert err == f"diagnoser: error: --output {locked / 'r.txt'}: Permission denied\n"


class _Failing:
    """A formatter that fails halfway through its report."""

    def write(self, report: Report, out: IO[str]) -> None:
        out.write('{"half": ')
        raise RuntimeError("formatter failed")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_report(_Failing(), Report.model_construct(), report)
    assert report.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_output_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"^--output .*: "):
        write_report(_Failing(), Report.model_construct(), tmp_path / "gone" / "r.json")


def test_watch_writes_its_final_report_in_the_stream_kind(runbook: Path, tmp_path: Path) -> None:
    as_json, as_text = tmp_path / "final.json", tmp_path / "final.txt"
    code, out, _ = run("watch", str(runbook), "-f", "jsonl", "--output", str(as_json))
    assert code == 1
    summary = json.loads(out.splitlines()[-1])
    assert summary["type"] == "summary"
    assert json.loads(as_json.read_text(encoding="utf-8")) == summary["report"]
    assert run("watch", str(runbook), "-f", "text", "--output", str(as_text))[0] == 1
    text = as_text.read_text(encoding="utf-8")
    assert text.startswith("diagnoser: 3 lines read") and "timeout-sigkill" in text


def test_watch_checks_the_output_before_it_starts(runbook: Path, tmp_path: Path) -> None:
    code, out, err = run("watch", str(runbook), "--output", str(tmp_path / "no" / "f.json"))
    assert code == 2 and out == ""
    assert "no such directory" in err and err.count("\n") == 1
