"""Findings: rule occurrences gathered per rule, worded, ranked, with their fix."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from diagnoser.engine import Occurrence
from diagnoser.events import Event, Kind
from diagnoser.i18n import ntr, plural_index
from diagnoser.incidents import (
    Counted,
    EventKey,
    PastBound,
    Place,
    WorkerKey,
    event_key,
    place_of,
    single_incident,
)
from diagnoser.report.model import Evidence, FindingOut, FixOut, PlaceOut, WorkerId
from diagnoser.report.safe import backtick_span, code_chunks, excerpt
from diagnoser.rules import Fix, Rule, Where
from diagnoser.runbook import runbook_section
from diagnoser.timestamps import log_time

if TYPE_CHECKING:
    from diagnoser.remedies import Remedies

MAX_EVIDENCE = 40
MAX_PLACES = 5  # places named in a finding, most frequent first
TITLE_PIDS = 10  # pids a title lists before "and N more"
# `{name}`, `{name|default}`, and `{name?one|other}`: the form that fits the number,
# whose forms may hold plain `{name}` placeholders
_FORM = r"(?:[^{}|]|\{\w+\})*"
_PLACEHOLDER = re.compile(rf"\{{(\w+)(?:\|([^{{}}]*)|\?({_FORM})\|({_FORM}))?\}}")


@dataclass(slots=True)
class _Summary:
    """What one occurrence's events give a finding, kept until its events change
    (an attached event, or a traceback rebuilt when its chain goes on)."""

    size: tuple[int, int]  # events and extra lines when made
    tracebacks: list[tuple[Event, object]]  # events with a traceback, and which one
    fields: dict[str, str]  # each field's first value
    pids: list[str]  # pids of the workers that took part (the steps'), first seen first
    evidence: list[tuple[str, int, str, Event]]  # (source, line, text, its event), in order
    keys: list[tuple[str, int]]  # (source, line) of the same
    workers: list[tuple[str, int]]
    instances: set[str]
    bare: bool  # an event names no instance
    ids: set[EventKey]  # the events, for supersession


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
    evidence: list[tuple[str, int, str, Event]] = []
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
                evidence.append((event.source, number, text, event))
    summary = _Summary(
        size,
        [(e, e.traceback) for e in occurrence.events if e.traceback is not None],
        fields,
        list(dict.fromkeys(str(pid) for _, pid in occurrence.workers)),
        evidence,
        [(source, number) for source, number, _, _ in evidence],
        list(occurrence.workers),
        instances,
        bare,
        {event_key(e) for e in occurrence.events},
    )
    occurrence.summary = summary
    return summary


def _context(
    occurrences: list[Occurrence], counted: list[Counted], total: int, lang: str
) -> dict[str, str]:
    """Values a rule's title, explanation and fix may quote: fields, first one seen
    wins; counts and workers over every occurrence, kept or only counted."""
    ctx: dict[str, str] = {}
    for occurrence in occurrences:
        summary = _summary(occurrence)
        if not summary.fields.keys() <= ctx.keys():
            for key, value in summary.fields.items():
                ctx.setdefault(key, value)
    workers = _worker_keys(occurrences, counted)
    pids = list(dict.fromkeys(str(pid) for _, pid in workers))
    ctx["count"] = str(total)
    ctx["pids"] = ", ".join(pids[:TITLE_PIDS])
    if len(pids) > TITLE_PIDS:
        ctx["pids"] = ntr(
            lang,
            "{pids} and {n} more",
            "{pids} and {n} more",
            len(pids) - TITLE_PIDS,
            pids=ctx["pids"],
        )
    ctx["worker_count"] = str(len(workers))
    if pids:
        ctx.setdefault("pid", pids[0])
    ctx["times"] = _times(total, lang)
    return ctx


def render(template: str, ctx: dict[str, str], lang: str = "en", *, prose: bool = True) -> str:
    """Fill `{name}` or `{name|default}` placeholders from the evidence, and pick the
    form of `{name?one|other}` that fits the number `name` in `lang` ("worker" or
    "workers" for `{worker_count?worker|workers}`).

    A name the evidence lacks takes its default, or stays as written without one.

    Values come from logs, and `prose` (a title, an explanation; not a snippet)
    quotes settings as `code` spans: a backtick in a value must not pair with the
    template's own. A value holding one becomes a code span of its own, or widens
    the template's span it is placed in, each delimited by a backtick run longer
    than any inside, so the template's spans stay as written.
    """
    if not prose:
        return _fill(template, ctx, lang, str)
    parts: list[str] = []
    for is_code, chunk in code_chunks(template):
        if not is_code:
            parts.append(_fill(chunk, ctx, lang, _quoted))
            continue
        ticks = len(chunk) - len(chunk.lstrip("`"))
        inside = _fill(chunk[ticks:-ticks], ctx, lang, str)
        if "`" not in inside:
            parts.append(chunk[:ticks] + inside + chunk[:ticks] if inside else "")
        else:
            parts.append(backtick_span(inside))
    return "".join(parts)


def _quoted(value: str) -> str:
    """A value placed in prose: as it is, or a code span when it holds a backtick."""
    return backtick_span(value) if "`" in value else value


def _fill(template: str, ctx: dict[str, str], lang: str, quote: Callable[[str], str]) -> str:
    """`template` with its placeholders filled, each value passed through `quote`."""

    def fill(m: re.Match[str]) -> str:
        value = ctx.get(m.group(1))
        if m.group(3) is not None:  # a choice of forms; none counted speaks of one
            count = int(value) if value is not None and value.isdigit() else 0
            form = m.group(3) if count == 0 or plural_index(lang, count) == 0 else m.group(4)
            return _fill(form, ctx, lang, quote)
        if value is not None:
            return quote(value)
        return m.group(2) if m.group(2) is not None else m.group(0)

    return _PLACEHOLDER.sub(fill, template)


_CHOICE = re.compile(rf"\{{\w+\?({_FORM})\|{_FORM}\}}")


def one_form(template: str) -> str:
    """`template` as it reads of one: `{name?one|other}` choices take their first form,
    other placeholders stay (a rule's title as its documentation shows it)."""
    return _CHOICE.sub(lambda m: m.group(1), template)


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
        for source, number, text, event in items:
            if (source, number) in seen:
                continue
            seen.add((source, number))
            if len(lines) >= MAX_EVIDENCE:
                omitted += 1
                continue
            path = source if multiple_inputs else None
            # a traceback's lines were written with its header line, at its time
            time = None if event.ts is None else log_time(event.ts, event.text)
            lines.append(Evidence(line=number, text=excerpt(text), path=path, time=time))
    return lines, omitted


def _worker_keys(occurrences: list[Occurrence], counted: list[Counted]) -> list[WorkerKey]:
    """The distinct workers that took part, over kept and counted occurrences."""
    seen: dict[WorkerKey, None] = {}
    for occurrence in occurrences:
        for worker in _summary(occurrence).workers:
            seen.setdefault(worker, None)
    for record in counted:
        for worker in record.workers:
            seen.setdefault(worker, None)
    return list(seen)


def _places(occurrences: list[Occurrence], counted: list[Counted]) -> list[PlaceOut]:
    """The most frequent places of a rule's occurrences, when any is known."""
    tally: dict[Place, int] = {}
    for place in [place_of(o.events) for o in occurrences] + [r.place for r in counted]:
        tally[place] = tally.get(place, 0) + 1
    if set(tally) <= {("", "")}:
        return []
    ranked = sorted(
        ((place, n) for place, n in tally.items() if place != ("", "")),
        key=lambda item: (-item[1], item[0]),
    )
    return [
        PlaceOut(path=excerpt(path), frame=excerpt(frame), occurrences=n)
        for (path, frame), n in ranked[:MAX_PLACES]
    ]


def _drop_superseded(
    occurrences: Iterable[Occurrence], past_bound: dict[str, PastBound]
) -> tuple[list[Occurrence], dict[str, list[Counted]]]:
    """A specific rule (slow query) replaces a general one (timeout) on the same events.

    An occurrence is dropped when a rule that supersedes its rule fired on any of
    the same events (the same WORKER TIMEOUT, the same boot exception); counted
    occurrences past a rule's bound, alike.
    """
    kept = list(occurrences)
    covered: dict[str, set[EventKey]] = {}
    for occurrence in kept:
        for other in occurrence.rule.supersedes:
            covered.setdefault(other, set()).update(_summary(occurrence).ids)
    records = {rule_id: past.records() for rule_id, past in past_bound.items()}
    for rule_id, past in past_bound.items():
        for other in past.rule.supersedes:
            keys = covered.setdefault(other, set())
            for record in records[rule_id]:
                keys.update(record.keys)
    counted = {
        rule_id: [r for r in records[rule_id] if covered.get(rule_id, set()).isdisjoint(r.keys)]
        for rule_id in past_bound
    }
    return [
        o
        for o in kept
        if not (o.rule.id in covered and not covered[o.rule.id].isdisjoint(_summary(o).ids))
    ], counted


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
    past_bound: dict[str, PastBound] | None = None,
) -> list[FindingOut]:
    """One finding per rule, most likely cause first.

    `extra_context` holds values measured over the whole input (request
    percentiles, a suggested timeout) that any finding may quote; `seen` tells
    whether the input showed some event, for the rules' differential evidence.
    `past_bound` holds the occurrences past each rule's kept bound: they count in
    every number a finding gives, as the kept ones do.
    """
    past_bound = past_bound or {}
    kept, counted = _drop_superseded(occurrences, past_bound)
    by_rule: dict[str, list[Occurrence]] = {}
    rules: dict[str, Rule] = {}
    for occurrence in kept:
        by_rule.setdefault(occurrence.rule.id, []).append(occurrence)
        rules.setdefault(occurrence.rule.id, occurrence.rule)
    for rule_id, past in past_bound.items():
        if counted[rule_id] or (_uncounted(past) and rule_id in by_rule):
            rules.setdefault(rule_id, past.rule)
    findings = [
        finding_for(
            rule,
            by_rule.get(rule_id, []),
            fixes,
            multiple_inputs,
            extra_context,
            lang,
            seen,
            remedies,
            counted=counted.get(rule_id, []),
            uncounted=_uncounted(past_bound.get(rule_id)),
        )
        for rule_id, rule in rules.items()
    ]
    findings.sort(key=lambda f: (-f.severity.rank, -f.confidence, -f.occurrences, f.rule))
    return findings


