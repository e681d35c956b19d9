"""Probe latency from the kubelet's own metrics (a saved ``/metrics/probes`` scrape).

Two metric families are read (``pkg/kubelet/prober``):

* ``prober_probe_total{probe_type, result, container, pod, namespace, pod_uid}``: probes by
  result (``successful``, ``failed``, ``unknown``);
* ``prober_probe_duration_seconds{probe_type, container, pod, namespace}``: a histogram of probe
  durations.

The histogram is observed only for successful (and unknown) results, never for failures or
timeouts (K13 in ``probe-semantics.md``), so its quantiles are right-censored: read alone, it
describes a service that never fails. The correction ranks the failed probes above every
observed duration, as ``stats`` does for measured requests:

* a quantile ``q`` is read from the histogram at rank ``q × (observed + failed)``; when that rank
  is above the observed count the quantile lies among the failures and is reported as failed;
* P(a probe with timeout T fails) = (failed + observed probes slower than T) / all probes.
  This is never below either estimate of §5d (the histogram's tail alone, or
  ``failed / total``), so it is the "take the max" of that section, made exact.

Inside a bucket, durations are interpolated linearly (as ``histogram_quantile`` does), so a
quantile or a timeout between two bucket bounds is an estimate (``approximate``). A quantile
in the ``+Inf`` bucket is only known to be above the largest bound.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from probelint.measure.promtext import parse
from probelint.measure.stats import PROBE_TIMEOUTS, QUANTILES

TOTAL = "prober_probe_total"
HISTOGRAM = "prober_probe_duration_seconds"
PROBE_TYPES = ("Liveness", "Readiness", "Startup")
# Pod names end in characters of Kubernetes' rand.SafeEncodeString alphabet.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_GENERATED = (
    (re.compile(rf"^(?P<name>.+)-{_SAFE}{{6,10}}-{_SAFE}{{5}}$"), "Deployment"),
    (re.compile(rf"^(?P<name>.+)-{_SAFE}{{5}}$"), None),  # DaemonSet, ReplicaSet, Job
    (re.compile(r"^(?P<name>.+)-\d+$"), "StatefulSet"),
)


class MetricsError(ValueError):
    pass


def workload_of(pod: str) -> tuple[str, str | None]:
    """The workload name a pod name was generated from, and its kind when the pattern tells
    (``checkout-7d9f8b6c5d-x2x9q`` → ``checkout``, Deployment). A guess from the name alone:
    a bare Pod named like a generated one is taken for one."""
    for pattern, kind in _GENERATED:
        match = pattern.match(pod)
        if match:
            return match.group("name"), kind
    return pod, "Pod"


@dataclass
class Series:
    """The probes of one probe type of one container (or of one workload's containers)."""

    namespace: str
    pod: str  # the pod, or the workload when grouped by workload
    container: str
    probe_type: str
    buckets: dict[float, float] = field(default_factory=dict)  # upper bound -> cumulative count
    duration_sum: float = 0.0
    results: dict[str, float] = field(default_factory=dict)
    pods: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.pod}/{self.container}"

    @property
    def observed(self) -> float:
        return self.buckets.get(math.inf, max(self.buckets.values(), default=0.0))

    @property
    def failed(self) -> float:
        return self.results.get("failed", 0.0)

    @property
    def total(self) -> float:
        return max(sum(self.results.values()), self.observed + self.failed)

    def below(self, seconds: float) -> tuple[float, bool]:
        """Observed probes that took at most ``seconds``, and whether that is interpolated."""
        lower, below = 0.0, 0.0
        for bound in sorted(self.buckets):
            count = self.buckets[bound]
            if seconds == bound:
                return count, False
            if seconds < bound:
                if math.isinf(bound):
                    return below, True
                return below + (count - below) * (seconds - lower) / (bound - lower), True
            lower, below = bound, count
        return below, False

    def quantile(self, q: float) -> tuple[float | None, str]:
        """The corrected quantile and how it is known: ``interpolated``, ``above`` (only a lower
        bound: the +Inf bucket), ``failed`` (its rank lies among the failed probes) or ``missing``
        (the scrape has no histogram for it)."""
        total = self.total
        rank = q * total
        if not self.buckets:
            return None, "missing"
        if total == 0 or rank > self.observed:
            return None, "failed"
        lower, below = 0.0, 0.0
        for bound in sorted(self.buckets):
            count = self.buckets[bound]
            if count >= rank:
                if math.isinf(bound):
                    return lower, "above"
                inside = count - below
                return (lower + (bound - lower) * (rank - below) / inside if inside else bound), "interpolated"
            lower, below = bound, count
        return None, "failed"

    def failure(self, timeout: float) -> tuple[float, bool]:
        below, approximate = self.below(timeout)
        approximate = approximate or not self.buckets
        total = self.total
        return ((self.failed + self.observed - below) / total if total else 0.0), approximate


def load(text: str, group_by: str = "pod") -> list[Series]:
    """Series from a scrape, one per (namespace, pod or workload, container, probe type),
    sorted; ``group_by="workload"`` adds up the replicas of a workload (histograms add)."""
    samples, _types = parse(text)
    series: dict[tuple, Series] = {}
    found = False
    for sample in samples:
        if sample.name not in (TOTAL, f"{HISTOGRAM}_bucket", f"{HISTOGRAM}_sum"):
            continue
        labels = sample.labels
        try:
            namespace, pod, container, probe_type = (labels["namespace"], labels["pod"], labels["container"],
                                                     labels["probe_type"])
        except KeyError as err:
            raise MetricsError(f"line {sample.line}: {sample.name} has no {err.args[0]} label") from None
        found = True
        name = workload_of(pod)[0] if group_by == "workload" else pod
        key = (namespace, name, container, probe_type)
        entry = series.setdefault(key, Series(namespace, name, container, probe_type))
        entry.pods.add(pod)
        if sample.name == TOTAL:
            result = labels.get("result", "unknown")
            entry.results[result] = entry.results.get(result, 0.0) + sample.value
        elif sample.name.endswith("_sum"):
            entry.duration_sum += sample.value
        else:
            if "le" not in labels:
                raise MetricsError(f"line {sample.line}: {sample.name} has no le label")
            bound = math.inf if labels["le"] == "+Inf" else float(labels["le"])
            entry.buckets[bound] = entry.buckets.get(bound, 0.0) + sample.value
    if not found:
        raise MetricsError(f"no {TOTAL} or {HISTOGRAM} samples: is this a scrape of the kubelet's /metrics/probes?")
    order = {name: i for i, name in enumerate(PROBE_TYPES)}
    return sorted(series.values(), key=lambda s: (s.namespace, s.pod, s.container, order.get(s.probe_type, 9), s.probe_type))


def summary(entry: Series, timeouts=PROBE_TIMEOUTS) -> dict:
    """The figures of one series, as reported (text and JSON)."""
    quantiles = {}
    for name, q in QUANTILES:
        value, how = entry.quantile(q)
        quantiles[name] = {"seconds": value, "estimate": how}
    failure = []
    for timeout in timeouts:
        probability, approximate = entry.failure(timeout)
        failure.append({"timeout": timeout, "probability": probability, "approximate": approximate})
    observed = entry.observed
    return {
        "namespace": entry.namespace, "pod": entry.pod, "container": entry.container,
        "probe_type": entry.probe_type, "pods": sorted(entry.pods),
        "total": entry.total, "observed": observed, "failed": entry.failed,
        "results": dict(sorted(entry.results.items())),
        "mean": entry.duration_sum / observed if observed else None,
        "quantiles": quantiles, "failure": failure,
    }
