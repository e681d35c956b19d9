"""Write measured figures into one service's entry of a profile file, and touch nothing else.

The file is edited, not regenerated: keys are replaced or inserted as text edits in the file's
own style (``probelint.edits.FixBuilder``, the machinery of ``--fix``), so comments, the other
services, key order, quoting, indentation, line endings and a byte order mark stay exactly as
they were. Before anything is written the edited text is parsed again; its data must equal the
old data with only this entry changed, and it must validate against
``schemas/profile.schema.json``. Otherwise nothing is written and the reason is raised. The file
is replaced atomically (``probelint.fix.write_atomic``); a new file is created the same way,
under its final name only once complete.
"""
from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

BOM = b"\xef\xbb\xbf"


class ProfileWriteError(Exception):
    """The profile cannot be written; the file is untouched."""


def _validate(data: object, shown: str) -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("probelint.schemas").joinpath("profile.schema.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        where = ".".join(map(str, error.absolute_path)) or "(top level)"
        raise ProfileWriteError(f"{shown}: not written, the result would not be a valid profile: {where}: {error.message}")




def _yaml_error(err) -> str:
    """One line: ``line 3, column 5: mapping values are not allowed here``."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _place(key: str, present: list[str]) -> tuple[str | None, str | None]:
    """Where a new key goes, as (after, before): after its nearest predecessor in the
    profile's field order (``p99.9`` after ``p99``), else before its nearest successor, else last."""
    from probelint.profile import FIELDS

    order = ["match", *(f.key for f in FIELDS)]
    if key in order:
        known = [k for k in present if k in order]
        earlier = [k for k in known if order.index(k) < order.index(key)]
        if earlier:
            return max(earlier, key=order.index), None
        later = [k for k in known if order.index(k) > order.index(key)]
        if later:
            return None, min(later, key=order.index)
    return (present[-1] if present else None), None


def updated_text(text: str, service: str, figures: dict[str, object], match: dict[str, str] | None = None,
                 shown: str = "profile") -> str:
    """``text`` with ``services.<service>`` holding ``figures`` (file keys such as ``p99``, values
    as written, e.g. ``"40ms"``) and, when given, ``match``. Other keys of the entry stay."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode

    from probelint.edits import FixBuilder, own_pair
    from probelint.fix import apply_edits

    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        if len(documents) > 1:
            raise ProfileWriteError(f"{shown}: not written, a profile file holds one YAML document")
        old_data = yaml.safe_load(text) if documents else None
    except yaml.YAMLError as err:
        raise ProfileWriteError(f"{shown}: not written, the file is not valid YAML: {_yaml_error(err)}") from None
    root = documents[0] if documents else None
    body: dict[str, object] = {}
    if match:
        body["match"] = dict(match)
    body.update(figures)
    newline = "\r\n" if "\r\n" in text else "\n"

    if root is None or (isinstance(root, ScalarNode) and root.tag.endswith(":null") and not root.value):
        if root is not None and text.strip() and not text.lstrip().startswith("#"):
            raise ProfileWriteError(f"{shown}: not written, the file is not a mapping")
        rendered = yaml.safe_dump({"services": {service: body}}, sort_keys=False, default_flow_style=False,
                                  allow_unicode=True)
        rendered = rendered.replace("\n", newline)
        separator = newline if text and not text.endswith("\n") else ""
        new_text = text + separator + rendered
        expected = {"services": {service: body}}
    elif isinstance(root, MappingNode):
        builder = FixBuilder(text, f"update profile entry {service}", scope=root, root=root)
        services = own_pair(root, "services")
        services_node = services[1] if services else None
        if services_node is None or (isinstance(services_node, ScalarNode) and services_node.tag.endswith(":null")):
            builder.set(root, "services", {service: body})
        elif not isinstance(services_node, MappingNode):
            raise ProfileWriteError(f"{shown}: not written, services is not a mapping")
        else:
            entry = own_pair(services_node, service)
            entry_node = entry[1] if entry else None
            if entry_node is None or (isinstance(entry_node, ScalarNode) and entry_node.tag.endswith(":null")):
                builder.set(services_node, service, body)
            elif not isinstance(entry_node, MappingNode):
                raise ProfileWriteError(f"{shown}: not written, services.{service} is not a mapping")
            elif entry_node.flow_style:
                # ``name: {p99: 1s}``: written again as one flow mapping, keys in their order.
                current = ((old_data or {}).get("services") or {}).get(service) or {}
                merged = {**current, **body}
                if merged != current:
                    builder.set(services_node, service, merged, flow=True)
            else:
                current = ((old_data or {}).get("services") or {}).get(service) or {}
                present = list(current)
                for key, value in body.items():
                    if current.get(key) == value:
                        continue
                    if key in current:
                        builder.set(entry_node, key, value)
                    else:
                        after, before = _place(key, present)
                        builder.set(entry_node, key, value, after=after, before=before)
                        present.append(key)
        if not builder.changes:
            return text
        fix = builder.build()
        if fix is None:
            raise ProfileWriteError(f"{shown}: not written, the entry cannot be edited in place"
                                    + (f": {builder.failed}" if builder.failed else ""))
        new_text = apply_edits(text, fix.edits)
        expected = copy.deepcopy(old_data)
        services_data = expected.get("services")
        if not isinstance(services_data, dict):
            services_data = expected["services"] = {}
        entry_data = services_data.get(service)
        if not isinstance(entry_data, dict):
            entry_data = services_data[service] = {}
        entry_data.update(copy.deepcopy(body))
    else:
        raise ProfileWriteError(f"{shown}: not written, the file is not a mapping")

    try:
        new_data = yaml.safe_load(new_text)
    except yaml.YAMLError as err:
        raise ProfileWriteError(f"{shown}: not written, the edit would break the YAML: {_yaml_error(err)}") from None
    if new_data != expected:
        raise ProfileWriteError(f"{shown}: not written, the edited file would not read back as intended")
    _validate(new_data, shown)
    return new_text


def update_file(path: str, entries: list[tuple[str, dict[str, object], dict[str, str] | None]]) -> str:
    """Apply ``(service, figures, match)`` entries to the profile at ``path`` (created when
    missing) and write it atomically; returns ``"created"``, ``"updated"`` or ``"unchanged"``."""
    target = Path(path)
    if target.is_dir():
        raise ProfileWriteError(f"{path}: is a directory")
    try:
        original = target.read_bytes()
        exists = True
    except FileNotFoundError:
        original, exists = b"", False
    except OSError as err:
        raise ProfileWriteError(f"{path}: cannot read: {err.strerror}") from None
    bom = original.startswith(BOM)
    try:
        text = original[len(BOM) if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProfileWriteError(f"{path}: not written, the file is not UTF-8") from None
    new_text = text
    for service, figures, match in entries:
        new_text = updated_text(new_text, service, figures, match, path)
    if exists and new_text == text:
        return "unchanged"
    data = (BOM if bom else b"") + new_text.encode("utf-8")
    if exists:
        from probelint.fix import WriteError, write_atomic

        try:
            write_atomic(path, data, original)
        except WriteError as err:
            raise ProfileWriteError(f"{path}: {err}") from None
        return "updated"
    _create(target, data)
    return "created"


def _create(target: Path, data: bytes) -> None:
    """A new file, complete before it appears under its name; never replaces one created meanwhile."""
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probelint", dir=directory)
    except OSError as err:
        raise ProfileWriteError(f"{target}: cannot create: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.link(tmp, target)
    except FileExistsError:
        raise ProfileWriteError(f"{target}: created by something else meanwhile, not written") from None
    except OSError as err:
        raise ProfileWriteError(f"{target}: cannot create: {err.strerror}") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
