"""A deterministic corpus of Kubernetes manifests for measuring probelint.

Benchmarks are only comparable when every run reads the same bytes, so the corpus is a pure
function of ``(objects, seed)``: all choices come from one seeded ``random.Random`` and nothing
reads the clock, the environment or the file system. The corpus looks like what probelint
meets in real repositories, because a uniform synthetic corpus would measure a path that real
input never takes: Deployments and StatefulSets next to the Services that select them by
label, HTTP, TCP, exec and gRPC probes, a mix of correct workloads and workloads with the
mistakes probelint's rules report (timing faults among them), comments, block and flow style,
indentation steps of 2 and 4, flush and indented sequences, and files of 1 to 50 documents.

Every workload records which rule codes its faults must trigger (``Corpus.expected``), so the
tests can check that the mix is what it claims to be: correct workloads produce no finding at
all with ``--select ALL`` and each fault produces its code.

    python benchmarks/generate.py --objects 1000 --out DIR [--seed 1]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Each fault is applied to the main container (or the workload) of an otherwise correct
# workload, and names the rule codes it must produce.
FAULTS: dict[str, tuple[str, ...]] = {
    "same-check": ("PL104",),                     # liveness checks what readiness checks, no slower
    "failure-threshold-one": ("PL205",),          # one slow probe restarts the container
    "timeout-not-less-than-period": ("PL204",),   # probes run back to back
    "timeout-below-p99": ("PL201",),              # liveness timeout under the annotated p99
    "short-stall-tolerance": ("PL210",),          # a short GC pause restarts the container
    "long-initial-delay": ("PL103",),             # initialDelaySeconds instead of a startup probe
    "exec-default-timeout": ("PL206",),           # exec probe left at the 1 s default timeout
    "liveness-db-dependency": ("PL301",),         # liveness asks whether the database is up
    "named-port-missing": ("PL006",),             # the probe's named port is not declared
    "success-threshold-two": ("PL002",),          # liveness successThreshold must be 1
    "no-readiness": ("PL101",),                   # nothing keeps traffic from an unready pod
    "tcp-readiness": ("PL309",),                  # readiness only checks that the port is open
}

# Share of workloads that carry one fault (a few carry two); the rest are correct.
FAULTY_SHARE = 0.45

NAMESPACES = ("shop", "payments", "search", "identity", "media", "billing", "data", "ml",
              "platform", "observability", "edge", "notifications")
WORDS = ("checkout", "cart", "catalog", "orders", "ledger", "invoice", "profile", "session",
         "gateway", "render", "thumbnail", "indexer", "ranker", "feed", "mailer", "sms",
         "auth", "token", "quota", "audit", "export", "import", "report", "pricing", "stock",
         "shipping", "review", "search", "recommend", "geo")
DATABASES = (
    ("postgres", "postgres:16.4", 5432, ["pg_isready", "-h", "localhost", "-U", "postgres"]),
    ("mysql", "mysql:8.4.2", 3306, ["mysqladmin", "ping", "-h", "127.0.0.1"]),
    ("redis", "redis:7.4.0", 6379, ["redis-cli", "-h", "127.0.0.1", "ping"]),
)


class Comment:
    """A comment line inside a mapping, written where the entry would be."""

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class Commented:
    """A scalar with a comment after it on the same line."""

    value: object
    comment: str


@dataclass(frozen=True)
class Style:
    """How one file is written: the choices real repositories differ in."""

    step: int             # indentation step: 2 or 4
    indent_seq: bool      # sequences indented under their key, or flush with it
    flow_leaves: bool     # small leaf mappings and lists in flow style ({path: /x, port: 80})
    quote_strings: bool   # strings that need no quotes quoted anyway
    comments: bool        # explanatory comments


@dataclass
class Workload:
    kind: str
    namespace: str
    name: str
    faults: tuple[str, ...]

    @property
    def expected(self) -> set[str]:
        return {code for fault in self.faults for code in FAULTS[fault]}


@dataclass
class Corpus:
    files: list[tuple[str, str]] = field(default_factory=list)   # (relative name, text)
    workloads: list[Workload] = field(default_factory=list)
    services: int = 0

    @property
    def expected(self) -> dict[tuple[str, str, str], set[str]]:
        """(kind, namespace, name) -> the codes its faults must trigger (empty: correct)."""
        return {(w.kind, w.namespace, w.name): w.expected for w in self.workloads}


# -- emitting YAML ---------------------------------------------------------------------------
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:@-]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(value: object, style: Style) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not text.endswith(":"):
        return f'"{text}"' if style.quote_strings and "/" in text else text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(value: object, style: Style) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v, style)}" for k, v in value.items()
                               if not isinstance(k, Comment)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, style) for v in value) + "]"
    if isinstance(value, Commented):
        return flow(value.value, style)
    return scalar(value, style)


def _is_leaf(value: object) -> bool:
    """A small collection of scalars, which hand-written manifests often write in flow style."""
    if isinstance(value, dict):
        return 0 < len(value) <= 3 and all(
            not isinstance(k, Comment) and not isinstance(v, (dict, list, Commented)) for k, v in value.items())
    if isinstance(value, list):
        return 0 < len(value) <= 6 and all(not isinstance(v, (dict, list, Commented)) for v in value)
    return False


def block(value: object, indent: int, style: Style, out: list[str]) -> None:
    """Write a mapping or a sequence in block style at ``indent`` columns."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, Comment):
                if style.comments:
                    out.append(f"{pad}# {key.text}")
                continue
            if isinstance(item, Commented):
                note = f"  # {item.comment}" if style.comments else ""
                out.append(f"{pad}{key}: {scalar(item.value, style)}{note}")
            elif isinstance(item, (dict, list)) and item:
                if style.flow_leaves and _is_leaf(item):
                    out.append(f"{pad}{key}: {flow(item, style)}")
                else:
                    out.append(f"{pad}{key}:")
                    nested = indent + style.step if isinstance(item, dict) or style.indent_seq else indent
                    block(item, nested, style, out)
            else:
                out.append(f"{pad}{key}: {flow(item, style)}")
        return
    for item in value:
        if isinstance(item, (dict, list)) and item and not (style.flow_leaves and _is_leaf(item)):
            lines: list[str] = []
            block(item, indent + 2, style, lines)
            first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
            out.extend(lines[:first])
            out.append(f"{pad}- {lines[first][indent + 2:]}")
            out.extend(lines[first + 1:])
        else:
            out.append(f"{pad}- {flow(item, style)}")


