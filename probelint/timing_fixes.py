"""Shared pieces of the timing rules' fixes (PL205–PL212).

Several timing rules change the same few numbers of one probe, and each computes its value
from the others: the stall tolerance from the period and the timeout, the startup budget from
the period and the threshold. The fixer applies every fix whose text does not overlap in one
round, so two fixes computed from the same original can meet in one result that neither rule
would propose: PL212 raising a liveness period from 1 to 10 while PL210 raises the failure
threshold to 20 *for the period of 1* gives a hang detection of three minutes. A rule whose
proposal depends on a period or timeout that another selected rule is about to change
therefore holds its fix back until that change is made (``pending_timing``), and recomputes it
from the new values in the next round.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from probelint.yamlnode import node_position

if TYPE_CHECKING:
    from yaml.nodes import Node

    from probelint.probes import Probe
    from probelint.rule import Rule, RuleContext


def fix_title(values: dict[str, int]) -> str:
    """``Set periodSeconds to 5 and failureThreshold to 24``."""
    parts = [f"{name} to {value}" for name, value in values.items()]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Set {text}"


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for integers, without floating point."""
    return -(-a // b)


def startup_threshold(period: int, threshold: int, new_period: int) -> int:
    """The ``failureThreshold`` that keeps a startup probe's budgets when its period changes.

    Both budgets stay at least what they were: the documented one
    ``initialDelaySeconds + failureThreshold × periodSeconds`` and the one guaranteed whatever
    the probe phase, one period shorter (probe-semantics §5c). A shorter period keeps the first
    exactly (rounded up) and raises the second; a longer one keeps the second and raises the first.
    """
    if period <= 0 or threshold <= 0 or new_period <= 0:
        return threshold  # invalid values (PL003): nothing to keep
    return max(ceil_div(threshold * period, new_period), ceil_div((threshold - 1) * period, new_period) + 1)


@lru_cache(maxsize=64)
def _selected(select: tuple[str, ...] | None, extend: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    from probelint import rules as registry
    from probelint.settings import Settings, selected_codes

    settings = Settings(select=select, extend_select=extend, ignore=ignore)
    return frozenset(selected_codes(settings, registry.RULES))


def selected(ctx: RuleContext, code: str) -> bool:
    """Whether ``code`` runs in this run (and so may fix the same probe)."""
    settings = ctx.settings
    select = tuple(settings.select) if settings.select is not None else None
    return code in _selected(select, tuple(settings.extend_select), tuple(settings.ignore))


def pending_timing(ctx: RuleContext, probe: Probe) -> tuple[int, int, list[str]]:
    """``(periodSeconds, timeoutSeconds)`` of ``probe`` once the rules of this run that raise
    them have fixed it (PL206 the timeout of an exec probe, PL212 a short period), and the codes
    of those rules. Both only ever raise the values, so the larger proposal is taken. A rule
    whose finding on this probe is suppressed will not fix it, and is left out."""
    from probelint.rules import exec_probe_default_timeout as pl206
    from probelint.rules import probe_period_too_aggressive as pl212

    period, timeout, codes = probe.period, probe.timeout, []
    values = pl206.proposal(ctx, probe) if selected(ctx, pl206.RULE.code) else None
    if values and not _suppressed(ctx, pl206.RULE, probe.anchor("timeoutSeconds")):
        timeout = max(timeout, values.get("timeoutSeconds", timeout))
        period = max(period, values.get("periodSeconds", period))
        codes.append(pl206.RULE.code)
    values = pl212.proposal(probe) if selected(ctx, pl212.RULE.code) else None
    if values and not _suppressed(ctx, pl212.RULE, probe.anchor("periodSeconds")):
        period = max(period, values.get("periodSeconds", period))
        codes.append(pl212.RULE.code)
    return period, timeout, codes


def _suppressed(ctx: RuleContext, rule: Rule, at: Node) -> bool:
    """Whether a finding of ``rule`` at ``at`` is suppressed by a comment or the workload's
    ``probelint.io/ignore`` annotation (the linter drops such findings after the rules ran)."""
    return ctx.suppressed(rule, node_position(at)[0])


def waiting_note(codes: list[str], probe: Probe, period: int, timeout: int) -> str:
    """Message text for a fix held back by ``pending_timing``."""
    changes = []
    if period != probe.period:
        changes.append(f"periodSeconds {period}")
    if timeout != probe.timeout:
        changes.append(f"timeoutSeconds {timeout}")
    return (f"; {' and '.join(codes)} first change{'s' if len(codes) == 1 else ''} this probe to "
            f"{' and '.join(changes)}, which changes the proposal: fix that first")
