"""Does a probe check something outside its own process? The heuristics, as data.

A liveness probe that fails when a database, cache, broker or peer is unhealthy restarts every
replica at once and fixes nothing; a readiness probe that does so empties the Service. The
same questions are asked of both probe types, so everything here is independent of the probe
type and of any rule:

* ``match_path``/``dependency_token``/``readiness_token``: the tokens of an HTTP path and
  query (``/health/db``, ``/healthz?full=true``, ``/readyz``), matched only when delimited,
  so ``/status`` is not ``s3`` and ``/dbz`` is not ``db``.
* ``http_target``: the path the application really serves, looking through Istio's probe
  rewrite (``/app-health/<container>/livez`` on the pilot agent), whose container name must
  not be mistaken for a token.
* ``analyze_exec``: which commands of an exec probe reach a dependency: a client or network
  tool whose host is not pod-local (flags, URLs, conninfo, ``host:port``, the tool's default
  and its environment variables), a reference to an environment variable that names a
  dependency, or a subcommand that reports cluster rather than node state. A self-check (the
  image's own server checked on localhost) is exempt except for cluster-scope subcommands.
* ``framework_endpoint`` and ``liveness_path_for``: the aggregate endpoints of known
  frameworks and the process-local endpoint to use instead.

The tables follow section 4 of ``probe-semantics.md``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode

from probelint import istio
from probelint.execparse import SimpleCommand, basename, parse_exec
from probelint.tooloptions import (
    CURL_LONG_VALUES,
    CURL_SHORT_VALUES,
    NC_LONG_VALUES,
    NC_SHORT_VALUES,
    WGET_LONG_VALUES,
    WGET_SHORT_VALUES,
    value_options,
)
from probelint.yamlnode import Map

if TYPE_CHECKING:
    from probelint.probes import Probe
    from probelint.workloads import Container

# -- 4.1 HTTP path tokens ------------------------------------------------------------------
DELIMITERS = r"/_\-.=&?"
# Each alternative is a regular expression; the noun says what an outage of it is called.
DEP_TOKENS: tuple[tuple[str, str], ...] = (
    (r"db|database|sql|postgres(?:ql)?|pg|mysql|mariadb|mongo(?:db)?|cassandra|scylla|dynamo(?:db)?", "database"),
    (r"redis|valkey|memcached?|cache", "cache"),
    (r"kafka|rabbit(?:mq)?|amqp|nats|queue|mq|sqs|pubsub", "message broker"),
    (r"elastic(?:search)?|opensearch|solr", "search cluster"),
    (r"s3|gcs|blob|storage", "storage service"),
    (r"ldap|keycloak", "identity provider"),
    (r"vault", "secret store"),
    (r"consul|etcd|zookeeper|zk", "coordination service"),
    (r"upstream|downstream|backend|external|dependenc(?:y|ies)|deps|integration|third-?party", "dependency"),
)
DEEP_TOKENS = r"deep|full|all|detail(?:ed|s)?|verbose|complete|aggregate|extended"
READY_TOKENS = r"ready|readyz|readiness"
# Query flags that ask for a deep check, and the values that mean "yes" and "no".
DEEP_FLAGS = frozenset({"full", "deep", "verbose"})
FLAG_TRUE = frozenset({"", "1", "true", "yes", "on"})
FLAG_FALSE = frozenset({"0", "false", "no", "off"})
# Query keys whose values name checks to leave out (etcd's `exclude=NOSPACE`).
EXCLUDE_KEYS = frozenset({"exclude", "excludes", "skip", "ignore"})


def _delimited(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^{DELIMITERS}])(?:{alternatives})(?![^{DELIMITERS}])", re.IGNORECASE)


_DEP_PATTERNS = tuple((_delimited(alts), noun) for alts, noun in DEP_TOKENS)
_DEEP_PATTERN = _delimited(DEEP_TOKENS)
_READY_PATTERN = _delimited(READY_TOKENS)


@dataclass(frozen=True)
class TokenMatch:
    """A token found in a path: ``kind`` is "dependency", "deep" or "ready"."""

    token: str
    kind: str
    noun: str = ""
    in_query: bool = False


def split_path(path: str) -> tuple[str, str]:
    """``/a/b?x=1#f`` -> (``/a/b``, ``x=1``), percent-decoded and lower-cased."""
    path = path.split("#", 1)[0]
    path_part, _, query = path.partition("?")
    if "%" not in path:
        return path_part.lower(), query.lower()
    from urllib.parse import unquote  # loaded only for a percent-encoded path

    return unquote(path_part).lower(), unquote(query).lower()


def _tokens_in(text: str, in_query: bool) -> list[TokenMatch]:
    return list(_tokens_cached(text, in_query))


@lru_cache(maxsize=4096)
def _tokens_cached(text: str, in_query: bool) -> tuple[TokenMatch, ...]:
    """The tokens of one path or query pair; remembered, since a few health paths (``/healthz``,
    ``/actuator/health/liveness``) make up most probes and each costs a dozen regex scans."""
    found: list[tuple[int, TokenMatch]] = []
    for pattern, noun in _DEP_PATTERNS:
        found += [(m.start(), TokenMatch(m.group(0), "dependency", noun, in_query)) for m in pattern.finditer(text)]
    found += [(m.start(), TokenMatch(m.group(0), "deep", "", in_query)) for m in _DEEP_PATTERN.finditer(text)]
    found += [(m.start(), TokenMatch(m.group(0), "ready", "", in_query)) for m in _READY_PATTERN.finditer(text)]
    return tuple(match for _, match in sorted(found, key=lambda item: item[0]))


def match_path(path: str) -> list[TokenMatch]:
    """Every delimited token of ``path`` (which may carry ``?query``), in order.

    The query is read as ``key=value`` pairs: ``full=true``, ``deep=1`` and a bare
    ``verbose`` are deep flags; a token switched off (``full=false``, ``db=0``) does not
    count, nor do the values of ``exclude``-like keys, which name checks that are left out;
    any other key or value is matched like the path.
    """
    path_part, query = split_path(path)
    found = _tokens_in(path_part, in_query=False)
    for pair in query.split("&") if query else ():
        key, has_value, value = pair.partition("=")
        if key in EXCLUDE_KEYS:
            continue
        if has_value and value in FLAG_FALSE and _tokens_in(key, in_query=True):
            continue
        if key in DEEP_FLAGS:
            if value in FLAG_TRUE:
                found.append(TokenMatch(pair if has_value else key, "deep", "", True))
            continue
        found += _tokens_in(pair, in_query=True)
    return found


