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
Available when `timeoutSeconds` is 2 or more and the command is written in the script item
itself (not in a script nested in a script, nor in backquotes). The first reported command is
limited to N = `timeoutSeconds` - 1, editing only those characters of the script:

* a limit written as 0 is set to N (`curl -m 0` becomes `curl -m 4`, `timeout 0 curl` becomes
  `timeout 4 curl`, `pg_isready -t 0` becomes `pg_isready -t 4`): safe;
* else the client's own limit is added right after the program (`curl -m 4`, `wget -T 4`,
  `nc -w 4`, `mysql --connect-timeout=4` after any `--defaults-file`, `grpcurl -max-time 4`,
  `kubectl --request-timeout=4s`, `rabbitmqctl --timeout 4`, `http --timeout 4`, `ping -w 4`),
  or `PGCONNECT_TIMEOUT=4` is set in front of `psql`: safe, since it only makes a program the
  image already runs give up one second before the kubelet stops waiting;
* else the program is prefixed with `timeout N` (after `env`, `nice` or `exec`, before
  `busybox`): unsafe, because the image must have the `timeout` utility (coreutils or
  BusyBox; old BusyBox builds want `timeout -t N`).

An edit is only proposed if the command then reads as limited; the next commands of the
script are fixed in the next rounds. With `timeoutSeconds` 1 there is no whole-second limit
below the probe's own, so no fix is proposed: raise `timeoutSeconds` first (PL206). A `|`
block script keeps its lines and the comment after its `|`; a folded (`>`) script cannot be
rewritten exactly and gets no fix.

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

import re
from collections.abc import Iterator, Mapping

from probelint.dependencies import EnvBinding, container_env
from probelint.execparse import SimpleCommand, basename, parse_exec
from probelint.exectimeouts import (
    CONNECT_TIMEOUT,
    Limit,
    Timeouts,
    command_node,
    inner_timeouts,
    inner_value,
    shown,
    unbounded,
)
from probelint.handler_fixes import (
    TextEdit,
    edited_items,
    insert_after,
    insert_before,
    limit_edit,
    reparsed,
    set_items,
)
from probelint.model import Finding, Fix
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
            cmd, timeouts = found[0]
            yield ctx.probe_finding(probe, _message(probe, found), at=command_node(probe, cmd),
                                    fix=_fix(ctx, probe, cmd, timeouts, env))


# -- the fix -------------------------------------------------------------------------------
# Options that the MySQL clients only accept first on the command line.
MYSQL_FIRST = ("--defaults-file", "--defaults-extra-file", "--no-defaults", "--print-defaults",
               "--defaults-group-suffix")
# What may follow a word for an option to be inserted right after it (`curl>x` would turn the
# new value into a file descriptor).
_AFTER_WORD = frozenset(" \t\n;|&)")


def _fix(ctx: RuleContext, probe: Probe, cmd: SimpleCommand, timeouts: Timeouts,
         env: Mapping[str, EnvBinding]) -> Fix | None:
    """Limit the first reported command to timeoutSeconds - 1, as the message proposes.

    A limit written as 0 (switched off) is set instead when there is one; else the client's
    own option is added when it has one; both are safe: they only make a program the image
    already runs give up one second before the kubelet would. Otherwise a ``timeout N``
    prefix, unsafe: the image must have ``timeout``. An edit is kept only if the command
    then reads as bounded.
    """
    command = probe.command
    commands = parse_exec(command)
    if probe.timeout < 2 or command is None or not commands or not cmd.places:
        return None
    value = inner_value(probe.timeout)
    candidates = [_enable_edit(command, cmd, timeouts, value), _option_edit(command, cmd, timeouts, value),
                  _prefix_edit(cmd, value)]
    for edit, title, unsafe in candidates:
        if edit is None:
            continue
        items = edited_items(command, [edit])
        new = reparsed(command, items, commands, cmd) if items is not None else None
        bounded = inner_timeouts(new, env) if new is not None else None
        if bounded is None or not bounded.bounded:
            continue
        builder = ctx.fix(title, unsafe=unsafe, scope=probe.container.node)
        if set_items(builder, probe, items):
            return builder.build()
    return None


def _enable_edit(command: list[str], cmd: SimpleCommand, timeouts: Timeouts,
                 value: int) -> tuple[TextEdit | None, str, bool]:
    """A whole-command limit written as 0 (``-m 0``, ``timeout 0``), set to ``value``."""
    # With both `timeout 0` and `-m 0`, the client's option: it is the one the message names.
    whole = sorted((limit for limit in timeouts.disabled if limit.whole), key=lambda limit: limit.kind == "timeout")
    for limit in whole:
        edit = limit_edit(command, cmd, limit, value)
        if edit is not None:
            return edit, f'Change "{limit.written}" to "{limit.with_value(value)}"', False
    return None, "", False


def _option_edit(command: list[str], cmd: SimpleCommand, timeouts: Timeouts,
                 value: int) -> tuple[TextEdit | None, str, bool]:
    """The client's own limit (``curl -m 4``), written right after the program, or as an
    assignment in front of the command (``PGCONNECT_TIMEOUT=4 psql``)."""
    lead = len(cmd.written) - len(cmd.argv)
    option = re.fullmatch(r'add "(.+)"', timeouts.flag)
    if option is not None:
        text = option.group(1).format(value)
        after = lead
        if timeouts.tool in ("mysql", "mysqladmin", "mariadb", "mariadb-admin"):
            while after + 1 < len(cmd.written) and cmd.written[after + 1].startswith(MYSQL_FIRST):
                after += 1
        item, _, end = cmd.places[after]
        following = command[item][end:end + 2]
        if following[:1] and following[:1] not in _AFTER_WORD and following != "\\\n":
            return None, "", False
        return insert_after(cmd.places[after], " " + text), f'Add "{text}" to {timeouts.tool}', False
    assignment = re.fullmatch(r'set "(.+)" in front of it', timeouts.flag)
    if assignment is not None and not any(CONNECT_TIMEOUT.search(arg) for arg in cmd.args):
        # A connect_timeout in the conninfo, even 0, wins over the variable.
        text = assignment.group(1).format(value)
        return insert_before(cmd.places[0], text + " "), f'Set "{text}" in front of {timeouts.tool}', False
    return None, "", False


def _prefix_edit(cmd: SimpleCommand, value: int) -> tuple[TextEdit | None, str, bool]:
    """``timeout N`` right before the program, after any wrappers (``nice``, ``env X=1``,
    ``exec``) and assignments, which all pass their effect on through ``timeout``; before
    ``busybox``, whose applet would otherwise be ``timeout``."""
    lead = len(cmd.written) - len(cmd.argv)
    at = lead
    for index, word in enumerate(cmd.written[:lead]):
        if basename(word) == "busybox":
            at = index
            break
    return (insert_before(cmd.places[at], f"timeout {value} "), f'Prefix {cmd.program} with "timeout {value}"',
            True)


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
