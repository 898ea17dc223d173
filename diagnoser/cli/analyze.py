"""`diagnoser analyze`: read saved logs to the end, then print one report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from diagnoser import fixer
from diagnoser.analysis import analyze_paths
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
    WidthOption,
    check_stdin,
    color_choice,
    exit_code,
    fail,
    warn,
)
from diagnoser.cli.output import OutputError, check_output, write_report
from diagnoser.cli.progress import ReadProgress
from diagnoser.cli.usage import choices
from diagnoser.config import ConfigError
from diagnoser.i18n import default_lang
from diagnoser.parallel import DASK_MISSING, ParallelError, dask_available
from diagnoser.report import formatter
from diagnoser.rules import RuleError
from diagnoser.sources import STDIN, InputError, expand_inputs
from diagnoser.timeorder import WindowError, parse_window


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


# `diagnoser analyze --help` shows these as they are; the tests parse each one.
EXAMPLES = """
diagnoser analyze /var/log/gunicorn/error.log
diagnoser analyze --format json --fail-on critical error.log.1.gz error.log
diagnoser analyze --format markdown --output incident.md error.log
render logs -r my-service -o json | diagnoser analyze --select oom_kill
"""


def analyze(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Log files (.gz too); '-' or nothing reads standard input.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", metavar=choices(OutputFormat), help="Report format."),
    ] = OutputFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            metavar="FILE",
            help="Write the report to FILE (replaced whole, once complete) "
            "instead of standard output.",
            show_default=False,
        ),
    ] = None,
    fail_on: FailOnOption = FailOn.warning,
    rules: RulesOption = None,
    config: ConfigOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    lang: LangOption = None,
    color: ColorOption = None,
    width: WidthOption = None,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print a unified diff that applies the suggested fixes to the --config "
            "files, instead of the report (exit 1 when there is a change).",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TIME",
            help="Read only lines from TIME on: ISO 8601 (2025-07-30T11:00, UTC unless "
            "it gives an offset) or a time before now (30m, 2h, 1d). Lines before are "
            "counted, not read.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="TIME",
            help="Read only lines up to TIME (as --since).",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            help="Worker processes for the inputs' partitions (one per instance). "
            "Default: one per core when the inputs hold 32 MiB or more, else 1.",
            show_default=False,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Run the partitions on the Dask cluster whose scheduler is at ADDRESS "
            "(tcp://host:8786), or 'local' for a LocalCluster of --jobs workers. "
            "Needs pip install 'diagnoser[dask]'; workers open the files by path.",
            show_default=False,
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Apply the suggested fixes to the --config files (the original kept as "
            "FILE.orig), then print the report.",
        ),
    ] = False,
) -> None:
    """Diagnose saved logs: read them to the end, then report the causes found."""
    try:
        inputs = expand_inputs(paths or [STDIN])
        window = parse_window(since, until)
    except (InputError, WindowError) as exc:
        fail(str(exc))
    if (diff or fix) and not config:
        fail("--diff and --fix change the files given with --config FILE: name at least one")
    check_stdin(inputs)
    if dask is not None and not dask_available():
        fail(DASK_MISSING)
    try:
        if output is not None:
            check_output(output)
        select, ignore = selection.resolve(select, ignore, rules)
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
                done=progress.done,
                window=window,
                jobs=jobs,
                dask=dask,
            )
    except (
        InputError,
        RuleError,
        ConfigError,
        OutputError,
        ParallelError,
        selection.UnknownName,
    ) as exc:
        fail(str(exc))
    if diff or fix:
        try:
            changes = fixer.plan(report, config or [])
            if diff:
                sys.stdout.write("".join(change.diff() for change in changes))
                sys.stdout.flush()
                raise typer.Exit(1 if changes else 0)
            for path in fixer.write(changes):
                print(f"diagnoser: fixed {path} (original in {path}.orig)", file=sys.stderr)
        except fixer.FixError as exc:
            fail(str(exc))
    warn(report)
    report_formatter = formatter(
        output_format.value, color=color_choice(color), width=width, lang=language
    )
    try:
        write_report(report_formatter, report, output)
    except OutputError as exc:
        fail(str(exc))
    raise typer.Exit(exit_code(report, fail_on))
