"""The dependency heuristics: path tokens, framework endpoints, hosts and exec analysis."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint import dependencies as deps
from probelint.dependencies import EnvBinding, Runtime
from probelint.execparse import parse_exec
from probelint.source import Document, Source, parse
from probelint.workloads import extract, objects


def containers(text: str):
    source = Source("t.yaml", textwrap.dedent(text))
    found = []
    for doc in parse(source):
        assert isinstance(doc, Document)
        for root in objects(doc):
            workload = extract(root, doc, "default")
            found += workload.containers
    return {c.name: c for c in found}


# -- 4.1 path tokens -------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "token", "noun"), [
    ("/health/db", "db", "database"),
    ("/health/database", "database", "database"),
    ("/health/postgresql", "postgresql", "database"),
    ("/health/postgres", "postgres", "database"),
    ("/check_pg", "pg", "database"),
    ("/health/mongodb", "mongodb", "database"),
    ("/health/dynamo", "dynamo", "database"),
    ("/healthz/REDIS", "redis", "cache"),
    ("/health/memcache", "memcache", "cache"),
    ("/health/memcached", "memcached", "cache"),
    ("/health/valkey", "valkey", "cache"),
    ("/health/rabbitmq", "rabbitmq", "message broker"),
    ("/health/kafka.brokers", "kafka", "message broker"),
    ("/health/pubsub", "pubsub", "message broker"),
    ("/health/elasticsearch", "elasticsearch", "search cluster"),
    ("/health/s3", "s3", "storage service"),
    ("/health/gcs", "gcs", "storage service"),
    ("/health/ldap", "ldap", "identity provider"),
    ("/health/vault", "vault", "secret store"),
    ("/health/zk", "zk", "coordination service"),
    ("/health/dependencies", "dependencies", "dependency"),
    ("/health/dependency", "dependency", "dependency"),
    ("/health/thirdparty", "thirdparty", "dependency"),
    ("/health/third-party", "third-party", "dependency"),
    ("/health?check=upstream", "upstream", "dependency"),
    ("/health?components=backend&x=1", "backend", "dependency"),
    ("/health/db%2Fx", "db", "database"),
])
def test_dependency_tokens(path, token, noun) -> None:
    match = deps.dependency_token(path)
    assert match is not None and (match.token, match.kind, match.noun) == (token, "dependency", noun)


@pytest.mark.parametrize("path", [
    "/status", "/dbz", "/adb", "/pgadmin", "/healthz", "/livez", "/ping", "/", "/health", "/storagesize",
    "/cachet", "/s3cret", "/mqtt-bridge/livez", "/zkp", "/fulltext", "/allocation", "/already",
    "/health?exclude=db", "/health?skip=redis&ignore=kafka", "/healthz?full=false", "/healthz?deep=0",
    "/health?verbose=false", "/health?all=false", "/health?db=0&redis=off", "/app-health/x/livez",
])
def test_paths_without_dependency_tokens(path) -> None:
    assert deps.dependency_token(path) is None


@pytest.mark.parametrize(("path", "token"), [
    ("/health/deep", "deep"),
    ("/health/full", "full"),
    ("/health/all", "all"),
    ("/health/detailed", "detailed"),
    ("/health/details", "details"),
    ("/health/detail", "detail"),
    ("/health-verbose", "verbose"),
    ("/health/complete", "complete"),
    ("/health/aggregate", "aggregate"),
    ("/health/extended", "extended"),
    ("/healthz?full=true", "full=true"),
    ("/healthz?full=1", "full=1"),
    ("/healthz?deep=true", "deep=true"),
    ("/healthz?verbose", "verbose"),
    ("/healthz?x=1&FULL=TRUE", "full=true"),
])
def test_deep_tokens(path, token) -> None:
    match = deps.dependency_token(path)
    assert match is not None and (match.token, match.kind) == (token, "deep")


def test_dependency_token_wins_over_deep() -> None:
    match = deps.dependency_token("/health/full/redis")
    assert match is not None and match.token == "redis"


def test_match_path_reports_every_token_in_order() -> None:
    found = deps.match_path("/ready/db?full=true")
    assert [(m.token, m.kind) for m in found] == [("ready", "ready"), ("db", "dependency"), ("full=true", "deep")]
    assert [m.in_query for m in found] == [False, False, True]


@pytest.mark.parametrize(("path", "expected"), [
    ("/ready", "ready"), ("/readyz", "readyz"), ("/readiness", "readiness"), ("/-/ready", "ready"),
    ("/health/readiness", "readiness"), ("/healthz/ready", "ready"), ("/health?ready=1", "ready"), ("/READY", "ready"),
    ("/already", None), ("/readymade", None), ("/livez", None), ("/health", None),
])
def test_readiness_tokens(path, expected) -> None:
    match = deps.readiness_token(path)
    assert (match.token if match else None) == expected


def test_grpc_readiness_tokens() -> None:
    assert deps.grpc_readiness_token("readiness").token == "readiness"
    assert deps.grpc_readiness_token("myservice-ready").token == "ready"
    assert deps.grpc_readiness_token("liveness") is None
    assert deps.grpc_readiness_token("alreadyservice") is None


# -- 4.3 framework endpoints --------------------------------------------------------------------
NONE = Runtime()
QUARKUS = Runtime(microprofile="quarkus")
ETCD = Runtime(etcd=True)
DROPWIZARD = Runtime(dropwizard=True)


@pytest.mark.parametrize(("path", "runtime", "framework", "liveness"), [
    ("/actuator/health", NONE, "Spring Boot", "/actuator/health/liveness"),
    ("/actuator/health/", NONE, "Spring Boot", "/actuator/health/liveness"),
    ("/app/actuator/health", NONE, "Spring Boot", "/app/actuator/health/liveness"),
    ("/q/health", NONE, "Quarkus", "/q/health/live"),
    ("/health", QUARKUS, "MicroProfile Health", "/health/live"),
    ("/healthcheck", DROPWIZARD, "Dropwizard", "/ping"),
    ("/health", ETCD, "etcd", "/health?exclude=NOSPACE&serializable=true"),
    ("/health?exclude=NOSPACE", ETCD, "etcd", "/health?exclude=NOSPACE&serializable=true"),
    ("/health?serializable=false", ETCD, "etcd", "/health?exclude=NOSPACE&serializable=true"),
    ("/_cluster/health", NONE, "Elasticsearch", None),
    ("/_cluster/health?wait_for_status=green&local=true", NONE, "Elasticsearch", None),
])
def test_framework_endpoints(path, runtime, framework, liveness) -> None:
    endpoint = deps.framework_endpoint(path, runtime)
    assert endpoint is not None and endpoint.framework == framework and endpoint.liveness == liveness


@pytest.mark.parametrize(("path", "runtime"), [
    ("/health", NONE), ("/healthz", QUARKUS), ("/livez", ETCD), ("/ping", DROPWIZARD), ("/", QUARKUS),
    ("/healthcheck", NONE), ("/health?serializable=true", ETCD), ("/health?exclude=NOSPACE&serializable=true", ETCD),
    ("/_cluster/health?local=true", NONE), ("/actuator/health/liveness", NONE), ("/q/health/live", NONE),
    ("/actuator/healthz", NONE),
])
def test_not_framework_endpoints(path, runtime) -> None:
    assert deps.framework_endpoint(path, runtime) is None


@pytest.mark.parametrize(("path", "runtime", "expected"), [
    ("/actuator/health/readiness", NONE, "/actuator/health/liveness"),
    ("/actuator/health/db", NONE, "/actuator/health/liveness"),
    ("/mgmt/actuator/health/redis", NONE, "/mgmt/actuator/health/liveness"),
    ("/q/health/ready", NONE, "/q/health/live"),
    ("/q/health/mongo", NONE, "/q/health/live"),
    ("/-/ready", NONE, "/-/healthy"),
    ("/prometheus/-/ready", NONE, "/prometheus/-/healthy"),
    ("/health/ready", QUARKUS, "/health/live"),
    ("/health/db", QUARKUS, "/health/live"),
    ("/readyz", ETCD, "/livez"),
    ("/actuator/health", NONE, "/actuator/health/liveness"),
    ("/health/ready", NONE, None),
    ("/readyz", NONE, None),
    ("/ready", NONE, None),
    ("/health/db", NONE, None),
    ("/actuator/health/liveness", NONE, None),
    ("/_cluster/health", NONE, None),
])
def test_liveness_path_for(path, runtime, expected) -> None:
    assert deps.liveness_path_for(path, runtime) == expected


@pytest.mark.parametrize(("image", "words", "expected"), [
    ("icr.io/appcafe/open-liberty:full-java17", [], Runtime(microprofile="openliberty")),
    ("ibmcom/websphere-liberty:latest", [], Runtime(microprofile="websphere-liberty")),
    ("payara/micro:6", [], Runtime(microprofile="payara")),
    ("quay.io/wildfly/wildfly:30", [], Runtime(microprofile="wildfly")),
    ("example/app:1", ["java", "-jar", "/deployments/quarkus-run.jar"], Runtime(microprofile="quarkus")),
    ("example/app:1", ["java", "-Dquarkus.http.port=8080", "-jar", "app.jar"], Runtime(microprofile="quarkus")),
    ("example/app:1", ["java", "-jar", "app.jar", "server", "config.yml"], Runtime(dropwizard=True)),
    ("example/dropwizard-app:1", [], Runtime(dropwizard=True)),
    ("registry.k8s.io/etcd:3.5.16-0", [], Runtime(etcd=True)),
    ("k8s.gcr.io/etcd-amd64:3.2.24", [], Runtime(etcd=True)),
    ("example/kv:1", ["/usr/local/bin/etcd", "--name", "x"], Runtime(etcd=True)),
    ("example/kv:1", ["sh", "-c", "exec etcd --name x"], Runtime(etcd=True)),
    ("example/etcd-operator:1", [], Runtime()),
    ("example/apiserver:1", ["apiserver", "--etcd-servers=https://etcd:2379"], Runtime()),
    ("example/customeeting:1", [], Runtime()),
    (None, [], Runtime()),
])
def test_detect_runtime(image, words, expected) -> None:
    assert deps.detect_runtime(image, words) == expected


def test_image_repository() -> None:
    assert deps.image_repository("registry.example.com:5000/team/app:1.2@sha256:abc") == "team/app"
    assert deps.image_repository("redis:7") == "redis"
    assert deps.image_repository("localhost/x/y") == "x/y"
    assert deps.image_repository("library/Redis") == "library/redis"
    assert deps.image_basename("public.ecr.aws/docker/library/redis:8.10.1-alpine") == "redis"
    assert deps.image_basename(None) == ""


def test_known_process_local() -> None:
    token = deps.dependency_token("/healthz?full=true")
    assert deps.known_process_local("/healthz?full=true", token, "quay.io/argoproj/argocd:v2.13.0")
    assert not deps.known_process_local("/healthz?full=true", token, "example/web:1")


# -- Istio ------------------------------------------------------------------------------------------
ISTIO = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          livenessProbe:
            httpGet: {path: /app-health/web/livez, port: 15020}
          readinessProbe:
            httpGet: {path: /app-health/web/readyz, port: 15020}
        - name: tcp
          livenessProbe:
            httpGet: {path: /app-health/tcp/livez, port: 15020}
        - name: plain
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
      initContainers:
        - name: istio-proxy
          restartPolicy: Always
          env:
            - name: ISTIO_KUBE_APP_PROBERS
              value: '{"/app-health/web/livez":{"httpGet":{"path":"/health/db","port":8080}},"/app-health/web/readyz":{"httpGet":{"port":8080}},"/app-health/tcp/livez":{"tcpSocket":{"port":80}}}'
"""


