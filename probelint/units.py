"""Durations as people write them ("250ms", "4s", "1m30s", "1.5s") and back.

Kubernetes probe fields are whole seconds, but measured latencies are not, so durations are
kept as float seconds and only rounded where a field is written.
"""
from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class DurationError(ValueError):
    pass


def parse_duration(text: object) -> float:
    """Parse ``4s``, ``250ms``, ``1m30s`` or a bare number of seconds into float seconds."""
    if isinstance(text, bool):
        raise DurationError(f"invalid duration {text!r}")
    if isinstance(text, (int, float)):
        if text < 0 or math.isnan(text) or math.isinf(text):
            raise DurationError(f"invalid duration {text!r}")
        return float(text)
    if not isinstance(text, str):
        raise DurationError(f"invalid duration {text!r}")
    value = text.strip()
    if not value:
        raise DurationError("empty duration")
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        if number < 0 or math.isnan(number) or math.isinf(number):
            raise DurationError(f"invalid duration {text!r}")
        return number
    pos = 0
    total = 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if pos != len(value) or pos == 0:
        raise DurationError(f"invalid duration {text!r} (use e.g. 250ms, 4s, 1m30s)")
    return total


def format_duration(seconds: float) -> str:
    """Shortest readable form: ``4s``, ``1.5s``, ``250ms``, ``1m30s``."""
    if seconds < 1 and seconds != 0:
        ms = seconds * 1000
        return f"{ms:.0f}ms" if abs(ms - round(ms)) < 1e-9 else f"{ms:g}ms"
    if seconds >= 60 and abs(seconds - round(seconds)) < 1e-9:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    return f"{seconds:g}s"
