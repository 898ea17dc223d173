"""A confirmed incident as a Slack incoming-webhook message: `{"text", "blocks"}`.

Log text is untrusted here as everywhere. Slack reads `&`, `<` and `>` as
markup (`<!channel>` pings a whole channel, `<http://x|y>` is a disguised link),
so those three are escaped as Slack's formatting reference asks, in every piece
of text. Characters that are not printable become visible escapes (`\\u202e`),
as in the other reports. Inside a code block Slack renders nothing, but a
backtick run would close the block early, so each backtick there is shown as
U+02CB (ˋ), which looks the same and closes nothing. Each block's text is kept
under Slack's 3000-character limit, cut whole lines first.

The record is the one `watch` writes as a JSON line: `id`, `rule`, `severity`,
`instance`, `pid`, `log_time`, ... and `finding`, a finding as the JSON report
gives it (`diagnoser.report.model.FindingOut`). It is read defensively: a
missing or odd field leaves its part of the message out, never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from diagnoser.report.safe import printable

BLOCK_CHARS = 3000  # Slack's limit on one section's text
FALLBACK_CHARS = 300  # the notification line; Slack's own limit is far higher
EVIDENCE_LINES = 8
WORKERS_SHOWN = 5
ALSO_SHOWN = 3
_FENCE = "```"
_CUT = "…"


def slack_message(record: dict[str, Any]) -> dict[str, Any]:
    """The Slack message for one incident record: a one-line `text` for notifications
    and the `blocks` that show it (cause and title, workers, evidence, fix)."""
    finding = _mapping(record.get("finding"))
    blocks = [_section(_headline(record, finding))]
    workers = _workers_field(record, finding)
    facts = [f"*Workers*\n{workers}"] if workers else []
    for label, key in (("Logged at", "log_time"), ("Seen at", "wall_time"), ("Incident", "id")):
        if value := _str(record.get(key)):
            facts.append(f"*{label}*\n{_fit(value, 500)}")
    if facts:
        blocks.append({"type": "section", "fields": [_mrkdwn(fact) for fact in facts]})
    if evidence := _evidence_text(finding):
        blocks.append(_section(evidence))
    if fix := _fix_text(_mapping(finding.get("fix"))):
        blocks.append(_section(fix))
    also = [_str(_mapping(item).get("title")) for item in _sequence(finding.get("also"))]
    if also := [title for title in also if title][:ALSO_SHOWN]:
        blocks.append(
            {"type": "context", "elements": [_mrkdwn(_fit("Also: " + "; ".join(also), 2000))]}
        )
    return {
        "text": _fit(_fallback(record, finding), FALLBACK_CHARS),
        "blocks": blocks,
        # a log line's URL must not make Slack fetch it
        "unfurl_links": False,
        "unfurl_media": False,
    }


def escape(text: str) -> str:
    """`text` safe as Slack mrkdwn: not printable characters shown as escapes, and
    `&`, `<`, `>` as the entities Slack asks for."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_line(text: str) -> str:
    """One line of log text for a Slack code block: escaped, and every backtick shown
    as U+02CB so that none can close the block."""
    return escape(text).replace("`", "\u02cb")


def _headline(record: dict[str, Any], finding: dict[str, Any]) -> str:
    severity = _str(record.get("severity")) or _str(finding.get("severity")) or "incident"
    cause = _str(finding.get("cause")) or "unknown cause"
    rule = _str(record.get("rule")) or _str(finding.get("rule"))
    head = f"*{escape(severity.capitalize())}: {escape(cause)}*"
    if rule:
        head += f" (rule {_code_span(rule)}"
        confidence = finding.get("confidence")
        if isinstance(confidence, int | float) and not isinstance(confidence, bool):
            head += f", confidence {round(100 * confidence)}%"
        head += ")"
    title = _str(finding.get("title"))
    return f"{head}\n{_fit(title, BLOCK_CHARS - len(head) - 1)}" if title else head


def _fallback(record: dict[str, Any], finding: dict[str, Any]) -> str:
    severity = _str(record.get("severity")) or _str(finding.get("severity"))
    cause = _str(finding.get("cause")) or _str(record.get("rule"))
    title = _str(finding.get("title"))
    where = " ".join(
        part for part in (_str(record.get("instance")), _pid_text(record.get("pid"))) if part
    )
    parts = [f"{severity.upper()} {cause}".strip(), title, where]
    return " | ".join(part for part in parts if part).replace("\n", " ") or "diagnoser incident"


