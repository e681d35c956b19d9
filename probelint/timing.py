"""The timing model of probe behaviour: pure functions of probe fields and measured latency.

Probe failures are timing failures: a timeout below the latency tail turns ordinary slow
responses into failures, and ``failureThreshold`` consecutive failures restart a healthy
container. These functions turn a probe's effective values and a service's latency figures
into the quantities rules compare against budgets. Formulas follow probe-semantics §5.
"""
from __future__ import annotations

import math

SECONDS_PER_YEAR = 31_536_000
Z99 = 2.3263
Z999 = 3.0902
HEAVY_SIGMA = 1.0  # when only p99 is known: p99/p50 ≈ 10, deliberately heavy


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal variable."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def lognormal_sigma(p99: float, p50: float | None = None, p999: float | None = None) -> float:
    """Spread of the log-normal latency fit; the heavier of the p99 and p99.9 fits wins."""
    if p50 is None or p50 <= 0 or p50 >= p99:
        sigma = HEAVY_SIGMA
    else:
        sigma = (math.log(p99) - math.log(p50)) / Z99
    if p999 is not None and p50 is not None and 0 < p50 < p999:
        sigma = max(sigma, (math.log(p999) - math.log(p50)) / Z999)
    return sigma


def tail_probability(timeout: float, p99: float, p50: float | None = None, p999: float | None = None) -> float:
    """p = P(latency > timeout) under a log-normal fit anchored at p99."""
    if timeout <= 0:
        return 1.0
    sigma = lognormal_sigma(p99, p50, p999)
    z = Z99 + math.log(timeout / p99) / sigma
    return _normal_sf(z)


def restart_rate_per_probe(p: float, failure_threshold: int) -> float:
    """λ = (1−p)·p^F / (1−p^F): renewal rate of F consecutive failures (run-length result)."""
    if p <= 0.0:
        return 0.0
    failure_threshold = max(failure_threshold, 1)  # the API server's minimum
    if p >= 1.0:
        return 1.0 / failure_threshold
    pf = p**failure_threshold
    return (1.0 - p) * pf / (1.0 - pf)


def expected_false_events_per_year(p: float, period: int, failure_threshold: int) -> float:
    """Expected restarts (liveness) or unready events (readiness) of a healthy pod per year."""
    return SECONDS_PER_YEAR / max(period, 1) * restart_rate_per_probe(p, failure_threshold)


def format_rate(value: float) -> str:
    """A per-year figure readable at any magnitude: ``26,200``, ``0.39``, ``2.7e-06``."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 0.01:
        return f"{value:.2g}" if value < 10 else f"{value:.0f}"
    return f"{value:.1e}"


# -- windows (probe-semantics §5a, §5b, §5e) ---------------------------------------------
# Every function takes effective values (after Kubernetes defaulting), in whole seconds.


def interval_while_timing_out(period: int, timeout: int) -> int:
    """I = max(P, T): probes run back to back when each one lasts its whole timeout (K2)."""
    return max(period, timeout)


def first_probe_window(initial_delay: int, period: int) -> tuple[int, int]:
    """The first real probe lands in [D, D+P) after container start: the ticker's phase is arbitrary (K1)."""
    return initial_delay, initial_delay + period


def hang_detection(period: int, timeout: int, failure_threshold: int) -> tuple[int, int]:
    """From a hang (every probe times out) to the failure being recorded: [(F−1)·I + T, P + (F−1)·I + T]."""
    i = interval_while_timing_out(period, timeout)
    low = (failure_threshold - 1) * i + timeout
    return low, period + low


def error_detection(period: int, failure_threshold: int) -> tuple[int, int]:
    """From fast errors (HTTP 500, connection refused) to the failure being recorded: [(F−1)·P, F·P]."""
    return (failure_threshold - 1) * period, failure_threshold * period


def readiness_removal_max(period: int, timeout: int, failure_threshold: int) -> int:
    """R_max = P + (F−1)·I + T: worst time for a hung pod to be marked unready (before propagation)."""
    return hang_detection(period, timeout, failure_threshold)[1]


def stall_tolerance(period: int, timeout: int, failure_threshold: int) -> int:
    """(F−1)·I + T: the longest stall that can never cause a restart (§5e)."""
    return hang_detection(period, timeout, failure_threshold)[0]


def stall_always_fatal(period: int, timeout: int, failure_threshold: int) -> int:
    """F·P + T: a stall at least this long always causes a restart (§5e)."""
    return failure_threshold * period + timeout


def restart_probability_for_stall(stall: float, period: int, timeout: int, failure_threshold: int) -> float:
    """P(restart | stall of length B), uniform probe phase, I = P (§5e)."""
    if stall <= stall_tolerance(period, timeout, failure_threshold):
        return 0.0
    if stall >= stall_always_fatal(period, timeout, failure_threshold):
        return 1.0
    return min(1.0, max(0.0, (stall - timeout - (failure_threshold - 1) * period) / period))


# -- startup (§5c) ------------------------------------------------------------------------


def startup_budget_guaranteed(initial_delay: int, period: int, failure_threshold: int) -> int:
    """D + (F−1)·P: the startup time tolerated whatever the probe phase."""
    return initial_delay + (failure_threshold - 1) * period


def startup_budget_nominal(initial_delay: int, period: int, failure_threshold: int) -> int:
    """D + F·P: the documentation's expression, true only for the best phase."""
    return initial_delay + failure_threshold * period


def startup_kill_window(initial_delay: int, period: int, timeout: int, failure_threshold: int) -> tuple[int, int]:
    """When a container that never becomes healthy is killed: [D + (F−1)·P, D + F·P + T]."""
    return startup_budget_guaranteed(initial_delay, period, failure_threshold), \
        startup_budget_nominal(initial_delay, period, failure_threshold) + timeout


def startup_failure_threshold(startup_max: float, period: int, initial_delay: int = 0, margin: float = 0.2) -> int:
    """The smallest F with D + (F−1)·P ≥ (1+m)·startup_max: ⌈((1+m)·max − D)/P⌉ + 1."""
    needed = (1 + margin) * startup_max - initial_delay
    return max(1, math.ceil(round(needed / period, 9)) + 1) if needed > 0 else 1


# -- termination (§5a, K11) ---------------------------------------------------------------
KUBELET_MINIMUM_GRACE = 2


def shutdown_time_after_prestop(grace: int, prestop: float) -> float:
    """What the application gets between SIGTERM and SIGKILL: G − H, but never below the 2 s minimum."""
    return max(grace - prestop, KUBELET_MINIMUM_GRACE)


def kill_bound_after_detection(grace: int, prestop: float) -> float:
    """From the recorded liveness failure to SIGKILL at most: max(G_eff, H + 2) (plus δk)."""
    return max(grace, prestop + KUBELET_MINIMUM_GRACE)


# -- false events (§5d) -------------------------------------------------------------------


def failure_threshold_for_budget(p: float, period: int, budget: float) -> int | None:
    """Smallest F with expected false events per year ≤ budget; None when p is 0 or 1."""
    if p <= 0.0:
        return 1
    if p >= 1.0 or budget <= 0:
        return None
    for threshold in range(1, 101):
        if expected_false_events_per_year(p, period, threshold) <= budget:
            return threshold
    return None


def probability_of_any(expected: float) -> float:
    """P(at least one event) ≈ 1 − e^{−E} for a Poisson count with mean E."""
    return 1.0 - math.exp(-expected)
