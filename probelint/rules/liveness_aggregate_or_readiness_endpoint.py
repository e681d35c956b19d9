"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL303", name="liveness-aggregate-or-readiness-endpoint", summary="TODO", level="warning", scope="container", fix="sometimes")


def check(ctx, target):
    return iter(())
