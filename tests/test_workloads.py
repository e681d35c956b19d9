"""Workload extraction: every pod-bearing kind, containers, sidecars, probes and defaults."""
from __future__ import annotations

import pytest

from probelint.linter import Linter
from probelint.model import InputProblem
from probelint.settings import Settings
from probelint.source import Source, parse
from probelint.workloads import extract, objects

CONTAINER = "containers: [{name: app, image: x, livenessProbe: {tcpSocket: {port: 80}}}]"
KINDS = [
    ("v1", "Pod", f"spec: {{{CONTAINER}}}"),
    ("v1", "PodTemplate", f"template: {{spec: {{{CONTAINER}}}}}"),
    ("apps/v1", "Deployment", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps/v1", "StatefulSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps/v1", "DaemonSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps/v1", "ReplicaSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("v1", "ReplicationController", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("batch/v1", "Job", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("batch/v1", "CronJob", f"spec: {{jobTemplate: {{spec: {{template: {{spec: {{{CONTAINER}}}}}}}}}}}"),
    ("argoproj.io/v1alpha1", "Rollout", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps.kruise.io/v1alpha1", "CloneSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps.kruise.io/v1beta1", "StatefulSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("apps.kruise.io/v1alpha1", "DaemonSet", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("example.com/v1", "MyWorker", f"spec: {{template: {{spec: {{{CONTAINER}}}}}}}"),
    ("example.com/v1", "MyCron", f"spec: {{jobTemplate: {{spec: {{template: {{spec: {{{CONTAINER}}}}}}}}}}}"),
]


def workloads_of(text: str, **kwargs):
    found = []
    for doc in parse(Source("m.yaml", text)):
        if isinstance(doc, InputProblem):
            continue  # a warning about the input, such as a duplicate key
        for root in objects(doc):
            w = extract(root, doc, "default", kwargs.get("extra"))
            if w is not None:
                found.append(w)
    return found


@pytest.mark.parametrize(("api", "kind", "body"), KINDS, ids=[f"{a}/{k}" for a, k, _ in KINDS])
def test_every_pod_bearing_kind_yields_its_container(api: str, kind: str, body: str) -> None:
    (w,) = workloads_of(f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: w}}\n{body}\n")
    assert [c.name for c in w.containers] == ["app"]
    assert w.containers[0].probes["liveness"].port == 80
    assert w.is_job == (kind in ("Job", "CronJob"))


def test_non_workloads_are_ignored() -> None:
    assert workloads_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n") == []
    assert workloads_of("apiVersion: v1\nkind: Service\nspec: {template: {}}\n") == []


def test_user_pod_template_paths() -> None:
    text = "apiVersion: x/v1\nkind: Odd\nmetadata: {name: o}\nspec: {runner: {pod: {containers: [{name: a}]}}}\n"
    assert workloads_of(text) == []
    (w,) = workloads_of(text, extra={"Odd": (("spec", "runner", "pod"),)})
    assert w.containers[0].name == "a"


def test_list_kinds_are_unwrapped() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            f"- {{apiVersion: v1, kind: Pod, metadata: {{name: a}}, spec: {{{CONTAINER}}}}}\n"
            f"- {{apiVersion: v1, kind: Pod, metadata: {{name: b}}, spec: {{{CONTAINER}}}}}\n")
    assert [w.name for w in workloads_of(text)] == ["a", "b"]
    text = text.replace("kind: List", "kind: DeploymentList")
    assert len(workloads_of(text)) == 2


def test_containers_roles_and_native_sidecars() -> None:
    text = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - {name: migrate, image: m}
    - {name: proxy, image: p, restartPolicy: Always, readinessProbe: {tcpSocket: {port: 1}}}
  containers:
    - {name: app, image: a}
"""
    (w,) = workloads_of(text)
    assert [(c.name, c.role, c.is_regular) for c in w.containers] == [
        ("migrate", "init", False), ("proxy", "sidecar", True), ("app", "container", True)]


def test_probe_effective_values_and_explicitness() -> None:
    text = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      ports: [{name: http, containerPort: 8080}]
      livenessProbe:
        httpGet: {path: "/livez?x=1", port: http}
        timeoutSeconds: 0
        periodSeconds: 5
        failureThreshold: "3"
"""
    (w,) = workloads_of(text)
    probe = w.containers[0].probes["liveness"]
    assert (probe.initial_delay, probe.timeout, probe.period, probe.success_threshold, probe.failure_threshold) == (0, 1, 5, 1, 3)
    assert probe.explicit("timeoutSeconds") and probe.explicit("periodSeconds")
    assert not probe.explicit("failureThreshold")  # a string is not a usable value
    assert probe.resolved_port == 8080
    assert probe.http.path_only == "/livez" and probe.http.query == "x=1"
    assert "(default)" in probe.describe("timeoutSeconds")


def test_explicit_defaults_equal_absent_fields() -> None:
    base = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      livenessProbe:\n        tcpSocket: {port: 1}\n"
    explicit = base + "        initialDelaySeconds: 0\n        timeoutSeconds: 1\n        periodSeconds: 10\n        successThreshold: 1\n        failureThreshold: 3\n"
    (a,), (b,) = workloads_of(base), workloads_of(explicit)
    fields = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")
    pa, pb = a.containers[0].probes["liveness"], b.containers[0].probes["liveness"]
    assert [pa.eff(f) for f in fields] == [pb.eff(f) for f in fields]


def test_merge_keys_and_anchors_resolve() -> None:
    text = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      livenessProbe: &probe
        httpGet: {path: /livez, port: 80}
        timeoutSeconds: 3
      readinessProbe:
        <<: *probe
        timeoutSeconds: 2
"""
    (w,) = workloads_of(text)
    c = w.containers[0]
    assert c.probes["liveness"].timeout == 3
    assert c.probes["readiness"].timeout == 2 and c.probes["readiness"].http.path == "/livez"


def test_duplicate_keys_keep_the_last_value() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      livenessProbe:\n        tcpSocket: {port: 1}\n        timeoutSeconds: 2\n        timeoutSeconds: 5\n"
    (w,) = workloads_of(text)
    assert w.containers[0].probes["liveness"].timeout == 5


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("livenessProbe: [1, 2]", "livenessProbe must be a mapping, got a list"),
        ("livenessProbe: {httpGet: {port: 80.5}}", "httpGet.port must be an integer or a port name, got a float (80.5)"),
        ("livenessProbe: {httpGet: [1]}", "livenessProbe.httpGet must be a mapping, got a list"),
        ("livenessProbe: {exec: {command: ls}}", "exec.command must be a list"),
        ("ports: {a: 1}", "ports must be a list"),
        ("ports: [{containerPort: 1.5}]", "containerPort must be an integer, got a float (1.5)"),
    ],
)
def test_wrong_types_are_input_errors_not_crashes(snippet: str, message: str) -> None:
    text = f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: a\n      {snippet}\n"
    result = Linter(Settings(select=("ALL",))).lint_text(text, "m.yaml")
    assert any(message in p.message and p.line == 7 for p in result.problems), result.problems


@pytest.mark.parametrize("doc", ["just a string\n", "- a\n- b\n", "42\n"])
def test_a_document_that_is_not_a_mapping_is_an_input_error(doc: str) -> None:
    result = Linter(Settings()).lint_text(doc, "m.yaml")
    assert result.problems and result.problems[0].message.startswith("document is")


def test_containers_not_a_list() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {a: 1}\n"
    result = Linter(Settings()).lint_text(text, "m.yaml")
    assert "containers must be a list, got a mapping" in result.problems[0].message


def _laughs(kind: str) -> str:
    """Nine levels of nine-fold aliases: 9**9 nodes if expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]" if kind == "seq" else f"l{i}: &l{i} {{<<: [{refs}], k{i}: v}}")
    if kind != "seq":
        lines[0] = "l0: &l0 {a: b}"
    return "\n".join(lines)


@pytest.mark.parametrize("kind", ["seq", "merge"])
def test_alias_bombs_are_refused_quickly(kind: str) -> None:
    """Nine nine-fold levels in the annotations, used by the probe: the document is refused
    without being expanded, whether the aliases make lists or merge keys."""
    import time

    bomb = _laughs(kind).replace("\n", "\n    ")
    text = f"""apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    {bomb}
spec:
  containers:
    - name: a
      env: [{{name: X, value: "1"}}]
      livenessProbe:
        exec:
          command: *l9
        <<: *l9
"""
    start = time.perf_counter()
    result = Linter(Settings(select=("ALL",))).lint_text(text, "bomb.yaml")
    assert time.perf_counter() - start < 5
    assert result.workloads == 0
    assert [(p.level, p.message.split(":")[0]) for p in result.problems] == [("error", "alias bomb")]


def test_integral_floats_count_as_integers() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      livenessProbe:\n        tcpSocket: {port: 1}\n        timeoutSeconds: 5.0\n        periodSeconds: 2.5\n"
    (w,) = workloads_of(text)
    probe = w.containers[0].probes["liveness"]
    assert probe.timeout == 5 and probe.explicit("timeoutSeconds")
    assert probe.period == 10 and not probe.explicit("periodSeconds")
