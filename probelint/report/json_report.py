"""The JSON report: a stable document described by ``schemas/findings.schema.json``.

Keys never change meaning between versions of the same major number; new keys may be added.
"""
from __future__ import annotations

import json
from collections import Counter

from probelint import __version__
from probelint.linter import LintResult
from probelint.model import Finding, InputProblem


def finding_dict(finding: Finding, texts: dict[str, str] | None = None) -> dict:
    loc = finding.location
    return {
        "code": finding.code,
        "name": finding.name,
        "level": finding.level,
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "object": finding.obj.as_dict(),
        "helm_source": finding.helm_source,
        "fixable": finding.fixable,
        "fix": fix_dict(finding, texts or {}),
    }


def fix_dict(finding: Finding, texts: dict[str, str]) -> dict | None:
    """The fix as edits with 1-based positions in the original text (what an editor applies)."""
    fix = finding.fix
    if fix is None:
        return None
    edits = []
    if finding.fixable and fix.edits:
        from probelint.edits import text_of

        text = texts.get(finding.location.path)
        if text is not None:
            table = text_of(text)
            for edit in fix.edits:
                start, end = _line_col(table, edit.start), _line_col(table, edit.end)
                edits.append({"line": start[0], "column": start[1], "end_line": end[0], "end_column": end[1],
                              "content": edit.replacement})
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": edits,
        "helm_values": finding.helm_values,
    }


def _line_col(table, offset: int) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(table.starts, offset) - 1
    return line + 1, offset - table.starts[line] + 1


def problem_dict(problem: InputProblem) -> dict:
    return {"path": problem.path, "line": problem.line, "column": problem.column,
            "level": problem.level, "message": problem.message}


def document(result: LintResult, fixed: int | None = None, texts: dict[str, str] | None = None) -> dict:
    """``texts`` (source text by shown path) lets fixes carry their edits' positions."""
    levels = Counter(f.level for f in result.findings)
    doc = {
        "version": __version__,
        "findings": [finding_dict(f, texts) for f in result.findings],
        "errors": [problem_dict(p) for p in result.problems],
        "summary": {
            "files": result.files,
            "documents": result.documents,
            "workloads": result.workloads,
            "findings": len(result.findings),
            "by_level": {level: levels.get(level, 0) for level in ("error", "warning", "info")},
            "by_rule": dict(sorted(Counter(f.code for f in result.findings).items())),
            "input_errors": sum(1 for p in result.problems if p.level == "error"),
        },
    }
    if fixed is not None:
        doc["summary"]["fixed"] = fixed
    return doc


def render(result: LintResult, fixed: int | None = None, texts: dict[str, str] | None = None) -> str:
    return json.dumps(document(result, fixed, texts), indent=2, ensure_ascii=False) + "\n"
