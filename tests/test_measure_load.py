"""Latency measurement against loopback servers: HTTP with a seeded latency distribution and
a known failing fraction, TCP, keep-alive, headers, timeouts, and the gRPC health protocol."""
from __future__ import annotations

import random
import sys

import pytest

from probelint.measure.clients import ClientError, make_client
from probelint.measure.load import drive
from probelint.measure.stats import rank_quantile, summarize
from probelint.measure.target import parse_target
from tests.measure_servers import free_port, http_server, tcp_listener


def measure(url: str, requests: int, concurrency: int = 1, timeout: float = 10.0, **options):
    target = parse_target(url)
    run = drive(lambda: make_client(target, timeout, **options), requests, concurrency)
    return run, summarize(run.outcomes, timeout)


def test_measured_p99_is_that_of_the_seeded_distribution() -> None:
    rng = random.Random(20240601)
    # 96 % answer in 2-10 ms, 4 % in 80-100 ms: the p99 lies in the slow band.
    delays = [rng.uniform(0.080, 0.100) if rng.random() < 0.04 else rng.uniform(0.002, 0.010) for _ in range(200)]
    configured_p99 = rank_quantile(sorted(delays), len(delays), 0.99)
    configured_p50 = rank_quantile(sorted(delays), len(delays), 0.50)
    assert configured_p99 > 0.080
    with http_server(delays) as (_server, url):
        _run, summary = measure(url, 200)
    measured = {q.name: q.seconds for q in summary.quantiles}
    assert summary.count == summary.succeeded == 200
    # A response cannot come before its sleep; overhead on a busy machine is allowed up to 2x.
    assert configured_p99 <= measured["p99"] <= 2 * configured_p99
    assert configured_p50 <= measured["p50"] <= configured_p50 + 0.050
    assert summary.minimum >= min(delays)


def test_a_known_fraction_of_failures_is_counted_at_every_timeout() -> None:
    with http_server(failing=range(0, 200, 10)) as (_server, url):
        _run, summary = measure(url, 200, concurrency=4)
    assert summary.count == 200
    assert summary.succeeded == 180
    assert summary.errors == {"http 503": 20}
    assert [f.probability for f in summary.failure] == [0.1, 0.1, 0.1, 0.1]
    assert [f.upper_bound for f in summary.failure] == [False, False, False, False]
    # 10 % failed: p99 and p99.9 lie among the failures and are not latencies.
    measured = {q.name: q.seconds for q in summary.quantiles}
    assert measured["p99"] is None and measured["p99.9"] is None
    assert measured["p50"] is not None


def test_every_request_opens_a_new_connection_unless_keep_alive() -> None:
    with http_server() as (server, url):
        measure(url, 20)
        assert len(server.clients) == 20
        assert all(headers.get("Connection") == "close" for headers in server.headers_seen)
    with http_server() as (server, url):
        _run, summary = measure(url, 20, keep_alive=True)
        assert summary.succeeded == 20
        assert len(server.clients) == 1


def test_headers_are_sent() -> None:
    with http_server() as (server, url):
        measure(url, 2, headers={"X-Probe": "liveness", "Host": "checkout.local"})
    assert server.headers_seen[0]["X-Probe"] == "liveness"
    assert server.headers_seen[0]["Host"] == "checkout.local"


def test_a_slow_answer_is_a_timeout_and_longer_timeouts_are_upper_bounds() -> None:
    with http_server(delays=[0.6]) as (_server, url):
        _run, summary = measure(url, 3, timeout=0.2)
    assert summary.errors == {"timeout": 3}
    assert all(f.probability == 1.0 for f in summary.failure)
    assert [f.upper_bound for f in summary.failure] == [True, True, True, True]


def test_tcp_connect() -> None:
    with tcp_listener() as (accepted, port):
        _run, summary = measure(f"tcp://127.0.0.1:{port}", 30, concurrency=3)
    assert summary.succeeded == 30
    assert len(accepted) >= 1


def test_refused_connections_are_errors_by_kind() -> None:
    port = free_port()
    _run, summary = measure(f"tcp://127.0.0.1:{port}", 3)
    assert summary.errors == {"connection refused": 3}
    _run, summary = measure(f"http://127.0.0.1:{port}/", 2)
    assert summary.errors == {"connection refused": 2}


def test_rate_paces_the_requests() -> None:
    with http_server() as (_server, url):
        target = parse_target(url)
        run = drive(lambda: make_client(target, 5.0), 6, concurrency=3, rate=20.0)
    assert len(run.outcomes) == 6
    assert run.elapsed >= 5 / 20.0  # the sixth request is not sent before 250 ms


def test_without_the_grpc_extra_the_error_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "grpc", None)
    with pytest.raises(ClientError, match=r"pip install 'probelint\[grpc\]'"):
        make_client(parse_target("grpc://127.0.0.1:9"), 1.0)


@pytest.fixture
def grpc_health_server():
    try:
        from concurrent import futures

        import grpc
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    except ImportError as err:
        pytest.skip(f"the gRPC extra is not installed (pip install 'probelint[grpc]'): {err}")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    servicer.set("shop.Checkout", health_pb2.HealthCheckResponse.SERVING)
    servicer.set("shop.Cart", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(None)


def test_grpc_health_check(grpc_health_server) -> None:
    port = grpc_health_server
    _run, summary = measure(f"grpc://127.0.0.1:{port}", 10)
    assert summary.succeeded == 10
    _run, summary = measure(f"grpc://127.0.0.1:{port}/shop.Checkout", 5, keep_alive=True)
    assert summary.succeeded == 5
    _run, summary = measure(f"grpc://127.0.0.1:{port}/shop.Cart", 3)
    assert summary.errors == {"grpc status NOT_SERVING": 3}
    _run, summary = measure(f"grpc://127.0.0.1:{port}/shop.Unknown", 2)
    assert summary.errors == {"grpc NOT_FOUND": 2}