def dependency_token(path: str) -> TokenMatch | None:
    """The first dependency token of a path, else the first deep token, else None."""
    found = match_path(path)
    return next((m for m in found if m.kind == "dependency"), None) or next((m for m in found if m.kind == "deep"), None)


def readiness_token(path: str) -> TokenMatch | None:
    """The first readiness token (``ready``, ``readyz``, ``readiness``) of a path."""
    return next((m for m in match_path(path) if m.kind == "ready"), None)


def grpc_readiness_token(service: str) -> TokenMatch | None:
    """A readiness token in a gRPC health ``service`` name (``readiness``, ``app-ready``)."""
    match = _READY_PATTERN.search(service.lower())
    return TokenMatch(match.group(0), "ready") if match else None


# Endpoints whose deep-looking token is known to stay process-local: (image repository
# component, path, token). Argo CD's `full=true` makes the repo server call its own gRPC
# health service (argo-cd#5110) and the API server look for a corrupted informer cache
# (argo-cd#4960); both were added for the liveness probe and reach no other service.
PROCESS_LOCAL_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("argocd", "/healthz", "full=true"),
)


def known_process_local(path: str, token: TokenMatch, image: str | None) -> bool:
    """The token of ``path`` is known to name a process-local check for this image."""
    path_part, _ = split_path(path)
    components = set(re.split(r"[/\-_.]", image_repository(image)))
    return any(
        component in components and _strip_slash(path_part) == known_path and token.token == known_token
        for component, known_path, known_token in PROCESS_LOCAL_CHECKS
    )


# -- Istio probe rewrite -------------------------------------------------------------------
@dataclass(frozen=True)
class HttpTarget:
    """The path a probe checks in the application; ``rewritten`` is Istio's path, if any."""

    path: str
    rewritten: str | None = None


def http_target(probe: Probe) -> HttpTarget | None:
    """What an httpGet probe checks in the application, or None if nothing can be judged.

    A path rewritten by Istio is replaced by the original path from the sidecar's
    ``ISTIO_KUBE_APP_PROBERS``; if that is missing or was not an HTTP probe, None.
    """
    http = probe.http
    if http is None:
        return None
    match = istio.REWRITE.match(http.path)
    if match is None:
        return HttpTarget(http.path)
    original = istio.app_probers(probe.container.workload).get(http.path)
    handler = original.get("httpGet") if isinstance(original, dict) else None
    if not isinstance(handler, dict):
        return None
    path = handler.get("path")
    return HttpTarget(path if isinstance(path, str) and path else "/", rewritten=http.path)


# -- 4.3 framework endpoints ---------------------------------------------------------------
MICROPROFILE_RUNTIMES: tuple[tuple[str, str], ...] = (
    ("quarkus", r"quarkus"),
    ("openliberty", r"open[-_.]?liberty"),
    ("websphere-liberty", r"websphere[-_.]?liberty"),
    ("payara", r"payara"),
    ("helidon", r"helidon"),
    ("wildfly", r"wildfly"),
    ("tomee", r"tomee"),
    ("kumuluzee", r"kumuluzee"),
)
# Matched on the lower-cased image and command: at a word start, or after `-D` (`-Dquarkus.x=1`).
_MICROPROFILE = tuple((name, re.compile(rf"(?:(?<![a-z0-9])|(?<=-d)){pattern}")) for name, pattern in MICROPROFILE_RUNTIMES)
ETCD_IMAGE = re.compile(r"etcd(?:-(?:amd64|arm64|arm|ppc64le|s390x))?")


@dataclass(frozen=True)
class Runtime:
    """What a container's image and command say it runs."""

    microprofile: str | None = None  # the MicroProfile runtime named
    dropwizard: bool = False
    etcd: bool = False


def image_repository(image: str | None) -> str:
    """``registry:5000/ns/name:tag@sha256:...`` -> ``ns/name`` (no registry, tag or digest)."""
    if not image:
        return ""
    ref = image.split("@", 1)[0]
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    last = parts[-1].split(":", 1)[0]
    return "/".join([*parts[:-1], last]).lower()


def image_basename(image: str | None) -> str:
    return image_repository(image).rsplit("/", 1)[-1]


def _container_words(container: Container) -> list[str]:
    words: list[str] = []
    for key in ("command", "args"):
        for item in container.map.seq(key) or ():
            value = getattr(item, "value", None)
            if isinstance(value, str):
                words.append(value)
    return words


def detect_runtime(image: str | None, words: Sequence[str]) -> Runtime:
    """MicroProfile runtimes, Dropwizard and etcd, from an image and the container's command."""
    haystack = " ".join([image_repository(image), *words]).lower()
    microprofile = next((name for name, pattern in _MICROPROFILE if pattern.search(haystack)), None)
    dropwizard = "dropwizard" in haystack or _dropwizard_launch(words)
    etcd = bool(ETCD_IMAGE.fullmatch(image_basename(image))) or _runs_program(words, "etcd")
    return Runtime(microprofile, dropwizard, etcd)


def container_runtime(container: Container) -> Runtime:
    return detect_runtime(container.image, _container_words(container))


def _dropwizard_launch(words: Sequence[str]) -> bool:
    """``java -jar app.jar server config.yml``: Dropwizard's command line."""
    joined = " ".join(words)
    return bool(re.search(r"\bjava\b.*\.jar\b.*\bserver\s+\S+\.ya?ml\b", joined))


def _runs_program(words: Sequence[str], program: str) -> bool:
    if not words:
        return False
    if basename(words[0]) == program:
        return True
    commands = parse_exec(list(words)) or []
    return any(cmd.program == program for cmd in commands)


@dataclass(frozen=True)
class Endpoint:
    """A known aggregate or cluster-level endpoint, where a process-local one belongs.

    ``description`` completes ``path "/x" ...``; ``liveness`` is the path to use instead
    (None when the fix is not a path, as for Elasticsearch); ``advice`` replaces it then.
    """

    framework: str
    description: str
    liveness: str | None
    readiness: str | None
    advice: str = ""


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def _path_and_params(path: str) -> tuple[str, str, dict[str, str]]:
    path_part, _, query = path.split("#", 1)[0].partition("?")
    return _strip_slash(path_part), query, _query_params(query)


