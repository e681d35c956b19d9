"""Suppressions: ``# probelint: disable=...`` comments and the ``probelint.io/ignore`` annotation.

Comment directives are found with one regular expression over the raw text (flake8's way),
so no comment tokens need to be tracked by the parser. A directive applies to findings on its
own line, or, when it stands alone on a comment line, to findings on the next line.
``disable-file`` applies to the whole file. The annotation survives ``helm template`` and
applies to every finding about that workload. Codes that name no rule are reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from probelint.model import Finding, InputProblem

DIRECTIVE = re.compile(
    r"#\s*probelint:\s*(?P<kind>disable-file|disable)(?:\s*=\s*(?P<codes>[A-Za-z0-9_,\s-]+?))?\s*(?:--.*)?$",
    re.MULTILINE,
)
ANNOTATION = "probelint.io/ignore"
ALL = "ALL"


@dataclass
class FileSuppressions:
    by_line: dict[int, set[str]] = field(default_factory=dict)
    whole_file: set[str] = field(default_factory=set)

    def suppresses(self, finding: Finding) -> bool:
        names = {finding.code, finding.name, ALL}
        if self.whole_file & names:
            return True
        return bool(self.by_line.get(finding.location.line, set()) & names)


def _split(codes: str | None) -> list[str]:
    if not codes:
        return [ALL]
    return [c.strip() for c in codes.replace(" ", ",").split(",") if c.strip()]


def parse_directives(text: str, path: str, known: set[str]) -> tuple[FileSuppressions, list[InputProblem]]:
    found = FileSuppressions()
    problems: list[InputProblem] = []
    if "probelint:" not in text:
        return found, problems
    for match in DIRECTIVE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = text.count("\n", 0, match.start()) + 1
        codes = _split(match.group("codes"))
        resolved = set()
        for code in codes:
            canonical = code.upper() if code.upper().startswith("PL") or code.upper() == ALL else code.lower()
            if canonical != ALL and canonical not in known:
                column = match.start("codes") - line_start + 1 if match.group("codes") else match.start() - line_start + 1
                problems.append(InputProblem(path, line, column, f'unknown rule code "{code}" in suppression comment', level="warning"))
                continue
            resolved.add(canonical)
        if match.group("kind") == "disable-file":
            found.whole_file |= resolved
            continue
        found.by_line.setdefault(line, set()).update(resolved)
        if not text[line_start:match.start()].strip():
            found.by_line.setdefault(line + 1, set()).update(resolved)
    return found, problems


def parse_annotation(value: str | None, known: set[str]) -> tuple[set[str], list[str]]:
    """Codes from ``"PL104,PL201: reason, PL102"``; returns (codes, unknown entries)."""
    if not value:
        return set(), []
    codes: set[str] = set()
    unknown: list[str] = []
    for entry in value.split(","):
        code = entry.split(":", 1)[0].strip()
        if not code:
            continue
        canonical = code.upper() if code.upper().startswith("PL") or code.upper() == ALL else code.lower()
        if canonical == ALL or canonical in known:
            codes.add(canonical)
        else:
            unknown.append(code)
    return codes, unknown
