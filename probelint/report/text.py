"""Human-readable output: one finding a line, ``path:line:col: CODE [level] message``.

The object (kind/namespace/name, container, probe) is part of every message, a Helm template
origin follows the position, and a summary closes the report. Colour only when asked for
(a TTY without ``NO_COLOR``), never in files or pipes.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

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


def fix_available(finding: Finding, unsafe: bool = False) -> bool:
    """``--fix`` would apply this finding's fix (with ``--unsafe-fixes`` when ``unsafe``)."""
    return finding.fixable and finding.fix is not None and (unsafe or finding.fix.safe)


def finding_line(finding: Finding, colour: bool = False, unsafe: bool = False) -> str:
    level = f"[{finding.level}]"
    code = finding.code
    where = position(finding)
    marker = " [*]" if fix_available(finding, unsafe) else ""
    if colour:
        where = click.style(where, bold=True)
        code = click.style(code, fg=LEVEL_COLOURS[finding.level], bold=True)
        level = click.style(level, fg=LEVEL_COLOURS[finding.level])
    return f"{where}: {code} {level}{marker} {finding.message}" + helm_hint(finding)


def helm_hint(finding: Finding) -> str:
    """For a rendered Helm document: where the fix belongs, since rendered output is not edited."""
    if finding.fix is None or not finding.helm_source:
        return ""
    text = f"\n    fix in the chart, not in rendered output: {finding.fix.title} (template {finding.helm_source})"
    if finding.helm_values:
        text += "; in the chart's values:\n" + "".join(f"      {line}\n" for line in finding.helm_values.splitlines())
        text = text.rstrip("\n")
    return text


def problem_line(problem: InputProblem, colour: bool = False) -> str:
    label = f"{problem.level}:"
    if colour:
        label = click.style(label, fg="red" if problem.level == "error" else "yellow", bold=True)
    return f"{problem.path}:{problem.line}:{problem.column}: {label} {problem.message}"


def fix_counts(findings: list[Finding], unsafe: bool) -> tuple[int, int]:
    """(fixable now, fixable only with ``--unsafe-fixes``)."""
    now = sum(1 for f in findings if fix_available(f, unsafe))
    more = 0 if unsafe else sum(1 for f in findings if fix_available(f, True) and not f.fix.safe)
    return now, more


def fixed_line(fixed: int, remaining: list[Finding], unsafe: bool, verb: str = "Fixed") -> str:
    _, more = fix_counts(remaining, unsafe)
    text = f"{verb} {_plural(fixed, 'finding')} ({len(remaining)} remaining"
    if more:
        text += f"; {more} more with --unsafe-fixes"
    return text + ")."


def summary_line(result: LintResult, unsafe: bool = False) -> str:
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
    now, more = fix_counts(result.findings, unsafe)
    if now or more:
        text += "; " + (f"{now} fixable with --fix" if now else "none fixable with --fix")
        if more:
            text += f" ({more} more with --unsafe-fixes)"
    return text + "."


def statistics(result: LintResult) -> list[str]:
    counts = Counter((f.code, f.name, f.level) for f in result.findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return [f"{n:>{width}}  {code}  {name} [{level}]" for (code, name, level), n in rows]


def render(result: LintResult, *, colour: bool = False, quiet: bool = False, stats: bool = False,
           unsafe: bool = False, fixed: int | None = None) -> str:
    """The report; ``fixed`` is the number of findings ``--fix`` fixed (then the last line says so)."""
    return "".join(chunks(result, colour=colour, quiet=quiet, stats=stats, unsafe=unsafe, fixed=fixed))


CHUNK_LINES = 512


def chunks(result: LintResult, *, colour: bool = False, quiet: bool = False, stats: bool = False,
           unsafe: bool = False, fixed: int | None = None) -> Iterator[str]:
    """The report of ``render`` in pieces of a few hundred lines, so that a report of tens of
    thousands of findings is written as it is formatted instead of being held whole."""
    if stats:
        body: Iterable[str] = statistics(result)
    else:
        body = (finding_line(f, colour, unsafe) for f in result.findings)
    batch: list[str] = []
    for line in body:
        batch.append(line)
        if len(batch) >= CHUNK_LINES:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"
    if not quiet:
        tail = [summary_line(result, unsafe)]
        if fixed is not None:
            tail.append(fixed_line(fixed, result.findings, unsafe))
        yield ("\n" if result.findings else "") + "\n".join(tail) + "\n"
