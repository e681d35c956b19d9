"""
## What it does
Compares the liveness probe's `timeoutSeconds` with the measured p99 latency of the health
endpoint and estimates how often a healthy container will be restarted by chance. The p99
comes from `--p99`, the config's `defaults.p99`, or the workload annotation
`probelint.io/p99` (on the workload or its pod template); `probelint.io/p50` and
`probelint.io/p99.9` sharpen the latency fit. Without a p99 the rule does nothing.

It reports an **error** when the timeout is not above the p99, or when the expected false
restarts exceed ten times the restart budget; a **warning** when they exceed the budget
(default 1 per pod-year). A startup probe whose timeout is not above the p99 is a warning,
because under load startup may never succeed.

## Why is this bad?
Every probe slower than `timeoutSeconds` counts as a failure, and `failureThreshold`
consecutive failures restart the container. With the default 1 s timeout and a p99 of 4 s,
about one probe in five fails; three in a row happen tens of thousands of times a year, so
healthy pods restart during every latency spike and the spike becomes an outage. The
estimate fits a log-normal tail to p50/p99 (σ = 1 when only p99 is known), takes
`p = P(latency > timeout)` and counts runs of `failureThreshold` failures:
`E = (31 536 000 / periodSeconds) · (1−p)·p^F / (1−p^F)` restarts per pod-year.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  annotations:
    probelint.io/p99: 4s
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:2.3
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            timeoutSeconds: 1
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  annotations:
    probelint.io/p99: 4s
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:2.3
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            timeoutSeconds: 8
            periodSeconds: 10
            failureThreshold: 4
```

## Options
None. The restart budget `R*` (tolerated false restarts per pod-year, default 1) is part of
the service profile: `--restart-budget`, `defaults.restart-budget` in the configuration, the
`probelint.io/restart-budget` annotation or a profile file entry.

## Fix safety
Safe when a p99 is known: `timeoutSeconds` becomes `max(1, ⌈2·p99⌉)`, `periodSeconds` at least
`timeoutSeconds + 2`, and `failureThreshold` the smallest value that meets the restart budget.
All values derive from the manifest and the measured profile.

## References
- probe-semantics §5d (false restarts of a healthy container) and §6 (generator recipe)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.timing import expected_false_events_per_year, format_rate, tail_probability
from probelint.units import format_duration
from probelint.workloads import Container

RULE = Rule(
    code="PL201",
    name="liveness-timeout-vs-latency",
    summary="Liveness timeout too close to the measured p99 latency: healthy pods get restarted",
    level="error",
    levels="error/warning",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    profile = ctx.profile
    p99 = profile.p99 if profile else None
    if p99 is None or p99.seconds <= 0:
        return
    p50 = profile.p50.seconds if profile.p50 else None
    p999 = profile.p999.seconds if profile.p999 else None
    budget_value = profile.value("restart_budget")
    budget = budget_value.seconds
    used = p99.describe("p99") + (f", {profile.p50.describe('p50')}" if profile.p50 else "")

    liveness = container.probes.get("liveness")
    if liveness is not None:
        timeout = liveness.timeout
        p = tail_probability(timeout, p99.seconds, p50, p999)
        expected = expected_false_events_per_year(p, liveness.period, liveness.failure_threshold)
        rate = (
            f"about {format_rate(expected)} false restarts per pod-year "
            f"(P(latency > {timeout}s) ≈ {p:.2g}, failureThreshold {liveness.failure_threshold}, "
            f"periodSeconds {liveness.period}; {budget_value.describe('restart_budget')})"
        )
        if timeout <= p99.seconds:
            yield ctx.probe_finding(
                liveness,
                f"{_timeout_text(liveness)} is not above {used}: {rate}",
                field="timeoutSeconds",
                level="error",
                fixable=True,
            )
        elif expected > budget:
            level = "error" if expected > 10 * budget else "warning"
            yield ctx.probe_finding(
                liveness,
                f"{_timeout_text(liveness)} leaves too little margin over {used}: {rate}",
                field="timeoutSeconds",
                level=level,
                fixable=True,
            )

    startup = container.probes.get("startup")
    if startup is not None and startup.timeout <= p99.seconds:
        yield ctx.probe_finding(
            startup,
            f"{_timeout_text(startup)} is not above {used}: under load the startup probe may never succeed",
            field="timeoutSeconds",
            level="warning",
            fixable=True,
        )


def _timeout_text(probe) -> str:
    return f"{probe.type} timeout {format_duration(probe.timeout)}" + (" (default)" if probe.is_default("timeoutSeconds") else "")
