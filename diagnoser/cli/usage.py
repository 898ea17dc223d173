"""How the command line presents itself: help without Python types, examples, one-line errors.

typer shows an argument as `paths... <list[str]>`, a required one as `{RULE}`,
and a usage error as a usage line, a hint and a message on three lines. The
classes here (typer's own, subclassed, mounted with `cls=`) print the metavars
the parameters declare, an "Examples:" section from the epilog, and every
usage error as `diagnoser: error: <what> (<hint>)` on one line, exit 2.

click's exception classes are typer's vendored copy (`typer._click`): those are
the ones typer raises, and the separately installed click's are other classes.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

import typer
from typer import _click
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup

from diagnoser.report.safe import printable

PREFIX = "diagnoser: error: "


def print_error(message: str) -> None:
    """One line on standard error, control characters made visible."""
    typer.echo(PREFIX + printable(message), err=True)


def print_warning(message: str) -> None:
    """One warning line on standard error, control characters made visible."""
    typer.echo("diagnoser: warning: " + printable(message), err=True)


def did_you_mean(close: Sequence[str]) -> str:
    """`did you mean a, b?`, or "" when nothing is close."""
    return f"did you mean {', '.join(close)}?" if close else ""


def choices(vocabulary: type[Enum]) -> str:
    """The metavar of an option taking one of an enum's values: `text|json|markdown`."""
    return "|".join(str(member.value) for member in vocabulary)


class UnknownCommand(UsageError):
    """A subcommand that does not exist, with the close names."""

    def __init__(self, name: str, close: list[str], ctx: _click.Context) -> None:
        super().__init__(f"no such command {name!r}", ctx)
        self.close = close


def _param_name(param: _click.Parameter | None) -> str:
    if param is None:
        return "a parameter"
    if isinstance(param, TyperArgument):
        return param.metavar or (param.name or "").upper()
    long = [opt for opt in param.opts if opt.startswith("--")]
    return (long or param.opts)[0]


def _sentence(text: str) -> str:
    """click's message as a clause: lower-case start, no final full stop, one line."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


def _rejected_value(exc: BadParameter) -> str | None:
    """The value typer could not convert: its pydantic error carries it."""
    errors = getattr(exc.__cause__, "errors", None)
    if errors is None:
        return None
    found = errors()
    value = found[0].get("input") if found else None
    return value if isinstance(value, str) else None


def _bad_value(exc: BadParameter) -> tuple[str, str]:
    name = _param_name(exc.param)
    value = _rejected_value(exc)
    descriptor = getattr(exc.param, "type_descriptor", None)
    is_choice = getattr(descriptor, "is_choice", False)
    allowed = getattr(descriptor, "choices", None) if is_choice else None
    if value is not None and allowed:
        names = [str(c.value) if isinstance(c, Enum) else str(c) for c in allowed]
        close = difflib.get_close_matches(value, names, n=3)
        return (
            f"invalid value {value!r} for {name}",
            did_you_mean(close) or f"choose from {', '.join(names)}",
        )
    reason = _sentence(exc.message.removeprefix("Value error, "))
    if reason.startswith("input should be"):  # pydantic's, then its details after a comma
        reason = reason.partition(", ")[0]
    shown = f" {value!r}" if value is not None else ""
    return f"invalid value{shown} for {name}: {reason}", ""


def error_line(exc: ClickException) -> str:
    """A click error as `<what> (<hint>)`: a close match if any, else where help is."""
    hint = ""
    if isinstance(exc, NoSuchOption):
        message = f"no such option {exc.option_name}"
        hint = did_you_mean(sorted(exc.possibilities or ()))
    elif isinstance(exc, UnknownCommand):
        message, hint = exc.message, did_you_mean(exc.close)
    elif isinstance(exc, MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        message = f"missing {kind} {_param_name(exc.param)}"
    elif isinstance(exc, BadParameter):
        message, hint = _bad_value(exc)
    else:
        message = _sentence(exc.format_message())
    if not hint and isinstance(exc, UsageError):
        command = exc.ctx.command_path if exc.ctx is not None else "diagnoser"
        hint = f"see '{command} --help'"
    return f"{message} ({hint})" if hint else message


def _give_context(exc: UsageError, ctx: _click.Context) -> None:
    """click's parser raises some errors without a context: give them one, for the hint."""
    if exc.ctx is None:
        exc.ctx, exc.cmd = ctx, ctx.command


def _argument_name(param: _click.Parameter) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


def _usage_pieces(command: _click.Command, ctx: _click.Context) -> list[str]:
    """click's own shape: `[OPTIONS] RULE`, `[DIR]`, `[PATH]...` (typer writes `{RULE}`)."""
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if not isinstance(param, TyperArgument):
            continue
        name = param.metavar or (param.name or "").upper()
        shown = name if param.required else f"[{name}]"
        pieces.append(f"{shown}..." if param.nargs != 1 else shown)
    return pieces


def _format_parameters(
    command: _click.Command, ctx: _click.Context, formatter: _click.HelpFormatter
) -> None:
    """Arguments and options, each named by its metavar, never by its Python type."""
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            arguments.append((_argument_name(param), record[1]))
        else:
            options.append(record)
    for title, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


def _format_examples(command: _click.Command, formatter: _click.HelpFormatter) -> None:
    """The epilog holds example commands, one a line: shown as written, never rewrapped."""
    if not command.epilog:
        return
    with formatter.section("Examples"):
        for line in command.epilog.strip().splitlines():
            formatter.write(f"{'':>{formatter.current_indent}}{line.strip()}\n")


class DiagnoserCommand(TyperCommand):
    """A command whose help shows metavars (`PATH...`, `FILE`, `N`) and examples."""

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return _usage_pieces(self, ctx)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            _give_context(exc, ctx)
            raise

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_examples(self, formatter)


class DiagnoserGroup(TyperGroup):
    """A group with examples, close names for an unknown subcommand, and, at the top,
    every usage error as one line on standard error."""

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            _give_context(exc, ctx)
            raise

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_examples(self, formatter)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3)
            raise UnknownCommand(name, close, ctx)
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        # typer's standalone mode prints click's three-line usage error; run it
        # non-standalone and print the error here instead.
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            print_error(error_line(exc))
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
