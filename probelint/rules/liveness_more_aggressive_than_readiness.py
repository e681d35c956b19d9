"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL203", name="liveness-more-aggressive-than-readiness", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
