"""
## What it does
Reports a liveness probe whose `failureThreshold` is 1 (an absent value or `0` means 3), on
regular containers and native sidecars.

## Why is this bad?
With `failureThreshold: 1` a single slow or failed probe restarts the container. Probe
failures of healthy containers are not rare: a GC pause, CPU throttling, a burst of traffic or
node pressure makes one probe miss its timeout now and then. The kubelet probes every
`periodSeconds`, so over a year a pod sends millions of probes; if one in 10 000 fails by
chance, `periodSeconds: 10` means about 315 false restarts per pod-year, each one dropping the
requests in flight and paying the full startup time again. Requiring three consecutive
failures turns an independent one-in-10 000 blip into a one-in-10¹² event. The Kubernetes
documentation's own example pairs `failureThreshold: 1` with a startupProbe; the startup
probe protects startup, not the steady state.

When the health endpoint's p99 latency is known (`--p99`, annotation `probelint.io/p99`, with
`probelint.io/p50` or `probelint.io/p99.9` to sharpen the fit), the message estimates the
false restarts per pod-year at `failureThreshold: 1` from a log-normal fit of the latency
tail, and proposes the smallest threshold that keeps them within the restart budget
(`restart-budget`, default 1 per pod-year).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          image: example/cart:5.2
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 1
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          image: example/cart:5.2
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 3
```

## Options
None. The latency figures, `stall-max` and `restart-budget` come from the service profile.

## Fix safety
Safe: `failureThreshold` becomes 3, or more when the service profile asks for it: with a p99,
at least the smallest threshold whose expected false restarts stay within the restart budget;
with `stall-max`, at least the smallest threshold whose stall tolerance
`(failureThreshold − 1) × max(periodSeconds, timeoutSeconds) + timeoutSeconds` covers it. The
value is capped at 10; when more would be needed the message says so, because then the
timeout (PL201) or the endpoint is the problem, not the threshold. A higher threshold delays
the detection of a real hang by one period per step. With a profile the threshold depends on
the period and the timeout: when another rule of the same run is about to raise them on this
probe (PL212 a short period, PL206 the timeout of an exec probe) and that changes the
threshold, the fix waits for those values and is computed from them.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019):
  https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- probe-semantics §5d (false restarts of a healthy container) and §6 (generator recipe)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.profile import Profile
from probelint.rule import Rule, RuleContext
from probelint.timing import (
    expected_false_events_per_year,
    failure_threshold_for_budget,
    format_rate,
    stall_tolerance,
)
from probelint.timing_fixes import pending_timing, waiting_note
from probelint.workloads import Container

DEFAULT_THRESHOLD = 3
MAX_THRESHOLD = 10  # §6: more than this means the endpoint is a poor liveness signal
ILLUSTRATIVE_P = 1e-4

RULE = Rule(
    code="PL205",
    name="liveness-failure-threshold-one",
    summary="Liveness failureThreshold is 1: a single slow probe restarts the container",
    level="warning",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    liveness = container.probes.get("liveness")
    if liveness is None or liveness.failure_threshold != 1 or liveness.period <= 0 or liveness.timeout <= 0:
        return
    period, timeout = liveness.period, liveness.timeout
    profile = ctx.profile
    p99, stall = _p99(profile), _stall(profile)
    message = (f"failureThreshold is 1: a single probe that fails or takes longer than "
               f"{liveness.describe('timeoutSeconds')} restarts the container")
    fixed, too_many = proposed_threshold(profile, period, timeout), []
    if p99 is not None:
        rate_threshold, text = _rate_part(profile, liveness)
        message += text
        if rate_threshold is None or rate_threshold > MAX_THRESHOLD:
            too_many.append(f"no failureThreshold up to {MAX_THRESHOLD} meets the restart budget: timeoutSeconds "
                            f"{timeout} is too close to the p99 for a liveness signal, raise it first (PL201)")
    else:
        rate = expected_false_events_per_year(ILLUSTRATIVE_P, period, 1)
        message += (f" (with periodSeconds {period}, one probe in 10,000 failing by chance means about "
                    f"{format_rate(rate)} restarts per pod-year)")
    rides_out = None
    if stall is not None:
        if _stall_threshold(stall.seconds, period, timeout) > MAX_THRESHOLD:
            too_many.append(f"no failureThreshold up to {MAX_THRESHOLD} rides out {stall.describe('stall_max')}")
        else:
            rides_out = f"rides out {stall.describe('stall_max')}"
    outcomes = []
    if p99 is not None:
        expected = expected_false_events_per_year(profile.tail(timeout), period, fixed)
        outcomes.append(f"gives about {format_rate(expected)} false restarts per pod-year")
    if rides_out:
        outcomes.append(rides_out)
    message += f"; set failureThreshold {fixed}"
    if outcomes:
        message += ", which " + " and ".join(outcomes)
    for reason in too_many:
        message += f"; {reason}"
    # With a profile the threshold depends on the period and the timeout: when another rule is
    # about to raise them (PL212, PL206), it is computed again from the new values.
    later_period, later_timeout, codes = pending_timing(ctx, liveness)
    if codes and proposed_threshold(profile, later_period, later_timeout) != fixed:
        message += waiting_note(codes, liveness, later_period, later_timeout)
        yield ctx.probe_finding(liveness, message, field="failureThreshold")
        return
    fix = ctx.probe_fix(liveness, f"Set failureThreshold to {fixed}", {"failureThreshold": fixed})
    yield ctx.probe_finding(liveness, message, field="failureThreshold", fix=fix)


def proposed_threshold(profile: Profile | None, period: int, timeout: int) -> int:
    """3, or more when the profile's restart budget or stall-max needs it; 10 when even that
    is not enough (the message then says why)."""
    fixed, capped = DEFAULT_THRESHOLD, False
    if _p99(profile) is not None:
        rate_threshold = failure_threshold_for_budget(profile.tail(timeout), period,
                                                      profile.value("restart_budget").seconds)
        if rate_threshold is None or rate_threshold > MAX_THRESHOLD:
            capped = True
        else:
            fixed = max(fixed, rate_threshold)
    stall = _stall(profile)
    if stall is not None:
        if _stall_threshold(stall.seconds, period, timeout) > MAX_THRESHOLD:
            capped = True
        else:
            fixed = max(fixed, _stall_threshold(stall.seconds, period, timeout))
    return MAX_THRESHOLD if capped else fixed


def _p99(profile: Profile | None):
    p99 = profile.p99 if profile else None
    return p99 if p99 is not None and p99.seconds > 0 else None


def _stall(profile: Profile | None):
    stall = profile.stall_max if profile else None
    return stall if stall is not None and stall.seconds > 0 else None


def _rate_part(profile: Profile, liveness: Probe) -> tuple[int | None, str]:
    """The smallest F within the restart budget, and the text showing the current estimate."""
    p = profile.tail(liveness.timeout)
    budget = profile.value("restart_budget")
    now = expected_false_events_per_year(p, liveness.period, 1)
    used = profile.latency_text()
    one_in = f"about 1 probe in {format_rate(1 / p)}" if p > 0 else "almost no probe"
    text = (f"; with {used}, {one_in} is that slow (P ≈ {p:.2g}), about {format_rate(now)} false restarts per "
            f"pod-year against {budget.describe('restart_budget')}")
    return failure_threshold_for_budget(p, liveness.period, budget.seconds), text


def _stall_threshold(stall: float, period: int, timeout: int) -> int:
    """The smallest F whose stall tolerance (F−1)·max(P, T) + T covers ``stall`` (§5e)."""
    threshold = 1
    while stall_tolerance(period, timeout, threshold) < stall and threshold < 1000:
        threshold += 1
    return threshold
