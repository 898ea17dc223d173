"""The report's own words in each supported language, through gettext catalogues.

Messages are written in English in the code, as calls to `tr` (a message),
`ntr` (a message with plural forms) and `ptr` (a message with a context), or
marked with `N_` where they are looked up later. Their translations are in
`diagnoser/locale/<locale>/LC_MESSAGES/diagnoser.po`, read with Babel's
`read_po` and looked up with the standard library's `gettext`, so plural
forms follow each catalogue's `Plural-Forms` header (pt-BR: one for 0 and 1).
English is the source and needs no catalogue; pt-BR is the runbook's language.

Rule and fix texts carry their translations in their TOML files (`[i18n.pt-BR]`).
A message added to the code without its translation fails `tests/test_lang.py`,
which lists it.
"""

from __future__ import annotations

import gettext
import io
import locale
import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "diagnoser"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# report language (as `--lang` spells it) -> gettext locale of its catalogue
CATALOGUES = {"pt-BR": "pt_BR"}
LANGS = ("en", *CATALOGUES)


def catalogue_path(lang: str) -> Path:
    """The `.po` file of `lang` (one of `CATALOGUES`)."""
    return LOCALE_DIR / CATALOGUES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`; English (or an unknown language) gives the messages as written."""
    if lang not in CATALOGUES:
        return gettext.NullTranslations()
    with catalogue_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=CATALOGUES[lang], domain=DOMAIN)
    # compiled in memory, for the standard library's lookups and plural rules;
    # fuzzy entries are left out, as msgfmt leaves them out
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def N_(message: str) -> str:
    """Mark `message` for translation where it is defined; `tr` translates it where shown."""
    return message


def tr(lang: str, message: str, /, **values: object) -> str:
    """`message` in `lang`, with its `{name}` placeholders filled from `values`."""
    text = translations(lang).gettext(message)
    return text.format(**values) if values else text


def ntr(lang: str, singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form of a message that fits the number `n` in `lang`; `{n}` is `n`."""
    text = translations(lang).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def plural_index(lang: str, n: int) -> int:
    """Which form of a message fits the number `n` in `lang`: 0 the singular."""
    rule = getattr(translations(lang), "plural", None)
    return int(rule(n)) if rule is not None else int(n != 1)


def ptr(lang: str, context: str, message: str, /, **values: object) -> str:
    """`message` in `lang` where its English alone is ambiguous (`context` tells which)."""
    text = translations(lang).pgettext(context, message)
    return text.format(**values) if values else text


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
