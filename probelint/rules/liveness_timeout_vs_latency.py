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
Safe: every value derives from the manifest and the measured profile, and the message gives
them. For the liveness probe `timeoutSeconds` becomes `max(1, ⌈2·p99⌉)`, `periodSeconds` at
least `timeoutSeconds + 2`, and `failureThreshold` the largest of 3, the smallest value that
meets the restart budget, the value that rides out `stall-max` (30 s when the profile has none)
and, with a readiness probe, the value PL203 asks for, at most 10 (probe-semantics §6). No
value is lowered: a longer timeout, period or threshold already written is kept, so the fix
never undoes another rule's. For a startup probe `timeoutSeconds` becomes `max(1, ⌈2·p99⌉)`
and `periodSeconds` at least `timeoutSeconds + 2`, with the `failureThreshold` that keeps its
startup budget when the period grows. While another selected rule is about to
change the liveness period or timeout (PL204, PL206, PL212), the fix waits for that change.

## References
- probe-semantics §5d (false restarts of a healthy container) and §6 (generator recipe)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_more_aggressive_than_readiness import (
    ordering_threshold,
    pending_changes,
    waiting_text,
)
from probelint.timing import (
    expected_false_events_per_year,
    failure_threshold_for_budget,
    format_rate,
    tail_probability,
)
from probelint.timing_fixes import fix_title, startup_threshold
from probelint.units import format_duration
from probelint.workloads import Container

PERIOD_GAP = 2  # P >= T + 2: probes keep a gap even when each one lasts its whole timeout
MIN_THRESHOLD = 3
MAX_THRESHOLD = 10  # more than this means the endpoint is a poor liveness signal (§6)
DEFAULT_STALL = 30.0  # B, the stall to ride out when the profile gives no stall-max (§6)

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
    # A negative field is rejected by the API server (PL003) and has no rate to estimate.
    if liveness is not None and min(liveness.timeout, liveness.period, liveness.failure_threshold) > 0:
        timeout = liveness.timeout
        p = tail_probability(timeout, p99.seconds, p50, p999)
        expected = expected_false_events_per_year(p, liveness.period, liveness.failure_threshold)
        rate = (
            f"about {format_rate(expected)} false restarts per pod-year "
            f"(P(latency > {timeout}s) ≈ {p:.2g}, failureThreshold {liveness.failure_threshold}, "
            f"periodSeconds {liveness.period}; {budget_value.describe('restart_budget')})"
        )
        if timeout <= p99.seconds:
            text, level = f"{_timeout_text(liveness)} is not above {used}: {rate}", "error"
        elif expected > budget:
            text = f"{_timeout_text(liveness)} leaves too little margin over {used}: {rate}"
            level = "error" if expected > 10 * budget else "warning"
        else:
            text = None
        if text is not None:
            proposal, fix = _liveness_proposal(ctx, container, liveness)
            yield ctx.probe_finding(liveness, text + proposal, field="timeoutSeconds", level=level, fix=fix)

    startup = container.probes.get("startup")
    if startup is not None and 0 < startup.timeout <= p99.seconds and min(startup.period, startup.failure_threshold) > 0:
        new_timeout = max(startup.timeout, proposed_timeout(p99.seconds))
        values = {"timeoutSeconds": new_timeout}
        parts = [f"timeoutSeconds {new_timeout} (2 x p99)"]
        if startup.period < new_timeout + PERIOD_GAP:
            values["periodSeconds"] = new_timeout + PERIOD_GAP
            parts.append(f"periodSeconds {new_timeout + PERIOD_GAP} (timeoutSeconds + {PERIOD_GAP})")
            threshold = startup_threshold(startup.period, startup.failure_threshold, values["periodSeconds"])
            if threshold != startup.failure_threshold:
                values["failureThreshold"] = threshold
                parts.append(f"failureThreshold {threshold} (the same startup budget)")
        yield ctx.probe_finding(
            startup,
            f"{_timeout_text(startup)} is not above {used}: under load the startup probe may never succeed; "
            f"set {_and(parts)}",
            field="timeoutSeconds",
            level="warning",
            fix=ctx.probe_fix(startup, fix_title(values), values),
        )