def document(obj: dict, style: Style, heading: str | None) -> str:
    lines: list[str] = []
    if heading and style.comments:
        lines.append(f"# {heading}")
    block(obj, 0, style, lines)
    return "\n".join(lines) + "\n"


# -- building objects --------------------------------------------------------------------------
class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0

    def name(self) -> str:
        self.serial += 1
        a, b = self.rng.sample(WORDS, 2)
        return f"{a}-{b}-{self.serial:05d}"

    def app(self, correct: bool = False) -> tuple[Workload, list[tuple[dict, str]]]:
        """One workload and, usually, the Service that selects it; ``correct`` rules out faults."""
        rng = self.rng
        namespace = rng.choice(NAMESPACES)
        name = self.name()
        faults: tuple[str, ...] = ()
        if rng.random() < FAULTY_SHARE and not correct:
            count = 2 if rng.random() < 0.15 else 1
            faults = tuple(sorted(rng.sample(sorted(FAULTS), count)))
        kind = "StatefulSet" if rng.random() < 0.25 else "Deployment"
        if kind == "StatefulSet":
            flavour = "database"
        else:
            flavour = rng.choice(("http", "http", "http", "grpc", "exec-http"))
        # Faults that need a particular handler are only given to workloads that have it.
        if flavour == "database":
            faults = tuple(f for f in faults if f not in ("liveness-db-dependency", "named-port-missing"))
        if flavour != "database" and flavour != "exec-http":
            faults = tuple(f for f in faults if f != "exec-default-timeout")
        if flavour == "exec-http":
            faults = tuple(f for f in faults if f != "liveness-db-dependency")
        if flavour == "grpc":
            faults = tuple(f for f in faults if f not in ("liveness-db-dependency", "named-port-missing"))
        # A liveness probe that copies readiness cannot also differ from it.
        if "same-check" in faults:
            faults = ("same-check",)
        if "no-readiness" in faults:  # nothing left for the readiness faults to change
            faults = tuple(f for f in faults if f not in ("tcp-readiness", "timeout-not-less-than-period"))
        labels = {"app": name, "tier": flavour.split("-")[0]}
        if rng.random() < 0.5:
            labels["app.kubernetes.io/part-of"] = namespace
        container = self.container(name, flavour, set(faults))
        containers = [container]
        if rng.random() < 0.3 and "no-readiness" not in faults:
            containers.append(self.sidecar())
        pod_spec: dict = {}
        if rng.random() < 0.3:
            pod_spec["serviceAccountName"] = name
        pod_spec["terminationGracePeriodSeconds"] = Commented(45, "preStop sleep + drain + margin")
        pod_spec["containers"] = containers
        if rng.random() < 0.3:
            pod_spec["volumes"] = [{"name": "config", "configMap": {"name": f"{name}-config"}}]
            container["volumeMounts"] = [{"name": "config", "mountPath": "/etc/app", "readOnly": True}]
        annotations = {}
        if "timeout-below-p99" in faults:
            annotations["probelint.io/p99"] = "2s"
        elif rng.random() < 0.4:
            annotations["probelint.io/p99"] = Commented("500ms", "measured at peak")
        metadata: dict = {"name": name, "namespace": namespace, "labels": dict(labels)}
        if annotations:
            metadata["annotations"] = annotations
        spec: dict = {}
        if kind == "StatefulSet":
            spec["serviceName"] = name
        spec["replicas"] = rng.choice((2, 3, 3, 5))
        spec["selector"] = {"matchLabels": {"app": name}}
        template_metadata: dict = {"labels": dict(labels)}
        if rng.random() < 0.3:
            template_metadata["annotations"] = {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}
        spec["template"] = {"metadata": template_metadata, "spec": pod_spec}
        if kind == "StatefulSet":
            spec["volumeClaimTemplates"] = [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
            }]
        elif rng.random() < 0.5:
            spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
        workload = {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec}
        heading = f"{name}: " + (", ".join(faults) if faults else "probes reviewed")
        documents = [(workload, heading)]
        if kind == "StatefulSet" or rng.random() < 0.85:
            documents.append((self.service(name, namespace, labels, container, headless=kind == "StatefulSet"),
                              f"traffic for {name}"))
        return Workload(kind, namespace, name, faults), documents

    def container(self, name: str, flavour: str, faults: set[str]) -> dict:
        rng = self.rng
        c: dict = {"name": name.rsplit("-", 1)[0]}
        version = f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        if flavour == "database":
            engine, image, port, command = rng.choice(DATABASES)
            c["image"] = image
            c["ports"] = [{"name": engine, "containerPort": port}]
            c["env"] = [{"name": "DATA_DIR", "value": "/var/lib/data"}]
            liveness = {"exec": {"command": list(command)}, "periodSeconds": 10, "timeoutSeconds": 5,
                        "failureThreshold": 6}
            # A database only speaks its own protocol: readiness runs the client too.
            readiness = {"exec": {"command": list(command)}, "periodSeconds": 5, "timeoutSeconds": 3,
                         "failureThreshold": 2}
            startup = {"exec": {"command": list(command)}, "periodSeconds": 10, "timeoutSeconds": 5,
                       "failureThreshold": 30}
            handler_port: object = port
        else:
            c["image"] = f"registry.example.com/{name.rsplit('-', 1)[0]}:{version}"
            if flavour == "grpc":
                port = 9090
                c["ports"] = [{"name": "grpc", "containerPort": port}]
                liveness = {"grpc": {"port": port, "service": "liveness"}, "periodSeconds": 10,
                            "timeoutSeconds": 3, "failureThreshold": 6}
                readiness = {"grpc": {"port": port, "service": "readiness"}, "periodSeconds": 5,
                             "timeoutSeconds": 2, "failureThreshold": 2}
                startup = {"grpc": {"port": port, "service": "liveness"}, "periodSeconds": 5,
                           "timeoutSeconds": 3, "failureThreshold": 30}
                handler_port = port
            else:
                port = rng.choice((8080, 8080, 3000, 8000))
                named = rng.random() < 0.6
                handler_port = "http" if named else port
                c["ports"] = [{"name": "http", "containerPort": port}]
                if rng.random() < 0.3:
                    c["ports"].append({"name": "metrics", "containerPort": 9102})
                liveness = {"httpGet": {"path": "/livez", "port": handler_port}, "periodSeconds": 10,
                            "timeoutSeconds": Commented(3, "above p99"), "failureThreshold": 6}
                readiness = {"httpGet": {"path": "/readyz", "port": handler_port}, "periodSeconds": 5,
                             "timeoutSeconds": 2, "failureThreshold": 2}
                startup = {"httpGet": {"path": "/livez", "port": handler_port}, "periodSeconds": 5,
                           "timeoutSeconds": 3, "failureThreshold": 30}
                if flavour == "exec-http":
                    liveness = {"exec": {"command": ["/bin/healthcheck", "--live"]}, "periodSeconds": 10,
                                "timeoutSeconds": 5, "failureThreshold": 6}
            c["env"] = [{"name": "LOG_LEVEL", "value": rng.choice(("info", "warn", "debug"))},
                        {"name": "PORT", "value": str(port)}]
        c["resources"] = {"requests": {"cpu": f"{rng.choice((100, 250, 500))}m", "memory": "256Mi"},
                          "limits": {"memory": "512Mi"}}
        c["lifecycle"] = {"preStop": {"sleep": {"seconds": 10}}}

        if "same-check" in faults:
            liveness = {**readiness}
        if "failure-threshold-one" in faults:
            liveness["failureThreshold"] = 1
            liveness["periodSeconds"] = 30
        if "short-stall-tolerance" in faults:
            liveness["failureThreshold"] = 2
            liveness["periodSeconds"] = 5
        if "tcp-readiness" in faults:
            readiness = {"tcpSocket": {"port": port}, "periodSeconds": 5, "timeoutSeconds": 2,
                         "failureThreshold": 2}
        if "timeout-not-less-than-period" in faults:
            readiness["timeoutSeconds"] = Commented(10, "slow under load")
            readiness["periodSeconds"] = 10
        if "timeout-below-p99" in faults:
            liveness["timeoutSeconds"] = 1
        if "long-initial-delay" in faults:
            startup = None
            liveness["initialDelaySeconds"] = 120
        if "exec-default-timeout" in faults:
            del liveness["timeoutSeconds"]
            liveness["periodSeconds"] = 10
        if "liveness-db-dependency" in faults:
            liveness["httpGet"] = {"path": "/health/db", "port": handler_port}
        if "named-port-missing" in faults:
            for probe in (liveness, readiness, startup):
                if probe and "httpGet" in probe:
                    probe["httpGet"] = {**probe["httpGet"], "port": "web"}
        if "success-threshold-two" in faults:
            liveness["successThreshold"] = 2
        if startup is not None:
            c[Comment("the startup probe covers a slow start; liveness applies after it")] = None
            c["startupProbe"] = startup
        c["livenessProbe"] = liveness
        if "no-readiness" not in faults:
            c["readinessProbe"] = readiness
        return c

    def sidecar(self) -> dict:
        """A proxy sidecar, probed on its own admin port."""
        return {
            "name": "proxy",
            "image": "envoyproxy/envoy:v1.31.0",
            "args": ["--config-path", "/etc/envoy/envoy.yaml"],
            "ports": [{"name": "admin", "containerPort": 9901}],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 9901}, "periodSeconds": 5,
                               "timeoutSeconds": 2, "failureThreshold": 2},
            "lifecycle": {"preStop": {"sleep": {"seconds": 10}}},
        }

    def service(self, name: str, namespace: str, labels: dict, container: dict, headless: bool) -> dict:
        port = container["ports"][0]
        target = port["name"] if self.rng.random() < 0.6 else port["containerPort"]
        spec: dict = {}
        if headless:
            spec["clusterIP"] = "None"
        spec["selector"] = {"app": labels["app"], "tier": labels["tier"]}
        spec["ports"] = [{"name": port["name"], "port": 80 if port["name"] == "http" else port["containerPort"],
                          "targetPort": target}]
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": namespace, "labels": {"app": labels["app"]}},
                "spec": spec}


