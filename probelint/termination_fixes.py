"""Where the termination and rollout rules (PL501-PL504) write the fields they add.

A new key goes after the last key of its mapping unless told otherwise, which for a pod spec or
a Deployment spec is after the whole ``containers`` list or pod template: far from the fields a
reader looks for it beside. The pod-level ``terminationGracePeriodSeconds`` and a Deployment's
``progressDeadlineSeconds`` are read together with the scalar settings at the top of their
spec, so they are inserted just above the big block (``initContainers``/``containers``,
``template``).
"""
from __future__ import annotations

from yaml.nodes import MappingNode

from probelint.edits import FixBuilder, own_pair

POD_SPEC_BLOCKS = ("initContainers", "containers")
DEPLOYMENT_SPEC_BLOCKS = ("template",)


def first_written(mapping: MappingNode, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` written in ``mapping``, in document order."""
    found = [own_pair(mapping, key) for key in keys]
    present = [(pair[0].start_mark.index, key) for key, pair in zip(keys, found) if pair is not None]
    return min(present)[1] if present else None


def set_pod_grace(builder: FixBuilder, pod_spec: MappingNode, seconds: int) -> FixBuilder:
    """Set the pod's ``terminationGracePeriodSeconds``: replace it, or add it above the containers."""
    return builder.set(pod_spec, "terminationGracePeriodSeconds", seconds,
                       before=first_written(pod_spec, POD_SPEC_BLOCKS))


def set_progress_deadline(builder: FixBuilder, spec: MappingNode, seconds: int) -> FixBuilder:
    """Set a Deployment's ``progressDeadlineSeconds``: replace it, or add it above the pod template."""
    return builder.set(spec, "progressDeadlineSeconds", seconds, before=first_written(spec, DEPLOYMENT_SPEC_BLOCKS))
