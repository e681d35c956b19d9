"""Reports of a measurement: text for people, JSON (``schemas/measure.schema.json``) for scripts.

The figures are built once as plain dictionaries (``*_report``) and both formats render the same
dictionaries, so the text can never show a figure the JSON lacks.
"""
from __future__ import annotations

import json
import math
import shlex

from probelint.measure.stats import Summary
from probelint.units import format_duration


def seconds_text(value: float | None) -> str:
    """A measured duration to three significant digits: ``2.03ms``, ``1.25s``."""
    if value is None:
        return "-"
    if value <= 0:
        return "0s"
    digits = 3 - 1 - math.floor(math.log10(value))
    return format_duration(round(value, max(0, digits)) or value)


def probability_text(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.2g}" if value < 0.01 else f"{value:.3f}".rstrip("0").rstrip(".")


def latency_report(target, summary: Summary, *, keep_alive: bool, concurrency: int, rate: float | None,
                   timeout: float, elapsed: float) -> dict:
    return {
        "kind": "latency",
        "target": target.url,
        "probe": target.what,
        "keep_alive": keep_alive,
        "requests": summary.count,
        "concurrency": concurrency,
        "rate": rate,
        "timeout": timeout,
        "elapsed": elapsed,
        "succeeded": summary.succeeded,
        "errors": summary.errors,
        "latency": {"min": summary.minimum, "mean": summary.mean,
                    **{q.name: q.seconds for q in summary.quantiles}, "max": summary.maximum},
        "failure": [{"timeout": f.timeout, "probability": f.probability, "failures": f.failures,
                     "upper95": f.upper95, "upper_bound": f.upper_bound} for f in summary.failure],
        "profile": None,
    }


def startup_report(target, command: list[str], runs, timeout: float, interval: float) -> dict:
    from probelint.measure.stats import rank_quantile

    healthy = sorted(run.seconds for run in runs if run.healthy)
    figures = {"min": healthy[0] if healthy else None,
               "p50": rank_quantile(healthy, len(healthy), 0.5),
               "p99": rank_quantile(healthy, len(healthy), 0.99),
               "max": healthy[-1] if healthy else None}
    return {
        "kind": "startup",
        "target": target.url,
        "command": list(command),
        "timeout": timeout,
        "interval": interval,
        "runs": [{"seconds": run.seconds, "healthy": run.healthy, "reason": run.reason, "polls": run.polls}
                 for run in runs],
        "healthy": len(healthy),
        "startup": figures,
        "profile": None,
    }


def kubelet_report(path: str, group_by: str, series: list[dict]) -> dict:
    return {"kind": "kubelet", "file": path, "group_by": group_by, "series": series, "profile": None}


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, allow_nan=False) + "\n"


def _failure_table(rows: list[tuple[float, float, float | None, bool]], indent: str = "  ") -> list[str]:
    """``timeout / P(fail) / 95% upper`` columns; ``≤`` marks an upper bound."""
    width = 10
    head = f"{indent}{'timeout':<11}" + "".join(f"{format_duration(t):<{width}}" for t, *_ in rows)
    probs = f"{indent}{'P(fail)':<11}" + "".join(
        f"{('≤' if bound else '') + probability_text(p):<{width}}" for _t, p, _u, bound in rows)
    lines = [head.rstrip(), probs.rstrip()]
    if any(u is not None for _t, _p, u, _b in rows):
        lines.append((f"{indent}{'95% upper':<11}" + "".join(
            f"{probability_text(u) if u is not None else '-':<{width}}" for _t, _p, u, _b in rows)).rstrip())
    return lines


