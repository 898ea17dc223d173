"""What every command shares: the typer app, exit codes, `fail`, and common options.

Exit codes (like ruff's): 0 no finding reaches --fail-on, 1 one does, 2 usage or
input error, or nothing read was recognized; 3 an input failed or ended early
(the report is made from the rest); 130/143 a watch stopped by SIGINT/SIGTERM.
Errors are one line on stderr, never a traceback, click's own
usage errors included (`usage` prints them). Every option that takes a value
names it with a metavar (`FILE`, `DIR`, `N`, `text|json`), never with its
Python type. The command modules import from here; this module imports none
of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from diagnoser import __version__
from diagnoser.cli import selection
from diagnoser.cli.usage import DiagnoserGroup, choices, print_error, print_warning
from diagnoser.report.model import Report
from diagnoser.sources import STDIN
from diagnoser.vocabulary import Severity
from diagnoser.webhooks import WebhookError, WebhookSender, check_url, parse_header

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3

app = typer.Typer(
    name="diagnoser",
    help="Reads Gunicorn logs and says why workers time out or die, with the fix.",
    cls=DiagnoserGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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
    print_error(message)
    raise typer.Exit(EXIT_ERROR)


def warn(report: Report) -> None:
    """The report's warnings on standard error, one line each."""
    for warning in report.warnings:
        print_warning(warning)


def check_stdin(paths: Sequence[str]) -> None:
    """Exit 2 when standard input is to be read but was closed (`diagnoser watch <&-`):
    Python then has no `sys.stdin` at all."""
    if STDIN in paths and sys.stdin is None:
        fail("standard input is closed: pipe a log in, or name a file")


def exit_code(report: Report, fail_on: FailOn) -> int:
    """2 when nothing read was recognized; else 3 when an input failed or ended early;
    else 1 when a finding reaches `fail_on`'s severity; else 0."""
    if report.verdict == "unrecognized":
        return EXIT_ERROR
    if not report.complete:
        return EXIT_INCOMPLETE
    if fail_on is FailOn.never:
        return EXIT_OK
    threshold = Severity(fail_on.value).rank
    reached = any(f.severity.rank >= threshold for f in report.findings)
    return EXIT_FINDINGS if reached else EXIT_OK


def color_choice(color: bool | None) -> bool | None:
    """`--color`/`--no-color` as given; else off when NO_COLOR is set and not empty
    (https://no-color.org); else None, for the terminal to decide."""
    if color is None and os.environ.get("NO_COLOR"):
        return False
    return color


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
    typer.Option(
        metavar=choices(FailOn), help="Exit 1 when a finding at this severity or above is found."
    ),
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
        help="gunicorn.conf.py, render.yaml, Procfile, .env or Django settings.py: the "
        "settings in force are read from them (parsed, never run), and --diff/--fix "
        "change them (repeatable).",
        show_default=False,
    ),
]

SelectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        metavar="ID",
        help="Run only this rule, or every rule of this cause (repeatable).",
        show_default=False,
        autocompletion=selection.complete,
    ),
]

IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="ID",
        help="Skip this rule, or every rule of this cause (repeatable).",
        show_default=False,
        autocompletion=selection.complete,
    ),
]

LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang",
        metavar=choices(Lang),
        help="Language of the report (default: from the locale, else en).",
        show_default=False,
    ),
]

ColorOption = Annotated[
    bool | None,
    typer.Option(
        "--color/--no-color",
        help="Force colours on or off (default: on a terminal, unless NO_COLOR is set).",
        show_default=False,
    ),
]

WidthOption = Annotated[
    int | None, typer.Option(metavar="N", help="Width in columns.", show_default=False)
]


# Options shared by watch and listen: each confirmed incident POSTed (diagnoser.webhooks).
class WebhookFormat(StrEnum):
    json = "json"
    slack = "slack"


WebhookOption = Annotated[
    list[str] | None,
    typer.Option(
        "--webhook",
        metavar="URL",
        help="POST each confirmed incident to URL (repeatable); docs/webhooks.md.",
        show_default=False,
    ),
]

WebhookFormatOption = Annotated[
    WebhookFormat,
    typer.Option(
        "--webhook-format",
        metavar=choices(WebhookFormat),
        help="The body: the incident record as JSON, or a Slack message.",
    ),
]

WebhookHeaderOption = Annotated[
    list[str] | None,
    typer.Option(
        "--webhook-header",
        metavar="'NAME: VALUE'",
        help="A header for every webhook request, e.g. 'Authorization: Bearer ...' (repeatable).",
        show_default=False,
    ),
]


def webhook_sender(
    urls: list[str] | None, fmt: WebhookFormat, headers: list[str] | None
) -> WebhookSender | None:
    """The sender for --webhook, checked before anything is read (a bad URL or header
    is a one-line usage error); None without --webhook."""
    if not urls:
        if headers:
            fail("--webhook-header needs --webhook URL")
        return None
    try:
        checked = [check_url(url) for url in urls]
        parsed = [parse_header(header) for header in headers or []]
    except WebhookError as exc:
        fail(str(exc))
    return WebhookSender(checked, fmt=fmt.value, headers=parsed)
