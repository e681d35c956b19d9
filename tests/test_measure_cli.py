"""``probelint measure`` from the command line: click's runner and a real ``python -m probelint``,
JSON validated against the published schema, the profile it writes read back by ``check``."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from probelint.cli import main
from tests.measure_servers import free_port, http_server, tcp_listener

ROOT = Path(__file__).resolve().parent.parent
SCRAPE = ROOT / "tests" / "data" / "measure" / "kubelet-probes.prom"
SCHEMA = json.loads(resources.files("probelint.schemas").joinpath("measure.schema.json").read_text(encoding="utf-8"))


def run(*args: str):
    return CliRunner().invoke(main, ["measure", *args])


def valid(report: dict) -> dict:
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    return report


def test_text_report(tmp_path) -> None:
    with http_server(failing=[3]) as (_server, url):
        result = run(url, "-n", "20", "-c", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{url}  HTTP GET, new connection per request"
    assert lines[1].startswith("  requests   20 in ")
    assert lines[1].endswith("(concurrency 2, timeout 10s), 19 succeeded")
    assert lines[2] == "  errors     http 503 1"
    assert lines[3].startswith("  latency    min ")
    assert lines[4].split() == ["timeout", "1s", "2s", "5s", "10s"]
    assert lines[5].split() == ["P(fail)", "0.05", "0.05", "0.05", "0.05"]


def test_json_report_validates_and_writes_the_profile(tmp_path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("# shop\nservices:\n  cart:\n    p99: 1s   # keep\n")
    with http_server() as (_server, url):
        result = run(url, "-n", "120", "--format", "json", "--profile-out", str(profile), "--service", "checkout")
    assert result.exit_code == 0, result.output
    report = valid(json.loads(result.output))
    assert report["requests"] == report["succeeded"] == 120
    written = report["profile"]["entries"][0]["figures"]
    assert set(written) == {"p50", "p99"}
    assert report["profile"]["skipped"] == ["p99.9 not written: 120 requests are too few (at least 1000)"]
    assert profile.read_text() == ("# shop\nservices:\n  cart:\n    p99: 1s   # keep\n  checkout:\n"
                                   f"    p50: {written['p50']}\n    p99: {written['p99']}\n")


def test_tcp_and_timeouts_in_json(tmp_path) -> None:
    with tcp_listener() as (_accepted, port):
        result = run(f"tcp://127.0.0.1:{port}", "-n", "10", "--timeout", "500ms", "--format", "json")
    report = valid(json.loads(result.output))
    assert report["probe"] == "TCP connect"
    assert [f["upper_bound"] for f in report["failure"]] == [True, True, True, True]


def test_nothing_succeeded_exits_1() -> None:
    result = run(f"http://127.0.0.1:{free_port()}/", "-n", "3", "--format", "json")
    assert result.exit_code == 1
    report = valid(json.loads(result.output))
    assert report["errors"] == {"connection refused": 3}
    assert report["latency"]["p50"] is None


def test_a_p99_among_failures_is_not_written(tmp_path) -> None:
    profile = tmp_path / "p.yaml"
    with http_server(failing=range(0, 100, 20)) as (_server, url):
        result = run(url, "-n", "100", "--profile-out", str(profile), "--service", "cart")
    assert result.exit_code == 1
    assert "error: profile not written: p99 not written: it falls among the 5 failed requests" in result.output
    assert not profile.exists()


def test_kubelet_metrics_text_and_profile(tmp_path) -> None:
    profile = tmp_path / "p.yaml"
    result = run("--kubelet-metrics", str(SCRAPE), "--group-by", "workload", "--profile-out", str(profile))
    assert result.exit_code == 0, result.output
    assert "shop/cart/cart (1 pod)  Liveness  1,020 probes: 990 successful, 30 failed" in result.output
    assert "  latency    p50 37.8ms  p90 135ms  p99 failed  p99.9 failed" in result.output
    assert "  shop/cart/cart not written: p99 falls among the failed probes" in result.output
    assert profile.read_text() == """\
services:
  kube-system/coredns/coredns:
    match:
      namespace: kube-system
      name: coredns
      container: coredns
    p50: 6.66ms
    p99: 23.3ms
    p99.9: 46.8ms
  shop/checkout/checkout:
    match:
      namespace: shop
      name: checkout
      container: checkout
    p50: 17.8ms
    p99: 210ms
