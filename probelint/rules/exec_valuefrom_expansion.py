"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL008", name="exec-valuefrom-expansion", summary="TODO", level="error", scope="container", fix="always")


def check(ctx, target):
    return iter(())
