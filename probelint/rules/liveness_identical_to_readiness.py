"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL104", name="liveness-identical-to-readiness", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