def framework_endpoint(path: str, runtime: Runtime) -> Endpoint | None:
    """The §4.3 aggregate or cluster-level endpoint ``path`` is, if any.

    Readiness endpoints (``/-/ready``, ``/actuator/health/readiness``) are not listed here:
    they are found by their tokens, and ``liveness_path_for`` knows their siblings.
    """
    clean, _query, params = _path_and_params(path)
    lowered = clean.lower()
    if lowered.endswith("/actuator/health"):
        return Endpoint("Spring Boot", "is Spring Boot's aggregate health endpoint, which runs every health indicator (database, redis, ...)",
                        clean + "/liveness", clean + "/readiness")
    if lowered.endswith("/q/health"):
        return Endpoint("Quarkus", "is Quarkus' aggregate health endpoint, which runs every health check",
                        clean + "/live", clean + "/ready")
    if lowered == "/health" and runtime.etcd:
        if params.get("serializable", "").lower() == "true":
            return None
        return Endpoint("etcd", "on etcd is a linearizable read (no serializable=true) that fails on every member while the cluster has no quorum",
                        "/health?exclude=NOSPACE&serializable=true", "/readyz")
    if lowered == "/health" and runtime.microprofile:
        return Endpoint("MicroProfile Health", f"is the aggregate MicroProfile Health endpoint ({runtime.microprofile}), which runs every liveness and readiness check",
                        "/health/live", "/health/ready")
    if lowered == "/healthcheck" and runtime.dropwizard:
        return Endpoint("Dropwizard", "is Dropwizard's admin health check endpoint, which runs every registered health check",
                        "/ping", "/healthcheck")
    if re.search(r"(^|/)_cluster/health(/|$)", lowered):
        if params.get("local", "").lower() == "true" and not any(key.startswith("wait_for") for key in params):
            return None
        return Endpoint("Elasticsearch", "reports Elasticsearch cluster health, which fails on every node while no master is elected",
                        None, "/_cluster/health?local=true", advice="use a node-local check (tcpSocket, or GET /)")
    return None


# Readiness endpoints whose liveness sibling is known: (suffix, sibling, runtime it needs).
# A suffix with a runtime must be the whole path (`/readyz` is only etcd's on etcd).
READY_SIBLINGS: tuple[tuple[str, str, str], ...] = (
    ("/actuator/health/readiness", "/actuator/health/liveness", ""),
    ("/q/health/ready", "/q/health/live", ""),
    ("/-/ready", "/-/healthy", ""),
    ("/health/ready", "/health/live", "microprofile"),
    ("/readyz", "/livez", "etcd"),
)


def sibling_endpoint(path: str, runtime: Runtime, to: str) -> str | None:
    """A framework's readiness endpoint swapped for its liveness sibling (``to="liveness"``) or
    the other way round (``to="readiness"``); None when ``path`` is neither. The last two pairs
    count only on the runtime that serves them (MicroProfile, etcd)."""
    lowered = path.lower()
    for ready, live, needs in READY_SIBLINGS:
        source, target = (ready, live) if to == "liveness" else (live, ready)
        if needs:
            if lowered == source and getattr(runtime, needs):
                return target
        elif lowered.endswith(source):
            return path[: len(path) - len(source)] + target
    return None
# Health roots whose process-local liveness check is a fixed sub-path.
HEALTH_ROOTS: tuple[tuple[str, str], ...] = (("/actuator/health", "/liveness"), ("/q/health", "/live"))


def liveness_path_for(path: str, runtime: Runtime) -> str | None:
    """The process-local liveness path of the framework serving ``path``, when recognisable.

    Covers the §4.3 endpoints, the readiness endpoints of the same frameworks
    (``/actuator/health/readiness``, ``/q/health/ready``, ``/-/ready``, MicroProfile
    ``/health/ready``, etcd ``/readyz``) and checks below a framework's health root
    (``/actuator/health/db`` -> ``/actuator/health/liveness``).
    """
    endpoint = framework_endpoint(path, runtime)
    if endpoint is not None:
        return endpoint.liveness
    clean, _, _ = _path_and_params(path)
    lowered = clean.lower()
    sibling = sibling_endpoint(clean, runtime, "liveness")
    if sibling is not None:
        return sibling
    for root, live in HEALTH_ROOTS:
        at = lowered.find(root + "/")
        if at >= 0 and lowered != root + live and not lowered.endswith(root + live):
            return clean[: at + len(root)] + live
    if runtime.microprofile and lowered.startswith("/health/") and lowered != "/health/live":
        return "/health/live"
    return None


def _query_params(query: str) -> dict[str, str]:
    from urllib.parse import unquote

    params: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        key, _, value = pair.partition("=")
        params[unquote(key).lower()] = unquote(value)
    return params


# -- 4.2 exec commands ---------------------------------------------------------------------
@dataclass(frozen=True)
class Tool:
    """How one client or network tool names its target.

    ``host_flags`` take a host, address, URL or a comma list of them (``--flag X`` or
    ``--flag=X``); ``attached`` short flags also take it glued on (``-hdb``);
    ``socket_flags`` select a unix socket, which is local; ``value_flags`` are the other
    flags that take a value, so that positional arguments can be told apart. ``positional``
    says what positional arguments are: "" nothing about the host, "urls" URLs or
    ``host[:port][/path]`` (curl, wget), "host" the first is a host (nc, telnet, cqlsh,
    nslookup), "last" the last is (ping), "uri" those with ``scheme://`` or ``host:port``
    are addresses, "httpie" httpie's ``[METHOD] URL``. ``conninfo``: libpq ``host=X`` and
    URLs may appear in any argument. ``default_local``: with no host given, the tool talks
    to the local host, unless one of ``env`` is set.
    """


    noun: str
    host_flags: tuple[str, ...] = ()
    attached: tuple[str, ...] = ()
    socket_flags: tuple[str, ...] = ()
    value_flags: frozenset[str] = frozenset()
    positional: str = ""
    default_local: bool = True
    env: tuple[str, ...] = ()
    conninfo: bool = False


