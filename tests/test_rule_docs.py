"""Rule documentation: sections present, examples behave, generated pages up to date."""
from __future__ import annotations

import pytest

from probelint import docs
from probelint import rules as registry
from tests.conftest import ROOT, lint

MODULES = [pytest.param(m, id=m.RULE.code) for m in registry.ALL]
EXAMPLE_SETTINGS = {"PL201": {"p99": "4s"}}


@pytest.mark.parametrize("module", MODULES)
def test_docstring_has_every_section(module) -> None:
    found = docs.sections(module)
    assert list(found) == list(docs.SECTIONS), f"{module.RULE.code} sections: {list(found)}"
    assert all(found[name].strip() for name in docs.SECTIONS)


@pytest.mark.parametrize("module", MODULES)
def test_example_triggers_and_use_instead_does_not(module) -> None:
    code = module.RULE.code
    found = docs.sections(module)
    settings = EXAMPLE_SETTINGS.get(code, {})
    examples = docs.yaml_blocks(found["Example"])
    assert examples, f"{code} has no yaml example"
    for block in examples:
        result = lint(block, select=[code], **settings)
        assert not [p for p in result.problems if p.level == "error"], result.problems
        assert any(f.code == code for f in result.findings), f"{code} Example does not trigger"
    instead = docs.yaml_blocks(found["Use instead"])
    assert instead, f"{code} has no yaml 'Use instead'"
    for block in instead:
        result = lint(block, select=[code], **settings)
        assert not [p for p in result.problems if p.level == "error"], result.problems
        assert not result.findings, f"{code} 'Use instead' triggers: {[f.message for f in result.findings]}"


def test_registry_lists_every_module_once() -> None:
    on_disk = {p.stem for p in (ROOT / "probelint" / "rules").glob("*.py") if p.stem != "__init__"}
    listed = [m.__name__.rsplit(".", 1)[1] for m in registry.ALL]
    assert sorted(listed) == sorted(on_disk)
    codes = [m.RULE.code for m in registry.ALL]
    names = [m.RULE.name for m in registry.ALL]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert codes == sorted(codes)
    for module in registry.ALL:
        assert module.__name__.endswith("." + module.RULE.name.replace("-", "_"))


def test_generated_pages_are_current() -> None:
    directory = ROOT / "rules"
    expected = docs.expected_pages()
    stale = [name for name, text in expected.items()
             if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in directory.glob("*.md") if p.name not in expected)
    assert not stale and not extra, f"run `python -m probelint.docs rules` (stale: {stale}, extra: {extra})"
