"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL102", name="missing-liveness-probe", summary="TODO", level="info", scope="workload", fix="never")


def check(ctx, target):
    return iter(())
