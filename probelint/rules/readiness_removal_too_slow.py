"""
## What it does
Computes the longest time a hung container keeps its pod in the Service endpoints before the
readiness probe marks it unready,
`R_max = periodSeconds + (failureThreshold − 1) × max(periodSeconds, timeoutSeconds) + timeoutSeconds`
(effective values), and reports readiness probes where it exceeds `max-removal` (60 s by
default). Job and CronJob pods are skipped: no Service routes to them through readiness.

## Why is this bad?
While the application hangs, every readiness probe waits its full `timeoutSeconds`; the pod is
only marked unready after `failureThreshold` consecutive timeouts, and the first of them can
start up to one `periodSeconds` after the hang began. During all of that time, plus the
endpoint propagation to kube-proxy, ingresses and meshes, the Service keeps sending requests
to a pod that cannot answer them. The defaults (10 s period, 1 s timeout, 3 failures) already
mean up to 31 s. A probe such as `periodSeconds: 30, failureThreshold: 5` keeps a dead pod in
rotation for up to two and a half minutes.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
        - name: orders
          image: example/orders:1.4
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 30
            failureThreshold: 5
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
        - name: orders
          image: example/orders:1.4
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 10
            failureThreshold: 5
```

## Options
- `max-removal` (seconds or a duration such as `45s`, default `60`): the longest tolerated
  time from a hang to the pod being marked unready, before endpoint propagation.

## Fix safety
Sometimes available. The fix sets `periodSeconds` and/or `failureThreshold` (adding a key that
is not written) to the values the message proposes. Without a p99 latency, the proposal keeps
`failureThreshold` as high as possible (each failure dropped makes false unready events much
more likely, see PL211) and then `periodSeconds` as high as possible, never above the current
values, never below 5 s (or the current value if smaller). With a p99 latency (`--p99`,
`probelint.io/p99`), the proposal must also keep the false unready events per pod-year within
the unready budget: `periodSeconds` is kept as high as possible and `failureThreshold` may
rise up to 10 when the budget needs it; the message gives the resulting rate.

The period always stays above `timeoutSeconds`: at or below it, probes that time out run back
to back and PL204 would raise the period again. So nothing is offered when the timeout is not
below the period (fix PL204 first), when the timeout alone makes the limit unreachable, or when
no values meet the unready budget (the timeout is then too close to the latency, PL211).

With a p99 latency the fix is safe: the proposal is checked against the unready budget.
Without one it is unsafe (`--unsafe-fixes`): fewer failures in a row or more frequent probes
make false unready events more likely, by an amount nothing in the manifest can tell.

## References
- probe-semantics §5b (failing pod removed from endpoints, via readiness)
- kube-score, `README_PROBES.md`: the defaults already take "~30s (+ the time it takes for the
  network to react)"
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.timing import (
    expected_false_events_per_year,
    format_rate,
    readiness_removal_max,
    tail_probability,
)
from probelint.timing_fixes import fix_title
from probelint.workloads import Container

DEFAULT_MAX_REMOVAL = "60s"
MIN_PROPOSED_PERIOD = 5  # the §6 recipe's smallest readiness period; also PL212's exec minimum
MIN_PROPOSED_THRESHOLD = 2  # one slow answer must not take the pod out of rotation
MAX_PROPOSED_THRESHOLD = 10

RULE = Rule(
    code="PL207",
    name="readiness-removal-too-slow",
    summary="A hung pod stays in the Service endpoints too long before readiness marks it unready",
    level="info",
    fix="sometimes",
    options={"max-removal": DEFAULT_MAX_REMOVAL},
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or container.workload.is_job:
        return
    probe = container.probes.get("readiness")
    if probe is None:
        return
    limit, _configured = ctx.option_seconds("max-removal")
    period, timeout, threshold = probe.period, probe.timeout, probe.failure_threshold
    removal = readiness_removal_max(period, timeout, threshold)
    if removal <= limit:
        return
    message = (
        f"a hung container keeps receiving traffic for up to {removal}s before the pod is marked unready "
        f"({removal_terms(probe)}), more than max-removal {limit:g}s, and endpoint "
        f"propagation comes on top"
    )
    profile = ctx.profile
    p99 = profile.p99 if profile is not None else None
    p = None
    if p99 is not None and p99.seconds > 0:
        p = tail_probability(timeout, p99.seconds, profile.p50.seconds if profile.p50 else None,
                             profile.p999.seconds if profile.p999 else None)
        budget = profile.value("unready_budget")
        proposal = (propose_within_budget(period, timeout, threshold, limit, p, budget.seconds)
                    or propose(period, timeout, threshold, limit))
    else:
        proposal = propose(period, timeout, threshold, limit)
    if proposal is None:
        if period <= timeout:
            reason = (f"timeoutSeconds {timeout} is not below {probe.describe('periodSeconds')}, so probes that time out run "
                      f"back to back: lower the timeout or raise the period first (PL204)")
        else:
            reason = (f"no periodSeconds or failureThreshold brings it under the limit while timeoutSeconds is "
                      f"{timeout}")
        yield ctx.probe_finding(probe, f"{message}; {reason}", field="timeoutSeconds")
        return
    new_period, new_threshold = proposal
    values = {}
    if new_period != period:
        values["periodSeconds"] = new_period
    if new_threshold != threshold:
        values["failureThreshold"] = new_threshold
    changes = [f"{name} {value}" for name, value in values.items()]
    suggestion = f"{' and '.join(changes)} give{'s' if len(changes) == 1 else ''} " \
                 f"{readiness_removal_max(new_period, timeout, new_threshold)}s"
    fix = None
    if p is not None:
        expected = expected_false_events_per_year(p, new_period, new_threshold)
        flaps = (f"about {format_rate(expected)} false unready events per pod-year with "
                 f"{p99.describe('p99')}, against {budget.describe('unready_budget')}")
        if expected > budget.seconds:
            suggestion += f", but that means {flaps}: the timeout is too close to the latency (PL211)"
        else:
            suggestion += f" ({flaps})"
            fix = ctx.probe_fix(probe, fix_title(values), values)
    else:
        # Without a latency figure the proposal cannot be checked against the unready budget.
        fix = ctx.probe_fix(probe, fix_title(values), values, unsafe=True)
    # A position that does not move with the profile, so that suppressions keep working.
    field = "periodSeconds" if probe.map.key_node("periodSeconds") is not None else "failureThreshold"
    yield ctx.probe_finding(probe, f"{message}; {suggestion}", field=field, fix=fix)


def removal_terms(probe: Probe) -> str:
    """``periodSeconds 10 (default) + (failureThreshold 6 − 1) × 10 + timeoutSeconds 1 (default)``."""
    period, timeout = probe.period, probe.timeout
    interval = (f"{period}" if period >= timeout
                else f"timeoutSeconds {timeout}, since probes that time out run back to back")
    return (f"{probe.describe('periodSeconds')} + ({probe.describe('failureThreshold')} − 1) × {interval} + "
            f"{probe.describe('timeoutSeconds')}")


# Probe values above an hour (or thresholds above this) get no proposal: nothing is searched.
MAX_SEARCH = 3600


def propose(period: int, timeout: int, threshold: int, limit: float) -> tuple[int, int] | None:
    """``(periodSeconds, failureThreshold)`` no higher than now with R_max ≤ limit, or None.

    The failure threshold is kept as high as possible, then the period. The period stays above
    the timeout: a period at or below it makes probes that time out run back to back, which
    PL204 reports and fixes by raising the period again, so the two fixes would undo each
    other. A probe whose timeout is not below its period gets no proposal for that reason.
    """
    if period > MAX_SEARCH or threshold > MAX_SEARCH or period <= timeout:
        return None  # no realistic proposal, and searching would take forever; or PL204's
    lowest_threshold = min(threshold, MIN_PROPOSED_THRESHOLD)
    floor = max(min(period, MIN_PROPOSED_PERIOD), timeout + 1)
    for f in range(threshold, lowest_threshold - 1, -1):
        if readiness_removal_max(floor, timeout, f) <= limit:
            best = max(p for p in range(floor, period + 1) if readiness_removal_max(p, timeout, f) <= limit)
            return best, f
    return None


def propose_within_budget(period: int, timeout: int, threshold: int, limit: float,
                          p: float, budget: float) -> tuple[int, int] | None:
    """Like ``propose``, but the false unready events per year (probe failure probability ``p``)
    must also stay within ``budget``.

    The period is kept as high as possible (probe load); for each period the highest threshold
    not above the current one is tried first, then higher ones up to 10 if the budget needs them.
    """
    if period > MAX_SEARCH or threshold > MAX_SEARCH or period <= timeout:
        return None
    lowest_threshold = min(threshold, MIN_PROPOSED_THRESHOLD)
    floor = max(min(period, MIN_PROPOSED_PERIOD), timeout + 1)
    for q in range(period, floor - 1, -1):
        fits = [f for f in range(lowest_threshold, max(threshold, MAX_PROPOSED_THRESHOLD) + 1)
                if readiness_removal_max(q, timeout, f) <= limit]
        lower = [f for f in fits if f <= threshold]
        higher = [f for f in fits if f > threshold]
        for f in ([max(lower)] if lower else []) + higher:
            if expected_false_events_per_year(p, q, f) <= budget:
                return q, f
    return None
