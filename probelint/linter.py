"""load -> index -> rules -> suppressions -> sorted findings.

Container and workload rules run as soon as a document is read; rules that need the
cross-file Service index run once every input has been read. Findings are suppressed by
comment directives of their file and by the workload's ``probelint.io/ignore`` annotation,
then sorted by path, line, column and code so that output never depends on input order.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from yaml.nodes import MappingNode

from probelint.profile import Resolver
from probelint import rules as registry
from probelint.model import LEVEL_RANK, Finding, InputProblem
from probelint.rule import RuleContext
from probelint.services import ServiceIndex, service_from
from probelint.settings import Settings, selected_codes
from probelint.source import STDIN, Source, SourceError, discover, parse, read_source
from probelint.suppress import ANNOTATION, FileSuppressions, parse_annotation, parse_directives
from probelint.workloads import Workload, extract, objects
from probelint.yamlnode import NodeBudgetExceeded, kind_name


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    workloads: int = 0
    # Filled only when the linter is asked to keep them (``probelint timing``): each workload
    # with the profile of each of its containers.
    checked: list = field(default_factory=list)

    @property
    def has_input_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def failing(self, fail_on: str) -> list[Finding]:
        threshold = LEVEL_RANK[fail_on]
        return [f for f in self.findings if LEVEL_RANK[f.level] >= threshold]


@dataclass
class _Pending:
    """A workload kept for the Service-aware rules, with what is needed to suppress their findings."""

    workload: Workload
    profile: object
    suppressions: FileSuppressions
    ignored: set[str]


class Linter:
    def __init__(self, settings: Settings, keep_workloads: bool = False, keep_sources: bool = False,
                 keep_fix_changes: bool = False) -> None:
        self.settings = settings
        # A fix's changes point into the document's node tree; only --fix needs them, and
        # keeping them would keep every tree alive until the end of the run.
        self.keep_fix_changes = keep_fix_changes
        self.keep_workloads = keep_workloads
        self.keep_sources = keep_sources
        # shown path -> (path as discovered, source); filled when ``keep_sources`` (for --fix)
        self.sources: dict[str, tuple[str, Source]] = {}
        codes = selected_codes(settings, registry.RULES)
        self.modules = [m for m in registry.ALL if m.RULE.code in codes]
        self.contexts = {
            m.RULE.code: RuleContext(m.RULE, settings, {**m.RULE.options, **settings.options.get(m.RULE.code, {})})
            for m in self.modules
        }
        self.container_rules = [m for m in self.modules if m.RULE.scope == "container"]
        self.workload_rules = [m for m in self.modules if m.RULE.scope == "workload"]
        self.service_rules = [m for m in self.modules if m.RULE.scope == "services"]
        self.profiles = Resolver(settings.profile_defaults, settings.profile_file)
        self.services = ServiceIndex()
        self.result = LintResult()
        self._pending: list[_Pending] = []

    # -- input ----------------------------------------------------------------------------
    def lint_paths(self, paths: Iterable[str], stdin: bytes | None = None, stdin_name: str = "-",
                   overrides: dict[str, Source] | None = None) -> LintResult:
        """Lint files and directories; ``overrides`` replaces the text of some inputs (the
        fixer's work in progress), keyed by the path as discovered."""
        found = discover(tuple(paths), self.settings.exclude)
        self.result.problems.extend(found.problems)
        for path in found.files:
            try:
                if overrides and path in overrides:
                    source = overrides[path]
                elif path == STDIN:
                    source = read_source(STDIN, data=stdin if stdin is not None else b"", display=stdin_name)
                else:
                    source = read_source(path, max_size=self.settings.max_file_size)
            except SourceError as err:
                self.result.files += 1
                self.result.problems.append(err.problem)
                continue
            if self.keep_sources:
                self.sources[source.path] = (path, source)
            self.lint_source(source)
        return self.finish()

    def lint_text(self, text: str, path: str = "<string>") -> LintResult:
        self.lint_source(Source(path, text))
        return self.finish()

    def lint_source(self, source: Source) -> None:
        self.result.files += 1
        suppressions, problems = parse_directives(source.text, source.path, registry.KNOWN_REFS)
        self.result.problems.extend(problems)
        for item in parse(source):
            if isinstance(item, InputProblem):
                self.result.problems.append(item)
                continue
            self.result.documents += 1
            if not isinstance(item.node, MappingNode):
                line, column = item.node.start_mark.line + 1, item.node.start_mark.column + 1
                self.result.problems.append(
                    InputProblem(source.path, line, column, f"document is {kind_name(item.node)}, expected a Kubernetes object (a mapping)")
                )
                continue
            try:
                for root in objects(item):
                    service = service_from(root, source.path, self.settings.namespace, item.helm_source)
                    if service is not None:
                        self.services.add(service)
                        continue
                    workload = extract(root, item, self.settings.namespace, self.settings.pod_template_paths)
                    if workload is not None:
                        self._lint_workload(workload, suppressions)
            except (NodeBudgetExceeded, RecursionError) as err:
                line, column = item.node.start_mark.line + 1, item.node.start_mark.column + 1
                self.result.problems.append(InputProblem(source.path, line, column, f"document not checked: {err}"))

    # -- rules ----------------------------------------------------------------------------
    def _lint_workload(self, workload: Workload, suppressions: FileSuppressions) -> None:
        self.result.workloads += 1
        self.result.problems.extend(workload.problems)
        annotated, problems = self.profiles.annotations(workload)
        self.result.problems.extend(problems)
        profile = self.profiles.resolve(workload, annotated, None)
        ignored, unknown = parse_annotation(workload.annotations.get(ANNOTATION), registry.KNOWN_REFS)
        for code in unknown:
            node = workload.annotation_nodes[ANNOTATION]
            self.result.problems.append(
                InputProblem(workload.path, node.start_mark.line + 1, node.start_mark.column + 1,
                             f'unknown rule code "{code}" in {ANNOTATION} annotation', level="warning")
            )
        found: list[Finding] = []
        for module in self.workload_rules:
            found.extend(self._run(module, workload, profile, workload, suppressions, ignored))
        container_profiles = {}
        for container in workload.containers:
            container_profile = self.profiles.resolve(workload, annotated, container.name)
            container_profiles[container.name] = container_profile
            for module in self.container_rules:
                found.extend(self._run(module, workload, container_profile, container, suppressions, ignored))
        if self.keep_workloads:
            self.result.checked.append((workload, profile, container_profiles))
        self._keep(found, suppressions, ignored)
        if self.service_rules:
            self._pending.append(_Pending(workload, profile, suppressions, ignored))

    def _run(self, module, workload: Workload, profile, target, suppressions: FileSuppressions,
             ignored: set[str]) -> Iterator[Finding]:
        ctx = self.contexts[module.RULE.code]
        ctx.workload = workload
        ctx.profile = profile
        ctx.services = self.services
        ctx.suppressions = suppressions
        ctx.ignored = ignored
        yield from module.check(ctx, target)

    def _keep(self, found: list[Finding], suppressions: FileSuppressions, ignored: set[str]) -> None:
        levels = self.settings.levels
        for finding in found:
            if suppressions.suppresses(finding) or ({finding.code, finding.name, "ALL"} & ignored):
                continue
            override = levels.get(finding.code)
            if override and override != finding.level:
                finding = _with_level(finding, override)
            if finding.fix is not None and finding.fix.changes and not self.keep_fix_changes:
                finding = replace(finding, fix=replace(finding.fix, changes=()))
            self.result.findings.append(finding)

    def finish(self) -> LintResult:
        for pending in self._pending:
            found: list[Finding] = []
            for module in self.service_rules:
                found.extend(self._run(module, pending.workload, pending.profile, pending.workload,
                                       pending.suppressions, pending.ignored))
            self._keep(found, pending.suppressions, pending.ignored)
        self._pending.clear()
        self.result.findings.sort(key=Finding.sort_key)
        self.result.problems.sort(key=InputProblem.sort_key)
        return self.result


def _with_level(finding: Finding, level: str) -> Finding:
    return replace(finding, level=level)


def lint_text(text: str, settings: Settings | None = None, path: str = "<string>") -> LintResult:
    return Linter(settings or Settings()).lint_text(text, path)