def test_http_target_looks_through_istio_rewrite() -> None:
    found = containers(ISTIO)
    target = deps.http_target(found["web"].probes["liveness"])
    assert target == deps.HttpTarget("/health/db", rewritten="/app-health/web/livez")
    assert deps.http_target(found["web"].probes["readiness"]) == deps.HttpTarget("/", rewritten="/app-health/web/readyz")
    assert deps.http_target(found["tcp"].probes["liveness"]) is None
    assert deps.http_target(found["plain"].probes["liveness"]) == deps.HttpTarget("/healthz")


def test_http_target_without_probers_table() -> None:
    found = containers(ISTIO.replace("ISTIO_KUBE_APP_PROBERS", "OTHER"))
    assert deps.http_target(found["web"].probes["liveness"]) is None
    broken = containers(ISTIO.replace('value: \'{"/app', 'value: \'not json{"/app'))
    assert deps.http_target(broken["web"].probes["liveness"]) is None


# -- hosts ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "hosts"), [
    ("db", ["db"]),
    ("db:5432", ["db"]),
    ("http://db.svc:8080/path?q=1", ["db.svc"]),
    ("https://user:pw@api.example.com/x", ["api.example.com"]),
    ("[::1]:6379", ["::1"]),
    ("::1", ["::1"]),
    ("::FFFF:127.0.0.1", ["::FFFF:127.0.0.1"]),
    (":8080", [""]),
    ("localhost:9898/healthz", ["localhost"]),
    ("mongodb://a:27017,b:27017/admin?replicaSet=rs0", ["a", "b"]),
    ("rs0/a:27017,b:27017", ["a", "b"]),
    ("kafka-0:9092,kafka-1:9092", ["kafka-0", "kafka-1"]),
    ("$(POD_IP):8080", ["$(POD_IP)"]),
    ("http://${DB_HOST:-db}:5432/x", ["${DB_HOST:-db}"]),
    ("rabbit@node-1", ["node-1"]),
    ("/var/run/postgresql", ["/var/run/postgresql"]),
])
def test_hosts_of(text, hosts) -> None:
    assert deps.hosts_of(text) == hosts


