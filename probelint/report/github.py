"""GitHub Actions workflow commands: each finding becomes an annotation on its line.

``::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=PL201 liveness-timeout-vs-latency::message``
(``warning`` and ``notice`` for the other levels). Values are escaped exactly as GitHub's
``@actions/core`` toolkit escapes them, so that a message or path holding ``%``, a line break,
``:`` or ``,`` cannot end the command early or inject a second one: in the message ``%``,
CR and LF are percent-encoded; in properties ``:`` and ``,`` are too.

Input that could not be checked is an ``::error`` (a warning about the input a ``::warning``)
at its position. The summary line closes the output as plain log text.
"""
from __future__ import annotations

from probelint.linter import LintResult
from probelint.model import Finding, InputProblem
from probelint.report import text

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def finding_command(finding: Finding) -> str:
    """The annotation; a rendered Helm finding carries where its fix belongs (the chart)."""
    loc = finding.location
    message = finding.message
    if finding.helm_source and finding.fix is None:
        message += f"\n(from template {finding.helm_source})"
    message += text.helm_hint(finding)
    if text.fix_available(finding, unsafe=True):
        flags = "--fix" if finding.fix.safe else "--fix --unsafe-fixes"
        message += f"\nprobelint check {flags} can fix this: {finding.fix.title}"
    return command(COMMANDS[finding.level], {
        "file": loc.path, "line": loc.line, "col": loc.column, "endLine": loc.end_line, "endColumn": loc.end_column,
        "title": f"{finding.code} {finding.name}",
    }, message)


def problem_command(problem: InputProblem) -> str:
    properties: dict[str, object] = {"file": problem.path}
    if problem.line >= 1:
        properties["line"] = problem.line
        if problem.column >= 1:
            properties["col"] = problem.column
    properties["title"] = f"probelint input {problem.level}"
    return command("error" if problem.level == "error" else "warning", properties, problem.message)


def render(result: LintResult, texts: dict[str, str] | None = None) -> str:
    """``texts`` is accepted like every reporter's; annotations carry no edit positions."""
    lines = [finding_command(f) for f in result.findings]
    lines += [problem_command(p) for p in result.problems]
    lines.append(text.summary_line(result))
    return "\n".join(lines) + "\n"
