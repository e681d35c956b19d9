"""Quantiles and failure probabilities of measured probes, with failures ranked last."""
from __future__ import annotations

import pytest

from probelint.measure.clients import Outcome
from probelint.measure.figures import FigureError, from_latency, from_startup
from probelint.measure.stats import conservative, rank_quantile, summarize, wilson_upper
from probelint.measure.target import TargetError, parse_target


def outcomes(latencies, errors=()):
    return [Outcome(x) for x in latencies] + [Outcome(0.001, kind) for kind in errors]


def test_nearest_rank_quantiles() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    assert rank_quantile(values, 100, 0.5) == 0.050
    assert rank_quantile(values, 100, 0.99) == 0.099
    assert rank_quantile(values, 100, 0.999) == 0.100


def test_failures_rank_above_every_latency() -> None:
    summary = summarize(outcomes([0.01] * 97, ["timeout", "timeout", "http 500"]), measured_timeout=10.0)
    quantiles = {q.name: q.seconds for q in summary.quantiles}
    assert quantiles["p50"] == 0.01 and quantiles["p90"] == 0.01
    assert quantiles["p99"] is None  # rank 99 of 100 is a failure
    assert summary.errors == {"timeout": 2, "http 500": 1}
    assert summary.maximum == 0.01  # of the successful requests


def test_failure_probability_counts_errors_and_slow_answers() -> None:
    summary = summarize(outcomes([0.5] * 90 + [1.5] * 6 + [3.0] * 2, ["connection refused"] * 2), measured_timeout=4.0)
    by_timeout = {f.timeout: f for f in summary.failure}
    assert by_timeout[1.0].probability == pytest.approx(10 / 100)
    assert by_timeout[2.0].probability == pytest.approx(4 / 100)
    assert by_timeout[5.0].probability == pytest.approx(2 / 100)
    assert [f.upper_bound for f in summary.failure] == [False, False, True, True]


def test_wilson_upper_limit() -> None:
    assert wilson_upper(0, 500) == pytest.approx(0.00762, abs=1e-5)
    assert wilson_upper(10, 100) == pytest.approx(0.1744, abs=1e-4)
    assert wilson_upper(0, 0) == 1.0


@pytest.mark.parametrize(("seconds", "expected"), [(0.012345, 0.0124), (4.2, 4.2), (0.0482, 0.0482), (123.4, 124.0)])
def test_profile_figures_are_rounded_up(seconds, expected) -> None:
    assert conservative(seconds) == pytest.approx(expected)


def test_profile_figures_need_enough_requests_and_a_known_p99() -> None:
    report = {"requests": 500, "succeeded": 500, "latency": {"p50": 0.002, "p99": 0.0123, "p99.9": 0.02}}
    assert from_latency(report) == ({"p50": "2ms", "p99": "12.3ms"},
                                    ["p99.9 not written: 500 requests are too few (at least 1000)"])
    with pytest.raises(FigureError, match="p99 not written: 50 requests are too few"):
        from_latency({**report, "requests": 50})
    with pytest.raises(FigureError, match="p99 not written: it falls among the 20 failed requests"):
        from_latency({**report, "succeeded": 480, "latency": {**report["latency"], "p99": None}})


def test_startup_figures_need_every_run_healthy() -> None:
    report = {"runs": [{}, {}], "healthy": 2, "startup": {"p99": 1.23, "max": 1.234}}
    assert from_startup(report) == {"startup-p99": "1.23s", "startup-max": "1.24s"}
    with pytest.raises(FigureError, match="1 of 2 runs never became healthy"):
        from_startup({**report, "healthy": 1})


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:8080/livez?full=1", ("http", "127.0.0.1", 8080, "/livez?full=1")),
    ("https://example.internal", ("https", "example.internal", 443, "/")),
    ("tcp://[::1]:5432", ("tcp", "::1", 5432, "")),
    ("grpc://localhost:9090/shop.Checkout", ("grpc", "localhost", 9090, "shop.Checkout")),
])
def test_targets(url, expected) -> None:
    target = parse_target(url)
    assert (target.scheme, target.host, target.port, target.path) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://host:21", "unsupported URL"),
    ("tcp://host", r"needs a port \(tcp://host:PORT\)"),
    ("tcp://host:1/x", "tcp:// takes no path"),
    ("http://:80/", "has no host"),
    ("http://host:99999/", "invalid URL"),
])
def test_bad_targets(url, message) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(url)
