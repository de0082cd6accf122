"""Workflow versions: publish, roll back, archive (see aybiza/core/versions.py).

Publishing copies the version's trigger_config onto the workflow and sets
the workflow's is_published/published_at/published_by.
"""

from django.db import transaction

from aybiza.core.versions import VersionFlow, version_audit_create, version_next_number, version_publish, version_retire
from aybiza.core import routing_cache

from ..models import Workflow, WorkflowVersion

WORKFLOW_VERSIONS = VersionFlow(
    model=WorkflowVersion, parent_field="workflow", label="workflow version", action="workflow_version",
    retired="archived", retire_verb="archive", copy_fields=("trigger_config",), parent_publish_fields=True,
)


@transaction.atomic
def workflow_version_create(
    *, workflow: Workflow, actor, changelog: str = "", reason: str = "", api_key=None, request=None
) -> WorkflowVersion:
    """A draft version holding the workflow's current trigger_config."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    version = WorkflowVersion.objects.create(
        workflow=workflow, version=version_next_number(WORKFLOW_VERSIONS, workflow), created_by=actor,
        trigger_config=workflow.trigger_config or {}, changelog=changelog or None,
    )
    version_audit_create(WORKFLOW_VERSIONS, version, actor=actor, reason=reason, api_key=api_key, request=request)
    return version


@transaction.atomic
def workflow_version_publish(
    *, workflow_version: WorkflowVersion, actor, reason: str = "", api_key=None, request=None
) -> WorkflowVersion:
    version = version_publish(WORKFLOW_VERSIONS, version=workflow_version, verb="publish", actor=actor,
                               reason=reason, api_key=api_key, request=request)
    _invalidate(version.workflow)
    return version


@transaction.atomic
def workflow_version_rollback(
    *, workflow_version: WorkflowVersion, actor, reason: str = "", api_key=None, request=None
) -> WorkflowVersion:
    version = version_publish(WORKFLOW_VERSIONS, version=workflow_version, verb="rollback", actor=actor,
                               reason=reason, api_key=api_key, request=request)
    _invalidate(version.workflow)
    return version


@transaction.atomic
def workflow_version_archive(
    *, workflow_version: WorkflowVersion, actor, reason: str = "", api_key=None, request=None
) -> WorkflowVersion:
    version = version_retire(WORKFLOW_VERSIONS, version=workflow_version, actor=actor, reason=reason,
                              api_key=api_key, request=request)
    _invalidate(version.workflow)
    return version


def _invalidate(workflow) -> None:
    """The routing snapshots that may carry this workflow's published version."""
    routing_cache.invalidate_organization(workflow.organization_id)
