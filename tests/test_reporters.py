"""Reporter golden files and the JSON report's schema.

Set PROBELINT_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from probelint.linter import Linter
from probelint.report import json_report, text
from tests.conftest import ROOT, make_settings

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


def result():
    settings = make_settings(select=["PL002", "PL201"], p99="2s")
    return Linter(settings).lint_paths(["tests/data/report-input.yaml"])


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PROBELINT_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def in_root(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)


def test_text_golden() -> None:
    r = result()
    lines = [text.problem_line(p) for p in r.problems]
    check_golden("report.txt", text.render(r) + "\n".join(lines) + "\n")


def test_text_statistics_golden() -> None:
    check_golden("report-statistics.txt", text.render(result(), stats=True))


def test_json_golden() -> None:
    report = json_report.render(result())
    check_golden("report.json", report.replace(json.loads(report)["version"], "VERSION"))


def schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))


def test_json_report_validates_against_published_schema() -> None:
    jsonschema.Draft202012Validator(schema("findings.schema.json")).validate(json_report.document(result()))


def test_published_schemas_match_the_packaged_ones() -> None:
    for path in (ROOT / "probelint" / "schemas").glob("*.json"):
        assert (ROOT / "schemas" / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_colour_only_when_asked() -> None:
    r = result()
    assert "\x1b[" not in text.render(r)
    assert "\x1b[" in text.render(r, colour=True)
