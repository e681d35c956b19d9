"""The service profile: what was measured about a service, and where each figure came from.

A profile holds a service's health-endpoint latency, startup time, the longest stall it must
ride out, its drain time and the false restarts it tolerates. Figures come from, highest
precedence first: annotations on the workload or its pod template (``probelint.io/p99``...),
the entry of a profile file that matches the container most specifically, and command-line
or configuration defaults. Every figure keeps its origin, so a finding can say "p99 4s from
probelint.io/p99 on Deployment/checkout" instead of leaving the user to guess.
"""
from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from pathlib import Path

from probelint.model import InputProblem
from probelint.units import DurationError, format_duration, parse_duration
from probelint.yamlnode import node_position

ANNOTATION_PREFIX = "probelint.io/"


@dataclass(frozen=True)
class Field:
    name: str  # attribute name in code
    key: str  # spelling in annotations, profile files and config (kebab-case)
    kind: str  # "duration", "number" or "bool"
    description: str
    flag: str | None = None  # command-line flag, when there is one


FIELDS: tuple[Field, ...] = (
    Field("p50", "p50", "duration", "median latency of the health endpoint", "--p50"),
    Field("p99", "p99", "duration", "p99 latency of the health endpoint under peak load", "--p99"),
    Field("p999", "p99.9", "duration", "p99.9 latency of the health endpoint", "--p999"),
    Field("startup_p99", "startup-p99", "duration", "p99 of the time from container start to healthy", "--startup-p99"),
    Field("startup_max", "startup-max", "duration", "longest observed time from container start to healthy", "--startup-max"),
    Field("stall_max", "stall-max", "duration", "longest stall to ride out without a restart (GC pause, CPU throttling)", "--stall-max"),
    Field("drain", "drain", "duration", "longest in-flight request to finish on shutdown", "--drain"),
    Field("propagation", "endpoint-propagation", "duration", "time for an endpoint change to reach every proxy", "--endpoint-propagation"),
    Field("restart_budget", "restart-budget", "number", "tolerated false restarts per pod-year", "--restart-budget"),
    Field("unready_budget", "unready-budget", "number", "tolerated false unready events per pod-year", "--unready-budget"),
    Field("readiness_dependencies", "readiness-dependencies", "bool", "whether readiness may check shared dependencies", None),
)
BY_NAME = {f.name: f for f in FIELDS}
BY_KEY = {f.key: f for f in FIELDS}
# Figures the model needs even without a profile; findings say when a default was used.
DEFAULTS = {"propagation": 5.0, "drain": 10.0, "restart_budget": 1.0, "unready_budget": 52.0}
MATCH_KEYS = ("namespace", "kind", "name", "container")


class ProfileError(ValueError):
    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"{path}:{line}:{column}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ProfileValue:
    value: float | bool
    source: str

    @property
    def seconds(self) -> float:
        return float(self.value)

    def text(self, label: str | None = None) -> str:
        """``p99 4s`` (label and value, no origin)."""
        field_ = BY_NAME.get(label or "")
        shown = format_duration(self.value) if field_ is None or field_.kind == "duration" else f"{self.value:g}"
        return f"{field_.key if field_ else label} {shown}" if label else shown

    def describe(self, label: str) -> str:
        """``p99 4s from probelint.io/p99 on Deployment/checkout``."""
        return f"{self.text(label)} from {self.source}"


def convert(field_: Field, raw: object) -> float | bool:
    """A profile value from text or YAML; raises ValueError naming the problem."""
    if field_.kind == "duration":
        return parse_duration(raw)
    if field_.kind == "number":
        if isinstance(raw, bool):
            raise ValueError(f"invalid number {raw!r}")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"invalid number {raw!r}") from None
        if number < 0 or math.isnan(number):
            raise ValueError(f"invalid number {raw!r}")
        return number
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "yes", "no"):
        return raw.strip().lower() in ("true", "yes")
    raise ValueError(f"invalid boolean {raw!r}")


@dataclass
class Profile:
    values: dict[str, ProfileValue] = field(default_factory=dict)

    def get(self, name: str) -> ProfileValue | None:
        return self.values.get(name)

    def __getattr__(self, name: str) -> ProfileValue | None:
        """``profile.p99`` and friends: the figure, or None when the profile lacks it."""
        if name in BY_NAME and name != "values":
            return self.__dict__.get("values", {}).get(name)
        raise AttributeError(name)

    def tail(self, timeout: float) -> float | None:
        """P(health-endpoint latency > timeout) under the log-normal fit; None without a p99."""
        from probelint.timing import tail_probability

        p99 = self.values.get("p99")
        if p99 is None or p99.seconds <= 0:
            return None
        p50, p999 = self.values.get("p50"), self.values.get("p999")
        return tail_probability(timeout, p99.seconds, p50.seconds if p50 else None, p999.seconds if p999 else None)

    def latency_text(self) -> str:
        """The latency figures a tail estimate used, with their origins: ``p99 4s from --p99, p50 ...``."""
        return ", ".join(self.values[name].describe(name) for name in ("p99", "p50", "p999") if name in self.values)

    def value(self, name: str) -> ProfileValue:
        """The figure, or the model's default for it (its source then says so)."""
        found = self.values.get(name)
        if found is not None:
            return found
        if name not in DEFAULTS:
            raise KeyError(f"{name} has no default")
        return ProfileValue(DEFAULTS[name], "the default")


