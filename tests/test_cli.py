"""The command line: exit codes, formats, errors as one line, untrusted text."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RUNBOOK_LINES, through_head
from typer.testing import CliRunner

from diagnoser.cli.app import app

runner = CliRunner()
HEALTHY = "[2025-07-30 09:51:53 +0000] [7] [INFO] Autorestarting worker after current request.\n"


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    path = tmp_path / "runbook.log"
    path.write_text(RUNBOOK_LINES, encoding="utf-8")
    return path


def test_findings_exit_1(runbook: Path) -> None:
    code, out, _ = run("analyze", str(runbook))
    assert code == 1
    assert "slow_request" in out and "timeout-sigkill" in out


def test_no_finding_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.log"
    path.write_text(HEALTHY, encoding="utf-8")
    code, out, _ = run("analyze", str(path))
    assert code == 0
    assert "no action needed" in out


@pytest.mark.parametrize(("fail_on", "expected"), [("critical", 1), ("info", 1), ("never", 0)])
def test_fail_on(runbook: Path, fail_on: str, expected: int) -> None:
    assert run("analyze", str(runbook), "--fail-on", fail_on)[0] == expected


def test_fail_on_info_counts_info_findings(tmp_path: Path) -> None:
    path = tmp_path / "ok.log"
    path.write_text(HEALTHY, encoding="utf-8")
    assert run("analyze", str(path), "--fail-on", "info")[0] == 1
    assert run("analyze", str(path), "--fail-on", "warning")[0] == 0


def test_json_report(runbook: Path) -> None:
    code, out, _ = run("analyze", str(runbook), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["version"] == 1
    assert data["lines"]["read"] == 3
    finding = data["findings"][0]
    assert finding["cause"] == "slow_request"
    assert finding["workers"] == [{"instance": str(runbook), "pid": 96}]
    assert [e["line"] for e in finding["evidence"]] == [1, 2, 3]
    assert set(finding["fix"]) >= {"title", "file", "snippet", "runbook_section"}


def test_stdin_with_dash_and_without_path() -> None:
    for args in (["analyze", "-"], ["analyze"]):
        code, out, _ = run(*args, "--format", "json", stdin=RUNBOOK_LINES)
        assert code == 1
        assert json.loads(out)["inputs"] == ["-"]


def test_several_files_put_paths_in_evidence(runbook: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.log"
    other.write_text(HEALTHY, encoding="utf-8")
    data = json.loads(run("analyze", str(runbook), str(other), "-f", "json")[1])
    assert data["findings"][0]["evidence"][0]["path"] == str(runbook)


def test_gzip_input(tmp_path: Path) -> None:
    path = tmp_path / "runbook.log.gz"
    path.write_bytes(gzip.compress(RUNBOOK_LINES.encode()))
    assert run("analyze", str(path))[0] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "/nonexistent/x.log"], "diagnoser: error: /nonexistent/x.log: no such file"),
        (
            ["analyze", "-", "--rules", "/nonexistent"],
            "/nonexistent: not a directory of rule files",
        ),
    ],
)
def test_input_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args, stdin="")
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_invalid_rule_file_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('id = "bad"\ncause = "gremlins"\n', encoding="utf-8")
    code, _, err = run("analyze", "-", "--rules", str(tmp_path), stdin=RUNBOOK_LINES)
    assert code == 2
    assert f"{tmp_path / 'bad.toml'}: field 'cause'" in err
    assert err.count("\n") == 1


def test_usage_error_exit_2() -> None:
    assert run("analyze", "--format", "yaml", stdin="")[0] == 2
    assert run("analyze", "--bogus", stdin="")[0] == 2


def test_log_text_is_never_markup_or_control_codes(tmp_path: Path) -> None:
    evil = (
        "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)\n"
        "[2025-07-30 11:10:09 -0300] [96] [INFO] Worker exiting (pid: 96) [bold red]x[/] \x1b[2J\x1b]0;pwned\x07\n"
    )
    path = tmp_path / "evil.log"
    path.write_bytes(evil.encode())
    code, out, _ = run("analyze", str(path), "--color", "--width", "200")
    assert code == 1
    assert "[bold red]x[/]" in out  # printed literally, not interpreted
    assert "\x1b[2J" not in out and "\x1b]0;" not in out and "\x07" not in out
    assert "\\x1b[2J" in out  # shown as a visible escape


def test_undecodable_bytes_are_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bin.log"
    path.write_bytes(RUNBOOK_LINES.encode() + b"\xff\xfe garbage \x00\r\n")
    code, out, _ = run("analyze", str(path), "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert data["lines"]["read"] == 4 and data["lines"]["unrecognized"] == 1


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "diagnoser", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("diagnoser ")


def test_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    proc = through_head(tmp_path, "analyze -f json", 10)
    assert proc.stdout == '{\n  "versi'
    assert proc.stderr == ""


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], True),
        ({"NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": ""}, [], True),  # set but empty: no effect (no-color.org)
        ({"NO_COLOR": "1"}, ["--color"], True),
        ({}, ["--no-color"], False),
    ],
)
def test_analyze_honours_no_color(
    runbook: Path, env: dict[str, str], args: list[str], coloured: bool
) -> None:
    # FORCE_COLOR makes the captured output count as a colour terminal
    result = runner.invoke(app, ["analyze", str(runbook), *args], env={"FORCE_COLOR": "1", **env})
    assert result.exit_code == 1
    assert ("\x1b[" in result.stdout) is coloured
    assert "timeout-sigkill" in result.stdout


def complete(words: str) -> list[str]:
    """What the shell would offer after `words` (click's bash completion protocol)."""
    env = {
        "_DIAGNOSER_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    result = runner.invoke(app, [], env=env, prog_name="diagnoser")
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_shell_completion_is_offered() -> None:
    help_text = run("--help")[1]
    assert "--install-completion" in help_text and "--show-completion" in help_text
    assert complete("diagnoser an") == ["analyze"]
    assert complete("diagnoser analyze --format ") == ["text", "json", "markdown"]
    assert complete("diagnoser rules ") == ["list", "test"]


def finding_rules(*args: str) -> list[str]:
    code, out, err = run("analyze", "-f", "json", *args, stdin=RUNBOOK_LINES)
    assert code in (0, 1), err
    return [finding["rule"] for finding in json.loads(out)["findings"]]


def test_select_and_ignore_take_causes_as_well_as_ids() -> None:
    assert finding_rules() == ["timeout-sigkill"]
    assert finding_rules("--select", "timeout-sigkill") == ["timeout-sigkill"]
    assert finding_rules("--select", "slow_request") == ["timeout-sigkill"]
    assert finding_rules("--select", "oom_kill") == []
    assert finding_rules("--ignore", "slow_request") == []
    # the rule it supersedes fires in its place, and is of the same cause
    assert finding_rules("--select", "slow_request", "--ignore", "timeout-sigkill") == [
        "timeout-kill"
    ]


@pytest.mark.parametrize("command", ["analyze", "watch"])
@pytest.mark.parametrize(
    ("option", "name", "hint"),
    [
        ("--select", "oom_kil", "did you mean oom_kill, oom-kill?"),
        (
            "--ignore",
            "timeout-sigkil",
            "did you mean timeout-sigkill, timeout-kill, timeout-storm?",
        ),
        ("--select", "gremlins", "see 'diagnoser rules list'"),
    ],
)
def test_an_unknown_rule_or_cause_is_one_line_with_a_hint(
    command: str, option: str, name: str, hint: str
) -> None:
    code, out, err = run(command, "-", option, name, stdin=RUNBOOK_LINES)
    assert code == 2 and out == ""
    assert err == f"diagnoser: error: no rule or cause named {name!r} ({hint})\n"


def test_rule_ids_and_causes_are_completed() -> None:
    assert complete("diagnoser analyze --select oom") == ["oom-kill", "oom_kill"]
    assert complete("diagnoser watch --ignore crash") == ["crash-loop", "crash_loop"]
    assert complete("diagnoser explain timeout-sig") == ["timeout-sigkill"]
