"""
## What it does
Finds exec probes that only do what a native probe does, and names the native probe. The
command (run directly, or as the only command of a `sh -c`/`bash -c` script; wrappers such
as `timeout 3` or `exec` do not count) must be one of:

* `curl ... http(s)://localhost|127.0.0.1|[::1][:PORT][/PATH]` (a GET; a URL without a
  scheme is `http`) -> `httpGet: {path, port, scheme}`, with `-H`, `-A` and `-e` as
  `httpHeaders`;
* `wget ... http(s)://localhost...` -> `httpGet`;
* `nc -z localhost PORT` (also `ncat`, `netcat`; `-v`, `-n`, `-w`, `-4`, `-6` allowed) ->
  `tcpSocket: {port}`;
* `grpc_health_probe -addr=[localhost]:PORT [-service=S]` without any `-tls*` option (and
  without `-alts` or `-spiffe`) -> `grpc: {port, service}`.

Requests that a native probe cannot make are not reported: other methods or a body
(`-X POST`, `-d`, `-I`, `--post-data`), unix sockets, proxies, config files, other hosts,
ports or paths built from variables, and scripts with more than one command
(`curl ... | grep ok`, `curl -f ... || exit 1`).

The message says where the two probes would behave differently:

* `curl` without `-f`/`--fail` exits 0 on HTTP 400 and above, which `httpGet` counts as a
  failure; `wget` already fails on them;
* `curl -L` and `wget` follow redirects to other hosts; the kubelet follows only same-host
  redirects and counts a redirect elsewhere as a success;
* over `https`, `curl` without `-k` and `wget` without `--no-check-certificate` verify the
  certificate; the kubelet does not;
* credentials (`-u`, `--user`, `user:pw@` in the URL, `.netrc`), retries, client
  certificates, `wget --spider` (HEAD instead of GET), headers built from shell variables,
  gRPC request metadata (`-rpc-header`) and options without a native counterpart.

Native gRPC probes need Kubernetes 1.24 or later: with an explicit `--kube-version` below
that the finding stays, without a fix.

## Why is this bad?
Every exec probe makes the container runtime start a process inside the container, charged
to the container's CPU and memory limits, once per `periodSeconds` per probe; the Kubernetes
docs warn about this overhead. Exec probes have a history of zombie processes and of
processes piling up after timeouts (kubernetes/kubernetes #81042, #110070), "Don't use exec
for your probes" is a common production rule, and the image must keep shipping `curl`,
`wget`, `nc` or `grpc_health_probe`. A native probe is made by the kubelet itself, needs
nothing in the image and reports clearer events. `grpc_health_probe` exists because
Kubernetes had no gRPC probe before 1.24; its README now points to the native one.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout}
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:1.8
          ports:
            - {containerPort: 5050}
          readinessProbe:
            exec:
              command: ["/bin/grpc_health_probe", "-addr=:5050"]
```

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
          livenessProbe:
            exec:
              command: ["sh", "-c", "curl -fsS http://localhost:8080/healthz"]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout}
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: example/checkout:1.8
          ports:
            - {containerPort: 5050}
          readinessProbe:
            grpc: {port: 5050}
```

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
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
```

## Options
None. Uses `--kube-version` for the gRPC conversion.

## Fix safety
Offered only when the conversion has no caveat (the list above), and then unsafe: `exec` is
replaced by the native handler the message names, written in the style of the `exec` block
(block or flow), where `exec` was (at the end of a probe written as a flow mapping); the
probe's timing fields are kept. The exec command's own timeouts (`-m`,
`-connect-timeout`, `timeout 3`, ...) are dropped, since `timeoutSeconds`, which the kubelet
already enforced on the command, covers the whole native probe. It is unsafe because of one
difference that applies to every conversion and that the manifest cannot settle: the command
connected to the container over loopback, the kubelet connects to the pod IP (and sends it in
the `Host` header). A server that listens only on `127.0.0.1` or `::1`, or that only accepts
`localhost` as a host name, passes the exec probe and fails the native one. With caveats, or
for gRPC with an explicit `--kube-version` below 1.24, there is no fix: the message says what
would change.

## References
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (native HTTP, TCP and gRPC
  probes): https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Kubernetes, "Pod Lifecycle", container probes (exec probe overhead):
  https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
- learnk8s, "Kubernetes production best practices" ("Don't use exec for your probes"):
  https://learnk8s.io/production-best-practices
- kubernetes/kubernetes #81042 (zombie processes from exec probes), #75416 (the kubelet does
  not follow redirects to other hosts), #116233 (gRPC probes GA in 1.27)
- grpc-health-probe README: https://github.com/grpc-ecosystem/grpc-health-probe
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from yaml.nodes import MappingNode

from probelint.execparse import SimpleCommand, parse_exec
from probelint.exectimeouts import (
    CURL_LONG_VALUES,
    CURL_SHORT_VALUES,
    GRPC_PROBE_VALUES,
    NC_LONG_VALUES,
    NC_SHORT_VALUES,
    WGET_LONG_VALUES,
    WGET_SHORT_VALUES,
    getopt,
    goflags,
    shown,
)
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.secrets import CREDENTIAL_HEADERS
from probelint.workloads import Container

RULE = Rule(
    code="PL306",
    name="exec-probe-convertible",
    summary="An exec probe only does what a native httpGet, tcpSocket or grpc probe does",
    level="info",
    fix="sometimes",
)

GRPC_PROBES = (1, 24)  # beta, on by default; GA in 1.27
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
POD_IP_NOTE = "the kubelet connects to the pod IP, so the server must listen on it and not only on loopback"


@dataclass
class Conversion:
    handler: str  # the native handler, as YAML flow text
    what: str  # what the command checks
    caveats: list[str] = field(default_factory=list)
    native: tuple[str, dict[str, object]] | None = None  # the same handler as data, for the fix


# -- HTTP ------------------------------------------------------------------------------------
@dataclass
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    userinfo: bool


def _local_url(url: str) -> _Target | None:
    """A URL on a loopback host, or None (another host, a variable, a bad port)."""
    if "$" in url or "`" in url or not url:
        return None
    text = url if "://" in url else "http://" + url
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or (parts.hostname or "") not in LOCAL_HOSTS:
        return None
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 1 <= port <= 65535:
        return None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host[: host.index("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
    return _Target(scheme, host, port, path, "@" in parts.netloc)


def _once(caveats: list[str], text: str) -> None:
    if text not in caveats:
        caveats.append(text)


def _variable(text: str, shell: bool) -> bool:
    return "`" in text or ("$" in text if shell else "$(" in text)


def _header(text: str, shell: bool, caveats: list[str]) -> tuple[str, str] | None:
    name, sep, value = text.partition(":")
    if not sep:
        if text.endswith(";"):
            return text[:-1].strip(), ""
        caveats.append(f'header "{text}" is not a "Name: value" pair')
        return None
    name, value = name.strip(), value.strip()
    if not value:
        caveats.append(f'"{name}:" removes a default header, which httpGet cannot do')
        return None
    if _variable(value, shell):
        caveats.append(f"header {name} takes its value from a variable, while httpGet headers are literal")
        return None
    if name.lower() in CREDENTIAL_HEADERS:
        _once(caveats, f"header {name} carries a credential, which httpGet could only send as a literal header "
                       "stored in the workload (PL310)")
        return None
    return name, value


CURL_SKIP = frozenset({
    "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json", "-F", "--form",
    "--form-string", "-T", "--upload-file", "-I", "--head", "--unix-socket", "--abstract-unix-socket", "-x", "--proxy",
    "--preproxy", "--socks4", "--socks4a", "--socks5", "--socks5-hostname", "-K", "--config", "-G", "--get",
    "--url-query", "-:", "--next", "-Z", "--parallel",
})
CURL_HARMLESS = frozenset({
    "-s", "--silent", "-S", "--show-error", "-f", "--fail", "--fail-with-body", "-k", "--insecure", "-v", "--verbose",
    "-q", "--disable", "-i", "--include", "-N", "--no-buffer", "-4", "--ipv4", "-6", "--ipv6", "-#", "--progress-bar",
    "-g", "--globoff", "--compressed", "--no-progress-meter", "--fail-early", "--path-as-is", "--http1.1", "--http1.0",
    "-0", "--tcp-nodelay", "--no-keepalive", "--no-sessionid", "--raw", "-o", "--output", "-w", "--write-out", "-D",
    "--dump-header", "-m", "--max-time", "--connect-timeout", "--max-redirs", "--stderr", "--trace", "--trace-ascii",
    "--noproxy", "--expect100-timeout", "--keepalive-time", "--output-dir", "--create-file-mode", "--create-dirs",
    "-R", "--remote-time", "-O", "--remote-name", "--styled-output", "--no-styled-output", "--show-headers",
})
CURL_FAIL = frozenset({"-f", "--fail", "--fail-with-body"})
CURL_REDIRECT = frozenset({"-L", "--location", "--location-trusted"})
CURL_INSECURE = frozenset({"-k", "--insecure"})
CURL_CREDENTIALS = frozenset({"-u", "--user", "-n", "--netrc", "--netrc-optional", "--netrc-file", "--oauth2-bearer",
                              "--negotiate", "--ntlm", "--digest", "--anyauth", "--basic", "--aws-sigv4"})
CURL_RETRY = frozenset({"--retry", "--retry-connrefused", "--retry-all-errors", "--retry-delay", "--retry-max-time"})
CURL_CLIENT_CERT = frozenset({"-E", "--cert", "--key", "--cert-type", "--key-type", "--pass"})
CURL_HEADER = {"-H": "", "--header": "", "-A": "User-Agent", "--user-agent": "User-Agent", "-e": "Referer",
               "--referer": "Referer", "-b": "Cookie", "--cookie": "Cookie"}


def _curl(cmd: SimpleCommand) -> Conversion | None:
    options, positionals = getopt(cmd.args, CURL_SHORT_VALUES, CURL_LONG_VALUES, long_equals=False)
    urls = list(positionals)
    caveats: list[str] = []
    headers: list[tuple[str, str]] = []
    names = {name for name, _, _ in options}
    for name, value, _ in options:
        if name in CURL_SKIP:
            return None
        if name in ("-X", "--request"):
            if (value or "").upper() != "GET":
                return None
            continue
        if name == "--url":
            urls.append(value or "")
        elif name in CURL_HEADER:
            if value is None:
                return None
            label = CURL_HEADER[name]
            if label == "Cookie" and "=" not in value:
                caveats.append(f"{name} {value} reads cookies from a file")
                continue
            header = _header(f"{label}: {value}" if label else value, cmd.shell, caveats)
            if header is not None:
                headers.append(header)
        elif name in CURL_REDIRECT:
            _once(caveats, f"curl {name} follows redirects to other hosts, while the kubelet follows only "
                           "same-host redirects and counts a redirect elsewhere as a success")
        elif name in CURL_CREDENTIALS:
            _once(caveats, f"curl {name} sends credentials, which httpGet could only send as a literal header")
        elif name in CURL_RETRY:
            _once(caveats, "curl retries failed requests (--retry), while the kubelet counts each failure")
        elif name in CURL_CLIENT_CERT:
            caveats.append(f"curl {name} presents a client certificate, which the kubelet cannot")
        elif name not in CURL_HARMLESS and name not in ("--cacert", "--capath", "--pinnedpubkey", "--crlfile"):
            caveats.append(f"curl option {name} has no httpGet equivalent")
    if len(urls) != 1:
        return None
    target = _local_url(urls[0])
    if target is None:
        return None
    if not names & CURL_FAIL:
        caveats.insert(0, "curl without -f/--fail exits 0 on HTTP 400 and above, which httpGet counts as a failure")
    if target.scheme == "https" and not names & CURL_INSECURE:
        caveats.append("curl verifies the server certificate over https, the kubelet does not")
    if target.userinfo:
        caveats.append("the URL carries credentials, which httpGet could only send as a literal header")
    return Conversion(_http_handler(target, headers), f"requests {_url_text(target)} from the container itself",
                      caveats, _http_native(target, headers))


WGET_SKIP = frozenset({
    "--post-data", "--post-file", "--body-data", "--body-file", "-i", "--input-file", "-B", "--base", "-e",
    "--execute", "--config", "-r", "--recursive", "-p", "--page-requisites", "-m", "--mirror", "-Y", "--proxy",
    "-b", "--background",
})
WGET_HARMLESS = frozenset({
    "-q", "--quiet", "-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-S",
    "--server-response", "-n", "-v", "--verbose", "--no-verbose", "-T", "--timeout", "-t", "--tries", "--dns-timeout",
    "--connect-timeout", "--read-timeout", "-4", "--inet4-only", "-6", "--inet6-only", "--no-proxy", "--no-cache",
    "--no-dns-cache", "--no-check-certificate", "-P", "--directory-prefix", "--max-redirect", "--no-hsts",
    "-w", "--wait", "-nv", "--no-config", "-c", "--continue", "--content-on-error", "--limit-rate", "--no-cookies",
    "--delete-after", "-nc", "--no-clobber",
})
WGET_CREDENTIALS = frozenset({"--user", "--password", "--http-user", "--http-password", "--ask-password",
                              "--use-askpass", "--certificate", "--private-key", "--load-cookies"})


def _wget(cmd: SimpleCommand) -> Conversion | None:
    options, urls = getopt(cmd.args, WGET_SHORT_VALUES, WGET_LONG_VALUES)
    caveats: list[str] = []
    headers: list[tuple[str, str]] = []
    names = {name for name, _, _ in options}
    follows = True
    for name, value, _ in options:
        if name in WGET_SKIP:
            return None
        if name == "--method":
            if (value or "").upper() != "GET":
                return None
        elif name in ("--header", "-U", "--user-agent", "--referer"):
            if value is None:
                return None
            label = {"-U": "User-Agent", "--user-agent": "User-Agent", "--referer": "Referer"}.get(name, "")
            header = _header(f"{label}: {value}" if label else value, cmd.shell, caveats)
            if header is not None:
                headers.append(header)
        elif name == "--max-redirect" and value is not None and value.strip() == "0":
            follows = False
        elif name == "--spider":
            caveats.append("wget --spider may send HEAD instead of GET (GNU wget does)")
        elif name in WGET_CREDENTIALS:
            caveats.append(f"wget {name} sends credentials, which httpGet could only send as a literal header")
        elif name not in WGET_HARMLESS:
            caveats.append(f"wget option {name} has no httpGet equivalent")
    if len(urls) != 1:
        return None
    target = _local_url(urls[0])
    if target is None:
        return None
    if follows:
        caveats.append("wget follows redirects, also to other hosts, while the kubelet follows only same-host "
                       "redirects and counts a redirect elsewhere as a success")
    if target.scheme == "https" and "--no-check-certificate" not in names:
        caveats.append("wget verifies the server certificate over https, the kubelet does not")
    if target.userinfo:
        caveats.append("the URL carries credentials, which httpGet could only send as a literal header")
    return Conversion(_http_handler(target, headers), f"requests {_url_text(target)} from the container itself",
                      caveats, _http_native(target, headers))


def _url_text(target: _Target) -> str:
    default = 443 if target.scheme == "https" else 80
    port = "" if target.port == default else f":{target.port}"
    return f"{target.scheme}://{target.host}{port}{target.path}"


_PLAIN = re.compile(r"[A-Za-z0-9/_.~%?=&+\-]*")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "~"})


def _flow(text: str) -> str:
    """A string as a YAML flow scalar."""
    if (text and _PLAIN.fullmatch(text) and text[0] not in "?-" and text.lower() not in _RESERVED
            and not re.fullmatch(r"[-+.\d]+", text)):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _http_handler(target: _Target, headers: list[tuple[str, str]]) -> str:
    parts = [f"path: {_flow(target.path)}", f"port: {target.port}"]
    if target.scheme == "https":
        parts.append("scheme: HTTPS")
    if headers:
        items = ", ".join(f"{{name: {_flow(name)}, value: {_flow(value)}}}" for name, value in headers)
        parts.append(f"httpHeaders: [{items}]")
    return "httpGet: {" + ", ".join(parts) + "}"


def _http_native(target: _Target, headers: list[tuple[str, str]]) -> tuple[str, dict[str, object]]:
    spec: dict[str, object] = {"path": target.path, "port": target.port}
    if target.scheme == "https":
        spec["scheme"] = "HTTPS"
    if headers:
        spec["httpHeaders"] = [{"name": name, "value": value} for name, value in headers]
    return "httpGet", spec


# -- TCP -------------------------------------------------------------------------------------
NC_ALLOWED = frozenset({"-z", "-v", "-n", "-w", "--wait", "-4", "-6", "-N", "-q", "--zero-io", "--verbose", "--nodns"})


def _nc(cmd: SimpleCommand) -> Conversion | None:
    options, positionals = getopt(cmd.args, NC_SHORT_VALUES, NC_LONG_VALUES)
    names = {name for name, _, _ in options}
    if not names & {"-z", "--zero-io"} or not names <= NC_ALLOWED or len(positionals) != 2:
        return None
    host, port = positionals
    if host.strip("[]").lower() not in LOCAL_HOSTS or not port.isdigit() or not 1 <= int(port) <= 65535:
        return None
    number = int(port)
    return Conversion(f"tcpSocket: {{port: {number}}}", f"checks that local port {number} accepts a TCP connection",
                      native=("tcpSocket", {"port": number}))


# -- gRPC ------------------------------------------------------------------------------------
GRPC_HARMLESS = frozenset({"addr", "service", "connect-timeout", "rpc-timeout", "v", "user-agent"})
_FALSE = frozenset({"false", "0", "f"})


def _grpc(cmd: SimpleCommand) -> Conversion | None:
    options, _ = goflags(cmd.args, GRPC_PROBE_VALUES)
    caveats: list[str] = []
    addr = service = None
    for name, value, _ in options:
        enabled = value is None or value.lower() not in _FALSE
        if name.startswith(("tls", "alts", "spiffe")):
            if enabled:
                return None  # a secure transport: the native probe speaks plaintext only
            continue
        if name == "addr":
            addr = value
        elif name == "service":
            service = value
        elif name == "rpc-header":
            _once(caveats, "native gRPC probes send no request metadata (-rpc-header)")
        elif name not in GRPC_HARMLESS:
            caveats.append(f"grpc_health_probe option -{name} has no grpc probe equivalent")
    if addr is None or "$" in addr or "`" in addr or ":" not in addr:
        return None
    host, _, port = addr.rpartition(":")
    if host.strip("[]").lower() not in LOCAL_HOSTS | {""} or not port.isdigit() or not 1 <= int(port) <= 65535:
        return None
    if service is not None and ("$" in service or "`" in service):
        return None
    parts = [f"port: {int(port)}"]
    spec: dict[str, object] = {"port": int(port)}
    if service:
        parts.append(f"service: {_flow(service)}")
        spec["service"] = service
    named = f' "{service}"' if service else ""
    what = f"calls the gRPC health service{named} on local port {int(port)}"
    return Conversion("grpc: {" + ", ".join(parts) + "}", what, caveats, ("grpc", spec))


CONVERTERS = {"curl": _curl, "wget": _wget, "nc": _nc, "ncat": _nc, "netcat": _nc, "grpc_health_probe": _grpc}


# -- the rule ------------------------------------------------------------------------------
def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    for probe in container.probes.values():
        if probe.handler != "exec":
            continue
        commands = parse_exec(probe.command)
        if not commands or len(commands) != 1:
            continue
        cmd = commands[0]
        converter = CONVERTERS.get(cmd.program)
        if converter is None or cmd.substitution:
            continue
        conversion = converter(cmd)
        if conversion is None:
            continue
        yield _finding(ctx, probe, cmd, conversion)


def _finding(ctx: RuleContext, probe: Probe, cmd: SimpleCommand, conversion: Conversion) -> Finding:
    text = (f'exec command "{shown(cmd)}" only {conversion.what}: use {conversion.handler} instead, which starts no '
            f"process in the container; {POD_IP_NOTE}")
    fixable = not conversion.caveats
    if conversion.handler.startswith("grpc") and ctx.settings.kube_version_explicit and ctx.kube_version < GRPC_PROBES:
        major, minor = ctx.kube_version
        text += f"; native gRPC probes need Kubernetes 1.24 or later, and --kube-version is {major}.{minor}"
        fixable = False
    if conversion.caveats:
        text += "; not an exact equivalent: " + "; ".join(conversion.caveats)
    fix = _native_fix(ctx, probe, conversion) if fixable else None
    return ctx.probe_finding(probe, text, field="exec", fix=fix)


def _native_fix(ctx: RuleContext, probe: Probe, conversion: Conversion) -> Fix | None:
    """Replace ``exec`` with the native handler, where ``exec`` was, in the same block or
    flow style; the timing fields stay.

    Unsafe even without caveats: the kubelet connects to the pod IP (and sends it as the
    ``Host``), the command connected to loopback, and only the application knows whether it
    listens and answers there.
    """
    exec_node = probe.map.get("exec")
    if conversion.native is None or not isinstance(exec_node, MappingNode):
        return None
    name, spec = conversion.native
    # Quoting is read from the whole object: the container's own strings are mostly the
    # command items this fix removes.
    builder = ctx.fix(f"Replace exec with {conversion.handler}", unsafe=True)
    builder.delete(probe.node, "exec")
    builder.set(probe.node, name, spec, after="exec", flow=bool(exec_node.flow_style))
    return builder.build()
