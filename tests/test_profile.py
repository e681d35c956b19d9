"""Service profiles: sources, precedence, matching, validation and provenance."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from probelint.cli import main
from probelint.profile import ProfileError, load_profile_file
from tests.conftest import lint

PROFILE = """services:
  everything-in-shop:
    match: {namespace: shop}
    p99: 1s
  checkout:
    match: {namespace: shop, kind: Deployment, name: checkout}
    p99: 3s
    startup-max: 90s
  checkout-sidecar:
    match: {namespace: shop, name: checkout, container: envoy}
    p99: 250ms
  batch:
    match: {name: "batch-*"}
    p99: 2s
    restart-budget: 0.5
  plain:
    p99: 5s
"""

WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
{annotations}spec:
  template:
    spec:
      containers:
        - name: app
          livenessProbe: {{httpGet: {{path: /livez, port: 8080}}}}
        - name: envoy
          livenessProbe: {{httpGet: {{path: /ready, port: 9901}}}}
"""


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE)
    return load_profile_file(path)


@pytest.mark.parametrize(
    ("namespace", "kind", "name", "container", "service"),
    [
        ("shop", "Deployment", "checkout", "app", "checkout"),
        ("shop", "Deployment", "checkout", "envoy", "checkout-sidecar"),
        ("shop", "StatefulSet", "checkout", "app", "everything-in-shop"),
        ("shop", "Deployment", "cart", "app", "everything-in-shop"),
        ("jobs", "CronJob", "batch-nightly", "job", "batch"),
        ("other", "Deployment", "plain", "x", "plain"),
        ("other", "Deployment", "unknown", "x", None),
    ],
)
def test_most_specific_entry_wins(profile_file, namespace, kind, name, container, service) -> None:
    entry = profile_file.best(namespace, kind, name, container)
    assert (entry.service if entry else None) == service


def test_values_are_converted(profile_file) -> None:
    batch = next(e for e in profile_file.entries if e.service == "batch")
    assert batch.values == {"p99": 2.0, "restart_budget": 0.5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  a:\n    p99: 4 seconds\n", ":3:10: services.a.p99: invalid duration '4 seconds'"),
        ("services:\n  a:\n    p98: 4s\n", ":3:5: services.a.p98: unknown key"),
        ("services:\n  a:\n    match: {pod: x}\n", "services.a.match.pod: unknown key"),
        ("services:\n  a:\n    restart-budget: many\n", "services.a.restart-budget"),
        ("services: [\n", "invalid YAML"),
    ],
)
def test_bad_profile_names_file_line_and_value(tmp_path, text, message) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def manifest(name="checkout", namespace="shop", annotations="") -> str:
    return WORKLOAD.format(name=name, namespace=namespace, annotations=annotations)


def test_precedence_annotation_over_file_over_flag(tmp_path, profile_file) -> None:
    settings = {"select": ["PL201"], "p99": "10s", "profile_file": profile_file}
    by_container = {f.obj.container: f.message for f in lint(manifest(), **settings).findings}
    assert f'p99 3s from profile "checkout" in {profile_file.path}' in by_container["app"]
    assert "envoy" not in by_container  # p99 250ms from "checkout-sidecar": the 1 s default timeout is ample
    other = lint(manifest(name="zzz", namespace="elsewhere"), **settings).findings
    assert all("p99 10s from --p99" in f.message for f in other) and other
    annotated = manifest(annotations="  annotations:\n    probelint.io/p99: 500ms\n")
    messages = [f.message for f in lint(annotated, **settings).findings]
    assert all("probelint.io/p99 on Deployment/checkout" in m for m in messages)


def test_bad_annotation_is_an_input_error_with_position() -> None:
    text = manifest(annotations="  annotations:\n    probelint.io/stall-max: soon\n")
    result = lint(text, select=["PL201"])
    assert [(p.line, p.message) for p in result.problems] == [
        (7, "Deployment/shop/checkout: annotation probelint.io/stall-max: invalid duration 'soon' (use e.g. 250ms, 4s, 1m30s)")]


def test_cli_profile_flags_and_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(manifest())
    (tmp_path / "profile.yaml").write_text(PROFILE)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--no-config", "--select", "PL201", "--profile", "profile.yaml", "m.yaml"])
    assert 'p99 3s from profile "checkout" in profile.yaml' in result.output
    result = runner.invoke(main, ["check", "--no-config", "--select", "PL201", "--p99", "2s", "--restart-budget", "3", "m.yaml"])
    assert "restart-budget 3 from --restart-budget" in result.output
    result = runner.invoke(main, ["check", "--no-config", "--stall-max", "long", "m.yaml"])
    assert result.exit_code == 2 and "--stall-max" in result.output
    (tmp_path / "bad.yaml").write_text("services:\n  a: {p99: x}\n")
    result = runner.invoke(main, ["check", "--no-config", "--profile", "bad.yaml", "m.yaml"])
    assert result.exit_code == 2 and "bad.yaml:2:12: services.a.p99: invalid duration 'x'" in result.output


def test_config_profile_and_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(manifest(name="zzz", namespace="elsewhere"))
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "p.yaml").write_text(PROFILE)
    (tmp_path / ".probelint.yaml").write_text("profile: profiles/p.yaml\ndefaults: {p99: 6s, restart-budget: 2}\nselect: [PL201]\n")
    result = CliRunner().invoke(main, ["check", "m.yaml"])
    assert "p99 6s from defaults.p99 in .probelint.yaml" in result.output
    assert "restart-budget 2 from defaults.restart-budget in .probelint.yaml" in result.output
