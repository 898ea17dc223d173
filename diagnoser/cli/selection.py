"""Rules named on the command line: by id (`timeout-sigkill`) or by cause (`oom_kill`).

`--select`, `--ignore` and `explain` take either; a cause stands for every rule
of that cause. An unknown name is an error naming the closest ids and causes.
The names become rule ids here, before the analysis, which knows only ids.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from diagnoser.cli.usage import did_you_mean
from diagnoser.rules import Rule, RuleError, load_rules
from diagnoser.vocabulary import Cause


class UnknownName(ValueError):
    """A name that is neither a rule id nor the cause of a rule."""


def causes(rules: Iterable[Rule]) -> list[str]:
    """The causes the rules report, sorted."""
    return sorted({rule.cause.value for rule in rules})


def unknown(name: str, rules: list[Rule]) -> UnknownName:
    """The error for `name`, with the close rule ids and causes as the hint."""
    if name in {cause.value for cause in Cause}:
        return UnknownName(f"no rule loaded has the cause {name!r}")
    known = sorted(rule.id for rule in rules) + causes(rules)
    close = difflib.get_close_matches(name, known, n=3)
    hint = did_you_mean(close) or "see 'diagnoser rules list'"
    return UnknownName(f"no rule or cause named {name!r} ({hint})")


def of_cause(cause: str, rules: list[Rule]) -> list[Rule]:
    """The rules whose cause is `cause`, by id."""
    return sorted((rule for rule in rules if rule.cause.value == cause), key=lambda r: r.id)


def rule_ids(names: list[str], rules: list[Rule]) -> list[str]:
    """The ids `names` stand for: ids as given, causes as their rules' ids."""
    ids = {rule.id for rule in rules}
    chosen: list[str] = []
    for name in names:
        if name in ids:
            chosen.append(name)
            continue
        matched = of_cause(name, rules)
        if not matched:
            raise unknown(name, rules)
        chosen.extend(rule.id for rule in matched)
    return list(dict.fromkeys(chosen))


def resolve(
    select: list[str] | None, ignore: list[str] | None, rule_dirs: list[Path] | None
) -> tuple[list[str] | None, list[str] | None]:
    """`--select` and `--ignore` as rule ids (the rules are loaded only when one is given)."""
    if not select and not ignore:
        return select, ignore
    rules, _ = load_rules(rule_dirs)
    return rule_ids(select or [], rules), rule_ids(ignore or [], rules)


def complete(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for a rule id (with its cause) or a cause (with its rule count)."""
    # short help: typer renders it with rich, which wraps long lines and reads [markup]
    try:
        rules, _ = load_rules()
    except RuleError:
        return []
    names = [(rule.id, f"{rule.severity.value} {rule.cause.value}") for rule in rules]
    for cause in causes(rules):
        count = len(of_cause(cause, rules))
        names.append((cause, f"{count} rule{'s' if count > 1 else ''}"))
    return sorted(name for name in names if name[0].startswith(incomplete))
