"""`diagnoser analyze`: read saved logs to the end, then print one report."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from diagnoser.analysis import analyze_paths
from diagnoser.cli.app import (
    ColorOption,
    ConfigOption,
    FailOn,
    FailOnOption,
    IgnoreOption,
    LangOption,
    RulesOption,
    SelectOption,
    WidthOption,
    exit_code,
    fail,
)
from diagnoser.cli.progress import ReadProgress
from diagnoser.config import ConfigError
from diagnoser.i18n import default_lang
from diagnoser.report import formatter
from diagnoser.rules import RuleError
from diagnoser.sources import STDIN, InputError, check_readable


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


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
        with ReadProgress() as progress:
            report = analyze_paths(
                inputs,
                rules,
                lang=language,
                select=select,
                ignore=ignore,
                config_files=config,
                progress=progress.read,
            )
    except (InputError, RuleError, ConfigError) as exc:
        fail(str(exc))
    report_formatter = formatter(output_format.value, color=color, width=width, lang=language)
    report_formatter.write(report, sys.stdout)
    sys.stdout.flush()
    raise typer.Exit(exit_code(report, fail_on))
