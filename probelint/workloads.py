"""Which objects carry pods, where their pod template is, and the containers in it.

The kind-to-path table is data, not a chain of conditions: adding a CRD is one line here or
one entry in the user's config (``pod-template-paths``). Unknown kinds that carry a pod
template at the usual places are recognised too, so a new operator's CRD is checked without
waiting for a release.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.model import InputProblem, ObjectRef
from probelint.probes import PROBE_KEYS, Probe, build_probe, is_int
from probelint.source import Document
from probelint.yamlnode import Map, describe_value, kind_name, node_position, scalar

TEMPLATE = ("spec", "template", "spec")
JOB_TEMPLATE = ("spec", "jobTemplate", "spec", "template", "spec")
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": TEMPLATE,
    "StatefulSet": TEMPLATE,  # apps/v1 and OpenKruise Advanced StatefulSet
    "DaemonSet": TEMPLATE,  # apps/v1 and OpenKruise Advanced DaemonSet
    "ReplicaSet": TEMPLATE,
    "ReplicationController": TEMPLATE,
    "Job": TEMPLATE,
    "CronJob": JOB_TEMPLATE,
    "Rollout": TEMPLATE,  # Argo Rollouts
    "CloneSet": TEMPLATE,  # OpenKruise
    "DeploymentConfig": TEMPLATE,  # OpenShift
}
FALLBACK_PATHS = (TEMPLATE, JOB_TEMPLATE)
JOB_KINDS = frozenset({"Job", "CronJob"})
RUN_TO_COMPLETION = frozenset({"Never", "OnFailure"})
LIST_SUFFIX = "List"
POD_PORT_LIMIT = 65535


@dataclass
class Port:
    name: str | None
    number: int | None
    protocol: str
    app_protocol: str | None
    node: Node


@dataclass
class EnvVar:
    name: str
    value: str | None
    from_ref: bool
    node: Node


@dataclass
class Container:
    workload: Workload
    name: str
    role: str  # "container", "init" or "sidecar" (init container with restartPolicy Always)
    index: int
    node: MappingNode
    map: Map
    image: str | None = None
    ports: list[Port] = field(default_factory=list)
    probes: dict[str, Probe] = field(default_factory=dict)
    env: list[EnvVar] = field(default_factory=list)
    env_from: bool = False

    @property
    def anchor(self) -> Node:
        """Where findings about something missing in this container point: its ``name``."""
        return self.map.get("name") or self.node

    @property
    def is_regular(self) -> bool:
        return self.role in ("container", "sidecar")

    @property
    def is_pause(self) -> bool:
        """A pause container only holds the pod's namespaces: there is nothing in it to probe."""
        image = (self.image or "").rsplit("@", 1)[0]
        repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        name = repository.rsplit("/", 1)[-1]
        return name == "pause" or name.startswith("pause-")

    def port_by_name(self, name: str) -> int | None:
        for port in self.ports:
            if port.name == name and port.number is not None:
                return port.number
        return None

    def declared_port(self, number: int) -> Port | None:
        for port in self.ports:
            if port.number == number:
                return port
        return None

    @property
    def numbered_ports(self) -> list[int]:
        return [p.number for p in self.ports if p.number is not None]

    def mentions_port(self, number: int) -> bool:
        """The ``command``, ``args`` or a literal ``env`` value names the port (``--port 18080``,
        ``--metrics-bind-address=:8443``, ``PORT=8443``): the listener is set there, not in ``ports``."""
        pattern = re.compile(rf"(?<![\d.]){number}(?![\d.])")
        texts = [scalar(item) for key in ("command", "args") for item in self.map.seq(key) or ()
                 if isinstance(item, ScalarNode)]
        texts += [var.value for var in self.env if var.value]
        return any(pattern.search(str(text)) for text in texts)

    def ref(self, probe: str | None = None) -> ObjectRef:
        w = self.workload
        return ObjectRef(w.kind, w.name, w.namespace, self.name, probe)


