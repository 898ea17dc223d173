"""Rule documentation, generated from the rule files and never written twice.

Each rule's page (ruff's shape: What it does / Why is this bad? / Example / Fix) is
both `docs/rules/<id>.md` and what `diagnoser explain ID` prints. `docs/rules/README.md`
indexes the rules; `docs/runbook-fixes.md` maps every fix of the catalogue (every fix
of the runbook) to the rules that recommend it.

    python -m diagnoser.ruledocs           # rewrite the generated docs
    python -m diagnoser.ruledocs --check   # exit 1, naming the stale files
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from diagnoser.analysis import Analysis
from diagnoser.findings import one_form, render
from diagnoser.report.model import FindingOut
from diagnoser.report.text import LEXER
from diagnoser.rules import Example, Fix, Rule, RuleError, load_rules
from diagnoser.sources import Line

DOCS = Path(__file__).resolve().parent.parent / "docs"
REGENERATE = "python -m diagnoser.ruledocs"
GENERATED = f"<!-- Generated from rules/*.toml by `{REGENERATE}`: do not edit. -->\n\n"
NO_RULE = "—"


def _fence(text: str, lang: str = "text") -> str:
    """A code block that holds `text` whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _cell(text: str) -> str:
    """`text` made safe for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _lang(file: str) -> str:
    return next((lang for suffix, lang in LEXER.items() if file.endswith(suffix)), "text")


def example_finding(
    rule: Rule, example: Example, rules: list[Rule], fixes: dict[str, Fix]
) -> FindingOut | None:
    """What `rule` reports on `example`'s log, analysed with every rule loaded."""
    analysis = Analysis(rules, fixes)
    for number, text in enumerate(example.log.strip("\n").splitlines(), 1):
        analysis.feed_line(Line(f"{rule.id}-example", number, text))
    analysis.finish()
    return next((f for f in analysis.report().findings if f.rule == rule.id), None)


def _example_section(rule: Rule, rules: list[Rule], fixes: dict[str, Fix]) -> list[str]:
    positive = next((e for e in rule.examples if e.expect), None)
    negative = next((e for e in rule.examples if not e.expect), None)
    if positive is None:
        return ["This rule has no example yet."]
    parts = [positive.note] if positive.note else []
    parts.append(_fence(positive.log.strip("\n")))
    finding = example_finding(rule, positive, rules, fixes)
    if finding is None:
        parts.append("This rule does not fire on its example: `diagnoser rules test` says why.")
    else:
        pids = ", ".join(str(w.pid) for w in finding.workers)
        on = f", worker{'s' if len(finding.workers) > 1 else ''} {pids}" if pids else ""
        parts.append(
            f"It reports ({finding.severity.value}, confidence "
            f"{round(finding.confidence * 100)}%{on}):"
        )
        parts.append(f"> {finding.title}")
    if negative is not None:
        note = f" {negative.note}" if negative.note else ""
        parts.append(f"It stays quiet on this one.{note}")
        parts.append(_fence(negative.log.strip("\n")))
    return parts


def _fix_section(rule: Rule, fixes: dict[str, Fix]) -> list[str]:
    fix = fixes.get(rule.fix) if rule.fix else None
    if fix is None:
        return ["Nothing to change: this rule recommends no fix."]
    parts = [
        f"`{fix.id}`: {render(fix.title, {})}. In `{fix.file}`:",
        _fence(render(fix.snippet, {}).strip("\n"), _lang(fix.file)),
        f"Runbook section: {fix.runbook_section or 'none (not in the runbook)'}",
    ]
    if fix.caveat:
        parts.append(f"Caveat: {render(fix.caveat, {})}")
    also = [fixes[name] for name in rule.also if name in fixes]
    if also:
        items = "\n".join(f"- `{f.id}`: {render(f.title, {})} (in `{f.file}`)" for f in also)
        parts.append(f"Also worth applying:\n\n{items}")
    return parts


def rule_page(rule: Rule, rules: list[Rule], fixes: dict[str, Fix]) -> str:
    """A rule's documentation as Markdown: what `explain` prints and docs/rules/<id>.md holds."""
    sections = [
        f"# {rule.id}: {one_form(rule.title)}",
        f"Cause `{rule.cause.value}` (docs/causes.md), severity {rule.severity.value}, "
        f"confidence {round(rule.confidence * 100)}%.",
        "## What it does",
        rule.what or " ".join(rule.explanation.split()),
        "## Why is this bad?",
        rule.why or "Not documented yet.",
        "## Example",
        *_example_section(rule, rules, fixes),
        "## Fix",
        *_fix_section(rule, fixes),
    ]
    return "\n\n".join(sections) + "\n"


