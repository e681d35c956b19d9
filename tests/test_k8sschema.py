"""The schema check behind PL009: the pre-filter's table against the shipped schemas, the
pre-filter's soundness, lazy imports, and how violations are reported."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint import k8sschema
from tests.conftest import ROOT, lint

VERSIONS = k8sschema.shipped_versions()
INT_OR_STRING_DEF = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
CORE = "io.k8s.api.core.v1."


# -- the table is the schema ----------------------------------------------------------------
def _schema_dir(version: tuple[int, int]) -> Path:
    return Path(k8sschema.schema_root()) / f"v{version[0]}.{version[1]}.0-local-strict"


@pytest.fixture(scope="module")
def definitions():
    cache: dict = {}

    def load(version):
        if version not in cache:
            cache[version] = json.loads((_schema_dir(version) / "_definitions.json").read_text())["$defs"]
        return cache[version]

    return load


def _strip(schema: dict) -> dict:
    """The keywords that constrain a value (documentation and merge hints removed)."""
    return {k: v for k, v in schema.items() if k not in ("description", "$schema", "$id") and not k.startswith("x-kubernetes-")}


def _types(schema: dict) -> list[str]:
    value = schema["type"]
    return value if isinstance(value, list) else [value]


def kind_of(prop: dict, defs: dict, referenced: set[str]) -> tuple:
    """Translate one property schema into the pre-filter's vocabulary; fail on anything the
    pre-filter does not model (enum, minimum, pattern...), since it would then be unsound."""
    prop = _strip(prop)
    if "$ref" in prop:
        assert set(prop) == {"$ref"}, prop
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = _strip(defs[name])
        if name == INT_OR_STRING_DEF:
            # null matches both branches, so oneOf rejects it: an int or a string, never null.
            assert target == {"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}, target
            return k8sschema.INT_OR_STRING
        assert name.startswith(CORE), name
        short = name[len(CORE):]
        referenced.add(short)
        types = _types(target)
        assert [t for t in types if t != "null"] == ["object"], target
        return ("object", short, "null" in types)
    types = _types(prop)
    nullable = "null" in types
    base = [t for t in types if t != "null"]
    assert len(base) == 1, prop
    if base == ["integer"]:
        assert set(prop) == {"type", "format"} and prop["format"] in k8sschema.INT_RANGES, prop
        return ("integer", prop["format"], nullable)
    if base == ["string"]:
        assert set(prop) == {"type"}, prop
        return ("string", nullable)
    if base == ["array"]:
        assert set(prop) == {"type", "items"}, prop
        return ("array", kind_of(prop["items"], defs, referenced), nullable)
    raise AssertionError(f"unmodelled property schema {prop}")


def object_table(schema: dict, defs: dict, referenced: set[str]) -> tuple[dict, frozenset]:
    schema = _strip(schema)
    assert set(schema) <= {"type", "properties", "required", "additionalProperties"}, set(schema)
    assert schema["additionalProperties"] is False
    assert [t for t in _types(schema) if t != "null"] == ["object"]
    kinds = {name: kind_of(prop, defs, referenced) for name, prop in schema["properties"].items()}
    return kinds, frozenset(schema.get("required", ()))


@pytest.mark.parametrize("version", VERSIONS, ids=[f"{v[0]}.{v[1]}" for v in VERSIONS])
def test_prefilter_table_matches_the_shipped_schema(version, definitions) -> None:
    """Every field, kind and required key of the table is exactly the schema's, so the
    pre-filter can never call valid what this version's schema rejects."""
    assert version >= k8sschema.TABLE_FROM, "a schema older than the table: the pre-filter is never sure there"
    defs = definitions(version)
    directory = _schema_dir(version)
    roots = {"Probe": json.loads((directory / k8sschema.PROBE_FILE).read_text())}
    # ports are checked against the Container definition's own property.
    ports = kind_of(defs[CORE + "Container"]["properties"]["ports"], defs, set())
    assert ports[0] == "array" and ports[1][:2] == ("object", "ContainerPort") and ports[2], ports
    seen: set[str] = set()
    todo = ["Probe", "ContainerPort"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        referenced: set[str] = set()
        kinds, required = object_table(defs[CORE + name], defs, referenced)
        if name in roots:
            assert object_table(roots[name], defs, set()) == (kinds, required), f"{name}-v1.json differs from $defs"
        assert k8sschema.fields(name, version) == kinds, f"{name} in {version}"
        assert k8sschema.REQUIRED[name] == required, f"{name} required in {version}"
        todo.extend(referenced)
    assert seen == set(k8sschema.TYPES)


def test_versions_are_found_without_importing_the_package() -> None:
    assert VERSIONS and VERSIONS == tuple(sorted(VERSIONS))
    assert k8sschema.resolve_version(None) == VERSIONS[-1]
    assert k8sschema.resolve_version(VERSIONS[0]) == VERSIONS[0]
    assert k8sschema.resolve_version((1, 2)) == VERSIONS[0]
    assert k8sschema.resolve_version((VERSIONS[-1][0], VERSIONS[-1][1] + 5)) == VERSIONS[-1]


# -- the pre-filter is sound ----------------------------------------------------------------
SAMPLE_VERSIONS = sorted({VERSIONS[0], VERSIONS[-2], VERSIONS[-1]})
WRONG = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(min_value=-(2**65), max_value=2**65), st.text(max_size=5),
    st.just([]), st.just({}), st.just(["x", 1]), st.just({"x": 1}),
)
EXTRA_KEYS = st.sampled_from(["initialDelaySecond", "timeout", "sleep", "mode", "protocol", "Port", "headers", "containerport"])


