"""Strict Kubernetes JSON Schema checks for probe blocks and container ``ports``.

The schemas are the "local-strict" ones that the ``kubernetes-validate`` package ships, one
directory per Kubernetes minor version: ``probe-v1.json`` for a probe block, and for ``ports``
the ``Container`` definition's own ``ports`` property in the shared ``_definitions.json`` (the
stand-alone ``containerport-v1.json`` lets ``containerPort`` be null, which a Pod's schema
does not). Strict means ``additionalProperties: false``: a misspelt key is
a violation rather than something the API server quietly drops.

Importing ``jsonschema`` and parsing the 1.8 MB definitions file costs more than linting a
whole repository of valid manifests, so the check has two stages:

1. :func:`probe_is_certainly_valid` / :func:`ports_are_certainly_valid`, a pure-Python
   pre-filter driven by :data:`TYPES`, a table of the fields, types and required keys of the
   few object types involved. It answers "certainly valid" or "not sure", never "invalid",
   and it is deliberately narrower than the schema (no floats, integers only within their
   declared width), so a "certainly valid" can never hide a violation. A test compares the
   table with the shipped schema of every version.
2. Only when the pre-filter is not sure, :func:`probe_violations` / :func:`port_violations`
   import ``jsonschema`` and validate against the real schema, lazily loading the
   definitions file only when a reference needs it. Validators are cached per version.

Nothing here imports ``kubernetes_validate`` itself (its ``__init__`` imports ``jsonschema``):
the schema directory is located with ``importlib.util.find_spec``. When the package is not
installed, :func:`shipped_versions` is empty and the check reports nothing.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

PACKAGE = "kubernetes_validate"
SCHEMA_ROOT = "kubernetes-json-schema"
STRICT_DIR = re.compile(r"^v(\d+)\.(\d+)\.0-local-strict$")
PROBE_FILE = "probe-v1.json"
DEFINITIONS_FILE = "_definitions.json"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
CONTAINER_PORTS_REF = DEFINITIONS_ID + "#/$defs/io.k8s.api.core.v1.Container/properties/ports"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
MAX_SUGGESTION_DISTANCE = 2

# -- the pre-filter's table ---------------------------------------------------------------
# Kinds of field values, in the vocabulary the schema test translates the schema into:
#   ("integer", width, nullable)  ("string", nullable)  ("int-or-string",)  (never null)
#   ("object", type name, nullable)  ("array", item kind, nullable)
I32 = ("integer", "int32", False)
I32N = ("integer", "int32", True)
I64N = ("integer", "int64", True)
STR = ("string", False)
STRN = ("string", True)
INT_OR_STRING = ("int-or-string",)


def _object(name: str) -> tuple:
    return ("object", name, True)


def _array(item: tuple) -> tuple:
    return ("array", item, True)


# The oldest schema the table was compared with; for older schemas the pre-filter is never sure.
TABLE_FROM = (1, 25)
# type name -> field -> (kind, first Kubernetes version whose schema has the field)
TYPES: dict[str, dict[str, tuple[tuple, tuple[int, int]]]] = {
    "Probe": {
        "exec": (_object("ExecAction"), TABLE_FROM),
        "httpGet": (_object("HTTPGetAction"), TABLE_FROM),
        "tcpSocket": (_object("TCPSocketAction"), TABLE_FROM),
        "grpc": (_object("GRPCAction"), TABLE_FROM),
        "initialDelaySeconds": (I32N, TABLE_FROM),
        "timeoutSeconds": (I32N, TABLE_FROM),
        "periodSeconds": (I32N, TABLE_FROM),
        "successThreshold": (I32N, TABLE_FROM),
        "failureThreshold": (I32N, TABLE_FROM),
        "terminationGracePeriodSeconds": (I64N, TABLE_FROM),
    },
    "ExecAction": {
        "command": (_array(STRN), TABLE_FROM),
    },
    "HTTPGetAction": {
        "path": (STRN, TABLE_FROM),
        "port": (INT_OR_STRING, TABLE_FROM),
        "host": (STRN, TABLE_FROM),
        "scheme": (STRN, TABLE_FROM),
        "httpHeaders": (_array(_object("HTTPHeader")), TABLE_FROM),
        "protocol": (STRN, (1, 37)),
    },
    "HTTPHeader": {
        "name": (STR, TABLE_FROM),
        "value": (STR, TABLE_FROM),
    },
    "TCPSocketAction": {
        "port": (INT_OR_STRING, TABLE_FROM),
        "host": (STRN, TABLE_FROM),
    },
    "GRPCAction": {
        "port": (I32, TABLE_FROM),
        "service": (STRN, TABLE_FROM),
        "mode": (STRN, (1, 37)),
    },
    "ContainerPort": {
        "containerPort": (I32, TABLE_FROM),
        "hostPort": (I32N, TABLE_FROM),
        "hostIP": (STRN, TABLE_FROM),
        "name": (STRN, TABLE_FROM),
        "protocol": (STRN, TABLE_FROM),
    },
}
REQUIRED: dict[str, frozenset[str]] = {
    "Probe": frozenset(),
    "ExecAction": frozenset(),
    "HTTPGetAction": frozenset({"port"}),
    "HTTPHeader": frozenset({"name", "value"}),
    "TCPSocketAction": frozenset({"port"}),
    "GRPCAction": frozenset({"port"}),
    "ContainerPort": frozenset({"containerPort"}),
}
# Where the probe schema names the handler types (for "added in" hints on unknown fields).
_HANDLER_TYPES = {"exec": "ExecAction", "httpGet": "HTTPGetAction", "tcpSocket": "TCPSocketAction", "grpc": "GRPCAction"}


@functools.cache
def fields(type_name: str, version: tuple[int, int]) -> dict[str, tuple]:
    """The fields of ``type_name`` in the schema of ``version``, with their kinds."""
    return {name: kind for name, (kind, since) in TYPES[type_name].items() if since <= version}


def _certain(kind: tuple, value: object, version: tuple[int, int]) -> bool:
    tag = kind[0]
    if value is None:
        return tag != "int-or-string" and kind[-1]
    kind_type = type(value)
    if tag == "string":
        return kind_type is str
    if tag == "integer":
        low, high = INT_RANGES[kind[1]]
        return kind_type is int and low <= value <= high
    if tag == "int-or-string":
        low, high = INT_RANGES["int32"]
        return kind_type is str or (kind_type is int and low <= value <= high)
    if tag == "object":
        return kind_type is dict and _object_certain(kind[1], value, version)
    if tag == "array":
        return kind_type is list and all(_certain(kind[1], item, version) for item in value)
    return False


def _object_certain(type_name: str, value: dict, version: tuple[int, int]) -> bool:
    known = fields(type_name, version)
    for key, item in value.items():
        kind = known.get(key)
        if kind is None or not _certain(kind, item, version):
            return False
    return REQUIRED[type_name].issubset(value)


def probe_is_certainly_valid(data: object, version: tuple[int, int]) -> bool:
    """True only when the strict schema of ``version`` certainly accepts the probe block."""
    return version >= TABLE_FROM and type(data) is dict and _object_certain("Probe", data, version)


def ports_are_certainly_valid(data: object, version: tuple[int, int]) -> bool:
    """True only when every entry of a ``ports`` list certainly validates (null counts as no list)."""
    if data is None:
        return True
    return (
        version >= TABLE_FROM
        and type(data) is list
        and all(type(item) is dict and _object_certain("ContainerPort", item, version) for item in data)
    )


def added_in(type_name: str, field: str) -> tuple[int, int] | None:
    """The first version whose schema has ``field`` when it is newer than the table's start."""
    entry = TYPES.get(type_name, {}).get(field)
    return entry[1] if entry and entry[1] > TABLE_FROM else None


