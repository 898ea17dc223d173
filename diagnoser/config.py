"""The configuration in force, so a fix can show the current value next to the new one.

Read from the log itself (the version from `Starting gunicorn`, the worker class
from `Using worker`, the settings of a debug configuration dump, Render's
`WEB_CONCURRENCY`) and, when given, from `gunicorn.conf.py` and `render.yaml`.
Those files are parsed, never executed: only literal assignments and command-line
flags are read; anything computed is reported as the expression it is.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from diagnoser.events import Event, Kind

# Gunicorn's defaults for the settings the fixes touch
DEFAULTS: dict[str, str] = {
    "timeout": "30",
    "workers": "1",
    "worker_class": "sync",
    "max_requests": "0",
    "max_requests_jitter": "0",
    "preload_app": "False",
    "worker_tmp_dir": "None",
    "graceful_timeout": "30",
}
# command-line flags → setting names
FLAGS: dict[str, str] = {
    "-t": "timeout",
    "--timeout": "timeout",
    "-w": "workers",
    "--workers": "workers",
    "-k": "worker_class",
    "--worker-class": "worker_class",
    "--max-requests": "max_requests",
    "--max-requests-jitter": "max_requests_jitter",
    "--worker-tmp-dir": "worker_tmp_dir",
    "--graceful-timeout": "graceful_timeout",
    "-c": "config",
    "--config": "config",
    "-b": "bind",
    "--bind": "bind",
}
SWITCHES: dict[str, tuple[str, str]] = {"--preload": ("preload_app", "True")}
_START_COMMAND = re.compile(r"^\s*startCommand:\s*(?P<value>.+?)\s*$")


def source_label(source: str, lang: str) -> str:
    """Where a setting was read, in the report's language."""
    if lang != "pt-BR":
        return source
    if source == "Gunicorn's default":
        return "padrão do Gunicorn"
    if source.startswith("log line "):
        return "linha " + source.removeprefix("log line ") + " do log"
    if source.startswith("Render, line "):
        return "Render, linha " + source.removeprefix("Render, line ")
    return source


class ConfigError(Exception):
    """A configuration file that can't be read or parsed (one line, names the file)."""


@dataclass(slots=True)
class Setting:
    value: str
    source: str  # "log line 12", "gunicorn.conf.py:3", "render.yaml startCommand", "default"


class Configuration:
    """Settings by name, each with where it was read."""

    def __init__(self) -> None:
        self.settings: dict[str, Setting] = {}

    def from_log(self, name: str, value: str, source: str) -> None:
        """A value the log shows; files given by the user (read first) win over it."""
        current = self.settings.get(name)
        if current is None or current.source.startswith(("log", "Render")):
            self.settings[name] = Setting(value, source)

    def observe(self, event: Event) -> None:
        """Take what a log event says about the configuration."""
        kind = event.kind
        where = f"log line {event.line}"
        if kind is Kind.MASTER_START and "version" in event.fields:
            self.from_log("gunicorn_version", str(event.fields["version"]), where)
        elif kind is Kind.USING_WORKER and "worker_class" in event.fields:
            self.from_log("worker_class", str(event.fields["worker_class"]), where)
        elif kind is Kind.CONFIG_DUMP:
            for name in (*DEFAULTS, "bind"):
                if name in event.fields:
                    self.from_log(name, str(event.fields[name]), where)
        elif kind is Kind.DEPLOY and event.fields.get("step") == "web_concurrency":
            self.from_log(
                "workers", str(event.fields.get("workers", "")), f"Render, line {event.line}"
            )

    def current(self, name: str) -> Setting:
        """The value in force, or Gunicorn's default."""
        found = self.settings.get(name)
        if found is not None:
            return found
        return Setting(DEFAULTS.get(name, "not set"), "Gunicorn's default")

    def read_file(self, path: Path) -> None:
        """Read a gunicorn.conf.py (.py) or a render.yaml (.yaml, .yml)."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if path.suffix == ".py":
            self._read_python(path, text)
        elif path.suffix in (".yaml", ".yml"):
            self._read_render_yaml(path, text)
        else:
            raise ConfigError(f"{path}: expected a gunicorn.conf.py or a render.yaml")

    def _read_python(self, path: Path, text: str) -> None:
        try:
            tree = ast.parse(text, filename=str(path))
        except SyntaxError as exc:
            raise ConfigError(f"{path}:{exc.lineno}: not valid Python: {exc.msg}") from None
        for node in tree.body:
            if not isinstance(node, ast.Assign | ast.AnnAssign):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is None:
                continue
            try:
                value = repr(ast.literal_eval(node.value))
            except (ValueError, SyntaxError, TypeError):
                value = ast.unparse(node.value)  # computed: show the expression
            for target in targets:
                if isinstance(target, ast.Name):
                    self.settings[target.id] = Setting(
                        value.strip("'\""), f"{path.name}:{node.lineno}"
                    )

    def _read_render_yaml(self, path: Path, text: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            m = _START_COMMAND.match(line)
            if m is None:
                continue
            command = m.group("value").strip("'\"")
            self.settings["start_command"] = Setting(command, f"{path.name}:{number}")
            self.read_command(command, f"{path.name}:{number} startCommand")

    def read_command(self, command: str, source: str) -> None:
        """Settings given as Gunicorn command-line flags."""
        try:
            words = shlex.split(command)
        except ValueError:
            words = command.split()
        for index, word in enumerate(words):
            name, _, inline = word.partition("=")
            if name in SWITCHES:
                setting, value = SWITCHES[name]
                self.settings[setting] = Setting(value, source)
            elif name in FLAGS:
                value = inline or (words[index + 1] if index + 1 < len(words) else "")
                self.settings[FLAGS[name]] = Setting(value, source)
