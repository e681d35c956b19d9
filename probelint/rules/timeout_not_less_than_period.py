"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL204", name="timeout-not-less-than-period", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
