"""load -> index -> rules -> suppressions -> sorted findings.

Container and workload rules run as soon as a document is read. Rules that need the
cross-file Service index run at the end of each file, against the Services read so far, and
the workload is then dropped: only a compact record stays (where it is, its namespace and
labels, which Services selected it, the findings). Once every input has been read, a record
whose selecting Services are still the same keeps its findings; the few workloads that a
Service from a later file selects are read again from their file and checked once more. So
memory grows with the findings, not with the size of the input.

Findings are suppressed by comment directives of their file and by the workload's
``probelint.io/ignore`` annotation, then sorted by path, line, column and code so that output
never depends on input order.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from yaml.nodes import MappingNode

from probelint import rules as registry
from probelint.model import LEVEL_RANK, Finding, InputProblem
from probelint.probes import VALIDATED_KEYS
from probelint.profile import Resolver
from probelint.rule import RuleContext
from probelint.services import ServiceIndex, service_from
from probelint.settings import Settings, selected_codes
from probelint.source import (
    STDIN,
    Document,
    Source,
    SourceError,
    discover,
    document_at,
    duplicate_key_problem,
    parse,
    read_source,
)
from probelint.suppress import (
    ANNOTATION,
    FileSuppressions,
    parse_annotation,
    parse_directives,
)
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


@dataclass(slots=True)
class _Pending:
    """A workload of the file being read, waiting for the end of the file so that the Services
    after it in the same file are known when the Service-aware rules run."""

    workload: Workload
    # (document index, object index in it, the line its node starts on, its Helm template)
    position: tuple[int, int, int, str | None]
    profile: object
    ignored: AbstractSet[str]


@dataclass(slots=True)
class _Checked:
    """What is kept of a workload once the Service-aware rules ran on it: enough to tell at the
    end whether the Services selecting it changed, and to find it again if they did."""

    file: _FileRecord
    position: tuple[int, int, int, str | None]
    pod: str  # the namespace and labels of the pod, packed (see ``_pack``)
    selecting: tuple[int, ...]  # where the selecting Services were in the index, in order
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class _FileRecord:
    """How to read a file again, and how to tell that it changed since it was read."""

    path: str
    reload: Callable[[], Source]
    fingerprint: tuple[int, int]
    suppressions: FileSuppressions


def _service_key(service) -> tuple:
    return (service.path, service.line, service.column)


def _pack(namespace: str, labels: dict[str, str]) -> str:
    """A pod's namespace and labels in one string: a dict of a few strings costs five times as
    much, and one is kept for every workload until the end of the run."""
    return "\0".join((namespace, *(part for pair in labels.items() for part in pair)))


def _unpack(pod: str) -> tuple[str, dict[str, str]]:
    namespace, *parts = pod.split("\0")
    return namespace, dict(zip(parts[::2], parts[1::2]))


def _fingerprint(text: str) -> tuple[int, int]:
    return len(text), hash(text)


_NO_CODES: frozenset[str] = frozenset()
# Above this many documents to read again in one file, the file is composed once, whole.
FEW_DOCUMENTS = 8
# Workloads of one file held in memory before the Service-aware rules run on them.
MAX_PENDING_PER_FILE = 256


class Linter:
    def __init__(self, settings: Settings, keep_workloads: bool = False, keep_sources: bool = False,
                 keep_fix_changes: bool = False, keep_fix_edits: bool = True) -> None:
        self.settings = settings
        # A fix's changes point into the document's node tree; only --fix needs them, and
        # keeping them would keep every tree alive until the end of the run.
        self.keep_fix_changes = keep_fix_changes
        # A text report only says whether a finding is fixable: the edits, with the text they
        # insert, are only kept for the reports that print them (JSON, SARIF).
        self.keep_fix_edits = keep_fix_edits
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
        self.profiles = Resolver(settings.profile_defaults, settings.profile_file)
        self.services = ServiceIndex()
        for ctx in self.contexts.values():
            ctx.services = self.services
        self._container_checks = self._checks("container")
        self._workload_checks = self._checks("workload")
        self._service_checks = self._checks("services")
        self.service_rules = [m for m in self.modules if m.RULE.scope == "services"]
        self.result = LintResult()
        self._checked: list[_Checked] = []
        # The keys of the Services as they were when the workloads were checked, once the index
        # is replaced by every process's Services (``replace_services``).
        self._keys_before: list[tuple] | None = None

    def _checks(self, scope: str) -> list:
        """``(check, context)`` of each selected rule of ``scope``, in registry order."""
        return [(m.check, self.contexts[m.RULE.code]) for m in self.modules if m.RULE.scope == scope]

    # -- input ----------------------------------------------------------------------------
    def lint_paths(self, paths: Iterable[str], stdin: bytes | None = None, stdin_name: str = "-",
                   overrides: dict[str, Source] | None = None) -> LintResult:
        """Lint files and directories; ``overrides`` replaces the text of some inputs (the
        fixer's work in progress), keyed by the path as discovered."""
        found = discover(tuple(paths), self.settings.exclude)
        self.result.problems.extend(found.problems)
        for path in found.files:
            if overrides and path in overrides:
                self.lint_file(path, source=overrides[path])
            elif path == STDIN:
                self.lint_file(path, stdin=(stdin if stdin is not None else b"", stdin_name))
            else:
                self.lint_file(path)
        return self.finish()

    def lint_file(self, path: str, source: Source | None = None, stdin: tuple[bytes, str] | None = None) -> None:
        """Lint one discovered file: read from disk, or given as a ``source``, or as the bytes
        of standard input with the name to show for it."""
        if source is None:
            max_size = self.settings.max_file_size
            try:
                if stdin is not None:
                    source = read_source(STDIN, data=stdin[0], display=stdin[1])
                else:
                    source = read_source(path, max_size=max_size)
            except SourceError as err:
                self.result.files += 1
                self.result.problems.append(err.problem)
                return
            reload = _constant(source) if stdin is not None else _reader(path, max_size)
        else:
            reload = _constant(source)
        if self.keep_sources:
            self.sources[source.path] = (path, source)
        self.lint_source(source, reload)

    def lint_text(self, text: str, path: str = "<string>") -> LintResult:
        source = Source(path, text)
        self.lint_source(source)
        return self.finish()

    def lint_source(self, source: Source, reload: Callable[[], Source] | None = None) -> None:
        """Lint every document of ``source``; ``reload`` reads it again when a Service from a
        later file makes the Service-aware rules run again (default: keep this text)."""
        self.result.files += 1
        suppressions, problems = parse_directives(source.text, source.path, registry.KNOWN_REFS)
        self.result.problems.extend(problems)
        record = _FileRecord(source.path, reload or _constant(source), _fingerprint(source.text), suppressions)
        pending: list[_Pending] = []
        for item in parse(source):
            if isinstance(item, InputProblem):
                self.result.problems.append(item)
                continue
            self.result.documents += 1
            workloads: list[Workload] = []
            if not isinstance(item.node, MappingNode):
                line, column = item.node.start_mark.line + 1, item.node.start_mark.column + 1
                self.result.problems.append(
                    InputProblem(source.path, line, column, f"document is {kind_name(item.node)}, expected a Kubernetes object (a mapping)")
                )
                self._warn_duplicates(item, workloads)
                continue
            try:
                for number, root in enumerate(objects(item)):
                    service = service_from(root, source.path, self.settings.namespace, item.helm_source)
                    if service is not None:
                        self.services.add(service)
                        continue
                    workload = extract(root, item, self.settings.namespace, self.settings.pod_template_paths)
                    if workload is not None:
                        workloads.append(workload)
                        checked = self._lint_workload(workload, suppressions)
                        if checked is not None:
                            position = (item.index, number, item.node.start_mark.line, item.helm_source)
                            pending.append(_Pending(workload, position, *checked))
            except (NodeBudgetExceeded, RecursionError) as err:
                line, column = item.node.start_mark.line + 1, item.node.start_mark.column + 1
                self.result.problems.append(InputProblem(source.path, line, column, f"document not checked: {err}"))
            self._warn_duplicates(item, workloads)
            if len(pending) >= MAX_PENDING_PER_FILE:
                # A huge stream: check what was read so far rather than hold every tree of it.
                self._check_services(pending, record)
                pending = []
        self._check_services(pending, record)
        for ctx in self.contexts.values():
            ctx.workload = None  # the last workload checked, which nothing needs any more

    def _warn_duplicates(self, document: Document, workloads: list[Workload]) -> None:
        """An input warning for each repeated key of the document, except those in a probe block
        or a container's ports, which PL009 reports (when it is selected)."""
        if not document.duplicates:
            return
        spans = []
        if "PL009" in self.contexts:
            for workload in workloads:
                for container in workload.containers:
                    for key in VALIDATED_KEYS:
                        node = container.map.get(key)
                        if node is not None:
                            spans.append(((node.start_mark.line, node.start_mark.column),
                                          (node.end_mark.line, node.end_mark.column)))
        for key in document.duplicates:
            at = (key.start_mark.line, key.start_mark.column)
            if not any(start <= at < end for start, end in spans):
                self.result.problems.append(duplicate_key_problem(document.source.path, key))

    # -- rules ----------------------------------------------------------------------------
    def _lint_workload(self, workload: Workload, suppressions: FileSuppressions) -> tuple[object, set[str]] | None:
        """Run the container and workload rules; the profile and ignored codes the
        Service-aware rules need when they are selected, else None."""
        self.result.workloads += 1
        self.result.problems.extend(workload.problems)
        annotated, profile, ignored, problems = self._annotations(workload)
        self.result.problems.extend(problems)
        found: list[Finding] = []
        self._apply(self._workload_checks, workload, profile, workload, suppressions, ignored, found)
        container_profiles = {}
        for container in workload.containers:
            container_profile = self.profiles.resolve(workload, annotated, container.name)
            container_profiles[container.name] = container_profile
            self._apply(self._container_checks, workload, container_profile, container, suppressions, ignored, found)
        if self.keep_workloads:
            self.result.checked.append((workload, profile, container_profiles))
        self.result.findings.extend(self._kept(found, suppressions, ignored))
        return (profile, ignored) if self.service_rules else None

    def _annotations(self, workload: Workload) -> tuple[dict, object, AbstractSet[str], list[InputProblem]]:
        """What the workload's annotations say: its profile figures, its workload-level
        profile, the rule codes it ignores, and the problems with them."""
        annotated, problems = self.profiles.annotations(workload)
        profile = self.profiles.resolve(workload, annotated, None)
        ignored, unknown = parse_annotation(workload.annotations.get(ANNOTATION), registry.KNOWN_REFS)
        for code in unknown:
            node = workload.annotation_nodes[ANNOTATION]
            problems.append(InputProblem(workload.path, node.start_mark.line + 1, node.start_mark.column + 1,
                                         f'unknown rule code "{code}" in {ANNOTATION} annotation', level="warning"))
        return annotated, profile, ignored or _NO_CODES, problems

    def _check_services(self, pending: list[_Pending], record: _FileRecord) -> None:
        """Run the Service-aware rules on workloads against the Services read so far, and keep
        only a compact record of each."""
        for item in pending:
            workload = item.workload
            selecting = tuple(self.services.selecting_positions(workload.namespace, workload.labels))
            findings = tuple(self._service_findings(workload, item.profile, record.suppressions, item.ignored))
            self._checked.append(_Checked(record, item.position, _pack(workload.namespace, workload.labels),
                                          selecting, findings))

    def _service_findings(self, workload: Workload, profile, suppressions: FileSuppressions,
                          ignored: AbstractSet[str]) -> list[Finding]:
        found: list[Finding] = []
        self._apply(self._service_checks, workload, profile, workload, suppressions, ignored, found)
        return self._kept(found, suppressions, ignored)

    @staticmethod
    def _apply(checks: list, workload: Workload, profile, target, suppressions: FileSuppressions,
               ignored: AbstractSet[str], found: list[Finding]) -> None:
        """Run each ``(check, context)`` on ``target``, adding the findings to ``found``."""
        for check, ctx in checks:
            ctx.workload = workload
            ctx.profile = profile
            ctx.suppressions = suppressions
            ctx.ignored = ignored
            found.extend(check(ctx, target))

    def _kept(self, found: list[Finding], suppressions: FileSuppressions, ignored: AbstractSet[str]) -> list[Finding]:
        """The findings that survive suppression, at their configured level."""
        levels = self.settings.levels
        kept: list[Finding] = []
        for finding in found:
            if suppressions.suppresses(finding) or ({finding.code, finding.name, "ALL"} & ignored):
                continue
            override = levels.get(finding.code)
            if override and override != finding.level:
                finding = _with_level(finding, override)
            fix = finding.fix
            if fix is not None:
                if not self.keep_fix_edits and fix.edits:
                    fix = replace(fix, edits=(), changes=())
                elif fix.changes and not self.keep_fix_changes:
                    fix = replace(fix, changes=())
                if fix is not finding.fix:
                    finding = replace(finding, fix=fix)
            kept.append(finding)
        return kept

    def replace_services(self, services: list) -> None:
        """Use ``services`` (every process's, in the order one process reads them) from now on;
        the workloads checked so far are settled against them by ``finish``."""
        self._keys_before = [_service_key(s) for s in self.services.services]
        self.services.replace_all(services)

    def finish(self) -> LintResult:
        """Settle the Service-aware findings against every Service read, then sort."""
        stale: dict[int, list[_Checked]] = {}
        before = self._keys_before
        keys = None if before is None else [_service_key(s) for s in self.services.services]
        for checked in self._checked:
            now = self.services.selecting_positions(*_unpack(checked.pod))
            if before is None:
                same = now == list(checked.selecting)
            else:
                same = [keys[i] for i in now] == [before[i] for i in checked.selecting]
            if same:
                self.result.findings.extend(checked.findings)
            else:
                stale.setdefault(id(checked.file), []).append(checked)
        self._checked.clear()
        for records in stale.values():
            self._recheck(records)
        self.result.findings.sort(key=Finding.sort_key)
        self.result.problems.sort(key=InputProblem.sort_key)
        return self.result


    def _recheck(self, records: list[_Checked]) -> None:
        """Read one file again and run the Service-aware rules on the given workloads of it,
        now that every Service is known. A file that changed or vanished since it was read
        keeps the findings computed then, with a warning."""
        file = records[0].file
        try:
            source = file.reload()
        except SourceError:
            source = None
        if source is None or _fingerprint(source.text) != file.fingerprint:
            self.result.problems.append(InputProblem(
                file.path, 1, 1, "file changed while it was being checked: Services from other files were not "
                "matched against its workloads", level="warning"))
            for checked in records:
                self.result.findings.extend(checked.findings)
            return
        by_document: dict[tuple[int, int, str | None], dict[int, _Checked]] = {}
        for checked in records:
            document, number, line, helm = checked.position
            by_document.setdefault((document, line, helm), {})[number] = checked
        if len(by_document) > FEW_DOCUMENTS:
            # Many documents of one stream: compose it once rather than once a document.
            wanted = {document: (helm, numbers) for (document, _, helm), numbers in by_document.items()}
            last = max(wanted)
            for item in parse(source):
                if isinstance(item, InputProblem):
                    continue
                if item.index in wanted:
                    helm, numbers = wanted[item.index]
                    self._settle(replace(item, source=source, helm_source=helm), numbers, file)
                if item.index >= last:
                    break
            return
        for (document, line, helm), numbers in by_document.items():
            item = document_at(source, line)
            if item is not None:
                self._settle(replace(item, source=source, index=document, helm_source=helm), numbers, file)

    def _settle(self, item: Document, numbers: dict[int, _Checked], file: _FileRecord) -> None:
        """Run the Service-aware rules on the workloads ``numbers`` of a document read again."""
        for number, root in enumerate(objects(item)):
            if number not in numbers:
                continue
            workload = extract(root, item, self.settings.namespace, self.settings.pod_template_paths)
            if workload is not None:
                _, profile, ignored, _ = self._annotations(workload)  # the problems were reported
                self.result.findings.extend(self._service_findings(workload, profile, file.suppressions, ignored))


def _reader(path: str, max_size: int) -> Callable[[], Source]:
    return lambda: read_source(path, max_size=max_size)


def _constant(source: Source) -> Callable[[], Source]:
    return lambda: source


def _with_level(finding: Finding, level: str) -> Finding:
    return replace(finding, level=level)


def lint_text(text: str, settings: Settings | None = None, path: str = "<string>") -> LintResult:
    return Linter(settings or Settings()).lint_text(text, path)
