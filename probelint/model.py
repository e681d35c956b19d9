"""Plain data passed between the stages: positions, object references, findings and fixes.

Everything here is a frozen dataclass so that findings can be sorted, hashed and compared in
tests without surprises. Positions are always 1-based, as every editor and CI system expects;
``Location`` refuses 0 so that an off-by-one in a rule fails loudly instead of pointing at the
wrong line.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

LEVELS = ("error", "warning", "info")
LEVEL_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, order=True, slots=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1 or self.end_line < 1 or self.end_column < 1:
            raise ValueError(f"positions are 1-based, got {self.line}:{self.column}")


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """The Kubernetes object a finding is about (SARIF logical location)."""

    kind: str
    name: str
    namespace: str | None = None
    container: str | None = None
    probe: str | None = None

    def describe(self) -> str:
        text = f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"
        if self.container is not None:
            text += f' container "{self.container}"'
        if self.probe is not None:
            text += f" {self.probe}"
        return text

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "container": self.container,
            "probe": self.probe,
        }


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` of the original file text with ``replacement``."""

    start: int
    end: int
    replacement: str


_KEEP = object()


@dataclass(frozen=True, slots=True, eq=False)
class Change:
    """What a fix means for the data: in the mapping (or sequence) ``target``, set ``key`` to
    ``value``, delete it, or rename it. The fixer re-parses the edited text and requires the
    data to equal the original data with exactly these changes."""

    target: object  # the yaml node the change applies to
    key: str | int
    value: object = _KEEP
    delete: bool = False
    rename: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix: a title in the imperative, text edits on the original text, and whether it may
    be applied without ``--unsafe-fixes``."""

    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SAFE
    changes: tuple[Change, ...] = ()

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    level: str
    message: str
    location: Location
    obj: ObjectRef
    helm_source: str | None = None
    fix: Fix | None = None
    fixable: bool = False
    # For a document rendered by Helm: the chart values that make the fix (probe fields only).
    helm_values: str | None = None

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Something wrong with the input itself rather than with a probe.

    ``level`` is ``error`` for input that could not be checked (exit code 2) and ``warning``
    for notices that do not stop checking (an unknown code in a suppression, a Helm chart
    directory that must be rendered first).
    """

    path: str
    line: int
    column: int
    message: str
    level: str = "error"

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.message)


@dataclass(slots=True)
class Summary:
    files: int = 0
    documents: int = 0
    workloads: int = 0
    by_level: dict = field(default_factory=lambda: {level: 0 for level in LEVELS})
