"""Human-readable output: one finding a line, ``path:line:col: CODE [level] message``.

The object (kind/namespace/name, container, probe) is part of every message, a Helm template
origin follows the position, and a summary closes the report. Colour only when asked for
(a TTY without ``NO_COLOR``), never in files or pipes.
"""
from __future__ import annotations

from collections import Counter

import click

from probelint.linter import LintResult
from probelint.model import Finding, InputProblem

LEVEL_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def position(finding: Finding) -> str:
    loc = finding.location
    text = f"{loc.path}:{loc.line}:{loc.column}"
    if finding.helm_source:
        text += f" [from {finding.helm_source}]"
    return text


def finding_line(finding: Finding, colour: bool = False) -> str:
    level = f"[{finding.level}]"
    code = finding.code
    where = position(finding)
    if colour:
        where = click.style(where, bold=True)
        code = click.style(code, fg=LEVEL_COLOURS[finding.level], bold=True)
        level = click.style(level, fg=LEVEL_COLOURS[finding.level])
    return f"{where}: {code} {level} {finding.message}"


def problem_line(problem: InputProblem, colour: bool = False) -> str:
    label = f"{problem.level}:"
    if colour:
        label = click.style(label, fg="red" if problem.level == "error" else "yellow", bold=True)
    return f"{problem.path}:{problem.line}:{problem.column}: {label} {problem.message}"


def summary_line(result: LintResult) -> str:
    levels = Counter(f.level for f in result.findings)
    if result.findings:
        parts = [_plural(levels[level], level) if level != "info" else f"{levels[level]} info"
                 for level in ("error", "warning", "info") if levels[level]]
        text = f"Found {_plural(len(result.findings), 'finding')} ({', '.join(parts)})"
    else:
        text = "No findings"
    text += f" in {_plural(result.files, 'file')}, {_plural(result.workloads, 'workload')} checked"
    errors = sum(1 for p in result.problems if p.level == "error")
    if errors:
        text += f"; {_plural(errors, 'input error')}"
    return text + "."


def statistics(result: LintResult) -> list[str]:
    counts = Counter((f.code, f.name, f.level) for f in result.findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return [f"{n:>{width}}  {code}  {name} [{level}]" for (code, name, level), n in rows]


def render(result: LintResult, *, colour: bool = False, quiet: bool = False, stats: bool = False) -> str:
    lines = statistics(result) if stats else [finding_line(f, colour) for f in result.findings]
    if not quiet:
        if lines:
            lines.append("")
        lines.append(summary_line(result))
    return "\n".join(lines) + "\n" if lines else ""
