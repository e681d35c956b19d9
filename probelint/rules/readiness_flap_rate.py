"""
## What it does
Estimates how often a healthy pod is marked unready by chance: from the p99 latency of the
health endpoint (`--p99`, the config's `defaults.p99`, a profile file or the workload
annotation `probelint.io/p99`; `probelint.io/p50` and `probelint.io/p99.9` sharpen the fit) it
takes `p = P(latency > timeoutSeconds)` and counts runs of `failureThreshold` consecutive slow
answers:
`E_R = (31 536 000 / periodSeconds) · (1−p)·p^F / (1−p^F)` false unready events per pod-year.
It reports readiness probes where `E_R` exceeds the unready budget (`unready-budget`, 52 per
pod-year by default, about one a week). Without a p99 the rule does nothing; Job and CronJob
pods are skipped.

## Why is this bad?
Each false unready event takes a healthy pod out of the Service endpoints until the next
successful probe and the endpoint update that follows, while its in-flight connections are cut
off by some proxies. When the latency that causes it comes from load, many replicas flap
together, so the remaining ones get even more load. The default `timeoutSeconds: 1` is often
below the real p99 of an endpoint under load.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  annotations:
    probelint.io/p99: 2s
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:2.3
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            timeoutSeconds: 1
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  annotations:
    probelint.io/p99: 2s
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:2.3
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            timeoutSeconds: 4
            periodSeconds: 10
            failureThreshold: 3
```

## Options
None. The budget is the profile figure `unready-budget` (`--unready-budget`,
`probelint.io/unready-budget`).

## Fix safety
Sometimes available, when a p99 is known; safe, because every value comes from the manifest
and the service profile. The fix sets (or adds) the fields the message names. The proposal
first raises `failureThreshold` to the smallest value within the budget, as long as that is at
most 10 and keeps the removal time of a hung pod within PL207's `max-removal` (60 s unless
configured); otherwise it raises `timeoutSeconds` to `⌈2·p99⌉` (and `periodSeconds` to at
least `timeoutSeconds + 2`) with the smallest sufficient `failureThreshold`. When even that
finds nothing, the message asks for a longer timeout and no fix is offered.
`successThreshold: 2` would additionally damp a pod flapping back in, but it also delays every
return to Ready, so the message only mentions it and the fix leaves it alone.

## References
- probe-semantics §5d (false events of a healthy pod), applied to readiness, and §6
  (readiness recipe)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules import readiness_removal_too_slow as pl207
from probelint.timing import (
    expected_false_events_per_year,
    failure_threshold_for_budget,
    format_rate,
    readiness_removal_max,
    tail_probability,
)
from probelint.timing_fixes import fix_title
from probelint.units import DurationError, format_duration, parse_duration
from probelint.workloads import Container

MAX_PROPOSED_THRESHOLD = 10
MAX_REMOVAL = 60  # PL207's default max-removal

RULE = Rule(
    code="PL211",
    name="readiness-flap-rate",
    summary="Readiness timeout close to the measured latency: healthy pods often drop out of the endpoints",
    level="info",
    fix="sometimes",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or container.workload.is_job:
        return
    probe = container.probes.get("readiness")
    profile = ctx.profile
    if probe is None or profile is None:
        return
    p99 = profile.p99
    if p99 is None or p99.seconds <= 0:
        return
    p50 = profile.p50.seconds if profile.p50 else None
    p999 = profile.p999.seconds if profile.p999 else None
    budget = profile.value("unready_budget")
    period, timeout, threshold = probe.period, probe.timeout, probe.failure_threshold
    if min(period, timeout, threshold) <= 0:
        return  # a value the API server rejects (PL003): no rate to speak of
    p = tail_probability(timeout, p99.seconds, p50, p999)
    expected = expected_false_events_per_year(p, period, threshold)
    if expected <= budget.seconds:
        return
    used = ", ".join(v.describe(name) for name, v in (("p99", p99), ("p50", profile.p50), ("p999", profile.p999)) if v)
    message = (
        f"about {format_rate(expected)} false unready events per pod-year, above {budget.describe('unready_budget')}: "
        f"P(latency > {_timeout_text(probe)}) ≈ {p:.2g} with {used}, and {threshold} slow answers in a row "
        f"({probe.describe('failureThreshold')}, {probe.describe('periodSeconds')}) mark a healthy pod unready"
    )
    max_removal = removal_limit(ctx)
    proposal = propose(timeout, period, threshold, p99.seconds, p50, p999, budget.seconds, max_removal)
    if proposal is None:
        yield ctx.probe_finding(probe, f"{message}; raise timeoutSeconds", field="timeoutSeconds")
        return
    new_timeout, new_period, new_threshold = proposal
    values = {name: new for name, new, old in (("timeoutSeconds", new_timeout, timeout),
                                               ("periodSeconds", new_period, period),
                                               ("failureThreshold", new_threshold, threshold)) if new != old}
    changes = [f"{name} {value}" for name, value in values.items()]
    new_expected = expected_false_events_per_year(
        tail_probability(new_timeout, p99.seconds, p50, p999), new_period, new_threshold)
    yield ctx.probe_finding(
        probe,
        f"{message}; {_join(changes)} give{'s' if len(changes) == 1 else ''} about {format_rate(new_expected)} "
        f"(a hung pod is then marked unready within {readiness_removal_max(new_period, new_timeout, new_threshold)}s); "
        f"successThreshold 2 would also damp flapping back in, at the cost of one more period before Ready",
        field="timeoutSeconds",
        fix=ctx.probe_fix(probe, fix_title(values), values),
    )


def removal_limit(ctx: RuleContext) -> float:
    """PL207's ``max-removal`` (60 s unless configured): a proposal keeps a hung pod's removal
    within it when it can, so that the two rules do not undo each other's fixes."""
    configured = ctx.settings.options.get(pl207.RULE.code, {}).get("max-removal", pl207.DEFAULT_MAX_REMOVAL)
    try:
        return parse_duration(configured)
    except DurationError:
        return parse_duration(pl207.DEFAULT_MAX_REMOVAL)


def propose(timeout: int, period: int, threshold: int, p99: float, p50: float | None, p999: float | None,
            budget: float, max_removal: float = MAX_REMOVAL) -> tuple[int, int, int] | None:
    """``(timeoutSeconds, periodSeconds, failureThreshold)`` within the budget, or None."""
    p = tail_probability(timeout, p99, p50, p999)
    raised = failure_threshold_for_budget(p, period, budget)
    if (raised is not None and raised <= MAX_PROPOSED_THRESHOLD
            and readiness_removal_max(period, timeout, raised) <= max_removal):
        return timeout, period, max(raised, threshold)
    new_timeout = max(1, math.ceil(round(2 * p99, 9)))
    if new_timeout > timeout:
        new_period = max(period, new_timeout + 2)
        needed = failure_threshold_for_budget(tail_probability(new_timeout, p99, p50, p999), new_period, budget)
        if needed is not None:
            return new_timeout, new_period, max(threshold, needed)
    if raised is not None:
        return timeout, period, max(raised, threshold)
    return None


def _timeout_text(probe: Probe) -> str:
    return f"timeoutSeconds {format_duration(probe.timeout)}" + (" (default)" if probe.is_default("timeoutSeconds") else "")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
