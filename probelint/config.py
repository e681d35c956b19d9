"""Configuration: discovery, validation against the published schema, merge with flags.

A project keeps its settings in ``.probelint.yaml`` (or ``.probelint.yml``), or in
``[tool.probelint]`` of ``pyproject.toml``; the nearest one walking up from the current
directory wins. Command-line flags override it. An invalid configuration is an error that
names the file, the key and the reason, with a line and column for YAML files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from probelint import rules as registry
from probelint.profile import (
    BY_KEY,
    ProfileError,
    ProfileValue,
    convert,
    load_profile_file,
)
from probelint.settings import SelectionError, Settings, expand, parse_kube_version
from probelint.units import DurationError, parse_duration

CONFIG_NAMES = (".probelint.yaml", ".probelint.yml")


class ConfigError(Exception):
    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"{path}:{line}:{column}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path


@dataclass
class LoadedConfig:
    path: Path
    data: dict
    node: Node | None  # the composed YAML, for positions in messages


def find_config(start: Path) -> Path | None:
    """The nearest configuration file from ``start`` upwards, or None."""
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
    return None


def _has_tool_section(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    if "probelint" not in text:
        return False
    import tomllib  # only for a pyproject.toml that mentions probelint

    try:
        return "probelint" in tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return False


def load(path: Path) -> LoadedConfig:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(shown, f"cannot read configuration: {err}") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text).get("tool", {}).get("probelint", {})
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(shown, f"invalid TOML: {err}") from None
        node = None
    else:
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
            data = yaml.load(text, Loader=yaml.CSafeLoader) if node is not None else {}
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            raise ConfigError(shown, f"invalid YAML: {err.problem}", mark.line + 1 if mark else None,
                              mark.column + 1 if mark else None) from None
        except yaml.YAMLError as err:
            raise ConfigError(shown, f"invalid YAML: {err}") from None
    if data is None:
        data = {}
    loaded = LoadedConfig(path, data, node)
    validate(loaded)
    return loaded


def schema() -> dict:
    from importlib import resources

    return json.loads(resources.files("probelint.schemas").joinpath("config.schema.json").read_text(encoding="utf-8"))


def validate(config: LoadedConfig) -> None:
    """Schema validation, then what a schema cannot say: rule references and rule options."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(config.data), key=lambda e: list(e.absolute_path))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            if extra:
                raise _error_at(config, [*path, extra[0]], f"{_key([*path, extra[0]])}: unknown key", at_key=True)
        raise _error_at(config, path, f"{_key(path)}: {_reason(error, path)}")
    for key in ("select", "extend-select", "ignore"):
        for index, ref in enumerate(config.data.get(key, [])):
            try:
                expand(ref, registry.RULES)
            except SelectionError as err:
                raise _error_at(config, [key, index], f"{key}[{index}]: {err}") from None
    for ref, settings in config.data.get("rules", {}).items():
        try:
            module = registry.get(ref)
        except KeyError:
            raise _error_at(config, ["rules", ref], f'rules.{ref}: unknown rule code or name "{ref}"', at_key=True) from None
        known = module.RULE.options
        for option, value in settings.items():
            if option in ("level", "enabled"):
                continue
            if option not in known:
                names = ", ".join(sorted(known)) or "none"
                raise _error_at(config, ["rules", ref, option],
                                f"rules.{ref}.{option}: unknown option for {module.RULE.code} (options: {names})", at_key=True)
            default = known[option]
            # An option whose default is a duration ("60s") takes seconds or a duration; a numeric
            # one takes a number.
            if isinstance(default, str) and not _non_negative(value):
                raise _error_at(config, ["rules", ref, option],
                                f"rules.{ref}.{option}: must be a number of seconds or a duration such as 30s, got {value!r}")
            if isinstance(default, (int, float)) and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise _error_at(config, ["rules", ref, option],
                                f"rules.{ref}.{option}: must be a non-negative number, got {value!r}")
    if "kube-version" in config.data:
        try:
            parse_kube_version(config.data["kube-version"])
        except ValueError as err:
            raise _error_at(config, ["kube-version"], f"kube-version: {err}") from None


