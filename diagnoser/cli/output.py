"""Where a report goes: standard output, or `--output FILE`, replaced whole.

The report is written to a temporary file in FILE's directory and renamed over
FILE once complete, so a reader never sees half a report, and a failed or
interrupted run leaves what was there before. The directory is checked before
the logs are read, so a typo costs nothing.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from diagnoser.report import Formatter
from diagnoser.report.model import Report

STDOUT = "-"


class OutputError(Exception):
    """FILE cannot be written: one line, for `fail`."""


def check_output(path: Path) -> None:
    """Raise `OutputError` unless `path` can be created or replaced."""
    if str(path) == STDOUT:
        return
    if path.is_dir():
        raise OutputError(f"--output {path}: is a directory")
    parent = path.parent
    if not parent.exists():
        raise OutputError(f"--output {path}: no such directory {parent}")
    if not parent.is_dir():
        raise OutputError(f"--output {path}: {parent} is not a directory")


def _mode(path: Path) -> int:
    """The mode of the file replaced, else what a new file gets under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_report(formatter: Formatter, report: Report, path: Path | None) -> None:
    """Write `report` to standard output (no path, or `-`) or atomically to `path`."""
    if path is None or str(path) == STDOUT:
        formatter.write(report, sys.stdout)
        sys.stdout.flush()
        return
    target = Path(os.path.realpath(path))  # through a symlink: replace what it points to
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(f"--output {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            formatter.write(report, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"--output {path}: {exc.strerror or exc}") from None
        raise