def value_of(kind: tuple, depth: int = 0):
    tag = kind[0]
    if tag == "integer":
        low, high = k8sschema.INT_RANGES[kind[1]]
        good = st.integers(min_value=low - 2, max_value=high + 2) | st.sampled_from([0, 1, -1, low, high])
    elif tag == "string":
        good = st.text(max_size=8)
    elif tag == "int-or-string":
        good = st.integers(min_value=-(2**32), max_value=2**32) | st.text(max_size=8)
    elif tag == "object":
        good = object_of(kind[1], depth + 1)
    else:
        good = st.lists(value_of(kind[1], depth + 1), max_size=3)
    choices = [good, good, good, WRONG]
    if len(kind) > 2 and kind[-1]:
        choices.append(st.none())
    return st.one_of(choices)


def object_of(type_name: str, depth: int = 0):
    table = {name: kind for name, (kind, _since) in k8sschema.TYPES[type_name].items()}

    @st.composite
    def build(draw):
        names = draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=len(table)))
        if draw(st.integers(0, 3)):
            names = sorted(set(names) | k8sschema.REQUIRED[type_name])
        value = {name: draw(value_of(table[name], depth)) for name in names}
        if draw(st.integers(0, 5)) == 0:
            value[draw(EXTRA_KEYS)] = draw(WRONG)
        return value

    return build()


@pytest.mark.parametrize("version", SAMPLE_VERSIONS, ids=[f"{v[0]}.{v[1]}" for v in SAMPLE_VERSIONS])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_prefilter_never_accepts_what_the_schema_rejects(version, data) -> None:
    validators = k8sschema._validators(version)
    probe = data.draw(object_of("Probe"))
    if k8sschema.probe_is_certainly_valid(probe, version):
        assert validators.probe.is_valid(probe), list(validators.probe.iter_errors(probe))
    else:
        valid = validators.probe.is_valid(probe)
        assert bool(k8sschema.probe_violations(probe, version)) != valid
    ports = data.draw(st.one_of(st.none(), st.lists(object_of("ContainerPort"), max_size=3)))
    if k8sschema.ports_are_certainly_valid(ports, version):
        assert validators.ports.is_valid(ports), list(validators.ports.iter_errors(ports))
    else:
        assert bool(k8sschema.port_violations(ports, version)) != validators.ports.is_valid(ports)


def test_prefilter_is_sure_about_ordinary_probes() -> None:
    version = VERSIONS[-1]
    probe = {
        "httpGet": {"path": "/", "port": "http", "scheme": "HTTPS", "httpHeaders": [{"name": "Host", "value": "x"}]},
        "initialDelaySeconds": 5, "timeoutSeconds": 2, "periodSeconds": 10, "successThreshold": 1,
        "failureThreshold": 3, "terminationGracePeriodSeconds": 30,
    }
    assert k8sschema.probe_is_certainly_valid(probe, version)
    assert k8sschema.probe_is_certainly_valid({"exec": {"command": ["cat", "/tmp/ok"]}}, version)
    assert k8sschema.probe_is_certainly_valid({"grpc": {"port": 9090}, "tcpSocket": {"port": 80}}, version)
    assert k8sschema.ports_are_certainly_valid([{"containerPort": 80, "name": "http", "protocol": "TCP"}], version)
    for unsure in ({"timeoutSeconds": True}, {"timeoutSeconds": 1.0}, {"periodSeconds": 2**31},
                   {"httpGet": {"path": "/"}}, {"grpc": {"port": "9090"}}, {"initialDelaySecond": 1}):
        assert not k8sschema.probe_is_certainly_valid(unsure, version), unsure