@dataclass
class Workload:
    doc: Document
    kind: str
    api_version: str
    name: str
    namespace: str
    namespace_explicit: bool
    root: Map
    pod_spec: Map
    pod_spec_path: tuple[str, ...]
    labels: dict[str, str]
    annotations: dict[str, str]
    annotation_nodes: dict[str, Node]
    containers: list[Container] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def is_job(self) -> bool:
        return self.kind in JOB_KINDS

    @property
    def is_long_running(self) -> bool:
        """Not a Job or CronJob, and not a bare Pod that runs to completion (restartPolicy Never/OnFailure)."""
        return not self.is_job and self.pod_spec.scalar("restartPolicy") not in RUN_TO_COMPLETION

    @property
    def path(self) -> str:
        return self.doc.source.path

    @property
    def anchor(self) -> Node:
        return self.root.get("kind") or self.root.node

    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)

    @property
    def regular_containers(self) -> list[Container]:
        return [c for c in self.containers if c.is_regular]

    @property
    def termination_grace(self) -> int:
        value = self.pod_spec.scalar("terminationGracePeriodSeconds")
        return value if is_int(value) and value >= 0 else 30

    @property
    def host_network(self) -> bool:
        return self.pod_spec.scalar("hostNetwork") is True


def objects(doc: Document) -> list[Map]:
    """The Kubernetes objects in a document: itself, or the items of a ``List`` kind."""
    if not isinstance(doc.node, MappingNode):
        return []
    m = Map(doc.node)
    kind = m.str("kind")
    if kind and kind.endswith(LIST_SUFFIX) and isinstance(m.get("items"), SequenceNode):
        return [Map(item) for item in m.seq("items") if isinstance(item, MappingNode)]
    return [m]


def pod_spec_path(root: Map, kind: str, extra: dict[str, tuple[tuple[str, ...], ...]]) -> tuple[str, ...] | None:
    for path in extra.get(kind, ()):
        if isinstance(root.path(*path), MappingNode):
            return path
    path = POD_SPEC_PATHS.get(kind)
    if path is not None:
        return path if isinstance(root.path(*path), MappingNode) else None
    for path in FALLBACK_PATHS:
        spec = root.path(*path)
        if isinstance(spec, MappingNode) and isinstance(Map(spec).get("containers"), SequenceNode):
            return path
    return None


def _string_map(node: Node | None) -> tuple[dict[str, str], dict[str, Node]]:
    values: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    if isinstance(node, MappingNode):
        for key, key_node, value in Map(node).items():
            if isinstance(value, ScalarNode):
                v = scalar(value)
                values[key] = "" if v is None else str(v) if not isinstance(v, bool) else ("true" if v else "false")
                nodes[key] = key_node
    return values, nodes


def extract(root: Map, doc: Document, default_namespace: str,
            extra_paths: dict[str, tuple[tuple[str, ...], ...]] | None = None) -> Workload | None:
    """Build the workload model of one object, or None if it carries no pod template."""
    kind = root.str("kind")
    if not kind:
        return None
    path = pod_spec_path(root, kind, extra_paths or {})
    if path is None:
        return None
    metadata = root.map("metadata")
    name = metadata.scalar("name") if metadata else None
    namespace = metadata.scalar("namespace") if metadata else None
    # The pod's own metadata: the template's, or the object's for a bare Pod.
    pod_meta_node = root.path(*path[:-1], "metadata") if len(path) > 1 else (metadata.node if metadata else None)
    pod_meta = Map(pod_meta_node) if isinstance(pod_meta_node, MappingNode) else None
    labels, _ = _string_map(pod_meta.get("labels") if pod_meta else None)
    annotations, annotation_nodes = _string_map(metadata.get("annotations") if metadata else None)
    if pod_meta is not None and len(path) > 1:
        t_ann, t_nodes = _string_map(pod_meta.get("annotations"))
        for key, value in t_ann.items():
            annotations.setdefault(key, value)
            annotation_nodes.setdefault(key, t_nodes[key])
    workload = Workload(
        doc=doc,
        kind=kind,
        api_version=str(root.scalar("apiVersion") or ""),
        name=str(name) if name is not None else "<unnamed>",
        namespace=str(namespace) if namespace not in (None, "") else default_namespace,
        namespace_explicit=namespace not in (None, ""),
        root=root,
        pod_spec=Map(root.path(*path)),
        pod_spec_path=path,
        labels=labels,
        annotations=annotations,
        annotation_nodes=annotation_nodes,
    )
    _extract_containers(workload)
    return workload


def _problem(workload: Workload, node: Node, message: str) -> None:
    line, column, _, _ = node_position(node)
    workload.problems.append(InputProblem(workload.path, line, column, f"{workload.ref().describe()}: {message}"))


