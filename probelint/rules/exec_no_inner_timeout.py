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

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from yaml.nodes import Node, SequenceNode

from probelint.dependencies import EnvBinding, container_env, tool_for
from probelint.execparse import (
    SHELLS,
    SimpleCommand,
    basename,
    parse_duration,
    parse_exec,
)
from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.secrets import simple_command_text
from probelint.workloads import Container

RULE = Rule(
    code="PL307",
    name="exec-no-inner-timeout",
    summary="A shell-wrapped exec probe runs a network client without a timeout of its own",
    level="warning",
    fix="sometimes",
)

MAX_SHOWN = 80


# -- values --------------------------------------------------------------------------------
_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)")
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text: str | None) -> float | None:
    """A plain number of seconds (``5``, ``2.5``), as curl, nc and libpq take it."""
    if text is None or not _NUMBER.fullmatch(text.strip()):
        return None
    return float(text.strip())


def go_duration(text: str | None) -> float | None:
    """A Go ``time.Duration`` (``5s``, ``500ms``, ``1m30s``); a bare number is not one."""
    if text is None:
        return None
    text = text.strip().lstrip("+")
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        match = _GO_PART.match(text, pos)
        if not match:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        pos = match.end()
    return total if text else None


def go_or_seconds(text: str | None) -> float | None:
    return seconds(text) if text is not None and _NUMBER.fullmatch(text.strip()) else go_duration(text)


def duration(text: str | None) -> float | None:
    """``timeout``'s and wget's form: a number with an optional s/m/h/d suffix."""
    return parse_duration(text) if text is not None else None


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- option parsing --------------------------------------------------------------------------
def getopt(args: Sequence[str], short_values: str = "", long_values: frozenset[str] = frozenset(),
           long_equals: bool = True) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """GNU-style options: ``(name, value, separator)`` triples and the positional arguments.

    Short options combine (``-sfm 5``, ``-zw2``); a letter in ``short_values`` takes the
    rest of the word or the next word. Long options take ``--name=value`` (unless
    ``long_equals`` is false, as in curl) or, when listed in ``long_values``, the next word.
    The separator is "=", " " or "" (glued), so that a new value can be written the same way.
    """
    options: list[tuple[str, str | None, str]] = []
    positionals: list[str] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            positionals.extend(args[i + 1:])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=") if long_equals else (arg, "", "")
            if eq:
                options.append((name, value, "="))
            elif name in long_values:
                options.append((name, args[i + 1] if i + 1 < n else None, " "))
                i += 1
            else:
                options.append((name, None, ""))
            i += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            for j, letter in enumerate(letters):
                if letter in short_values:
                    rest = letters[j + 1:]
                    if rest:
                        options.append(("-" + letter, rest, ""))
                    else:
                        options.append(("-" + letter, args[i + 1] if i + 1 < n else None, " "))
                        i += 1
                    break
                options.append(("-" + letter, None, ""))
            i += 1
            continue
        positionals.append(arg)
        i += 1
    return options, positionals


def goflags(args: Sequence[str], values: frozenset[str]) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """Go ``flag`` package options: ``-name=value``, ``-name value``, ``--name``; parsing
    stops at the first argument that is not a flag. Names are returned without dashes."""
    options: list[tuple[str, str | None, str]] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            return options, list(args[i + 1:])
        if not arg.startswith("-") or arg == "-" or arg.startswith("---"):
            return options, list(args[i:])
        name, eq, value = arg.lstrip("-").partition("=")
        if eq:
            options.append((name, value, "="))
        elif name in values:
            options.append((name, args[i + 1] if i + 1 < n else None, " "))
            i += 1
        else:
            options.append((name, None, ""))
        i += 1
    return options, []


