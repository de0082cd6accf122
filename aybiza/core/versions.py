"""Publishing versions (agent, workflow, tool): exactly one published per parent.

    draft/testing --publish--> published --(another one is published)--> <retired>
    <retired> --rollback--> published     draft/testing --<retire verb>--> <retired>

<retired> is `archived` for agent and workflow versions and `deprecated` for
tool versions. Publishing locks the parent row first (so two publishes of the
same parent run one after the other), retires the currently published
version, publishes the target and copies its configuration onto the parent,
which is what the runtime reads. The database backs this with a partial
unique index `(<parent>_id) WHERE is_published` on each version table.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Max
from django.utils import timezone

from aybiza.core.audit import audit_record, snapshot

from .state import StateMachine, lock
from .transitions import apply_transition


@dataclass(frozen=True)
class VersionFlow:
    model: type[models.Model]
    parent_field: str                     # "agent"
    label: str                            # "agent version"
    action: str                           # "agent_version"
    retired: str                          # "archived" / "deprecated"
    retire_verb: str                      # "archive" / "deprecate"
    copy_fields: tuple[str, ...]          # copied version -> parent on publish
    parent_publish_fields: bool = False   # the parent has is_published/published_at/published_by
    machine: StateMachine = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "machine", StateMachine(self.label, "status", {
            "publish": (["draft", "testing"], "published"),
            "rollback": ([self.retired], "published"),
            self.retire_verb: (["draft", "testing"], self.retired),
        }))

    def published_of(self, parent):
        return self.model._default_manager.select_for_update().filter(
            **{self.parent_field: parent, "is_published": True}
        ).first()




def version_next_number(flow: VersionFlow, parent) -> int:
    current = flow.model._default_manager.filter(**{flow.parent_field: parent}).aggregate(n=Max("version"))["n"]
    return (current or 0) + 1


def version_publish(flow: VersionFlow, *, version, verb: str, actor, reason: str = "", api_key=None, request=None):
    """Publish (verb="publish") or re-publish (verb="rollback") `version`; call inside a transaction."""
    parent = lock(getattr(version, flow.parent_field))
    version = lock(version)
    flow.machine.ensure(version, verb)
    current = flow.published_of(parent)
    if verb == "rollback" and current is not None and version.version >= current.version:
        raise flow.machine.refuse(
            version, verb, f"it is not older than the published version {current.version}; publish it instead"
        )
    details = {}
    if current is not None:
        current.is_published = False
        current.status = flow.retired
        current.save(update_fields=["is_published", "status"])
        details["unpublished"] = {"id": str(current.pk), "version": current.version}
    now = timezone.now()
    version = apply_transition(
        machine=flow.machine, instance=version, verb=verb, action=f"{flow.action}.{verb}",
        changes={"is_published": True, "published_at": now, "published_by": actor},
        actor=actor, api_key=api_key, request=request, reason=reason, details=details,
    )
    _copy_onto_parent(flow, version, parent, actor=actor, now=now)
    return version


def _copy_onto_parent(flow: VersionFlow, version, parent, *, actor, now) -> None:
    for name in flow.copy_fields:
        setattr(parent, name, getattr(version, name))
    if flow.parent_publish_fields:
        parent.is_published, parent.published_at, parent.published_by = True, now, actor
    if actor is not None and hasattr(parent, "updated_by_id"):
        parent.updated_by = actor
    parent.save()


def version_retire(flow: VersionFlow, *, version, actor, reason: str = "", api_key=None, request=None):
    """Archive/deprecate a version that is not the published one; call inside a transaction."""
    version = lock(version)
    return apply_transition(
        machine=flow.machine, instance=version, verb=flow.retire_verb, action=f"{flow.action}.{flow.retire_verb}",
        actor=actor, api_key=api_key, request=request, reason=reason,
    )


def version_audit_create(flow: VersionFlow, version, *, actor, reason="", api_key=None, request=None) -> None:
    audit_record(
        action=f"{flow.action}.create", instance=version, actor=actor, api_key=api_key, request=request,
        after=snapshot(version, ["version", "status"]), reason=reason,
    )
