"""
## What it does
Compares how long each container's preStop hook takes with the pod's
`terminationGracePeriodSeconds` (`G`, default 30) and with the probe-level grace periods of its
liveness and startup probes. The hook's duration `H` is known for the sleep action
(`lifecycle.preStop.sleep.seconds`) and for an exec hook that sleeps: `["sleep", "5"]`,
`sh -c "sleep 5; nginx -s quit"`, `sleep 5 && nginx -s quit` (sleeps in sequence add up; `5s`,
`1m`, `/bin/sleep` and `busybox sleep` are understood). The sleeps are a lower bound of the
hook's time; httpGet and tcpSocket hooks, hooks that do not sleep, and sleeps that may not run
(after `||`, inside `if` or a loop, in the background, with a variable duration) are unknown
and skipped.

* **error** when `H ≥ G`: the hook consumes the whole grace period;
* **warning** when `G − H` is less than the drain time (the longest in-flight request, the
  profile's `drain`, default 10 s): the application gets SIGTERM too late to finish its work;
* **warning** when a liveness or startup probe's own `terminationGracePeriodSeconds` is `≤ H`:
  on a kill by that probe the hook uses the probe's whole grace period.

The drain time comes from `--drain`, the config, a profile file, or the annotation
`probelint.io/drain` on the workload or its pod template.

## Why is this bad?
The grace period covers the preStop hook *and* the application's shutdown. The kubelet runs the
hook first, subtracts its time from the grace period, and sends SIGTERM only then; whatever is
left, but never less than the kubelet's 2 s minimum, is all the application gets before
SIGKILL. A hook as long as the grace period leaves the application 2 s: requests in flight are
cut off, connections are reset and work is lost on every rollout and scale-down. The Kubernetes
documentation says so: if the preStop hook needs longer than the default grace period allows,
you must modify `terminationGracePeriodSeconds`. The API server rejects a sleep action longer
than the grace period, but an exec `sleep` is not validated at all. The same subtraction
applies to the probe-level grace period on a liveness or startup kill.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          lifecycle:
            preStop:
              exec:
                command: ["sh", "-c", "sleep 30 && nginx -s quit"]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
        - name: web
          image: nginx:1.27
          lifecycle:
            preStop:
              exec:
                command: ["sh", "-c", "sleep 30 && nginx -s quit"]
```

## Options
None. The drain time is a profile figure (`--drain`, `probelint.io/drain`), 10 s by default.

## Fix safety
Safe, and offered for every finding whose hook has a finite duration `H`:

* when the hook uses up the pod's grace period or leaves less than the drain time, the fix sets
  the pod's `terminationGracePeriodSeconds` to `H + drain + 5` (replacing the written value, or
  adding the field just above `initContainers`/`containers`, or at the end of the pod spec
  when they come first);
* when a liveness or startup probe's own `terminationGracePeriodSeconds` is `≤ H`, the fix sets
  that field to `H + drain + 5`.

Both only lengthen how long the kubelet waits between the hook's end and SIGKILL, by a figure
computed from the manifest and the profile's drain time; nothing about what the application
does changes. On a probe, this delays the kill of a wedged container by about the drain time
after the hook, no more. When several containers' hooks are too long, each fix raises the
pod's grace period and the next round checks the others against the new value. No fix for a
hook that sleeps forever: no grace period fits it, the hook itself needs a duration; nor for
a pod spec or probe that a YAML anchor shares with another place.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
- https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution
- kubelet `killContainer` (`pkg/kubelet/kuberuntime/kuberuntime_container.go`): the preStop time
  is subtracted from the grace period, with a 2 s minimum
- Kubernetes API validation, `validateSleepAction` (`pkg/apis/core/validation/validation.go`)
- KEP-3960, the preStop sleep action
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.lifecycle import PreStop, format_seconds, prestop_duration
from probelint.model import Finding, Fix
from probelint.probes import Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.termination_fixes import set_pod_grace
from probelint.timing import KUBELET_MINIMUM_GRACE, shutdown_time_after_prestop
from probelint.workloads import Container, Workload

RULE = Rule(
    code="PL501",
    name="prestop-vs-grace",
    summary="A preStop hook leaves the application too little of the termination grace period",
    level="error",
    levels="error/warning",
    scope="workload",
    fix="sometimes",
)
FIX_MARGIN = 5  # seconds on top of preStop + drain in the proposed grace period


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    raw_grace = workload.pod_spec.scalar("terminationGracePeriodSeconds")
    if raw_grace is not None and not (is_int(raw_grace) and raw_grace >= 0):
        return  # a template expression or an invalid value: the grace period is unknown
    grace = workload.termination_grace
    grace_text = f"terminationGracePeriodSeconds {grace}" + ("" if raw_grace is not None else " (default)")
    drain = ctx.profile.value("drain")
    for container in workload.regular_containers:
        hook = prestop_duration(container)
        if hook is None or hook.seconds <= 0:
            continue
        obj = container.ref()
        proposed = _proposed(hook.seconds, drain.seconds)
        fix_text = (f"terminationGracePeriodSeconds {proposed} ({format_seconds(hook.seconds)} + "
                    f"{drain.describe('drain')} + {FIX_MARGIN}) leaves it the drain time")
        known = not math.isinf(hook.seconds)  # an endless sleep has no grace period that fits it
        if hook.seconds >= grace:
            rejected = (" and the API server rejects a sleep action longer than the grace period"
                        if hook.action == "sleep" and hook.seconds > grace else "")
            yield ctx.finding(
                hook.node,
                f"{hook.text}, not less than the pod's {grace_text}: the hook uses up the whole grace "
                f"period, so the application gets SIGTERM with only the kubelet's {KUBELET_MINIMUM_GRACE}s "
                f"minimum left before SIGKILL{rejected}; " + _fix_clause(hook, fix_text),
                obj=obj,
                level="error",
                fix=_pod_grace_fix(ctx, workload, container, proposed) if known else None,
            )
        elif grace - hook.seconds < drain.seconds:
            left = shutdown_time_after_prestop(grace, hook.seconds)
            yield ctx.finding(
                hook.node,
                f"{hook.text} and the pod's {grace_text} leave {format_seconds(left)}s between "
                f"SIGTERM and SIGKILL, less than {drain.describe('drain')}: requests still in "
                f"flight are cut off; {fix_text}",
                obj=obj,
                level="warning",
                fix=_pod_grace_fix(ctx, workload, container, proposed),
            )
        for kind in ("liveness", "startup"):
            probe = container.probes.get(kind)
            own = probe.grace_period if probe is not None else None
            if own is None or own <= 0 or own > hook.seconds:
                continue
            yield ctx.probe_finding(
                probe,
                f"terminationGracePeriodSeconds is {own}, not more than {hook.phrase}: when the "
                f"{kind} probe kills the container the hook uses up this grace period and the "
                f"application gets only the kubelet's {KUBELET_MINIMUM_GRACE}s minimum; "
                + _fix_clause(hook, fix_text.replace(" leaves it", " on the probe leaves it")),
                field="terminationGracePeriodSeconds",
                level="warning",
                fix=_probe_grace_fix(ctx, workload, probe, proposed) if known else None,
            )


def _pod_grace_fix(ctx: RuleContext, workload: Workload, container: Container, seconds: int) -> Fix | None:
    """Set the pod's grace period, written where the file keeps its pod-level settings."""
    builder = ctx.fix(f"Set terminationGracePeriodSeconds to {seconds}", scope=container.node)
    return set_pod_grace(builder, workload.pod_spec.node, seconds).build()


def _probe_grace_fix(ctx: RuleContext, workload: Workload, probe: Probe, seconds: int) -> Fix | None:
    return ctx.probe_fix(probe, f"Set {probe.key}.terminationGracePeriodSeconds to {seconds}",
                         {"terminationGracePeriodSeconds": seconds})


def _proposed(prestop: float, drain: float) -> int:
    """G := H + drain + 5, in whole seconds."""
    if math.isinf(prestop):
        return 0
    return math.ceil(round(prestop + drain + FIX_MARGIN, 9))


def _fix_clause(hook: PreStop, fix_text: str) -> str:
    if math.isinf(hook.seconds):
        return "a preStop hook that never returns always exhausts the grace period; give the sleep a duration"
    return fix_text
