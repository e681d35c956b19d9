"""Reporters: each turns a lint result into the text of one output format."""
from __future__ import annotations

FORMATS = ("text", "json")
