"""Rules: TOML files under `rules/`, validated by pydantic, loaded once.

A rule names a cause and describes the event pattern that proves it:

* `sequence`: ordered steps for one group (a worker life, an instance, or the
  whole input) within `timespan`, like Sigma's `temporal_ordered` correlation;
* `count`: at least `threshold` matching events for one group within `timespan`;

either with `absent` conditions: events that must *not* have happened for the
group within a window before the deciding event. The fix catalogue (fixes.toml
beside the rules) holds the fixes rules point to.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import regex as user_regex
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from diagnoser.events import Kind

# Cause and Severity lived here: re-exported for code that still imports them from rules.
from diagnoser.vocabulary import Cause as Cause
from diagnoser.vocabulary import MatchType
from diagnoser.vocabulary import Severity as Severity

REGEX_TIMEOUT = 0.05  # seconds a user-supplied pattern may take on one value


class RuleError(Exception):
    """A rule or fix file that can't be used; the message names the file and field."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def _duration(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 1h)")
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(2) or "s"]
        return float(m.group(1)) * scale
    return value


def _kinds(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Seconds = Annotated[float, BeforeValidator(_duration), Field(ge=0)]
Kinds = Annotated[list[Kind], BeforeValidator(_kinds), Field(min_length=1)]
FieldValue = str | int | float | bool


class Compare(BaseModel):
    """A comparison on a field: `{ gte = 1.0 }`, `{ contains = "psycopg" }`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    contains: str | None = None
    excludes: str | None = None
    regex: str | None = None  # searched with a time limit: a bad pattern can't hang the run

    @model_validator(mode="after")
    def _compiles(self) -> Compare:
        if self.regex is not None:
            try:
                user_regex.compile(self.regex)
            except user_regex.error as exc:
                raise ValueError(f"invalid regex {self.regex!r}: {exc}") from None
        return self

    def test(self, actual: object) -> bool:
        if self.contains is not None and (actual is None or self.contains not in str(actual)):
            return False
        if self.excludes is not None and actual is not None and self.excludes in str(actual):
            return False
        if self.regex is not None:
            if actual is None:
                return False
            try:
                if user_regex.search(self.regex, str(actual), timeout=REGEX_TIMEOUT) is None:
                    return False
            except TimeoutError:
                return False
        bounds = (self.gt, self.gte, self.lt, self.lte)
        if all(b is None for b in bounds):
            return True
        if not isinstance(actual, int | float) or isinstance(actual, bool):
            return False
        return (
            (self.gt is None or actual > self.gt)
            and (self.gte is None or actual >= self.gte)
            and (self.lt is None or actual < self.lt)
            and (self.lte is None or actual <= self.lte)
        )


Where = dict[str, FieldValue | list[FieldValue] | Compare]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Alternative(_Strict):
    """An event of one of `event`'s kinds whose fields satisfy `where`."""

    event: Kinds
    where: Where = Field(default_factory=dict)


class Step(_Strict):
    """One event the pattern needs: `event` + `where`, or `any` of several alternatives."""

    event: Annotated[list[Kind], BeforeValidator(_kinds)] = Field(default_factory=list)
    where: Where = Field(default_factory=dict)
    any: list[Alternative] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_form(self) -> Step:
        if bool(self.event) == bool(self.any):
            raise ValueError("a step takes either 'event' (with optional 'where') or 'any'")
        if self.any and self.where:
            raise ValueError("'where' goes inside each 'any' alternative")
        return self

    @property
    def kinds(self) -> set[Kind]:
        return set(self.event) | {k for alt in self.any for k in alt.event}


class Absent(_Strict):
    """An event that must not have happened within `within` before the deciding one."""

    event: Kinds
    where: Where = Field(default_factory=dict)
    scope: Literal["worker", "instance"] = "worker"
    within: Seconds = 60.0


class Match(_Strict):
    type: MatchType
    group_by: Literal["worker", "instance", "global"] = "worker"
    steps: list[Step] = Field(min_length=1)
    timespan: Seconds = 60.0
    threshold: int = Field(default=1, ge=1)
    absent: list[Absent] = Field(default_factory=list)
    # Events of these kinds for the same group, between the first step and the
    # deciding one, or arriving after it within `timespan`, are added to the
    # evidence (e.g. the `Worker exiting` and SIGKILL lines of a timeout).
    evidence: list[Kind] = Field(default_factory=list)
    # Events of these kinds for the same group shortly *before* the first step are
    # evidence too (e.g. the exception that made a worker fail to boot).
    context: list[Kind] = Field(default_factory=list)
    # A sequence that got this far but not to its end is still reported, as not
    # settled, at end of input (e.g. a WORKER TIMEOUT whose outcome was not logged).
    provisional_after: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _check(self) -> Match:
        if self.type is MatchType.COUNT and len(self.steps) != 1:
            raise ValueError("a count match takes exactly one step")
        if self.provisional_after is not None and self.provisional_after >= len(self.steps):
            raise ValueError("provisional_after must be smaller than the number of steps")
        return self


class Example(_Strict):
    """A log excerpt and what the rule must say about it (run by `rules test`)."""

    log: str
    expect: bool = True  # whether this rule fires
    workers: list[int] = Field(default_factory=list)
    note: str = ""


class DifferentialText(_Strict):
    text: str


class Differential(_Strict):
    """Evidence that speaks for or against a rule's cause, looked for in the whole input.

    `when = "present"`: some event of `event` (with `where`) was seen on the
    finding's instances; `"absent"`: none was. `weight` moves the confidence.
    """

    when: Literal["present", "absent"]
    event: Kinds
    where: Where = Field(default_factory=dict)
    says: Literal["for", "against"]
    text: str
    weight: float = Field(default=0.05, ge=0, le=0.5)
    i18n: dict[Literal["pt-BR"], DifferentialText] = Field(default_factory=dict)


class RuleText(_Strict):
    """A rule's words in another language (`[i18n.pt-BR]`); placeholders as in English."""

    title: str
    explanation: str
    what: str = ""
    why: str = ""


class FixText(_Strict):
    """A fix's words in another language; the snippet stays as it is (code)."""

    title: str
    caveat: str = ""
    snippet: str = ""  # the same code, its comments translated


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    cause: Cause
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    title: str
    explanation: str
    fix: str | None = None
    also: list[str] = Field(default_factory=list)  # further fixes worth applying
    supersedes: list[str] = Field(default_factory=list)
    match: Match
    differential: list[Differential] = Field(default_factory=list)
    # self-documentation (ruff-style): what it detects, why, the fix in words
    what: str = ""
    why: str = ""
    examples: list[Example] = Field(default_factory=list)
    i18n: dict[Literal["pt-BR"], RuleText] = Field(default_factory=dict)
    path: str = Field(default="", exclude=True)


class Fix(_Strict):
    id: str
    title: str
    file: str
    snippet: str
    runbook_section: str = ""  # empty: a fix the runbook does not have
    caveat: str = ""
    setting: str = ""  # the Gunicorn setting it changes, to show its current value
    i18n: dict[Literal["pt-BR"], FixText] = Field(default_factory=dict)


def builtin_rules_dir() -> Path:
    """The rules shipped with the package (inside the wheel), or the repo's `rules/`."""
    packaged = resources.files("diagnoser") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "rules"


def _field_path(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(file)"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_rule(path: Path) -> Rule:
    data = _read_toml(path)
    try:
        return Rule.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise RuleError(
            f"{path}: field '{_field_path(dict(first))}': {first['msg']}{more}"
        ) from None


def load_fixes(path: Path) -> dict[str, Fix]:
    data = _read_toml(path)
    fixes: dict[str, Fix] = {}
    for fix_id, body in data.get("fix", {}).items():
        try:
            fixes[fix_id] = Fix.model_validate({"id": fix_id, **body})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RuleError(
                f"{path}: field 'fix.{fix_id}.{_field_path(dict(first))}': {first['msg']}"
            ) from None
    return fixes


def load_rules(extra_dirs: list[Path] | None = None) -> tuple[list[Rule], dict[str, Fix]]:
    """The built-in rules and fixes, plus rule files from `extra_dirs`."""
    base = builtin_rules_dir()
    fixes = load_fixes(base / "fixes.toml")
    rules: dict[str, Rule] = {}
    dirs = [base, *(extra_dirs or [])]
    for directory in dirs:
        if not directory.is_dir():
            raise RuleError(f"{directory}: not a directory of rule files")
        for path in sorted(directory.glob("*.toml")):
            if path.name == "fixes.toml":
                continue
            rule = load_rule(path)
            if rule.fix is not None and rule.fix not in fixes:
                raise RuleError(f"{path}: field 'fix': no fix named {rule.fix!r} in fixes.toml")
            for extra in rule.also:
                if extra not in fixes:
                    raise RuleError(f"{path}: field 'also': no fix named {extra!r} in fixes.toml")
            if rule.id in rules and directory == base:
                raise RuleError(
                    f"{path}: field 'id': {rule.id!r} is already used by {rules[rule.id].path}"
                )
            rules[rule.id] = rule  # a user's rule with a built-in id replaces it
    known = set(rules)
    for rule in rules.values():
        for other in rule.supersedes:
            if other not in known:
                raise RuleError(f"{rule.path}: field 'supersedes': no rule named {other!r}")
    return list(rules.values()), fixes
