"""Fixes that edit an exec probe's command where it is written.

The exec rules change a word or two of a command: add ``-m 4`` after ``curl``, put
``timeout 4`` in front of ``redis-cli``, lower ``-rpc-timeout=5s`` to ``4s``. ``execparse``
tells where each word of a command is written (offsets in the ``exec.command`` item that
holds it), so an edit replaces only those characters and the rest of a script (its quoting,
line breaks, comments and other commands) stays exactly as it was. The edited items are
written back with ``FixBuilder.set_item``, which keeps each item's YAML style (plain, quoted
or a ``|`` block).

A fix computed this way is then checked by reading the edited command again, so that a
fix is only offered when it really changes what the rule reported.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from yaml.nodes import ScalarNode, SequenceNode

from probelint.edits import FixBuilder
from probelint.execparse import Place, SimpleCommand, parse_duration, parse_exec
from probelint.exectimeouts import CONNECT_TIMEOUT, Limit, fmt
from probelint.probes import Probe
from probelint.yamlnode import TAG_STR


@dataclass(frozen=True)
class TextEdit:
    """Replace ``start:end`` of item ``item`` of the exec list with ``text``."""

    item: int
    start: int
    end: int
    text: str


def insert_before(place: Place, text: str) -> TextEdit:
    return TextEdit(place[0], place[1], place[1], text)


def insert_after(place: Place, text: str) -> TextEdit:
    return TextEdit(place[0], place[2], place[2], text)


def written(command: Sequence[str], place: Place) -> str:
    item, start, end = place
    return command[item][start:end]


def value_edit(command: Sequence[str], place: Place, value: str, new: str) -> TextEdit | None:
    """Rewrite ``value`` where it ends the word written at ``place`` (before its closing
    quote, if the word ends in one): ``-m10``, ``--max-time=10``, ``"10"``."""
    item, start, end = place
    text = command[item][start:end]
    body = text[:-1] if text[-1:] in ("'", '"') else text
    if not value or not body.endswith(value):
        return None
    stop = start + len(body)
    return TextEdit(item, stop - len(value), stop, new)


def limit_edit(command: Sequence[str], cmd: SimpleCommand, limit: Limit, seconds: float) -> TextEdit | None:
    """Set a limit of ``cmd`` to ``seconds`` where it is written, in its own unit
    (``-rpc-timeout=5s`` becomes ``-rpc-timeout=4s``); None when its place is not known."""
    unit = limit.template.split("{}", 1)[1] if "{}" in limit.template else ""
    text = fmt(seconds) + unit
    places = cmd.places
    lead = len(cmd.written) - len(cmd.argv)
    if limit.kind == "timeout":
        place = cmd.timeout_place
        if place is None:
            return None
        word = written(command, place)
        quoted = len(word) >= 2 and word[0] == word[-1] and word[0] in "'\""
        duration = word[1:-1] if quoted else word
        if parse_duration(duration) != limit.seconds:
            return None
        start = place[1] + (1 if quoted else 0)
        return TextEdit(place[0], start, start + len(duration), fmt(seconds))
    if not places or lead < 0:
        return None
    if limit.kind == "env":
        at = next((i for i in range(lead - 1, -1, -1) if cmd.written[i].startswith("PGCONNECT_TIMEOUT=")), None)
        return value_edit(command, places[at], limit.value, text) if at is not None else None
    if limit.arg is None:
        return None
    at = lead + 1 + limit.arg + (1 if limit.kind == "option" and limit.sep == " " else 0)
    if at >= len(places):
        return None
    if limit.kind == "option":
        return value_edit(command, places[at], limit.value, text)
    if limit.kind == "conninfo":
        word = written(command, places[at])
        matches = list(CONNECT_TIMEOUT.finditer(word))
        if len(matches) != len(list(CONNECT_TIMEOUT.finditer(cmd.written[at]))) or not matches:
            return None
        last = matches[-1]
        if last.group(1) != limit.value:
            return None
        return TextEdit(places[at][0], places[at][1] + last.start(1), places[at][1] + last.end(1), text)
    return None


def edited_items(command: Sequence[str], edits: Iterable[TextEdit]) -> dict[int, str] | None:
    """The new text of every item the edits touch; None when edits overlap or do not fit."""
    by_item: dict[int, list[TextEdit]] = {}
    for edit in edits:
        by_item.setdefault(edit.item, []).append(edit)
    items: dict[int, str] = {}
    for item, group in by_item.items():
        if not 0 <= item < len(command):
            return None
        text = command[item]
        group.sort(key=lambda edit: (edit.start, edit.end))
        parts: list[str] = []
        pos = 0
        for edit in group:
            if edit.start < pos or edit.end > len(text) or edit.start > edit.end:
                return None
            parts.append(text[pos:edit.start])
            parts.append(edit.text)
            pos = edit.end
        parts.append(text[pos:])
        items[item] = "".join(parts)
    return items


def with_items(command: Sequence[str], items: dict[int, str]) -> list[str]:
    return [items.get(index, word) for index, word in enumerate(command)]


def reparsed(command: Sequence[str], items: dict[int, str], commands: Sequence[SimpleCommand],
             cmd: SimpleCommand) -> SimpleCommand | None:
    """``cmd`` as it reads after the edit: the command at the same position of the edited
    list, when the edit left the script with the same commands."""
    position = next((i for i, other in enumerate(commands)
                     if other.places == cmd.places and other.argv == cmd.argv), None)
    again = parse_exec(with_items(command, items))
    if position is None or again is None or len(again) != len(commands):
        return None
    new = again[position]
    return new if new.program == cmd.program and new.index == cmd.index else None


def set_items(builder: FixBuilder, probe: Probe, items: dict[int, str]) -> bool:
    """Write the edited items into the fix; False when an item is not a string scalar."""
    sequence = probe.command_node()
    if not isinstance(sequence, SequenceNode):
        return False
    for index, value in sorted(items.items()):
        node = sequence.value[index] if index < len(sequence.value) else None
        if not isinstance(node, ScalarNode) or node.tag != TAG_STR:
            return False
        builder.set_item(sequence, index, value)
    return True