ENV = {
    "DB_HOST": EnvBinding("postgres.db.svc"),
    "LOCAL_DB_HOST": EnvBinding("127.0.0.1"),
    "SECRET_DB_HOST": EnvBinding(None),
    "MY_POD_IP": EnvBinding(None, "status.podIP"),
    "POD_NAME": EnvBinding(None, "metadata.name"),
    "TARGET": EnvBinding("$(DB_HOST)"),
}


@pytest.mark.parametrize(("host", "kind"), [
    ("", "local"), ("localhost", "local"), ("LOCALHOST", "local"), ("127.0.0.1", "local"), ("127.1.2.3", "local"),
    ("::1", "local"), ("[::1]", "local"), ("0.0.0.0", "local"), ("::", "local"), ("::ffff:127.0.0.1", "local"),
    ("/tmp/redis.sock", "local"), ("$(POD_IP)", "local"), ("$POD_IP", "local"), ("${POD_IP}", "local"),
    ("$HOSTNAME", "local"), ("${HOSTNAME}", "local"), ("$(hostname)", "local"), ("$(hostname -i)", "local"),
    ("`hostname`", "local"), ("$(MY_POD_IP)", "local"), ("$POD_NAME", "local"), ("$(hostname).redis-headless", "local"),
    ("${HOSTNAME}.db.ns.svc.cluster.local", "local"), ("$LOCAL_DB_HOST", "local"),
    ("db", "remote"), ("10.0.0.5", "remote"), ("redis-master.cache.svc", "remote"), ("$DB_HOST", "remote"),
    ("$(TARGET)", "remote"), ("localhost.evil.com", "remote"),
    ("$SECRET_DB_HOST", "reference"), ("${REDIS_URL}", "reference"), ("$(DATABASE_URL)", "reference"),
    ("$UNSET_DB_HOST", "reference"), ("$REDIS_MASTER_SERVICE_HOST", "reference"), ("$ES_HOSTS_X.x", "unknown"),
    ("$SOMETHING", "unknown"), ("$NODES_URL", "unknown"), ("$MYSQL_SERVER_ID", "unknown"),
])
def test_classify_host(host, kind) -> None:
    assert deps.classify_host(host, ENV).kind == kind


