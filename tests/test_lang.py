"""--lang pt-BR: the runbook's language, throughout the report."""

from __future__ import annotations

from conftest import ROOT
from typer.testing import CliRunner

from diagnoser.cli.app import app
from diagnoser.i18n import default_lang
from diagnoser.rules import load_rules

SAMPLE = str(ROOT / "sample_logs" / "render-runbook-incident.log")


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["analyze", *args, "--no-color", "--width", "200", SAMPLE])
    assert result.exit_code == 1, result.output
    return result.stdout


def test_runbook_incident_reads_as_portuguese_throughout() -> None:
    out = run("--lang", "pt-BR")
    for portuguese in (
        "linhas lidas",
        "O Gunicorn matou o worker 96",
        "não foi por falta de memória",
        "Evidências:",
        "Correção:",
        "Atenção:",
        "Visto uma vez",
        "padrão do Gunicorn",
        "nenhum valor decorre deste log",
        "Linha do tempo",
        "(runbook: 1. Configuração Otimizada do Gunicorn (gunicorn.conf.py))",
    ):
        assert portuguese in out, portuguese
    for english in (
        "lines read",
        "Evidence:",
        "Fix:",
        "Caution:",
        "Seen once",
        "Gunicorn killed",
        "default)",
        "seconds a sync",
        "Optimized Gunicorn configuration",
    ):
        assert english not in out, english


def test_markdown_and_json_follow_the_language() -> None:
    markdown = run("--lang", "pt-BR", "--format", "markdown")
    assert "Achados" in markdown and "O Gunicorn matou o worker 96" in markdown
    json_out = run("--lang", "pt-BR", "--format", "json")
    assert '"lang": "pt-BR"' in json_out and "não foi por falta de memória" in json_out


def test_every_rule_fix_and_label_has_portuguese() -> None:
    rules, fixes = load_rules()
    assert [r.id for r in rules if "pt-BR" not in r.i18n] == []
    assert [f for f, fix in fixes.items() if "pt-BR" not in fix.i18n] == []


def test_placeholders_match_between_languages() -> None:
    import re

    names = re.compile(r"\{(\w+)(?:\|[^{}]*|\?[^{}|]*\|[^{}]*)?\}")
    rules, _ = load_rules()
    for rule in rules:
        words = rule.i18n["pt-BR"]
        english = set(names.findall(rule.title + rule.explanation))
        portuguese = set(names.findall(words.title + words.explanation))
        assert portuguese <= english | {"times"}, (rule.id, portuguese - english)


def test_default_language_comes_from_the_locale(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    assert default_lang() == "pt-BR"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert default_lang() == "en"
