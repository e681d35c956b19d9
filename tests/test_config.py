"""Configuration discovery, validation messages and precedence against flags."""
from __future__ import annotations

import pytest

from probelint import config
from probelint import rules as registry
from probelint.settings import Settings, selected_codes


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_find_walks_up_and_prefers_probelint_yaml(tmp_path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.probelint]\nfail-on = 'error'\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert config.find_config(deep) == tmp_path / "pyproject.toml"
    write(tmp_path / "a", ".probelint.yaml", "fail-on: info\n")
    assert config.find_config(deep) == tmp_path / "a" / ".probelint.yaml"


def test_pyproject_without_section_is_not_a_config(tmp_path) -> None:
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    assert config.find_config(tmp_path) is None


def test_full_config_applies(tmp_path) -> None:
    path = write(tmp_path, ".probelint.yaml", """
select: [PL0, PL1]
extend-select: [PL102]
ignore: [PL104]
fail-on: error
kube-version: "1.26"
namespace: apps
exclude: ["charts/**"]
pod-template-paths: {Odd: spec.runner.pod}
defaults: {p99: 1500ms}
rules:
  PL103: {max-initial-delay: 45, level: info}
  PL207: {max-removal: 45s}
  liveness-timeout-vs-latency: {level: warning}
  PL009: {enabled: false}
""")
    settings = config.apply(config.load(path), Settings())
    codes = selected_codes(settings, registry.RULES)
    assert "PL102" in codes and "PL104" not in codes and "PL009" not in codes and "PL201" not in codes
    assert settings.fail_on == "error" and settings.kube_version == (1, 26) and settings.kube_version_explicit
    assert settings.namespace == "apps" and settings.exclude == ("charts/**",)
    assert settings.pod_template_paths == {"Odd": (("spec", "runner", "pod"),)}
    assert settings.profile_defaults["p99"].seconds == 1.5
    assert settings.levels == {"PL103": "info", "PL201": "warning"}
    assert settings.options == {"PL103": {"max-initial-delay": 45}, "PL207": {"max-removal": "45s"}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail-on: fatal\n", ":1:10: fail-on: 'fatal' is not one of error, warning, info"),
        ("selekt: [PL1]\n", ":1:1: selekt: unknown key"),
        ("select: [PL999]\n", ':1:10: select[0]: unknown rule code or name "PL999"'),
        ("rules:\n  PL103: {level: loud}\n", "rules.PL103.level: 'loud' is not one of error, warning, info"),
        ("rules:\n  PL103: {max-delay: 3}\n", ":2:11: rules.PL103.max-delay: unknown option for PL103 (options: max-initial-delay)"),
        ("rules:\n  PL103: {max-initial-delay: soon}\n", "rules.PL103.max-initial-delay: must be a number of seconds or a duration such as 30s"),
        ("rules:\n  PL202: {margin: 20s}\n", "rules.PL202.margin: must be a non-negative number, got '20s'"),
        ("rules:\n  nope: {}\n", 'rules.nope: unknown rule code or name "nope"'),
        ("defaults: {p99: 4 seconds}\n", "defaults.p99: invalid duration '4 seconds'"),
        ("kube-version: latest\n", "kube-version"),
        ("a: [\n", "invalid YAML"),
    ],
)
def test_invalid_config_names_key_and_reason(tmp_path, text: str, message: str) -> None:
    path = write(tmp_path, ".probelint.yaml", text)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_invalid_pyproject_names_the_section(tmp_path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.probelint]\nfail-on = 'never'\n")
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert "[tool.probelint]" in str(err.value) and "fail-on" in str(err.value)


def test_empty_config_is_fine(tmp_path) -> None:
    path = write(tmp_path, ".probelint.yaml", "# nothing yet\n")
    assert config.load(path).data == {}


def test_every_rule_option_is_documented() -> None:
    from probelint import docs

    for module in registry.ALL:
        text = docs.sections(module)["Options"]
        for option in module.RULE.options:
            assert f"`{option}`" in text, f"{module.RULE.code} does not document option {option}"
