"""The probe model: effective values after Kubernetes defaulting, what was written, and where.

Rules reason on *effective* values because that is what the API server stores (0 or absent
``timeoutSeconds`` is 1, and so on), and messages say whether a value was written or defaulted.
Every field keeps its node so that findings point at the key that is wrong, or at the probe
key when something is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.yamlnode import Map, is_alias_use, scalar

if TYPE_CHECKING:
    from probelint.workloads import Container

PROBE_KEYS = {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}
PROBE_TYPES = tuple(PROBE_KEYS.values())
# The blocks PL009 validates against the schema: a repeated key in them is its finding.
VALIDATED_KEYS = (*PROBE_KEYS, "ports")
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
TIMING_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")
DEFAULTS = {
    "initialDelaySeconds": 0,
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
INT32_MAX = 2**31 - 1
# 0 means "use the default" for these; initialDelaySeconds 0 is simply no delay.
ZERO_MEANS_DEFAULT = frozenset({"timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"})


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class HttpGet:
    node: Map
    path: str
    port: object
    host: str | None
    scheme: str
    headers: list[tuple[str, str | None, Node]]

    @property
    def path_only(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.path).path if "?" in self.path or "#" in self.path else self.path

    @property
    def query(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.path).query if "?" in self.path else ""


@dataclass
class Probe:
    """One ``livenessProbe``/``readinessProbe``/``startupProbe`` block of a container."""

    type: str
    key: str
    container: Container
    key_node: Node
    node: MappingNode
    map: Map
    handlers: tuple[str, ...]
    raw: dict[str, object] = field(default_factory=dict)

    # -- timing ---------------------------------------------------------------------------
    def explicit(self, name: str) -> bool:
        """The field was written with a usable integer (0 included, at most int32)."""
        return name in self.raw and _usable(self.raw[name])

    def eff(self, name: str) -> int:
        value = self.raw.get(name)
        if not _usable(value):
            return DEFAULTS[name]
        if value == 0 and name in ZERO_MEANS_DEFAULT:
            return DEFAULTS[name]
        return value

    @property
    def initial_delay(self) -> int:
        return self.eff("initialDelaySeconds")

    @property
    def timeout(self) -> int:
        return self.eff("timeoutSeconds")

    @property
    def period(self) -> int:
        return self.eff("periodSeconds")

    @property
    def success_threshold(self) -> int:
        return self.eff("successThreshold")

    @property
    def failure_threshold(self) -> int:
        return self.eff("failureThreshold")

    @property
    def grace_period(self) -> int | None:
        value = self.raw.get("terminationGracePeriodSeconds")
        return value if is_int(value) else None

    def is_default(self, name: str) -> bool:
        """The effective value is Kubernetes' default: not written, or written as 0 where 0 means default."""
        return not self.explicit(name) or (self.raw[name] == 0 and name in ZERO_MEANS_DEFAULT)

    def describe(self, name: str) -> str:
        """``timeoutSeconds 1 (default)`` style text for messages."""
        return f"{name} {self.eff(name)}" + (" (default)" if self.is_default(name) else "")

    def value_node(self, name: str) -> Node | None:
        return self.map.get(name)

    def field_key_node(self, name: str) -> Node | None:
        return self.map.key_node(name)

    def anchor(self, name: str | None = None) -> Node:
        """The node a finding about ``name`` points at: the field's key, else the probe key.

        For a probe written as an alias (``readinessProbe: *probe``) always the probe key: the
        anchor belongs to another probe or container, so a position inside it would not say
        which one is meant. A field merged with ``<<: *probe`` gives the key in the anchor,
        where its value is written; ``RuleContext.finding`` reports it at this probe's ``<<``.
        """
        if is_alias_use(self.key_node, self.node):
            return self.key_node
        if name is not None:
            key = self.map.key_node(name)
            if key is not None:
                return key
        return self.key_node

    # -- handler --------------------------------------------------------------------------
    @property
    def handler(self) -> str | None:
        return self.handlers[0] if len(self.handlers) == 1 else None

    def handler_map(self) -> Map | None:
        return self.map.map(self.handler) if self.handler else None

    @property
    def http(self) -> HttpGet | None:
        if self.handler != "httpGet":
            return None
        m = self.map.map("httpGet")
        if m is None:
            return None
        path = m.scalar("path")
        path = path if isinstance(path, str) and path else "/"
        scheme = m.scalar("scheme")
        headers: list[tuple[str, str | None, Node]] = []
        for item in m.seq("httpHeaders") or ():
            if isinstance(item, MappingNode):
                hm = Map(item)
                name = hm.scalar("name")
                value = hm.scalar("value")
                if isinstance(name, str):
                    headers.append((name, value if isinstance(value, str) else None, item))
        host = m.scalar("host")
        return HttpGet(
            node=m,
            path=path,
            port=m.scalar("port"),
            host=host if isinstance(host, str) and host else None,
            scheme=scheme if isinstance(scheme, str) and scheme else "HTTP",
            headers=headers,
        )

    @property
    def port(self) -> object:
        """The written port of an httpGet, tcpSocket or grpc handler (int, str or None)."""
        m = self.handler_map()
        if m is None or self.handler == "exec":
            return None
        return m.scalar("port")

    def port_node(self) -> Node | None:
        m = self.handler_map()
        return m.get("port") if m is not None else None

    @property
    def resolved_port(self) -> int | None:
        """The numeric port the kubelet would use; None when a name does not resolve."""
        port = self.port
        if is_int(port):
            return port
        if isinstance(port, str):
            if port.isdigit():
                return None
            return self.container.port_by_name(port)
        return None

    @property
    def host(self) -> str | None:
        m = self.handler_map()
        if m is None or self.handler not in ("httpGet", "tcpSocket"):
            return None
        host = m.scalar("host")
        return host if isinstance(host, str) and host else None

    @property
    def grpc_service(self) -> str:
        m = self.map.map("grpc") if self.handler == "grpc" else None
        service = m.scalar("service") if m else None
        return service if isinstance(service, str) else ""

    @property
    def command(self) -> list[str] | None:
        """``exec.command`` as strings (non-string items are rendered as YAML text)."""
        if self.handler != "exec":
            return None
        m = self.map.map("exec")
        items = m.seq("command") if m else None
        if items is None:
            return None
        return [str(scalar(item)) if isinstance(item, ScalarNode) else "" for item in items]

    def command_node(self) -> Node | None:
        m = self.map.map("exec") if "exec" in self.handlers else None
        return m.get("command") if m else None

    def normalized_handler(self) -> tuple | None:
        """A comparable description of what the probe checks (PL104)."""
        handler = self.handler
        if handler == "httpGet":
            http = self.http
            if http is None:
                return None
            headers = tuple(sorted((name.lower(), value) for name, value, _ in http.headers))
            return ("httpGet", http.path_only or "/", http.query, self.resolved_port or http.port, http.host, http.scheme.upper(), headers)
        if handler == "tcpSocket":
            return ("tcpSocket", self.resolved_port or self.port, self.host)
        if handler == "grpc":
            return ("grpc", self.port, self.grpc_service)
        if handler == "exec":
            command = self.command
            return ("exec", tuple(command)) if command is not None else None
        return None


