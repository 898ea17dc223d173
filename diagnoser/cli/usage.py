"""How the command line presents itself: help without Python types, and examples.

typer shows an argument as `paths... <list[str]>` and a required one as
`{RULE}`. The classes here (typer's own, subclassed, mounted with `cls=`) print
the metavars the parameters declare and an "Examples:" section from the epilog.
"""

from __future__ import annotations

from enum import Enum

from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup


def choices(vocabulary: type[Enum]) -> str:
    """The metavar of an option taking one of an enum's values: `text|json|markdown`."""
    return "|".join(str(member.value) for member in vocabulary)


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

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_examples(self, formatter)


class DiagnoserGroup(TyperGroup):
    """A group whose help shows metavars and examples."""

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_examples(self, formatter)
