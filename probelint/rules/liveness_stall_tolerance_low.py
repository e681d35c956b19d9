"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL210", name="liveness-stall-tolerance-low", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
