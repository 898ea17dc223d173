"""The markdown post-mortem: structure, fences log text can't close, escaping, language."""

from __future__ import annotations

import io

from conftest import RUNBOOK_LINES, analyze_text, parse_lines
from markdown_it import MarkdownIt
from markdown_it.token import Token

from diagnoser.findings import render as fill
from diagnoser.report import formatter
from diagnoser.report.markdown import (
    MarkdownFormatter,
    code_block,
    code_span,
    escape,
    fence_for,
    paragraph,
)
from diagnoser.report.model import GunicornOut, Report, TimelineOut
from diagnoser.timeline import Timeline

INCIDENT = """\
[2025-07-30 11:08:00 -0300] [85] [INFO] Starting gunicorn 23.0.0
[2025-07-30 11:08:00 -0300] [85] [INFO] Using worker: sync
[2025-07-30 11:08:01 -0300] [96] [INFO] Booting worker with pid: 96
[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)
[2025-07-30 11:10:09 -0300] [96] [INFO] Worker exiting (pid: 96)
[2025-07-30 11:10:10 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?
[2025-07-30 11:10:11 -0300] [97] [INFO] Booting worker with pid: 97
[2025-07-30 11:12:30 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:97)
[2025-07-30 11:12:31 -0300] [97] [INFO] Worker exiting (pid: 97)
[2025-07-30 11:12:32 -0300] [85] [ERROR] Worker (pid:97) was sent SIGKILL! Perhaps out of memory?
"""
PARSER = MarkdownIt("commonmark").enable("table")


def timeline_for(text: str) -> TimelineOut | None:
    """What analysis will attach: the timeline of `text`'s events."""
    timeline = Timeline()
    for event in parse_lines(text.splitlines())[1]:
        timeline.observe(event)
    return timeline.result()


def incident_report(text: str = INCIDENT) -> Report:
    report = analyze_text(text)
    report.timeline = timeline_for(text)
    return report


def render(report: Report, lang: str | None = None) -> str:
    out = io.StringIO()
    MarkdownFormatter(lang).write(report, out)
    return out.getvalue()


def fences(markdown: str) -> list[Token]:
    return [token for token in PARSER.parse(markdown) if token.type == "fence"]


def table_cells(markdown: str) -> list[list[str]]:
    """Each table row's cells, as the markdown parser reads them."""
    rows: list[list[str]] = []
    in_row = False
    for token in PARSER.parse(markdown):
        if token.type in ("tr_open", "tr_close"):
            in_row = token.type == "tr_open"
            rows.extend([[]] if in_row else [])
        elif token.type == "inline" and in_row:
            rows[-1].append(token.content)
    return rows


def test_registered_as_a_format() -> None:
    assert isinstance(formatter("markdown"), MarkdownFormatter)
    assert isinstance(formatter("markdown", lang="pt-BR"), MarkdownFormatter)


def test_runbook_post_mortem_sections() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.timeline = None
    text = render(report)
    assert text.startswith("# Gunicorn worker incident report\n")
    assert "`test.log`" in text
    assert "3 lines read: 3 recognized" in text
    assert "## Findings" in text
    assert "### 1. Gunicorn killed worker 96" in text
    assert report.findings[0].explanation[:40] in text
    assert "**Evidence**" in text
    assert "**Fix:** Give slow requests more time" in text
    assert "in `gunicorn.conf.py`" in text
    assert "(runbook: 1. Optimized Gunicorn configuration (gunicorn.conf.py))" in text
    assert "**Caution:** A longer timeout only hides a slow endpoint" in text
    assert "## Timeline" not in text  # no timeline in the report, no chart


def test_findings_table() -> None:
    report = analyze_text(RUNBOOK_LINES)
    rows = table_cells(render(report))
    assert rows[0] == ["#", "Severity", "Cause", "Confidence", "Findings", "Workers"]
    assert rows[1][:4] == ["1", "CRITICAL", "`slow_request`", "95%"]
    assert rows[1][4] == report.findings[0].title
    assert rows[1][5] == "96"
    assert len(rows) == 1 + len(report.findings)


