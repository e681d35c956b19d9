"""Rule metadata and the context a rule reports through.

A rule module holds a ``RULE`` (what it is) and a ``check`` generator (what it does). Rules
never build ``Finding`` objects themselves: ``RuleContext.finding`` fills in the code, name,
level, position, object reference and Helm origin, so a rule cannot get those wrong.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from yaml.nodes import Node

from probelint.model import Applicability, Finding, Fix, Location, ObjectRef
from probelint.yamlnode import is_alias_use, node_position, use_site

if TYPE_CHECKING:
    from probelint.edits import FixBuilder
    from probelint.probes import Probe
    from probelint.profile import Profile
    from probelint.services import Service, ServiceIndex
    from probelint.settings import Settings
    from probelint.suppress import FileSuppressions
    from probelint.workloads import Container, Workload

SCOPES = ("container", "workload", "services")
FIX_AVAILABILITY = ("never", "sometimes", "always")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    level: str
    scope: str = "container"
    enabled_by_default: bool = True
    fix: str = "never"
    levels: str = ""  # how the level varies, for the rule table ("error/warning")
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def level_text(self) -> str:
        return self.levels or self.level


@dataclass
class RuleContext:
    rule: Rule
    settings: Settings
    options: Mapping[str, object]
    services: ServiceIndex | None = None
    workload: Workload | None = None
    profile: Profile | None = None
    # The comment directives of the workload's file and its ignore annotation: findings they
    # cover are dropped after the rules ran, and a rule may need to know that beforehand.
    suppressions: FileSuppressions | None = None
    ignored: set[str] = field(default_factory=set)

    def suppressed(self, rule: Rule, line: int) -> bool:
        """A finding of ``rule`` on ``line`` of this workload's file would be suppressed."""
        names = {rule.code, rule.name, "ALL"}
        if names & self.ignored:
            return True
        directives = self.suppressions
        return directives is not None and bool(
            names & (directives.whole_file | directives.by_line.get(line, set())))

    @property
    def kube_version(self) -> tuple[int, int]:
        return self.settings.kube_version

    def option_seconds(self, name: str) -> tuple[float, bool]:
        """An option given as seconds or a duration (``45s``); and whether the configuration set it."""
        from probelint.units import DurationError, parse_duration

        configured = name in self.settings.options.get(self.rule.code, {})
        try:
            return parse_duration(self.options.get(name, self.rule.options[name])), configured
        except DurationError:
            return parse_duration(self.rule.options[name]), False

    def finding(
        self,
        at: Node,
        message: str,
        *,
        obj: ObjectRef,
        level: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding at ``at`` about ``obj``; the message is prefixed with the object.

        It is fixable when it carries a fix and its document was written by hand: a document
        rendered by Helm is never edited (the fix is kept to show what to change in the chart).
        """
        workload = self.workload
        assert workload is not None, "rules run with a workload set"
        site = self._use_site(at, obj)
        if site is not None:
            message += f" (written at line {at.start_mark.line + 1} and reused here through a YAML alias or merge key)"
            at = site
        line, column, end_line, end_column = node_position(at)
        helm_values = None
        if fix is not None and workload.doc.helm_source is not None and obj.container is not None:
            from probelint.helmvalues import values_snippet

            container = self._container(obj)
            helm_values = values_snippet(container, fix) if container is not None else None
        return Finding(
            code=self.rule.code,
            name=self.rule.name,
            level=level or self.rule.level,
            message=f"{obj.describe()}: {message}",
            location=Location(workload.path, line, column, end_line, end_column),
            obj=obj,
            helm_source=workload.doc.helm_source,
            fix=fix,
            fixable=fix is not None and workload.doc.helm_source is None,
            helm_values=helm_values,
        )

    def _container(self, obj: ObjectRef):
        """The container of the current workload that ``obj`` names, if it names one."""
        if obj.container is None:
            return None
        return next((c for c in self.workload.containers if c.name == obj.container), None)

    def _use_site(self, at: Node, obj: ObjectRef) -> Node | None:
        """The key through which the object's own text reuses ``at`` from an anchor, if it does;
        only looked for in a text that has anchors at all."""
        workload = self.workload
        if not workload.doc.aliases:
            return None
        root = workload.root.node
        container = self._container(obj)
        if container is not None:
            root = container.node
            probe_key, probe = container.map.key_node(obj.probe or ""), container.map.get(obj.probe or "")
            if probe is not None and not is_alias_use(probe_key, probe):
                root = probe  # the probe's own block: a sibling probe may merge the same anchor
        return use_site(root, at)

    def fix(self, title: str, *, unsafe: bool = False, scope: Node | None = None) -> FixBuilder:
        """Start a fix on the current workload's text; ``scope`` (usually the container) is
        where the file's indentation and quoting style are read from."""
        from probelint.edits import FixBuilder

        workload = self.workload
        assert workload is not None, "rules run with a workload set"
        return FixBuilder(workload.doc.source.text, title,
                          Applicability.UNSAFE if unsafe else Applicability.SAFE,
                          scope if scope is not None else workload.root.node, workload.doc.node)

    def probe_fix(self, probe: Probe, title: str, values: Mapping[str, object], *, unsafe: bool = False) -> Fix | None:
        """A fix that sets fields of one probe (``None`` deletes the field)."""
        builder = self.fix(title, unsafe=unsafe, scope=probe.container.node)
        for name, value in values.items():
            if value is None:
                builder.delete(probe.node, name)
            else:
                builder.set(probe.node, name, value)
        return builder.build()

    def probe_finding(self, probe: Probe, message: str, *, field: str | None = None,
                      at: Node | None = None, **kwargs) -> Finding:
        """A finding about one probe, at ``field``'s key (or the probe key if it is absent)."""
        return self.finding(at or probe.anchor(field), message, obj=probe.container.ref(probe.key), **kwargs)

    def container_finding(self, container: Container, message: str, *, at: Node | None = None, **kwargs) -> Finding:
        return self.finding(at or container.anchor, message, obj=container.ref(), **kwargs)

    def service_finding(self, service: Service, at: Node, message: str, *, fallback: Node, **kwargs) -> Finding:
        """A finding about a Service selecting the workload: at ``at`` in the Service when it is in
        the workload's file (with the Service's Helm template), else at ``fallback`` in the workload.

        Findings are reported, suppressed and fixed per file, so one in another file stays with the
        workload; its message should then name the Service's file and line.
        """
        workload = self.workload
        if service.path != workload.path:
            return self.workload_finding(workload, message, at=fallback, **kwargs)
        finding = self.workload_finding(workload, message, at=at, **kwargs)
        return replace(finding, helm_source=service.helm_source)

    def workload_finding(self, workload: Workload, message: str, *, at: Node | None = None, **kwargs) -> Finding:
        return self.finding(at or workload.anchor, message, obj=workload.ref(), **kwargs)
