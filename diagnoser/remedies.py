"""Fix values that move the right way from what is in force.

A fix in `rules/fixes.toml` is a snippet with placeholders. Here each fix is
given values derived from the evidence and the settings in force
(`diagnoser.config`), or is marked as already in force, or as one whose value
the log cannot give, so a report never proposes the value that is failing,
never more workers for a memory problem, and never a default printed as if it
had been measured.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from diagnoser.config import Configuration, source_label
from diagnoser.rules import Fix
from diagnoser.stats import RequestStats

SUGGESTED, IN_FORCE, NO_VALUE = "suggested", "in_force", "no_value"
THREADS = 4  # gthread threads proposed for a worker that waits on the network
_ASSIGNMENT = re.compile(r"^\s*(?P<name>\w+)\s*=\s*(?P<value>[^#\n]+?)\s*(?:#.*)?$", re.M)


@dataclass(slots=True)
class Remedy:
    """What a fix becomes for this deployment."""

    values: dict[str, str] = field(default_factory=dict)  # the snippet's placeholders
    status: str = SUGGESTED
    note: str = ""  # why nothing is suggested, in the report's language


def _nice_seconds(seconds: float) -> int:
    """Rounded up to a value people write: 5 s steps to a minute, then 30 s."""
    step = 5 if seconds <= 60 else 30
    return int(math.ceil(seconds / step) * step)


class Remedies:
    """Derives each fix's values from the configuration and what the log measured."""

    def __init__(self, config: Configuration, stats: RequestStats, lang: str = "en") -> None:
        self.config = config
        self.stats = stats
        self.lang = lang

    def current(self, setting: str) -> str:
        found = self.config.current(setting)
        return f"{setting} = {found.shown()}  ({source_label(found.source, self.lang)})"

    def _say(self, english: str, portuguese: str) -> str:
        return portuguese if self.lang == "pt-BR" else english

    def timeout_in_force(self) -> float:
        """The timeout that ran: the one configured (or 30 s), unless the log shows a
        worker timed out younger than that, which bounds it."""
        value = self.config.number("timeout")
        timeout = value if value is not None and value > 0 else 30.0
        bound = self.config.timeout_bound
        return min(timeout, bound) if bound is not None else timeout

    def for_fix(self, fix: Fix) -> Remedy:
        derive = getattr(self, "_" + fix.id.replace("-", "_"), None)
        remedy: Remedy = derive() if derive is not None else Remedy()
        if remedy.status == SUGGESTED and fix.setting and self._already(fix, remedy):
            found = self.config.current(fix.setting)
            return Remedy(
                status=IN_FORCE,
                note=self._say(
                    f"already in force: {fix.setting} = {found.shown()} ({found.source})",
                    f"já em vigor: {fix.setting} = {found.shown()} "
                    f"({source_label(found.source, 'pt-BR')})",
                ),
            )
        return remedy

    def _already(self, fix: Fix, remedy: Remedy) -> bool:
        """Whether the snippet sets `fix.setting` to the value already in force."""
        found = self.config.settings.get(fix.setting)
        if found is None or found.computed:
            return False
        for m in _ASSIGNMENT.finditer(fix.snippet):
            if m.group("name") != fix.setting:
                continue
            wanted = m.group("value")
            for key, value in remedy.values.items():
                wanted = re.sub(r"\{" + key + r"(?:\|[^}]*)?\}", value, wanted)
            return _same(wanted, found.value)
        return False

    # -- one method per fix id (`gunicorn-timeout` → `_gunicorn_timeout`) ------------

    def _gunicorn_timeout(self) -> Remedy:
        """Above the value in force and above the longest request measured."""
        timeout = self.timeout_in_force()
        longest_ms = self.stats.durations_ms.max() if self.stats.durations_ms else None
        # a quarter of headroom over the longest request measured, if that is a raise
        if longest_ms is not None and longest_ms / 1000 * 1.25 > timeout:
            suggested = _nice_seconds(longest_ms / 1000 * 1.25)
            return Remedy({"suggested_timeout": str(suggested)})
        if longest_ms is not None:
            measured = self._say(
                f"the requests measured (the longest {longest_ms / 1000:g} s) fit in it, and",
                f"as requisições medidas (a mais longa {longest_ms / 1000:g} s) cabem nele, e",
            )
        else:
            measured = ""
        return Remedy(
            status=NO_VALUE,
            note=self._say(
                f"no value follows from this log: {measured} the requests that were killed "
                f"left no duration. Time the slow path first; any new value must be above "
                f"the {timeout:g} s in force.",
                f"nenhum valor decorre deste log: {measured} as requisições mortas não "
                f"deixaram duração. Meça primeiro o caminho lento; um novo valor tem de "
                f"ficar acima dos {timeout:g} s em vigor.",
            ).replace("  ", " "),
        )

    def _statement_timeout(self) -> Remedy:
        """Below the Gunicorn timeout actually in force, so the query fails first."""
        timeout_ms = self.timeout_in_force() * 1000
        current = self.config.number("statement_timeout")
        if current is not None and 0 < current < timeout_ms:
            found = self.config.current("statement_timeout")
            return Remedy(
                status=IN_FORCE,
                note=self._say(
                    f"already below Gunicorn's {timeout_ms / 1000:g} s: statement_timeout = "
                    f"{found.value} ms ({found.source})",
                    f"já abaixo dos {timeout_ms / 1000:g} s do Gunicorn: statement_timeout = "
                    f"{found.value} ms ({source_label(found.source, 'pt-BR')})",
                ),
            )
        value = int(timeout_ms * 0.8 // 100 * 100)
        return Remedy({"statement_timeout_ms": str(max(value, 100))})

    def _gunicorn_workers(self) -> Remedy:
        """Workers that fit the instance's memory; never more than run now."""
        in_force = self.config.number("workers")
        workers = int(in_force) if in_force is not None and in_force >= 1 else None
        suggested = self.stats.suggested_workers(workers)
        if suggested is None:
            return Remedy(
                status=NO_VALUE,
                note=self._say(
                    "no value follows from this log: it shows no memory figures (a worker's "
                    "RSS, the instance's limit). Measure one worker's memory first.",
                    "nenhum valor decorre deste log: ele não mostra números de memória (o "
                    "RSS de um worker, o limite da instância). Meça primeiro a memória de "
                    "um worker.",
                ),
            )
        if workers is not None and suggested >= workers:
            if workers <= 1:
                return Remedy(
                    status=NO_VALUE,
                    note=self._say(
                        "one worker is already the fewest: make each worker use less memory "
                        "(load less at import, recycle with max_requests) or use an instance "
                        "with more memory.",
                        "um worker já é o mínimo: faça cada worker usar menos memória "
                        "(carregar menos no import, reciclar com max_requests) ou use uma "
                        "instância com mais memória.",
                    ),
                )
            suggested = workers - 1
        return Remedy({"suggested_workers": str(suggested)})

    def _gunicorn_threads(self) -> Remedy:
        family = self.config.current("worker_class").value.lower()
        if any(name in family for name in ("thread", "gevent", "eventlet", "uvicorn", "tornado")):
            found = self.config.current("worker_class")
            return Remedy(
                status=IN_FORCE,
                note=self._say(
                    f"already a concurrent worker class: worker_class = {found.shown()} "
                    f"({found.source}); give the outbound calls timeouts instead.",
                    f"já é uma classe de worker concorrente: worker_class = {found.shown()} "
                    f"({source_label(found.source, 'pt-BR')}); dê timeouts às chamadas "
                    f"externas.",
                ),
            )
        return Remedy({"suggested_threads": str(THREADS)})

    def _max_requests(self) -> Remedy:
        value = self.config.number("max_requests")
        if value is not None and value > 0:
            found = self.config.current("max_requests")
            return Remedy(
                status=IN_FORCE,
                note=self._say(
                    f"already in force: max_requests = {found.shown()} ({found.source})",
                    f"já em vigor: max_requests = {found.shown()} "
                    f"({source_label(found.source, 'pt-BR')})",
                ),
            )
        return Remedy()

    def _in_force_if(self, name: str, test: bool) -> Remedy:
        if not test:
            return Remedy()
        found = self.config.current(name)
        return Remedy(
            status=IN_FORCE,
            note=self._say(
                f"already in force: {name} = {found.value} ({found.source})",
                f"já em vigor: {name} = {found.value} ({source_label(found.source, 'pt-BR')})",
            ),
        )

    def _atomic_requests(self) -> Remedy:
        found = self.config.settings.get("ATOMIC_REQUESTS")
        return self._in_force_if("ATOMIC_REQUESTS", found is not None and found.value == "False")

    def _conn_max_age(self) -> Remedy:
        found = self.config.settings.get("CONN_MAX_AGE")
        value = found.value if found is not None else ""
        return self._in_force_if(
            "CONN_MAX_AGE", value == "None" or (value.isdigit() and value != "0")
        )

    def _locmem_cache_sessions(self) -> Remedy:
        found = self.config.settings.get("SESSION_ENGINE")
        return self._in_force_if("SESSION_ENGINE", found is not None and "cache" in found.value)

    def _start_command_config(self) -> Remedy:
        if self.config.passes_config():
            return Remedy(
                status=IN_FORCE,
                note=self._say(
                    "the start command already reads the configuration file",
                    "o comando de início já lê o arquivo de configuração",
                ),
            )
        return Remedy()


def _same(wanted: str, current: str) -> bool:
    def norm(text: str) -> str:
        return text.strip().strip("'\"").lower()

    return norm(wanted) == norm(current)
