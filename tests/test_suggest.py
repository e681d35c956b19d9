"""``probelint suggest``: the §6 recipe, its guarantees, its outputs and ``--apply``.

Golden files (``tests/golden/suggest-*``) pin the worked example of probe-semantics §6 and the
gRPC, TCP and exec endpoints; ``PROBELINT_UPDATE_GOLDEN=1`` rewrites them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint import k8sschema
from probelint.cli import main
from probelint.linter import Linter
from probelint.suggest import Endpoint, Inputs, SuggestError, suggest
from tests.conftest import make_settings

GOLDEN = Path(__file__).parent / "golden"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["suggest", "--no-config", *args], input=input)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PROBELINT_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_worked_example_of_the_recipe() -> None:
    """§6: --p99 4s --port 8080 --startup-max 90s."""
    s = suggest(Inputs(p99=4, startup_max=90), Endpoint(port=8080))
    fields = s.container_fields()
    assert fields["livenessProbe"] == {"httpGet": {"path": "/livez", "port": 8080}, "periodSeconds": 10,
                                       "timeoutSeconds": 8, "failureThreshold": 4}
    assert fields["readinessProbe"] == {"httpGet": {"path": "/readyz", "port": 8080}, "periodSeconds": 10,
                                        "timeoutSeconds": 8, "failureThreshold": 2}
    assert fields["startupProbe"] == {"httpGet": {"path": "/livez", "port": 8080}, "periodSeconds": 10,
                                      "timeoutSeconds": 8, "failureThreshold": 12}
    assert s.figures["liveness detection (hang)"] == "38s–48s"
    assert s.figures["liveness stall tolerance"] == "38s"
    assert s.figures["guaranteed startup budget"] == "1m50s"


@pytest.mark.parametrize(("name", "args"), [
    ("suggest-worked-example.yaml", ["--p99", "4s", "--port", "8080", "--startup-max", "90s"]),
    ("suggest-grpc.yaml", ["--p99", "150ms", "--p50", "20ms", "--protocol", "grpc", "--port", "9090",
                           "--grpc-service", "cart", "--startup-max", "20s", "--drain", "15s"]),
    ("suggest-tcp.yaml", ["--p99", "50ms", "--protocol", "tcp", "--port", "6379", "--stall-max", "45s"]),
    ("suggest-exec.yaml", ["--p99", "300ms", "--protocol", "exec", "--command", "pg_isready -h 127.0.0.1 -p 5432",
                           "--startup-max", "2m", "--kube-version", "1.28", "--drain", "30s"]),
    ("suggest-patch.yaml", ["--p99", "4s", "--port", "http", "--format", "patch", "--workload", "StatefulSet/cart",
                            "--container", "app", "--drain", "60s"]),
    ("suggest-helm-values.yaml", ["--p99", "1s", "--port", "8080", "--format", "helm-values"]),
    ("suggest-worked-example.json", ["--p99", "4s", "--port", "8080", "--startup-max", "90s", "--format", "json"]),
])
def test_golden_outputs(name: str, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output
    check_golden(name, result.output)
    if name.endswith(".yaml"):
        assert yaml.safe_load(result.output) is not None  # comments and all, it is YAML


def test_p99_4s_gives_timeouts_of_6_to_8_seconds_and_says_why() -> None:
    result = run("--p99", "4s", "--port", "8080")
    data = yaml.safe_load(result.output)
    for key in ("livenessProbe", "readinessProbe"):
        assert 6 <= data[key]["timeoutSeconds"] <= 8
    assert "timeoutSeconds: 8    # 2 × p99 4s" in result.output


@pytest.mark.parametrize(("args", "message"), [
    ([], "p99 latency of the health endpoint is required"),
    (["--p99", "4s", "--stall-max", "2s"], "stall-max 2s is below p99 4s"),
    (["--p99", "4s", "--startup-max", "2s"], "startup-max 2s is below p99 4s"),
    (["--p99", "4s", "--protocol", "grpc", "--port", "grpc"], "gRPC probes take a port number"),
    (["--p99", "4s", "--protocol", "grpc", "--port", "9090", "--kube-version", "1.23"], "need Kubernetes 1.24"),
    (["--p99", "4s", "--protocol", "exec"], "needs --command"),
    (["--p99", "4s", "--p50", "5s"], "p50 5s must be between 0 and p99 4s"),
])
def test_missing_or_contradictory_input_is_an_error(args, message) -> None:
    result = run("--port", "8080", *args) if "--port" not in args else run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_assumptions_are_stated() -> None:
    result = run("--p99", "4s", "--port", "8080")
    assert "only p99 is known, so the latency tail is assumed heavy" in result.output
    assert "no startup-max or startup-p99 given: no startup probe" in result.output


def test_profile_file_and_flags(tmp_path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("services:\n  cart:\n    p99: 2s\n    startup-max: 40s\n  web:\n    p99: 500ms\n")
    result = run("--profile", str(profile), "--service", "cart", "--port", "8080", "--format", "json")
    data = json.loads(result.output)
    assert data["container"]["livenessProbe"]["timeoutSeconds"] == 4
    assert "startupProbe" in data["container"]
    flags_win = json.loads(run("--profile", str(profile), "--service", "cart", "--p99", "3s", "--port", "8080",
                               "--format", "json").output)
    assert flags_win["container"]["livenessProbe"]["timeoutSeconds"] == 6
    assert run("--profile", str(profile), "--port", "8080").exit_code == 2  # two services: which one?


# -- guarantees ----------------------------------------------------------------------------
def millis(low: float, high: float):
    """Durations in whole milliseconds, as a profile states them."""
    return st.integers(min_value=max(1, round(low * 1000)), max_value=round(high * 1000)).map(lambda ms: ms / 1000)


@st.composite
def profiles(draw):
    p99 = draw(millis(0.01, 20))
    p50 = draw(st.none() | millis(p99 / 50, p99 * 0.9))
    startup = draw(st.none() | millis(max(p99, 1), 600))
    stall = draw(st.none() | millis(p99, 120))
    drain = draw(st.none() | millis(0, 120))
    protocol = draw(st.sampled_from(["http", "grpc", "tcp", "exec"]))
    version = draw(st.sampled_from([(1, 27), (1, 29), (1, 30), (1, 37)]))
    return Inputs(p99=p99, p50=p50, startup_max=startup, stall_max=stall, drain=drain, kube_version=version), protocol


def endpoint_for(protocol: str) -> Endpoint:
    if protocol == "exec":
        return Endpoint("exec", command=("/bin/health", "--local"))
    return Endpoint(protocol, port=8080)


def deployment(fields: dict, pod: dict, rollout: dict) -> str:
    container = {"name": "app", "image": "example/app:1", "ports": [{"name": "http", "containerPort": 8080}], **fields}
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
                           "spec": {**rollout, "template": {"metadata": {"labels": {"app": "app"}},
                                                 "spec": {**pod, "containers": [container]}}}}, sort_keys=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_a_suggestion_passes_check_with_the_same_profile(case) -> None:
    inputs, protocol = case
    try:
        s = suggest(inputs, endpoint_for(protocol))
    except SuggestError:
        return
    values = {"p99": f"{round(inputs.p99 * 1000)}ms", "kube_version": f"{inputs.kube_version[0]}.{inputs.kube_version[1]}"}
    for name in ("p50", "startup_max", "stall_max", "drain"):
        if getattr(inputs, name) is not None:
            values[name] = f"{round(getattr(inputs, name) * 1000)}ms"
    text = deployment(s.container_fields(), {v.name: v.value for v in s.pod}, {v.name: v.value for v in s.rollout})
    result = Linter(make_settings(**values)).lint_text(text)
    bad = [f"{f.code} {f.message}" for f in result.findings if f.level in ("error", "warning")]
    assert not bad, (inputs, text)
    for probe in s.probes:
        assert k8sschema.probe_violations(probe.as_dict(), inputs.kube_version) == []


def test_apply_writes_blocks_in_the_file_style(tmp_path) -> None:
    target = tmp_path / "deploy.yaml"
    original = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: cart   # main\n        image: example/cart:1\n"
                "        readinessProbe: {httpGet: {path: /ready, port: 8080}}\n")
    target.write_text(original)
    result = run("--p99", "4s", "--port", "8080", "--apply", str(target), "--container", "cart")
    assert result.exit_code == 0, result.output
    assert "kept readinessProbe (exists; --force replaces it)" in result.output
    text = target.read_text()
    assert text.startswith(original.rsplit("        readinessProbe", 1)[0])
    assert "        readinessProbe: {httpGet: {path: /ready, port: 8080}}\n        livenessProbe:\n          httpGet:\n" in text
    forced = run("--p99", "4s", "--port", "8080", "--apply", str(target), "--container", "cart", "--force")
    assert forced.exit_code == 0
    data = yaml.safe_load(target.read_text())
    assert data["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_apply_refuses_unknown_containers(tmp_path) -> None:
    target = tmp_path / "deploy.yaml"
    target.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: x}]\n")
    result = run("--p99", "1s", "--port", "80", "--apply", str(target), "--container", "b")
    assert result.exit_code == 2 and 'no container "b"' in result.output


def test_patch_applies_with_kustomize(tmp_path) -> None:
    import shutil
    import subprocess

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart}\nspec:\n"
        "  selector: {matchLabels: {app: cart}}\n  template:\n    metadata: {labels: {app: cart}}\n    spec:\n"
        "      containers:\n        - {name: app, image: example/cart:1, ports: [{name: http, containerPort: 8080}]}\n"
        "        - {name: side, image: example/side:1}\n")
    patch = run("--p99", "4s", "--port", "http", "--startup-max", "90s", "--drain", "20s", "--format", "patch",
                "--workload", "Deployment/cart", "--container", "app")
    (tmp_path / "patch.yaml").write_text(patch.output)
    (tmp_path / "kustomization.yaml").write_text("resources: [deploy.yaml]\npatches:\n  - path: patch.yaml\n")
    proc = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    pod = yaml.safe_load(proc.stdout)["spec"]["template"]["spec"]
    app, side = pod["containers"]
    assert app["livenessProbe"]["timeoutSeconds"] == 8 and app["startupProbe"]["failureThreshold"] == 12
    assert app["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}} and app["image"] == "example/cart:1"
    assert side == {"name": "side", "image": "example/side:1"}
    assert pod["terminationGracePeriodSeconds"] == 30
