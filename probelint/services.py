"""The cross-file index of Services, and which of them select a workload's pods.

A Service selects a workload when it is in the same namespace (an absent namespace is the
run's default), its selector is non-empty, and every selector pair is in the pod template's
labels. Only the few fields the Service-aware rules need are kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode

from probelint.probes import is_int
from probelint.yamlnode import Map, node_position, scalar


@dataclass(frozen=True)
class ServicePort:
    port: object
    target_port: object  # int, str (a port name) or None (defaults to port)
    name: str | None
    line: int
    column: int


@dataclass
class Service:
    name: str
    namespace: str
    selector: dict[str, str]
    publish_not_ready: bool
    ports: list[ServicePort]
    path: str
    line: int
    column: int

    def selects(self, namespace: str, labels: dict[str, str]) -> bool:
        if not self.selector or namespace != self.namespace:
            return False
        return all(labels.get(key) == value for key, value in self.selector.items())


@dataclass
class ServiceIndex:
    services: list[Service] = field(default_factory=list)

    def add(self, service: Service) -> None:
        self.services.append(service)

    def selecting(self, namespace: str, labels: dict[str, str]) -> list[Service]:
        if not labels:
            return []
        return [s for s in self.services if s.selects(namespace, labels)]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def service_from(root: Map, path: str, default_namespace: str) -> Service | None:
    if root.str("kind") != "Service":
        return None
    metadata = root.map("metadata")
    spec = root.map("spec")
    name = metadata.scalar("name") if metadata else None
    namespace = metadata.scalar("namespace") if metadata else None
    selector: dict[str, str] = {}
    ports: list[ServicePort] = []
    publish = False
    if spec is not None:
        sel = spec.map("selector")
        if sel is not None:
            for key, _key_node, value in sel.items():
                selector[key] = _text(scalar(value)) if isinstance(value, ScalarNode) else ""
        publish = spec.scalar("publishNotReadyAddresses") is True
        for item in spec.seq("ports") or ():
            if not isinstance(item, MappingNode):
                continue
            pm = Map(item)
            port = pm.scalar("port")
            target = pm.scalar("targetPort")
            if target is None:
                target = port
            name_value = pm.scalar("name")
            anchor: Node = pm.get("targetPort") or item
            line, column, _, _ = node_position(anchor)
            ports.append(ServicePort(port if is_int(port) else None, target, name_value if isinstance(name_value, str) else None, line, column))
    anchor = root.get("kind") or root.node
    line, column, _, _ = node_position(anchor)
    return Service(
        name=_text(name) or "<unnamed>",
        namespace=_text(namespace) or default_namespace,
        selector=selector,
        publish_not_ready=publish,
        ports=ports,
        path=path,
        line=line,
        column=column,
    )
