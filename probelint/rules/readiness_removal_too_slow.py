"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL207", name="readiness-removal-too-slow", summary="TODO", level="info", scope="container", fix="sometimes")


def check(ctx, target):
    return iter(())
