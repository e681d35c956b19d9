"""
## What it does
Checks the path (and query) of an `httpGet` liveness probe for words that name a dependency
or ask for a deep check. A dependency token (`db`, `database`, `postgres`, `redis`, `cache`,
`kafka`, `queue`, `s3`, `storage`, `vault`, `etcd`, `upstream`, `backend`, `external`,
`dependencies`, ...) is an **error**; a deep-check token (`deep`, `full`, `all`, `detailed`,
`verbose`, `complete`, `aggregate`, `extended`, or a query flag such as `full=true`) is a
**warning**.

A token only counts when it stands alone between `/ _ - . = & ?` or the ends of the path, so
`/status` is not `s3` and `/dbz` is not `db`. Matching ignores case. Query values of
`exclude=`-style keys name checks that are left out, and `full=false` asks for no deep check,
so neither counts. A token that is part of the container's own image name (`/solr/...` on a
Solr image) names the application itself, not a dependency, and a few endpoints whose deep
flag is known to stay inside the process are not reported (Argo CD's `/healthz?full=true`
makes the server check itself). Probes rewritten by Istio
(`/app-health/<container>/livez` on the sidecar's port) are judged by the original path
recorded in the sidecar's `ISTIO_KUBE_APP_PROBERS`, never by the container name inside the
rewritten path.

## Why is this bad?
A liveness failure restarts the container. When the liveness endpoint also checks a database,
cache, broker or another service, one hiccup of that dependency fails the probe in every
replica at the same moment and the kubelet restarts them all, which cannot fix the
dependency, drops in-flight work, and adds a thundering herd of reconnects when it comes back.
"A Liveness Probe in combination with an external DB health check dependency is the worst
situation: a single DB hiccup will restart all your containers!" (Henning Jacobs). Spring Boot:
"the liveness Probe should not depend on health checks for external systems". Liveness should
answer one question: is this process wedged beyond recovery?

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
        - name: orders
          image: example/orders:1.4
          livenessProbe:
            httpGet: {path: /health/db, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  template:
    spec:
      containers:
        - name: catalog
          image: example/catalog:2.0
          livenessProbe:
            httpGet: {path: /actuator/health/db, port: 8080}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
        - name: orders
          image: example/orders:1.4
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  template:
    spec:
      containers:
        - name: catalog
          image: example/catalog:2.0
          livenessProbe:
            httpGet: {path: /actuator/health/liveness, port: 8080}
```

## Options
None.

## Fix safety
Sometimes available, and unsafe: when the framework is recognisable from the path (Spring
Boot `/actuator/health/...`, Quarkus `/q/health/...`, MicroProfile Health `/health/...` on a
MicroProfile runtime), `httpGet.path` is replaced by the framework's process-local liveness
endpoint (`/actuator/health/liveness`, `/q/health/live`, `/health/live`, under the same
context path), without the old query; nothing else changes. It is unsafe because the path
comes from the framework's conventions, not from the manifest: Spring Boot serves
`/actuator/health/liveness` only with probes enabled (the default on Kubernetes since 2.3), and
a custom management base path or a disabled health group makes it 404. A probe rewritten by
Istio is not fixed: its real path is in the sidecar's `ISTIO_KUBE_APP_PROBERS`. Otherwise, a
deep-check flag such as `full=true` included, the message explains the problem and the
endpoint has to be chosen in the application. Checking the dependency in the readiness
probe is a separate decision (see PL304).

## References
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous":
  https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- Spring Boot reference, "Kubernetes Probes" (external systems and liveness):
  https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (cascading failures note):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Colin Breck, "Kubernetes Liveness and Readiness Probes: How to Avoid Shooting Yourself in the Foot":
  https://blog.colinbreck.com/kubernetes-liveness-and-readiness-probes-how-to-avoid-shooting-yourself-in-the-foot/
- Istio, "Health Checking of Istio Services" (probe rewrite):
  https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import MappingNode

from probelint.dependencies import (
    TokenMatch,
    container_runtime,
    http_target,
    image_repository,
    known_process_local,
    liveness_path_for,
    match_path,
)
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import Map

RULE = Rule(
    code="PL301",
    name="liveness-http-dependency",
    summary="An httpGet liveness probe checks a dependency or asks for a deep check",
    level="error",
    levels="error/warning",
    fix="sometimes",
)

# How a dependency's failure is called in messages, by the noun of its token.
HICCUP = {
    "database": "a database hiccup",
    "cache": "a cache hiccup",
    "message broker": "a message broker hiccup",
    "search cluster": "a search cluster hiccup",
    "storage service": "a storage service hiccup",
    "identity provider": "an identity provider hiccup",
    "secret store": "a secret store hiccup",
    "coordination service": "a coordination service hiccup",
    "dependency": "a hiccup of that dependency",
}


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("liveness")
    if probe is None or probe.handler != "httpGet":
        return
    target = http_target(probe)
    if target is None:
        return
    match = _token(target.path, container)
    if match is None:
        return
    shown = f'"{target.path}"' + (f' (rewritten by Istio to "{target.rewritten}")' if target.rewritten else "")
    if match.kind == "dependency":
        level = "error"
        message = (f'liveness path {shown} checks a dependency ("{match.token}"): '
                   f"{HICCUP.get(match.noun, HICCUP['dependency'])} will restart every replica")
    else:
        level = "warning"
        message = (f'liveness path {shown} asks for a deep check ("{match.token}"): '
                   "a hiccup in anything it checks will restart every replica")
    suggestion = None if target.rewritten else liveness_path_for(target.path, container_runtime(container))
    if suggestion is not None and suggestion != target.path:
        message += f'; use the process-local "{suggestion}"'
    else:
        suggestion = None
        if match.kind == "deep" and match.in_query and match.token.partition("=")[0] in ("full", "deep"):
            message += f'; drop "{match.token}" ("{_without_flag(target.path, match.token)}") to ask for the shallow check'
    http = probe.map.map("httpGet")
    at = (http.get("path") if http else None) or probe.anchor("httpGet")
    fix = path_fix(ctx, probe, suggestion) if suggestion is not None else None
    yield ctx.probe_finding(probe, message, at=at, level=level, fix=fix)


def path_fix(ctx: RuleContext, probe: Probe, path: str) -> Fix | None:
    """Replace the written ``httpGet.path`` with the framework's liveness path.

    Unsafe: the path comes from the framework table, not from the manifest, and the endpoint
    may be switched off in the application (Spring Boot serves its liveness group only with
    probes enabled).
    """
    http = probe.map.get("httpGet")
    if not isinstance(http, MappingNode) or Map(http).get("path") is None:
        return None
    builder = ctx.fix(f'Set the liveness path to "{path}"', unsafe=True, scope=probe.container.node)
    return builder.set(http, "path", path).build()


def _token(path: str, container: Container) -> TokenMatch | None:
    """The first dependency token, else the first deep token, skipping the image's own name."""
    own = set(re.split(r"[/\-_.]", image_repository(container.image))) - {""}
    found = [
        m for m in match_path(path)
        if m.kind != "ready"
        and not (m.kind == "dependency" and m.token in own)
        and not known_process_local(path, m, container.image)
    ]
    return next((m for m in found if m.kind == "dependency"), None) or next((m for m in found if m.kind == "deep"), None)


def _without_flag(path: str, flag: str) -> str:
    base, _, query = path.partition("?")
    kept = [pair for pair in query.split("&") if pair and pair.lower() != flag.lower()]
    return base + ("?" + "&".join(kept) if kept else "")