def _extract_containers(workload: Workload) -> None:
    spec = workload.pod_spec
    for list_key, role in (("initContainers", "init"), ("containers", "container")):
        node = spec.get(list_key)
        if node is None or (isinstance(node, ScalarNode) and scalar(node) is None):
            continue
        if not isinstance(node, SequenceNode):
            _problem(workload, node, f"{list_key} must be a list, got {kind_name(node)}")
            continue
        for index, item in enumerate(node.value):
            if not isinstance(item, MappingNode):
                _problem(workload, item, f"{list_key}[{index}] must be a mapping, got {kind_name(item)}")
                continue
            _add_container(workload, item, index, role)


def _add_container(workload: Workload, node: MappingNode, index: int, role: str) -> None:
    m = Map(node)
    name = m.scalar("name")
    if role == "init" and m.scalar("restartPolicy") == "Always":
        role = "sidecar"
    image = m.scalar("image")
    container = Container(
        workload=workload,
        name=str(name) if name is not None else f"#{index}",
        role=role,
        index=index,
        node=node,
        map=m,
        image=image if isinstance(image, str) else None,
    )
    _extract_ports(workload, container)
    _extract_env(container)
    for key in PROBE_KEYS:
        value = m.get(key)
        if value is None or (isinstance(value, ScalarNode) and scalar(value) is None):
            continue
        probe = build_probe(container, key, m.key_node(key), value)
        if probe is None:
            _problem(workload, value, f'container "{container.name}" {key} must be a mapping, got {kind_name(value)}')
            continue
        _check_probe_shape(workload, container, probe)
        container.probes[probe.type] = probe
    workload.containers.append(container)


def _check_probe_shape(workload: Workload, container: Container, probe: Probe) -> None:
    """Report values the model cannot interpret at all; the probe keeps what it can."""
    where = f'container "{container.name}" {probe.key}'
    for handler in probe.handlers:
        node = probe.map.get(handler)
        if not isinstance(node, MappingNode):
            _problem(workload, node, f"{where}.{handler} must be a mapping, got {kind_name(node)}")
            continue
        hm = Map(node)
        port = hm.get("port")
        if port is not None and handler != "exec":
            value = scalar(port) if isinstance(port, ScalarNode) else None
            if not isinstance(port, ScalarNode) or not (is_int(value) or isinstance(value, str)):
                _problem(workload, port, f"{where}.{handler}.port must be an integer or a port name, got {kind_name(port)}")
        if handler == "exec":
            command = hm.get("command")
            if command is not None and not isinstance(command, SequenceNode) and not (isinstance(command, ScalarNode) and scalar(command) is None):
                _problem(workload, command, f"{where}.exec.command must be a list, got {kind_name(command)}")


def _extract_ports(workload: Workload, container: Container) -> None:
    node = container.map.get("ports")
    if node is None:
        return
    if not isinstance(node, SequenceNode):
        if not (isinstance(node, ScalarNode) and scalar(node) is None):
            _problem(workload, node, f'container "{container.name}" ports must be a list, got {kind_name(node)}')
        return
    for item in node.value:
        if not isinstance(item, MappingNode):
            _problem(workload, item, f'container "{container.name}" ports entry must be a mapping, got {kind_name(item)}')
            continue
        pm = Map(item)
        number = pm.scalar("containerPort")
        if number is not None and not is_int(number):
            cp = pm.get("containerPort")
            if not (isinstance(number, str) and number.isdigit()):
                _problem(workload, cp, f'container "{container.name}" containerPort must be an integer, got {describe_value(number) if isinstance(cp, ScalarNode) else kind_name(cp)}')
            number = None
        name = pm.scalar("name")
        protocol = pm.scalar("protocol")
        app_protocol = pm.scalar("appProtocol")
        container.ports.append(
            Port(
                name=name if isinstance(name, str) else None,
                number=number,
                protocol=protocol if isinstance(protocol, str) else "TCP",
                app_protocol=app_protocol if isinstance(app_protocol, str) else None,
                node=item,
            )
        )


def _extract_env(container: Container) -> None:
    for item in container.map.seq("env") or ():
        if not isinstance(item, MappingNode):
            continue
        em = Map(item)
        name = em.scalar("name")
        if not isinstance(name, str):
            continue
        value = em.scalar("value")
        container.env.append(
            EnvVar(name, None if value is None else str(value), isinstance(em.get("valueFrom"), MappingNode), item)
        )
    env_from = container.map.get("envFrom")
    container.env_from = isinstance(env_from, SequenceNode) and bool(env_from.value)
