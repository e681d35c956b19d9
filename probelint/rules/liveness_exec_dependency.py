"""
## What it does
Reads the command of an `exec` liveness probe the way the shell would (quotes, `sh -c`
scripts split on `;`, `&&`, `||`, `|` and newlines; wrappers such as `timeout 5`, `env X=Y`,
`exec` and `nice` stripped) and reports a command that reaches a dependency:

* **error**: a database, cache or broker client (`pg_isready`, `psql`, `mysqladmin`,
  `redis-cli`, `mongosh`, `cqlsh`, `etcdctl`, `kafka-*.sh`, `rabbitmqctl`, `kubectl`, `aws`,
  ...) or a network tool (`curl`, `wget`, `nc`, `telnet`, `nslookup`, `ping`,
  `grpc_health_probe`, `grpcurl`, ...) whose target host is not pod-local. The host is read
  from `-h X`, `--host=X`, `--addr`, `-addr=X:P`, URLs, `host:port`, libpq `host=X`,
  `mongodb://X`, the positional host of `nc`/`telnet`, and, when none is given, from the
  tool's own variable (`PGHOST`, `MYSQL_HOST`, ...) set in `env`. `kubectl` and the cloud
  CLIs always talk to a remote API.
* **error**: a cluster-scope subcommand (`nodetool status`, `rabbitmqctl cluster_status`,
  `etcdctl ... --cluster`, `redis-cli cluster info`, Mongo `rs.status()`, Elasticsearch
  `_cluster/health`) run from a container that is not the server itself; **warning** when
  the server's own image runs it against itself.
* **warning**: a reference to an environment variable that names a dependency (`$DB_HOST`,
  `${REDIS_URL}`, `$(DATABASE_URL)`, Kubernetes' `*_SERVICE_HOST`) whose value cannot be
  resolved to a local literal.

Pod-local hosts are an empty host, `localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0`, a unix
socket, `$(POD_IP)`, `$POD_IP`, `$HOSTNAME`, `$(hostname)`, the pod's own DNS name
(`$(hostname).svc-name`), and variables set from `status.podIP` or `metadata.name`. A server
checking itself (`redis-cli ping` in a redis image, `mysqladmin ping` in a mysql image,
`pg_isready -h localhost` in a postgres image) is exempt. Commands the parser cannot follow
(here-documents, unbalanced quotes) are not reported.

## Why is this bad?
A liveness failure restarts the container. A probe that needs another service to answer
fails in every replica at once when that service has a hiccup, and the kubelet restarts them
all: the dependency is not fixed, in-flight work is lost, and every replica reconnects at the
same moment when it comes back. A cluster-scope check (`nodetool status`, quorum, cluster
health) ties each member's life to its peers, so one bad node can take the whole cluster
down, and a cluster that lost quorum can never re-form while its members keep restarting.
"A single DB hiccup will restart all your containers!" (Henning Jacobs); "Restarting won't
help" (Kubernetes in Action).

## Example
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
          livenessProbe:
            exec:
              command: ["sh", "-c", "redis-cli -h redis-master ping | grep -q PONG"]
```

```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cassandra}
spec:
  serviceName: cassandra
  selector: {matchLabels: {app: cassandra}}
  template:
    metadata: {labels: {app: cassandra}}
    spec:
      containers:
        - name: cassandra
          image: cassandra:4.1
          livenessProbe:
            exec:
              command: ["/bin/bash", "-c", "nodetool status"]
```

## Use instead
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
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cassandra}
spec:
  serviceName: cassandra
  selector: {matchLabels: {app: cassandra}}
  template:
    metadata: {labels: {app: cassandra}}
    spec:
      containers:
        - name: cassandra
          image: cassandra:4.1
          livenessProbe:
            tcpSocket: {port: 9042}
```

## Options
None.

## Fix safety
No automatic fix: what the application should check instead is a design decision. Check the
process itself (an HTTP endpoint that does not touch the dependency, or a local `tcpSocket`),
and move dependency checks to readiness only if every replica going unready at once is
acceptable (see PL304). When the command is `curl`/`wget` against localhost, PL306 converts
it to an `httpGet` probe.

## References
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous":
  https://srcco.de/posts/kubernetes-liveness-probes-are-dangerous.html
- Kubernetes, "Configure Liveness, Readiness and Startup Probes":
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Colin Breck, "Kubernetes Liveness and Readiness Probes: How to Avoid Shooting Yourself in the Foot":
  https://blog.colinbreck.com/kubernetes-liveness-and-readiness-probes-how-to-avoid-shooting-yourself-in-the-foot/
- Marko Lukša, *Kubernetes in Action*, chapter 4 (liveness probes and external dependencies)
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node, SequenceNode

from probelint.dependencies import ExecDependency, probe_dependencies
from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.secrets import simple_command_text
from probelint.workloads import Container

RULE = Rule(
    code="PL302",
    name="liveness-exec-dependency",
    summary="An exec liveness probe checks a remote dependency or cluster state",
    level="error",
    levels="error/warning",
)

MAX_SHOWN = 80
# noun -> (what the command checks, what its failure is called)
NOUNS = {
    "Kubernetes API server": ("the Kubernetes API server", "an API server hiccup"),
    "cloud API": ("a cloud API", "a cloud API hiccup"),
    "etcd cluster": ("an etcd cluster", "an etcd hiccup"),
    "HTTP service": ("an HTTP service", "a hiccup of that service"),
    "network service": ("a network service", "a hiccup of that service"),
    "gRPC service": ("a gRPC service", "a hiccup of that service"),
    "TLS service": ("a TLS service", "a hiccup of that service"),
    "DNS service": ("DNS", "a DNS hiccup"),
    "dependency": ("a dependency", "a hiccup of that dependency"),
}


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    probe = container.probes.get("liveness")
    if probe is None or probe.handler != "exec":
        return
    found = probe_dependencies(probe)
    if not found:
        return
    dep = next((d for d in found if d.level == "error"), found[0])
    yield ctx.probe_finding(probe, _message(dep), at=_node(probe, dep), level=dep.level)


def _noun(noun: str) -> tuple[str, str]:
    if noun in NOUNS:
        return NOUNS[noun]
    article = "an" if noun[:1] in "aeiou" else "a"
    return f"{article} {noun}", f"{article} {noun} hiccup"


def _message(dep: ExecDependency) -> str:
    shown = simple_command_text(dep.command, MAX_SHOWN)
    what, hiccup = _noun(dep.noun)
    head = f'liveness command "{shown}"'
    if dep.kind == "peer":
        return (f'{head} reports cluster state ("{dep.subcommand}"), not this container\'s: one unhealthy '
                "peer fails the probe on every member and restarts them all")
    if dep.kind == "remote":
        if not dep.host:
            return f"{head} calls {what}: {hiccup} will restart every replica"
        where = f'"{dep.host}"'
        if dep.value and dep.value != dep.host:
            where += f' ("{dep.value}")'
        if dep.source:
            where += f" (from {dep.source})"
        return f"{head} checks {what} at {where}, which is not pod-local: {hiccup} will restart every replica"
    # A reference to a variable that names a dependency.
    value = f' (set to "{dep.value}")' if dep.value else ""
    if dep.host:
        return (f"{head} checks {what} at ${dep.variable}{value}, a variable that names a dependency: "
                f"{hiccup} will restart every replica")
    return (f"{head} passes ${dep.variable}{value}, a variable that names a dependency: if the command "
            "checks it, a hiccup of that dependency will restart every replica")


def _node(probe: Probe, dep: ExecDependency) -> Node:
    command = probe.command_node()
    if isinstance(command, SequenceNode) and 0 <= dep.command.index < len(command.value):
        return command.value[dep.command.index]
    return command or probe.anchor("exec")