def index_page(rules: list[Rule]) -> str:
    """docs/rules/README.md: one row per rule, its id linking to its page."""
    rows = [
        f"| [{rule.id}]({rule.id}.md) | `{rule.cause.value}` | {rule.severity.value} "
        f"| {_cell(one_form(rule.title))} |"
        for rule in sorted(rules, key=lambda r: r.id)
    ]
    return (
        "# Rules\n\n"
        "Every rule in `rules/`, each documented from its own file. "
        "`diagnoser explain ID` prints the same page; "
        "[runbook-fixes.md](../runbook-fixes.md) maps the fixes to the rules.\n\n"
        "| Rule | Cause | Severity | Title |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


@dataclass(frozen=True, slots=True)
class FixUse:
    """A fix of the catalogue and the rules that recommend it."""

    fix: Fix
    rules: tuple[str, ...]  # rules whose `fix` is this one
    also: tuple[str, ...]  # rules that list it in `also`


def fix_uses(rules: list[Rule], fixes: dict[str, Fix]) -> list[FixUse]:
    """Every fix, in catalogue order, with the rules naming it; an unknown fix is an error."""
    for rule in rules:
        for name in [*([rule.fix] if rule.fix else []), *rule.also]:
            if name not in fixes:
                raise RuleError(f"{rule.path or rule.id}: no fix named {name!r} in fixes.toml")
    ordered = sorted(rules, key=lambda r: r.id)
    return [
        FixUse(
            fix=fix,
            rules=tuple(r.id for r in ordered if r.fix == fix.id),
            also=tuple(r.id for r in ordered if fix.id in r.also),
        )
        for fix in fixes.values()
    ]


def _links(ids: tuple[str, ...]) -> str:
    return ", ".join(f"[{i}](rules/{i}.md)" for i in ids) or NO_RULE


def runbook_fixes_page(uses: list[FixUse]) -> str:
    """docs/runbook-fixes.md: every fix, its runbook section, and the rules recommending it."""
    rows = [
        f"| `{u.fix.id}` | {_cell(render(u.fix.title, {}))} | `{u.fix.file}` "
        f"| {_cell(u.fix.runbook_section)} | {_links(u.rules)} | {_links(u.also)} |"
        for u in uses
    ]
    unnamed = [f"`{u.fix.id}`" for u in uses if not u.rules]
    tail = f"\nNo rule names these as its fix yet: {', '.join(unnamed)}.\n" if unnamed else ""
    return (
        "# Runbook fixes and the rules that recommend them\n\n"
        "Every fix in `rules/fixes.toml`, which holds every fix the runbook "
        "(`worker-timeout-runbook.pt-BR.md`) applied. *Rules* are the rules whose `fix` "
        f"it is; *Also suggested by*, the rules that list it under `also`. {NO_RULE} means "
        "none.\n\n"
        "| Fix | What it does | File | Runbook section | Rules | Also suggested by |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n" + tail
    )


def generated_docs(rules: list[Rule], fixes: dict[str, Fix]) -> dict[str, str]:
    """Every generated file, by path relative to docs/, with its text."""
    docs = {
        f"rules/{rule.id}.md": GENERATED + rule_page(rule, rules, fixes)
        for rule in sorted(rules, key=lambda r: r.id)
    }
    docs["rules/README.md"] = GENERATED + index_page(rules)
    docs["runbook-fixes.md"] = GENERATED + runbook_fixes_page(fix_uses(rules, fixes))
    return docs


def stale_docs(docs_dir: Path, expected: dict[str, str]) -> list[Path]:
    """Files that differ from `expected` or are missing, and rule pages of removed rules."""
    stale = [
        docs_dir / name
        for name, text in expected.items()
        if not (docs_dir / name).is_file() or (docs_dir / name).read_text(encoding="utf-8") != text
    ]
    stale += [
        path
        for path in sorted((docs_dir / "rules").glob("*.md"))
        if f"rules/{path.name}" not in expected
    ]
    return stale


def write_docs(docs_dir: Path, expected: dict[str, str]) -> list[Path]:
    """Bring `docs_dir` up to date; return the files written or deleted."""
    changed = stale_docs(docs_dir, expected)
    for path in changed:
        name = path.relative_to(docs_dir).as_posix()
        if name in expected:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[name], encoding="utf-8")
        else:
            path.unlink()
    return changed


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the rule docs, or with `--check` list the stale ones (exit 1)."""
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Regenerate the rule docs.")
    parser.add_argument("--check", action="store_true", help="only list stale files")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the docs directory")
    args = parser.parse_args(argv)
    try:
        rules, fixes = load_rules()
        expected = generated_docs(rules, fixes)
    except RuleError as exc:
        print(f"ruledocs: error: {exc}", file=sys.stderr)
        return 2
    docs_dir: Path = args.docs
    if args.check:
        stale = stale_docs(docs_dir, expected)
        for path in stale:
            print(f"stale: {_shown(path)}", file=sys.stderr)
        if stale:
            print(f"run `{REGENERATE}` to regenerate them", file=sys.stderr)
            return 1
        print("rule docs are up to date")
        return 0
    changed = write_docs(docs_dir, expected)
    for path in changed:
        print(f"{'wrote' if path.exists() else 'deleted'} {_shown(path)}")
    if not changed:
        print("rule docs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
