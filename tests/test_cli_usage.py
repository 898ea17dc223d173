"""How the command line presents itself: help without Python types, examples, one-line errors."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator

import pytest
from typer import _click
from typer.core import TyperArgument, TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from diagnoser.cli.app import app

runner = CliRunner()
ROOT = get_command(app)


def commands(
    command: _click.Command = ROOT, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], _click.Command]]:
    """Every command and group under the root, with the words that reach it."""
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))


COMMANDS = dict(commands())


def help_of(*words: str) -> str:
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("words", list(COMMANDS), ids=lambda w: " ".join(w) or "diagnoser")
def test_help_names_values_not_python_types(words: tuple[str, ...]) -> None:
    text = help_of(*words)
    assert not re.search(r"<[^>]*>", text), text  # typer's <list[str]>, <int>, <path>
    assert not re.search(r"\b(TEXT|INTEGER|list\[|str\b|int\b)", text), text
    usage = text.splitlines()[0]
    assert "{" not in usage and "[[" not in usage, usage  # typer's {RULE}, a metavar's [[DIR]]


@pytest.mark.parametrize("words", list(COMMANDS), ids=lambda w: " ".join(w) or "diagnoser")
def test_every_value_has_a_metavar(words: tuple[str, ...]) -> None:
    for param in COMMANDS[words].params:
        takes_value = isinstance(param, TyperArgument) or not getattr(param, "is_flag", False)
        if takes_value and param.expose_value:
            assert param.metavar, f"{' '.join(words)}: {param.name} has no metavar"


def test_analyze_help_shows_metavars() -> None:
    text = help_of("analyze")
    assert "Usage: diagnoser analyze [OPTIONS] [PATH]..." in text
    assert re.search(r"^  PATH\.\.\.  ", text, flags=re.M)
    for shown in ("-f, --format text|json|markdown", "--rules DIR", "--config FILE", "--width N"):
        assert shown in text
    assert "--select ID" in text and "--ignore ID" in text


def test_required_and_optional_arguments_in_usage_lines() -> None:
    assert "Usage: diagnoser explain [OPTIONS] ID\n" in help_of("explain")
    assert "Usage: diagnoser rules test [OPTIONS] [DIR]\n" in help_of("rules", "test")
    assert "Usage: diagnoser watch [OPTIONS] [FILE]\n" in help_of("watch")


def examples(text: str) -> list[str]:
    """The lines of the help page's "Examples:" section."""
    _, found, section = text.partition("\nExamples:\n")
    assert found, text
    return [line.strip() for line in section.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("words", [("analyze",), ("watch",), ("listen",), ("rules",), ("explain",)])
def test_help_shows_examples_of_the_command(words: tuple[str, ...]) -> None:
    lines = examples(help_of(*words))
    assert len(lines) >= 2
    assert all(f"diagnoser {' '.join(words)}" in line for line in lines)


def parse_example(line: str) -> None:
    """Parse the diagnoser command of an example line as the shell would pass it."""
    words = shlex.split(line.rpartition("| ")[2])
    assert words[0] == "diagnoser"
    command, args, name = ROOT, words[1:], "diagnoser"
    while isinstance(command, TyperGroup):
        name = args.pop(0)
        command = command.commands[name]
    command.make_context(name, args)  # raises on an unknown option or a bad value


@pytest.mark.parametrize(
    "line",
    [
        line
        for words, command in COMMANDS.items()
        if command.epilog
        for line in examples(help_of(*words))
    ],
)
def test_every_example_parses(line: str) -> None:
    parse_example(line)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["analyze", "--formt", "json"], "no such option --formt (did you mean --format?)"),
        (
            ["analyze", "--format", "yaml"],
            "invalid value 'yaml' for --format (choose from text, json, markdown)",
        ),
        (["analyze", "-f", "jsn"], "invalid value 'jsn' for --format (did you mean json?)"),
        (
            ["analyze", "--width", "wide"],
            "invalid value 'wide' for --width: input should be a valid integer"
            " (see 'diagnoser analyze --help')",
        ),
        (
            ["analyze", "--fail-on"],
            "option '--fail-on' requires an argument (see 'diagnoser analyze --help')",
        ),
        (["explain"], "missing argument ID (see 'diagnoser explain --help')"),
        (["analyz", "x.log"], "no such command 'analyz' (did you mean analyze?)"),
        (["rules", "lst"], "no such command 'lst' (did you mean list?)"),
        (["--bogus"], "no such option --bogus (see 'diagnoser --help')"),
        (
            ["watch", "a.log", "b.log"],
            "got unexpected extra argument(s) (b.log) (see 'diagnoser watch --help')",
        ),
    ],
)
def test_a_usage_error_is_one_line_with_a_hint(args: list[str], line: str) -> None:
    result = runner.invoke(app, args, input="")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"diagnoser: error: {line}\n"


def test_control_characters_in_a_bad_option_are_shown_escaped() -> None:
    result = runner.invoke(app, ["analyze", "--\x1b]0;x\x07"])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_the_installed_command_prints_one_line_no_usage_box_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "diagnoser", "analyze", "--formt", "json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TERM": "xterm-256color", "FORCE_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "diagnoser: error: no such option --formt (did you mean --format?)\n"


def test_help_and_version_still_exit_0() -> None:
    assert runner.invoke(app, ["analyze", "--help"]).exit_code == 0
    assert runner.invoke(app, ["--version"]).exit_code == 0