def _file_size(rng: random.Random) -> int:
    """Documents in one file: mostly a few (one app per file), sometimes a whole bundle of 50."""
    roll = rng.random()
    if roll < 0.45:
        return rng.randint(1, 3)
    if roll < 0.85:
        return rng.randint(4, 15)
    return rng.randint(16, 50)


def _style(rng: random.Random) -> Style:
    return Style(step=rng.choice((2, 2, 2, 4)), indent_seq=rng.random() < 0.6, flow_leaves=rng.random() < 0.5,
                 quote_strings=rng.random() < 0.2, comments=rng.random() < 0.7)


def generate(objects: int, seed: int = 1) -> Corpus:
    """``objects`` Kubernetes objects (workloads and Services) split into files of 1–50 documents."""
    if objects < 1:
        raise ValueError("objects must be at least 1")
    rng = random.Random(seed)
    builder = Builder(rng)
    corpus = Corpus()
    stream: list[tuple[dict, str]] = []
    while len(stream) < objects:
        workload, documents = builder.app()
        corpus.workloads.append(workload)
        stream.extend(documents)
    del stream[objects:]
    corpus.services = sum(1 for obj, _ in stream if obj["kind"] == "Service")
    width = max(4, len(str(objects)))
    position = 0
    number = 0
    while position < len(stream):
        size = min(_file_size(rng), len(stream) - position)
        style = _style(rng)
        texts = [document(obj, style, heading) for obj, heading in stream[position:position + size]]
        number += 1
        group = f"team-{number % 17:02d}"
        text = "---\n".join(texts) if rng.random() < 0.8 else "---\n" + "---\n".join(texts)
        corpus.files.append((f"{group}/manifests-{number:0{width}d}.yaml", text))
        position += size
    return corpus


def clean_manifest(seed: int = 1) -> str:
    """One correct workload and its Service in one file: what a start-up measurement checks."""
    builder = Builder(random.Random(seed))
    _workload, documents = builder.app(correct=True)
    style = Style(step=2, indent_seq=True, flow_leaves=False, quote_strings=False, comments=True)
    return "---\n".join(document(obj, style, heading) for obj, heading in documents)


def write(corpus: Corpus, out: Path) -> None:
    for name, text in corpus.files:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, required=True, help="number of Kubernetes objects")
    parser.add_argument("--out", type=Path, required=True, help="output directory (created)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.objects < 1:
        parser.error("--objects must be at least 1")
    corpus = generate(args.objects, args.seed)
    write(corpus, args.out)
    print(f"{args.objects} objects ({len(corpus.workloads)} workloads, {corpus.services} Services) "
          f"in {len(corpus.files)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
