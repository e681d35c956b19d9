"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL206", name="exec-probe-default-timeout", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
