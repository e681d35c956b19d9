"""
## What it does
Reports a startup probe whose effective `periodSeconds` is above 10.

## Why is this bad?
The startup probe decides when the container counts as started; liveness and readiness do not
run before that. An application that becomes healthy right after a startup probe failed is only
noticed at the next one, so every start and every restart waits a uniformly random extra
`0 … periodSeconds` (half of it on average). After startup succeeds the kubelet probes
readiness immediately, so this lag goes straight into the time until the pod is Ready: rollouts,
scale-ups and recoveries get slower for nothing. A short period with a proportionally larger
`failureThreshold` tolerates the same startup time.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger}
spec:
  template:
    spec:
      containers:
        - name: ledger
          image: example/ledger:5.0
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 30
            failureThreshold: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger}
spec:
  template:
    spec:
      containers:
        - name: ledger
          image: example/ledger:5.0
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 5
            failureThreshold: 60
```

## Options
None.

## Fix safety
Safe: `periodSeconds` becomes 5 and `failureThreshold` becomes
`⌈failureThreshold × old periodSeconds / 5⌉`, which keeps the documented startup budget
`initialDelaySeconds + failureThreshold × periodSeconds` and raises the budget guaranteed
whatever the probe phase (one period less). A `timeoutSeconds` of 5 or more is then not below
the period, which the message points out: probes of an application that answers slowly run back
to back until the timeout is lowered.

## References
- probe-semantics §5c (maximum startup time tolerated) and §6 (startup recipe)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
- kubernetes/kubernetes#118815 (readiness is probed right after startup succeeds)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.timing import startup_budget_guaranteed, startup_budget_nominal
from probelint.workloads import Container

MAX_PERIOD = 10
PROPOSED_PERIOD = 5

RULE = Rule(
    code="PL209",
    name="startup-period-coarse",
    summary="Startup probe period above 10s delays every start and restart",
    level="info",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("startup")
    if probe is None or probe.period <= MAX_PERIOD:
        return
    delay, period, threshold, timeout = probe.initial_delay, probe.period, probe.failure_threshold, probe.timeout
    new_period = PROPOSED_PERIOD
    new_threshold = math.ceil(threshold * period / new_period)
    yield ctx.probe_finding(
        probe,
        f"periodSeconds is {period}: an application that is up is only noticed at the next startup probe, "
        f"which adds 0 to {period}s ({period / 2:g}s on average) to every start and restart before liveness "
        f"and readiness begin; periodSeconds {new_period} with failureThreshold {new_threshold} "
        f"(⌈{threshold} × {period} / {new_period}⌉) keeps the startup budget: "
        f"{_budget(delay, threshold, period)} becomes {_budget(delay, new_threshold, new_period)} "
        f"(guaranteed whatever the probe phase: "
        f"{startup_budget_guaranteed(delay, period, threshold)}s becomes "
        f"{startup_budget_guaranteed(delay, new_period, new_threshold)}s)"
        + (f"; timeoutSeconds {timeout} is then not below the period, lower it if the latency allows"
           if timeout >= new_period else ""),
        field="periodSeconds",
        fixable=True,
    )


def _budget(delay: int, threshold: int, period: int) -> str:
    total = startup_budget_nominal(delay, period, threshold)
    terms = f"failureThreshold {threshold} × periodSeconds {period}"
    return f"initialDelaySeconds {delay} + {terms} = {total}s" if delay else f"{terms} = {total}s"