# -- locating the shipped schemas ---------------------------------------------------------
@functools.lru_cache(maxsize=1)
def schema_root() -> str | None:
    """The package's schema directory, found without importing the package."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        path = os.path.join(location, SCHEMA_ROOT)
        if os.path.isdir(path):
            return path
    return None


@functools.lru_cache(maxsize=1)
def shipped_versions() -> tuple[tuple[int, int], ...]:
    """Kubernetes versions with a strict probe schema, oldest first; empty when not installed."""
    root = schema_root()
    if root is None:
        return ()
    found = []
    try:
        names = os.listdir(root)
    except OSError:
        return ()
    for name in names:
        match = STRICT_DIR.match(name)
        if match and os.path.isfile(os.path.join(root, name, PROBE_FILE)):
            found.append((int(match.group(1)), int(match.group(2))))
    return tuple(sorted(found))


def resolve_version(requested: tuple[int, int] | None) -> tuple[int, int] | None:
    """The schema version to check against: the newest shipped one not newer than ``requested``
    (the newest overall when None), else the oldest shipped; None when none is shipped."""
    versions = shipped_versions()
    if not versions:
        return None
    if requested is None:
        return versions[-1]
    older = [v for v in versions if v <= requested]
    return older[-1] if older else versions[0]


def _directory(version: tuple[int, int]) -> str:
    root = schema_root()
    assert root is not None
    return os.path.join(root, f"v{version[0]}.{version[1]}.0-local-strict")


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# -- the real schema ------------------------------------------------------------------------
@dataclass(frozen=True)
class Violation:
    """One schema problem, located by a path of keys and list indexes from the checked value.

    ``path`` leads to the node a finding points at: the unknown key (``at_key``), the value of
    the wrong type, or the object that lacks a required key (a finding points at the key that
    holds that object, or at the list item). ``field`` is the unknown or missing key.
    """

    kind: str  # "unknown-field", "type", "range", "required" or "invalid"
    path: tuple[str | int, ...]
    at_key: bool
    message: str
    field: str | None = None
    rename_to: str | None = None


@dataclass
class _Validators:
    probe: object
    ports: object


@functools.cache
def _validators(version: tuple[int, int]) -> _Validators | None:
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.exceptions import NoSuchResource
        from referencing.jsonschema import DRAFT202012
    except ImportError:
        return None
    directory = _directory(version)
    try:
        probe_schema = _load(os.path.join(directory, PROBE_FILE))
    except (OSError, ValueError):
        return None

    @functools.lru_cache(maxsize=1)
    def definitions() -> Resource:
        return Resource.from_contents(_load(os.path.join(directory, DEFINITIONS_FILE)), default_specification=DRAFT202012)

    def retrieve(uri: str) -> Resource:
        # Only the shared definitions are ever referenced; they are parsed on first use.
        if uri.rstrip("#") == DEFINITIONS_ID:
            try:
                return definitions()
            except (OSError, ValueError) as err:
                raise NoSuchResource(ref=uri) from err
        raise NoSuchResource(ref=uri)

    registry = Registry(retrieve=retrieve).with_resource(
        probe_schema.get("$id", ""), Resource.from_contents(probe_schema, default_specification=DRAFT202012)
    )
    # The schemas declare "format": "int32"/"int64"; the API server cannot decode a number
    # outside that width, so the width is asserted (and no other format is).
    checker = jsonschema.FormatChecker(formats=())
    for width in INT_RANGES:
        checker.checks(width)(functools.partial(_fits, width))
    ports_schema = {"$schema": DRAFT, "$ref": CONTAINER_PORTS_REF}
    cls = jsonschema.Draft202012Validator
    return _Validators(
        probe=cls(probe_schema, registry=registry, format_checker=checker),
        ports=cls(ports_schema, registry=registry, format_checker=checker),
    )


def _fits(width: str, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(value, float):
        if not value.is_integer():
            return True  # a type error, reported as such
        value = int(value)
    low, high = INT_RANGES[width]
    return low <= value <= high


def probe_violations(data: object, version: tuple[int, int]) -> list[Violation]:
    """Every distinct violation of the strict probe schema of ``version``; [] when the
    schemas cannot be loaded."""
    validators = _validators(version)
    if validators is None:
        return []
    return _violations(validators.probe, data, version, "Probe")


def port_violations(data: object, version: tuple[int, int]) -> list[Violation]:
    """Every distinct violation in a container's ``ports`` list (paths start with the index)."""
    validators = _validators(version)
    if validators is None:
        return []
    return _violations(validators.ports, data, version, None)


