"""Rules named on the command line: by id (`timeout-sigkill`) or by cause (`oom_kill`).

`explain` takes either; a cause stands for every rule of that cause. An unknown
name is an error naming the closest ids and causes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from diagnoser.cli.usage import did_you_mean
from diagnoser.rules import Rule
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
