"""PLACEHOLDER"""
from __future__ import annotations

from probelint.rule import Rule

RULE = Rule(code="PL301", name="liveness-http-dependency", summary="TODO", level="error", scope="container", fix="sometimes")


def check(ctx, target):
    return iter(())
