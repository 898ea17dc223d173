"""Findings: rule occurrences gathered per rule, worded, ranked, with their fix."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from diagnoser.engine import Occurrence
from diagnoser.events import Event, Kind
from diagnoser.i18n import ntr
from diagnoser.report.model import Evidence, FindingOut, FixOut, WorkerId
from diagnoser.rules import Fix, Rule, Where
from diagnoser.runbook import runbook_section

if TYPE_CHECKING:
    from diagnoser.remedies import Remedies

MAX_EVIDENCE = 40
_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|([^{}]*))?\}")


@dataclass(slots=True)
class _Summary:
    """What one occurrence's events give a finding, kept until its events change
    (an attached event, or a traceback rebuilt when its chain goes on)."""

    size: tuple[int, int]  # events and extra lines when made
    tracebacks: list[tuple[Event, object]]  # events with a traceback, and which one
    fields: dict[str, str]  # each field's first value
    pids: list[str]  # pids of the workers that took part (the steps'), first seen first
    evidence: list[tuple[str, int, str]]  # (source, line, text), each once, in order
    keys: list[tuple[str, int]]  # (source, line) of the same
    workers: list[tuple[str, int]]
    instances: set[str]
    bare: bool  # an event names no instance
    ids: set[int]  # the events, for supersession


def _summary(occurrence: Occurrence) -> _Summary:
    found = occurrence.summary
    size = (len(occurrence.events), occurrence.extra_lines)
    if (
        isinstance(found, _Summary)
        and found.size == size
        and all(event.traceback is tb for event, tb in found.tracebacks)
    ):
        return found
    fields: dict[str, str] = {}
    evidence: list[tuple[str, int, str]] = []
    seen: set[tuple[str, int]] = set()
    instances: set[str] = set()
    bare = False
    for event in occurrence.events:
        for name, value in event.fields.items():
            if name not in fields:
                fields[name] = str(value)
        if event.instance:
            instances.add(event.instance)
        else:
            bare = True
        for number, text in event.evidence_lines():
            if (event.source, number) not in seen:
                seen.add((event.source, number))
                evidence.append((event.source, number, text))
    summary = _Summary(
        size,
        [(e, e.traceback) for e in occurrence.events if e.traceback is not None],
        fields,
        list(dict.fromkeys(str(pid) for _, pid in occurrence.workers)),
        evidence,
        [(source, number) for source, number, _ in evidence],
        list(occurrence.workers),
        instances,
        bare,
        {id(e) for e in occurrence.events},
    )
    occurrence.summary = summary
    return summary


def _context(occurrences: list[Occurrence]) -> dict[str, str]:
    """Values a rule's title, explanation and fix may quote: first one seen wins."""
    ctx: dict[str, str] = {}
    seen_pids: dict[str, None] = {}
    for occurrence in occurrences:
        summary = _summary(occurrence)
        if not summary.fields.keys() <= ctx.keys():
            for key, value in summary.fields.items():
                ctx.setdefault(key, value)
        for pid in summary.pids:
            seen_pids.setdefault(pid, None)
    pids = list(seen_pids)
    ctx["count"] = str(len(occurrences))
    ctx["pids"] = ", ".join(pids[:10]) + (" …" if len(pids) > 10 else "")
    ctx["worker_count"] = str(len(pids))
    if pids:
        ctx.setdefault("pid", pids[0])
    ctx["times"] = "once" if len(occurrences) == 1 else f"{len(occurrences)} times"
    return ctx


def render(template: str, ctx: dict[str, str]) -> str:
    """Fill `{name}` or `{name|default}` placeholders from the evidence.

    A name the evidence lacks takes its default, or stays as written without one.
    """

    def fill(m: re.Match[str]) -> str:
        value = ctx.get(m.group(1))
        if value is not None:
            return value
        return m.group(2) if m.group(2) is not None else m.group(0)

    return _PLACEHOLDER.sub(fill, template)


def _evidence(occurrences: list[Occurrence], multiple_inputs: bool) -> tuple[list[Evidence], int]:
    seen: set[tuple[str, int]] = set()
    lines: list[Evidence] = []
    omitted = 0
    for occurrence in occurrences:
        omitted += occurrence.extra_lines  # follow-up lines counted, not kept
        items = _summary(occurrence).evidence
        if len(lines) >= MAX_EVIDENCE:
            before = len(seen)
            seen.update(_summary(occurrence).keys)
            omitted += len(seen) - before
            continue
        for source, number, text in items:
            if (source, number) in seen:
                continue
            seen.add((source, number))
            if len(lines) >= MAX_EVIDENCE:
                omitted += 1
                continue
            lines.append(Evidence(line=number, text=text, path=source if multiple_inputs else None))
    return lines, omitted


def _workers(occurrences: list[Occurrence]) -> list[WorkerId]:
    seen: dict[tuple[str, int], None] = {}
    for occurrence in occurrences:
        for worker in _summary(occurrence).workers:
            seen.setdefault(worker, None)
    return [WorkerId(instance=i, pid=p) for i, p in seen]


