"""Progress of `analyze` on a terminal: bytes read of the total, and lines a second.

Shown on standard error only when it is a terminal, so pipes, files and CI
logs get nothing; the report on standard output is unaffected either way.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from diagnoser.report.safe import printable
from diagnoser.sources import STDIN, size_of


class _LinesPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        lines = int(task.fields.get("lines", 0))
        elapsed = task.elapsed or 0.0
        rate = lines / elapsed if elapsed > 0 else 0.0
        return Text(f"{lines:,} lines  {rate:,.0f} lines/s", style="progress.data.speed")


class ReadProgress:
    """A progress bar per input; `read` is called after each block."""

    def __init__(self, stream: IO[str] | None = None, force: bool | None = None) -> None:
        stream = stream if stream is not None else sys.stderr
        shown = force if force is not None else stream.isatty()
        self.console = Console(file=stream, force_terminal=shown or None, stderr=True)
        self.shown = shown
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            _LinesPerSecond(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=not shown,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ReadProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.__exit__(kind, value, traceback)

    def done(self, path: str, size: int, lines: int) -> None:
        """`path` was read whole elsewhere (a worker process): `size` bytes, `lines` lines."""
        if not self.shown:
            return
        task = self._task(path)
        self._progress.update(task, completed=size, lines=lines)

    def _task(self, path: str) -> TaskID:
        task = self._tasks.get(path)
        if task is None:
            name = "stdin" if path == STDIN else Path(path).name
            task = self._tasks[path] = self._progress.add_task(
                escape(printable(name)), total=size_of(path), lines=0
            )
        return task

    def read(self, path: str, data: bytes) -> None:
        """`data` of `path` was read."""
        if not self.shown:
            return
        task = self._task(path)
        lines = int(self._progress.tasks[task].fields.get("lines", 0)) + data.count(b"\n")
        self._progress.update(task, advance=len(data), lines=lines)
