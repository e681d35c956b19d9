"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL502", name="long-grace-without-probe-grace", summary="TODO", level="warning", scope="container", fix="always")


def check(ctx, target):
    return iter(())
