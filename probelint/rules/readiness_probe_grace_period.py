"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL004", name="readiness-probe-grace-period", summary="TODO", level="error", scope="container", fix="always")


def check(ctx, target):
    return iter(())
