"""The runbook's sections, named in the report's language.

Fixes cite the section of the runbook (`worker-timeout-runbook.pt-BR.md`) they
come from as the runbook writes it, in Portuguese: `1. Configuração Otimizada
do Gunicorn (gunicorn.conf.py); causa 4`. A report shows that citation in its
own language, with the section number, the file and the cause number kept.
"""

from __future__ import annotations

import re

from diagnoser.i18n import N_, tr

# The runbook's numbered sections, in English; their pt-BR translations in the
# catalogue are the runbook's own titles.
SECTIONS = {
    1: N_("Optimized Gunicorn configuration"),
    2: N_("Database optimizations"),
    3: N_("Cache and session optimizations"),
    4: N_("Logging optimizations"),
    5: N_("Middleware optimizations"),
    6: N_("Optimized build script"),
    7: N_("Optimized app.py"),
}
_CITATION = re.compile(
    r"(?P<number>\d+)\. (?P<title>[^(;]+?)(?: \((?P<file>[^)]+)\))?(?:; causa (?P<cause>\d+))?"
)


def runbook_section(citation: str, lang: str) -> str:
    """A fix's `runbook_section` in `lang`; a citation of no known section stays as written."""
    m = _CITATION.fullmatch(citation)
    if m is None or int(m["number"]) not in SECTIONS:
        return citation
    text = f"{m['number']}. {tr(lang, SECTIONS[int(m['number'])])}"
    if m["file"]:
        text += f" ({m['file']})"
    if m["cause"]:
        text += "; " + tr(lang, "cause {n}", n=int(m["cause"]))
    return text
