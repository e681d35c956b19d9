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
`⌈failureThreshold × old periodSeconds / new periodSeconds⌉` (added when it was not written),
which keeps the documented startup budget `initialDelaySeconds + failureThreshold ×
periodSeconds` and raises the budget guaranteed whatever the probe phase (one period less).
Everything comes from the manifest. The new period stays above `timeoutSeconds`, as PL204 asks:
with a timeout of 4 s or more it is `timeoutSeconds + 2` (at most 10), the period the startup
recipe uses. With a timeout of 10 s or more no period of 10 s or less is above it, so no fix is
offered and the message asks to lower the timeout first. When PL206 is about to raise the
timeout of an exec startup probe in the same run and that changes the period, the fix waits
for the new timeout and is computed from it.

## References
- probe-semantics §5c (maximum startup time tolerated) and §6 (startup recipe)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
- kubernetes/kubernetes#118815 (readiness is probed right after startup succeeds)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.rules.timeout_not_less_than_period import fixed_period
from probelint.timing import startup_budget_guaranteed, startup_budget_nominal
from probelint.timing_fixes import (
    fix_title,
    pending_timing,
    startup_threshold,
    waiting_note,
)
from probelint.workloads import Container

MAX_PERIOD = 10
PROPOSED_PERIOD = 5

RULE = Rule(
    code="PL209",
    name="startup-period-coarse",
    summary="Startup probe period above 10s delays every start and restart",
    level="info",
    fix="sometimes",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("startup")
    if probe is None or probe.period <= MAX_PERIOD:
        return
    delay, period, threshold, timeout = probe.initial_delay, probe.period, probe.failure_threshold, probe.timeout
    message = (f"periodSeconds is {period}: an application that is up is only noticed at the next startup probe, "
               f"which adds 0 to {period}s ({period / 2:g}s on average) to every start and restart before liveness "
               f"and readiness begin")
    new_period = proposed_period(timeout)
    if new_period is None:
        yield ctx.probe_finding(
            probe,
            f"{message}; with timeoutSeconds {timeout} no period of {MAX_PERIOD}s or less stays above the timeout "
            f"(PL204): lower the timeout if the latency allows, then the period",
            field="periodSeconds",
        )
        return
    new_threshold = startup_threshold(period, threshold, new_period)
    message += (
        f"; periodSeconds {new_period} with failureThreshold {new_threshold} "
        f"(⌈{threshold} × {period} / {new_period}⌉) keeps the startup budget: "
        f"{_budget(delay, threshold, period)} becomes {_budget(delay, new_threshold, new_period)} "
        f"(guaranteed whatever the probe phase: "
        f"{startup_budget_guaranteed(delay, period, threshold)}s becomes "
        f"{startup_budget_guaranteed(delay, new_period, new_threshold)}s)"
    )
    if new_period != PROPOSED_PERIOD:
        message += f"; the period stays above timeoutSeconds {timeout} (PL204)"
    # The period depends on the timeout: when PL206 is about to raise it, wait for the new value.
    _, later_timeout, codes = pending_timing(ctx, probe)
    if codes and later_timeout != timeout and proposed_period(later_timeout) != new_period:
        yield ctx.probe_finding(probe, message + waiting_note(codes, probe, period, later_timeout),
                                field="periodSeconds")
        return
    values = {"periodSeconds": new_period}
    if new_threshold != threshold:
        values["failureThreshold"] = new_threshold
    yield ctx.probe_finding(probe, message, field="periodSeconds", fix=ctx.probe_fix(probe, fix_title(values), values))


def proposed_period(timeout: int) -> int | None:
    """5 s, or the period PL204 asks for when the timeout is not below that (§6: ``T + 2``), up
    to 10 s; None when no period of 10 s or less is above the timeout."""
    if timeout >= MAX_PERIOD:
        return None
    return min(MAX_PERIOD, max(PROPOSED_PERIOD, fixed_period(timeout)))


def _budget(delay: int, threshold: int, period: int) -> str:
    total = startup_budget_nominal(delay, period, threshold)
    terms = f"failureThreshold {threshold} × periodSeconds {period}"
    return f"initialDelaySeconds {delay} + {terms} = {total}s" if delay else f"{terms} = {total}s"
