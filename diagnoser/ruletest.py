"""Rule self-tests: each rule's `[[examples]]` run through the whole pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from diagnoser.analysis import Analysis
from diagnoser.rules import Example, Fix, Rule
from diagnoser.sources import Line


@dataclass(slots=True, frozen=True)
class ExampleResult:
    rule: str
    index: int
    ok: bool
    message: str


def run_example(
    rule: Rule, index: int, example: Example, rules: list[Rule], fixes: dict[str, Fix]
) -> ExampleResult:
    """Run one example with every rule loaded; check this rule fires (or not) as it says."""
    analysis = Analysis(rules, fixes)
    for number, text in enumerate(example.log.strip("\n").splitlines(), 1):
        analysis.feed_line(Line(f"{rule.id}-example-{index}", number, text))
    analysis.finish()
    report = analysis.report()
    found = next((f for f in report.findings if f.rule == rule.id), None)
    if example.expect and found is None:
        fired = ", ".join(f.rule for f in report.findings) or "nothing"
        return ExampleResult(rule.id, index, False, f"expected a finding, got {fired}")
    if not example.expect and found is not None:
        return ExampleResult(rule.id, index, False, "expected no finding, but it fired")
    if found is not None and example.workers:
        pids = [w.pid for w in found.workers]
        if pids != example.workers:
            return ExampleResult(
                rule.id, index, False, f"expected workers {example.workers}, got {pids}"
            )
    return ExampleResult(rule.id, index, True, "ok")


def run_examples(rules: list[Rule], fixes: dict[str, Fix]) -> list[ExampleResult]:
    return [
        run_example(rule, index, example, rules, fixes)
        for rule in rules
        for index, example in enumerate(rule.examples, 1)
    ]
