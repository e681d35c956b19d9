"""
## What it does
Reports a long-running pod that a Service routes traffic to when none of its regular containers
(`containers` and native sidecars) has a preStop hook. A Service selects the pod when it is in
the same namespace, its non-empty `spec.selector` matches the pod template's labels, it does
not set `publishNotReadyAddresses: true`, and it serves more than metrics (see below). Jobs, CronJobs and bare Pods that run to
completion (`restartPolicy: Never` or `OnFailure`) are skipped, and so are pods whose only
containers are `pause` containers. Any preStop handler counts (sleep, exec, httpGet,
tcpSocket): an application-specific drain such as ingress-nginx's `/wait-shutdown` does the
same job.

## Why is this bad?
Pod deletion starts two things at the same time: the kubelet begins the graceful shutdown of
the containers, and the control plane removes the pod from the EndpointSlices, after which
kube-proxy, ingress controllers and service meshes each update their routing on their own
schedule. "At the same time as the kubelet is starting graceful shutdown … the control plane
evaluates whether to remove that shutting-down Pod from EndpointSlice objects" (Kubernetes
documentation). Without a preStop hook the application receives SIGTERM immediately, and an
application that stops accepting connections on SIGTERM refuses requests that are still being
routed to it for the next few seconds: every rollout and scale-down produces a burst of
connection errors. A short `sleep` in preStop holds SIGTERM back until the endpoint change has
propagated (kube-score and learnk8s recommend it). This is advice (info): an application that
keeps serving for a few seconds after SIGTERM does not need the hook.

Two kinds of Service are not counted. Services with `publishNotReadyAddresses: true` keep a
terminating pod in their endpoints until it is gone, so a preStop delay does not change what
they route. Services that only expose metrics or profiling (every port named like `metrics`,
`http-metrics`, `prometheus` or `http-profiling`, or a Service named `*-metrics`) are scraped,
not called: a scrape refused during shutdown is a gap in a graph, not a failed request.

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
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
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
          lifecycle:
            preStop:
              sleep: {seconds: 5}
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
None. The target Kubernetes version (`--kube-version`, default the newest) decides between the
sleep action and an exec `sleep`. The drain time (`--drain`, `probelint.io/drain`, default 10 s)
decides whether the grace period must grow with the hook.

## Fix safety
Unsafe. The fix adds a 5 s preStop sleep to the container the Service targets (the one
declaring the Service's `targetPort`, else the first container): on Kubernetes 1.30 or later
the sleep action (`lifecycle.preStop.sleep.seconds: 5`), before 1.30 an exec
`["sleep", "5"]`. It goes into the container's `lifecycle` when one is written (next to a
`postStart` hook), else a new `lifecycle` is added as the container's last field. When the
grace period minus 5 s would be shorter than the drain time, the same fix also sets the pod's
`terminationGracePeriodSeconds` to `5 + drain + 5`, so that PL501 stays satisfied.

It is unsafe because it rests on assumptions the manifest cannot confirm: that the
application stops serving on SIGTERM and so needs the delay (one that keeps serving does not,
and every shutdown becomes 5 s longer), and for the exec form that the image has a `sleep`
binary. No fix is offered for the exec form in images named `distroless`, which have none,
nor when the container's `lifecycle` is shared through a YAML anchor or merge key.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
- https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
- KEP-3960, the preStop sleep action (beta and on by default in 1.30)
- kube-score, `README_PROBES.md` and the container lifecycle check
- learnk8s, "Kubernetes production best practices", application development
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from yaml.nodes import MappingNode, ScalarNode

from probelint.edits import own_pair
from probelint.lifecycle import has_prestop
from probelint.model import Finding, Fix
from probelint.probes import is_int
from probelint.rule import Rule, RuleContext
from probelint.services import Service, monitoring_only
from probelint.termination_fixes import set_pod_grace
from probelint.workloads import Container, Workload
from probelint.yamlnode import TAG_NULL

RULE = Rule(
    code="PL503",
    name="missing-prestop-for-service",
    summary="A pod behind a Service has no preStop hook to outlast endpoint removal",
    level="info",
    scope="services",
    fix="sometimes",
)
# Scrape and debug endpoints: a refused scrape during shutdown is not a failed request.
SLEEP_ACTION_VERSION = (1, 30)
SLEEP_SECONDS = 5
FIX_MARGIN = 5


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running or ctx.services is None:
        return
    regular = [c for c in workload.regular_containers if not c.is_pause]
    if not regular or any(has_prestop(c) for c in workload.regular_containers):
        return
    services = [s for s in ctx.services.selecting(workload.namespace, workload.labels)
                if not s.publish_not_ready and not monitoring_only(s)]
    if not services:
        return
    names = list(dict.fromkeys(s.name for s in services))
    target = _serving_container(regular, services)
    who = f'{"native sidecar" if target.role == "sidecar" else "container"} "{target.name}"'
    sleep_action = ctx.kube_version >= SLEEP_ACTION_VERSION
    if sleep_action:
        fix = f"add lifecycle.preStop.sleep.seconds: {SLEEP_SECONDS} to {who} (the sleep action, Kubernetes 1.30 or later)"
        hook = {"sleep": {"seconds": SLEEP_SECONDS}}
        title = f"Add a {SLEEP_SECONDS}s preStop sleep action to {who}"
    else:
        version = ".".join(map(str, ctx.kube_version))
        fix = (f'add an exec preStop ["sleep", "{SLEEP_SECONDS}"] to {who} (the sleep action needs '
               f"Kubernetes 1.30 and the target is {version}; the image needs a sleep binary)")
        hook = {"exec": {"command": ["sleep", str(SLEEP_SECONDS)]}}
        title = f'Add an exec preStop ["sleep", "{SLEEP_SECONDS}"] to {who}'
    grace_needed: int | None = None
    raw_grace = workload.pod_spec.scalar("terminationGracePeriodSeconds")
    if raw_grace is None or is_int(raw_grace):
        grace = workload.termination_grace
        drain = ctx.profile.value("drain")
        if grace - SLEEP_SECONDS < drain.seconds:
            grace_needed = math.ceil(round(SLEEP_SECONDS + drain.seconds + FIX_MARGIN, 9))
            fix += (f", and raise terminationGracePeriodSeconds from {grace} to {grace_needed} "
                    f"({SLEEP_SECONDS} + {drain.describe('drain')} + {FIX_MARGIN}) to keep the drain time")
            title += f" and set terminationGracePeriodSeconds to {grace_needed}"
    noun = "Service" if len(names) == 1 else "Services"
    verb = "routes" if len(names) == 1 else "route"
    quoted = ", ".join(f'"{name}"' for name in names)
    offered = sleep_action or "distroless" not in (target.image or "")  # distroless images have no sleep
    yield ctx.container_finding(
        target,
        f"{noun} {quoted} {verb} traffic to this pod and no container has a preStop hook: on deletion "
        f"SIGTERM arrives while the endpoint is still being removed from proxies and load balancers, "
        f"so requests keep reaching a process that is shutting down; {fix}",
        fix=_prestop_fix(ctx, workload, target, title, hook, grace_needed) if offered else None,
    )


def _prestop_fix(ctx: RuleContext, workload: Workload, container: Container, title: str,
                 hook: dict, grace: int | None) -> Fix | None:
    """Add ``lifecycle.preStop`` (into an existing ``lifecycle`` that has only ``postStart``),
    and the longer grace period that keeps PL501 satisfied.

    Unsafe: the delay is only needed by an application that stops serving on SIGTERM, and the
    exec form needs a ``sleep`` binary in the image. A ``lifecycle`` (or container, or pod
    spec) that a YAML anchor or merge key shares with another place is left alone: the hook
    would be added to both.
    """
    builder = ctx.fix(title, unsafe=True, scope=container.node)
    pair = own_pair(container.node, "lifecycle")
    if pair is None:
        if "lifecycle" in container.map:
            return None  # merged from an anchor: shared with another mapping
        target = container.node
        builder.set(target, "lifecycle", {"preStop": hook})
    elif isinstance(pair[1], MappingNode):
        target = pair[1]
        builder.set(target, "preStop", hook)
    elif isinstance(pair[1], ScalarNode) and pair[1].tag == TAG_NULL:
        target = container.node
        builder.set(target, "lifecycle", {"preStop": hook})
    else:
        return None  # a template expression or a malformed value
    if grace is not None:
        set_pod_grace(builder, workload.pod_spec.node, grace)
    return builder.build()


def _serving_container(regular: list[Container], services: list[Service]) -> Container:
    """The container declaring a selecting Service's targetPort; else the first app container."""
    for container in sorted(regular, key=lambda c: c.role != "container"):
        for service in services:
            for port in service.ports:
                target = port.target_port
                if is_int(target) and container.declared_port(target) is not None:
                    return container
                if isinstance(target, str) and (container.port_by_name(target) is not None
                                                or (target.isdigit() and container.declared_port(int(target)))):
                    return container
    return next((c for c in regular if c.role == "container"), regular[0])