def _uncounted(past: PastBound | None) -> int:
    """Occurrences past the bound known only by their number (past the records too)."""
    return 0 if past is None else past.total - len(past.records())


def _excerpts(values: dict[str, str]) -> dict[str, str]:
    """Values a rule's text may quote, each cut to an excerpt: a title or an explanation
    quotes at most `EXCERPT_CHARS` of any one log text."""
    return {name: excerpt(value) for name, value in values.items()}


def _times(count: int, lang: str) -> str:
    return ntr(lang, "once", "{n} times", count)


def _fix_out(fix: Fix, ctx: dict[str, str], lang: str, remedies: Remedies | None) -> FixOut:
    words = fix.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
    title = words.title if words else fix.title
    caveat = (words.caveat if words else fix.caveat) if fix.caveat else ""
    remedy = remedies.for_fix(fix) if remedies is not None else None
    if remedy is not None:
        ctx = {**ctx, **_excerpts(remedy.values)}
    snippet = render(words.snippet if words and words.snippet else fix.snippet, ctx, prose=False)
    return FixOut(
        id=fix.id,
        title=render(title, ctx),
        file=fix.file,
        snippet=snippet if remedy is None or remedy.status == "suggested" else "",
        runbook_section=runbook_section(fix.runbook_section, lang),
        caveat=render(caveat, ctx),
        current=excerpt(remedies.current(fix.setting)) if remedies and fix.setting else "",
        status=remedy.status if remedy is not None else "suggested",
        note=excerpt(remedy.note) if remedy is not None else "",
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


def _counted_instances(counted: list[Counted]) -> set[str]:
    """`_instances` of a finding whose occurrences were all past its bound: those of its
    workers, or anywhere when they name none."""
    return {instance for record in counted for instance, _ in record.workers} or {ANY_INSTANCE}


def finding_for(
    rule: Rule,
    occurrences: list[Occurrence],
    fixes: dict[str, Fix],
    multiple_inputs: bool,
    extra_context: dict[str, str] | None = None,
    lang: str = "en",
    seen: Seen = _never,
    remedies: Remedies | None = None,
    *,
    counted: list[Counted] | None = None,
    uncounted: int = 0,
) -> FindingOut:
    """The finding of `rule` from its kept `occurrences` and those `counted` past its
    bound (`uncounted`: past that too, known only by their number)."""
    counted = counted or []
    total = len(occurrences) + len(counted) + uncounted
    ctx = _excerpts({**(extra_context or {}), **_context(occurrences, counted, total, lang)})
    settled = any(o.settled for o in occurrences) or any(r.settled for r in counted)
    confidence = rule.confidence if settled else rule.confidence * 0.85
    speaks_for: list[str] = []
    against: list[str] = []
    instances = _instances(occurrences) if occurrences else _counted_instances(counted)
    for item in rule.differential:
        present = seen(item.event, item.where, instances)
        if present != (item.when == "present"):
            continue
        words = item.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
        text = render(words.text if words else item.text, ctx, lang)
        if item.says == "for":
            speaks_for.append(text)
            confidence += item.weight
        else:
            against.append(text)
            confidence -= item.weight
    evidence, omitted = _evidence(occurrences, multiple_inputs)
    omitted += sum(record.lines for record in counted)
    words = rule.i18n.get(lang) if lang != "en" else None  # type: ignore[call-overload]
    fix = fixes.get(rule.fix) if rule.fix else None
    return FindingOut(
        rule=rule.id,
        cause=rule.cause,
        severity=rule.severity,
        confidence=round(min(1.0, max(0.05, confidence)), 3),
        title=render(words.title if words else rule.title, ctx, lang),
        explanation=render(words.explanation if words else rule.explanation, ctx, lang).strip(),
        settled=settled,
        occurrences=total,
        workers=[
            WorkerId(instance=excerpt(i), pid=p) for i, p in _worker_keys(occurrences, counted)
        ],
        places=_places(occurrences, counted) if single_incident(rule) else [],
        evidence=evidence,
        incidents=list(dict.fromkeys(o.incident_id() for o in occurrences)),
        evidence_omitted=omitted,
        fix=None if fix is None else _fix_out(fix, ctx, lang, remedies),
        also=[_fix_out(fixes[name], ctx, lang, remedies) for name in rule.also if name in fixes],
        for_=speaks_for,
        against=against,
    )
