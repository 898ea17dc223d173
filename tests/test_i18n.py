"""The gettext catalogues: every message of the code translated, plural forms right."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from diagnoser.i18n import CATALOGUES, catalogue_path, ntr, ptr, tr
from diagnoser.report.model import LinesOut
from diagnoser.report.words import lines_summary

PACKAGE = Path(__file__).resolve().parent.parent / "diagnoser"
# argument positions of the message (and plural, or context then message) in each call
MESSAGE_ARGS = {"tr": (1,), "ntr": (1, 2), "ptr": (1, 2), "N_": (0,)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def code_messages() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, msgid) -> its English forms, for every message written in the package."""
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            positions = MESSAGE_ARGS.get(node.func.id)
            if positions is None or len(node.args) <= max(positions):
                continue
            args = [node.args[i] for i in positions]
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue  # a message marked with N_ where it is defined
            texts = tuple(str(a.value) for a in args if isinstance(a, ast.Constant))
            if node.func.id == "ptr":
                found[(texts[0], texts[1])] = texts[1:]
            else:
                found[(None, texts[0])] = texts
    return found


def catalogue(lang: str):  # type: ignore[no-untyped-def]
    with catalogue_path(lang).open("rb") as handle:
        return read_po(handle, locale=CATALOGUES[lang])


def test_the_code_has_messages() -> None:
    messages = code_messages()
    assert (None, "{n} line read") in messages and ("file", "in") in messages
    assert len(messages) > 40


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_every_message_is_translated(lang: str) -> None:
    entries = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0]): message
        for message in catalogue(lang)
        if message.id
    }
    messages = code_messages()
    missing = sorted(key[1] for key in messages if key not in entries)
    assert missing == [], f"not in {catalogue_path(lang)}: {missing}"
    unused = sorted(key[1] for key in entries if key not in messages)
    assert unused == [], f"in {catalogue_path(lang)} but no longer in the code: {unused}"
    for key, english in messages.items():
        entry = entries[key]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"untranslated: {key[1]!r}"
        assert not entry.fuzzy, f"fuzzy: {key[1]!r}"
        if len(english) == 2:
            assert isinstance(entry.id, tuple) and entry.id[1] == english[1], key
        wanted = {name for text in english for name in PLACEHOLDER.findall(text)}
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted | {"n"}, (key[1], text)


def test_plural_forms_of_one_and_two() -> None:
    assert ntr("en", "{n} line read", "{n} lines read", 1) == "1 line read"
    assert ntr("en", "{n} line read", "{n} lines read", 2) == "2 lines read"
    assert ntr("pt-BR", "{n} worker life", "{n} worker lives", 1) == "1 vida de worker"
    assert ntr("pt-BR", "{n} worker life", "{n} worker lives", 2) == "2 vidas de worker"
    assert ntr("pt-BR", "{n} line read", "{n} lines read", 1) == "1 linha lida"
    assert ntr("pt-BR", "{n} line read", "{n} lines read", 2) == "2 linhas lidas"
    assert ntr("en", "once", "{n} times", 1) == "once"
    assert ntr("pt-BR", "once", "{n} times", 3) == "3 vezes"


def test_summary_agrees_with_its_numbers() -> None:
    one = LinesOut(read=1, recognized=1, traceback=0, app=1, unrecognized=1, blank=0)
    two = LinesOut(read=2, recognized=2, traceback=0, app=2, unrecognized=2, blank=0)
    assert lines_summary(one, 1, "en") == (
        "1 line read: 1 recognized, 0 in tracebacks, 1 app message, 1 unrecognized, "
        "0 blank; 1 worker life"
    )
    assert lines_summary(two, 2, "en").endswith(
        "2 app messages, 2 unrecognized, 0 blank; 2 worker lives"
    )
    assert lines_summary(one, 1, "pt-BR") == (
        "1 linha lida: 1 reconhecida, 0 em tracebacks, 1 mensagem da aplicação, "
        "1 não reconhecida, 0 em branco; 1 vida de worker"
    )
    assert lines_summary(two, 2, "pt-BR") == (
        "2 linhas lidas: 2 reconhecidas, 0 em tracebacks, 2 mensagens da aplicação, "
        "2 não reconhecidas, 0 em branco; 2 vidas de worker"
    )


def test_context_and_unknown_languages() -> None:
    assert ptr("pt-BR", "file", "in") == "em"
    assert ptr("en", "file", "in") == "in"
    assert tr("fr", "Evidence") == "Evidence"  # no catalogue: the English