_PG = Tool("database", ("-h", "--host"), ("-h",), (), frozenset({
    "-p", "--port", "-U", "--username", "-d", "--dbname", "-t", "--timeout", "-c", "--command", "-f", "--file",
    "-v", "--set", "--variable", "-o", "--output", "-P", "--pset", "-F", "-R", "-T", "-L", "--log-file",
}), "uri", True, ("PGHOST", "PGHOSTADDR"), conninfo=True)
_MYSQL_VALUES = frozenset({
    "-u", "--user", "-P", "--port", "-e", "--execute", "-D", "--database", "--connect-timeout", "--connect_timeout",
    "-w", "--wait", "-i", "--sleep", "-c", "--count", "--protocol", "--defaults-file", "--defaults-extra-file",
})
_MYSQL = Tool("database", ("-h", "--host"), ("-h",), ("-S", "--socket"), _MYSQL_VALUES, "", True, ("MYSQL_HOST",))
_REDIS = Tool("cache", ("-h", "-u", "--uri"), ("-h",), ("-s",), frozenset({
    "-p", "-a", "--user", "--pass", "--askpass", "-n", "-r", "-i", "-t", "--tls-cert", "--cacert", "--cacertdir",
    "--key", "--cert", "--sni", "-d", "-D",
}), "", True, ("REDISCLI_HOST",))
_MONGO = Tool("database", ("--host", "--uri"), (), (), frozenset({
    "--port", "-u", "--username", "-p", "--password", "--eval", "--authenticationDatabase",
    "--authenticationMechanism", "-f", "--file", "--tlsCAFile", "--tlsCertificateKeyFile",
}), "uri", True)
_NODETOOL = Tool("database", ("-h", "--host"), (), (), frozenset({
    "-p", "--port", "-u", "--username", "-pw", "--password", "-pwf", "--password-file", "-pp",
}), "", True)
_KAFKA = Tool("message broker", ("--bootstrap-server", "--bootstrap-servers", "--broker-list", "--zookeeper"), (), (),
              frozenset({"--command-config", "--topic", "--group", "--timeout"}), "", True)
_RABBIT = Tool("message broker", ("-n", "--node"), (), (), frozenset({"-t", "--timeout"}), "", True)
_KCAT = Tool("message broker", ("-b",), ("-b",), (), frozenset({"-t", "-p", "-X", "-G", "-o", "-c", "-m", "-f"}), "", True)
_CLOUD = Tool("cloud API", ("--endpoint-url",), (), (), frozenset({"--region", "--profile", "--output", "--query"}), "", False)

DEPENDENCY_CLIENTS: dict[str, Tool] = {
    "pg_isready": _PG,
    "psql": _PG,
    "mysqladmin": Tool("database", ("-h", "--host", "-H"), ("-h",), ("-S", "--socket"), _MYSQL_VALUES, "", True, ("MYSQL_HOST",)),
    "mysql": _MYSQL,
    "mariadb-admin": _MYSQL,
    "mariadb": _MYSQL,
    "mongo": _MONGO,
    "mongosh": _MONGO,
    "redis-cli": _REDIS,
    "valkey-cli": _REDIS,
    "keydb-cli": _REDIS,
    "cqlsh": Tool("database", (), (), (), frozenset({
        "-u", "--username", "-p", "--password", "-k", "--keyspace", "-f", "--file", "-e", "--execute",
        "--cqlversion", "--connect-timeout", "--request-timeout", "--encoding",
    }), "host", True, ("CQLSH_HOST",)),
    "nodetool": _NODETOOL,
    "clickhouse-client": Tool("database", ("-h", "--host"), (), (), frozenset({
        "--port", "-u", "--user", "--password", "-q", "--query", "-d", "--database",
    }), "", True, ("CLICKHOUSE_HOST",)),
    "sqlcmd": Tool("database", ("-S",), ("-S",), (), frozenset({"-U", "-P", "-Q", "-q", "-d", "-l", "-t", "-i", "-o"}), "", True, ("SQLCMDSERVER",)),
    "influx": Tool("database", ("-host", "--host"), (), (), frozenset({
        "-port", "-username", "-password", "-execute", "-database", "-t", "--token", "-o", "--org",
    }), "", True, ("INFLUX_HOST",)),
    "cockroach": Tool("database", ("--host", "--url"), (), (), frozenset({"--port", "--user", "--certs-dir", "-e", "--execute", "--format"}),
                      "", True, ("COCKROACH_HOST", "COCKROACH_URL")),
    "etcdctl": Tool("etcd cluster", ("--endpoints",), (), (), frozenset({
        "--cacert", "--cert", "--key", "--user", "--password", "--command-timeout", "--dial-timeout", "-w", "--write-out",
        "--keepalive-time", "--keepalive-timeout",
    }), "", True, ("ETCDCTL_ENDPOINTS",)),
    "consul": Tool("service registry", ("-http-addr", "--http-addr"), (), (), frozenset({"-token", "-ca-file", "-client-cert", "-client-key"}),
                   "", True, ("CONSUL_HTTP_ADDR",)),
    "vault": Tool("secret store", ("-address", "--address"), (), (), frozenset({"-ca-cert", "-client-cert", "-client-key", "-format", "-namespace"}),
                  "", True, ("VAULT_ADDR",)),
    "kafka-broker-api-versions": _KAFKA,
    "kcat": _KCAT,
    "kafkacat": _KCAT,
    "rabbitmqctl": _RABBIT,
    "rabbitmq-diagnostics": _RABBIT,
    "zkCli.sh": Tool("coordination service", ("-server",), (), (), frozenset({"-timeout", "-client-configuration"}), "", True),
    "zkServer.sh": Tool("coordination service"),
    "nats": Tool("message broker", ("-s", "--server"), (), (), frozenset({"--creds", "--nkey", "--user", "--password", "--context", "--timeout"}),
                 "", True, ("NATS_URL",)),
    "kubectl": Tool("Kubernetes API server", ("-s", "--server"), (), (), frozenset({
        "-n", "--namespace", "--context", "--kubeconfig", "-o", "--output", "-l", "--selector", "--request-timeout",
    }), "", False),
    "aws": _CLOUD,
    "gsutil": _CLOUD,
    "az": _CLOUD,
}
# Host flag forms every client is read with, besides its own (`-u`/`--uri` only with `://`).
CLIENT_HOST_FLAGS = ("--host", "--hostname", "-u", "--uri", "--url")
DEPENDENCY_CLIENTS = {
    name: replace(tool, host_flags=tool.host_flags + tuple(f for f in CLIENT_HOST_FLAGS if f not in tool.host_flags))
    for name, tool in DEPENDENCY_CLIENTS.items()
}
KAFKA_SCRIPT = re.compile(r"^kafka-[a-z0-9-]+(?:\.sh)?$")

