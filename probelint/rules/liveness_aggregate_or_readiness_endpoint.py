"""
## What it does
Checks that a liveness probe does not call a readiness endpoint or a framework's aggregate
health endpoint:

* a path containing `ready`, `readyz` or `readiness` as a delimited token (`/ready`,
  `/readyz`, `/-/ready`, `/actuator/health/readiness`, `/health?ready=1`), or a gRPC probe
  whose `service` does (`readiness`);
* Spring Boot `/actuator/health` (without `/liveness`), Quarkus `/q/health`;
* a bare `/health` when the image or command names a MicroProfile runtime (Quarkus, Open
  Liberty, WebSphere Liberty, Payara, Helidon, WildFly, TomEE, KumuluzEE);
* Dropwizard's admin `/healthcheck` when the image or command is a Dropwizard application;
* etcd's `/health` without `serializable=true`;
* Elasticsearch/OpenSearch `/_cluster/health` (unless `local=true`).

A plain `/health`, `/healthz`, `/livez`, `/ping` or `/` is never reported: most of them are
process-local, and a linter that cries wolf on them gets switched off. Probes rewritten by
Istio are judged by the original path recorded in the sidecar's `ISTIO_KUBE_APP_PROBERS`.

## Why is this bad?
A readiness endpoint answers "should this pod receive traffic now?", and is meant to fail
while the pod warms up, drains, or cannot reach what it needs; liveness answers "is this
process wedged?" and restarts it. Wiring liveness to readiness turns every temporary
unreadiness into a restart. Aggregate endpoints run every registered check, database and
caches included, so a dependency hiccup restarts every replica (Spring Boot: "the liveness
Probe should not depend on health checks for external systems"). Cluster-level endpoints
make one member's liveness depend on its peers: an etcd member without quorum, or an
Elasticsearch node without an elected master, is restarted, and the cluster cannot re-form
while its members keep restarting (kubeadm probes etcd liveness with `serializable=true`).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
        - name: shop
          image: example/shop-spring:5.2
          livenessProbe:
            httpGet: {path: /actuator/health, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus}
spec:
  template:
    spec:
      containers:
        - name: prometheus
          image: prom/prometheus:v3.1.0
          livenessProbe:
            httpGet: {path: /-/ready, port: 9090}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
        - name: shop
          image: example/shop-spring:5.2
          livenessProbe:
            httpGet: {path: /actuator/health/liveness, port: 8080}
          readinessProbe:
            httpGet: {path: /actuator/health/readiness, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus}
spec:
  template:
    spec:
      containers:
        - name: prometheus
          image: prom/prometheus:v3.1.0
          livenessProbe:
            httpGet: {path: /-/healthy, port: 9090}
          readinessProbe:
            httpGet: {path: /-/ready, port: 9090}
```

## Options
None.

## Fix safety
Sometimes available, and unsafe: `httpGet.path` is replaced by the framework's liveness
endpoint when it is known, keeping any context path and dropping the old query:
`/actuator/health` and `/actuator/health/readiness` become `/actuator/health/liveness` (Spring
Boot serves it with probes enabled, the default on Kubernetes since 2.3); `/q/health` and
`/q/health/ready` become `/q/health/live`; MicroProfile `/health` and `/health/ready` become
`/health/live`; Dropwizard `/healthcheck` becomes `/ping`; Prometheus-style `/-/ready` becomes
`/-/healthy`; etcd `/health` becomes `/health?exclude=NOSPACE&serializable=true` (what kubeadm
uses) and etcd `/readyz` becomes `/livez`. It is unsafe because the new path comes from the
framework's conventions, not from the manifest: the endpoint may be disabled or moved in the
application (a Spring Boot without probe groups answers 404). Other readiness paths, gRPC
services and Elasticsearch's `/_cluster/health` need a liveness check chosen by hand (for
Elasticsearch a node-local one: `tcpSocket`, or `GET /`), and a probe rewritten by Istio is not
fixed, since its real path is in the sidecar's `ISTIO_KUBE_APP_PROBERS`.

## References
- Spring Boot reference, "Kubernetes Probes":
  https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (external dependencies include
  other pods of the same application): https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- kubeadm etcd static Pod manifest (liveness `/health?exclude=NOSPACE&serializable=true`)
- Kubernetes, "Configure Liveness, Readiness and Startup Probes":
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Istio, "Health Checking of Istio Services":
  https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.dependencies import (
    container_runtime,
    framework_endpoint,
    grpc_readiness_token,
    http_target,
    liveness_path_for,
    readiness_token,
)
from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_http_dependency import path_fix
from probelint.workloads import Container

RULE = Rule(
    code="PL303",
    name="liveness-aggregate-or-readiness-endpoint",
    summary="A liveness probe calls a readiness, aggregate or cluster-level health endpoint",
    level="warning",
    fix="sometimes",
)

READINESS_CONSEQUENCE = (
    "it is meant to fail while the pod should only stop receiving traffic (warming up, draining, "
    "a dependency down), and as liveness it restarts the pod instead"
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("liveness")
    if probe is None:
        return
    if probe.handler == "grpc":
        service = probe.grpc_service
        match = grpc_readiness_token(service) if service else None
        if match is not None:
            grpc = probe.map.map("grpc")
            at = (grpc.get("service") if grpc else None) or probe.anchor("grpc")
            yield ctx.probe_finding(
                probe, f'liveness gRPC service "{service}" is a readiness check ("{match.token}"): {READINESS_CONSEQUENCE}', at=at,
            )
        return
    if probe.handler != "httpGet":
        return
    target = http_target(probe)
    if target is None:
        return
    runtime = container_runtime(container)
    shown = f'"{target.path}"' + (f' (rewritten by Istio to "{target.rewritten}")' if target.rewritten else "")
    match = readiness_token(target.path)
    if match is not None:
        message = f'liveness path {shown} is a readiness endpoint ("{match.token}"): {READINESS_CONSEQUENCE}'
        suggestion = liveness_path_for(target.path, runtime)
    else:
        endpoint = framework_endpoint(target.path, runtime)
        if endpoint is None:
            return
        message = f"liveness path {shown} {endpoint.description}"
        suggestion = endpoint.liveness
        if suggestion is None and endpoint.advice:
            message += f"; {endpoint.advice}"
    if target.rewritten:
        suggestion = None
    if suggestion is not None:
        message += f'; use "{suggestion}"'
    http = probe.map.map("httpGet")
    at = (http.get("path") if http else None) or probe.anchor("httpGet")
    fix = path_fix(ctx, probe, suggestion) if suggestion is not None else None
    yield ctx.probe_finding(probe, message, at=at, fix=fix)
