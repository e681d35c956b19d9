"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL101", name="missing-readiness-probe", summary="TODO", level="warning", scope="services", fix="sometimes")


def check(ctx, target):
    return iter(())
