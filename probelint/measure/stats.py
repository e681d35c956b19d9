"""Latency statistics of measured probes: quantiles, and how often a probe would fail.

Failed requests (errors and timeouts alike) are part of the distribution, not dropped: for a
probe a failure is a failure whatever its timeout, so every failed request is ranked slower
than every successful one (right-censored, as the kubelet's own histogram is, K13). A
quantile whose rank falls among the failures is therefore *not* a latency: it is reported as
"failed" and never written to a profile, because the true figure is above any timeout.

The failure probability of a probe with timeout ``T`` is estimated from the observed
distribution as the fraction of all requests that would have failed with that timeout:

    P(fail | T) = (failed requests + successful requests slower than T) / all requests

A failed request counts at every ``T``; requests that were cut at the measurement's own
``--timeout`` might have succeeded with a longer one, so for ``T`` above that timeout the
estimate is an upper bound (``upper_bound``). With ``k`` failures out of ``n`` the 95 % Wilson
upper limit is given as well: 0 failures in 500 requests does not mean 0, it means below 0.0076.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from probelint.measure.clients import Outcome

QUANTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p99.9", 0.999))
PROBE_TIMEOUTS = (1.0, 2.0, 5.0, 10.0)
# Fewest samples for a quantile to be written to a profile: a p99 of 20 requests is the maximum.
MIN_SAMPLES = {"p50": 10, "p90": 10, "p99": 100, "p99.9": 1000}


@dataclass(frozen=True)
class Quantile:
    name: str
    q: float
    seconds: float | None  # None when the rank falls among failed requests
    enough_samples: bool


@dataclass(frozen=True)
class FailureEstimate:
    timeout: float
    failures: int  # requests that would have failed with this timeout
    total: int
    upper_bound: bool  # requests were cut before this timeout, so this over-estimates

    @property
    def probability(self) -> float:
        return self.failures / self.total if self.total else 0.0

    @property
    def upper95(self) -> float:
        return wilson_upper(self.failures, self.total)


@dataclass(frozen=True)
class Summary:
    count: int
    succeeded: int
    errors: dict[str, int]  # kind -> count, most frequent first
    minimum: float | None  # of the successful requests
    maximum: float | None
    mean: float | None
    quantiles: tuple[Quantile, ...]
    failure: tuple[FailureEstimate, ...]


def wilson_upper(k: int, n: int, z: float = 1.959964) -> float:
    """Upper limit of the 95 % Wilson score interval for ``k`` successes in ``n`` trials."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + spread) / (1 + z * z / n))


def rank_quantile(sorted_values: list[float], total: int, q: float) -> float | None:
    """Nearest-rank quantile over ``total`` observations of which ``sorted_values`` are the
    successful ones (ascending) and the rest failed (ranked last); None when it is a failure."""
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total - 1e-9))
    return sorted_values[rank - 1] if rank <= len(sorted_values) else None


def summarize(outcomes: list[Outcome], measured_timeout: float, timeouts=PROBE_TIMEOUTS) -> Summary:
    latencies = sorted(o.latency for o in outcomes if o.ok)
    total = len(outcomes)
    failed = total - len(latencies)
    errors = dict(Counter(o.error for o in outcomes if not o.ok).most_common())
    quantiles = tuple(Quantile(name, q, rank_quantile(latencies, total, q), total >= MIN_SAMPLES[name])
                      for name, q in QUANTILES)
    failure = tuple(FailureEstimate(t, failed + sum(1 for x in latencies if x > t), total, t > measured_timeout)
                    for t in timeouts)
    return Summary(total, len(latencies), errors, latencies[0] if latencies else None,
                   latencies[-1] if latencies else None, sum(latencies) / len(latencies) if latencies else None,
                   quantiles, failure)


def conservative(seconds: float, digits: int = 3) -> float:
    """``seconds`` rounded *up* to ``digits`` significant digits, for a profile: a p99 written
    slightly high keeps the timeout it leads to on the safe side."""
    if seconds <= 0:
        return 0.0
    exponent = math.floor(math.log10(seconds)) - digits + 1
    step = 10.0 ** exponent
    return round(math.ceil(seconds / step - 1e-9) * step, max(0, -exponent))