def _violations(validator, data: object, version: tuple[int, int], root_type: str | None) -> list[Violation]:
    from referencing.exceptions import Unresolvable

    try:
        errors = list(validator.iter_errors(data))
    except Unresolvable:
        return []
    found: dict[tuple, Violation] = {}
    for error in errors:
        for violation in _explain(error, version, root_type):
            found.setdefault((violation.kind, violation.path, violation.field), violation)
    # A misspelt required key is one problem, not two: the rename also supplies the key.
    renamed = {(v.path[:-1], v.rename_to) for v in found.values() if v.rename_to}
    for key, violation in list(found.items()):
        if violation.kind == "required" and (violation.path, violation.field) in renamed:
            del found[key]
    return sorted(found.values(), key=lambda v: (_sort_path(v.path), v.kind, v.field or ""))


def _sort_path(path: tuple) -> tuple:
    return tuple((0, item, "") if isinstance(item, int) else (1, 0, item) for item in path)


def _explain(error, version: tuple[int, int], root_type: str | None) -> Iterable[Violation]:
    path = tuple(error.absolute_path)
    where = describe_path(path, root_type)
    keyword = error.validator
    instance = error.instance
    if keyword == "additionalProperties" and isinstance(instance, dict):
        properties = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        for key in instance:
            if key in properties or any(re.search(p, key) for p in patterns):
                continue
            yield _unknown(path, key, list(properties), instance, where, version, root_type)
        return
    if keyword == "required" and isinstance(instance, dict):
        for key in error.validator_value:
            if key not in instance:
                owner = where or ("the probe" if root_type == "Probe" else "the entry")
                yield Violation("required", path, True, f'{owner} requires "{key}"', field=key)
        return
    if keyword == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        yield Violation("type", path, False, f"{where or _root_name(root_type)} must be {_expected(expected)}, got {_describe(instance)}")
        return
    if keyword == "format" and error.validator_value in INT_RANGES:
        yield Violation(
            "range", path, False,
            f"{where} is {instance}, outside the {error.validator_value} range the API server can decode",
        )
        return
    if keyword in ("oneOf", "anyOf"):
        types = _branch_types(error.validator_value)
        if types:
            yield Violation("type", path, False, f"{where or _root_name(root_type)} must be {_expected(types)}, got {_describe(instance)}")
            return
    text = error.message if len(error.message) <= 120 else error.message[:117] + "..."
    yield Violation("invalid", path, False, f"{where or _root_name(root_type)}: {text}")


