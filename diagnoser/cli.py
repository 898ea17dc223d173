"""The command line: wires the stages together; no parsing or diagnosis here.

Exit codes (like ruff's): 0 no finding reaches --fail-on, 1 one does, 2 usage or
input error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from diagnoser import __version__
from diagnoser.analysis import analyze_paths
from diagnoser.config import ConfigError
from diagnoser.i18n import default_lang
from diagnoser.report import formatter
from diagnoser.report.model import Report
from diagnoser.rules import RuleError, Severity
from diagnoser.sources import STDIN, InputError, check_readable
from diagnoser.watch import run_watch

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    name="diagnoser",
    help="Reads Gunicorn logs and says why workers time out or die, with the fix.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Lang(StrEnum):
    en = "en"
    pt_BR = "pt-BR"


class FailOn(StrEnum):
    critical = "critical"
    warning = "warning"
    info = "info"
    never = "never"


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit 2."""
    typer.echo(f"diagnoser: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


def exit_code(report: Report, fail_on: FailOn) -> int:
    if fail_on is FailOn.never:
        return EXIT_OK
    threshold = Severity(fail_on.value).rank
    reached = any(f.severity.rank >= threshold for f in report.findings)
    return EXIT_FINDINGS if reached else EXIT_OK


def _version(value: bool) -> None:
    if value:
        typer.echo(f"diagnoser {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Reads Gunicorn logs and says why workers time out or die, with the fix."""


# Options shared by analyze and watch.
FailOnOption = Annotated[
    FailOn,
    typer.Option(help="Exit 1 when a finding at this severity or above is found."),
]

RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        metavar="DIR",
        help="A directory of extra rule files (repeatable).",
        show_default=False,
    ),
]

ConfigOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="gunicorn.conf.py or render.yaml to read the current settings from "
        "(parsed, never run; repeatable).",
        show_default=False,
    ),
]

SelectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--select", metavar="RULE", help="Run only these rule ids (repeatable).", show_default=False
    ),
]

IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore", metavar="RULE", help="Skip these rule ids (repeatable).", show_default=False
    ),
]

LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        help="Language of the report (default: from the locale, else en).",
        show_default=False,
    ),
]

ColorOption = Annotated[
    bool | None,
    typer.Option("--color/--no-color", help="Force colours on or off.", show_default=False),
]

WidthOption = Annotated[int | None, typer.Option(help="Width in columns.", show_default=False)]


@app.command()
def analyze(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Log files (.gz too); '-' or nothing reads standard input.", show_default=False
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Report format.")
    ] = OutputFormat.text,
    fail_on: FailOnOption = FailOn.warning,
    rules: RulesOption = None,
    config: ConfigOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    lang: LangOption = None,
    color: ColorOption = None,
    width: WidthOption = None,
) -> None:
    """Diagnose saved logs: read them to the end, then report the causes found."""
    inputs = paths or [STDIN]
    try:
        check_readable(inputs)
        language = lang.value if lang is not None else default_lang()
        report = analyze_paths(
            inputs, rules, lang=language, select=select, ignore=ignore, config_files=config
        )
    except (InputError, RuleError, ConfigError) as exc:
        fail(str(exc))
    report_formatter = formatter(output_format.value, color=color, width=width, lang=language)
    report_formatter.write(report, sys.stdout)
    sys.stdout.flush()
    raise typer.Exit(exit_code(report, fail_on))


class WatchFormat(StrEnum):
    auto = "auto"
    text = "text"
    jsonl = "jsonl"


@app.command()
def watch(
    path: Annotated[
        str,
        typer.Argument(help="A log file, or '-' for standard input (default).", show_default=False),
    ] = STDIN,
    follow: Annotated[
        Path | None,
        typer.Option(
            "--follow",
            help="Follow this file like tail -F: read on across truncation and rotation.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        WatchFormat,
        typer.Option(
            "--format",
            "-f",
            help="auto: the live view on a terminal, JSON lines when piped.",
        ),
    ] = WatchFormat.auto,
    fail_on: FailOnOption = FailOn.warning,
    rules: RulesOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    lang: LangOption = None,
    config: ConfigOption = None,
    color: ColorOption = None,
    width: WidthOption = None,
) -> None:
    """Watch a live stream (`render logs --tail | diagnoser watch`): findings as lines arrive."""
    jsonl = output_format is WatchFormat.jsonl or (
        output_format is WatchFormat.auto and not sys.stdout.isatty()
    )
    source = str(follow) if follow is not None else path
    try:
        report = run_watch(
            source,
            follow=follow is not None,
            jsonl=jsonl,
            out=sys.stdout,
            rule_dirs=rules,
            select=select,
            ignore=ignore,
            lang=lang.value if lang is not None else default_lang(),
            config_files=config,
            color=color,
            width=width,
        )
    except (InputError, RuleError, ConfigError) as exc:
        fail(str(exc))
    raise typer.Exit(exit_code(report, fail_on))


from diagnoser.cli_rules import register as register_rule_commands  # noqa: E402

register_rule_commands(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("diagnoser: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`| head`): exit quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
