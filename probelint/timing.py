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
    if p >= 1.0:
        return 1.0 / max(failure_threshold, 1)
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