CURL_SHORT_VALUES = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
CURL_LONG_VALUES = frozenset({
    "--abstract-unix-socket", "--alt-svc", "--aws-sigv4", "--cacert", "--capath", "--cert", "--cert-type", "--ciphers",
    "--config", "--connect-timeout", "--connect-to", "--continue-at", "--cookie", "--cookie-jar", "--create-file-mode",
    "--crlfile", "--curves", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode",
    "--delegation", "--dns-interface", "--dns-ipv4-addr", "--dns-ipv6-addr", "--dns-servers", "--doh-url",
    "--dump-header", "--egd-file", "--engine", "--etag-compare", "--etag-save", "--expect100-timeout", "--form",
    "--form-string", "--ftp-account", "--ftp-alternative-to-user", "--ftp-method", "--ftp-port", "--ftp-ssl-ccc-mode",
    "--happy-eyeballs-timeout-ms", "--haproxy-clientip", "--header", "--hostpubmd5", "--hostpubsha256", "--hsts",
    "--interface", "--ip-tos", "--json", "--keepalive-time", "--key", "--key-type", "--krb", "--libcurl",
    "--limit-rate", "--local-port", "--login-options", "--mail-auth", "--mail-from", "--mail-rcpt", "--max-filesize",
    "--max-redirs", "--max-time", "--netrc-file", "--noproxy", "--oauth2-bearer", "--output", "--output-dir", "--pass",
    "--pinnedpubkey", "--preproxy", "--proto", "--proto-default", "--proto-redir", "--proxy", "--proxy-cacert",
    "--proxy-capath", "--proxy-cert", "--proxy-cert-type", "--proxy-ciphers", "--proxy-header", "--proxy-key",
    "--proxy-key-type", "--proxy-pass", "--proxy-pinnedpubkey", "--proxy-service-name", "--proxy-user", "--proxy1.0",
    "--pubkey", "--quote", "--random-file", "--range", "--rate", "--referer", "--request", "--request-target",
    "--resolve", "--retry", "--retry-delay", "--retry-max-time", "--sasl-authzid", "--service-name", "--socks4",
    "--socks4a", "--socks5", "--socks5-gssapi-service", "--socks5-hostname", "--speed-limit", "--speed-time",
    "--stderr", "--telnet-option", "--tftp-blksize", "--time-cond", "--tls-max", "--tls13-ciphers", "--tlsauthtype",
    "--tlspassword", "--tlsuser", "--trace", "--trace-ascii", "--trace-config", "--unix-socket", "--upload-file",
    "--url", "--url-query", "--user", "--user-agent", "--variable", "--write-out",
})
WGET_SHORT_VALUES = "OoaTtUPewYiBDARIXlQ"
WGET_LONG_VALUES = frozenset({
    "--output-document", "--output-file", "--append-output", "--timeout", "--tries", "--user-agent", "--header",
    "--directory-prefix", "--execute", "--user", "--password", "--http-user", "--http-password", "--post-data",
    "--post-file", "--body-data", "--body-file", "--method", "--ca-certificate", "--certificate", "--private-key",
    "--wait", "--dns-timeout", "--connect-timeout", "--read-timeout", "--proxy", "--input-file", "--base",
    "--max-redirect", "--limit-rate", "--referer", "--load-cookies", "--save-cookies", "--bind-address",
})
NC_SHORT_VALUES = "IiMmOPpqsTVwXxecgG"
NC_LONG_VALUES = frozenset({"--wait", "--idle-timeout", "--source", "--source-port", "--proxy", "--proxy-type", "--exec",
                            "--sh-exec"})
GRPC_PROBE_VALUES = frozenset({
    "addr", "service", "connect-timeout", "rpc-timeout", "tls-ca-cert", "tls-client-cert", "tls-client-key",
    "tls-server-name", "user-agent", "rpc-header", "spiffe-socket", "alts-target-service-account",
})
GRPCURL_VALUES = frozenset({
    "d", "H", "rpc-header", "reflect-header", "import-path", "proto", "protoset", "authority", "servername", "cert",
    "key", "cacert", "max-time", "connect-timeout", "keepalive-time", "format", "max-msg-sz", "user-agent",
    "protoset-out",
})


