"""Rule documentation: parsed from each rule module's docstring, rendered as Markdown.

The docstring is the single source: ``probelint rule PL201`` prints it, ``rules/*.md`` is
generated from it (``python -m probelint.docs rules``), and tests run its examples.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Fix safety", "References")
_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
FIX_TEXT = {"never": "no automatic fix", "sometimes": "fix sometimes available", "always": "fix always available"}


def sections(module: ModuleType) -> dict[str, str]:
    doc = (module.__doc__ or "").strip("\n")
    found: dict[str, str] = {}
    matches = list(_HEADING.finditer(doc))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        found[match.group(1)] = doc[match.end():end].strip("\n")
    return found


def yaml_blocks(text: str) -> list[str]:
    return _YAML_BLOCK.findall(text)


def page_name(module: ModuleType) -> str:
    return f"{module.RULE.code}-{module.RULE.name}.md"


def render(module: ModuleType) -> str:
    rule = module.RULE
    status = "enabled by default" if rule.enabled_by_default else "disabled by default (enable with --extend-select)"
    lines = [
        f"# {rule.code} `{rule.name}`",
        "",
        f"{rule.summary}.",
        "",
        f"Level: **{rule.level_text}** · {status} · {FIX_TEXT[rule.fix]}",
        "",
    ]
    for title, body in sections(module).items():
        lines += [f"## {title}", body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_index(modules) -> str:
    lines = ["# probelint rules", "",
             ("*fixable*: whether `--fix` can fix a finding (the rule's page says when, and whether the fix needs "
             "`--unsafe-fixes`). *always* means whenever the rule fires, except for a value shared through a YAML "
             "anchor or merge key (changing it would change other places) and for output rendered by Helm (the "
             "finding then says what to change in the chart)."), "",
             "| code | name | level | fixable | summary |", "|---|---|---|---|---|"]
    for module in modules:
        rule = module.RULE
        lines.append(f"| [{rule.code}]({page_name(module)}) | `{rule.name}` | {rule.level_text} | {rule.fix} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    from probelint.rules import ALL

    pages = {page_name(m): render(m) for m in ALL}
    pages["README.md"] = render_index(ALL)
    return pages


def write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    pages = expected_pages()
    for stale in directory.glob("PL*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        target = directory / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(name)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "rules")
    for name in write(out):
        print(f"wrote {out / name}")
