"""The command line, at the top of the pipeline: it wires stages, and nothing imports it.

* `app`: the typer app, exit codes, `fail`, and the options commands share;
* `analyze`: `diagnoser analyze`, saved logs to one report;
* `watch`: `diagnoser watch`, the options of a live watch (`diagnoser.watch` runs it);
* `listen`: `diagnoser listen`, a Render Log Stream received as syslog (`diagnoser.listen`);
* `rules`: `diagnoser rules list`, `diagnoser rules test` and `diagnoser explain`.

The commands are mounted here, in the order `diagnoser --help` lists them.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import typer

from diagnoser.cli import analyze, listen, rules, watch
from diagnoser.cli.app import EXIT_OK
from diagnoser.cli.app import app as diagnoser_app
from diagnoser.cli.usage import DiagnoserCommand

diagnoser_app.command(cls=DiagnoserCommand, epilog=analyze.EXAMPLES)(analyze.analyze)
diagnoser_app.command(cls=DiagnoserCommand, epilog=watch.EXAMPLES)(watch.watch)
diagnoser_app.command(cls=DiagnoserCommand, epilog=listen.EXAMPLES)(listen.listen)
diagnoser_app.add_typer(rules.rules_app)
diagnoser_app.command("explain", cls=DiagnoserCommand, epilog=rules.EXPLAIN_EXAMPLES)(rules.explain)


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which click would turn into its own abort
    (an empty line, then "aborted", exit 1) before `main` could see it."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def main() -> None:
    """Console-script entry point."""
    # A SIGINT inherited as ignored (a job started with `&` by a script) stays ignored.
    # `watch` puts its own handlers in while it watches: Ctrl-C there ends the stream.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        diagnoser_app()
    except (Interrupted, KeyboardInterrupt):
        typer.echo("diagnoser: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`| head`): exit quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
