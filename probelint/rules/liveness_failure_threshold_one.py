"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL205", name="liveness-failure-threshold-one", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
