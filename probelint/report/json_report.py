"""The JSON report: a stable document described by ``schemas/findings.schema.json``.

Keys never change meaning between versions of the same major number; new keys may be added.
"""
from __future__ import annotations

import json
from collections import Counter

from probelint import __version__
from probelint.linter import LintResult
from probelint.model import Finding, InputProblem


def finding_dict(finding: Finding) -> dict:
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
    }


def problem_dict(problem: InputProblem) -> dict:
    return {"path": problem.path, "line": problem.line, "column": problem.column,
            "level": problem.level, "message": problem.message}


def document(result: LintResult) -> dict:
    levels = Counter(f.level for f in result.findings)
    return {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
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


def render(result: LintResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