def render_latency_text(report: dict) -> str:
    connection = "one connection per worker (--keep-alive)" if report["keep_alive"] else "new connection per request"
    pace = f", rate {report['rate']:g}/s" if report["rate"] else ""
    lines = [f"{report['target']}  {report['probe']}, {connection}",
             (f"  requests   {report['requests']} in {seconds_text(report['elapsed'])} "
             f"(concurrency {report['concurrency']}{pace}, timeout {format_duration(report['timeout'])}), "
             f"{report['succeeded']} succeeded")]
    if report["errors"]:
        lines.append("  errors     " + ", ".join(f"{kind} {count}" for kind, count in report["errors"].items()))
        if "tls certificate verify failed" in report["errors"]:
            lines.append("  (--insecure skips the certificate check, as the kubelet does)")
    lat = report["latency"]
    parts = []
    for name in ("min", "p50", "p90", "p99", "p99.9", "max"):
        value = lat[name]
        parts.append(f"{name} {seconds_text(value) if value is not None else ('failed' if name.startswith('p') else '-')}")
    lines.append("  latency    " + "  ".join(parts))
    lines += _failure_table([(f["timeout"], f["probability"], f["upper95"], f["upper_bound"]) for f in report["failure"]])
    if any(f["upper_bound"] for f in report["failure"]):
        lines.append(f"  (≤: requests were cut at --timeout {format_duration(report['timeout'])}; each counts as a "
                     "failure for the longer timeouts too)")
    if any(lat[q] is None for q in ("p50", "p90", "p99", "p99.9")) and report["requests"]:
        lines.append("  (failed: that quantile falls among the failed requests, which count as slower than any timeout)")
    return "\n".join(lines) + "\n" + _profile_text(report)


def render_startup_text(report: dict) -> str:
    command = shlex.join(report["command"])
    lines = [(f"startup of `{command}` until {report['target']} answers "
             f"(polled every {format_duration(report['interval'])})")]
    for index, run in enumerate(report["runs"], 1):
        shown = seconds_text(run["seconds"]) if run["healthy"] else f"not healthy: {run['reason']}"
        lines.append(f"  run {index:<3} {shown}")
    figures = report["startup"]
    lines.append("  startup    " + "  ".join(f"{name} {seconds_text(figures[name])}" for name in ("min", "p50", "p99", "max"))
                 + f"   ({report['healthy']} of {len(report['runs'])} runs healthy)")
    return "\n".join(lines) + "\n" + _profile_text(report)


def render_kubelet_text(report: dict) -> str:
    lines = [(f"{report['file']}: kubelet probe metrics (prober_probe_duration_seconds leaves failed probes out; "
              "here they count as slower than any duration)")]
    for entry in report["series"]:
        order = {"successful": 0, "failed": 1, "unknown": 2}
        results = ", ".join(f"{count:,.0f} {result}" for result, count in
                            sorted(entry["results"].items(), key=lambda item: (order.get(item[0], 3), item[0])))
        count = len(entry["pods"])
        pods = f" ({count} pod{'s' if count != 1 else ''})" if report["group_by"] == "workload" else ""
        lines.append(f"{entry['namespace']}/{entry['pod']}/{entry['container']}{pods}  {entry['probe_type']}  "
                     f"{entry['total']:,.0f} probes" + (f": {results}" if results else ""))
        parts = []
        for name, quantile in entry["quantiles"].items():
            how, value = quantile["estimate"], quantile["seconds"]
            shown = {"failed": "failed", "missing": "-", "above": f">{seconds_text(value)}"}.get(how, seconds_text(value))
            parts.append(f"{name} {shown}")
        lines.append("  latency    " + "  ".join(parts))
        lines += _failure_table([(f["timeout"], f["probability"], None, False) for f in entry["failure"]], "  ")
        between = [format_duration(f["timeout"]) for f in entry["failure"] if f["approximate"]]
        if between:
            lines.append(f"  ({', '.join(between)}: between histogram buckets, interpolated)")
    return "\n".join(lines) + "\n" + _profile_text(report)


def _profile_text(report: dict) -> str:
    profile = report.get("profile")
    if not profile:
        return ""
    lines = [f"{profile['file']}: {profile['result']}"]
    for entry in profile["entries"]:
        figures = ", ".join(f"{key} {value}" for key, value in entry["figures"].items())
        lines.append(f"  services.{entry['service']}: {figures}")
    lines += [f"  {note}" for note in profile.get("skipped", [])]
    return "\n".join(lines) + "\n"
