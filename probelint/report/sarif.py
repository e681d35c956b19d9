"""SARIF 2.1.0, the format GitHub code scanning and most code-review tools import.

One run, with every registered rule described from its documentation (so a viewer can show
why a finding matters without probelint installed), one result per finding with its
position, the Kubernetes object as a logical location, a fingerprint that survives unrelated
edits, and the fix as text replacements when the source text is known. Input that could not
be checked is reported as tool execution notifications, not as results: it is not a finding
about a probe, and it makes the run unsuccessful.

Columns are counted in Unicode code points (``columnKind``), as every position probelint
reports is. Relative paths are given relative to ``%SRCROOT%`` (the directory probelint ran
in) so that the log does not depend on where the checkout lives; absolute paths become
``file://`` URIs.

Fingerprints (``partialFingerprints["probelintFinding/v1"]``) must stay the same while the
finding stays the same, even when lines are added above it, so they are not based on line
numbers. They hash the rule code, the file path, the object reference (kind, namespace, name,
container, probe) and the message with its numbers removed: the message says what is wrong
with which field (a rule may report several fields of one probe), and removing the numbers
keeps the fingerprint when only a value changes (``timeout 1s`` becoming ``timeout 2s`` that
is still too short, with every figure derived from it). The path is part of it because the
same workload in two files (two overlays) is two findings. Findings a rule reports twice
about the same object with messages that differ only in numbers would collide, so the second
and later ones get their occurrence number mixed in. A new wording of a message in a
later version changes the fingerprint; the ``/v1`` suffix is bumped when the recipe changes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePath
from urllib.parse import quote

from probelint import __version__
from probelint.linter import LintResult
from probelint.model import Finding, InputProblem, ObjectRef

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/probelint/probelint"
RULES_URI = "https://github.com/probelint/probelint/blob/main/rules/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "probelintFinding/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}

# A number as messages write it: 4, 0.051, 13,708, 8.1e-06 (a unit after it stays).
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")


# -- fingerprints (shared with the GitLab report) ------------------------------------------
def _digest(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def _unique(identities: list[list]) -> list[str]:
    """A hash of each identity; a repeated identity gets its occurrence number mixed in."""
    seen: dict[str, int] = {}
    hashes = []
    for parts in identities:
        key = json.dumps(parts, ensure_ascii=False)
        count = seen.get(key, 0)
        seen[key] = count + 1
        hashes.append(_digest(parts if count == 0 else [*parts, count]))
    return hashes


def finding_identity(finding: Finding) -> list:
    """What stays the same while a finding does: no line or column, no numbers in the message."""
    obj = finding.obj
    return [finding.code, finding.location.path, obj.kind, obj.namespace or "", obj.name,
            obj.container or "", obj.probe or "", _NUMBER.sub("", finding.message)]


def fingerprints(findings: list[Finding]) -> list[str]:
    """SHA-256 hex fingerprints of ``findings``, in order; distinct for distinct findings."""
    return _unique([finding_identity(f) for f in findings])


def problem_fingerprints(problems: list[InputProblem]) -> list[str]:
    return _unique([["input", p.level, p.path, _NUMBER.sub("", p.message)] for p in problems])


# -- locations -----------------------------------------------------------------------------
def artifact_location(path: str) -> dict:
    """A relative path under ``%SRCROOT%``; an absolute one as a ``file://`` URI."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePath(path).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def logical_location(obj: ObjectRef) -> dict:
    """``Deployment/shop/checkout/containers/checkout/livenessProbe``: the workload is an
    ``object``, a container or probe of it a ``member``."""
    parts = [obj.kind] + ([obj.namespace] if obj.namespace else []) + [obj.name]
    if obj.container is not None:
        parts += ["containers", obj.container]
    if obj.probe is not None:
        parts.append(obj.probe)
    member = obj.container is not None or obj.probe is not None
    return {"name": parts[-1], "fullyQualifiedName": "/".join(parts), "kind": "member" if member else "object"}


def _region(line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> dict:
    region = {"startLine": line, "startColumn": column}
    if end_line is not None:
        region.update(endLine=end_line, endColumn=end_column)
    return region


# -- rules ---------------------------------------------------------------------------------
def rule_descriptors() -> list[dict]:
    """Every registered rule, in code order (``ruleIndex`` points into this list)."""
    from probelint.docs import page_name, sections
    from probelint.rules import ALL

    descriptors = []
    for module in ALL:
        rule = module.RULE
        doc = sections(module)
        descriptors.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": doc.get("What it does", rule.summary)},
            "help": {"text": doc.get("Why is this bad?", rule.summary), "markdown": doc.get("Why is this bad?", rule.summary)},
            "helpUri": RULES_URI + page_name(module),
            "defaultConfiguration": {"enabled": rule.enabled_by_default, "level": LEVELS[rule.level]},
        })
    return descriptors


# -- results -------------------------------------------------------------------------------
def _fixes(finding: Finding, texts: dict[str, str]) -> list[dict]:
    """The fix as replacements in the checked text, when ``--fix`` could apply it and the text
    is known (positions need it); rendered Helm output has none (its fix belongs in the chart)."""
    from probelint.report.json_report import fix_dict

    if not finding.fixable or finding.fix is None or finding.location.path not in texts:
        return []
    edits = fix_dict(finding, texts)["edits"]
    if not edits:
        return []
    replacements = [{"deletedRegion": _region(e["line"], e["column"], e["end_line"], e["end_column"]),
                     "insertedContent": {"text": e["content"]}} for e in edits]
    return [{
        "description": {"text": finding.fix.title},
        "artifactChanges": [{"artifactLocation": artifact_location(finding.location.path), "replacements": replacements}],
        "properties": {"applicability": finding.fix.applicability.value},
    }]


def result_dict(finding: Finding, rule_index: int, fingerprint: str, texts: dict[str, str]) -> dict:
    loc = finding.location
    result = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.level],
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(loc.path),
                "region": _region(loc.line, loc.column, loc.end_line, loc.end_column),
            },
            "logicalLocations": [logical_location(finding.obj)],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    fixes = _fixes(finding, texts)
    if fixes:
        result["fixes"] = fixes
    properties = {}
    if finding.helm_source:
        properties["helmSource"] = finding.helm_source
    if finding.helm_values:
        properties["helmValues"] = finding.helm_values
    if properties:
        result["properties"] = properties
    return result


def notification(problem: InputProblem) -> dict:
    physical: dict = {"artifactLocation": artifact_location(problem.path)}
    if problem.line >= 1 and problem.column >= 1:
        physical["region"] = _region(problem.line, problem.column)
    return {
        "level": LEVELS.get(problem.level, "error"),
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": physical}],
    }


def document(result: LintResult, texts: dict[str, str] | None = None) -> dict:
    rules = rule_descriptors()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [result_dict(f, index[f.code], fp, texts or {})
               for f, fp in zip(result.findings, fingerprints(result.findings), strict=True)]
    invocation: dict = {"executionSuccessful": not result.has_input_errors}
    if result.problems:
        invocation["toolExecutionNotifications"] = [notification(p) for p in result.problems]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "probelint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory probelint was run in."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(result: LintResult, texts: dict[str, str] | None = None) -> str:
    """``texts`` (source text by shown path) lets fixes carry their replacements."""
    return json.dumps(document(result, texts), indent=2, ensure_ascii=False) + "\n"
