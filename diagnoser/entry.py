"""The console script's entry: Ctrl-C during start-up is one line, not a traceback.

Importing the command line takes a good part of a second (numpy, pydantic, the
rules' models). Python's own SIGINT handler would raise KeyboardInterrupt
wherever the import is, and some of those places swallow it ("Exception ignored
in ...", the run then goes on) or end the process by the signal. Until the
import is done, a Ctrl-C here ends the process at once, with one line and exit
130: nothing has been read or written yet. `diagnoser.cli.main` handles Ctrl-C
from then on.
"""

from __future__ import annotations

import os
import signal
from types import FrameType


def _starting(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"diagnoser: interrupted\n")
    os._exit(130)


def main() -> None:
    # A SIGINT inherited as ignored (a job started with `&` by a script) stays ignored.
    handled = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if handled:
        signal.signal(signal.SIGINT, _starting)
    from diagnoser.cli import main as command_line

    if handled:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    command_line()
