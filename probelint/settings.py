"""The resolved settings of one run: which rules, at which level, with which options.

Configuration files and command-line flags both end up here; rules and the linter read only
this object. Rule selection follows ruff: ``select`` replaces the default set,
``extend-select`` adds to it, ``ignore`` removes; each entry is a code (``PL201``), a code
prefix (``PL2``), a rule name (``liveness-timeout-vs-latency``) or ``ALL``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from probelint.profile import ProfileFile, ProfileValue

NEWEST_KUBE_VERSION = (1, 37)


class SelectionError(ValueError):
    pass


@dataclass
class Settings:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    levels: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict] = field(default_factory=dict)
    fail_on: str = "warning"
    kube_version: tuple[int, int] = NEWEST_KUBE_VERSION
    kube_version_explicit: bool = False
    namespace: str = "default"
    exclude: tuple[str, ...] = ()
    pod_template_paths: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    profile_defaults: dict[str, ProfileValue] = field(default_factory=dict)
    profile_file: ProfileFile | None = None
    # Larger files are skipped as an input error (--max-file-size, 0: no limit); stdin is not
    # limited. 50 MiB is far above any real manifest stream and bounds one file's parse tree
    # (a 100 MB stream of Deployments peaks at about 850 MiB).
    max_file_size: int = 50 * 1024 * 1024


def expand(ref: str, rules) -> list:
    """The rules a selector names; raises SelectionError for one that names nothing."""
    token = ref.strip()
    if token.upper() == "ALL":
        return list(rules)
    upper = token.upper()
    by_code = [rule for rule in rules if rule.code == upper]
    if by_code:
        return by_code
    by_name = [rule for rule in rules if rule.name == token.lower()]
    if by_name:
        return by_name
    if upper.startswith("PL") and upper[2:].isdigit():
        by_prefix = [rule for rule in rules if rule.code.startswith(upper)]
        if by_prefix:
            return by_prefix
    raise SelectionError(f'unknown rule code or name "{token}"')


def selected_codes(settings: Settings, rules) -> set[str]:
    if settings.select is None:
        chosen = {rule.code for rule in rules if rule.enabled_by_default}
    else:
        chosen = set()
        for ref in settings.select:
            chosen.update(rule.code for rule in expand(ref, rules))
    for ref in settings.extend_select:
        chosen.update(rule.code for rule in expand(ref, rules))
    for ref in settings.ignore:
        chosen.difference_update(rule.code for rule in expand(ref, rules))
    return chosen


def parse_kube_version(text: object) -> tuple[int, int]:
    value = str(text).strip().lstrip("vV")
    parts = value.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValueError(f'invalid Kubernetes version "{text}" (expected MAJOR.MINOR, e.g. 1.30)')
    return int(parts[0]), int(parts[1])