def test_classify_host_without_shell() -> None:
    assert deps.classify_host("$DB_HOST", ENV, shell=False).kind == "unknown"
    assert deps.classify_host("$(DB_HOST)", ENV, shell=False).kind == "remote"
    assert deps.classify_host("$(DB_HOST)", ENV, shell=False).value == "postgres.db.svc"


@pytest.mark.parametrize("name", ["DB_HOST", "DATABASE_URL", "PGHOST", "REDIS_URL", "MY_APP_MONGO_URI", "KAFKA_BROKERS", "ES_URL", "api_endpoint"])
def test_dependency_variable_names(name) -> None:
    assert deps.names_dependency(name)


@pytest.mark.parametrize("name", ["MYSQL_ROOT_PASSWORD", "POSTGRES_DB", "NODES_URL", "DB_HOST_PRIMARY", "MYSQL_SERVER_ID", "HOSTNAME", "DB_NAME"])
def test_not_dependency_variable_names(name) -> None:
    assert not deps.names_dependency(name)


# -- host extraction per flag form -----------------------------------------------------------
@pytest.mark.parametrize(("argv", "hosts"), [
    (["pg_isready", "-h", "db"], ["db"]),
    (["pg_isready", "-hdb"], ["db"]),
    (["pg_isready", "--host=db"], ["db"]),
    (["pg_isready", "--host", "db"], ["db"]),
    (["psql", "host=db port=5432 dbname=app", "-c", "select 1"], ["db"]),
    (["psql", "-d", "host='db one' dbname=app"], ["db one"]),
    (["psql", "postgresql://u@pg.svc:5432/app"], ["pg.svc"]),
    (["mysqladmin", "-H", "db", "ping"], ["db"]),
    (["mysql", "-h127.0.0.1", "-uroot", "-e", "select 1"], ["127.0.0.1"]),
    (["mysql", "-u", "root", "-e", "select 1"], []),
    (["redis-cli", "-h", "cache", "-p", "6379", "ping"], ["cache"]),
    (["redis-cli", "-u", "redis://cache:6379/0", "ping"], ["cache"]),
    (["mongosh", "mongodb://m1,m2/admin", "--eval", "1"], ["m1", "m2"]),
    (["mongo", "db.example.com/admin", "--eval", "1"], ["db.example.com"]),
    (["mongo", "admin", "--eval", "1"], []),
    (["mongo", "--host", "rs0/a:27017,b:27017"], ["a", "b"]),
    (["cqlsh", "cass-0", "9042", "-e", "describe keyspaces"], ["cass-0"]),
    (["nodetool", "-h", "::FFFF:127.0.0.1", "status"], ["::FFFF:127.0.0.1"]),
    (["etcdctl", "--endpoints=https://a:2379,https://b:2379", "endpoint", "health"], ["a", "b"]),
    (["kafka-topics.sh", "--bootstrap-server", "kafka:9092", "--list"], ["kafka"]),
    (["kcat", "-b", "kafka:9092", "-L"], ["kafka"]),
    (["zkCli.sh", "-server", "zk:2181", "ls", "/"], ["zk"]),
    (["nats", "-s", "nats://nats:4222", "server", "ping"], ["nats"]),
    (["influx", "--hostname", "influx"], ["influx"]),
    (["curl", "-sf", "-H", "Host: x", "-o", "/dev/null", "http://a.b/c"], ["a.b"]),
    (["curl", "localhost:8080/healthz"], ["localhost"]),
    (["curl", "--unix-socket", "/run/app.sock", "http://x/health"], ["x"]),
    (["wget", "-q", "-O", "-", "http://web/"], ["web"]),
    (["wget", "-qO-", "http://web/"], ["web"]),
    (["nc", "-z", "-w", "2", "db", "5432"], ["db"]),
    (["telnet", "mail", "25"], ["mail"]),
    (["ping", "-c", "1", "8.8.8.8"], ["8.8.8.8"]),
    (["nslookup", "kubernetes.default"], ["kubernetes.default"]),
    (["dig", "+short", "@10.96.0.10", "example.com"], ["10.96.0.10", "example.com"]),
    (["grpc_health_probe", "-addr=:8080"], [""]),
    (["grpc_health_probe", "-addr", "auth:9090"], ["auth"]),
    (["grpcurl", "-plaintext", "-d", "{}", "svc:50051", "grpc.health.v1.Health/Check"], ["svc"]),
    (["openssl", "s_client", "-connect", "ldap:636"], ["ldap"]),
    (["http", ":8080/health"], ["localhost"]),
    (["http", "GET", "api.example.com/health"], ["api.example.com"]),
])
def test_targets(argv, hosts) -> None:
    name, tool = deps.tool_for(argv[0], argv[1:])
    assert list(deps.targets(name, tool, argv[1:]).hosts) == hosts


