"""The console script's entry: Ctrl-C during start-up is one line, not a traceback.

Importing the command line takes a good part of a second (numpy, pydantic, the
rules' models); a Ctrl-C meanwhile would otherwise print the import's traceback.
`diagnoser.cli.main` handles it from then on.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from diagnoser.cli import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("diagnoser: interrupted\n")
        sys.exit(130)
    command_line()