def _root_name(root_type: str | None) -> str:
    return "the probe" if root_type == "Probe" else "ports"


def _branch_types(branches: object) -> list[str]:
    """The non-null types a oneOf/anyOf of plain ``type`` branches allows (IntOrString)."""
    if not isinstance(branches, list):
        return []
    types: list[str] = []
    for branch in branches:
        if not isinstance(branch, dict) or set(branch) - {"type", "description"}:
            return []
        value = branch.get("type")
        for item in value if isinstance(value, list) else [value]:
            if item != "null" and item not in types:
                types.append(item)
    # An integer reads best first: "an integer or a string".
    return sorted(types, key=lambda t: (t != "integer", t))


def _unknown(path: tuple, key: str, known: list[str], instance: dict, where: str,
             version: tuple[int, int], root_type: str | None) -> Violation:
    location = f" in {where}" if where else ""
    type_name = _type_at(path, root_type)
    newer = added_in(type_name, key) if type_name else None
    if newer is not None and newer > version:
        message = (
            f'unknown field "{key}"{location} (the API server of Kubernetes {version[0]}.{version[1]} drops it, '
            f"so the intended value never applies; the field exists from {newer[0]}.{newer[1]})"
        )
        return Violation("unknown-field", (*path, key), True, message, field=key)
    message = f'unknown field "{key}"{location} (the API server drops it, so the intended value never applies)'
    suggestion = closest(key, known)
    rename_to = None
    if suggestion is not None:
        if suggestion in instance:
            message += f'; it looks like a misspelling of "{suggestion}", which is also set'
        else:
            message += f'; did you mean "{suggestion}"?'
            rename_to = suggestion
    return Violation("unknown-field", (*path, key), True, message, field=key, rename_to=rename_to)


def _type_at(path: tuple, root_type: str | None) -> str | None:
    """The table's type name of the object at ``path`` (for version hints), when known."""
    if root_type == "Probe":
        if not path:
            return "Probe"
        if len(path) == 1 and path[0] in _HANDLER_TYPES:
            return _HANDLER_TYPES[path[0]]
        if len(path) == 3 and path[:2] == ("httpGet", "httpHeaders"):
            return "HTTPHeader"
        return None
    if len(path) == 1 and isinstance(path[0], int):
        return "ContainerPort"
    return None


def describe_path(path: tuple, root_type: str | None = "Probe") -> str:
    """``httpGet.httpHeaders[0].value``; a ports path starts with ``ports[i]``."""
    text = "" if root_type == "Probe" else "ports"
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += f".{item}" if text else str(item)
    return text


_ARTICLES = {"integer": "an integer", "string": "a string", "object": "a mapping", "array": "a list",
             "boolean": "a boolean", "number": "a number"}


def _expected(types: list) -> str:
    names = [_ARTICLES.get(t, str(t)) for t in types if t != "null"]
    if not names:
        return "null"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    from probelint.yamlnode import describe_value

    return describe_value(value)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (a transposition counts as one edit)."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest(key: str, known: Iterable[str]) -> str | None:
    """The one known field within edit distance 2 of ``key`` (case changes count as edits);
    None when there is none or two are equally close."""
    scored = sorted((edit_distance(key, name), name) for name in known)
    scored = [item for item in scored if item[0] <= MAX_SUGGESTION_DISTANCE]
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]
