"""
## What it does
Checks that a readiness probe does not set `terminationGracePeriodSeconds`.

## Why is this bad?
The API server rejects the object: `validateReadinessProbe` fails with "must not be set for
readinessProbes". The probe-level grace period only applies when the kubelet kills a
container because its liveness or startup probe failed; a readiness failure never kills
anything, so the field has no meaning there. It usually arrives by copying a liveness block
into the readiness probe.

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
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            terminationGracePeriodSeconds: 10
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
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            terminationGracePeriodSeconds: 10
```

## Options
None.

## Fix safety
Always available, and safe: the key is deleted from the readiness probe (when it is merged
from a YAML anchor that another probe also uses, `<<: *liveness`, it is overridden with
`null` instead, which the API server reads as unset). The API server accepts no value for it
there, so the fix turns a rejected object into an accepted one and removes nothing that ever
took effect. If the value was meant for the liveness or startup probe, add it there by hand.

## References
- Kubernetes API validation, `validateReadinessProbe` (`pkg/apis/core/validation/validation.go`)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#probe-level-terminationgraceperiodseconds
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import ScalarNode

from probelint.edits import own_pair
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import scalar

RULE = Rule(
    code="PL004",
    name="readiness-probe-grace-period",
    summary="A readiness probe must not set terminationGracePeriodSeconds",
    level="error",
    scope="container",
    fix="always",
)

FIELD = "terminationGracePeriodSeconds"


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    probe = container.probes.get("readiness")
    if probe is None:
        return
    node = probe.map.get(FIELD)
    if node is None or (isinstance(node, ScalarNode) and scalar(node) is None):
        return  # absent, or null (which the API server drops)
    value = scalar(node) if isinstance(node, ScalarNode) else None
    shown = f"is {value}" if value is not None else "is set"
    fix = _remove(ctx, probe)
    yield ctx.probe_finding(
        probe,
        f"{FIELD} {shown}; the API server rejects it on a readiness probe, which never kills the container",
        field=FIELD,
        fix=fix,
    )


def _remove(ctx: RuleContext, probe: Probe) -> Fix | None:
    """Delete the key; when it only comes from a merged anchor (``<<: *liveness``), which the
    other probe still needs, override it with null, which the API server reads as unset."""
    builder = ctx.fix(f"Remove {FIELD} from the readiness probe", scope=probe.container.node)
    if own_pair(probe.node, FIELD) is not None:
        builder.delete(probe.node, FIELD)
    else:
        builder.set(probe.node, FIELD, None)
    return builder.build()
