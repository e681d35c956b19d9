"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL504", name="startup-exceeds-progress-deadline", summary="TODO", level="warning", scope="workload", fix="always")


def check(ctx, target):
    return iter(())
