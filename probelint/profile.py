"""The service profile: what was measured about a service, and where each figure came from.

Every timing rule that uses a profile figure says which value it used and its origin
("p99 4s from probelint.io/p99 on Deployment/checkout"), so the lookup and the provenance
live in one place. Precedence: annotations on the workload or its pod template, then
command-line and configuration defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from probelint.model import InputProblem
from probelint.units import DurationError, format_duration, parse_duration
from probelint.yamlnode import node_position

ANNOTATION_PREFIX = "probelint.io/"
# profile field -> annotation suffix
DURATION_FIELDS = {"p50": "p50", "p99": "p99", "p999": "p99.9"}


@dataclass(frozen=True)
class ProfileValue:
    seconds: float
    source: str

    def describe(self, label: str) -> str:
        return f"{label} {format_duration(self.seconds)} from {self.source}"


@dataclass
class Profile:
    values: dict[str, ProfileValue] = field(default_factory=dict)

    def get(self, name: str) -> ProfileValue | None:
        return self.values.get(name)

    @property
    def p99(self) -> ProfileValue | None:
        return self.values.get("p99")

    @property
    def p50(self) -> ProfileValue | None:
        return self.values.get("p50")

    @property
    def p999(self) -> ProfileValue | None:
        return self.values.get("p999")


def resolve(workload, defaults: dict[str, ProfileValue]) -> tuple[Profile, list[InputProblem]]:
    """The profile of one workload; bad annotation values are input problems, not guesses."""
    values = dict(defaults)
    problems: list[InputProblem] = []
    for name, suffix in DURATION_FIELDS.items():
        key = ANNOTATION_PREFIX + suffix
        raw = workload.annotations.get(key)
        if raw is None:
            continue
        try:
            seconds = parse_duration(raw)
        except DurationError as err:
            node = workload.annotation_nodes.get(key)
            line, column = node_position(node)[:2] if node is not None else (1, 1)
            problems.append(InputProblem(workload.path, line, column, f'{workload.ref().describe()}: annotation {key}: {err}'))
            continue
        values[name] = ProfileValue(seconds, f"{key} on {workload.kind}/{workload.name}")
    return Profile(values), problems
