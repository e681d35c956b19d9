"""One runner for every rule's case table in ``tests/rules/cases``.

Each case is a manifest whose lines carry ``# expect: CODE`` markers where findings must be
(``CODE@COLUMN`` pins the column, ``CODE[level]`` the level). Only the rule under test runs,
unless the case selects more. The expected set must equal the reported set exactly.

A case whose findings carry a fix must give the ``fixed:`` text: ``--fix --unsafe-fixes``
must produce exactly that text (edits are verified by re-parsing), and re-linting it must
find no fixable finding of the rule. ``fix: unsafe`` says the case's fixes need
``--unsafe-fixes`` (the default is safe); safe-only fixing must then leave the text alone.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from probelint import fix as fixer
from probelint import rules as registry
from tests.conftest import lint, make_settings

CASES_DIR = Path(__file__).parent / "cases"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")
TOKEN = re.compile(r"(PL\d{3})(?:@(\d+))?(?:\[(error|warning|info)\])?")


def load_cases():
    for file in sorted(CASES_DIR.glob("*.yaml")):
        table = yaml.safe_load(file.read_text(encoding="utf-8"))
        for case in table["cases"]:
            yield pytest.param(table, case, id=f"{table['rule']}-{case['name']}")


def expectations(text: str) -> set[tuple]:
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKER.search(line)
        if not match:
            continue
        for token in TOKEN.finditer(match.group(1)):
            found.add((number, token.group(1), int(token.group(2)) if token.group(2) else None, token.group(3)))
    return found


@pytest.mark.parametrize(("table", "case"), list(load_cases()))
def test_case(table: dict, case: dict) -> None:
    code = table["rule"]
    settings = {**table.get("settings", {}), **case.get("settings", {})}
    select = [code, *settings.pop("also_select", [])]
    result = lint(case["manifest"], select=select, **settings)
    assert not [p for p in result.problems if p.level == "error"], result.problems
    expected = expectations(case["manifest"])
    actual = set()
    for f in result.findings:
        pinned = next((e for e in expected if e[0] == f.location.line and e[1] == f.code), None)
        column = f.location.column if pinned and pinned[2] is not None else None
        level = f.level if pinned and pinned[3] is not None else None
        actual.add((f.location.line, f.code, column, level))
    messages = "\n".join(f"{f.location.line}:{f.location.column} {f.code} [{f.level}] {f.message}" for f in result.findings)
    assert actual == expected, f"findings:\n{messages}"
    for f in result.findings:
        assert str(f.location.line) and f.message.startswith(f.obj.describe())
    if "message" in case:
        assert any(case["message"] in f.message for f in result.findings), messages
    check_fix(code, case, select, settings, result.findings)


def fixed_text(manifest: str, select: list[str], settings: dict, unsafe: bool) -> tuple[str, list]:
    run = fixer.run(("-",), make_settings(select=select, **settings), unsafe=unsafe,
                    stdin=manifest.encode("utf-8"), stdin_name="manifest.yaml")
    state = run.files.get("manifest.yaml")
    return (state.text if state else manifest), run.problems


def check_fix(code: str, case: dict, select: list[str], settings: dict, findings: list) -> None:
    fixable = [f for f in findings if f.fixable and f.code == code]
    if not fixable:
        assert "fixed" not in case, "the case has fixed: text but no fixable finding"
        return
    assert "fixed" in case or os.environ.get("PROBELINT_UPDATE_FIXED"), "a case with a fixable finding needs the fixed: text"
    unsafe = case.get("fix", "safe") == "unsafe"
    got, problems = fixed_text(case["manifest"], select, settings, unsafe=True)
    assert not problems, problems
    if os.environ.get("PROBELINT_UPDATE_FIXED") and (case.get("fixed") != got or
                                                    any(f.fix.safe == unsafe for f in fixable)):
        write_fixed(code, case["name"], got, unsafe=not fixable[0].fix.safe)
        return
    assert all(f.fix.safe != unsafe for f in fixable), [(f.fix.title, f.fix.applicability) for f in fixable]
    assert got == case["fixed"], f"fixed text:\n{got}"
    again = lint(got, select=select, **settings)
    assert not [f for f in again.findings if f.code == code and f.fixable], [f.message for f in again.findings]
    if unsafe:
        assert fixed_text(case["manifest"], select, settings, unsafe=False)[0] == case["manifest"]


def write_fixed(code: str, name: str, text: str, unsafe: bool) -> None:
    """Record the fixer's output as the case's ``fixed:`` text (``PROBELINT_UPDATE_FIXED=1``),
    for review in the diff; the table is edited in place by probelint's own fix writer."""
    from probelint.edits import FixBuilder
    from probelint.yamlnode import Map

    file = next(CASES_DIR.glob(f"{code}-*.yaml"))
    original = file.read_text(encoding="utf-8")
    root = yaml.compose(original, Loader=yaml.CSafeLoader)
    case = next(item for item in Map(root).seq("cases") if Map(item).scalar("name") == name)
    builder = FixBuilder(original, "record fixed text", scope=root).set(case, "fixed", text, after="manifest")
    if unsafe:
        builder.set(case, "fix", "unsafe", after="fixed")
    elif "fix" in Map(case):
        builder.delete(case, "fix")
    fix = builder.build()
    assert fix is not None
    file.write_text(fixer.apply_edits(original, fix.edits), encoding="utf-8")


def test_every_rule_has_a_case_table() -> None:
    tables = {yaml.safe_load(f.read_text(encoding="utf-8"))["rule"]: f.name for f in CASES_DIR.glob("*.yaml")}
    for module in registry.ALL:
        rule = module.RULE
        assert tables.get(rule.code) == f"{rule.code}-{rule.name}.yaml", f"missing case table for {rule.code}"
