"""The settings in force, each with where it came from, so a fix moves the right way.

Read with real parsers, never executed:

- `gunicorn.conf.py` with `ast`: literals are evaluated with `ast.literal_eval`,
  anything else is kept as the expression it is ("computed at start-up");
- `render.yaml` with a YAML parser: every service, its `startCommand` and
  `envVars` (`GUNICORN_CMD_ARGS`, `WEB_CONCURRENCY`);
- a `Procfile`'s `web:` command, and an environment file (`KEY=VALUE` lines);
- the log itself: a debug configuration dump and `Using worker:` say what was
  in force; a worker's age when it was timed out bounds the timeout (it equals
  it for a boot that never ended); the workers booted at start give their count.

Gunicorn's own precedence decides between them, as its documentation states:
the command line over `GUNICORN_CMD_ARGS` over the configuration file over the
defaults (`WEB_CONCURRENCY` is the default of `workers`). What the log states
outright outranks them all: it is what ran.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from diagnoser.events import Event, Kind

# Gunicorn's defaults for the settings the fixes touch
DEFAULTS: dict[str, str] = {
    "timeout": "30",
    "workers": "1",
    "worker_class": "sync",
    "threads": "1",
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
    "--threads": "threads",
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

# Who wins, highest first (Gunicorn's precedence, then what the log shows).
LOG_STATED = 60  # a configuration dump, `Using worker:`: what ran
COMMAND_LINE = 50
CMD_ARGS = 40  # GUNICORN_CMD_ARGS
CONFIG_FILE = 30
WEB_CONCURRENCY = 20  # the default of `workers`
LOG_INFERRED = 10  # estimated from the log's timing or its boot lines
DEFAULT = 0


def source_label(source: str, lang: str) -> str:
    """Where a setting was read, in the report's language."""
    if lang != "pt-BR":
        return source
    replacements = (
        ("Gunicorn's default", "padrão do Gunicorn"),
        ("log line ", "linha do log "),
        ("Render, line ", "Render, linha "),
        ("computed at start-up", "calculado na inicialização"),
        ("inferred from the log", "inferido do log"),
    )
    for english, portuguese in replacements:
        source = source.replace(english, portuguese)
    return source


class ConfigError(Exception):
    """A configuration file that can't be read or parsed (one line, names the file)."""


@dataclass(slots=True)
class Setting:
    value: str
    source: str  # "log line 12", "gunicorn.conf.py:3", "render.yaml: web startCommand", ...
    rank: int = DEFAULT
    computed: bool = False  # an expression Gunicorn evaluates at start-up, shown as written

    def shown(self) -> str:
        """The value as a report shows it."""
        return f"computed at start-up: {self.value}" if self.computed else self.value

    def number(self) -> float | None:
        """The value as a number, when it is one."""
        if self.computed:
            return None
        try:
            return float(self.value)
        except ValueError:
            return None


