"""Inline directives and the probelint.io/ignore annotation."""
from __future__ import annotations

import pytest

from tests.conftest import lint

BASE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
{annotations}spec:
  template:
    spec:
      containers:
        - name: web
          livenessProbe:
            httpGet: {{path: /livez, port: 8080}}
{above}            successThreshold: 2{trailing}
"""


def manifest(above: str = "", trailing: str = "", annotations: str = "") -> str:
    return BASE.format(above=above, trailing=trailing, annotations=annotations)


@pytest.mark.parametrize(
    ("kwargs", "suppressed"),
    [
        ({}, False),
        ({"trailing": "  # probelint: disable=PL002"}, True),
        ({"trailing": "  # probelint: disable=success-threshold-must-be-one -- hysteresis"}, True),
        ({"trailing": "  # probelint: disable"}, True),
        ({"trailing": "  # probelint: disable=PL201"}, False),
        ({"above": "            # probelint: disable=PL002,PL201 -- reviewed\n"}, True),
        ({"annotations": "  annotations:\n    probelint.io/ignore: \"PL104, PL002: hysteresis wanted\"\n"}, True),
        ({"annotations": "  annotations:\n    probelint.io/ignore: \"PL104\"\n"}, False),
    ],
)
def test_suppression_forms(kwargs: dict, suppressed: bool) -> None:
    result = lint(manifest(**kwargs), select=["PL002"])
    assert bool(result.findings) != suppressed


def test_directive_on_a_code_line_above_does_not_leak() -> None:
    text = manifest().replace("httpGet: {path: /livez, port: 8080}", "httpGet: {path: /livez, port: 8080}  # probelint: disable=PL002")
    assert lint(text, select=["PL002"]).findings


def test_disable_file() -> None:
    text = "# probelint: disable-file=PL002\n" + manifest()
    assert not lint(text, select=["PL002"]).findings


def test_unknown_codes_are_reported_as_warnings() -> None:
    text = manifest(trailing="  # probelint: disable=PL002,PL999",
                    annotations="  annotations:\n    probelint.io/ignore: \"PL998\"\n")
    result = lint(text, select=["PL002"])
    assert not result.findings
    messages = sorted((p.line, p.level, p.message) for p in result.problems)
    assert messages == [
        (6, "warning", 'unknown rule code "PL998" in probelint.io/ignore annotation'),
        (14, "warning", 'unknown rule code "PL999" in suppression comment'),
    ]