# -- inner timeouts ------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """One written limit on how long a command may run.

    ``written`` is how it reads in the command (``-m 10``, ``timeout 10``,
    ``-rpc-timeout=5s``); ``template`` rewrites it with another number of seconds; ``whole``
    tells whether it bounds the whole command or only one phase (connecting, one RPC).
    """

    written: str
    seconds: float
    whole: bool
    template: str

    def with_value(self, value: float) -> str:
        return self.template.format(fmt(value))


@dataclass(frozen=True)
class Timeouts:
    """What limits the run time of one network client invocation."""

    tool: str
    limits: tuple[Limit, ...]  # written and non-zero
    builtin: str  # the client's own default deadline, described; "" when it has none
    flag: str  # how to add the client's own limit ('add "-m {}"'), "" if it has none
    flag_names: str  # how the whole-run options are named in messages ("-m/--max-time")

    @property
    def whole(self) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if limit.whole)

    @property
    def partial(self) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if not limit.whole)

    @property
    def bounded(self) -> bool:
        return bool(self.builtin or self.whole)


def _written(name: str, value: str, sep: str) -> str:
    return f"{name}{sep}{value}"


def _template(name: str, sep: str, unit: str = "") -> str:
    return f"{name}{'=' if sep == '=' else ' '}{{}}{unit}"


def _flag_limits(options: Sequence[tuple[str, str | None, str]], whole: Mapping[str, Callable],
                 phase: Mapping[str, Callable], prefix: str = "", unit: str = "") -> list[Limit]:
    """Limits among parsed options; the last occurrence of an option wins, as in getopt loops."""
    found: dict[str, Limit | None] = {}
    for name, value, sep in options:
        parse = whole.get(name) or phase.get(name)
        if parse is None or value is None:
            continue
        amount = parse(value)
        if amount is None:
            found[name] = None  # not a value the tool accepts: it refuses to run, nothing to time
            continue
        shown = prefix + name
        found[name] = Limit(_written(shown, value, sep), amount, name in whole, _template(shown, sep, unit))
    return [limit for limit in found.values() if limit is not None and limit.seconds > 0]


def _conninfo_limits(cmd: SimpleCommand, env: Mapping[str, EnvBinding]) -> list[Limit]:
    """libpq's ``connect_timeout`` (conninfo or URI), else ``PGCONNECT_TIMEOUT``."""
    found: list[Limit] = []
    for arg in cmd.args:
        for match in re.finditer(r"(?:^|[\s?&])connect_timeout\s*=\s*'?(-?\d+)", arg):
            amount = float(match.group(1))
            if amount > 0:
                found.append(Limit(f"connect_timeout={match.group(1)}", amount, True, "connect_timeout={}"))
    if found:
        return found[-1:]
    value = cmd.env.get("PGCONNECT_TIMEOUT")
    if value is None:
        binding = env.get("PGCONNECT_TIMEOUT")
        value = binding.value if binding is not None else None
    amount = seconds(value)
    if amount:
        return [Limit(f"PGCONNECT_TIMEOUT={value}", amount, True, "PGCONNECT_TIMEOUT={}")]
    return []


