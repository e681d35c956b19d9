"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL302", name="liveness-exec-dependency", summary="TODO", level="error", scope="container", fix="never")


def check(ctx, target):
    return iter(())