def test_unix_socket_flags() -> None:
    name, tool = deps.tool_for("mysql")
    assert deps.targets(name, tool, ["-S", "/run/mysqld.sock"]).socket
    name, tool = deps.tool_for("redis-cli")
    assert deps.targets(name, tool, ["-s", "/tmp/redis.sock", "ping"]).socket


def test_tool_for() -> None:
    assert deps.tool_for("kafka-consumer-groups")[0] == "kafka-consumer-groups"
    assert deps.tool_for("clickhouse", ["client"])[0] == "clickhouse-client"
    assert deps.tool_for("openssl", ["x509"]) is None
    assert deps.tool_for("zkServer.sh", ["status"])[0] == "zkServer.sh"
    assert deps.tool_for("zkServer.sh", ["start-foreground"]) is None
    assert deps.tool_for("python") is None


@pytest.mark.parametrize(("image", "tool", "expected"), [
    ("postgres:16", "pg_isready", True),
    ("bitnami/postgresql:16", "psql", True),
    ("postgis/postgis:16-3.4", "pg_isready", True),
    ("timescale/timescaledb-ha:pg16", "pg_isready", True),
    ("redis:7", "redis-cli", True),
    ("valkey/valkey:8", "valkey-cli", True),
    ("bitnami/redis-cluster:7", "redis-cli", True),
    ("mysql/mysql-server:8.0.28", "mysqladmin", True),
    ("percona/percona-server:8.0", "mysql", True),
    ("mongo:7", "mongosh", True),
    ("gcr.io/google-samples/cassandra:v14", "nodetool", True),
    ("rabbitmq:3-management", "rabbitmq-diagnostics", True),
    ("quay.io/coreos/etcd:v3.5.0", "etcdctl", True),
    ("zookeeper:3.9", "zkServer.sh", True),
    ("example/app:1", "redis-cli", False),
    ("redis:7", "pg_isready", False),
    ("oliver006/redis_exporter:v1", "redis-cli", False),
    ("example/cassandra-tools:1", "nodetool", False),
    (None, "redis-cli", False),
])
def test_is_self_check(image, tool, expected) -> None:
    assert deps.is_self_check(image, tool) is expected


