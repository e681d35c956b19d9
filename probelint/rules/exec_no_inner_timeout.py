"""
## What it does
Reports an exec probe whose shell script (`sh -c`, `bash -c`, ...) runs a network client
with nothing that limits how long it runs: no `timeout N` wrapper (inside the script or
around the shell) and none of the client's own limits:

| client | limit that counts |
|---|---|
| `curl` | `-m`/`--max-time` (`--connect-timeout` alone does not limit the transfer) |
| `wget` | `-T`/`--timeout` |
| `nc`, `ncat`, `netcat` | `-w` |
| `psql` | `connect_timeout=N` in the conninfo or URI, or `PGCONNECT_TIMEOUT` (assignment or container `env`) |
| `mysql`, `mysqladmin`, `mariadb`, `mariadb-admin` | `--connect-timeout` |
| `grpcurl` | `-max-time` (`-connect-timeout` alone does not limit the call) |
| `kubectl` | `--request-timeout` |
| `rabbitmqctl`, `rabbitmq-diagnostics` | `-t`/`--timeout` |
| `http` (HTTPie) | `--timeout` |
| `ping` | `-w`, or `-c` |
| `redis-cli`, `mongosh`, `nodetool`, `telnet`, `openssl s_client`, other clients of the dependency list | only a `timeout N` wrapper |

Clients that always stop on their own are not reported: `grpc_health_probe` (1 s to connect
and 1 s for the RPC unless told otherwise), `pg_isready` (3 s unless `-t 0`), `etcdctl`
(`--dial-timeout` 2 s, `--command-timeout` 5 s), `cqlsh`, `nats`, `vault`, `aws`, `dig`,
`host` and `nslookup`.
A value of 0 switches a limit off and does not count.

Not reported either, because the container runtime kills the client itself when
`timeoutSeconds` expires:

* a direct command (`command: ["curl", ...]`, no shell): containerd sends SIGKILL to the
  process it started, CRI-O's conmon to its process group;
* the last command of a script, at its top level (not in a pipeline, a compound command or
  the background, without a redirection or a `trap`), when it is written with `exec`
  (`sh -c "exec curl ..."`) or run by `bash`: bash replaces itself with the lone command
  of `bash -c`, and since 5.1 with the last one, instead of running it as a child.

The commands a shell runs as children (earlier commands, pipelines, `$(...)`, redirected
or backgrounded commands, and every command of `sh -c`: Debian's `dash` always forks, and
the image's `/bin/sh` cannot be known from the manifest) are what survives. Calls of
functions the script defines (`http () { curl ...; }`) are not taken for the program of
that name. Scripts the parser cannot follow are not reported.

## Why is this bad?
Since Kubernetes 1.20 the kubelet counts an exec probe that exceeds `timeoutSeconds` as a
failure, but the process tree is not necessarily killed: containerd kills only the process
it started, so the client the shell started is reparented and keeps running. When the
endpoint hangs, every probe leaves one more client behind, each holding a connection,
memory and a process slot, until the container runs out of them; the Kubernetes docs warn
that "incorrect implementation of readiness probes may result in an ever growing number of
processes in the container". An inner timeout shorter than `timeoutSeconds` makes the
client give up on its own, so nothing is left behind.

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
          image: example/web:2.0
          readinessProbe:
            exec:
              command: ["sh", "-c", "curl -fsS http://localhost:8080/ready | grep -q ok"]
            timeoutSeconds: 5
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
          image: example/web:2.0
          readinessProbe:
            exec:
              command: ["sh", "-c", "curl -fsS -m 4 http://localhost:8080/ready | grep -q ok"]
            timeoutSeconds: 5
```

## Options
None.

## Fix safety
Available when `timeoutSeconds` is 2 or more: prefix the command with `timeout N`, or add the
client's own limit, with N = `timeoutSeconds` - 1. The `timeout` prefix needs the
`timeout` utility in the image (coreutils or BusyBox; old BusyBox builds want
`timeout -t N`). With `timeoutSeconds` 1 there is no whole-second limit below the probe's own, so no
fix is proposed: raise `timeoutSeconds` first (PL206).

## References
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (caution on exec probes and
  growing process counts):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- kubernetes/kubernetes #110070 (exec probe processes accumulate after timeouts) and #124226
  (exec probe should kill the timed-out process)
- containerd/containerd #4594 (grandchildren of an exec survive its timeout)
- containerd CRI `ExecSync` (`container_execsync.go`): SIGKILL to the exec process on timeout
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.dependencies import container_env
from probelint.execparse import SimpleCommand
from probelint.exectimeouts import (
    Limit,
    Timeouts,
    command_node,
    inner_value,
    shown,
    unbounded,
)
from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL307",
    name="exec-no-inner-timeout",
    summary="A shell-wrapped exec probe runs a network client without a timeout of its own",
    level="warning",
    fix="sometimes",
)


# -- the rule ------------------------------------------------------------------------------
def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    env = container_env(container)
    for probe in container.probes.values():
        if probe.handler != "exec":
            continue
        found = unbounded(probe, env)
        if found:
            yield ctx.probe_finding(probe, _message(probe, found), at=command_node(probe, found[0][0]),
                                    fixable=probe.timeout >= 2)


def _message(probe: Probe, found: list[tuple[SimpleCommand, Timeouts]]) -> str:
    cmd, timeouts = found[0]
    tool = timeouts.tool
    missing = '"timeout N" prefix' + (f", no {timeouts.flag_names}" if timeouts.flag_names else "")
    text = f'"{shown(cmd)}" runs in a shell with no timeout of its own (no {missing})'
    if timeouts.partial:
        parts = [f"{limit.written} limits only {_phase(limit)}" for limit in timeouts.partial]
        text += f"; {', '.join(parts)}, not the whole {_what(tool)}"
    timeout = probe.timeout
    text += (f": when {probe.describe('timeoutSeconds')} expires, the container runtime kills the shell but not "
             f"necessarily {tool}, so while the endpoint hangs every probe leaves one more {tool} process behind")
    if timeout >= 2:
        value = inner_value(timeout)
        text += f'; prefix it with "timeout {value}"'
        if timeouts.flag:
            text += " or " + timeouts.flag.format(value)
        text += f" (timeoutSeconds {timeout} - 1)"
    else:
        text += ('; no whole-second limit fits below timeoutSeconds 1: raise timeoutSeconds (PL206), then prefix it '
                 'with "timeout N" where N is timeoutSeconds - 1')
    others = [c.program for c, _ in found[1:]]
    if others:
        text += f"; the script also runs {', '.join(others)} without a timeout"
    return text


def _phase(limit: Limit) -> str:
    name = limit.written.split("=", 1)[0].split(" ", 1)[0]
    if "read" in name:
        return "each read"
    if "dns" in name:
        return "the DNS lookup"
    return "the connection"


def _what(tool: str) -> str:
    return {"grpcurl": "call", "wget": "download", "curl": "transfer"}.get(tool, "command")
