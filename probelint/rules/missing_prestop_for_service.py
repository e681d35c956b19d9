"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL503", name="missing-prestop-for-service", summary="TODO", level="info", scope="services", fix="sometimes")


def check(ctx, target):
    return iter(())
