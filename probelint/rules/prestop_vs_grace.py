"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL501", name="prestop-vs-grace", summary="TODO", level="error", scope="workload", fix="always")


def check(ctx, target):
    return iter(())
