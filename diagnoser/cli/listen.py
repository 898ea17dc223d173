"""`diagnoser listen`: the command's options; the receiving is `diagnoser.listen`, the
live analysis and its output `diagnoser.watch`, as for `watch`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, cast

import typer

from diagnoser.cli import selection
from diagnoser.cli.app import (
    ColorOption,
    ConfigOption,
    FailOn,
    FailOnOption,
    IgnoreOption,
    LangOption,
    RulesOption,
    SelectOption,
    WebhookFormat,
    WebhookFormatOption,
    WebhookHeaderOption,
    WebhookOption,
    WidthOption,
    exit_code,
    fail,
    warn,
    webhook_sender,
)
from diagnoser.cli.output import OutputError, check_output
from diagnoser.cli.usage import print_warning
from diagnoser.cli.watch import (
    LiveFormatOption,
    LiveOutputOption,
    WatchFormat,
    write_final_report,
    writes_jsonl,
)
from diagnoser.config import ConfigError
from diagnoser.follow import Batch
from diagnoser.i18n import default_lang
from diagnoser.listen import ListenError, SyslogListener, tls_context
from diagnoser.rules import RuleError
from diagnoser.sources import Line, ReadState
from diagnoser.watch import Stop, live_analysis, run_live

TOKEN_ENV = "DIAGNOSER_SYSLOG_TOKEN"

# `diagnoser listen --help` shows these as they are; the tests parse each one.
EXAMPLES = """
diagnoser listen --syslog 0.0.0.0:6514 --tls-cert cert.pem --tls-key key.pem --token TOKEN
diagnoser listen --syslog 127.0.0.1:5514 --format jsonl --fail-on critical
"""


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:PORT` for IPv6) as (host, port); ValueError if it is not one."""
    host, sep, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"--syslog {text}: expected HOST:PORT, such as 0.0.0.0:6514")
    return host, int(port)


def counters_line(listener: SyslogListener) -> str:
    """The listener's counters, for one line on standard error at the end."""
    return (
        f"syslog: {listener.received} messages, {listener.rejected_token} rejected (token), "
        f"{listener.cut} cut, {listener.malformed} malformed, "
        f"{listener.connections} connections, {listener.refused} refused, "
        f"{listener.idle_closed} closed idle"
    )


def named_by_first_source(batches: Iterable[list[Line]], state: ReadState) -> Iterator[Batch]:
    """`batches` as they are, `state` renamed after the first line's source: the live
    session reports `state` as an input, and one named "syslog" would be an extra,
    empty one next to the `syslog:<service>` sources (an "empty input" warning)."""
    for batch in batches:
        if batch and not state.lines:
            state.name, state.lines = batch[0].source, 1
        yield cast(Batch, batch)  # read only by the session: a list of Lines is a Batch


def listen(
    syslog: Annotated[
        str,
        typer.Option(
            "--syslog",
            metavar="HOST:PORT",
            help="Listen here for syslog over TCP (a Render Log Stream's endpoint).",
            show_default=False,
        ),
    ],
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            metavar="FILE",
            help="The server's certificate chain (PEM); with --tls-key, TLS 1.2 or newer.",
            show_default=False,
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(
            "--tls-key",
            metavar="FILE",
            help="The certificate's private key (PEM).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            envvar=TOKEN_ENV,
            help=f"Accept only messages carrying this Log Stream token (or ${TOKEN_ENV}).",
            show_default=False,
            show_envvar=False,
        ),
    ] = None,
    output_format: LiveFormatOption = WatchFormat.auto,
    output: LiveOutputOption = None,
    fail_on: FailOnOption = FailOn.warning,
    rules: RulesOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    lang: LangOption = None,
    config: ConfigOption = None,
    color: ColorOption = None,
    width: WidthOption = None,
    webhook: WebhookOption = None,
    webhook_format: WebhookFormatOption = WebhookFormat.json,
    webhook_header: WebhookHeaderOption = None,
) -> None:
    """Receive a Render Log Stream (syslog over TLS) and report findings as lines arrive."""
    jsonl = writes_jsonl(output_format)
    language = lang.value if lang is not None else default_lang()
    webhooks = webhook_sender(webhook, webhook_format, webhook_header)
    stop = Stop()
    try:
        host, port = parse_address(syslog)
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together: give both, or neither")
        context = None
        if tls_cert is not None and tls_key is not None:
            context = tls_context(str(tls_cert), str(tls_key))
        if output is not None:
            check_output(output)
        select, ignore = selection.resolve(select, ignore, rules)
        analysis = live_analysis(rules, select, ignore, language, config)
        listener = SyslogListener(host, port, ssl_context=context, token=token or None)
        bound_host, bound_port = listener.start()
    except (
        ValueError,
        ListenError,
        RuleError,
        ConfigError,
        OutputError,
        selection.UnknownName,
    ) as exc:
        fail(str(exc))
    kind = "TLS" if context is not None else "plain"
    typer.echo(f"diagnoser: listening on {bound_host}:{bound_port} (syslog, {kind})", err=True)
    if context is None:
        print_warning("plain TCP, no TLS: for local testing (Render sends only to TLS endpoints)")
    state = ReadState("syslog")  # stays so, and "empty", if nothing arrives
    try:
        report = run_live(
            analysis,
            named_by_first_source(listener.batches(), state),
            state,
            jsonl=jsonl,
            out=sys.stdout,
            color=color,
            width=width,
            stop=stop,
            webhooks=webhooks,
        )
    finally:
        listener.stop()
        typer.echo("diagnoser: " + counters_line(listener), err=True)
    warn(report)
    if output is not None:
        try:
            write_final_report(report, output, jsonl, width, language)
        except OutputError as exc:
            fail(str(exc))
    raise typer.Exit(stop.exit_code or exit_code(report, fail_on))