def proposed_timeout(p99: float) -> int:
    """T := max(1, ⌈2·p99⌉) (§6)."""
    return max(1, math.ceil(round(2 * p99, 9)))


def _liveness_proposal(ctx: RuleContext, container: Container, liveness: Probe) -> tuple[str, Fix | None]:
    """The §6 liveness timing as message text and fix: ``T := max(1, ⌈2·p99⌉)``,
    ``P := max(P, T + 2)``, then ``F := clamp(max(3, F_rate, F_stall, F_order), ≤ 10)``.

    Nothing is lowered: a longer timeout, period or threshold already written stays, so this fix
    never undoes what another rule raised (PL203, PL205, PL210)."""
    profile = ctx.profile
    timeout = max(liveness.timeout, proposed_timeout(profile.p99.seconds))
    period = max(liveness.period, timeout + PERIOD_GAP)
    p = profile.tail(timeout)
    budget = profile.value("restart_budget")
    stall = profile.stall_max if profile.stall_max is not None and profile.stall_max.seconds > 0 else None
    stall_seconds = stall.seconds if stall is not None else DEFAULT_STALL
    needs = [(MIN_THRESHOLD, f"{MIN_THRESHOLD} at least")]
    f_rate = failure_threshold_for_budget(p, period, budget.seconds)
    notes = []
    if f_rate is None or f_rate > MAX_THRESHOLD:
        notes.append(f"no failureThreshold up to {MAX_THRESHOLD} meets {budget.describe('restart_budget')}, "
                     f"so this endpoint is a poor liveness signal")
    else:
        needs.append((f_rate, f"{f_rate} for {budget.text('restart_budget')}"))
    f_stall = max(1, math.ceil(round((stall_seconds - timeout) / period, 9)) + 1)
    stall_text = stall.text("stall_max") if stall is not None else f"stall-max {DEFAULT_STALL:g}s (default)"
    needs.append((f_stall, f"{f_stall} to ride out {stall_text}"))
    readiness = container.probes.get("readiness")
    if readiness is not None and not container.workload.is_job and \
            min(readiness.period, readiness.timeout, readiness.failure_threshold) > 0:
        f_order = ordering_threshold(period, timeout, readiness, profile.value("propagation").seconds)
        if f_order is not None:
            needs.append((f_order, f"{f_order} to restart only after readiness removed the pod (PL203)"))
    wanted = max(n for n, _ in needs)
    threshold = max(min(MAX_THRESHOLD, wanted), liveness.failure_threshold)
    parts: list[str] = []
    if timeout != liveness.timeout:
        parts.append(f"timeoutSeconds {timeout} (2 x p99)")
    if period != liveness.period:
        parts.append(f"periodSeconds {period} (timeoutSeconds + {PERIOD_GAP})")
    if threshold != liveness.failure_threshold:
        reasons = [text for _, text in needs]
        capped = f", at most {MAX_THRESHOLD}" if wanted > MAX_THRESHOLD else ""
        parts.append(f"failureThreshold {threshold} (the largest of: {', '.join(reasons)}{capped})")
    values = {name: value for name, value, current in (
        ("timeoutSeconds", timeout, liveness.timeout),
        ("periodSeconds", period, liveness.period),
        ("failureThreshold", threshold, liveness.failure_threshold)) if value != current}
    if not values:
        return "; " + "; ".join(notes) if notes else "", None
    expected = expected_false_events_per_year(p, period, threshold)
    text = f"; set {_and(parts)}: about {format_rate(expected)} false restarts per pod-year"
    if notes:
        text += "; " + "; ".join(notes)
    waiting = pending_changes(ctx, liveness, *([readiness] if readiness is not None else []))
    if waiting:
        return text + waiting_text(waiting), None
    return text, ctx.probe_fix(liveness, fix_title(values), values)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _timeout_text(probe) -> str:
    return f"{probe.type} timeout {format_duration(probe.timeout)}" + (" (default)" if probe.is_default("timeoutSeconds") else "")
