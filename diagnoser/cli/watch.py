"""`diagnoser watch`: the command's options; the watching itself is `diagnoser.watch`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from diagnoser.cli import selection
from diagnoser.cli.app import (
    ColorOption,
    ConfigOption,
    FailOn,
    FailOnOption,
    IgnoreOption,
    LangOption,
    RulesOption,
    SelectOption,
    WebhookFormat,
    WebhookFormatOption,
    WebhookHeaderOption,
    WebhookOption,
    WidthOption,
    check_stdin,
    exit_code,
    fail,
    warn,
    webhook_sender,
)
from diagnoser.cli.output import OutputError, check_output, write_report
from diagnoser.cli.usage import choices
from diagnoser.config import ConfigError
from diagnoser.i18n import default_lang
from diagnoser.report import formatter
from diagnoser.report.model import Report
from diagnoser.rules import RuleError
from diagnoser.sources import STDIN, InputError
from diagnoser.watch import Stop, run_watch


class WatchFormat(StrEnum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"


# The output options of the live commands (watch, listen).
LiveFormatOption = Annotated[
    WatchFormat,
    typer.Option(
        "--format",
        "-f",
        metavar=choices(WatchFormat),
        help="auto: the live view on a terminal, JSON lines when piped.",
    ),
]

LiveOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        metavar="FILE",
        help="Also write the final report to FILE when the stream ends: "
        "JSON when the stream is JSON lines, else text.",
        show_default=False,
    ),
]


def write_final_report(
    report: Report, output: Path, jsonl: bool, width: int | None, lang: str
) -> None:
    """--output: the report the stream ended with, in the stream's kind (JSON after
    JSON lines, else text); OutputError when the file cannot be written."""
    final = formatter("json" if jsonl else "text", color=False, width=width, lang=lang)
    write_report(final, report, output)


def writes_jsonl(output_format: WatchFormat) -> bool:
    """JSON lines, asked for or because standard output is not a terminal."""
    return output_format is WatchFormat.jsonl or (
        output_format is WatchFormat.auto and not sys.stdout.isatty()
    )


# `diagnoser watch --help` shows these as they are; the tests parse each one.
EXAMPLES = """
render logs -r my-service --tail | diagnoser watch
render logs -r my-service --tail -o json | diagnoser watch --format jsonl
diagnoser watch --follow /var/log/gunicorn/error.log --fail-on critical
diagnoser watch --follow error.log --output final-report.txt
diagnoser watch --follow error.log --webhook https://alerts.example.com/gunicorn
"""


def watch(
    path: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="A log file, or '-' for standard input (default).",
            show_default=False,
        ),
    ] = STDIN,
    follow: Annotated[
        Path | None,
        typer.Option(
            "--follow",
            metavar="FILE",
            help="Follow this file like tail -F: read on across truncation and rotation.",
            show_default=False,
        ),
    ] = None,
    output_format: LiveFormatOption = WatchFormat.auto,
    output: LiveOutputOption = None,
    fail_on: FailOnOption = FailOn.warning,
    rules: RulesOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    lang: LangOption = None,
    config: ConfigOption = None,
    color: ColorOption = None,
    width: WidthOption = None,
    webhook: WebhookOption = None,
    webhook_format: WebhookFormatOption = WebhookFormat.json,
    webhook_header: WebhookHeaderOption = None,
) -> None:
    """Watch a live stream (`render logs --tail | diagnoser watch`): findings as lines arrive."""
    jsonl = writes_jsonl(output_format)
    source = str(follow) if follow is not None else path
    language = lang.value if lang is not None else default_lang()
    if follow is None:
        check_stdin([path])
    webhooks = webhook_sender(webhook, webhook_format, webhook_header)
    stop = Stop()
    try:
        if output is not None:
            check_output(output)
        select, ignore = selection.resolve(select, ignore, rules)
        report = run_watch(
            source,
            follow=follow is not None,
            jsonl=jsonl,
            out=sys.stdout,
            rule_dirs=rules,
            select=select,
            ignore=ignore,
            lang=language,
            config_files=config,
            color=color,
            width=width,
            stop=stop,
            webhooks=webhooks,
        )
        warn(report)
        if output is not None:
            write_final_report(report, output, jsonl, width, language)
    except (InputError, RuleError, ConfigError, OutputError, selection.UnknownName) as exc:
        fail(str(exc))
    # Stopped by a signal: the summary is out, and the exit says so (130 Ctrl-C, 143 SIGTERM).
    raise typer.Exit(stop.exit_code or exit_code(report, fail_on))
