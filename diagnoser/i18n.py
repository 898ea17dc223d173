"""The report's own words in each supported language.

Rule and fix texts carry their translations in their TOML files (`[i18n.pt-BR]`);
this module holds the labels of the reports themselves. English is the source;
pt-BR is the runbook's language. `default_lang` picks one from the locale.
"""

from __future__ import annotations

import locale
import os
from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "summary": {
        "en": "{read} lines read: {recognized} recognized, {traceback} in tracebacks, "
        "{app} app messages, {unrecognized} unrecognized, {blank} blank{wrapper}; "
        "{workers} worker lives",
        "pt-BR": "{read} linhas lidas: {recognized} reconhecidas, {traceback} em tracebacks, "
        "{app} mensagens da aplicação, {unrecognized} não reconhecidas, {blank} em branco"
        "{wrapper}; {workers} vidas de worker",
    },
    "wrapper": {"en": ", {n} JSON structure", "pt-BR": ", {n} de estrutura JSON"},
    "no_findings": {
        "en": "No worker timeouts, kills or boot failures found.",
        "pt-BR": "Nenhum timeout, morte de worker ou falha de inicialização encontrado.",
    },
    "also_seen": {
        "en": "Also seen (no action needed):",
        "pt-BR": "Também visto (nenhuma ação necessária):",
    },
    "confidence": {"en": "confidence", "pt-BR": "confiança"},
    "unsettled": {"en": "(outcome not in the log)", "pt-BR": "(desfecho ausente do log)"},
    "workers": {"en": "Workers", "pt-BR": "Workers"},
    "occurrences": {"en": "Occurrences", "pt-BR": "Ocorrências"},
    "evidence": {"en": "Evidence:", "pt-BR": "Evidências:"},
    "evidence_more": {
        "en": "… {n} more evidence lines in --format json",
        "pt-BR": "… mais {n} linhas de evidência em --format json",
    },
    "for": {"en": "For:", "pt-BR": "A favor:"},
    "against": {"en": "Against:", "pt-BR": "Contra:"},
    "fix": {"en": "Fix: ", "pt-BR": "Correção: "},
    "in_file": {"en": "  in ", "pt-BR": "  em "},
    "runbook": {"en": "  (runbook: ", "pt-BR": "  (runbook: "},
    "caution": {"en": "Caution: ", "pt-BR": "Atenção: "},
    "also": {"en": "Also: ", "pt-BR": "Também: "},
    "current": {"en": "now", "pt-BR": "atual"},
    "gunicorn": {"en": "Gunicorn", "pt-BR": "Gunicorn"},
    "worker_class": {"en": "worker class", "pt-BR": "classe de worker"},
    "started_times": {"en": "started {n} times", "pt-BR": "iniciado {n} vezes"},
    "timeline": {
        "en": "Timeline (events per minute)",
        "pt-BR": "Linha do tempo (eventos por minuto)",
    },
    "report_title": {
        "en": "Gunicorn worker incident report",
        "pt-BR": "Relatório de incidente dos workers do Gunicorn",
    },
    "findings": {"en": "Findings", "pt-BR": "Achados"},
    "cause": {"en": "Cause", "pt-BR": "Causa"},
    "severity": {"en": "Severity", "pt-BR": "Severidade"},
    "critical": {"en": "CRITICAL", "pt-BR": "CRÍTICO"},
    "warning": {"en": "WARNING", "pt-BR": "AVISO"},
    "info": {"en": "INFO", "pt-BR": "INFO"},
    "series.timeouts": {"en": "timeouts", "pt-BR": "timeouts"},
    "series.kills": {"en": "kills", "pt-BR": "mortes"},
    "series.boots": {"en": "boots", "pt-BR": "inicializações"},
    "series.slow_queries": {"en": "slow queries", "pt-BR": "consultas lentas"},
    "series.errors": {"en": "errors", "pt-BR": "erros"},
}


def ui(key: str, lang: str = "en", **values: object) -> str:
    """The label `key` in `lang` (English when missing), with `{name}` values filled."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def lines_summary(lines: Any, workers: int, lang: str) -> str:
    """`N lines read: …; N worker lives`, from a report's line counts."""
    wrapper = ui("wrapper", lang, n=lines.wrapper) if lines.wrapper else ""
    return ui(
        "summary",
        lang,
        read=lines.read,
        recognized=lines.recognized,
        traceback=lines.traceback,
        app=lines.app,
        unrecognized=lines.unrecognized,
        blank=lines.blank,
        wrapper=wrapper,
        workers=workers,
    )


def default_lang() -> str:
    """pt-BR when the locale says Portuguese, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            return "pt-BR" if value.lower().startswith("pt") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "pt-BR" if code.lower().startswith("pt") else "en"
