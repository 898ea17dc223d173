"""`--diff` and `--fix`: the report's fixes applied to the configuration files given.

Only files named with `--config` are touched, and only by the fixes whose
snippet targets that kind of file: `gunicorn.conf.py` assignments replace the
line that sets the same name or are appended; `settings.py` statements replace
the statement with the same left-hand side or are appended; `render.yaml` is
edited with a round-trip YAML parser so its comments and layout survive (the
start command gains `--config` when it lacks one). Applying the fixes to their
own output changes nothing, so a second `--fix` is a no-op.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from diagnoser.config import is_django_settings
from diagnoser.report.model import FixOut, Report

_GUNICORN = re.compile(r"\bgunicorn\b")
_CONFIG_FLAG = re.compile(r"(?:^|\s)(?:-c|--config)(?:\s|=|$)")


class FixError(Exception):
    """A file that can't be changed (one line, names the file)."""


@dataclass(slots=True)
class Change:
    path: Path
    before: str
    after: str
    fixes: list[str]

    def diff(self) -> str:
        name = self.path.as_posix()
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
            )
        )


def _kind(path: Path) -> str:
    if path.suffix in (".yaml", ".yml"):
        return "render.yaml"
    if is_django_settings(path):
        return "settings.py"
    if path.suffix == ".py":
        return "gunicorn.conf.py"
    return ""


def suggested_fixes(report: Report) -> list[FixOut]:
    """Every fix the report suggests with a snippet, once each, in report order."""
    seen: set[str] = set()
    out: list[FixOut] = []
    for finding in report.findings:
        for fix in [*([finding.fix] if finding.fix else []), *finding.also]:
            if fix.status == "suggested" and fix.snippet.strip() and fix.id not in seen:
                seen.add(fix.id)
                out.append(fix)
    return out


def plan(report: Report, files: Iterable[Path]) -> list[Change]:
    """What applying the report's fixes would change in each file."""
    fixes = suggested_fixes(report)
    files = list(files)
    conf = next((p.name for p in files if _kind(p) == "gunicorn.conf.py"), None)
    changes: list[Change] = []
    for path in files:
        kind = _kind(path)
        wanted = [fix for fix in fixes if Path(fix.file).name == kind]
        if not kind or not wanted:
            continue
        try:
            before = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FixError(f"{path}: cannot read: {exc}") from None
        after = before
        applied: list[str] = []
        for fix in wanted:
            if kind == "render.yaml":
                changed = _render_yaml(path, after, fix, conf)
            else:
                changed = _python(path, after, fix.snippet, fix.id)
            if changed != after:
                applied.append(fix.id)
                after = changed
        if after != before:
            changes.append(Change(path, before, after, applied))
    return changes


def write(changes: Iterable[Change]) -> list[Path]:
    """Write each change, keeping the original as `<file>.orig` first; atomic per file."""
    written: list[Path] = []
    for change in changes:
        backup = change.path.with_name(change.path.name + ".orig")
        try:
            if not backup.exists():
                shutil.copy2(change.path, backup)
            fd, temp = tempfile.mkstemp(dir=change.path.parent, prefix=f".{change.path.name}.")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(change.after)
            shutil.copymode(change.path, temp)
            os.replace(temp, change.path)
        except OSError as exc:
            raise FixError(f"{change.path}: cannot write: {exc.strerror or exc}") from None
        written.append(change.path)
    return written


# -- Python files -----------------------------------------------------------------------


def _python(path: Path, text: str, snippet: str, fix_id: str) -> str:
    """`snippet`'s statements in `text`: each replaces the top-level statement that
    assigns the same target, or is appended; imports go first; a statement already
    there is left alone. Statements spanning lines are handled whole (by `ast`)."""
    source = snippet.strip("\n")
    try:
        wanted = ast.parse(source)
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise FixError(f"{path}:{exc.lineno}: not valid Python, left as it is") from None
    snippet_lines = source.splitlines()
    lines = text.splitlines()
    existing = {_target(node): node for node in tree.body if _target(node)}
    replacements: list[tuple[int, int, list[str]]] = []
    appended: list[str] = []
    imports: list[str] = []
    for node in wanted.body:
        statement = snippet_lines[node.lineno - 1 : node.end_lineno]
        old = existing.get(_target(node))
        if old is not None:
            if ast.dump(old) != ast.dump(node):
                replacements.append((old.lineno - 1, old.end_lineno or old.lineno, statement))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.extend(statement)
        else:
            appended.extend(statement)
    for first, last, statement in sorted(replacements, reverse=True):
        lines[first:last] = statement
    if appended:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(f"# diagnoser --fix: {fix_id}")
        lines.extend(appended)
    if imports:
        at = _after_imports(tree)
        lines[at:at] = imports
    return "\n".join(lines) + "\n" if lines else ""


def _target(node: ast.stmt) -> str:
    """What a top-level statement sets: its assignment target, or the import itself."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return "=" + ast.unparse(node.targets[0])
    if isinstance(node, ast.AnnAssign):
        return "=" + ast.unparse(node.target)
    if isinstance(node, ast.Import | ast.ImportFrom):
        return ast.unparse(node)
    return ""


def _after_imports(tree: ast.Module) -> int:
    """Where a new import goes: after the module's last top-level import, else after
    its docstring, else at the top."""
    at = 0
    for index, node in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        )
        if isinstance(node, ast.Import | ast.ImportFrom) or is_docstring:
            at = node.end_lineno or at
    return at


# -- render.yaml ------------------------------------------------------------------------


def _render_yaml(path: Path, text: str, fix: FixOut, conf: str | None = None) -> str:
    """The start command of the Gunicorn service gains `--config <file>` if it lacks one
    (the gunicorn.conf.py given with --config, else the snippet's)."""
    if "--config" not in fix.snippet:
        return text
    config = conf or fix.snippet.split("--config", 1)[1].split()[0]
    yaml = YAML()  # round-trip: comments, order and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        data: Any = yaml.load(text)
    except (YAMLError, ValueError) as exc:
        raise FixError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, list):
        return text
    for service in services:
        command = service.get("startCommand") if isinstance(service, dict) else None
        if isinstance(command, str) and _GUNICORN.search(command):
            if _CONFIG_FLAG.search(command):
                return text
            new = f"{' '.join(command.split())} --config {config}"
            edited = _edit_scalar(text, service.lc.value("startCommand"), command, new)
            if edited is not None:
                return edited
            service["startCommand"] = new  # a block scalar: re-emitted by the parser
            yaml.indent(mapping=2, sequence=4, offset=2)
            out = io.StringIO()
            yaml.dump(data, out)
            return out.getvalue()
    return text


def _edit_scalar(text: str, where: tuple[int, int], old: str, new: str) -> str | None:
    """`text` with the one-line scalar `old` at (line, column) replaced by `new`, every
    other byte kept; None when the scalar is not on one line as written."""
    line, column = where
    lines = text.splitlines(keepends=True)
    if line >= len(lines):
        return None
    row = lines[line]
    quote = row[column : column + 1]
    if quote in ("'", '"'):
        body = row[column + 1 :]
        if not body.startswith(old) or body[len(old) : len(old) + 1] != quote:
            return None
        lines[line] = row[: column + 1] + new + body[len(old) :]
    else:
        if not row[column:].startswith(old):
            return None
        lines[line] = row[:column] + new + row[column + len(old) :]
    return "".join(lines)