def _drop_superseded(occurrences: Iterable[Occurrence]) -> list[Occurrence]:
    """A specific rule (slow query) replaces a general one (timeout) on the same events.

    An occurrence is dropped when a rule that supersedes its rule fired on any of
    the same events (the same WORKER TIMEOUT, the same boot exception).
    """
    kept = list(occurrences)
    covered: dict[str, set[int]] = {}
    for occurrence in kept:
        for other in occurrence.rule.supersedes:
            covered.setdefault(other, set()).update(_summary(occurrence).ids)
    return [
        o
        for o in kept
        if not (o.rule.id in covered and not covered[o.rule.id].isdisjoint(_summary(o).ids))
    ]


class Seen(Protocol):
    """What the whole input showed: used to weigh evidence for and against a cause."""

    def __call__(self, kinds: list[Kind], where: Where, instances: set[str]) -> bool: ...


def _never(kinds: list[Kind], where: Where, instances: set[str]) -> bool:
    return False


def build_findings(
    occurrences: Iterable[Occurrence],
    fixes: dict[str, Fix],
    multiple_inputs: bool = False,
    extra_context: dict[str, str] | None = None,
    *,
    lang: str = "en",
    seen: Seen = _never,
    remedies: Remedies | None = None,
    dropped: dict[str, int] | None = None,
) -> list[FindingOut]:
    """One finding per rule, most likely cause first.

    `extra_context` holds values measured over the whole input (request
    percentiles, a suggested timeout) that any finding may quote; `seen` tells
    whether the input showed some event, for the rules' differential evidence.
    """
    by_rule: dict[str, list[Occurrence]] = {}
    for occurrence in _drop_superseded(occurrences):
        by_rule.setdefault(occurrence.rule.id, []).append(occurrence)
    findings = [
        finding_for(
            group[0].rule, group, fixes, multiple_inputs, extra_context, lang, seen, remedies
        )
        for group in by_rule.values()
    ]
    for finding in findings:
        # occurrences past the per-rule bound were counted, not kept
        finding.occurrences += (dropped or {}).get(finding.rule, 0)
    findings.sort(key=lambda f: (-f.severity.rank, -f.confidence, -f.occurrences, f.rule))
    return findings


def _times(count: int, lang: str) -> str:
    return ntr(lang, "once", "{n} times", count)


def _fix_out(fix: Fix, ctx: dict[str, str], lang: str, remedies: Remedies | None) -> FixOut:
    words = fix.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
    title = words.title if words else fix.title
    caveat = (words.caveat if words else fix.caveat) if fix.caveat else ""
    remedy = remedies.for_fix(fix) if remedies is not None else None
    if remedy is not None:
        ctx = {**ctx, **remedy.values}
    snippet = render(words.snippet if words and words.snippet else fix.snippet, ctx)
    return FixOut(
        id=fix.id,
        title=render(title, ctx),
        file=fix.file,
        snippet=snippet if remedy is None or remedy.status == "suggested" else "",
        runbook_section=runbook_section(fix.runbook_section, lang),
        caveat=render(caveat, ctx),
        current=remedies.current(fix.setting) if remedies is not None and fix.setting else "",
        status=remedy.status if remedy is not None else "suggested",
        note=remedy.note if remedy is not None else "",
    )


ANY_INSTANCE = "*"


def _instances(occurrences: list[Occurrence]) -> set[str]:
    """Where to look for differential evidence: the finding's instances, or anywhere
    when its lines name no instance (bare lines can't be told apart from a platform's)."""
    found: set[str] = set()
    for occurrence in occurrences:
        summary = _summary(occurrence)
        if summary.bare:
            return {ANY_INSTANCE}
        found |= summary.instances
    return found


def finding_for(
    rule: Rule,
    occurrences: list[Occurrence],
    fixes: dict[str, Fix],
    multiple_inputs: bool,
    extra_context: dict[str, str] | None = None,
    lang: str = "en",
    seen: Seen = _never,
    remedies: Remedies | None = None,
) -> FindingOut:
    ctx = {**(extra_context or {}), **_context(occurrences)}
    ctx["times"] = _times(len(occurrences), lang)
    settled = any(o.settled for o in occurrences)
    confidence = rule.confidence if settled else rule.confidence * 0.85
    speaks_for: list[str] = []
    against: list[str] = []
    instances = _instances(occurrences)
    for item in rule.differential:
        present = seen(item.event, item.where, instances)
        if present != (item.when == "present"):
            continue
        words = item.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
        text = render(words.text if words else item.text, ctx)
        if item.says == "for":
            speaks_for.append(text)
            confidence += item.weight
        else:
            against.append(text)
            confidence -= item.weight
    evidence, omitted = _evidence(occurrences, multiple_inputs)
    words = rule.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
    fix = fixes.get(rule.fix) if rule.fix else None
    return FindingOut(
        rule=rule.id,
        cause=rule.cause,
        severity=rule.severity,
        confidence=round(min(1.0, max(0.05, confidence)), 3),
        title=render(words.title if words else rule.title, ctx),
        explanation=render(words.explanation if words else rule.explanation, ctx).strip(),
        settled=settled,
        occurrences=len(occurrences),
        workers=_workers(occurrences),
        evidence=evidence,
        evidence_omitted=omitted,
        fix=None if fix is None else _fix_out(fix, ctx, lang, remedies),
        also=[_fix_out(fixes[name], ctx, lang, remedies) for name in rule.also if name in fixes],
        for_=speaks_for,
        against=against,
    )
