"""The timing model against the worked examples of probe-semantics §5 and §6, and its invariants."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint import timing

# §5 worked examples: p50 = 0.5 s, p99 = 4 s (σ = ln 8 / 2.3263 = 0.894).
WORKED = [
    # T, F, P, p, false restarts per pod-year, P(>=1 per pod-year)
    (1, 3, 10, 0.219, 26_200, 1.0),
    (5, 3, 10, 5.0e-3, 0.39, 0.32),
    (6, 3, 10, 2.7e-3, 0.063, 0.061),
    (6, 4, 10, 2.7e-3, 1.7e-4, 1.7e-4),
    (8, 3, 10, 9.6e-4, 2.8e-3, 2.8e-3),
    (8, 4, 10, 9.6e-4, 2.7e-6, 0.0),
]


def test_sigma_of_the_worked_examples() -> None:
    assert timing.lognormal_sigma(4, 0.5) == pytest.approx(math.log(8) / 2.3263)
    assert timing.lognormal_sigma(4, 0.5) == pytest.approx(0.894, abs=5e-4)
    assert timing.lognormal_sigma(4) == 1.0


@pytest.mark.parametrize(("T", "F", "P", "p", "restarts", "any_"), WORKED)
def test_worked_example_table(T, F, P, p, restarts, any_) -> None:
    tail = timing.tail_probability(T, 4, 0.5)
    assert tail == pytest.approx(p, rel=0.03)
    expected = timing.expected_false_events_per_year(tail, P, F)
    assert expected == pytest.approx(restarts, rel=0.05)
    assert timing.probability_of_any(expected) == pytest.approx(any_, rel=0.05, abs=1e-3)


def test_run_length_checks_of_section_5d() -> None:
    # E[W_F] = 1/λ: F=1 gives 1/p; p=1/2, F=2 gives 6.
    assert 1 / timing.restart_rate_per_probe(0.2, 1) == pytest.approx(1 / 0.2)
    assert 1 / timing.restart_rate_per_probe(0.5, 2) == pytest.approx(6)


@pytest.mark.parametrize(("p", "P", "F"), [(0.01, 10, 4), (0.01, 5, 4), (0.005, 10, 3), (0.001, 10, 3), (0.0001, 10, 2)])
def test_required_failure_threshold_for_one_restart_per_year(p, P, F) -> None:
    assert timing.failure_threshold_for_budget(p, P, 1.0) == F


def test_defaults_hang_detection_and_stall_tolerance() -> None:
    # P=10, T=1, F=3: hang detection 21–31 s; any 21 s freeze survived, any stall >= 31 s restarts.
    assert timing.hang_detection(10, 1, 3) == (21, 31)
    assert timing.stall_tolerance(10, 1, 3) == 21
    assert timing.stall_always_fatal(10, 1, 3) == 31
    assert timing.error_detection(10, 3) == (20, 30)
    assert timing.restart_probability_for_stall(26, 10, 1, 3) == pytest.approx(0.5)


def test_docs_startup_example_guarantees_290_not_300() -> None:
    assert timing.startup_budget_nominal(0, 10, 30) == 300
    assert timing.startup_budget_guaranteed(0, 10, 30) == 290
    assert timing.startup_kill_window(0, 10, 1, 30) == (290, 301)


def test_section_6_worked_example() -> None:
    # suggest --p99 4s --startup-max 90s: T=8, P=10; p(8) = 1.27e-3; F_L = 4; F_R = 2; F_S = 12.
    p = timing.tail_probability(8, 4)
    assert p == pytest.approx(1.27e-3, rel=0.02)
    assert timing.failure_threshold_for_budget(p, 10, 1.0) == 3  # F_rate
    assert timing.expected_false_events_per_year(p, 10, 2) == pytest.approx(5.1, rel=0.03)
    assert timing.readiness_removal_max(10, 8, 2) == 28
    assert timing.hang_detection(10, 8, 4) == (38, 48)
    assert timing.stall_tolerance(10, 8, 4) == 38
    assert timing.expected_false_events_per_year(p, 10, 4) == pytest.approx(8e-6, rel=0.05)
    assert timing.startup_failure_threshold(90, 10) == 12
    assert timing.startup_budget_guaranteed(0, 10, 12) == 110


def test_termination_minimum_grace() -> None:
    assert timing.shutdown_time_after_prestop(30, 10) == 20
    assert timing.shutdown_time_after_prestop(30, 29.5) == 2
    assert timing.kill_bound_after_detection(30, 40) == 42


seconds = st.integers(min_value=1, max_value=600)
thresholds = st.integers(min_value=1, max_value=30)
latency = st.floats(min_value=0.01, max_value=60)


@settings(max_examples=300, deadline=None)
@given(T=seconds, dT=st.integers(0, 60), F=thresholds, dF=st.integers(0, 10), P=seconds, p99=latency)
def test_raising_timeout_or_threshold_never_raises_false_restarts(T, dT, F, dF, P, p99) -> None:
    base = timing.expected_false_events_per_year(timing.tail_probability(T, p99), P, F)
    more_time = timing.expected_false_events_per_year(timing.tail_probability(T + dT, p99), P, F)
    more_failures = timing.expected_false_events_per_year(timing.tail_probability(T, p99), P, F + dF)
    assert more_time <= base * (1 + 1e-9) + 1e-300
    assert more_failures <= base * (1 + 1e-9) + 1e-300


@settings(max_examples=300, deadline=None)
@given(T=seconds, F=thresholds, P=seconds, dP=st.integers(0, 100), D=st.integers(0, 600), dF=st.integers(0, 10))
def test_detection_and_budgets_are_monotonic(T, F, P, dP, D, dF) -> None:
    assert timing.hang_detection(P + dP, T, F)[0] >= timing.hang_detection(P, T, F)[0]
    assert timing.hang_detection(P + dP, T, F)[1] >= timing.hang_detection(P, T, F)[1]
    assert timing.error_detection(P + dP, F)[0] >= timing.error_detection(P, F)[0]
    assert timing.readiness_removal_max(P + dP, T, F) >= timing.readiness_removal_max(P, T, F)
    assert timing.startup_budget_guaranteed(D, P, F + dF) >= timing.startup_budget_guaranteed(D, P, F)
    assert timing.startup_budget_guaranteed(D, P + dP, F) >= timing.startup_budget_guaranteed(D, P, F)
    assert timing.startup_budget_nominal(D, P, F) - timing.startup_budget_guaranteed(D, P, F) == P
    low, high = timing.hang_detection(P, T, F)
    assert low <= high and timing.stall_tolerance(P, T, F) == low


@settings(max_examples=200, deadline=None)
@given(startup=st.floats(min_value=0.5, max_value=3600), P=st.integers(1, 60), D=st.integers(0, 120))
def test_startup_threshold_covers_the_margin_minimally(startup, P, D) -> None:
    F = timing.startup_failure_threshold(startup, P, D)
    assert timing.startup_budget_guaranteed(D, P, F) >= 1.2 * startup - 1e-6 or F == 1
    if F > 1:
        assert timing.startup_budget_guaranteed(D, P, F - 1) < 1.2 * startup + 1e-6


@settings(max_examples=200, deadline=None)
@given(T=st.floats(0.01, 100), p99=latency, p50=st.floats(0.001, 10))
def test_tail_probability_is_a_probability_and_decreases(T, p99, p50) -> None:
    p = timing.tail_probability(T, p99, p50 if p50 < p99 else None)
    assert 0.0 <= p <= 1.0
    assert timing.tail_probability(T * 2, p99, p50 if p50 < p99 else None) <= p