def _workers_field(record: dict[str, Any], finding: dict[str, Any]) -> str:
    """The record's worker first, then the finding's other workers, a few at most."""
    seen: list[tuple[str, str]] = []
    candidates = [(record.get("instance"), record.get("pid"))] + [
        (_mapping(worker).get("instance"), _mapping(worker).get("pid"))
        for worker in _sequence(finding.get("workers"))
    ]
    for instance, pid in candidates:
        key = (_str(instance), _pid_text(pid))
        if any(key) and key not in seen:
            seen.append(key)
    shown = [
        " ".join(part for part in (_code_span(instance) if instance else "", pid) if part)
        for instance, pid in seen[:WORKERS_SHOWN]
    ]
    if len(seen) > WORKERS_SHOWN:
        shown.append(f"+{len(seen) - WORKERS_SHOWN} more")
    return _fit_lines(shown, 1900)


def _evidence_text(finding: dict[str, Any]) -> str:
    lines = [_mapping(item) for item in _sequence(finding.get("evidence"))]
    texts = [
        (f"{item['line']}: " if _int(item.get("line")) is not None else "") + _str(item.get("text"))
        for item in lines
    ]
    omitted = finding.get("evidence_omitted")
    more = len(texts) - EVIDENCE_LINES + (_int(omitted) or 0)
    note = f"\n+{more} more line{'s' if more != 1 else ''}" if more > 0 else ""
    if not texts:
        return ""
    return "*Evidence*\n" + _code_block(texts[:EVIDENCE_LINES], BLOCK_CHARS - 20 - len(note)) + note


def _fix_text(fix: dict[str, Any]) -> str:
    title = _str(fix.get("title"))
    if not title:
        return ""
    parts = [f"*Fix:* {_fit(title, 500)}"]
    if current := _str(fix.get("current")):
        parts.append(f"Now: {_fit(current, 300)}")
    snippet, status = _str(fix.get("snippet")), _str(fix.get("status"))
    if snippet and status in ("", "suggested"):
        where = _str(fix.get("file"))
        parts.append(f"In {_code_span(where)}:" if where else "Suggested:")
    elif status == "in_force":
        parts.append("Already in force.")
    if note := _str(fix.get("note")):
        parts.append(_fit(note, 600))
    text = "\n".join(parts)
    if snippet and status in ("", "suggested"):
        text += "\n" + _code_block(snippet.splitlines(), BLOCK_CHARS - len(text) - 1)
    return text


def _code_block(lines: list[str], limit: int) -> str:
    """`lines` as one code block of at most `limit` characters, the last lines left
    out (and each line cut) to fit."""
    budget = limit - 2 * len(_FENCE) - 2
    kept: list[str] = []
    for line in lines:
        text = _fit(line, max(budget, 1), code=True)
        if len(text) + 1 > budget:
            break
        kept.append(text)
        budget -= len(text) + 1
    return _FENCE + "\n" + "\n".join(kept) + "\n" + _FENCE


def _fit(text: str, limit: int, *, code: bool = False) -> str:
    """`text` escaped, cut so that its escaped form (with the cut marker) fits `limit`."""
    render = code_line if code else escape
    out = render(text)
    if len(out) <= limit:
        return out
    keep = min(len(text), limit)
    while keep > 0:
        out = render(text[:keep]) + _CUT
        if len(out) <= limit:
            return out
        keep -= max(1, (len(out) - limit) // 6)  # an entity is at most 5 chars (&amp;)
    return _CUT if limit >= 1 else ""


def _fit_lines(lines: Iterable[str], limit: int) -> str:
    out = ""
    for line in lines:
        if len(out) + len(line) + 1 > limit:
            return out + "\n" + _CUT if out else _CUT
        out = f"{out}\n{line}" if out else line
    return out


def _code_span(text: str) -> str:
    return f"`{_fit(text, 200, code=True)}`"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _pid_text(pid: object) -> str:
    return f"pid {pid}" if _int(pid) is not None else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
