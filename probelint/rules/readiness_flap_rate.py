"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL211", name="readiness-flap-rate", summary="TODO", level="info", scope="container", fix="sometimes")


def check(ctx, target):
    return iter(())
