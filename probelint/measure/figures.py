"""Which measured figures may go into a profile, written as the profile writes durations.

A figure is written only when it is really known: enough samples for the quantile (a p99 of
20 requests is just the maximum), and not a quantile that falls among failed requests (its
true value is above any timeout; writing the fastest failure would make the endpoint look
faster than it is). Values are rounded *up* to three significant digits.
"""
from __future__ import annotations

from probelint.measure.stats import MIN_SAMPLES, conservative
from probelint.units import format_duration


class FigureError(ValueError):
    """The measurement does not support the profile figure that matters most."""


def duration(seconds: float) -> str:
    return format_duration(conservative(seconds))


def from_latency(report: dict) -> tuple[dict[str, str], list[str]]:
    """``p50``, ``p99``, ``p99.9`` from a latency report, and notes on those left out."""
    figures, notes = {}, []
    count = report["requests"]
    for name in ("p50", "p99", "p99.9"):
        value = report["latency"][name]
        if count < MIN_SAMPLES[name]:
            notes.append(f"{name} not written: {count} requests are too few (at least {MIN_SAMPLES[name]})")
        elif value is None:
            notes.append(f"{name} not written: it falls among the {count - report['succeeded']} failed requests")
        else:
            figures[name] = duration(value)
    if "p99" not in figures:
        raise FigureError("profile not written: " + next(note for note in notes if note.startswith("p99 ")))
    return figures, notes


def from_startup(report: dict) -> dict[str, str]:
    failed = len(report["runs"]) - report["healthy"]
    if failed:
        raise FigureError(f"profile not written: {failed} of {len(report['runs'])} runs never became healthy, "
                          "so startup-max is not known")
    return {"startup-p99": duration(report["startup"]["p99"]), "startup-max": duration(report["startup"]["max"])}


def from_kubelet(entry: dict) -> tuple[dict[str, str], str | None]:
    """Figures of one kubelet series, or the reason there are none."""
    figures = {}
    total = entry["total"]
    for name in ("p50", "p99", "p99.9"):
        quantile = entry["quantiles"][name]
        if quantile["estimate"] == "interpolated" and total >= MIN_SAMPLES[name]:
            figures[name] = duration(quantile["seconds"])
    if "p99" not in figures:
        how = entry["quantiles"]["p99"]["estimate"]
        reason = (f"{total:,.0f} probes are too few" if total < MIN_SAMPLES["p99"] else
                  {"failed": "p99 falls among the failed probes", "above": "p99 is above the largest bucket",
                   "missing": "no duration histogram"}.get(how, how))
        return {}, reason
    return figures, None