def _non_negative(value: object) -> bool:
    """A number of seconds (or a count) at least 0, or a duration string such as ``45s``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value >= 0
    try:
        parse_duration(value)
    except DurationError:
        return False
    return True


def _shown(config: LoadedConfig) -> str:
    return f"{config.path} [tool.probelint]" if config.path.name == "pyproject.toml" else str(config.path)


def _key(path) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "(top level)"


def _reason(error, path: list) -> str:
    if path and path[0] == "defaults" and len(path) == 2 and BY_KEY.get(str(path[1])) is not None:
        kind = BY_KEY[str(path[1])].kind
        if kind == "duration":
            return f"invalid duration {error.instance!r} (use e.g. 250ms, 4s, 1m30s)"
        return f"invalid {'number' if kind == 'number' else 'boolean'} {error.instance!r}"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    return error.message


def _error_at(config: LoadedConfig, path: list, message: str, at_key: bool = False) -> ConfigError:
    """An error positioned at the value of ``path`` (or at its key, for unknown keys)."""
    node = _node_at(config.node, path, at_key)
    shown = _shown(config)
    if node is None:
        return ConfigError(shown, message)
    return ConfigError(shown, message, node.start_mark.line + 1, node.start_mark.column + 1)


def _node_at(node: Node | None, path: list, at_key: bool) -> Node | None:
    current = node
    for index, part in enumerate(path):
        if isinstance(current, MappingNode):
            found = None
            for key, value in current.value:
                if key.value == str(part):
                    found = (key, value)
            if found is None:
                return current
            last = index == len(path) - 1
            current = found[0] if last and at_key else found[1]
        elif isinstance(current, SequenceNode) and isinstance(part, int) and part < len(current.value):
            current = current.value[part]
        else:
            return current
    return current


def apply(config: LoadedConfig | None, settings: Settings) -> Settings:
    """Fill ``settings`` from a validated configuration (flags are applied afterwards)."""
    if config is None:
        return settings
    data = config.data
    if "select" in data:
        settings.select = tuple(data["select"])
    settings.extend_select = tuple(data.get("extend-select", ()))
    settings.ignore = tuple(data.get("ignore", ()))
    if "fail-on" in data:
        settings.fail_on = data["fail-on"]
    if "kube-version" in data:
        settings.kube_version = parse_kube_version(data["kube-version"])
        settings.kube_version_explicit = True
    if "namespace" in data:
        settings.namespace = data["namespace"]
    settings.exclude = tuple(data.get("exclude", ()))
    if "max-file-size" in data:
        settings.max_file_size = data["max-file-size"]
    for kind, paths in data.get("pod-template-paths", {}).items():
        values = [paths] if isinstance(paths, str) else paths
        settings.pod_template_paths[kind] = tuple(tuple(p.split(".")) for p in values)
    for key, raw in data.get("defaults", {}).items():
        field_ = BY_KEY[key]
        try:
            value = convert(field_, raw)
        except (DurationError, ValueError) as err:
            raise _error_at(config, ["defaults", key], f"defaults.{key}: {err}") from None
        settings.profile_defaults[field_.name] = ProfileValue(value, f"defaults.{key} in {config.path.name}")
    if "profile" in data:
        try:
            settings.profile_file = load_profile_file(config.path.parent / data["profile"])
        except ProfileError as err:
            raise ConfigError(str(config.path), f"profile: {err}") from None
    extra_select = list(settings.extend_select)
    extra_ignore = list(settings.ignore)
    for ref, rule_settings in data.get("rules", {}).items():
        code = registry.get(ref).RULE.code
        if "level" in rule_settings:
            settings.levels[code] = rule_settings["level"]
        if rule_settings.get("enabled") is True:
            extra_select.append(code)
        elif rule_settings.get("enabled") is False:
            extra_ignore.append(code)
        options = {k: v for k, v in rule_settings.items() if k not in ("level", "enabled")}
        if options:
            settings.options[code] = options
    settings.extend_select = tuple(extra_select)
    settings.ignore = tuple(extra_ignore)
    return settings