def test_evidence_and_fix_in_fenced_blocks() -> None:
    report = analyze_text(RUNBOOK_LINES)
    blocks = fences(render(report))
    evidence, fix = blocks[0], blocks[1]
    assert evidence.info == "text"
    assert evidence.content.splitlines() == [
        f"{e.line}  {e.time}  {e.text}" for e in report.findings[0].evidence
    ]
    # without times, no column for them
    for item in report.findings[0].evidence:
        item.time = None
    assert fences(render(report))[0].content.splitlines() == [
        f"{e.line}  {e.text}" for e in report.findings[0].evidence
    ]
    # the timeout fix has no value to give (no duration in three lines): the first
    # snippet is the statement timeout's, below the 30 s in force, whole
    assert fix.info == "python"
    assert fix.content == (
        'DATABASES["default"].setdefault("OPTIONS", {})["options"] = '
        '"-c statement_timeout=24000"  # ms, below Gunicorn\'s timeout\n'
    )


def test_fix_language_from_the_file_suffix() -> None:
    report = analyze_text(RUNBOOK_LINES)
    finding = report.findings[0]
    assert finding.fix is not None
    finding.fix.status, finding.fix.snippet = "suggested", "timeout = 75"
    for file, language in [
        ("render.yaml", "yaml"),
        ("deploy.sh", "bash"),
        ("settings.py", "python"),
        ("Procfile", "text"),
    ]:
        finding.fix.file = file
        assert fences(render(report))[1].info == language


def test_instances_with_gunicorn_version_and_worker_class() -> None:
    report = incident_report()
    report.gunicorn = {"test.log": GunicornOut(version="23.0.0", worker_class="sync", starts=2)}
    text = render(report)
    assert "- `test.log`: Gunicorn 23.0.0, worker class `sync`, started 2 times" in text


def test_timeline_chart_in_a_fence_with_its_start() -> None:
    report = incident_report()
    assert report.timeline is not None
    assert report.timeline.start == "2025-07-30T14:08:00Z"
    text = render(report)
    assert "## Timeline (events per minute)" in text
    chart = fences(text)[-1]
    assert chart.info == "text"
    lines = chart.content.splitlines()
    assert lines[0].startswith("timeouts │") and lines[0].endswith("│ 2")
    assert lines[1].startswith("kills    │") and lines[1].endswith("│ 2")
    assert lines[2].startswith("boots    │") and lines[2].endswith("│ 2")
    assert "2025-07-30 14:08" in lines[3] and "14:13 UTC" in lines[3]


def test_log_line_with_backticks_cannot_close_the_fence() -> None:
    evil = RUNBOOK_LINES.replace(
        "Worker exiting (pid: 96)", "Worker exiting (pid: 96) ````\n# Injected\n```"
    )
    report = analyze_text(evil)
    assert any("````" in e.text for e in report.findings[0].evidence)
    text = render(report)
    tokens = PARSER.parse(text)
    assert not any(
        t.type == "heading_open" and t.map and "Injected" in text.splitlines()[t.map[0]]
        for t in tokens
    )
    evidence = fences(text)[0]
    assert evidence.markup == "`````"
    assert "Worker exiting (pid: 96) ````" in evidence.content


def test_control_characters_are_escaped() -> None:
    evil = RUNBOOK_LINES.replace("Worker exiting (pid: 96)", "Worker exiting (pid: 96) \x1b[2J\x07")
    text = render(analyze_text(evil))
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J\\x07" in text


def test_table_cells_escape_pipes_and_newlines() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.findings[0].title = "a | b\nc `x|y` [link](http://e.example) <b>bold</b>"
    text = render(report)
    rows = table_cells(text)
    assert len(rows[1]) == 6  # the pipe did not split the cell
    assert rows[1][4] == "a | b c `x|y` \\[link\\](http://e.example) \\<b\\>bold\\</b\\>"
    html = PARSER.render(text)
    assert "<b>bold</b>" not in html and 'href="http://e.example"' not in html
    assert "<code>x|y</code>" in html