def inner_timeouts(cmd: SimpleCommand, env: Mapping[str, EnvBinding]) -> Timeouts | None:
    """The limits of a network client command, or None when the command is not one."""
    found = tool_for(cmd.program, cmd.args)
    if found is None:
        return None
    name = found[0]
    args = cmd.args
    limits: list[Limit] = []
    if cmd.timeout_wrapper:
        limits.append(Limit(f"timeout {fmt(cmd.timeout_wrapper)}", cmd.timeout_wrapper, True, "timeout {}"))
    builtin, flag, flag_names = "", "", ""
    if name == "curl":
        options, _ = getopt(args, CURL_SHORT_VALUES, CURL_LONG_VALUES, long_equals=False)
        limits += _flag_limits(options, {"-m": seconds, "--max-time": seconds}, {"--connect-timeout": seconds})
        flag, flag_names = 'add "-m {}"', "-m/--max-time"
    elif name == "wget":
        options, _ = getopt(args, WGET_SHORT_VALUES, WGET_LONG_VALUES)
        limits += _flag_limits(options, {"-T": duration, "--timeout": duration},
                               {"--connect-timeout": duration, "--read-timeout": duration, "--dns-timeout": duration})
        flag, flag_names = 'add "-T {}"', "-T/--timeout"
    elif name in ("nc", "ncat", "netcat"):
        options, _ = getopt(args, NC_SHORT_VALUES, NC_LONG_VALUES)
        limits += _flag_limits(options, {"-w": seconds, "--wait": duration}, {})
        flag, flag_names = 'add "-w {}"', "-w"
    elif name == "psql":
        limits += _conninfo_limits(cmd, env)
        flag, flag_names = 'set "PGCONNECT_TIMEOUT={}" in front of it', "connect_timeout, no PGCONNECT_TIMEOUT"
    elif name == "pg_isready":
        options, _ = getopt(args, "hpUdt", frozenset({"--host", "--port", "--username", "--dbname", "--timeout"}))
        written = [(n, v) for n, v, _ in options if n in ("-t", "--timeout") and v is not None]
        limits += _flag_limits(options, {"-t": seconds, "--timeout": seconds}, {})
        if not written:
            builtin = "pg_isready gives up after 3 s unless -t says otherwise"
    elif name in ("mysql", "mysqladmin", "mariadb", "mariadb-admin"):
        options, _ = getopt(args, "", frozenset({"--connect-timeout", "--connect_timeout"}))
        limits += _flag_limits(options, {"--connect-timeout": seconds, "--connect_timeout": seconds}, {})
        flag, flag_names = 'add "--connect-timeout={}"', "--connect-timeout"
    elif name == "grpc_health_probe":
        options, _ = goflags(args, GRPC_PROBE_VALUES)
        limits += _flag_limits(options, {}, {"connect-timeout": go_duration, "rpc-timeout": go_duration}, "-", "s")
        builtin = "grpc_health_probe allows 1 s to connect and 1 s for the RPC unless told otherwise"
    elif name == "grpcurl":
        options, _ = goflags(args, GRPCURL_VALUES)
        limits += _flag_limits(options, {"max-time": seconds}, {"connect-timeout": seconds}, "-")
        flag, flag_names = 'add "-max-time {}"', "-max-time"
    elif name == "etcdctl":
        options, _ = getopt(args, "w", frozenset({"--command-timeout", "--dial-timeout", "--endpoints"}))
        limits += _flag_limits(options, {"--command-timeout": go_duration}, {"--dial-timeout": go_duration}, unit="s")
        builtin = "etcdctl stops after --dial-timeout 2s and --command-timeout 5s by default"
    elif name == "kubectl":
        options, _ = getopt(args, "nlos", frozenset({"--request-timeout", "--namespace", "--context", "--server"}))
        limits += _flag_limits(options, {"--request-timeout": go_or_seconds}, {}, unit="s")
        flag, flag_names = 'add "--request-timeout={}s"', "--request-timeout"
    elif name in ("rabbitmqctl", "rabbitmq-diagnostics"):
        options, _ = getopt(args, "tnq", frozenset({"--timeout", "--node"}))
        limits += _flag_limits(options, {"-t": seconds, "--timeout": seconds}, {})
        flag, flag_names = 'add "--timeout {}"', "-t/--timeout"
    elif name in ("http", "https"):
        options, _ = getopt(args, "aov", frozenset({"--timeout", "--auth", "--output"}))
        limits += _flag_limits(options, {"--timeout": seconds}, {})
        flag, flag_names = 'add "--timeout {}"', "--timeout"
    elif name in ("ping", "ping6"):
        options, _ = getopt(args, "cWwisItlpQSM", frozenset())
        limits += _flag_limits(options, {"-w": seconds}, {})
        if any(n == "-c" for n, _, _ in options):
            builtin = "ping stops after its -c count of packets"
        flag, flag_names = 'add "-w {}"', "-w"
    elif name == "cqlsh":
        builtin = "cqlsh stops after --connect-timeout 5 and --request-timeout 10 by default"
    elif name == "nats":
        builtin = "nats stops after --timeout 5s by default"
    elif name in ("dig", "host", "nslookup"):
        builtin = f"{name} gives up after a bounded number of tries"
    elif name == "vault":
        builtin = "the vault CLI gives up after 60 s (VAULT_CLIENT_TIMEOUT) by default"
    elif name == "aws":
        builtin = "the aws CLI gives up after --cli-connect-timeout and --cli-read-timeout, 60 s each, by default"
    return Timeouts(name, tuple(limits), builtin, flag, flag_names)


