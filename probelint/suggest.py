"""Recommended probes from what was measured about a service (probe-semantics §6).

The generator works backwards from the timing model: the liveness timeout sits well above the
health endpoint's p99 so that slow answers are not failures, the failure threshold is the
smallest one that keeps false restarts within the restart budget, rides out the longest stall
and lets readiness take the pod out of the endpoints before liveness kills it; readiness reacts
faster and tolerates a few false unready events; the startup probe covers the longest start
with a 20 % margin. Every value carries the reason it has, so the output explains itself.

Nothing here reads files or flags: ``Inputs`` and ``Endpoint`` come in, a ``Suggestion`` comes
out, and the command line, the reporters and ``--apply`` only present or write it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from probelint import timing
from probelint.units import format_duration

MAX_LIVENESS_THRESHOLD = 10
STARTUP_MARGIN = 0.2
PRESTOP_SLEEP_ACTION = (1, 30)  # lifecycle.preStop.sleep, on by default from 1.30
GRPC_PROBES = (1, 24)  # beta and on by default from 1.24, GA in 1.27
PROTOCOLS = ("http", "grpc", "tcp", "exec")
EXEC_MIN_TIMEOUT = 3
DEFAULT_PROGRESS_DEADLINE = 600


class SuggestError(ValueError):
    """Input the recipe cannot work from; the message says what to give instead."""


@dataclass(frozen=True)
class Endpoint:
    """What the probes call."""

    protocol: str = "http"
    port: int | str | None = None
    liveness_path: str = "/livez"
    readiness_path: str = "/readyz"
    startup_path: str | None = None  # default: the liveness path
    grpc_service: str = ""
    command: tuple[str, ...] = ()
    scheme: str = "HTTP"


@dataclass(frozen=True)
class Inputs:
    """The service profile and the context, in seconds; None when not measured."""

    p99: float | None = None
    p50: float | None = None
    p999: float | None = None
    startup_p99: float | None = None
    startup_max: float | None = None
    stall_max: float | None = None
    drain: float | None = None
    propagation: float = 5.0
    restart_budget: float = 1.0
    unready_budget: float = 52.0
    grace: int = 30
    kube_version: tuple[int, int] = (1, 37)
    no_startup: bool = False


DEFAULT_STALL = 30.0  # B when the profile gives no stall_max (§6)


@dataclass
class Value:
    name: str
    value: object
    reason: str


@dataclass
class ProbeBlock:
    key: str  # livenessProbe, readinessProbe, startupProbe
    handler: dict
    values: list[Value] = field(default_factory=list)

    def get(self, name: str) -> int:
        return next(v.value for v in self.values if v.name == name)

    def as_dict(self) -> dict:
        return {**self.handler, **{v.name: v.value for v in self.values}}


@dataclass
class Suggestion:
    endpoint: Endpoint
    inputs: Inputs
    probes: list[ProbeBlock]
    extra: list[Value] = field(default_factory=list)  # container fields besides probes: lifecycle
    pod: list[Value] = field(default_factory=list)  # pod spec fields: terminationGracePeriodSeconds
    rollout: list[Value] = field(default_factory=list)  # Deployment spec fields: progressDeadlineSeconds
    figures: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def probe(self, key: str) -> ProbeBlock | None:
        return next((p for p in self.probes if p.key == key), None)

    def container_fields(self) -> dict:
        """The container fields to merge: probes, then lifecycle advice."""
        fields = {p.key: p.as_dict() for p in self.probes}
        for value in self.extra:
            fields[value.name] = value.value
        return fields


def _s(seconds: float) -> str:
    return format_duration(seconds)


def _check(inputs: Inputs, endpoint: Endpoint) -> list[str]:
    """Refuse input the recipe cannot use; return the assumptions it makes."""
    assumptions: list[str] = []
    if endpoint.protocol not in PROTOCOLS:
        raise SuggestError(f"unknown protocol {endpoint.protocol!r}: use one of {', '.join(PROTOCOLS)}")
    if inputs.p99 is None:
        raise SuggestError("the p99 latency of the health endpoint is required (--p99, or a profile with p99): "
                           "the timeouts are derived from it")
    if inputs.p99 <= 0:
        raise SuggestError(f"p99 {_s(inputs.p99)} must be above 0")
    if inputs.p50 is not None and not 0 < inputs.p50 < inputs.p99:
        raise SuggestError(f"p50 {_s(inputs.p50)} must be between 0 and p99 {_s(inputs.p99)}")
    if inputs.p999 is not None and inputs.p999 < inputs.p99:
        raise SuggestError(f"p99.9 {_s(inputs.p999)} is below p99 {_s(inputs.p99)}")
    if inputs.stall_max is not None and inputs.stall_max < inputs.p99:
        raise SuggestError(f"stall-max {_s(inputs.stall_max)} is below p99 {_s(inputs.p99)}: a service whose normal "
                           "latency is longer than the stall it must survive cannot be told apart from a stalled one")
    for name in ("startup_max", "startup_p99"):
        value = getattr(inputs, name)
        if value is not None and value < inputs.p99:
            raise SuggestError(f"{name.replace('_', '-')} {_s(value)} is below p99 {_s(inputs.p99)}: "
                               "a start cannot be shorter than one health check")
    if inputs.startup_max is not None and inputs.startup_p99 is not None and inputs.startup_max < inputs.startup_p99:
        raise SuggestError(f"startup-max {_s(inputs.startup_max)} is below startup-p99 {_s(inputs.startup_p99)}")
    if endpoint.protocol in ("http", "grpc", "tcp") and endpoint.port in (None, ""):
        raise SuggestError(f"a {endpoint.protocol} endpoint needs --port")
    if endpoint.protocol == "grpc":
        if not isinstance(endpoint.port, int):
            raise SuggestError(f"gRPC probes take a port number, not the name {endpoint.port!r} "
                               "(the kubelet does not resolve names for grpc)")
        if inputs.kube_version < GRPC_PROBES:
            raise SuggestError(f"gRPC probes need Kubernetes 1.24 or later (--kube-version is "
                               f"{inputs.kube_version[0]}.{inputs.kube_version[1]}); use --protocol exec with grpc_health_probe")
    if endpoint.protocol == "exec" and not endpoint.command:
        raise SuggestError("an exec endpoint needs --command")
    if isinstance(endpoint.port, int) and not 1 <= endpoint.port <= 65535:
        raise SuggestError(f"port {endpoint.port} is outside 1-65535")
    if inputs.p50 is None and inputs.p999 is None:
        assumptions.append("only p99 is known, so the latency tail is assumed heavy (log-normal σ = 1, p99/p50 ≈ 10); "
                           "give --p50 for a tighter fit")
    if inputs.stall_max is None:
        assumptions.append(f"no stall-max given: liveness rides out stalls of {_s(DEFAULT_STALL)} (GC pauses, CPU throttling)")
    return assumptions


def _handler(endpoint: Endpoint, path: str, service: str) -> dict:
    if endpoint.protocol == "http":
        handler = {"path": path, "port": endpoint.port}
        if endpoint.scheme.upper() != "HTTP":
            handler["scheme"] = endpoint.scheme.upper()
        return {"httpGet": handler}
    if endpoint.protocol == "grpc":
        return {"grpc": {"port": endpoint.port, **({"service": service} if service else {})}}
    if endpoint.protocol == "tcp":
        return {"tcpSocket": {"port": endpoint.port}}
    return {"exec": {"command": list(endpoint.command)}}


def suggest(inputs: Inputs, endpoint: Endpoint) -> Suggestion:
    assumptions = _check(inputs, endpoint)
    warnings: list[str] = []
    p99 = inputs.p99

    def tail(timeout: float) -> float:
        return timing.tail_probability(timeout, p99, inputs.p50, inputs.p999)

    stall = inputs.stall_max if inputs.stall_max is not None else DEFAULT_STALL
    delta = inputs.propagation

    # -- timeouts ---------------------------------------------------------------------------
    timeout = max(1, math.ceil(2 * p99))
    if 2 * p99 < 1:
        timeout_reason = f"at least 1s (2 × p99 {_s(p99)} is {_s(2 * p99)})"
    elif timeout != 2 * p99:
        timeout_reason = f"2 × p99 {_s(p99)}, rounded up"
    else:
        timeout_reason = f"2 × p99 {_s(p99)}"
    if inputs.p999 is not None and math.ceil(1.25 * inputs.p999) > timeout:
        timeout = math.ceil(1.25 * inputs.p999)
        timeout_reason = f"1.25 × p99.9 {_s(inputs.p999)}"
    if endpoint.protocol == "exec" and timeout < EXEC_MIN_TIMEOUT:
        timeout = EXEC_MIN_TIMEOUT
        timeout_reason = "at least 3s for exec: starting the process takes part of the timeout (PL206)"

    # -- readiness ----------------------------------------------------------------------------
    r_timeout = timeout
    r_period = max(5, r_timeout + 2)
    p_ready = tail(r_timeout)
    r_threshold = 2
    while (timing.expected_false_events_per_year(p_ready, r_period, r_threshold) > inputs.unready_budget
           and r_threshold < 20):
        r_threshold += 1
    r_false = timing.expected_false_events_per_year(p_ready, r_period, r_threshold)
    r_max = timing.readiness_removal_max(r_period, r_timeout, r_threshold)
    if r_max > 60:
        warnings.append(f"a hung pod keeps receiving traffic for up to {_s(r_max)} before readiness removes it "
                        "(PL207): the endpoint is slow for a readiness signal")
    readiness = ProbeBlock("readinessProbe", _handler(endpoint, endpoint.readiness_path, endpoint.grpc_service), [
        Value("periodSeconds", r_period, "timeout + 2, at least 5s" if r_period == r_timeout + 2 else "at least 5s"),
        Value("timeoutSeconds", r_timeout, timeout_reason),
        Value("failureThreshold", r_threshold,
              f"about {timing.format_rate(r_false)} false unready events per pod-year "
              f"(budget {inputs.unready_budget:g})"),
    ])

    # -- liveness -----------------------------------------------------------------------------
    period = max(10, timeout + 2)
    period_reason = "at least 10s; timeout + 2" if period == timeout + 2 else "at least 10s"
    if stall > timeout and math.ceil((stall - timeout) / period) + 1 > MAX_LIVENESS_THRESHOLD:
        # Ten failures must span the stall: a longer period, not an ever larger threshold.
        period = math.ceil((stall - timeout) / (MAX_LIVENESS_THRESHOLD - 1))
        period_reason = f"{MAX_LIVENESS_THRESHOLD - 1} periods + timeout span stall-max {_s(stall)}"
    p_live = tail(timeout)
    f_rate = 1
    if p_live > 0:
        f_rate = timing.failure_threshold_for_budget(p_live, period, inputs.restart_budget) or 1
    f_stall = math.ceil((stall - timeout) / period) + 1 if stall > timeout else 1
    f_order = 1
    interval = max(period, timeout)
    while f_order < 100 and ((f_order - 1) * interval + timeout < r_max + delta
                             or (f_order - 1) * period < r_threshold * r_period + delta):
        f_order += 1
    wanted = max(3, f_rate, f_stall, f_order)
    threshold = min(wanted, MAX_LIVENESS_THRESHOLD)
    if wanted > MAX_LIVENESS_THRESHOLD:
        warnings.append(f"liveness would need failureThreshold {wanted} (capped at {MAX_LIVENESS_THRESHOLD}): this "
                        "endpoint is a poor liveness signal at this latency; look for a cheaper, process-local check")
    candidates = [(3, "at least 3"),
                  (f_rate, f"false restarts within {inputs.restart_budget:g} per pod-year"),
                  (f_stall, f"rides out a stall of {_s(stall)}"),
                  (f_order, f"readiness removes the pod ({_s(r_max)} + propagation {_s(delta)}) before liveness kills it")]
    reason = "; ".join(text for value, text in candidates if value == wanted and (value > 3 or text == "at least 3"))
    live_false = timing.expected_false_events_per_year(p_live, period, threshold)
    liveness = ProbeBlock("livenessProbe", _handler(endpoint, endpoint.liveness_path, endpoint.grpc_service), [
        Value("periodSeconds", period, period_reason),
        Value("timeoutSeconds", timeout, timeout_reason),
        Value("failureThreshold", threshold, reason if wanted <= MAX_LIVENESS_THRESHOLD else
              f"capped at {MAX_LIVENESS_THRESHOLD}"),
    ])

    # -- startup ------------------------------------------------------------------------------
    probes = [liveness, readiness]
    guaranteed_live = timing.startup_budget_guaranteed(0, period, threshold)
    startup_basis = inputs.startup_max
    if startup_basis is None and inputs.startup_p99 is not None and inputs.startup_p99 > guaranteed_live:
        startup_basis = inputs.startup_p99
        assumptions.append(f"no startup-max given: the startup probe covers startup-p99 {_s(inputs.startup_p99)}; "
                           "starts slower than that are restarted")
    startup = None
    if startup_basis is not None:
        s_period = 5 if timeout <= 3 else timeout + 2
        s_threshold = timing.startup_failure_threshold(startup_basis, s_period, 0, STARTUP_MARGIN)
        budget = timing.startup_budget_guaranteed(0, s_period, s_threshold)
        if inputs.no_startup and budget <= guaranteed_live:
            pass
        else:
            if inputs.no_startup:
                warnings.append(f"--no-startup ignored: starts of up to {_s(startup_basis)} need a startup budget of "
                                f"{_s((1 + STARTUP_MARGIN) * startup_basis)}, and liveness alone tolerates {_s(guaranteed_live)}")
            path = endpoint.startup_path or endpoint.liveness_path
            startup = ProbeBlock("startupProbe", _handler(endpoint, path, endpoint.grpc_service), [
                Value("periodSeconds", s_period, "5s for fast checks" if s_period == 5 else "timeout + 2"),
                Value("timeoutSeconds", timeout, "same as liveness"),
                Value("failureThreshold", s_threshold,
                      f"(F − 1) × {s_period}s = {_s(budget)} covers 1.2 × startup {_s(startup_basis)}"),
            ])
            probes.insert(0, startup)
    elif not inputs.no_startup:
        assumptions.append("no startup-max or startup-p99 given: no startup probe; liveness alone tolerates "
                           f"starts of {_s(guaranteed_live)}")

    # -- termination --------------------------------------------------------------------------
    extra: list[Value] = []
    pod: list[Value] = []
    if inputs.drain is not None:
        sleep = max(5, math.ceil(delta))
        if inputs.kube_version >= PRESTOP_SLEEP_ACTION:
            hook = {"preStop": {"sleep": {"seconds": sleep}}}
        else:
            hook = {"preStop": {"exec": {"command": ["sleep", str(sleep)]}}}
            assumptions.append("Kubernetes before 1.30 has no sleep action: the preStop hook runs `sleep` from the image")
        grace = max(30, sleep + math.ceil(inputs.drain) + 5)
        extra.append(Value("lifecycle", hook, f"keep serving {sleep}s while endpoints drop the pod (propagation)"))
        pod.append(Value("terminationGracePeriodSeconds", grace,
                         f"preStop {sleep}s + drain {_s(inputs.drain)} + 5s, at least 30"))
        if grace > 60:
            probe_grace = max(10, math.ceil(inputs.drain) + 5)
            for block in (liveness, startup):
                if block is not None:
                    block.values.append(Value("terminationGracePeriodSeconds", probe_grace,
                                              "a liveness kill need not wait the whole pod grace (PL502)"))

    rollout: list[Value] = []
    if startup is not None:
        s_period, s_threshold = startup.get("periodSeconds"), startup.get("failureThreshold")
        longest = s_threshold * s_period + timeout
        if longest > DEFAULT_PROGRESS_DEADLINE - 60:
            rollout.append(Value("progressDeadlineSeconds", math.ceil(longest + 120),
                                 f"a Deployment's rollout must not time out while a pod may still be starting "
                                 f"({_s(longest)}) (PL504)"))

    figures = {
        "liveness detection (hang)": "{}–{}".format(*map(_s, timing.hang_detection(period, timeout, threshold))),
        "liveness stall tolerance": _s(timing.stall_tolerance(period, timeout, threshold)),
        "false restarts per pod-year": timing.format_rate(live_false),
        "readiness removal (hang)": f"≤ {_s(r_max)} + propagation {_s(delta)}",
        "false unready events per pod-year": timing.format_rate(r_false),
    }
    if startup is not None:
        figures["guaranteed startup budget"] = _s(timing.startup_budget_guaranteed(0, startup.get("periodSeconds"),
                                                                                    startup.get("failureThreshold")))
    else:
        figures["guaranteed startup budget"] = f"{_s(guaranteed_live)} (liveness alone)"
    return Suggestion(endpoint, inputs, probes, extra, pod, rollout, figures, assumptions, warnings)