@dataclass
class Entry:
    """One service of a profile file."""

    service: str
    match: dict[str, str]
    values: dict[str, float | bool]
    order: int

    def matches(self, namespace: str, kind: str, name: str, container: str | None) -> bool:
        subject = {"namespace": namespace, "kind": kind, "name": name, "container": container or ""}
        return all(fnmatch.fnmatchcase(subject[key], pattern) for key, pattern in self.match.items())

    @property
    def specificity(self) -> tuple:
        """More fields without wildcards; on a tie the narrower field decides (a container beats
        a name, a name a kind, a kind a namespace); then more literal characters; then file order."""
        literal = {key for key, p in self.match.items() if not any(c in p for c in "*?[")}
        ranks = tuple(key in literal for key in ("container", "name", "kind", "namespace"))
        chars = sum(len(p.replace("*", "").replace("?", "")) for p in self.match.values())
        return (len(literal), ranks, chars, -self.order)


@dataclass
class ProfileFile:
    path: str
    entries: list[Entry]

    def best(self, namespace: str, kind: str, name: str, container: str | None) -> Entry | None:
        candidates = [e for e in self.entries if e.matches(namespace, kind, name, container)]
        return max(candidates, key=lambda e: e.specificity) if candidates else None


def load_profile_file(path: str | Path) -> ProfileFile:
    """Read and validate a profile file (``schemas/profile.schema.json``)."""
    import yaml

    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(shown, f"cannot read profile: {err}") from None
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        data = yaml.load(text, Loader=yaml.CSafeLoader) if node is not None else {}
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        raise ProfileError(shown, f"invalid YAML: {err.problem}", mark.line + 1 if mark else None,
                           mark.column + 1 if mark else None) from None
    except yaml.YAMLError as err:
        raise ProfileError(shown, f"invalid YAML: {err}") from None
    data = data or {}
    _validate_schema(shown, data, node)
    entries = []
    for order, (service, body) in enumerate((data.get("services") or {}).items()):
        match = {key: str(value) for key, value in (body.get("match") or {"name": service}).items()}
        values = {}
        for key, raw in body.items():
            if key == "match":
                continue
            field_ = BY_KEY[key]
            try:
                values[field_.name] = convert(field_, raw)
            except ValueError as err:
                line, column = _position(node, ["services", service, key])
                raise ProfileError(shown, f"services.{service}.{key}: {err}", line, column) from None
        entries.append(Entry(str(service), match, values, order))
    return ProfileFile(shown, entries)


def _validate_schema(shown: str, data: object, node) -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("probelint.schemas").joinpath("profile.schema.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors)
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        if extra:
            path = [*path, extra[0]]
            line, column = _position(node, path, at_key=True)
            raise ProfileError(shown, f"{'.'.join(map(str, path))}: unknown key", line, column)
    line, column = _position(node, path)
    key = ".".join(map(str, path)) or "(top level)"
    if path and str(path[-1]) in BY_KEY and BY_KEY[str(path[-1])].kind == "duration":
        reason = f"invalid duration {error.instance!r} (use e.g. 250ms, 4s, 1m30s)"
    else:
        reason = error.message
    raise ProfileError(shown, f"{key}: {reason}", line, column)


def _position(node, path: list, at_key: bool = False) -> tuple[int | None, int | None]:
    from yaml.nodes import MappingNode, SequenceNode

    current = node
    for index, part in enumerate(path):
        if isinstance(current, MappingNode):
            pair = next(((k, v) for k, v in current.value if k.value == str(part)), None)
            if pair is None:
                break
            current = pair[0] if at_key and index == len(path) - 1 else pair[1]
        elif isinstance(current, SequenceNode) and isinstance(part, int) and part < len(current.value):
            current = current.value[part]
        else:
            break
    if current is None:
        return None, None
    return current.start_mark.line + 1, current.start_mark.column + 1


@dataclass
class Resolver:
    """Resolves the profile of each container of a workload, caching annotation parsing."""

    defaults: dict[str, ProfileValue] = field(default_factory=dict)
    file: ProfileFile | None = None
    _plain: Profile | None = field(default=None, init=False, repr=False, compare=False)

    def annotations(self, workload) -> tuple[dict[str, ProfileValue], list[InputProblem]]:
        values: dict[str, ProfileValue] = {}
        problems: list[InputProblem] = []
        for field_ in FIELDS:
            key = ANNOTATION_PREFIX + field_.key
            raw = workload.annotations.get(key)
            if raw is None:
                continue
            try:
                values[field_.name] = ProfileValue(convert(field_, raw), f"{key} on {workload.kind}/{workload.name}")
            except (DurationError, ValueError) as err:
                node = workload.annotation_nodes.get(key)
                line, column = node_position(node)[:2] if node is not None else (1, 1)
                problems.append(InputProblem(workload.path, line, column, f"{workload.ref().describe()}: annotation {key}: {err}"))
        return values, problems

    def resolve(self, workload, annotated: dict[str, ProfileValue], container: str | None) -> Profile:
        if self.file is None and not annotated:
            # The usual case: every container shares the one profile of the defaults.
            if self._plain is None:
                self._plain = Profile(dict(self.defaults))
            return self._plain
        values = dict(self.defaults)
        if self.file is not None:
            entry = self.file.best(workload.namespace, workload.kind, workload.name, container)
            if entry is not None:
                source = f'profile "{entry.service}" in {self.file.path}'
                values.update({name: ProfileValue(value, source) for name, value in entry.values.items()})
        values.update(annotated)
        return Profile(values)


def resolve(workload, defaults: dict[str, ProfileValue]) -> tuple[Profile, list[InputProblem]]:
    """The workload-level profile from annotations over defaults (no profile file)."""
    resolver = Resolver(defaults)
    annotated, problems = resolver.annotations(workload)
    return resolver.resolve(workload, annotated, None), problems