_CURL_VALUES = value_options(CURL_SHORT_VALUES, CURL_LONG_VALUES)
_WGET_VALUES = value_options(WGET_SHORT_VALUES, WGET_LONG_VALUES)
_NC_VALUES = value_options(NC_SHORT_VALUES, NC_LONG_VALUES) | {"-W"}  # -W: BSD nc's packet count
_PING_VALUES = frozenset({"-c", "-W", "-w", "-i", "-s", "-t", "-I", "-l", "-p", "-Q", "-S", "-M"})
_HTTPIE_VALUES = frozenset({"-a", "--auth", "--session", "--timeout", "--verify", "--cert", "--cert-key", "-o", "--output", "--proxy"})
NETWORK_TOOLS: dict[str, Tool] = {
    "curl": Tool("HTTP service", ("--url",), (), ("--unix-socket", "--abstract-unix-socket"), _CURL_VALUES, "urls"),
    "wget": Tool("HTTP service", (), (), (), _WGET_VALUES, "urls"),
    "nc": Tool("network service", (), (), ("-U",), _NC_VALUES, "host"),
    "ncat": Tool("network service", (), (), ("-U", "--unixsock"), _NC_VALUES, "host"),
    "netcat": Tool("network service", (), (), ("-U",), _NC_VALUES, "host"),
    "telnet": Tool("network service", (), (), (), frozenset({"-l", "-n", "-b", "-e"}), "host"),
    "nslookup": Tool("DNS service", (), (), (), frozenset({"-type", "-port", "-timeout"}), "host"),
    "dig": Tool("DNS service", (), (), (), frozenset({"-p", "-t", "-c", "-q", "-b", "-f", "-k", "-y"}), "host"),
    "host": Tool("DNS service", (), (), (), frozenset({"-t", "-c", "-W", "-N", "-R", "-m"}), "host"),
    "ping": Tool("network service", (), (), (), _PING_VALUES, "last"),
    "ping6": Tool("network service", (), (), (), _PING_VALUES, "last"),
    "grpc_health_probe": Tool("gRPC service", ("-addr", "--addr"), (), (), frozenset({
        "-service", "-connect-timeout", "-rpc-timeout", "-tls-ca-cert", "-tls-client-cert", "-tls-client-key",
        "-tls-server-name", "-user-agent", "-rpc-header",
    })),
    "grpcurl": Tool("gRPC service", (), (), ("-unix",), frozenset({
        "-d", "-H", "-rpc-header", "-reflect-header", "-import-path", "-proto", "-protoset", "-authority", "-servername",
        "-cert", "-key", "-cacert", "-max-time", "-connect-timeout", "-keepalive-time", "-format", "-max-msg-sz",
        "-user-agent", "-protoset-out",
    }), "uri"),
    "openssl": Tool("TLS service", ("-connect",)),
    "http": Tool("HTTP service", (), (), (), _HTTPIE_VALUES, "httpie"),
    "https": Tool("HTTP service", (), (), (), _HTTPIE_VALUES, "httpie"),
}

LOCAL_HOSTS = frozenset({"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOCAL_VARIABLES = frozenset({"POD_IP", "HOSTNAME"})
LOCAL_FIELD_PATHS = frozenset({"status.podIP", "status.podIPs", "metadata.name"})
_HOSTNAME_COMMAND = re.compile(r"^(?:\$\(\s*hostname(?:\s+-[a-zA-Z]+)*\s*\)|`\s*hostname(?:\s+-[a-zA-Z]+)*\s*`)$")
_OWN_NAME_PREFIX = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([A-Za-z_][A-Za-z0-9_ -]*\)|\$[A-Za-z_][A-Za-z0-9_]*|`hostname`)\.")

DEPENDENCY_ENV = re.compile(
    r"^(?:[A-Za-z0-9]*_)*"
    r"(?:DB|DATABASE|POSTGRES|PG|MYSQL|MARIADB|MONGO|REDIS|CACHE|KAFKA|AMQP|RABBIT|NATS|ES|ELASTIC|OPENSEARCH|S3|UPSTREAM|BACKEND|API)"
    r"_?(?:HOST|HOSTNAME|ADDR|ADDRESS|URL|URI|DSN|ENDPOINT|SERVER|SERVERS|BROKER|BROKERS)$",
    re.IGNORECASE,
)
# Kubernetes' service variables (`REDIS_MASTER_SERVICE_HOST`) always name a Service.
SERVICE_ENV = re.compile(r"^[A-Z0-9_]+_SERVICE_HOST$")
_REFERENCE = re.compile(
    r"(?<!\$)\$(?:\{(?P<brace>[A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\((?P<k8s>[A-Za-z_][A-Za-z0-9_]*)\)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SINGLE_REFERENCE = re.compile(
    r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=][^}]*)?\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|([A-Za-z_][A-Za-z0-9_]*))$"
)

# Image families and the tools that check their own server (a self-check on a local host).
SELF_CHECK_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    (r"postgres|postgresql|postgis|timescale\w*", frozenset({"pg_isready", "psql"})),
    (r"redis|valkey|keydb", frozenset({"redis-cli", "valkey-cli", "keydb-cli"})),
    (r"mysql|mariadb|percona", frozenset({"mysqladmin", "mysql", "mariadb-admin", "mariadb"})),
    (r"mongo|mongodb", frozenset({"mongo", "mongosh"})),
    (r"cassandra|scylla|scylladb", frozenset({"nodetool", "cqlsh"})),
    (r"rabbitmq", frozenset({"rabbitmq-diagnostics", "rabbitmqctl"})),
    (r"etcd", frozenset({"etcdctl"})),
    (r"zookeeper", frozenset({"zkServer.sh"})),
    (r"elasticsearch|opensearch", frozenset({"curl", "wget"})),
)

