"""
## What it does
For a container with both a liveness and a readiness probe, checks that a failing container
is taken out of the Service endpoints before the liveness probe restarts it, in both failure
modes:

- **hang** (every probe times out): the earliest liveness failure,
  `(failureThresholdL − 1) × max(periodSecondsL, timeoutSecondsL) + timeoutSecondsL`, must be
  at least the latest readiness removal,
  `periodSecondsR + (failureThresholdR − 1) × max(periodSecondsR, timeoutSecondsR) + timeoutSecondsR`,
  plus the endpoint propagation time;
- **fast errors** (HTTP 500, connection refused): `(failureThresholdL − 1) × periodSecondsL`
  must be at least `failureThresholdR × periodSecondsR` plus the propagation time.

The propagation time (status to API server, EndpointSlice, kube-proxy, ingress or mesh) is the
profile's `endpoint-propagation` (`--endpoint-propagation`, annotation
`probelint.io/endpoint-propagation`), 5 s by default. Jobs and CronJobs are not checked: they
do not serve through Services.

## Why is this bad?
Probe ticks start at an arbitrary phase, so with identical timings the liveness probe can
reach its threshold a whole period before readiness does. The kubelet then restarts a
container that is still in the endpoints: requests in flight are cut and new ones keep
arriving until the endpoint change propagates. With the defaults (`periodSeconds: 10,
timeoutSeconds: 1, failureThreshold: 3` on both) a hang is detected by liveness after 21 s at
the earliest, while readiness may need 31 s plus propagation. A higher liveness
`failureThreshold` makes the pod observably not-ready for a while before it is hard killed.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.8
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.8
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 5
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

## Options
None. The propagation time is a profile figure (`endpoint-propagation`), not a rule option.

## Fix safety
Safe: the liveness `failureThreshold` becomes the smallest value that satisfies both
inequalities, derived only from the two probes and the propagation figure, as the message
shows. It only makes liveness slower; hang detection grows by one liveness period per step,
which the message shows. While another selected rule is about to change a period or timeout
of either probe (PL204, PL206, PL212), the fix waits for that change and is then recomputed.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
  (a higher liveness failureThreshold lets the pod be observed as not-ready before it is hard
  killed)
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019):
  https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- learnk8s, "Kubernetes production best practices": https://learnk8s.io/production-best-practices
- kubelet `pkg/kubelet/prober/worker.go` (probe phase, back-to-back probes while timing out)
- probe-semantics §5a and §5b (hang detection, endpoint removal, ordering invariant)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.timing import error_detection, hang_detection, readiness_removal_max
from probelint.workloads import Container

MAX_THRESHOLD = 1000  # search bound for the fix; any realistic answer is far below

RULE = Rule(
    code="PL203",
    name="liveness-more-aggressive-than-readiness",
    summary="The liveness probe can restart the container before readiness takes it out of the endpoints",
    level="warning",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or container.workload.is_job:
        return
    liveness = container.probes.get("liveness")
    readiness = container.probes.get("readiness")
    if liveness is None or readiness is None:
        return
    values = (liveness.period, liveness.timeout, liveness.failure_threshold,
              readiness.period, readiness.timeout, readiness.failure_threshold)
    if any(v <= 0 for v in values):
        return  # rejected by the API server (PL003)
    propagation = ctx.profile.value("propagation")
    delta = propagation.seconds
    prop_text = propagation.describe("propagation")

    threshold = liveness.failure_threshold
    hang_needed, error_needed = ordering_needs(readiness.period, readiness.timeout, readiness.failure_threshold,
                                               delta)
    hang_kill = _hang_kill(liveness, threshold)
    error_kill = _error_kill(liveness, threshold)
    failures = []
    if hang_kill < hang_needed:
        failures.append(
            f"on a hang the liveness probe can restart the container after {hang_kill}s "
            f"({_hang_liveness_text(liveness)}) but readiness needs up to {_seconds(hang_needed)} to take the pod "
            f"out of the endpoints ({_hang_readiness_text(readiness)} + {prop_text})"
        )
    if error_kill < error_needed:
        failures.append(
            f"on fast errors the liveness probe can restart the container after {error_kill}s "
            f"((failureThreshold {threshold} - 1) x periodSeconds {liveness.period}) but readiness needs up to "
            f"{_seconds(error_needed)} (failureThreshold {readiness.failure_threshold} x periodSeconds "
            f"{readiness.period} + {prop_text})"
        )
    if not failures:
        return
    fixed = ordering_threshold(liveness.period, liveness.timeout, readiness, delta, start=threshold + 1)
    message = "; ".join(failures) + ": requests still reach a container that is being restarted"
    fix = None
    if fixed is not None:
        message += (
            f"; liveness failureThreshold {fixed} orders both (hang {_hang_kill(liveness, fixed)}s >= "
            f"{_seconds(hang_needed)}, errors {_error_kill(liveness, fixed)}s >= {_seconds(error_needed)}), "
            f"and liveness then detects a hang after {_hang_kill(liveness, fixed)}-"
            f"{hang_detection(liveness.period, liveness.timeout, fixed)[1]}s"
        )
        waiting = pending_changes(ctx, liveness, readiness)
        if waiting:
            message += waiting_text(waiting)
        else:
            fix = ctx.probe_fix(liveness, f"Set failureThreshold to {fixed}", {"failureThreshold": fixed})
    yield ctx.probe_finding(liveness, message, field="failureThreshold", fix=fix)


def ordering_needs(period: int, timeout: int, threshold: int, propagation: float) -> tuple[float, float]:
    """What the liveness probe must wait for with this readiness timing, per failure mode: the
    latest readiness removal plus propagation on a hang, ``F_R·P_R`` plus propagation on fast
    errors (§5b)."""
    hang = readiness_removal_max(period, timeout, threshold) + propagation
    error = error_detection(period, threshold)[1] + propagation
    return hang, error


def ordered(liveness: tuple[int, int, int], readiness: tuple[int, int, int], propagation: float) -> bool:
    """Both PL203 inequalities hold for ``(period, timeout, failureThreshold)`` of each probe."""
    hang_needed, error_needed = ordering_needs(*readiness, propagation)
    period, timeout, threshold = liveness
    return hang_detection(period, timeout, threshold)[0] >= hang_needed and \
        error_detection(period, threshold)[0] >= error_needed


def ordering_threshold(period: int, timeout: int, readiness: Probe, propagation: float,
                       start: int = 1) -> int | None:
    """The smallest liveness failureThreshold (from ``start``) that lets readiness take the pod out
    of the endpoints before a liveness probe with this period and timeout restarts it, in both
    failure modes. Shared with the rules whose fixes raise the liveness threshold (PL104, PL201)
    or add a readiness probe next to a liveness probe (PL101), so that no fix undoes another."""
    timing = (readiness.period, readiness.timeout, readiness.failure_threshold)
    return next((f for f in range(max(start, 1), MAX_THRESHOLD)
                 if ordered((period, timeout, f), timing, propagation)), None)


def pending_changes(ctx: RuleContext, *probes: Probe) -> list[str]:
    """The codes of other selected rules whose fixes are about to change the period or timeout of
    these probes (PL204, PL206, PL212).

    Fixes that do not overlap are applied together in one round, so a threshold computed from a
    period that another fix raises in the same round would be paired with the new period: a
    liveness period raised from 1 to 10 together with a failureThreshold computed for 1 s
    detects a hang only after minutes. A fix that depends on these values waits for them."""
    from probelint.rules import timeout_not_less_than_period as pl204
    from probelint.timing_fixes import pending_timing, selected

    codes: list[str] = []
    for probe in probes:
        period, timeout, found = pending_timing(ctx, probe)
        if (period, timeout) != (probe.period, probe.timeout):
            codes += found
        if selected(ctx, pl204.RULE.code) and pl204.proposal(probe) is not None:
            codes.append(pl204.RULE.code)
    return list(dict.fromkeys(codes))


def waiting_text(codes: list[str]) -> str:
    """Message text for a fix that waits for ``pending_changes``."""
    verb = "changes" if len(codes) == 1 else "change"
    return (f"; {' and '.join(codes)} first {verb} a period or timeout this depends on: "
            f"fix that first, the value is then recomputed")


def _hang_kill(liveness: Probe, threshold: int) -> int:
    """The earliest liveness failure on a hang: (F−1)·max(P, T) + T."""
    return hang_detection(liveness.period, liveness.timeout, threshold)[0]


def _error_kill(liveness: Probe, threshold: int) -> int:
    """The earliest liveness failure on fast errors: (F−1)·P."""
    return error_detection(liveness.period, threshold)[0]


def _interval_text(probe: Probe) -> str:
    if probe.timeout > probe.period:
        return f"timeoutSeconds {probe.timeout} (probes run back to back)"
    return f"periodSeconds {probe.period}"


def _hang_liveness_text(liveness: Probe) -> str:
    return (f"(failureThreshold {liveness.failure_threshold} - 1) x {_interval_text(liveness)} + "
            f"timeoutSeconds {liveness.timeout}")


def _hang_readiness_text(readiness: Probe) -> str:
    return (f"periodSeconds {readiness.period} + (failureThreshold {readiness.failure_threshold} - 1) x "
            f"{_interval_text(readiness)} + timeoutSeconds {readiness.timeout}")


def _seconds(value: float) -> str:
    return f"{round(value, 3):g}s"