def _usable(value: object) -> bool:
    """A timing value the model can reason on: an integer within int32. The API server rejects
    a larger one (PL009 reports it), so no pod runs with it, and the timing formulas would
    overflow converting it to a float. Negative values stay visible: PL002/PL003 report them."""
    return is_int(value) and value <= INT32_MAX


def build_probe(container: Container, key: str, key_node: Node, value: Node) -> Probe | None:
    """Build the probe model, or None when the value is not a mapping (an input error)."""
    if not isinstance(value, MappingNode):
        return None
    m = Map(value)
    handlers = tuple(h for h in HANDLERS if h in m and not _is_null(m.get(h)))
    raw = {}
    for name in (*TIMING_FIELDS, "terminationGracePeriodSeconds"):
        node = m.get(name)
        if isinstance(node, ScalarNode):
            written = scalar(node)
            # JSON has one number type: the API server reads 5.0 as 5 in an integer field.
            if isinstance(written, float) and written.is_integer():
                written = int(written)
            raw[name] = written
        elif node is not None:
            raw[name] = node  # a list or mapping: never a usable value
    return Probe(PROBE_KEYS[key], key, container, key_node, value, m, handlers, raw)


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and scalar(node) is None)


def sequence_items(node: Node | None) -> list[Node]:
    return node.value if isinstance(node, SequenceNode) else []
