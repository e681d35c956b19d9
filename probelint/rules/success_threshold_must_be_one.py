"""
## What it does
Checks that `successThreshold` of liveness and startup probes is 1 (after defaulting: an
absent value or `0` becomes 1).

## Why is this bad?
The API server rejects the whole object: `validateLivenessProbe` and `validateStartupProbe`
fail with "must be 1". The workload is never created or updated, so the rollout stops at
`kubectl apply`. Consecutive successes only mean something for readiness, where they delay
the return to Ready after a failure.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            successThreshold: 2
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            successThreshold: 1
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            successThreshold: 2
```

## Options
None.

## Fix safety
Always available, and safe: the written `successThreshold` is replaced by 1 (or 1 is
written over a value merged from a YAML anchor). 1 is the only value the API server accepts
on a liveness or startup probe, so the fix turns a rejected object into an accepted one and
takes away no behaviour that could ever run. If hysteresis was intended, it belongs on the
readiness probe; move it there by hand.

## References
- Kubernetes API validation, `validateLivenessProbe` / `validateStartupProbe`
  (`pkg/apis/core/validation/validation.go`)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL002",
    name="success-threshold-must-be-one",
    summary="successThreshold of a liveness or startup probe must be 1",
    level="error",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for kind in ("liveness", "startup"):
        probe = container.probes.get(kind)
        if probe is None:
            continue
        value = probe.success_threshold
        if value != 1:
            fix = ctx.probe_fix(probe, "Set successThreshold to 1", {"successThreshold": 1})
            yield ctx.probe_finding(
                probe,
                f"successThreshold is {value}; the API server rejects any value other than 1 on a {kind} probe",
                field="successThreshold",
                fix=fix,
            )
