"""One runner for every rule's case table in ``tests/rules/cases``.

Each case is a manifest whose lines carry ``# expect: CODE`` markers where findings must be
(``CODE@COLUMN`` pins the column, ``CODE[level]`` the level). Only the rule under test runs,
unless the case selects more. The expected set must equal the reported set exactly.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from probelint import rules as registry
from tests.conftest import lint

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


def test_every_rule_has_a_case_table() -> None:
    tables = {yaml.safe_load(f.read_text(encoding="utf-8"))["rule"]: f.name for f in CASES_DIR.glob("*.yaml")}
    for module in registry.ALL:
        rule = module.RULE
        assert tables.get(rule.code) == f"{rule.code}-{rule.name}.yaml", f"missing case table for {rule.code}"
