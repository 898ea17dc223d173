"""Rule files: validation errors name the file and the field; built-ins load."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnoser.rules import RuleError, builtin_rules_dir, load_rules

VALID = """
id = "my-rule"
cause = "slow_request"
severity = "warning"
confidence = 0.5
title = "t"
explanation = "e"

[match]
type = "sequence"
steps = [ { event = "worker_timeout" } ]
"""


def write(tmp_path: Path, text: str, name: str = "my-rule.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_builtin_rules_load_and_have_fixes() -> None:
    rules, fixes = load_rules()
    ids = {r.id for r in rules}
    assert {"timeout-kill", "timeout-sigkill", "oom-kill", "boot-failure"} <= ids
    for rule in rules:
        assert rule.fix is None or rule.fix in fixes
    assert (builtin_rules_dir() / "fixes.toml").is_file()


def test_user_rule_is_added(tmp_path: Path) -> None:
    rules, _ = load_rules([write(tmp_path, VALID)])
    assert "my-rule" in {r.id for r in rules}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('cause = "slow_request"', 'cause = "gremlins"'), "cause"),
        (("confidence = 0.5", "confidence = 1.5"), "confidence"),
        (('severity = "warning"', 'severity = "loud"'), "severity"),
        (('event = "worker_timeout"', 'event = "worker_sneezed"'), "match.steps.0.event.0"),
        (('type = "sequence"', 'type = "sometimes"'), "match.type"),
        (('id = "my-rule"', 'id = "My Rule"'), "id"),
        (('title = "t"\n', 'title = "t"\nbogus = 1\n'), "bogus"),
        (("[match]", '[match]\ntimespan = "soon"'), "match.timespan"),
    ],
)
def test_invalid_rule_names_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    old, new = change
    assert old in VALID
    directory = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(RuleError) as info:
        load_rules([directory])
    message = str(info.value)
    assert str(directory / "my-rule.toml") in message
    assert f"field '{field}'" in message
    assert "\n" not in message


def test_missing_field_is_named(tmp_path: Path) -> None:
    directory = write(tmp_path, VALID.replace('title = "t"\n', ""))
    with pytest.raises(RuleError, match=r"field 'title': Field required"):
        load_rules([directory])


def test_unknown_fix_is_an_error(tmp_path: Path) -> None:
    directory = write(
        tmp_path, VALID.replace('explanation = "e"', 'explanation = "e"\nfix = "nope"')
    )
    with pytest.raises(RuleError, match=r"field 'fix': no fix named 'nope'"):
        load_rules([directory])


def test_unknown_superseded_rule_is_an_error(tmp_path: Path) -> None:
    directory = write(
        tmp_path, VALID.replace('explanation = "e"', 'explanation = "e"\nsupersedes = ["x"]')
    )
    with pytest.raises(RuleError, match=r"field 'supersedes'"):
        load_rules([directory])


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    directory = write(tmp_path, "id = \n")
    with pytest.raises(RuleError, match=r"my-rule.toml: not valid TOML"):
        load_rules([directory])


def test_step_needs_event_or_any(tmp_path: Path) -> None:
    directory = write(tmp_path, VALID.replace('{ event = "worker_timeout" }', "{ }"))
    with pytest.raises(RuleError, match=r"field 'match.steps.0'"):
        load_rules([directory])


def test_count_takes_one_step(tmp_path: Path) -> None:
    text = VALID.replace('type = "sequence"', 'type = "count"').replace(
        '{ event = "worker_timeout" }', '{ event = "worker_timeout" }, { event = "worker_exiting" }'
    )
    with pytest.raises(
        RuleError, match=r"field 'match': Value error, a count match takes exactly one step"
    ):
        load_rules([write(tmp_path, text)])


def test_rules_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"not a directory"):
        load_rules([tmp_path / "nope"])
