"""
## What it does
Computes the stall tolerance of a liveness probe,
`(failureThreshold − 1) × periodSeconds + timeoutSeconds` (effective values): the longest
pause of the application (a garbage-collection pause, CPU throttling, a node hiccup) that can
never cause a restart. It reports liveness probes whose tolerance is below the minimum: the
service profile's `stall-max` when one is given (`--stall-max`, the `probelint.io/stall-max`
annotation, a profile file), otherwise the `min-stall-tolerance` option (20 s by default).

## Why is this bad?
While the application is stalled every liveness probe fails, and `failureThreshold`
consecutive failures restart the container. A stall longer than the tolerance can therefore
restart a container that would have recovered on its own, and a stall of
`failureThreshold × periodSeconds + timeoutSeconds` or more always does. The restart throws
away in-flight work and warm caches, and since stalls usually come from load, all replicas tend
to stall together and restart together. Faster hang detection and a higher stall tolerance are
the same numbers: choose `failureThreshold` so that the tolerance covers the longest stall the
service must ride out.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:7.2
          livenessProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 5
            failureThreshold: 3
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:7.2
          livenessProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 5
            failureThreshold: 5
```

## Options
- `min-stall-tolerance` (seconds or a duration such as `30s`, default `20`): the minimum stall
  tolerance when the service profile gives no `stall-max`.

## Fix safety
Safe: `failureThreshold` is set (or added) to `⌈(minimum − timeoutSeconds) / periodSeconds⌉ +
1`, the smallest value whose tolerance reaches the minimum, computed from the manifest, the
configuration and the profile only. This makes hang detection slower by the same amount; the
message gives the new worst case. The threshold depends on the period and the timeout: when
another rule of the same run is about to raise them on this probe (PL212 a short period, PL206
the timeout of an exec probe) and that changes the threshold needed, the fix waits for those
values and is computed from them, so that a threshold meant for a one-second period is never
combined with a ten-second one.

## References
- probe-semantics §5e (correlated stalls) and §5a (hang detection)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.timing import hang_detection, stall_always_fatal, stall_tolerance
from probelint.timing_fixes import pending_timing, waiting_note
from probelint.units import format_duration
from probelint.workloads import Container

DEFAULT_MIN_STALL = "20s"

RULE = Rule(
    code="PL210",
    name="liveness-stall-tolerance-low",
    summary="A short stall of the application is enough for the liveness probe to restart it",
    level="warning",
    fix="always",
    options={"min-stall-tolerance": DEFAULT_MIN_STALL},
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("liveness")
    if probe is None:
        return
    minimum, source = minimum_stall(ctx)
    period, timeout, threshold = probe.period, probe.timeout, probe.failure_threshold
    tolerance = (threshold - 1) * period + timeout
    if tolerance >= minimum:
        return
    fatal = stall_always_fatal(period, timeout, threshold)
    if timeout > period:
        # Probes that time out run back to back, every timeoutSeconds: the real window is wider.
        stretched = stall_tolerance(period, timeout, threshold)
        consequence = (f"a stall longer than {tolerance}s can restart the container (up to {stretched}s may pass "
                       f"without one while timeoutSeconds exceeds periodSeconds)")
    else:
        consequence = (f"a stall longer than {tolerance}s can restart the container and one of {fatal}s or more "
                       f"always does")
    if period <= 0:
        return  # a negative period is rejected by the API server (PL003)
    new_threshold = proposed_threshold(minimum, period, timeout, threshold)
    new_tolerance = (new_threshold - 1) * period + timeout
    detection = hang_detection(period, timeout, new_threshold)[1]
    message = (
        f"stall tolerance is {tolerance}s (({probe.describe('failureThreshold')} − 1) × "
        f"{probe.describe('periodSeconds')} + {probe.describe('timeoutSeconds')}), below {source}: "
        f"{consequence}; failureThreshold {new_threshold} rides out {new_tolerance}s "
        f"(a hang is then detected within {detection}s)"
    )
    # The threshold depends on the period and the timeout: when another rule is about to raise
    # them (PL212, PL206), it is computed again from the new values once they are written.
    later_period, later_timeout, codes = pending_timing(ctx, probe)
    if codes and proposed_threshold(minimum, later_period, later_timeout, threshold) != new_threshold:
        yield ctx.probe_finding(probe, message + waiting_note(codes, probe, later_period, later_timeout),
                                field="failureThreshold")
        return
    fix = ctx.probe_fix(probe, f"Set failureThreshold to {new_threshold}", {"failureThreshold": new_threshold})
    yield ctx.probe_finding(probe, message, field="failureThreshold", fix=fix)


def proposed_threshold(minimum: float, period: int, timeout: int, threshold: int) -> int | None:
    """The smallest failureThreshold with (F − 1) × periodSeconds + timeoutSeconds ≥ ``minimum``,
    or None when ``threshold`` already reaches it."""
    if (threshold - 1) * period + timeout >= minimum:
        return None
    return math.ceil(round((minimum - timeout) / period, 9)) + 1


def minimum_stall(ctx: RuleContext) -> tuple[float, str]:
    """The minimum tolerance and where it came from, for the message."""
    profile = ctx.profile
    stall = profile.stall_max if profile is not None else None
    if stall is not None:
        return stall.seconds, stall.describe("stall_max")
    minimum, configured = ctx.option_seconds("min-stall-tolerance")
    origin = (f"from the {RULE.code} options in the configuration" if configured
              else "(the default, as the profile gives no stall-max)")
    return minimum, f"min-stall-tolerance {format_duration(minimum)} {origin}"
