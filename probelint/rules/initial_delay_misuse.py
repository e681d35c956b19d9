"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL208", name="initial-delay-misuse", summary="TODO", level="info", scope="container", fix="always")


def check(ctx, target):
    return iter(())
