"""The explicit registry of rules, in code order.

An explicit tuple rather than discovery: reading this file tells you every rule there is, and
a test checks that every module in this package is listed and that codes and names are unique.
"""
from __future__ import annotations

from types import ModuleType

from probelint.rules import (
    exec_valuefrom_expansion,
    grpc_probe_compat,
    invalid_probe_field,
    liveness_aggregate_or_readiness_endpoint,
    liveness_exec_dependency,
    liveness_http_dependency,
    liveness_identical_to_readiness,
    liveness_timeout_vs_latency,
    missing_liveness_probe,
    missing_readiness_probe,
    named_port_not_found,
    probe_handler_count,
    probe_on_init_container,
    probe_schema_violation,
    readiness_probe_grace_period,
    startup_probe_recommended,
    success_threshold_must_be_one,
)

ALL: tuple[ModuleType, ...] = (
    probe_handler_count,
    success_threshold_must_be_one,
    invalid_probe_field,
    readiness_probe_grace_period,
    probe_on_init_container,
    named_port_not_found,
    grpc_probe_compat,
    exec_valuefrom_expansion,
    probe_schema_violation,
    missing_readiness_probe,
    missing_liveness_probe,
    startup_probe_recommended,
    liveness_identical_to_readiness,
    liveness_timeout_vs_latency,
    liveness_http_dependency,
    liveness_exec_dependency,
    liveness_aggregate_or_readiness_endpoint,
)
RULES = tuple(module.RULE for module in ALL)
BY_CODE = {module.RULE.code: module for module in ALL}
BY_NAME = {module.RULE.name: module for module in ALL}
KNOWN_REFS = frozenset(BY_CODE) | frozenset(BY_NAME)


def get(ref: str) -> ModuleType:
    """A rule module by code (``PL201``, any case) or name (``liveness-timeout-vs-latency``)."""
    module = BY_CODE.get(ref.strip().upper()) or BY_NAME.get(ref.strip().lower())
    if module is None:
        raise KeyError(f'no such rule: "{ref}"')
    return module
