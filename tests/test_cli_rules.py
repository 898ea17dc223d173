"""`diagnoser rules list`, `diagnoser rules test` and `diagnoser explain`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from diagnoser.cli.app import app
from diagnoser.ruledocs import DOCS, GENERATED
from diagnoser.rules import load_rules

runner = CliRunner()
RULES, _ = load_rules()

BOOT = "[2025-07-30 09:51:46 +0000] [7] [INFO] Booting worker with pid: 7"
TIMEOUT = "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def rule_file(directory: Path, rule_id: str, examples: list[tuple[bool, str]]) -> Path:
    """A valid rule firing on a WORKER TIMEOUT, with the given (expect, log) examples."""
    body = "\n".join(
        f'[[examples]]\nexpect = {"true" if expect else "false"}\nlog = """\n{log}\n"""\n'
        for expect, log in examples
    )
    path = directory / f"{rule_id}.toml"
    path.write_text(
        f'id = "{rule_id}"\ncause = "slow_request"\nseverity = "warning"\nconfidence = 0.5\n'
        f'title = "A timeout"\nexplanation = "A worker timed out."\n\n'
        f'[match]\ntype = "sequence"\nsteps = [{{ event = "worker_timeout" }}]\n\n{body}',
        encoding="utf-8",
    )
    return path


def test_rules_list_shows_every_rule() -> None:
    code, out, _ = run("rules", "list")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == sorted(rule.id for rule in RULES)
    assert out.splitlines()[0].split() == ["id", "cause", "severity", "confidence", "title"]
    assert "\x1b" not in out  # piped: plain text


def test_rules_list_with_a_rule_dir(tmp_path: Path) -> None:
    rule_file(tmp_path, "my-rule", [(True, TIMEOUT), (False, BOOT)])
    code, out, _ = run("rules", "list", "--rules", str(tmp_path))
    assert code == 0
    assert any(line.startswith("my-rule ") for line in out.splitlines())


def test_rules_list_as_json() -> None:
    code, out, _ = run("rules", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [entry["id"] for entry in listed] == sorted(rule.id for rule in RULES)
    by_id = {rule.id: rule for rule in RULES}
    for entry in listed:
        assert set(entry) == {"id", "cause", "severity", "confidence", "title", "file"}
        rule = by_id[entry["id"]]
        assert (entry["cause"], entry["severity"]) == (rule.cause.value, rule.severity.value)
        assert entry["confidence"] == rule.confidence and entry["title"] == rule.title
        assert Path(entry["file"]).is_file() and Path(entry["file"]).stem == rule.id


def test_rules_list_as_json_with_a_rule_dir(tmp_path: Path) -> None:
    path = rule_file(tmp_path, "my-rule", [(True, TIMEOUT), (False, BOOT)])
    code, out, _ = run("rules", "list", "-f", "json", "--rules", str(tmp_path))
    assert code == 0
    mine = [entry for entry in json.loads(out) if entry["id"] == "my-rule"]
    assert mine == [
        {
            "id": "my-rule",
            "cause": "slow_request",
            "severity": "warning",
            "confidence": 0.5,
            "title": "A timeout",
            "file": str(path),
        }
    ]


def test_rules_list_unknown_format_is_one_line() -> None:
    code, out, err = run("rules", "list", "--format", "yaml")
    assert code == 2 and out == ""
    assert err == "diagnoser: error: invalid value 'yaml' for --format (choose from text, json)\n"


def test_rules_test_passes_on_the_builtin_rules() -> None:
    code, out, _ = run("rules", "test")
    assert code == 0, out
    lines = out.splitlines()
    assert re.fullmatch(r"\d+ passed, 0 failed", lines[-1])
    assert int(lines[-1].split()[0]) == sum(len(rule.examples) for rule in RULES)
    assert all(line.startswith("ok   ") for line in lines[:-1])


def test_rules_test_dir_tests_only_its_rules(tmp_path: Path) -> None:
    rule_file(tmp_path, "my-rule", [(True, TIMEOUT), (False, BOOT)])
    code, out, _ = run("rules", "test", str(tmp_path))
    assert code == 0, out
    assert out.splitlines() == [
        "ok   my-rule #1 (fires)",
        "ok   my-rule #2 (quiet)",
        "2 passed, 0 failed",
    ]


def test_a_positive_example_that_does_not_fire_fails(tmp_path: Path) -> None:
    rule_file(tmp_path, "never-fires", [(True, BOOT), (False, BOOT)])
    code, out, _ = run("rules", "test", str(tmp_path))
    assert code == 1
    assert "FAIL never-fires #1 (fires): expected a finding" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_a_rule_without_a_negative_example_fails(tmp_path: Path) -> None:
    rule_file(tmp_path, "only-positive", [(True, TIMEOUT)])
    code, out, _ = run("rules", "test", str(tmp_path))
    assert code == 1
    assert "FAIL only-positive: no negative example" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_a_rule_without_a_positive_example_fails(tmp_path: Path) -> None:
    rule_file(tmp_path, "only-negative", [(False, BOOT)])
    code, out, _ = run("rules", "test", str(tmp_path))
    assert code == 1
    assert "FAIL only-negative: no positive example" in out


def test_an_invalid_rule_file_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('id = "broken"\ncause = "gremlins"\n', encoding="utf-8")
    code, out, err = run("rules", "test", str(tmp_path))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("diagnoser: error: ") and "broken.toml" in err


def test_a_dir_without_rules_exits_2(tmp_path: Path) -> None:
    code, _, err = run("rules", "test", str(tmp_path))
    assert code == 2
    assert len(err.splitlines()) == 1 and "no rule files" in err


def test_explain_shows_the_sections_and_the_fix() -> None:
    code, out, _ = run("explain", "timeout-sigkill")
    assert code == 0
    assert out.splitlines()[0].startswith("# timeout-sigkill: Gunicorn killed worker")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
        assert section in out
    assert "slow_request" in out and "critical" in out and "92%" in out
    assert "WORKER TIMEOUT (pid:96)" in out  # the example's log
    assert "> Gunicorn killed worker 96" in out  # what it reports on it
    assert "timeout = {suggested_timeout}  # seconds" in out  # the fix's snippet, its value derived
    assert "Runbook section: 1. Configuração Otimizada do Gunicorn" in out
    assert "Caveat: A longer timeout only hides a slow endpoint" in out


def test_explain_prints_the_rule_page() -> None:
    code, out, _ = run("explain", "timeout-sigkill")
    assert code == 0
    page = (DOCS / "rules" / "timeout-sigkill.md").read_text(encoding="utf-8")
    assert GENERATED + out == page


def test_explain_unknown_rule_exits_2_with_one_line() -> None:
    code, out, err = run("explain", "nope")
    assert code == 2
    assert out == ""
    assert err == "diagnoser: error: no rule or cause named 'nope' (see 'diagnoser rules list')\n"


def test_explain_suggests_close_matches() -> None:
    code, _, err = run("explain", "timeout-sigkil")
    assert code == 2
    assert "did you mean timeout-sigkill" in err


def test_explain_suggests_close_causes_and_ids() -> None:
    code, out, err = run("explain", "oom_kil")
    assert code == 2 and out == ""
    assert (
        err
        == "diagnoser: error: no rule or cause named 'oom_kil' (did you mean oom_kill, oom-kill?)\n"
    )


def test_explain_a_cause_lists_its_rules_one_line_each() -> None:
    code, out, _ = run("explain", "oom_kill")
    assert code == 0
    expected = sorted((r for r in RULES if r.cause.value == "oom_kill"), key=lambda r: r.id)
    lines = out.splitlines()
    assert lines[0] == f"oom_kill: {len(expected)} rules"
    assert [line.split()[0] for line in lines[1:]] == [rule.id for rule in expected]
    for line, rule in zip(lines[1:], expected, strict=True):
        assert line.split()[1:3] == [rule.severity.value, f"{rule.confidence:.2f}"]
        assert line.endswith(rule.title)


def test_explain_a_rule_id_wins_over_a_cause_of_the_same_words() -> None:
    # `oom-kill` is a rule; `oom_kill` its cause
    assert run("explain", "oom-kill")[1].startswith("# oom-kill: ")
    assert run("explain", "oom_kill")[1].startswith("oom_kill: ")


def test_explain_a_cause_of_a_rule_dir(tmp_path: Path) -> None:
    rule_file(tmp_path, "my-rule", [(True, TIMEOUT), (False, BOOT)])
    code, out, _ = run("explain", "slow_request", "--rules", str(tmp_path))
    assert code == 0
    assert any(line.split()[0] == "my-rule" for line in out.splitlines()[1:])
