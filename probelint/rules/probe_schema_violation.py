"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL009", name="probe-schema-violation", summary="TODO", level="error", scope="container", fix="sometimes")


def check(ctx, target):
    return iter(())