class Configuration:
    """Settings by name, each with where it was read and how much that source counts."""

    def __init__(self) -> None:
        self.settings: dict[str, Setting] = {}
        self.files: list[Path] = []
        self.timeout_bound: float | None = None  # the timeout is at most this (log)
        self._startup_boots = 0

    # -- setting values -------------------------------------------------------------

    def put(self, name: str, value: str, source: str, rank: int, computed: bool = False) -> None:
        """Record a value; one from a source that counts less than the current one is ignored."""
        current = self.settings.get(name)
        if current is not None and current.rank > rank:
            return
        self.settings[name] = Setting(value, source, rank, computed)

    def current(self, name: str) -> Setting:
        """The value in force, or Gunicorn's default."""
        found = self.settings.get(name)
        if found is not None:
            return found
        return Setting(DEFAULTS.get(name, "not set"), "Gunicorn's default")

    def number(self, name: str) -> float | None:
        return self.current(name).number()

    # -- the log --------------------------------------------------------------------

    def from_log(self, name: str, value: str, source: str) -> None:
        """A value the log states (a dump, `Using worker:`): it is what ran."""
        self.put(name, value, source, LOG_STATED)

    def observe(self, event: Event) -> None:
        """Take what a log event says about the configuration."""
        kind = event.kind
        where = f"log line {event.line}"
        if kind is Kind.MASTER_START:
            if "version" in event.fields:
                self.from_log("gunicorn_version", str(event.fields["version"]), where)
            self._startup_boots = 0
        elif kind is Kind.USING_WORKER and "worker_class" in event.fields:
            self.from_log("worker_class", str(event.fields["worker_class"]), where)
        elif kind is Kind.CONFIG_DUMP:
            for name in (*DEFAULTS, "bind"):
                if name in event.fields:
                    self.from_log(name, str(event.fields[name]), where)
        elif kind is Kind.DEPLOY and event.fields.get("step") == "web_concurrency":
            self.put(
                "workers",
                str(event.fields.get("workers", "")),
                f"Render's WEB_CONCURRENCY, line {event.line}",
                WEB_CONCURRENCY,
            )
        elif kind is Kind.WORKER_BOOT and event.fields.get("startup_boot"):
            self._startup_boots += 1
            self.put(
                "workers",
                str(self._startup_boots),
                f"inferred from the log: {self._startup_boots} booted at start "
                f"(to line {event.line})",
                LOG_INFERRED,
            )
        elif kind is Kind.WORKER_TIMEOUT:
            age = event.fields.get("age")
            if (
                isinstance(age, int | float)
                and age > 0
                and (self.timeout_bound is None or age < self.timeout_bound)
            ):
                # A worker can't have been silent for longer than it lived: the timeout
                # is at most its age (and equals it for a boot that never ended).
                self.timeout_bound = float(age)
                self.put(
                    "timeout",
                    f"{int(age)}",
                    f"inferred from the log: at most {age:g} s, worker {event.pid} was "
                    f"timed out {age:g} s after its boot (line {event.line})",
                    LOG_INFERRED,
                )

    # -- files ----------------------------------------------------------------------

    def read_file(self, path: Path) -> None:
        """A gunicorn.conf.py, a render.yaml, a Procfile or an environment file."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text") from None
        self.files.append(path)
        if is_django_settings(path):
            self._read_django(path, text)
            return
        if path.suffix == ".py":
            self._read_python(path, text)
        elif path.suffix in (".yaml", ".yml"):
            self._read_render_yaml(path, text)
        elif path.name == "Procfile" or path.suffix == ".procfile":
            self._read_procfile(path, text)
        elif path.name == ".env" or path.suffix == ".env" or path.name.endswith("env"):
            self._read_env(path, text)
        else:
            raise ConfigError(
                f"{path}: expected a gunicorn.conf.py, a render.yaml, a Procfile or a .env file"
            )

    def _read_python(self, path: Path, text: str) -> None:
        try:
            tree = ast.parse(text, filename=str(path))
        except SyntaxError as exc:
            raise ConfigError(f"{path}:{exc.lineno}: not valid Python: {exc.msg}") from None
        for node in tree.body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            computed = False
            try:
                literal = ast.literal_eval(node.value)
                value = literal if isinstance(literal, str) else repr(literal)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                value, computed = ast.unparse(node.value), True
            for target in targets:
                if isinstance(target, ast.Name):
                    self.put(target.id, value, f"{path.name}:{node.lineno}", CONFIG_FILE, computed)

    def _read_django(self, path: Path, text: str) -> None:
        """Django's settings hold no Gunicorn setting; the ones the fixes touch are read
        line by line: the statement timeout given to PostgreSQL (`-c
        statement_timeout=N`, in ms), ATOMIC_REQUESTS, CONN_MAX_AGE, SESSION_ENGINE."""
        for number, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for name, pattern in _DJANGO_SETTINGS:
                m = pattern.search(line)
                if m is not None:
                    self.put(name, m.group(1), f"{path.name}:{number}", CONFIG_FILE)

    def _read_render_yaml(self, path: Path, text: str) -> None:
        try:
            data: Any = YAML(typ="safe", pure=True).load(text)
        except (YAMLError, ValueError) as exc:
            raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
        services = data.get("services") if isinstance(data, dict) else None
        if not isinstance(services, list):
            raise ConfigError(f"{path}: no `services:` list, so not a render.yaml")
        chosen = _gunicorn_service(services)
        if chosen is None:
            return
        index, service = chosen
        name = str(service.get("name") or f"services[{index}]")
        for variable in service.get("envVars") or []:
            if isinstance(variable, dict) and "value" in variable:
                self._environment(
                    str(variable.get("key", "")), str(variable["value"]), f"{path.name}: {name}"
                )
        command = service.get("startCommand")
        if isinstance(command, str) and command.strip():
            command = " ".join(command.split())  # a folded block scalar spans lines
            self.put("start_command", command, f"{path.name}: {name} startCommand", COMMAND_LINE)
            self.read_command(command, f"{path.name}: {name} startCommand", COMMAND_LINE)

    def _read_procfile(self, path: Path, text: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            process, _, command = line.partition(":")
            if process.strip() == "web" and command.strip():
                source = f"{path.name}:{number} web"
                self.put("start_command", command.strip(), source, COMMAND_LINE)
                self.read_command(command.strip(), source, COMMAND_LINE)

    def _read_env(self, path: Path, text: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.removeprefix("export ").partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            self._environment(key.strip(), value, f"{path.name}:{number}")

    def _environment(self, key: str, value: str, source: str) -> None:
        if key == "GUNICORN_CMD_ARGS":
            self.read_command(value, f"{source} GUNICORN_CMD_ARGS", CMD_ARGS)
        elif key == "WEB_CONCURRENCY" and value.strip().isdigit():
            self.put("workers", value.strip(), f"{source} WEB_CONCURRENCY", WEB_CONCURRENCY)

    def read_command(self, command: str, source: str, rank: int = COMMAND_LINE) -> None:
        """Settings given as Gunicorn command-line flags."""
        try:
            words = shlex.split(command)
        except ValueError:
            words = command.split()
        for index, word in enumerate(words):
            name, equals, inline = word.partition("=")
            if name in SWITCHES:
                setting, value = SWITCHES[name]
                self.put(setting, value, source, rank)
            elif name in FLAGS:
                value = inline if equals else (words[index + 1] if index + 1 < len(words) else "")
                self.put(FLAGS[name], value, source, rank)
            elif len(name) > 2 and name[:2] in ("-t", "-w", "-k", "-b", "-c") and name[1] != "-":
                self.put(FLAGS[name[:2]], name[2:], source, rank)  # `-t180`

    # -- questions the fixes ask ------------------------------------------------------

    def passes_config(self) -> bool:
        """Whether the start command names a configuration file (or the file is the
        default `./gunicorn.conf.py` that Gunicorn reads on its own)."""
        if "config" in self.settings:
            return True
        command = self.settings.get("start_command")
        if command is not None and "gunicorn" in command.value:
            return any(path.name == "gunicorn.conf.py" for path in self.files)
        return False


_GUNICORN_WORD = re.compile(r"\bgunicorn\b")
_DJANGO_SETTINGS = (
    ("statement_timeout", re.compile(r"statement_timeout\s*=\s*(\d+)")),
    ("ATOMIC_REQUESTS", re.compile(r"""ATOMIC_REQUESTS['"]?\]?\s*[:=]\s*(True|False)""")),
    ("CONN_MAX_AGE", re.compile(r"""CONN_MAX_AGE['"]?\]?\s*[:=]\s*(\d+|None)""")),
    ("SESSION_ENGINE", re.compile(r"""SESSION_ENGINE\s*=\s*['"]([^'"]+)""")),
)


def is_django_settings(path: Path) -> bool:
    """`settings.py`, `settings_render.py`, ...: Django's settings, not Gunicorn's."""
    return path.suffix == ".py" and path.stem.startswith("settings")


def _gunicorn_service(services: list[Any]) -> tuple[int, dict[str, Any]] | None:
    """The service that runs Gunicorn: the first web service whose start command
    does, else the first web service, else the first with a start command."""
    candidates = [(i, s) for i, s in enumerate(services) if isinstance(s, dict)]
    for test in (
        lambda s: (
            s.get("type", "web") == "web" and _GUNICORN_WORD.search(str(s.get("startCommand", "")))
        ),
        lambda s: s.get("type", "web") == "web",
        lambda s: bool(s.get("startCommand")),
    ):
        for index, service in candidates:
            if test(service):
                return index, service
    return None