def test_prose_keeps_its_code_spans_and_escapes_the_rest() -> None:
    assert escape("set `timeout` to *120*") == "set `timeout` to \\*120\\*"
    assert escape("unpaired ` tick") == "unpaired \\` tick"
    assert escape("line\nbreak") == "line break"
    assert paragraph("# not a heading") == "\\# not a heading"
    assert paragraph("1. not a list") == "1\\. not a list"
    assert escape("1. mid-sentence is fine") == "1. mid-sentence is fine"
    report = analyze_text(RUNBOOK_LINES)
    report.findings[0].explanation = "![img](http://e.example/x.png) <script>x</script> `a<b`"
    html = PARSER.render(render(report))
    assert "<img" not in html and "<script>" not in html
    assert "<code>a&lt;b</code>" in html


def test_fences_and_spans_outgrow_their_content() -> None:
    assert fence_for("plain") == "```"
    assert fence_for("has ``` inside") == "````"
    assert fence_for("has ````` inside") == "``````"
    assert code_block("x ```", "bash") == "````bash\nx ```\n````\n"
    assert code_span("a`b") == "``a`b``"
    assert code_span("`edge") == "`` `edge ``"
    assert code_span("") == ""
    for text in ("a`b", "`edge", "x``y`", "p|q"):
        html = PARSER.render(code_span(text, in_table=False))
        assert html.count("<code>") == 1


def test_no_findings() -> None:
    report = analyze_text(
        "[2025-07-30 09:51:53 +0000] [7] [INFO] Listening at: http://0.0.0.0:8000 (7)\n"
    )
    assert report.findings == []
    text = render(report)
    assert "No worker timeouts, kills or boot failures found." in text
    assert "|" not in text


def test_portuguese_labels() -> None:
    report = incident_report()
    text = render(report, "pt-BR")
    assert text.startswith("# Relatório de incidente dos workers do Gunicorn\n")
    assert "## Achados" in text
    assert table_cells(text)[0] == ["#", "Severidade", "Causa", "Confiança", "Achados", "Workers"]
    assert "| 1 | CRÍTICO |" in text
    assert "**Evidências**" in text
    assert "**Correção:**" in text
    assert "**Atenção:**" in text
    assert " em `gunicorn.conf.py`" in text
    assert "## Linha do tempo (eventos por minuto)" in text
    assert "mortes" in fences(text)[-1].content
    assert "linhas lidas" in text


def test_labels_follow_the_report_language_by_default() -> None:
    report = analyze_text(RUNBOOK_LINES)
    report.lang = "pt-BR"
    assert "## Achados" in render(report)
    assert "## Findings" in render(report, "en")


# Markdown a hostile traceback carries: backticks (one and two), emphasis, a link,
# raw HTML and a table pipe.
MARKUP = "a`b``c *loud* _quiet_ [x](http://e.example) <b>bold</b> | d"
ABORT = """\
[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)
[2025-07-30 11:10:08 +0000] [96] [ERROR] Error handling request /upstream
Traceback (most recent call last):
  File "/srv/venv/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 134, in handle
    self.handle_request(listener, req, client, addr)
  File "/srv/app/views.py", line 25, in {function}
    with urllib.request.urlopen(url) as response:
  File "/usr/lib/python3.11/socket.py", line 706, in readinto
    return self._sock.recv_into(b)
  File "/srv/venv/lib/python3.11/site-packages/gunicorn/workers/base.py", line 204, in handle_abort
    sys.exit(1)
SystemExit: 1
[2025-07-30 11:10:09 +0000] [96] [INFO] Worker exiting (pid: 96)
"""
BOOT = """\
[2025-07-30 11:10:00 +0000] [85] [INFO] Starting gunicorn 23.0.0
[2025-07-30 11:10:00 +0000] [96] [INFO] Booting worker with pid: 96
[2025-07-30 11:10:00 +0000] [96] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/srv/app/wsgi.py", line 3, in <module>
    import missing
ModuleNotFoundError: {message}
[2025-07-30 11:10:00 +0000] [96] [INFO] Worker exiting (pid: 96)
"""


def plain(token: Token) -> str:
    """What an inline token reads as: its text and code, without markup."""
    return "".join(
        child.content if child.type in ("text", "code_inline") else " "
        for child in token.children or []
        if child.type in ("text", "code_inline", "softbreak")
    )


