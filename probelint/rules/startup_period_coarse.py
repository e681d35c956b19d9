"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL209", name="startup-period-coarse", summary="TODO", level="info", scope="container", fix="always")


def check(ctx, target):
    return iter(())
