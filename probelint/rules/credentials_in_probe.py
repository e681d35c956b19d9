"""
## What it does
Reports credentials written literally into a probe:

* an `httpGet.httpHeaders` entry named `Authorization`, `Proxy-Authorization`, `Cookie`,
  `X-Api-Key` or `X-Auth-Token` (any case) with a literal value;
* an `exec` command that holds a literal password: `-p<password>` glued to a MySQL or
  MariaDB client (`mysql`, `mysqladmin`, `mariadb`, ...), `--password=<password>` for any
  program, the password option of other clients (`redis-cli -a`, `mongosh -p`,
  `cqlsh -p`, `nodetool -pw`, `sqlcmd -P`, `wget --password`, `etcdctl --user user:password`,
  ...), `curl -u user:password`, a `PGPASSWORD=`, `MYSQL_PWD=` or `REDISCLI_AUTH=` assignment,
  libpq's `password=` in a connection string, a URL with `user:password@`, or one of the
  headers above passed to `curl -H`, `wget --header` or `grpcurl -H`.

A value that is a variable reference (`$VAR`, `${VAR}`, `$(VAR)`, or any value containing
one, such as `-p$MYSQL_ROOT_PASSWORD` or `Bearer $(TOKEN)`) is not a literal and is not
reported, nor is an empty value (`-p` alone makes the client prompt). A `Cookie` whose
values name the probe itself (`session-id=x-liveness-probe`) is a marker that keeps the
application from opening a session per probe, not a credential. Exec commands are read the
way the shell would (quotes, `sh -c` scripts, `env` and `timeout` wrappers); commands the
parser cannot follow are not reported.

Messages name the header or the option, never the secret.

## Why is this bad?
The probe is part of the pod template, stored in plain text in the workload object: anyone
who can read the Deployment (`kubectl get -o yaml`, a GitOps repository, a Helm release, an
audit log or a backup) gets the credential, and Secrets' access control and rotation do not
apply to it. Probe HTTP headers cannot read Secrets, and gRPC probes cannot authenticate at
all. A health endpoint that needs credentials is also one more thing that can fail: an expired
token restarts every replica.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:2.0
          readinessProbe:
            httpGet:
              path: /health
              port: 8080
              httpHeaders:
                - {name: Authorization, value: "Bearer 9f8e7d6c5b4a"}
```

```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql}
spec:
  serviceName: mysql
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql}}
    spec:
      containers:
        - name: mysql
          image: mysql:8.4
          livenessProbe:
            exec:
              command: ["mysqladmin", "-uroot", "-pS3cr3t!", "ping"]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:2.0
          readinessProbe:
            httpGet: {path: /health, port: 8080}
```

```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql}
spec:
  serviceName: mysql
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql}}
    spec:
      containers:
        - name: mysql
          image: mysql:8.4
          env:
            - name: MYSQL_ROOT_PASSWORD
              valueFrom:
                secretKeyRef: {name: mysql, key: root-password}
          livenessProbe:
            exec:
              command: ["sh", "-c", "mysqladmin -uroot -p\\"$MYSQL_ROOT_PASSWORD\\" ping"]
```

## Options
None.

## Fix safety
No automatic fix: each remedy needs something the manifest does not hold. Exempt the health
path from authentication (a health endpoint should not need any), which is a change in the
application; or run the check as an `exec` probe through `sh -c` and read the secret at run
time from an environment variable set with `secretKeyRef` (`-p"$MYSQL_ROOT_PASSWORD"`; note
that Kubernetes' own `$(VAR)` expansion leaves `valueFrom` variables empty, see PL008), which
needs a Secret whose name and key only you know, and for a header a client in the image.
Removing the credential from the probe would make an authenticated endpoint fail the probe.
Rotate the credential: it has already been stored in plain text.

## References
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (HTTP headers, gRPC probes
  without authentication):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Kubernetes, "Good practices for Kubernetes Secrets":
  https://kubernetes.io/docs/concepts/security/secrets-good-practices/
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.secrets import CREDENTIAL_HEADERS, exec_secrets, header_credential
from probelint.workloads import Container
from probelint.yamlnode import Map, scalar

RULE = Rule(
    code="PL310",
    name="credentials-in-probe",
    summary="A probe holds a literal credential",
    level="warning",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for probe in container.probes.values():
        if probe.handler == "httpGet":
            yield from _check_headers(ctx, probe)
        elif probe.handler == "exec":
            yield from _check_exec(ctx, probe)


# -- httpGet headers -----------------------------------------------------------------------
def _check_headers(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    http = probe.map.map("httpGet")
    for item in (http.seq("httpHeaders") if http else None) or ():
        if not isinstance(item, MappingNode):
            continue
        header = Map(item)
        name = header.scalar("name")
        if not isinstance(name, str) or name.strip().lower() not in CREDENTIAL_HEADERS:
            continue
        value_node = header.get("value")
        if not isinstance(value_node, ScalarNode):
            continue
        value = scalar(value_node)
        if value is None or not header_credential(name, str(value)):
            continue
        message = (f'httpHeaders sends "{name}" with a literal value: the probe is stored in plain text in the '
                   "workload object, where anyone who can read it gets the credential; exempt the health path "
                   "from authentication")
        yield ctx.probe_finding(probe, message, at=header.key_node("value") or item)




# -- exec commands -------------------------------------------------------------------------
def _check_exec(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    found = exec_secrets(probe.command)
    if not found:
        return
    listed = ", ".join(s.what for s in found)
    noun = "password" if all(s.password for s in found) else "credential"
    counted = f"a literal {noun}" if len(found) == 1 else f"literal {noun}s"
    message = (f"exec command holds {counted} ({listed}): the probe is stored in plain text in the workload object, "
               f"where anyone who can read it gets the {noun}; read it at run time from a secretKeyRef "
               'variable through sh -c ("$VAR") instead')
    yield ctx.probe_finding(probe, message, at=_item_node(probe, found[0].index))










def _item_node(probe: Probe, index: int) -> Node:
    command = probe.command_node()
    if isinstance(command, SequenceNode) and 0 <= index < len(command.value):
        return command.value[index]
    return command or probe.anchor("exec")
