"""The cross-file index of Services, and which of them select a workload's pods.

A Service selects a workload when it is in the same namespace (an absent namespace is the
run's default), its selector is non-empty, and every selector pair is in the pod template's
labels. Only the few fields the Service-aware rules need are kept.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode

from probelint.probes import is_int
from probelint.workloads import POD_PORT_LIMIT, Container, Port, Workload
from probelint.yamlnode import Map, Spot, node_position, scalar


@dataclass(frozen=True, slots=True)
class ServicePort:
    port: object
    target_port: object  # int, str (a port name) or None (defaults to port)
    name: str | None
    line: int
    column: int
    node: Spot  # the targetPort value, or the port entry when targetPort is not written


@dataclass(slots=True)
class Service:
    name: str
    namespace: str
    selector: dict[str, str]
    publish_not_ready: bool
    ports: list[ServicePort]
    path: str
    line: int
    column: int
    anchor: Spot  # the Service's ``kind`` key
    publish_node: Spot | None = None  # the ``publishNotReadyAddresses`` key
    helm_source: str | None = None

    def where(self, path: str, line: int | None = None) -> str:
        """`` (line 12)`` in the file ``path`` itself, else `` (other.yaml:12)``."""
        line = line or self.line
        return f" (line {line})" if self.path == path else f" ({self.path}:{line})"

    def elsewhere(self, path: str, line: int | None = None) -> str:
        """`` (other.yaml:12)`` when the Service is in another file than ``path``, else nothing."""
        return "" if self.path == path else f" ({self.path}:{line or self.line})"

    def selects(self, namespace: str, labels: dict[str, str]) -> bool:
        if not self.selector or namespace != self.namespace:
            return False
        return all(labels.get(key) == value for key, value in self.selector.items())


class ServiceIndex:
    """Services by namespace and by one pair of their selector, so that finding the Services
    that select a pod looks only at those sharing a label with it: scanning every Service for
    every workload is quadratic in the size of a monorepo."""

    def __init__(self, services: list[Service] | None = None) -> None:
        self.services: list[Service] = []
        self._buckets: dict[tuple[str, str, str], list[int]] = {}
        for service in services or ():
            self.add(service)

    def add(self, service: Service) -> None:
        index = len(self.services)
        self.services.append(service)
        if service.selector:
            key, value = min(service.selector.items())
            self._buckets.setdefault((service.namespace, key, value), []).append(index)

    def replace_all(self, services: list[Service]) -> None:
        self.__init__(services)

    def selecting(self, namespace: str, labels: dict[str, str]) -> list[Service]:
        """The Services selecting a pod with ``labels``, in the order they were added."""
        return [self.services[i] for i in self.selecting_positions(namespace, labels)]

    def selecting_positions(self, namespace: str, labels: dict[str, str]) -> list[int]:
        """Where the Services selecting a pod with ``labels`` are in ``services``, in order."""
        if not labels:
            return []
        found: list[int] = []
        for key, value in labels.items():
            found.extend(self._buckets.get((namespace, key, value), ()))
        found.sort()
        return [i for i in found if self.services[i].selects(namespace, labels)]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def service_from(root: Map, path: str, default_namespace: str, helm_source: str | None = None) -> Service | None:
    if root.str("kind") != "Service":
        return None
    metadata = root.map("metadata")
    spec = root.map("spec")
    name = metadata.scalar("name") if metadata else None
    namespace = metadata.scalar("namespace") if metadata else None
    selector: dict[str, str] = {}
    ports: list[ServicePort] = []
    publish = False
    publish_node = None
    if spec is not None:
        publish_node = spec.key_node("publishNotReadyAddresses")
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
            ports.append(ServicePort(port if is_int(port) else None, target,
                                     name_value if isinstance(name_value, str) else None, line, column, Spot(anchor)))
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
        anchor=Spot(anchor),
        publish_node=Spot(publish_node) if publish_node is not None else None,
        helm_source=helm_source,
    )


# -- what the Service-aware rules share ---------------------------------------------------
MONITORING_PORT = re.compile(r"(^|[-_])(metrics|prometheus|servicemonitor|profiling|pprof)([-_]|$)", re.IGNORECASE)
MONITORING_SERVICE = re.compile(r"-metrics(-service|-svc)?$", re.IGNORECASE)
FINDPORT_ROLES = ("container", "sidecar")


def monitoring_only(service: Service) -> bool:
    """A Service only for Prometheus scrapes or profiling (``argocd-metrics``, ports ``http-metrics``)."""
    if MONITORING_SERVICE.search(service.name):
        return True
    return bool(service.ports) and all(
        port.name is not None and MONITORING_PORT.search(port.name) for port in service.ports
    )


def target_number(target: object) -> int | None:
    """A numeric targetPort (a quoted number is read as the number), else None."""
    if is_int(target):
        return target if 0 < target <= POD_PORT_LIMIT else None
    if isinstance(target, str) and target.isdigit():
        value = int(target)
        return value if 0 < value <= POD_PORT_LIMIT else None
    return None


def resolve_target(target: object, workload: Workload) -> tuple[int, Container | None, Port | None] | None:
    """The port number a Service port sends to, the container declaring it and its ``ports`` entry
    (both None when no container declares a numeric target); None when a name resolves nowhere.

    Names are looked up like Kubernetes' ``FindPort``: regular containers first, then native
    sidecars, the first match wins.
    """
    ordered = [c for role in FINDPORT_ROLES for c in workload.containers if c.role == role]
    number = target_number(target)
    if number is not None:
        for container in ordered:
            port = container.declared_port(number)
            if port is not None:
                return number, container, port
        return number, None, None
    if isinstance(target, str) and target:
        for container in ordered:
            for port in container.ports:
                if port.name == target and port.number is not None:
                    return port.number, container, port
    return None


def unique_services(services: Iterable[Service], workload: Workload) -> list[Service]:
    """One Service per namespace and name, so a copy in another file counts once; the copy in the
    workload's own file wins, then the first one read."""
    found: dict[tuple[str, str], Service] = {}
    for service in sorted(services, key=lambda s: s.path != workload.path):
        found.setdefault((service.namespace, service.name), service)
    return list(found.values())
