"""JUnit XML, for CI systems that show test reports but no linter annotations.

One ``testsuite`` named ``probelint``; one ``testcase`` per workload (name
``Kind/namespace/name``, classname the file it is in) with a ``failure`` per finding
(message: code and the start of the finding's text; type: its level; body: the full text line
with position). Input that could not be checked is a testcase of its own with an ``error``
element (type ``error``, or ``warning`` for a notice about the input).

Workloads without findings are passing testcases. A lint result lists workloads only when
the linter kept them (``Linter(keep_workloads=True)`` fills ``result.checked``); then every
workload is its own testcase. Otherwise only the workloads with findings can be named, and
the clean ones are counted in one passing testcase, ``N workloads without findings``, so that
the number of checked workloads still shows.

Several failures in one testcase follow the Jenkins JUnit schema; tools that read only the
first still fail the testcase. Text is escaped by ``xml.etree``, and characters that XML 1.0
cannot hold at all (control characters a manifest may contain) become U+FFFD. No timestamps
or durations: the same input gives the same bytes.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from probelint.linter import LintResult
from probelint.model import Finding
from probelint.report import text

SHORT = 100  # characters of the finding's text in the failure message
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def workload_name(kind: str, namespace: str | None, name: str) -> str:
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def short_text(finding: Finding) -> str:
    """The code and the finding's text after the workload name, cut at a word near ``SHORT``."""
    message = finding.message
    prefix = workload_name(finding.obj.kind, finding.obj.namespace, finding.obj.name)
    if message.startswith(prefix):
        message = message[len(prefix):].lstrip(" :")
    if len(message) > SHORT:
        cut = message.rfind(" ", 0, SHORT)
        message = message[:cut if cut > SHORT // 2 else SHORT].rstrip(" ,;:") + " …"
    return f"{finding.code} {message}"


def _workloads(result: LintResult) -> tuple[list[tuple[str, str]], int]:
    """(classname, name) of the testcases for workloads, and the number of clean workloads not
    among them (when the result does not list its workloads)."""
    seen: dict[tuple[str, str], None] = {}
    if result.checked:
        for workload, *_ in result.checked:
            seen[(workload.path, workload_name(workload.kind, workload.namespace, workload.name))] = None
    for finding in result.findings:
        obj = finding.obj
        seen[(finding.location.path, workload_name(obj.kind, obj.namespace, obj.name))] = None
    clean_count = 0 if result.checked else max(result.workloads - len(seen), 0)
    return list(seen), clean_count


def element(result: LintResult) -> ET.Element:
    cases, clean_count = _workloads(result)
    failures: dict[tuple[str, str], list[Finding]] = {case: [] for case in cases}
    for finding in result.findings:
        obj = finding.obj
        failures[(finding.location.path, workload_name(obj.kind, obj.namespace, obj.name))].append(finding)

    suite = ET.Element("testsuite", name="probelint")
    for classname, name in cases:
        case = ET.SubElement(suite, "testcase", classname=clean(classname), name=clean(name))
        for finding in failures[(classname, name)]:
            failure = ET.SubElement(case, "failure", message=clean(short_text(finding)), type=finding.level)
            failure.text = clean(text.finding_line(finding))
    if clean_count:
        noun = "workload" if clean_count == 1 else "workloads"
        ET.SubElement(suite, "testcase", classname="probelint", name=f"{clean_count} {noun} without findings")
    for problem in result.problems:
        case = ET.SubElement(suite, "testcase", classname=clean(problem.path),
                             name=clean(f"input {problem.level} at {problem.path}:{problem.line}:{problem.column}"))
        error = ET.SubElement(case, "error", message=clean(problem.message), type=problem.level)
        error.text = clean(text.problem_line(problem))

    suite.set("tests", str(len(suite)))
    suite.set("failures", str(sum(1 for case in suite if case.find("failure") is not None)))
    suite.set("errors", str(len(result.problems)))
    suite.set("skipped", "0")
    return suite


def render(result: LintResult, texts: dict[str, str] | None = None) -> str:
    """``texts`` is accepted like every reporter's; JUnit has no place for fixes."""
    suite = element(result)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
