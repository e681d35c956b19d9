"""
## What it does
Reports a Service with `publishNotReadyAddresses: true` that selects a long-running pod with a
`readinessProbe` on one of its regular containers (`containers` and native sidecars). A Service
selects the pod when it is in the same namespace and its non-empty `spec.selector` matches the
pod template's labels; it may come from any file of the run. Each Service is reported once per
workload: at its `publishNotReadyAddresses` key when it is in the workload's file, otherwise at
the first readiness probe, with the Service's file and line in the message.

Services that only expose metrics or profiling (every port named like `metrics`,
`http-metrics`, `prometheus`, or a Service named `*-metrics`) are not reported: scraping pods
that are not ready is what a monitoring Service wants. Jobs, CronJobs and bare Pods that run to
completion are skipped.

## Why is this bad?
With `publishNotReadyAddresses: true` the Service lists every pod it selects, ready or not,
including pods that are still starting and pods that are terminating. The readiness probe then
does not gate that Service at all: clients that reach the pods through it (its DNS name, its
cluster IP) are sent to pods that fail their readiness probe. The setting exists for peer
discovery, typically the headless Service of a StatefulSet whose members must find each other
before any of them is ready. This is advice (info): it is correct on such a Service, as long as
clients use another Service.

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
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  publishNotReadyAddresses: true
  ports:
    - {port: 80, targetPort: http}
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
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Options
None. The namespace of objects without `metadata.namespace` is the run's `--namespace`
(default `default`).

## Fix safety
No fix: whether the Service is meant for peer discovery cannot be known from the manifests.
Keep `publishNotReadyAddresses` on a discovery-only (headless) Service and give clients a
separate Service without it.

## References
- https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec
  (`publishNotReadyAddresses`)
- https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.services import monitoring_only, unique_services
from probelint.workloads import Workload

RULE = Rule(
    code="PL404",
    name="publish-not-ready-bypass",
    summary="A Service with publishNotReadyAddresses sends traffic past the pod's readiness probe",
    level="info",
    scope="services",
    fix="never",
)
KEY = "publishNotReadyAddresses"
_KEY = re.compile(rf"(?<![\w-]){KEY}\s*:")


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running or ctx.services is None:
        return
    probed = [c for c in workload.regular_containers if "readiness" in c.probes]
    if not probed:
        return
    services = [s for s in unique_services(ctx.services.selecting(workload.namespace, workload.labels), workload)
                if s.publish_not_ready and not monitoring_only(s)]
    for service in services:
        names = ", ".join(f'"{c.name}"' for c in probed)
        noun = "container" if len(probed) == 1 else "containers"
        message = (
            f'Service "{service.name}"{service.elsewhere(workload.path)} sets {KEY}: true and selects this pod, so the '
            f"readinessProbe of {noun} {names} does not gate it: the Service lists the pod while it is starting, "
            f"failing readiness or terminating; keep {KEY} for peer discovery and give clients a Service without it"
        )
        yield ctx.service_finding(service, service.publish_node or service.anchor, message,
                                  fallback=probed[0].probes["readiness"].key_node)
