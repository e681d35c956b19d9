"""Probe latency from a recorded kubelet /metrics/probes scrape, corrected for the histogram
leaving failed probes out, and the Prometheus text parser underneath."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from probelint.measure.kubelet import MetricsError, load, summary, workload_of
from probelint.measure.promtext import ParseError, parse

SCRAPE = Path(__file__).resolve().parent / "data" / "measure" / "kubelet-probes.prom"


def series(group_by: str = "pod") -> dict:
    return {(s.namespace, s.pod, s.container, s.probe_type): s for s in load(SCRAPE.read_text(), group_by)}


def test_every_container_and_probe_type_is_found() -> None:
    found = series()
    assert len(found) == 9
    checkout = found[("shop", "checkout-7d9f8b6c5d-x2x9q", "checkout", "Liveness")]
    assert checkout.observed == 8634
    assert checkout.failed == 12
    assert checkout.total == 8646
    assert checkout.results == {"failed": 12, "successful": 8634}


def test_quantiles_rank_failed_probes_above_every_duration() -> None:
    checkout = series()[("shop", "checkout-7d9f8b6c5d-x2x9q", "checkout", "Liveness")]
    # rank 0.99 × 8646 = 8559.54 lies in the (0.1, 0.25] bucket holding 8490..8588.
    value, how = checkout.quantile(0.99)
    assert how == "interpolated"
    assert value == pytest.approx(0.1 + 0.15 * (8559.54 - 8490) / 98)
    # The histogram alone (rank 0.99 × 8634) would give a lower p99.
    assert value > 0.1 + 0.15 * (0.99 * 8634 - 8490) / 98
    # rank 0.999 × 8646 = 8637.4 is above the 8634 observed durations: among the failures.
    assert checkout.quantile(0.999) == (None, "failed")


def test_failure_probability_counts_failures_and_slow_probes() -> None:
    checkout = series()[("shop", "checkout-7d9f8b6c5d-x2x9q", "checkout", "Liveness")]
    assert checkout.failure(1.0) == (pytest.approx((12 + 8634 - 8630) / 8646), False)
    # 2 s is between the 1 s and 2.5 s buckets: 8630 + 4 × (1 / 1.5) probes took at most 2 s.
    probability, approximate = checkout.failure(2.0)
    assert approximate
    assert probability == pytest.approx((12 + 8634 - (8630 + 4 / 1.5)) / 8646)
    assert checkout.failure(5.0) == (pytest.approx(12 / 8646), False)
    # Never below the count-only estimate (section 5d: take the larger).
    assert all(checkout.failure(t)[0] >= checkout.failed / checkout.total for t in (1, 2, 5, 10))


def test_a_container_without_failures() -> None:
    coredns = series()[("kube-system", "coredns-5dd5756b68-7xq2m", "coredns", "Liveness")]
    value, how = coredns.quantile(0.99)
    assert how == "interpolated"
    assert value == pytest.approx(0.01 + 0.015 * (0.99 * 4320 - 4100) / 200)
    assert coredns.failure(1.0) == (0.0, False)


def test_many_failures_put_the_p99_among_them() -> None:
    cart = series()[("shop", "cart-0", "cart", "Liveness")]
    assert cart.quantile(0.99) == (None, "failed")
    assert cart.failure(10.0)[0] == pytest.approx(30 / 1020)


def test_group_by_workload_adds_up_the_replicas() -> None:
    checkout = series("workload")[("shop", "checkout", "checkout", "Liveness")]
    assert checkout.pods == {"checkout-7d9f8b6c5d-x2x9q", "checkout-7d9f8b6c5d-k8jzp"}
    assert checkout.observed == 8634 + 8633
    assert checkout.failed == 12 + 9
    assert checkout.buckets[1.0] == 8630 + 8627


def test_summary_lists_quantiles_and_timeouts() -> None:
    cart = summary(series()[("shop", "cart-0", "cart", "Liveness")])
    assert cart["quantiles"]["p99"] == {"seconds": None, "estimate": "failed"}
    assert [f["timeout"] for f in cart["failure"]] == [1.0, 2.0, 5.0, 10.0]
    assert cart["mean"] == pytest.approx(61.904 / 990)


@pytest.mark.parametrize(("pod", "expected"), [
    ("checkout-7d9f8b6c5d-x2x9q", ("checkout", "Deployment")),
    ("node-exporter-x2x9q", ("node-exporter", None)),
    ("cart-0", ("cart", "StatefulSet")),
    ("standalone", ("standalone", "Pod")),
])
def test_workload_names_from_pod_names(pod, expected) -> None:
    assert workload_of(pod) == expected


def test_parser_reads_escapes_special_values_and_timestamps() -> None:
    text = ('# HELP x help\n# TYPE x gauge\n'
            'x{a="q\\"uote",b="back\\\\slash",c="new\\nline",} +Inf 1700000000000\n'
            'y 2.5e-3\n'
            'z{} NaN\n')
    samples, types = parse(text)
    assert types == {"x": "gauge"}
    assert samples[0].labels == {"a": 'q"uote', "b": "back\\slash", "c": "new\nline"}
    assert samples[0].value == math.inf
    assert samples[1].value == 0.0025
    assert math.isnan(samples[2].value)


@pytest.mark.parametrize(("text", "message"), [
    ('x{a="1 3\n', "line 1: unterminated value of label a"),
    ('x{a="1" 3\n', "line 1: expected ',' or '}' after label a"),
    ("x\n", "line 1: sample without a value"),
    ('x{a=1} 3\n', "line 1: label a has no quoted value"),
    ("ok 1\nx 1 2 3\n", "line 2: expected a value and an optional timestamp"),
    ("x one\n", "line 1: invalid sample value 'one'"),
])
def test_parser_errors_name_the_line(text, message) -> None:
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_a_scrape_without_probe_metrics_is_an_error() -> None:
    with pytest.raises(MetricsError, match="no prober_probe_total or prober_probe_duration_seconds samples"):
        load("# TYPE up gauge\nup 1\n")
    with pytest.raises(MetricsError, match="line 1: prober_probe_total has no pod label"):
        load('prober_probe_total{namespace="a",container="b",probe_type="Liveness",result="failed"} 1\n')