@pytest.mark.parametrize(("argv", "expected"), [
    (["nodetool", "status"], "nodetool status"),
    (["nodetool", "-h", "localhost", "-p", "7199", "status"], "nodetool status"),
    (["nodetool", "info"], None),
    (["rabbitmqctl", "cluster_status"], "rabbitmqctl cluster_status"),
    (["rabbitmq-diagnostics", "-q", "check_port_connectivity"], "rabbitmq-diagnostics check_port_connectivity"),
    (["rabbitmq-diagnostics", "cluster_status"], "rabbitmq-diagnostics cluster_status"),
    (["rabbitmq-diagnostics", "ping"], None),
    (["etcdctl", "endpoint", "health", "--cluster"], "etcdctl endpoint health --cluster"),
    (["etcdctl", "endpoint", "status", "--cluster=true"], "etcdctl endpoint status --cluster"),
    (["etcdctl", "endpoint", "health", "--cluster=false"], None),
    (["redis-cli", "cluster", "info"], "redis-cli cluster info"),
    (["redis-cli", "CLUSTER", "INFO"], "redis-cli cluster info"),
    (["redis-cli", "--cluster", "check", "localhost:6379"], "redis-cli --cluster check"),
    (["redis-cli", "ping"], None),
    (["mongosh", "--eval", "rs.status().ok"], "rs.status()"),
    (["mongo", "--eval", "rs.isMaster().ismaster || rs.isMaster().secondary"], "rs.isMaster()"),
    (["mongo", "--eval", "db.hello().isWritablePrimary"], "rs.isMaster()"),
    (["mongo", "--eval", "db.adminCommand('ping')"], None),
    (["curl", "-s", "http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=1s"], "_cluster/health"),
    (["curl", "-s", "localhost:9200/_cluster/health?local=true"], None),
    (["curl", "-s", "localhost:9200/"], None),
])
def test_peer_check(argv, expected) -> None:
    name, tool = deps.tool_for(argv[0], argv[1:])
    target = deps.targets(name, tool, argv[1:])
    assert deps.peer_check(name, argv[1:], target.positionals) == expected


