"""GitLab Code Quality: the JSON list a ``codequality`` report artifact holds.

Each finding is an issue with a description, the rule code as ``check_name``, a fingerprint,
a severity and its path and lines; GitLab shows new and fixed issues in merge requests by
comparing fingerprints, so they use the recipe of the SARIF report (no line numbers, see
``probelint.report.sarif``) and are unique within a report (GitLab drops duplicates).

Severity: GitLab has five (``info``, ``minor``, ``major``, ``critical``, ``blocker``) where
probelint has three levels. An ``error`` is ``major``: the probe misbehaves (false restarts,
an object the API server rejects) but only this workload is affected, which is not what the
top two usually mean in a merge request. A ``warning`` is ``minor`` and ``info`` is ``info``.
Input that could not be checked is ``critical``: every finding in that input is missing from
the report, which is worse than any one finding; a warning about the input is ``minor``.

Paths are reported as shown; GitLab needs them relative to the repository root, which they
are when probelint runs there on relative paths.
"""
from __future__ import annotations

import json

from probelint.linter import LintResult
from probelint.model import Finding, InputProblem
from probelint.report.sarif import fingerprints, problem_fingerprints

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
PROBLEM_SEVERITY = {"error": "critical", "warning": "minor"}
INPUT_CHECK = "probelint-input"


def issue(finding: Finding, fingerprint: str) -> dict:
    loc = finding.location
    return {
        "description": f"{finding.code} {finding.message}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITY[finding.level],
        "location": {"path": loc.path, "lines": {"begin": loc.line, "end": loc.end_line}},
    }


def problem_issue(problem: InputProblem, fingerprint: str) -> dict:
    line = max(problem.line, 1)
    return {
        "description": f"input {problem.level}: {problem.message}",
        "check_name": INPUT_CHECK,
        "fingerprint": fingerprint,
        "severity": PROBLEM_SEVERITY.get(problem.level, "critical"),
        "location": {"path": problem.path, "lines": {"begin": line, "end": line}},
    }


def document(result: LintResult) -> list[dict]:
    issues = [issue(f, fp) for f, fp in zip(result.findings, fingerprints(result.findings), strict=True)]
    issues += [problem_issue(p, fp) for p, fp in zip(result.problems, problem_fingerprints(result.problems), strict=True)]
    return issues


def render(result: LintResult, texts: dict[str, str] | None = None) -> str:
    """``texts`` is accepted like every reporter's; Code Quality has no place for fixes."""
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
