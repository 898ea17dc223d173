"""`diagnoser rules list`, `diagnoser rules test` and `diagnoser explain ID|CAUSE`.

The rules' own commands: wiring only (`diagnoser.cli` mounts `rules_app` and
`explain`). The examples are run by `diagnoser.ruletest`; the page `explain`
prints is `diagnoser.ruledocs.rule_page`, the same text as `docs/rules/<id>.md`.
Errors are one line on stderr with exit 2, as for `analyze`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from diagnoser.cli import selection
from diagnoser.cli.app import fail
from diagnoser.cli.usage import DiagnoserCommand, DiagnoserGroup, choices
from diagnoser.report.safe import literal, printable
from diagnoser.ruledocs import rule_page
from diagnoser.rules import Fix, Rule, RuleError, load_rules
from diagnoser.ruletest import ExampleResult, run_examples

EXIT_FAILED = 1

# `--help` shows these as they are; the tests parse each one.
RULES_EXAMPLES = """
diagnoser rules list
diagnoser rules list --format json --rules my-rules/
diagnoser rules test my-rules/
"""
EXPLAIN_EXAMPLES = """
diagnoser explain timeout-sigkill
diagnoser explain oom_kill
diagnoser explain --rules my-rules/ my-rule
"""

rules_app = typer.Typer(
    name="rules",
    help="List the rules, and test them against their own examples.",
    epilog=RULES_EXAMPLES,
    cls=DiagnoserGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

RuleDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        metavar="DIR",
        help="A directory of extra rule files (repeatable).",
        show_default=False,
    ),
]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _load(dirs: list[Path] | None) -> tuple[list[Rule], dict[str, Fix]]:
    try:
        return load_rules(dirs)
    except RuleError as exc:
        fail(str(exc))


@rules_app.command("list", cls=DiagnoserCommand)
def list_rules(
    rules: RuleDirs = None,
    output_format: Annotated[
        ListFormat,
        typer.Option(
            "--format",
            "-f",
            metavar=choices(ListFormat),
            help="text: a table; json: a list of objects "
            "(id, cause, severity, confidence, title, file).",
        ),
    ] = ListFormat.text,
) -> None:
    """List every rule: id, cause, severity, confidence and title."""
    loaded, _ = _load(rules)
    if output_format is ListFormat.json:
        listed = [
            {
                "id": r.id,
                "cause": r.cause.value,
                "severity": r.severity.value,
                "confidence": r.confidence,
                "title": r.title,
                "file": r.path,
            }
            for r in sorted(loaded, key=lambda r: r.id)
        ]
        typer.echo(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    header = ("id", "cause", "severity", "confidence", "title")
    rows = [
        (r.id, r.cause.value, r.severity.value, f"{r.confidence:.2f}", printable(r.title))
        for r in sorted(loaded, key=lambda r: r.id)
    ]
    if sys.stdout.isatty():
        table = Table(*header, box=box.SIMPLE_HEAD, highlight=False)
        table.columns[-1].overflow = "fold"
        for row in rows:
            table.add_row(*(literal(cell) for cell in row))
        Console(highlight=False).print(table)
        return
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[-1]]))


def _result_line(result: ExampleResult, rule: Rule) -> str:
    kind = "fires" if rule.examples[result.index - 1].expect else "quiet"
    status = typer.style("ok  ", fg="green") if result.ok else typer.style("FAIL", fg="red")
    where = f"{result.rule} #{result.index} ({kind})"
    return f"{status} {where}" if result.ok else f"{status} {where}: {result.message}"


def _missing_examples(rule: Rule) -> list[str]:
    """What the rule's own tests lack: a positive and a negative example are required."""
    missing = []
    if not any(example.expect for example in rule.examples):
        missing.append("no positive example (an [[examples]] it must fire on)")
    if not any(not example.expect for example in rule.examples):
        missing.append("no negative example (an [[examples]] with expect = false)")
    return missing


@rules_app.command("test", cls=DiagnoserCommand)
def test_rules(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="Test the rule files in DIR (loaded with the built-in rules); default: all.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run every rule's [[examples]]: exit 1 if one fails, or a rule lacks a positive or a
    negative example."""
    loaded, fixes = _load([directory] if directory is not None else None)
    chosen = loaded
    if directory is not None:
        here = directory.resolve()
        chosen = [rule for rule in loaded if Path(rule.path).resolve().parent == here]
        if not chosen:
            fail(f"{directory}: no rule files (*.toml) to test")
    by_id = {rule.id: rule for rule in chosen}
    # every rule stays loaded, so the examples run as a real analysis would
    results = [r for r in run_examples(loaded, fixes) if r.rule in by_id]
    passed = failed = 0
    for rule in chosen:
        for result in (r for r in results if r.rule == rule.id):
            typer.echo(_result_line(result, rule))
            passed, failed = passed + result.ok, failed + (not result.ok)
        for problem in _missing_examples(rule):
            typer.echo(f"{typer.style('FAIL', fg='red')} {rule.id}: {problem}")
            failed += 1
    typer.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _cause_lines(rules: list[Rule]) -> list[str]:
    """One line a rule: id, severity, confidence and title, in columns."""
    width = max(len(rule.id) for rule in rules)
    return [
        f"{rule.id.ljust(width)}  {rule.severity.value:<8}  {rule.confidence:.2f}  "
        + printable(rule.title)
        for rule in rules
    ]


def explain(
    name: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A rule id, or a cause to list its rules (`diagnoser rules list` shows both).",
            autocompletion=selection.complete,
        ),
    ],
    rules: RuleDirs = None,
) -> None:
    """Explain a rule: what it detects, why it matters, an example, and the fix; for a
    cause, list its rules."""
    loaded, fixes = _load(rules)
    rule = next((rule for rule in loaded if rule.id == name), None)
    if rule is None:
        of_cause = selection.of_cause(name, loaded)
        if not of_cause:
            fail(str(selection.unknown(name, loaded)))
        typer.echo(f"{name}: {len(of_cause)} rule{'s' if len(of_cause) > 1 else ''}")
        for line in _cause_lines(of_cause):
            typer.echo(f"  {line}")
        return
    page = printable(rule_page(rule, loaded, fixes), keep_newlines=True)
    if not sys.stdout.isatty():
        typer.echo(page, nl=False)
        return
    console = Console(highlight=False, soft_wrap=True)
    in_code = False
    for line in page.splitlines():
        fence = line.startswith("```")
        style = "cyan" if in_code or fence else "bold" if line.startswith("#") else ""
        console.print(literal(line, style))
        in_code = in_code != fence
