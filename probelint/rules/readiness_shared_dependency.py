"""
## What it does
Applies the dependency checks of PL301 and PL302 to readiness probes. It reports an `httpGet`
readiness path (and query) with a word that names a dependency (`db`, `redis`, `cache`,
`kafka`, `queue`, `s3`, `vault`, `upstream`, `backend`, `dependencies`, ...) or asks for a
deep check (`deep`, `full`, `all`, `detailed`, `verbose`, a query flag such as `full=true`),
and an `exec` readiness command that calls a database, cache or broker client or a network
tool on a host that is not pod-local, passes a variable that names a dependency (`$DB_HOST`,
`${REDIS_URL}`), or reports cluster rather than replica state (`nodetool status`,
`rabbitmqctl cluster_status`, `etcdctl ... --cluster`).

The matching is the same as for liveness: tokens count only when delimited (`/status` is not
`s3`), the image's own name is not a dependency (`/solr/...` on a Solr image), a server
checking itself on localhost (`redis-cli ping` in a redis image) is exempt, and probes
rewritten by Istio are judged by their original path. Job and CronJob pods are skipped.

The rule says nothing when the service profile declares that readiness may check its
dependencies (`probelint.io/readiness-dependencies: "true"` on the workload, or
`readiness-dependencies: true` in the profile file).

## Why is this bad?
The guidance conflicts, which is why this is advice. The Kubernetes docs allow a readiness
probe to "additionally check that each required back-end service is available". Henning
Jacobs, learnk8s and kube-score advise against it: the dependency is shared, so when it has a
hiccup every replica goes unready at the same moment, the Service is left with no endpoints,
and callers get connection errors instead of the application's own degraded answer (a cached
page, a clear 503, a queued write). The outage spreads upstream, and when the dependency
comes back every replica rejoins at once. Spring Boot: "the choice of checking external
systems should be made carefully". A readiness probe is best at the question only this
replica can answer: can it serve a request right now?

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
          readinessProbe:
            httpGet: {path: /health/db, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: example/worker:3.1
          readinessProbe:
            exec:
              command: ["sh", "-c", "redis-cli -h redis-master ping | grep -q PONG"]
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
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  annotations:
    probelint.io/readiness-dependencies: "true"
spec:
  template:
    spec:
      containers:
        - name: orders
          image: example/orders:1.4
          readinessProbe:
            httpGet: {path: /health/db, port: 8080}
```

## Options
None. The level is `info`; raise it to `warning` in the configuration to enforce the policy.
The profile figure `readiness-dependencies` (annotation `probelint.io/readiness-dependencies`)
turns the rule off for the services where checking dependencies is a deliberate choice.

## Fix safety
No automatic fix: whether the application should stop serving when a dependency is down is a
design decision. Keep the readiness endpoint to what this replica controls (its own startup,
warm-up, overload, draining), and handle a failed dependency in the request path (timeouts,
circuit breakers, degraded answers). If going unready everywhere at once is what you want,
record that in the profile.

## References
- Kubernetes, "Pod Lifecycle" (when to use a readiness probe, back-end checks):
  https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous":
  https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- learnk8s, "Kubernetes production best practices" (readiness probes and dependencies):
  https://learnk8s.io/production-best-practices
- kube-score, probe checks: https://github.com/zegl/kube-score/blob/master/README_PROBES.md
- Spring Boot reference, "Kubernetes Probes":
  https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import Node, SequenceNode

from probelint.dependencies import (
    ExecDependency,
    TokenMatch,
    http_target,
    image_repository,
    known_process_local,
    match_path,
    probe_dependencies,
)
from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL304",
    name="readiness-shared-dependency",
    summary="A readiness probe checks a dependency that every replica shares",
    level="info",
)

# What a shared dependency is called in messages, by the noun dependencies.py gives it.
NOUNS = {
    "database": "the database",
    "cache": "the cache",
    "message broker": "the message broker",
    "search cluster": "the search cluster",
    "storage service": "the storage service",
    "identity provider": "the identity provider",
    "secret store": "the secret store",
    "coordination service": "the coordination service",
    "etcd cluster": "the etcd cluster",
    "service registry": "the service registry",
    "Kubernetes API server": "the Kubernetes API server",
    "cloud API": "the cloud API",
    "HTTP service": "that service",
    "network service": "that service",
    "gRPC service": "that service",
    "TLS service": "that service",
    "DNS service": "DNS",
    "dependency": "that dependency",
}
OUTCOME = "every replica goes unready at once and the Service is left with no endpoints"
ACCEPT = 'or, if that is intended, annotate the workload with probelint.io/readiness-dependencies: "true"'


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or container.workload.is_job:
        return
    allowed = ctx.profile.readiness_dependencies if ctx.profile is not None else None
    if allowed is not None and allowed.value is True:
        return
    probe = container.probes.get("readiness")
    if probe is None:
        return
    if probe.handler == "httpGet":
        yield from _check_http(ctx, probe)
    elif probe.handler == "exec":
        yield from _check_exec(ctx, probe)


def _check_http(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    target = http_target(probe)
    if target is None:
        return
    match = _token(target.path, probe.container)
    if match is None:
        return
    shown = f'"{target.path}"' + (f' (rewritten by Istio to "{target.rewritten}")' if target.rewritten else "")
    if match.kind == "dependency":
        what = NOUNS.get(match.noun, NOUNS["dependency"])
        message = (f'readiness path {shown} checks a dependency ("{match.token}"): when {what} has a hiccup, '
                   f"{OUTCOME}; check only what this replica controls, {ACCEPT}")
    else:
        message = (f'readiness path {shown} asks for a deep check ("{match.token}"): when anything it checks has '
                   f"a hiccup, {OUTCOME}; check only what this replica controls, {ACCEPT}")
    http = probe.map.map("httpGet")
    at = (http.get("path") if http else None) or probe.anchor("httpGet")
    yield ctx.probe_finding(probe, message, at=at)


def _token(path: str, container: Container) -> TokenMatch | None:
    """The first dependency token, else the first deep token, skipping the image's own name
    and deep flags known to stay inside the process (as PL301 reads a liveness path)."""
    own = set(re.split(r"[/\-_.]", image_repository(container.image))) - {""}
    found = [
        m for m in match_path(path)
        if m.kind != "ready"
        and not (m.kind == "dependency" and m.token in own)
        and not known_process_local(path, m, container.image)
    ]
    return next((m for m in found if m.kind == "dependency"), None) or next((m for m in found if m.kind == "deep"), None)


def _check_exec(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    found = probe_dependencies(probe)
    if not found:
        return
    dep = next((d for d in found if d.level == "error"), found[0])
    yield ctx.probe_finding(probe, _message(dep), at=_node(probe, dep))


def _message(dep: ExecDependency) -> str:
    # The command is named by its tool, never quoted in full: it may carry a password.
    what = NOUNS.get(dep.noun, f"the {dep.noun}")
    head = f'readiness command runs "{dep.tool}"'
    if dep.kind == "peer":
        return (f'{head} to report cluster state ("{dep.subcommand}"), not this replica\'s: when one peer is '
                f"unhealthy, {OUTCOME}; check only this member, {ACCEPT}")
    if dep.kind == "remote":
        if dep.host:
            where = f'"{dep.host}"'
            if dep.value and dep.value != dep.host:
                where += f' ("{_without_userinfo(dep.value)}")'
            if dep.source:
                where += f" (from {dep.source})"
            target = f" against {where}, which is not pod-local"
        else:
            target = f" against {what}"
        return f"{head}{target}: when {what} has a hiccup, {OUTCOME}; check only what this replica controls, {ACCEPT}"
    value = f' (set to "{_without_userinfo(dep.value)}")' if dep.value else ""
    return (f"{head} with ${dep.variable}{value}, a variable that names a dependency: if the command checks it, "
            f"a hiccup of that dependency means {OUTCOME}; check only what this replica controls, {ACCEPT}")


def _without_userinfo(text: str) -> str:
    """A variable's value as shown: ``redis://:pw@cache:6379`` loses its ``:pw@``."""
    return re.sub(r"(//)[^/@\s]*@", r"\1", text)


def _node(probe: Probe, dep: ExecDependency) -> Node:
    command = probe.command_node()
    if isinstance(command, SequenceNode) and 0 <= dep.command.index < len(command.value):
        return command.value[dep.command.index]
    return command or probe.anchor("exec")
