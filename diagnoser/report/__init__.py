"""Reports: one small interface, one module per output format."""

from __future__ import annotations

from typing import IO, Protocol

from diagnoser.report.model import Report

FORMATS = ("text", "json", "markdown")


class Formatter(Protocol):
    """Writes a finished report to a text stream."""

    def write(self, report: Report, out: IO[str]) -> None: ...


def formatter(
    name: str,
    *,
    color: bool | None = None,
    width: int | None = None,
    lang: str | None = None,
) -> Formatter:
    """The formatter for `--format NAME`.

    `lang` picks the language of the labels (text and markdown); None keeps the
    report's own `lang`, the language its findings were written in.
    """
    if name == "json":
        from diagnoser.report.json import JsonFormatter

        return JsonFormatter()
    if name == "text":
        from diagnoser.report.text import TextFormatter

        return TextFormatter(color=color, width=width, lang=lang)
    if name == "markdown":
        from diagnoser.report.markdown import MarkdownFormatter

        return MarkdownFormatter(lang=lang)
    raise ValueError(f"unknown format {name!r}")