# -- which commands outlive the probe ----------------------------------------------------------
_EXEC_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*exec\s")


def probe_shell(probe: Probe) -> str | None:
    """The shell an exec probe starts (``sh``, ``bash``...), or None when it runs no shell."""
    for word in probe.command or ():
        name = basename(word)
        if name in SHELLS:
            return name
    return None


def replaces_shell(probe: Probe, commands: Sequence[SimpleCommand], cmd: SimpleCommand) -> bool:
    """The command takes over the shell's process instead of running as its child.

    That is the script's last command, at its top level (not in a pipeline, a compound
    command or the background, no redirection, no trap set), when it is written with
    ``exec`` or run by bash: bash execs the lone simple command of ``-c`` and, since 5.1,
    the last one. Debian's dash always forks, so ``sh -c`` gets no such exemption.
    """
    if not commands or cmd is not commands[-1] or cmd.substitution or not cmd.shell:
        return False
    if any(other.program == "trap" for other in commands):
        return False
    items = probe.command or []
    script = items[cmd.index] if 0 <= cmd.index < len(items) else ""
    at = script.rfind(cmd.raw) if cmd.raw else -1
    if at < 0:
        return False
    before, after = script[:at].rstrip(" \t"), script[at + len(cmd.raw):]
    if after.strip(" \t\n;") or not (before == "" or before.endswith(("\n", ";", "&&", "||"))):
        return False  # a redirection, `&`, `| next`, `fi`, `done`, `}` or a pipeline before it
    in_words = sum(word.count("<") + word.count(">") for word in (*cmd.argv, *(v for _, v in cmd.assignments)))
    if cmd.raw.count("<") + cmd.raw.count(">") > in_words:
        return False  # a redirection between the words
    return bool(_EXEC_PREFIX.match(cmd.raw)) or probe_shell(probe) == "bash"


_FUNCTION = re.compile(r"(?:^|[\s;&|(){}])(?:function\s+([A-Za-z_][\w.-]*)|([A-Za-z_][\w.-]*)\s*\(\s*\))")


def script_functions(probe: Probe) -> frozenset[str]:
    """Names of shell functions a script defines (``http () { ... }``, ``function check``):
    calling one runs the script's own code, not the program of that name."""
    names: set[str] = set()
    for item in probe.command or ():
        for match in _FUNCTION.finditer(item):
            names.add(match.group(1) or match.group(2))
    return frozenset(names)


def unbounded(probe: Probe, env: Mapping[str, EnvBinding]) -> list[tuple[SimpleCommand, Timeouts]]:
    """The network clients a shell runs as children with no limit on their run time."""
    commands = parse_exec(probe.command)
    if not commands:
        return []
    functions = script_functions(probe)
    found = []
    for cmd in commands:
        if not cmd.shell or cmd.program in functions or replaces_shell(probe, commands, cmd):
            continue
        timeouts = inner_timeouts(cmd, env)
        if timeouts is not None and not timeouts.bounded:
            found.append((cmd, timeouts))
    return found


def shown(cmd: SimpleCommand) -> str:
    """The command for a message; a placeholder when it holds a literal credential."""
    return simple_command_text(cmd, MAX_SHOWN)


def command_node(probe: Probe, cmd: SimpleCommand) -> Node:
    """The ``exec.command`` item a command comes from (the script of ``sh -c``)."""
    node = probe.command_node()
    if isinstance(node, SequenceNode) and 0 <= cmd.index < len(node.value):
        return node.value[cmd.index]
    return node or probe.anchor("exec")


def inner_value(timeout: int) -> int:
    """The inner timeout the fixes propose: timeoutSeconds - 1, at least 1 s."""
    return max(1, timeout - 1)


def raised_timeout(limit_seconds: float) -> int:
    """The smallest timeoutSeconds above an inner timeout."""
    return math.floor(limit_seconds) + 1


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