# Programs that never reach the network: variables in their arguments are not checks.
LOCAL_UTILITIES = frozenset({
    "echo", "printf", "test", "[", "[[", "export", "local", "set", "unset", "exit", "return", "true", "false", ":",
    "cat", "grep", "egrep", "fgrep", "sed", "awk", "cut", "tr", "head", "tail", "wc", "ls", "stat", "touch", "rm",
    "mkdir", "sleep", "date", "expr", "let", "read", "kill", "pgrep", "pidof", "ps", "find", "sort", "uniq", "tee",
    "basename", "dirname", "readlink", "id", "whoami", "env", "printenv", "eval", "source", ".", "jq",
})


@dataclass(frozen=True)
class EnvBinding:
    """A container environment variable as an exec probe sees it."""

    value: str | None  # the literal value; None when it comes from valueFrom
    field_path: str | None = None  # the fieldRef path, when valueFrom is a fieldRef


def container_env(container: Container) -> dict[str, EnvBinding]:
    env: dict[str, EnvBinding] = {}
    for var in container.env:
        field_path = None
        if var.from_ref and isinstance(var.node, MappingNode):
            value_from = Map(var.node).map("valueFrom")
            field_ref = value_from.map("fieldRef") if value_from else None
            path = field_ref.scalar("fieldPath") if field_ref else None
            field_path = path if isinstance(path, str) else None
        env[var.name] = EnvBinding(None if var.from_ref else (var.value or ""), field_path)
    return env


@dataclass(frozen=True)
class HostClass:
    """Where a host points: ``kind`` "local", "remote" (a literal host that is not pod-local),
    "reference" (an unresolved variable that names a dependency) or "unknown".
    ``value`` is the literal a variable resolved to; ``variable`` the variable's name."""

    kind: str
    host: str
    value: str = ""
    variable: str = ""


