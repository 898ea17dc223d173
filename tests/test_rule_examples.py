"""Each rule's own positive and negative examples hold (sqlfluff-style fixtures)."""

from __future__ import annotations

import pytest

from diagnoser.rules import Rule, load_rules
from diagnoser.ruletest import run_example

RULES, FIXES = load_rules()
CASES = [
    pytest.param(
        rule, index, example, id=f"{rule.id}-{index}-{'fires' if example.expect else 'quiet'}"
    )
    for rule in RULES
    for index, example in enumerate(rule.examples, 1)
]


@pytest.mark.parametrize(("rule", "index", "example"), CASES)
def test_rule_example(rule: Rule, index: int, example: object) -> None:
    result = run_example(rule, index, example, RULES, FIXES)  # type: ignore[arg-type]
    assert result.ok, f"{rule.id} example {index}: {result.message}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_positive_and_a_negative_example(rule: Rule) -> None:
    assert any(e.expect for e in rule.examples), f"{rule.id}: no positive example"
    assert any(not e.expect for e in rule.examples), f"{rule.id}: no negative example"