# -- analysis -------------------------------------------------------------------------------------
def kinds(command, image="example/app:1", env=None):
    found = deps.analyze_exec(command, image, env or {})
    return None if found is None else [(d.tool, d.kind, d.level) for d in found]


def test_analyze_remote_reference_peer() -> None:
    assert kinds(["sh", "-c", "redis-cli -h cache ping"]) == [("redis-cli", "remote", "error")]
    assert kinds(["sh", "-c", "redis-cli -h $REDIS_HOST ping"]) == [("redis-cli", "reference", "warning")]
    assert kinds(["nodetool", "status"], "cassandra:4") == [("nodetool", "peer", "warning")]
    assert kinds(["nodetool", "status"]) == [("nodetool", "peer", "error")]
    assert kinds(["kubectl", "get", "ns"]) == [("kubectl", "remote", "error")]
    assert kinds(["aws", "s3", "ls"]) == [("aws", "remote", "error")]
    assert kinds(["aws", "--endpoint-url", "http://localhost:4566", "s3", "ls"]) == []


def test_analyze_defaults_and_tool_environment() -> None:
    assert kinds(["pg_isready"]) == []
    assert kinds(["pg_isready"], env={"PGHOST": EnvBinding("db.svc")}) == [("pg_isready", "remote", "error")]
    assert kinds(["pg_isready"], env={"PGHOST": EnvBinding(None)}) == []
    assert kinds(["sh", "-c", "PGHOST=db.svc pg_isready"]) == [("pg_isready", "remote", "error")]
    assert kinds(["sh", "-c", "PGHOST=localhost pg_isready"], env={"PGHOST": EnvBinding("db.svc")}) == []
    found = deps.analyze_exec(["pg_isready"], None, {"PGHOST": EnvBinding("db.svc")})
    assert found[0].source == "PGHOST" and found[0].host == "db.svc"