def inline_kinds(markdown: str) -> set[str]:
    return {child.type for token in PARSER.parse(markdown) for child in token.children or []}


def emphasized(markdown: str) -> list[str]:
    """The text inside each emphasis or strong emphasis of `markdown`."""
    found: list[str] = []
    depth = 0
    for token in PARSER.parse(markdown):
        for child in token.children or []:
            if child.type in ("em_open", "strong_open"):
                depth += 1
                found.append("")
            elif child.type in ("em_close", "strong_close"):
                depth -= 1
            elif depth:
                found[-1] += child.content
    return found


def test_backticks_in_an_interpolated_frame_keep_the_rules_code_spans() -> None:
    report = analyze_text(ABORT.format(function=MARKUP))
    finding = report.findings[0]
    assert finding.rule == "abort-in-upstream"
    assert MARKUP in finding.explanation
    text = render(report)
    paragraphs = [t for t in PARSER.parse(text) if t.type == "inline" and "aborted" in t.content]
    assert len(paragraphs) == 1
    explanation = paragraphs[0]
    codes = [c.content for c in explanation.children or [] if c.type == "code_inline"]
    # the frame is one code span, the rule's own `requests.get(...)` another, intact
    assert codes == [f"/srv/app/views.py:25 in {MARKUP}", "requests.get(url, timeout=5)"]
    assert f"/srv/app/views.py:25 in {MARKUP}" in plain(explanation)
    assert "Gunicorn's (requests.get(url, timeout=5)), or move" in plain(explanation)
    # nothing the log wrote became a link, HTML or emphasis
    kinds = inline_kinds(text)
    assert not kinds & {"link_open", "html_inline", "image"}
    assert not any("loud" in said or "quiet" in said for said in emphasized(text))
    assert "**Evidence**" in text and "Evidence" in emphasized(text)  # the check can see
    html = PARSER.render(text)
    assert "<b>bold</b>" not in html and "href=" not in html


def test_backticks_in_an_exception_message_stay_literal_in_title_table_and_prose() -> None:
    message = f"No module named '{MARKUP}'"
    report = analyze_text(BOOT.format(message=message))
    finding = report.findings[0]
    assert finding.rule == "import-error"
    text = render(report)
    rows = table_cells(text)
    assert len(rows[1]) == 6  # the pipe split no cell
    headings = [t for t in PARSER.parse(text) if t.type == "inline" and t.content.startswith("1.")]
    inlines = [t for t in PARSER.parse(text) if t.type == "inline"]
    cell = next(t for t in inlines if "imported" in t.content and t.content == rows[1][4])
    explanation = next(t for t in inlines if "could not import" in t.content)
    for token in (headings[0], cell, explanation):
        assert f"ModuleNotFoundError: {message}" in plain(token)
    codes = [c.content for c in explanation.children or [] if c.type == "code_inline"]
    assert codes == [f"ModuleNotFoundError: {message}", "module:variable"]
    kinds = inline_kinds(text)
    assert not kinds & {"link_open", "html_inline", "image"}
    assert not any("loud" in said or "quiet" in said for said in emphasized(text))
    html = PARSER.render(text)
    assert "<b>bold</b>" not in html and "href=" not in html


def test_a_value_in_a_rules_code_span_widens_it() -> None:
    # slow-query-timeout quotes the query as `{sql}`: a backtick in the query
    sql = "SELECT `name` FROM t"
    rendered = fill("ran: `{sql}`. Then `timeout`.", {"sql": sql})
    assert rendered == "ran: ``SELECT `name` FROM t``. Then `timeout`."
    html = PARSER.render(escape(rendered))
    assert html.count("<code>") == 2
    assert "<code>SELECT `name` FROM t</code>" in html
    assert "<code>timeout</code>" in html
    # values without backticks are placed as they are; snippets are not prose
    assert fill("`{sql}` and {sql}", {"sql": "x"}) == "`x` and x"
    assert fill("a = `{v}`", {"v": "`"}, prose=False) == "a = ```"
