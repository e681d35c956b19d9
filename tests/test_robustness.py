"""No rule crashes on hostile values: every field of a realistic workload, one at a time,
replaced by a value of the wrong type or an extreme one. Findings keep valid positions and the
JSON report keeps validating."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint.linter import Linter
from probelint.report import json_report
from tests.conftest import ROOT, make_settings

BASE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "annotations": {"probelint.io/p99": "2s", "probelint.io/startup-max": "60s"}},
    "spec": {
        "progressDeadlineSeconds": 600,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 90,
                "initContainers": [{
                    "name": "proxy", "image": "envoyproxy/envoy:v1.31", "restartPolicy": "Always",
                    "ports": [{"name": "admin", "containerPort": 9901}],
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": "admin", "host": "localhost",
                                                   "httpHeaders": [{"name": "Authorization", "value": "Bearer x"}]}},
                }],
                "containers": [{
                    "name": "web", "image": "example/web:1",
                    "env": [{"name": "DB_HOST", "value": "db.shop.svc"}, {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                    "ports": [{"name": "http", "containerPort": 8080}, {"name": "grpc", "containerPort": 9090, "appProtocol": "grpc"}],
                    "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 5; kill 1"]}}},
                    "startupProbe": {"grpc": {"port": 9090, "service": "ready"}, "periodSeconds": 5, "failureThreshold": 30},
                    "livenessProbe": {"exec": {"command": ["sh", "-c", "curl -fs http://localhost:8080/livez && pg_isready -h $DB_HOST $(TOKEN)"]},
                                      "initialDelaySeconds": 40, "timeoutSeconds": 1, "periodSeconds": 10,
                                      "failureThreshold": 1, "terminationGracePeriodSeconds": 10},
                    "readinessProbe": {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 5, "periodSeconds": 1},
                }],
            },
        },
    },
}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"selector": {"app": "web"}, "publishNotReadyAddresses": True,
                    "ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": "nope"}]}}

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70), st.just([]), st.just({}), st.just([1, "a", None]),
    st.just({"a": {"b": []}}), st.just(""), st.just("0"), st.just("-1"), st.just("$(X)"), st.just("sh -c"),
)


def paths(node, prefix=()):
    """Every path to a value in the workload (mapping keys and list indexes)."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


PATHS = [p for p in paths(BASE) if p]


def mutated(path, value):
    doc = json.loads(json.dumps(BASE))
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


SCHEMA = json.loads((ROOT / "schemas" / "findings.schema.json").read_text(encoding="utf-8"))


def check_text(text: str) -> None:
    result = Linter(make_settings(select=["ALL"], p99="2s", kube_version="1.29")).lint_text(text, "m.yaml")
    lines = text.count("\n") + 1
    for finding in result.findings:
        assert 1 <= finding.location.line <= lines, finding
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(json_report.render(result)))


def render(doc) -> str:
    return yaml.safe_dump_all([doc, SERVICE], sort_keys=False, width=1000)


def test_the_base_manifest_exercises_many_rules() -> None:
    result = Linter(make_settings(select=["ALL"], p99="2s", kube_version="1.29")).lint_text(render(BASE), "m.yaml")
    assert len({f.code for f in result.findings}) >= 15, sorted({f.code for f in result.findings})


@pytest.mark.parametrize("path", PATHS, ids=[".".join(map(str, p)) for p in PATHS])
@pytest.mark.parametrize("value", [None, "x", 1.5, -1, 2**64, [], {"k": "v"}, True], ids=lambda v: type(v).__name__)
def test_every_field_with_every_wrong_type(path, value) -> None:
    check_text(render(mutated(path, value)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=HOSTILE)
def test_hostile_values_never_crash(path, value) -> None:
    try:
        text = render(mutated(path, value))
    except (ValueError, OverflowError):
        return
    check_text(text)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
                        ["kind", "spec", "template", "containers", "livenessProbe", "httpGet", "port", "exec",
                         "command", "metadata", "name", "items", "jobTemplate", "ports", "selector"]), children, max_size=5),
                    max_leaves=30))
def test_arbitrary_trees_never_crash(tree) -> None:
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": tree}
    check_text(yaml.safe_dump(doc))
    if isinstance(tree, dict):
        check_text(yaml.safe_dump({"apiVersion": "apps/v1", **tree}))