def _is_local_literal(host: str) -> bool:
    lowered = host.lower().strip().strip("[]").rstrip(".")
    if lowered in LOCAL_HOSTS or lowered.startswith("/"):
        return True
    if not lowered[:1].isdigit() and ":" not in lowered:
        return False  # a host name: no need to load the address parser
    import ipaddress

    try:
        address = ipaddress.ip_address(lowered.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or address.is_unspecified or bool(mapped and (mapped.is_loopback or mapped.is_unspecified))


def classify_host(host: str, env: Mapping[str, EnvBinding], depth: int = 0, shell: bool = True) -> HostClass:
    """Classify one host as written in a command (``db``, ``$(POD_IP)``, ``${DB_HOST}``...).

    Without a shell only Kubernetes' ``$(VAR)`` is expanded: ``$VAR`` stays literal text,
    which names no real host, so it is "unknown".
    """
    text = host.strip()
    if _is_local_literal(text) or _HOSTNAME_COMMAND.match(text):
        return HostClass("local", host)
    if not shell and re.search(r"(?<!\$)\$(?!\()", text):
        return HostClass("unknown", host)
    single = _SINGLE_REFERENCE.match(text)
    if single:
        return _classify_variable(host, next(g for g in single.groups() if g), env, depth)
    own = _OWN_NAME_PREFIX.match(text)  # `$(hostname).headless.ns.svc`: the pod's own name
    if own and depth < 3 and classify_host(own.group(1), env, depth + 1).kind == "local":
        return HostClass("local", host)
    names = [m.group("brace") or m.group("k8s") or m.group("bare") for m in _REFERENCE.finditer(text)]
    dependency = next((name for name in names if names_dependency(name)), None)
    if dependency:
        return HostClass("reference", host, variable=dependency)
    if names or "$" in text or "`" in text:
        return HostClass("unknown", host)
    return HostClass("remote", host)


def _classify_variable(host: str, name: str, env: Mapping[str, EnvBinding], depth: int) -> HostClass:
    binding = env.get(name)
    if binding is not None:
        if binding.field_path in LOCAL_FIELD_PATHS:
            return HostClass("local", host, variable=name)
        if binding.value is not None and depth < 3:
            kinds = [classify_host(h, env, depth + 1) for h in hosts_of(binding.value)]
            worst = next((k for k in kinds if k.kind == "remote"), None) or next((k for k in kinds if k.kind != "local"), None)
            if worst is None:
                return HostClass("local", host, binding.value, name)
            return HostClass(worst.kind, host, binding.value, worst.variable if worst.kind == "reference" else name)
    if name in LOCAL_VARIABLES or re.search(r"(^|_)POD_IPS?$", name):
        return HostClass("local", host, variable=name)
    if names_dependency(name):
        return HostClass("reference", host, variable=name)
    return HostClass("unknown", host, variable=name)


def names_dependency(name: str) -> bool:
    """The variable name says it holds a dependency's address (``DB_HOST``, ``REDIS_URL``)."""
    return bool(DEPENDENCY_ENV.match(name) or SERVICE_ENV.match(name))


def _top_level_positions(text: str, chars: str) -> list[int]:
    """Positions of ``chars`` outside ``$(...)``, ``${...}`` and brackets."""
    positions: list[int] = []
    depth = 0
    for i, c in enumerate(text):
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth = max(0, depth - 1)
        elif depth == 0 and c in chars:
            positions.append(i)
    return positions


def host_of_address(text: str) -> str:
    """The host of a URL, ``host:port``, ``[v6]:port``, ``user@host`` or bare host."""
    text = text.strip()
    if text.startswith("/"):
        return text  # a unix socket path
    if "://" in text:
        text = text.split("://", 1)[1]
    cut = _top_level_positions(text, "/?#")
    if cut:
        text = text[: cut[0]]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        end = text.find("]")
        return text[1:end] if end > 0 else text[1:]
    colons = _top_level_positions(text, ":")
    if len(colons) == 1:
        return text[: colons[0]]
    return text  # no port, or a bare IPv6 address


def hosts_of(text: str) -> list[str]:
    """Hosts in an address or list: ``a:1,b:2``, ``mongodb://a,b/db``, ``rs0/a:1,b:2``."""
    text = text.strip()
    if text.count("://") > 1:  # a list of URLs (`--endpoints=https://a:2379,https://b:2379`)
        return [host for part in text.split(",") if part for host in hosts_of(part)]
    if "://" in text:
        rest = text.split("://", 1)[1]
        cut = _top_level_positions(rest, "/?#")
        netloc = rest[: cut[0]] if cut else rest
        if "@" in netloc:
            netloc = netloc.rsplit("@", 1)[1]
        return [host_of_address(part) for part in netloc.split(",")] or [""]
    slash = text.find("/")
    if 0 < slash and ":" not in text[:slash] and re.search(r"[:,]", text[slash:]):
        text = text[slash + 1:]  # MongoDB's `replicaSet/host:port,...`
    return [host_of_address(part) for part in text.split(",")] if text else [""]


@dataclass(frozen=True)
class ExecDependency:
    """A command of an exec probe that reaches a dependency.

    ``kind``: "remote" (a host that is not pod-local), "reference" (an environment variable
    that names a dependency, unresolved or used outside a host flag), or "peer" (a
    subcommand that reports cluster rather than node state). ``level``: "error" for remote
    hosts and for peer subcommands outside a self-check, "warning" for references and for
    peer subcommands a server runs against itself.
    """

    command: SimpleCommand
    tool: str
    kind: str
    level: str
    noun: str
    host: str = ""  # as written ("" for tools whose target is implicit, such as kubectl)
    value: str = ""  # the literal a variable resolved to
    variable: str = ""
    source: str = ""  # the variable that set the tool's default host (PGHOST), if any
    subcommand: str = ""  # the peer subcommand


def tool_for(program: str, args: Sequence[str] = ()) -> tuple[str, Tool] | None:
    """The client or network tool a program is, as (name, Tool); None for anything else."""
    if program in DEPENDENCY_CLIENTS:
        if program == "zkServer.sh" and (not args or args[0] != "status"):
            return None
        return program, DEPENDENCY_CLIENTS[program]
    if KAFKA_SCRIPT.match(program):
        return program, DEPENDENCY_CLIENTS["kafka-broker-api-versions"]
    if program == "clickhouse" and args and args[0] == "client":
        return "clickhouse-client", DEPENDENCY_CLIENTS["clickhouse-client"]
    if program == "openssl":
        return ("openssl", NETWORK_TOOLS["openssl"]) if args and args[0] == "s_client" else None
    if program in NETWORK_TOOLS:
        return program, NETWORK_TOOLS[program]
    return None


def _flag_value(args: Sequence[str], i: int, flag: str) -> tuple[bool, str | None, int]:
    """Whether args[i] is ``flag`` (``flag X`` or ``flag=X``), its value and the next index."""
    arg = args[i]
    if arg == flag:
        return (True, args[i + 1], i + 2) if i + 1 < len(args) else (True, None, i + 1)
    if arg.startswith(flag + "="):
        return True, arg[len(flag) + 1:], i + 1
    return False, None, i


URI_ONLY_FLAGS = frozenset({"-u", "--uri", "--url"})  # `mysql -u root` is a user, not a host


def _first_flag(args: Sequence[str], i: int, flags: Iterable[str]) -> tuple[str, str | None, int] | None:
    for flag in flags:
        matched, value, after = _flag_value(args, i, flag)
        if matched:
            return flag, value, after
    return None


@dataclass(frozen=True)
class Targets:
    hosts: tuple[str, ...]
    socket: bool
    positionals: tuple[str, ...]


def targets(name: str, tool: Tool, args: Sequence[str]) -> Targets:
    """The hosts a tool invocation names, whether it uses a unix socket, and its positionals."""
    hosts: list[str] = []
    socket = False
    positionals: list[str] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        hit = _first_flag(args, i, tool.socket_flags)
        if hit:
            socket, i = True, hit[2]
            continue
        hit = _first_flag(args, i, tool.host_flags)
        if hit:
            flag, value, i = hit
            if value is not None and (flag not in URI_ONLY_FLAGS or "://" in value):
                hosts.extend(hosts_of(value))
            continue
        glued = next((flag for flag in tool.attached if arg.startswith(flag) and len(arg) > len(flag) and not arg.startswith("--")), None)
        if glued:
            hosts.extend(hosts_of(arg[len(glued):]))
            i += 1
            continue
        if arg in tool.value_flags:
            i += 2
            continue
        if arg.startswith("-") and arg != "-":
            i += 1
            continue
        positionals.append(arg)
        i += 1
    if tool.conninfo:
        for arg in args:
            for match in re.finditer(r"(?:^|\s)host(?:addr)?\s*=\s*(?:'([^']*)'|(\S+))", arg):
                hosts.extend(hosts_of(match.group(1) if match.group(1) is not None else match.group(2)))
            if re.match(r"^postgres(?:ql)?://", arg, re.IGNORECASE) and arg not in positionals:
                hosts.extend(hosts_of(arg))
    mode = tool.positional
    if mode == "urls":
        hosts.extend(h for p in positionals for h in hosts_of(p))
    elif mode == "host" and positionals:
        if name == "dig":
            servers = [p[1:] for p in positionals if p.startswith("@")]
            names = [p for p in positionals if not p.startswith(("@", "+"))]
            hosts.extend(servers + names[:1])
        else:
            hosts.extend(hosts_of(positionals[0]))
    elif mode == "last" and positionals:
        hosts.extend(hosts_of(positionals[-1]))
    elif mode == "uri":
        for p in positionals:
            if re.match(r"^[a-z][a-z0-9+.-]*://", p, re.IGNORECASE) or re.match(r"^[^\s/]+:\d+(?:/.*)?$", p):
                hosts.extend(hosts_of(p))
            elif name in ("mongo", "mongosh") and re.match(r"^[A-Za-z0-9.$(){}_-]+/[A-Za-z0-9_-]*$", p):
                hosts.extend(hosts_of(p))  # `mongo host/db`
    elif mode == "httpie" and positionals:
        methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
        url = positionals[1] if positionals[0].upper() in methods and len(positionals) > 1 else positionals[0]
        hosts.extend(hosts_of("localhost" + url) if url.startswith(":") else hosts_of(url))
    return Targets(tuple(hosts), socket, tuple(positionals))


def is_self_check(image: str | None, tool: str) -> bool:
    """The image's own server is what ``tool`` checks (``redis-cli`` in a redis image)."""
    base = image_basename(image)
    return any(tool in tools and _family(base, pattern) for pattern, tools in SELF_CHECK_FAMILIES)


# Image name parts that mark a companion of the server rather than the server itself.
NOT_A_SERVER = frozenset({"exporter", "tools", "tool", "client", "cli", "operator", "proxy", "ui", "admin", "commander", "backup", "agent", "monitor", "express"})


def _family(base: str, pattern: str) -> bool:
    parts = re.split(r"[-_.]", base) if base else []
    return any(re.fullmatch(pattern, part) for part in parts) and not NOT_A_SERVER.intersection(parts)


def peer_check(tool: str, args: Sequence[str], positionals: Sequence[str]) -> str | None:
    """The cluster-scope subcommand a tool runs (``nodetool status``), or None."""
    words = [p.lower() for p in positionals]
    if tool == "nodetool" and words[:1] == ["status"]:
        return "nodetool status"
    if tool == "rabbitmqctl" and words[:1] == ["cluster_status"]:
        return "rabbitmqctl cluster_status"
    if tool == "rabbitmq-diagnostics" and words[:1] and words[0] in ("check_port_connectivity", "cluster_status"):
        return f"rabbitmq-diagnostics {words[0]}"
    if tool == "etcdctl" and any(a == "--cluster" or (a.startswith("--cluster=") and a[10:].lower() != "false") for a in args):
        return " ".join(["etcdctl", *positionals[:2], "--cluster"])
    if tool in ("redis-cli", "valkey-cli", "keydb-cli"):
        if words[:2] == ["cluster", "info"]:
            return f"{tool} cluster info"
        for i, arg in enumerate(args[:-1]):
            if arg == "--cluster" and args[i + 1] in ("check", "info"):
                return f"{tool} --cluster {args[i + 1]}"
    if tool in ("mongo", "mongosh"):
        script = " ".join(args)
        if re.search(r"\brs\.status\s*\(", script):
            return "rs.status()"
        if re.search(r"\b(?:rs|db)\.(?:isMaster|hello)\s*\(\s*\)\s*\.\s*(?:ismaster|isWritablePrimary|secondary|primary|setName|hosts)\b", script):
            return "rs.isMaster()"
    if tool in ("curl", "wget", "http", "https"):
        for arg in args:
            path = arg.split("://", 1)[-1]
            if re.search(r"(^|/)_cluster/health(/|\?|$)", path):
                params = _query_params(path.split("?", 1)[1] if "?" in path else "")
                if params.get("local", "").lower() == "true" and not any(k.startswith("wait_for") for k in params):
                    continue
                return "_cluster/health"
    return None


def references(cmd: SimpleCommand) -> list[str]:
    """Variables the command's arguments expand: ``$(X)`` always (Kubernetes expands it),
    ``$X`` and ``${X}`` only when a shell runs the command."""
    names: list[str] = []
    for arg in cmd.args:
        for match in _REFERENCE.finditer(arg):
            name = match.group("k8s") or ((match.group("brace") or match.group("bare")) if cmd.shell else None)
            if name and name not in names:
                names.append(name)
    return names


def analyze_command(cmd: SimpleCommand, image: str | None, env: Mapping[str, EnvBinding]) -> ExecDependency | None:
    """The dependency one simple command reaches, or None."""
    scope = {**env, **{key: EnvBinding(value) for key, value in cmd.assignments}}
    found = tool_for(cmd.program, cmd.args)
    if found is None:
        if cmd.program in LOCAL_UTILITIES:
            return None
        return _reference(cmd, cmd.program, "dependency", scope)
    name, tool = found
    target = targets(name, tool, cmd.args)
    hosts = list(target.hosts)
    source = ""
    if not hosts and not target.socket:
        for var in tool.env:
            binding = scope.get(var)
            if binding is not None and binding.value:
                hosts, source = hosts_of(binding.value), var
                break
    classes = [classify_host(host, scope, shell=cmd.shell) for host in hosts]
    if not hosts and not target.socket and not tool.default_local:
        classes = [HostClass("remote", "")]
    remote = next((c for c in classes if c.kind == "remote"), None)
    if remote is not None:
        return ExecDependency(cmd, name, "remote", "error", tool.noun, remote.host, remote.value, remote.variable, source)
    reference = next((c for c in classes if c.kind == "reference"), None)
    if reference is not None:
        return ExecDependency(cmd, name, "reference", "warning", tool.noun, reference.host, reference.value, reference.variable, source)
    if any(c.kind == "unknown" for c in classes):
        return None  # a host we cannot place: say nothing
    self_check = is_self_check(image, name)
    peer = peer_check(name, cmd.args, target.positionals)
    if peer is not None:
        return ExecDependency(cmd, name, "peer", "warning" if self_check else "error", tool.noun, subcommand=peer)
    if self_check:
        return None
    return _reference(cmd, name, tool.noun, scope)


def _reference(cmd: SimpleCommand, name: str, noun: str, scope: Mapping[str, EnvBinding]) -> ExecDependency | None:
    for variable in references(cmd):
        if not names_dependency(variable):
            continue
        kind = _classify_variable("$" + variable, variable, scope, 0)
        if kind.kind == "local":
            continue
        return ExecDependency(cmd, name, "reference", "warning", noun, "", kind.value, variable)
    return None


def analyze_commands(commands: Iterable[SimpleCommand], image: str | None, env: Mapping[str, EnvBinding]) -> list[ExecDependency]:
    """Every dependency the commands reach, in command order."""
    found = (analyze_command(cmd, image, env) for cmd in commands)
    return [dep for dep in found if dep is not None]


def analyze_exec(command: Sequence[str] | None, image: str | None, env: Mapping[str, EnvBinding]) -> list[ExecDependency] | None:
    """Dependencies an exec command reaches; None when the command cannot be parsed."""
    commands = parse_exec(command)
    if commands is None:
        return None
    return analyze_commands(commands, image, env)


def probe_dependencies(probe: Probe) -> list[ExecDependency] | None:
    """``analyze_exec`` for an exec probe, with its container's image and environment."""
    command = probe.command
    if command is None:
        return None
    container = probe.container
    return analyze_exec(command, container.image, container_env(container))
