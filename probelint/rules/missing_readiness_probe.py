"""
## What it does
Checks that a long-running workload has a `readinessProbe` on at least one of its regular
containers (`containers` and native sidecars, that is init containers with
`restartPolicy: Always`). Long-running means anything but a Job, a CronJob or a bare Pod with
`restartPolicy: Never` or `OnFailure` (such as a Helm test hook), which run to completion.
A pod whose only containers are `pause` containers (the process is added later, for example by
a service-mesh injector) has nothing to probe and is skipped.

It is a **warning** on its own and an **error** when a Service in the same namespace selects the
pod (its non-empty `spec.selector` matches the pod template's labels) and does not set
`publishNotReadyAddresses: true`. Services are matched across every file of the run, so the
Service may come before or after the workload, or from another file.

## Why is this bad?
Without a readiness probe the kubelet reports the container Ready as soon as it is running. A
Service then sends requests to the pod while the application is still booting, loading caches
or warming up, and those requests fail. A rolling update also uses readiness to decide when a
new pod is available: without it the rollout replaces old pods as fast as new containers start,
even when the new version cannot serve at all. When the pod later wedges, nothing removes it
from the Service endpoints. "Always define a Readiness Probe" is the common advice of the
Kubernetes documentation, learnk8s and kube-score.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Options
None. The namespace of objects without `metadata.namespace` is the run's `--namespace`
(default `default`).

## Fix safety
Unsafe, and only offered when a regular container already has a liveness or startup probe: the
fix adds a readiness probe that reuses that handler with a smaller `failureThreshold`, so that
the pod leaves the Service endpoints before the liveness probe restarts it. Whether that
endpoint really reflects the ability to serve traffic is an assumption; a dedicated readiness
endpoint is better when the application has one.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-readiness-probe
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-readiness-probes
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019): "always define a Readiness Probe"
- learnk8s, "Kubernetes production best practices", application development
- kube-score, `README_PROBES.md`
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container, Workload


RULE = Rule(
    code="PL101",
    name="missing-readiness-probe",
    summary="No container of a long-running workload has a readiness probe",
    level="warning",
    levels="error/warning",
    scope="services",
    fix="sometimes",
)


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running:
        return
    regular = workload.regular_containers
    if any("readiness" in c.probes for c in regular):
        return
    regular = [c for c in regular if not c.is_pause]
    if not regular:
        return
    lacking = lacking_text(regular, "readinessProbe")
    services = ctx.services.selecting(workload.namespace, workload.labels) if ctx.services else []
    gating = list(dict.fromkeys(s.name for s in services if not s.publish_not_ready))
    fixable = any(
        probe.handler is not None
        for c in regular
        for kind, probe in c.probes.items()
        if kind in ("liveness", "startup")
    )
    if gating:
        names = ", ".join(f'"{name}"' for name in gating)
        noun = "Service" if len(gating) == 1 else "Services"
        verb = "selects" if len(gating) == 1 else "select"
        message = (
            f"{lacking}, and {noun} {names} {verb} this pod: it counts as Ready as soon as its "
            f"containers run and receives traffic before the application can serve"
        )
        level = "error"
    else:
        message = (
            f"{lacking}: the pod counts as Ready as soon as its containers run, so rollouts "
            f"proceed before the application can serve and a wedged pod is never marked unready"
        )
        level = "warning"
    yield ctx.workload_finding(workload, message, at=anchor(regular), level=level, fixable=fixable)


def lacking_text(regular: list[Container], key: str) -> str:
    """``container "web" has no readinessProbe`` or ``no container has a readinessProbe ("a", "b")``."""
    if len(regular) == 1:
        c = regular[0]
        return f'{"native sidecar" if c.role == "sidecar" else "container"} "{c.name}" has no {key}'
    names = [f'{"native sidecar " if c.role == "sidecar" else ""}"{c.name}"' for c in regular]
    return f"no container has a {key} ({', '.join(names)})"


def anchor(regular: list[Container]):
    """The first application container's name; a native sidecar only if there is nothing else."""
    main = next((c for c in regular if c.role == "container"), regular[0])
    return main.anchor