# -- lazy imports -----------------------------------------------------------------------------
VALID_DEPLOYMENT = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          initContainers:
            - name: proxy
              restartPolicy: Always
              ports: [{containerPort: 4191, name: admin}]
              startupProbe: {tcpSocket: {port: admin}, failureThreshold: 30}
          containers:
            - name: web
              image: nginx:1.27
              ports:
                - {name: http, containerPort: 8080, protocol: TCP}
                - {name: grpc, containerPort: 9090}
              livenessProbe:
                httpGet:
                  path: /livez
                  port: http
                  httpHeaders: [{name: Host, value: web.example.com}]
                timeoutSeconds: 2
                terminationGracePeriodSeconds: 10
              readinessProbe:
                grpc: {port: 9090, service: ready}
                periodSeconds: 5
            - name: sidecar
              image: busybox
              livenessProbe:
                exec: {command: [cat, /tmp/healthy]}
    """
)
HEAVY = ("jsonschema", "kubernetes_validate", "referencing")
REPORT_MODULES = (
    "import atexit, sys\n"
    f"atexit.register(lambda: print('HEAVY=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))))\n"
)


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script], check=False, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def _heavy(stdout: str) -> list[str]:
    line = [line for line in stdout.splitlines() if line.startswith("HEAVY=")][-1]
    return [m for m in line[len("HEAVY="):].split(",") if m]


def test_valid_manifest_imports_neither_jsonschema_nor_kubernetes_validate(tmp_path) -> None:
    (tmp_path / "web.yaml").write_text(VALID_DEPLOYMENT)
    script = REPORT_MODULES + (
        "from probelint.cli import main\n"
        "sys.argv = ['probelint', 'check', '--no-config', '--select', 'PL009', 'web.yaml']\n"
        "main()\n"
    )
    proc = _run(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _heavy(proc.stdout) == []
    # The same file with one misspelt key does need the schema, and reports only that key.
    (tmp_path / "web.yaml").write_text(VALID_DEPLOYMENT.replace("periodSeconds: 5", "periodSecond: 5"))
    proc = _run(script, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "jsonschema" in _heavy(proc.stdout) and "kubernetes_validate" not in _heavy(proc.stdout)
    assert proc.stdout.count("PL009") == 1 and 'did you mean "periodSeconds"?' in proc.stdout


def test_missing_kubernetes_validate_reports_nothing(tmp_path) -> None:
    bad = VALID_DEPLOYMENT.replace("periodSeconds: 5", "periodSecond: 5")
    script = (
        "import sys\n"
        "sys.modules['kubernetes_validate'] = None\n"  # what find_spec sees when it is not installed
        "from tests.conftest import lint\n"
        f"result = lint({bad!r}, select=['PL009'])\n"
        "print('FINDINGS', len(result.findings))\n"
    )
    proc = _run(script, ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "FINDINGS 0" in proc.stdout


def test_missing_jsonschema_reports_nothing(tmp_path) -> None:
    bad = VALID_DEPLOYMENT.replace("periodSeconds: 5", "periodSecond: 5")
    script = (
        "import sys\n"
        "sys.modules['jsonschema'] = None\n"
        "from tests.conftest import lint\n"
        f"result = lint({bad!r}, select=['PL009'])\n"
        "print('FINDINGS', len(result.findings))\n"
    )
    proc = _run(script, ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "FINDINGS 0" in proc.stdout


# -- reporting ----------------------------------------------------------------------------------
def _pl009(text: str, **kwargs):
    result = lint(textwrap.dedent(text), select=["PL009"], **kwargs)
    return result, [(f.location.line, f.location.column, f.fixable, f.message) for f in result.findings]


def test_values_the_model_already_reports_are_not_reported_again() -> None:
    result, found = _pl009(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              ports: 8080
              livenessProbe: "true"
              readinessProbe:
                httpGet: {path: /, port: [8080]}
                exec: {command: "cat /tmp/ok"}
            - name: b
              ports:
                - 8080
                - containerPort: 80.5
              startupProbe:
                tcpSocket: "8080"
                grpc: {port: null}
        """
    )
    assert len(result.problems) == 8, result.problems
    assert found == []


def test_a_finding_beside_a_reported_value_is_kept() -> None:
    result, found = _pl009(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              readinessProbe:
                httpGet: {path: /, port: [8080]}
                timeoutSeconds: "1"
        """
    )
    assert len(result.problems) == 1
    assert [(line, column) for line, column, _, _ in found] == [(9, 25)]


def test_only_renames_are_fixable() -> None:
    _, found = _pl009(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              livenessProbe:
                httpGet: {path: /}
                initialDelaySecond: 5
                periodSecond: 5
                periodSeconds: 5
                timeout: 1
                failureThreshold: "3"
        """
    )
    assert [(line, fixable) for line, _, fixable, _ in found] == [(8, False), (9, True), (10, False), (12, False), (13, False)]


def test_alias_bomb_is_not_expanded() -> None:
    lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines += ["spec:", "  containers:", "    - name: c", "      livenessProbe:",
              "        exec: {command: *a8}", "      ports: *a8"]
    _result, found = _pl009("\n".join(lines) + "\n")
    assert found == []


@pytest.mark.parametrize(
    ("key", "known", "expected"),
    [
        ("initialDelaySecond", ["initialDelaySeconds", "periodSeconds"], "initialDelaySeconds"),
        ("periodSecodns", ["periodSeconds"], "periodSeconds"),  # a transposition is one edit
        ("PeriodSeconds", ["periodSeconds"], "periodSeconds"),
        ("timeout", ["timeoutSeconds"], None),
        ("hort", ["host", "port"], None),  # equally close to two fields
        ("prot", ["port", "path", "host"], "port"),
    ],
)
def test_closest_field(key, known, expected) -> None:
    assert k8sschema.closest(key, known) == expected


def test_edit_distance() -> None:
    assert k8sschema.edit_distance("", "abc") == 3
    assert k8sschema.edit_distance("abc", "abc") == 0
    assert k8sschema.edit_distance("ab", "ba") == 1
    assert k8sschema.edit_distance("kitten", "sitting") == 3