"""


def test_kubelet_metrics_json() -> None:
    result = run("--kubelet-metrics", str(SCRAPE), "--format", "json")
    report = valid(json.loads(result.output))
    assert len(report["series"]) == 9


def test_kubelet_service_needs_one_container(tmp_path) -> None:
    result = run("--kubelet-metrics", str(SCRAPE), "--profile-out", str(tmp_path / "p.yaml"), "--service", "x")
    assert result.exit_code == 2
    assert "--service x names one entry, but the scrape has 4 containers with Liveness probes" in result.output


@pytest.mark.parametrize(("args", "message"), [
    ((), "give one URL to measure"),
    (("ftp://x:1",), "unsupported URL 'ftp://x:1'"),
    (("http://127.0.0.1:1/", "--profile-out", "p.yaml"), "--profile-out needs --service NAME"),
    (("http://127.0.0.1:1/", "--service", "x"), "give --profile-out FILE"),
    (("tcp://127.0.0.1:1", "--keep-alive"), "--keep-alive applies to http, https and grpc"),
    (("--startup", "http://127.0.0.1:1/"), "--startup URL needs the command to start"),
    (("--kubelet-metrics", "x.prom", "http://127.0.0.1:1/"), "--kubelet-metrics reads a file"),
    (("http://127.0.0.1:1/", "--timeout", "soon"), "invalid duration 'soon'"),
    (("http://127.0.0.1:1/", "--header", "novalue"), "'novalue' is not 'Name: value'"),
])
def test_usage_errors(args, message) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_unreadable_metrics_file(tmp_path) -> None:
    bad = tmp_path / "bad.prom"
    bad.write_text('prober_probe_total{pod="a" 1\n')
    result = run("--kubelet-metrics", str(bad))
    assert result.exit_code == 2
    assert f"error: {bad}: line 1: expected ',' or '}}' after label pod" in result.output


def test_real_process_measures_writes_and_check_reads_the_profile(tmp_path) -> None:
    profile = tmp_path / "profile.yaml"
    with http_server() as (_server, url):
        measured = subprocess.run([sys.executable, "-m", "probelint", "measure", url, "-n", "150",
                                   "--profile-out", str(profile), "--service", "checkout"],
                                  check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert measured.returncode == 0, measured.stderr
    assert f"{profile}: created" in measured.stdout
    manifest = tmp_path / "checkout.yaml"
    manifest.write_text("""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout}
spec:
  template:
    spec:
      containers:
        - name: checkout
          image: shop/checkout:1
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            timeoutSeconds: 1
""")
    checked = subprocess.run([sys.executable, "-m", "probelint", "timing", str(manifest), "--profile", str(profile),
                              "--no-config"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert f'from profile "checkout" in {profile}' in checked.stdout


def test_startup_through_a_real_process(tmp_path) -> None:
    port = free_port()
    script = tmp_path / "server.py"
    script.write_text("import socket, time\ntime.sleep(0.3)\ns = socket.socket()\n"
                      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                      f"s.bind(('127.0.0.1', {port}))\ns.listen()\ntime.sleep(60)\n")
    profile = tmp_path / "p.yaml"
    result = subprocess.run([sys.executable, "-m", "probelint", "measure", "--startup", f"tcp://127.0.0.1:{port}",
                             "--runs", "2", "--format", "json", "--profile-out", str(profile), "--service", "cart",
                             "--", sys.executable, str(script)], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = valid(json.loads(result.stdout))
    assert report["healthy"] == 2
    assert all(r["seconds"] >= 0.3 for r in report["runs"])
    figures = report["profile"]["entries"][0]["figures"]
    assert profile.read_text() == f"services:\n  cart:\n    startup-p99: {figures['startup-p99']}\n" \
                                  f"    startup-max: {figures['startup-max']}\n"


def test_check_imports_nothing_of_measure() -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "probelint", "check", "--no-config",
                             str(ROOT / "tests" / "data" / "timing-input.yaml")],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    modules = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "probelint.cli" in modules
    assert not {m for m in modules if m.startswith("probelint.measure")}
    assert not modules & {"socket", "ssl", "http.client", "grpc", "_ssl"}
