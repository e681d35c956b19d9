"""
## What it does
Checks that an init container carries no liveness, readiness or startup probe unless it is
a native sidecar (`restartPolicy: Always`).

## Why is this bad?
The API server rejects the object: for init containers without `restartPolicy: Always`,
`validateInitContainers` fails with "may not be set for init containers without
restartPolicy=Always". A plain init container runs to completion before the app starts, so
there is nothing to probe. Probes on an init container usually mean one of two things: a
block copied from the main container, or a sidecar (a proxy, a log shipper) that should
keep running next to the app, which is what `restartPolicy: Always` declares (native
sidecars, on by default since Kubernetes 1.29).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: example/migrate:1.4
          readinessProbe:
            exec: {command: [cat, /tmp/done]}
      containers:
        - name: web
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: example/migrate:1.4
        - name: proxy
          image: example/proxy:2.0
          restartPolicy: Always
          readinessProbe:
            tcpSocket: {port: 15000}
      containers:
        - name: web
          image: nginx:1.27
```

## Options
None.

## Fix safety
Unsafe: the fix deletes the probes, which is right for a run-to-completion init container.
If the container is meant to keep running next to the app, add `restartPolicy: Always`
instead (Kubernetes 1.29 or newer, or 1.28 with the `SidecarContainers` feature gate); that
changes how the pod starts and cannot be decided from the manifest.

## References
- Kubernetes API validation, `validateInitContainers` (`pkg/apis/core/validation/validation.go`)
- https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#differences-from-regular-containers
- https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL005",
    name="probe-on-init-container",
    summary="An init container may only carry probes when it is a native sidecar (restartPolicy: Always)",
    level="error",
    scope="container",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if container.role != "init":
        return
    policy = container.map.scalar("restartPolicy")
    written = f"restartPolicy {policy}" if policy is not None else "no restartPolicy"
    for probe in container.probes.values():
        yield ctx.probe_finding(
            probe,
            f"probe on an init container with {written}; the API server rejects probes on init containers "
            "unless restartPolicy is Always (a native sidecar)",
            fixable=True,
        )