def test_analyze_self_checks_are_exempt() -> None:
    assert kinds(["redis-cli", "ping"], "redis:7") == []
    assert kinds(["sh", "-c", "redis-cli -a $REDIS_PASSWORD ping"], "redis:7") == []
    assert kinds(["mysqladmin", "ping"], "mysql:8") == []
    assert kinds(["pg_isready", "-h", "localhost", "-U", "postgres"], "postgres:16") == []
    assert kinds(["sh", "-c", "pg_isready -h localhost -d $DATABASE_URL"], "postgres:16") == []


def test_analyze_references_outside_host_flags() -> None:
    assert kinds(["sh", "-c", "/check.sh $DATABASE_URL"]) == [("check.sh", "reference", "warning")]
    assert kinds(["/check", "$(REDIS_URL)"]) == [("check", "reference", "warning")]
    assert kinds(["/check", "$REDIS_URL"]) == []  # no shell, no expansion
    assert kinds(["sh", "-c", "echo $DATABASE_URL; test -n $DB_HOST"]) == []
    assert kinds(["sh", "-c", "/check.sh $DATABASE_URL"], env={"DATABASE_URL": EnvBinding("postgres://localhost/x")}) == []
    found = deps.analyze_exec(["sh", "-c", "/check.sh $DATABASE_URL"], None, {"DATABASE_URL": EnvBinding("postgres://pg/x")})
    assert found[0].value == "postgres://pg/x"


def test_analyze_unknown_hosts_say_nothing() -> None:
    assert kinds(["sh", "-c", "redis-cli -h $SENTINEL ping"]) == []
    assert kinds(["curl", "$(HEALTH_TARGET)"]) == []


def test_analyze_unparsable_and_empty() -> None:
    assert kinds(["sh", "-c", "redis-cli -h db <<< ping"]) is None
    assert kinds([]) == []
    assert deps.analyze_exec(None, None, {}) is None


def test_analyze_commands_keeps_command_context() -> None:
    commands = parse_exec(["timeout", "3", "sh", "-c", "true && curl -sf http://api.example.com/"])
    found = deps.analyze_commands(commands, None, {})
    assert len(found) == 1
    assert found[0].command.timeout_wrapper == 3.0 and found[0].command.index == 4
    assert found[0].host == "api.example.com"


def test_container_env_and_probe_dependencies() -> None:
    found = containers("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: app
              image: example/app:1
              env:
                - {name: DB_HOST, value: pg.svc}
                - name: MY_POD_IP
                  valueFrom: {fieldRef: {fieldPath: status.podIP}}
                - name: TOKEN
                  valueFrom: {secretKeyRef: {name: s, key: t}}
              livenessProbe:
                exec: {command: ["sh", "-c", "pg_isready -h $DB_HOST"]}
              readinessProbe:
                httpGet: {path: /ready, port: 8080}
    """)
    app = found["app"]
    env = deps.container_env(app)
    assert env["DB_HOST"] == EnvBinding("pg.svc")
    assert env["MY_POD_IP"] == EnvBinding(None, "status.podIP")
    assert env["TOKEN"] == EnvBinding(None, None)
    result = deps.probe_dependencies(app.probes["liveness"])
    assert [(d.kind, d.host, d.value) for d in result] == [("remote", "$DB_HOST", "pg.svc")]
    assert deps.probe_dependencies(app.probes["readiness"]) is None


# -- properties ------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_path_functions_never_raise(path) -> None:
    deps.match_path(path)
    deps.framework_endpoint(path, Runtime("quarkus", True, True))
    deps.liveness_path_for(path, Runtime("quarkus", True, True))
    for host in deps.hosts_of(path):
        deps.classify_host(host, ENV)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["curl", "redis-cli", "-h", "nc", "psql", "--host", "sh", "-c"])), max_size=8))
def test_analyze_exec_never_raises(words) -> None:
    result = deps.analyze_exec(words, "redis:7", ENV)
    assert result is None or isinstance(result, list)
