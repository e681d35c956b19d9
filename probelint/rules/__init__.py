"""The explicit registry of rules, in code order.

An explicit tuple rather than discovery: reading this file tells you every rule there is, and
a test checks that every module in this package is listed and that codes and names are unique.
"""
from __future__ import annotations

from types import ModuleType

from probelint.rules import (
    credentials_in_probe,
    exec_inner_timeout_too_long,
    exec_no_inner_timeout,
    exec_probe_convertible,
    exec_probe_default_timeout,
    exec_valuefrom_expansion,
    grpc_probe_compat,
    initial_delay_misuse,
    invalid_probe_field,
    liveness_aggregate_or_readiness_endpoint,
    liveness_exec_dependency,
    liveness_failure_threshold_one,
    liveness_http_dependency,
    liveness_identical_to_readiness,
    liveness_more_aggressive_than_readiness,
    liveness_stall_tolerance_low,
    liveness_timeout_vs_latency,
    long_grace_without_probe_grace,
    missing_liveness_probe,
    missing_prestop_for_service,
    missing_readiness_probe,
    named_port_not_found,
    prestop_vs_grace,
    probe_handler_count,
    probe_host_field,
    probe_on_init_container,
    probe_period_too_aggressive,
    probe_port_not_declared,
    probe_schema_violation,
    publish_not_ready_bypass,
    readiness_flap_rate,
    readiness_port_differs_from_service,
    readiness_probe_grace_period,
    readiness_removal_too_slow,
    readiness_shared_dependency,
    service_target_port_not_found,
    startup_budget_too_small,
    startup_exceeds_progress_deadline,
    startup_period_coarse,
    startup_probe_recommended,
    success_threshold_must_be_one,
    tcp_probe_weak_signal,
    timeout_not_less_than_period,
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
    startup_budget_too_small,
    liveness_more_aggressive_than_readiness,
    timeout_not_less_than_period,
    liveness_failure_threshold_one,
    exec_probe_default_timeout,
    readiness_removal_too_slow,
    initial_delay_misuse,
    startup_period_coarse,
    liveness_stall_tolerance_low,
    readiness_flap_rate,
    probe_period_too_aggressive,
    liveness_http_dependency,
    liveness_exec_dependency,
    liveness_aggregate_or_readiness_endpoint,
    readiness_shared_dependency,
    probe_host_field,
    exec_probe_convertible,
    exec_no_inner_timeout,
    exec_inner_timeout_too_long,
    tcp_probe_weak_signal,
    credentials_in_probe,
    probe_port_not_declared,
    readiness_port_differs_from_service,
    service_target_port_not_found,
    publish_not_ready_bypass,
    prestop_vs_grace,
    long_grace_without_probe_grace,
    missing_prestop_for_service,
    startup_exceeds_progress_deadline,
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
