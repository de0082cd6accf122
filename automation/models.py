"""Models of the automation app: one class per spec table, in the spec's schema."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from aybiza.core.db.columns import (
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, lock_version, now_default,
    optional_datetime, optional_text, optional_varchar, table, unique, updated_at, uuid_pk,
)
from aybiza.core.db.consistency import ConsistencyMixin, related
from aybiza.core.db.fields import EncryptedJSONField
from aybiza.core.db.locking import VersionedModel
from aybiza.core.ownership import Owner
from aybiza.core.timeseries import Dependent, Hypertable

from .choices import ExecutionStatus, NodeExecutionStatus, ToolCategory, ToolStatus, ToolType, ToolVersionStatus, TriggerType, WorkflowCategory, WorkflowNodeType, WorkflowStatus, WorkflowVersionStatus


class Workflow(ConsistencyMixin, VersionedModel):
    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='workflows')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='workflows')
    name = models.CharField(max_length=255)
    description = optional_text()
    category = choice(WorkflowCategory, default=WorkflowCategory.CUSTOM, max_length=100)
    trigger_type = choice(TriggerType, null=False)
    trigger_config = jsonb({})
    status = choice(WorkflowStatus, default=WorkflowStatus.DRAFT)
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    created_at = created_at()
    updated_at = updated_at()
    is_published = flag(False)
    published_at = optional_datetime()
    published_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    execution_count = integer(0)
    success_rate = decimal(5, 2, default=Decimal('0.00'))
    avg_execution_time_ms = integer(0)
    metadata = jsonb({})
    is_template = flag(False)
    template_category = optional_varchar(100)

    owner = Owner()

    class Meta:
        db_table = table('automation_engine', 'workflows')
        constraints = [
            choices_check('workflows', 'category', WorkflowCategory),
            choices_check('workflows', 'trigger_type', TriggerType),
            choices_check('workflows', 'status', WorkflowStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_workflows_tenant_status'),
            models.Index(fields=['category', 'status'], name='idx_workflows_category'),
            models.Index(fields=['is_template', 'template_category'], name='idx_workflows_template'),
            models.Index(fields=['-success_rate', '-execution_count'], name='idx_workflows_performance'),
        ]

    def __str__(self):
        return self.name


class WorkflowVersion(models.Model):
    id = uuid_pk()
    workflow = fk('Workflow', on_delete=models.CASCADE, related_name='versions')
    version = models.IntegerField()
    trigger_config = models.JSONField(blank=True)  # NOT NULL; {} is a valid value
    status = choice(WorkflowVersionStatus, default=WorkflowVersionStatus.DRAFT)
    created_at = created_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    is_published = flag(False)
    published_at = optional_datetime()
    published_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    changelog = optional_text()
    metadata = jsonb({})

    owner = Owner(tenant="workflow__tenant_id", organization="workflow__organization_id")

    class Meta:
        db_table = table('automation_engine', 'workflow_versions')
        constraints = [
            choices_check('workflow_versions', 'status', WorkflowVersionStatus),
            unique('workflow_versions', 'workflow', 'version'),
            # added (docs/decisions.md): at most one published version per workflow
            models.UniqueConstraint(fields=['workflow'], condition=Q(is_published=True), name='workflow_versions_one_published'),
        ]
        permissions = [('publish_workflowversion', 'Can publish, roll back and archive workflow versions')]

    def __str__(self):
        return f"{self.workflow} v{self.version}"


class WorkflowNode(ConsistencyMixin, models.Model):
    tenant_from = "workflow"  # the node's tenant and organization are its workflow's
    same_tenant = ("tool",)  # system tools are everyone's; organization tools their organization's
    belongs_to = {"workflow_version": "workflow"}

    id = uuid_pk()
    workflow = fk('Workflow', on_delete=models.CASCADE, related_name='nodes')
    workflow_version = fk('WorkflowVersion', on_delete=models.CASCADE, related_name='nodes')
    name = models.CharField(max_length=255)
    node_type = choice(WorkflowNodeType, null=False)
    config = jsonb({}, null=False)
    tool = fk('Tool', on_delete=models.PROTECT, null=True, related_name='workflow_nodes')
    position_x = integer(0)
    position_y = integer(0)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    timeout_ms = integer(30000)
    retry_count = integer(0)
    retry_delay_ms = integer(1000)

    owner = Owner(tenant="workflow__tenant_id", organization="workflow__organization_id")

    class Meta:
        db_table = table('automation_engine', 'workflow_nodes')
        constraints = [
            choices_check('workflow_nodes', 'node_type', WorkflowNodeType),
        ]
        indexes = [
            models.Index(fields=['workflow_version'], name='idx_workflow_nodes_version'),  # added (docs/decisions.md): inline/cascade lookups
        ]

    def __str__(self):
        return self.name


class WorkflowConnection(ConsistencyMixin, models.Model):
    belongs_to = {"workflow_version": "workflow", "source_node": "workflow_version", "target_node": "workflow_version"}

    id = uuid_pk()
    workflow = fk('Workflow', on_delete=models.CASCADE, related_name='connections')
    workflow_version = fk('WorkflowVersion', on_delete=models.CASCADE, related_name='connections')
    source_node = fk('WorkflowNode', on_delete=models.CASCADE, related_name='outgoing_connections')
    target_node = fk('WorkflowNode', on_delete=models.CASCADE, related_name='incoming_connections')
    condition = jsonb({})
    label = optional_varchar(255)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)

    owner = Owner(tenant="workflow__tenant_id", organization="workflow__organization_id")

    class Meta:
        db_table = table('automation_engine', 'workflow_connections')
        constraints = [
        ]
        indexes = [
            models.Index(fields=['workflow_version'], name='idx_workflow_connections_version'),  # added (docs/decisions.md): inline/cascade lookups
        ]

    def __str__(self):
        return f"{self.source_node} -> {self.target_node}"


class Tool(ConsistencyMixin, VersionedModel):
    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, null=True, related_name='tools')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, null=True, related_name='tools')
    name = models.CharField(max_length=255)
    description = optional_text()
    category = choice(ToolCategory, default=ToolCategory.CUSTOM, max_length=100)
    tool_type = choice(ToolType, null=False)
    config = jsonb({}, null=False)
    auth_config = jsonb({}, field_class=EncryptedJSONField)
    input_schema = models.JSONField(blank=True)  # NOT NULL; {} is the schema that accepts anything
    output_schema = models.JSONField(blank=True)  # NOT NULL; {} is the schema that accepts anything
    created_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    created_at = created_at()
    updated_at = updated_at()
    version = lock_version()
    status = choice(ToolStatus, default=ToolStatus.ACTIVE)
    is_system_tool = flag(False)
    is_verified = flag(False)
    usage_count = integer(0)
    success_rate = decimal(5, 2, default=Decimal('0.00'))
    avg_execution_time_ms = integer(0)

    owner = Owner(shared=(("tenant_id__isnull", True), ("organization_id__isnull", True)))  # system tools: readable by all

    class Meta:
        db_table = table('automation_engine', 'tools')
        constraints = [
            choices_check('tools', 'category', ToolCategory),
            choices_check('tools', 'tool_type', ToolType),
            choices_check('tools', 'status', ToolStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'category', 'status'], name='idx_tools_tenant_category'),
            models.Index(fields=['is_system_tool', 'status'], name='idx_tools_system'),
            models.Index(fields=['is_verified', '-usage_count'], name='idx_tools_verified'),
        ]

    def __str__(self):
        return self.name

    def consistency_errors(self):
        # A system tool is the platform's: no organization, no tenant (usable by every tenant).
        # A tool with no owner that is not a system tool is allowed (a platform tool not yet verified).
        errors = super().consistency_errors()
        if self.is_system_tool and (self.organization_id is not None or self.tenant_id is not None):
            errors["is_system_tool"] = "A system tool belongs to no organization or tenant."
        return errors


class ToolVersion(models.Model):
    id = uuid_pk()
    tool = fk('Tool', on_delete=models.CASCADE, related_name='versions')
    version = models.IntegerField()
    config = models.JSONField(blank=True)  # NOT NULL; {} is a valid value
    auth_config = jsonb({}, field_class=EncryptedJSONField)
    input_schema = models.JSONField(blank=True)  # NOT NULL; {} is the schema that accepts anything
    output_schema = models.JSONField(blank=True)  # NOT NULL; {} is the schema that accepts anything
    created_at = created_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    is_published = flag(False)
    published_at = optional_datetime()
    published_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    status = choice(ToolVersionStatus, default=ToolVersionStatus.DRAFT)
    changelog = optional_text()

    owner = Owner(tenant="tool__tenant_id", organization="tool__organization_id",
                  shared=(("tool__tenant_id__isnull", True), ("tool__organization_id__isnull", True)))

    class Meta:
        db_table = table('automation_engine', 'tool_versions')
        constraints = [
            choices_check('tool_versions', 'status', ToolVersionStatus),
            unique('tool_versions', 'tool', 'version'),
            # added (docs/decisions.md): at most one published version per tool
            models.UniqueConstraint(fields=['tool'], condition=Q(is_published=True), name='tool_versions_one_published'),
        ]
        permissions = [('publish_toolversion', 'Can publish, roll back and deprecate tool versions')]

    def __str__(self):
        return f"{self.tool} v{self.version}"


class ExecutionLog(ConsistencyMixin, models.Model):
    same_tenant = ("workflow",)
    belongs_to = {"workflow_version": "workflow"}

    id = uuid_pk()
    timestamp = now_default()
    workflow = fk('Workflow', on_delete=models.PROTECT, related_name='execution_logs')
    workflow_version = fk('WorkflowVersion', on_delete=models.PROTECT, related_name='execution_logs')
    organization = fk('accounts.Organization', on_delete=models.PROTECT, related_name='execution_logs')
    tenant = fk('accounts.Tenant', on_delete=models.PROTECT, related_name='execution_logs')
    trigger_type = choice(TriggerType, null=False)
    trigger_id = models.UUIDField(null=True, blank=True)
    trigger_data = jsonb({})
    status = choice(ExecutionStatus, default=ExecutionStatus.STARTED)
    started_at = now_default()
    completed_at = optional_datetime()
    duration_ms = models.IntegerField(null=True, blank=True)
    error_message = optional_text()
    error_details = jsonb({})
    input_data = jsonb({})
    output_data = jsonb({})
    metadata = jsonb({})
    nodes_executed = integer(0)
    nodes_succeeded = integer(0)
    nodes_failed = integer(0)
    cost_usd = decimal(10, 6, default=Decimal('0.00'))

    owner = Owner()

    hypertable = Hypertable(
        chunk_interval="1 day", compress=True, retention="1 year",
        # node_executions has no FK to execution_logs (a hypertable): retention removes them with their log.
        dependent=Dependent("automation_engine.node_executions", "execution_log_id", "started_at"),
    )

    class Meta:
        db_table = table('automation_engine', 'execution_logs')
        constraints = [
            choices_check('execution_logs', 'trigger_type', TriggerType),
            choices_check('execution_logs', 'status', ExecutionStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', '-timestamp'], name='idx_execution_logs_tenant_time'),
            models.Index(fields=['workflow', '-timestamp'], name='idx_execution_logs_workflow_time'),
            models.Index(fields=['status', '-timestamp'], name='idx_execution_logs_status'),
            models.Index(fields=['trigger_type', 'trigger_id', '-timestamp'], name='idx_execution_logs_trigger'),
            models.Index(fields=['-timestamp', '-id'], name='idx_execution_logs_time'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"{self.workflow} run {self.started_at:%Y-%m-%d %H:%M:%S} ({self.status})"


class NodeExecution(ConsistencyMixin, models.Model):
    id = uuid_pk()
    # No database FK: execution_logs is a hypertable whose key is (id, timestamp),
    # and a FK into it would block drop_chunks. The ORM cascades the delete.
    execution_log = fk('ExecutionLog', on_delete=models.CASCADE, related_name='node_executions', db_constraint=False)
    node = fk('WorkflowNode', on_delete=models.PROTECT, related_name='executions')
    node_name = models.CharField(max_length=255)
    node_type = models.CharField(max_length=50)
    status = choice(NodeExecutionStatus, default=NodeExecutionStatus.STARTED)
    started_at = now_default()
    completed_at = optional_datetime()
    duration_ms = models.IntegerField(null=True, blank=True)
    input_data = jsonb({})
    output_data = jsonb({})
    error_message = optional_text()
    error_details = jsonb({})
    retry_count = integer(0)
    cost_usd = decimal(10, 6, default=Decimal('0.00'))

    owner = Owner(tenant="execution_log__tenant_id", organization="execution_log__organization_id")

    class Meta:
        db_table = table('automation_engine', 'node_executions')
        constraints = [
            choices_check('node_executions', 'status', NodeExecutionStatus),
        ]
        indexes = [
            models.Index(fields=['execution_log'], name='idx_node_executions_log'),  # added (docs/decisions.md): no FK, still looked up
            models.Index(fields=['-started_at', '-id'], name='idx_node_executions_started'),  # added (docs/decisions.md): newest first: admin, refresh, retention
        ]

    def __str__(self):
        return f"{self.node_name} ({self.status})"

    def consistency_errors(self):
        errors = super().consistency_errors()
        node = related(self, "node")
        log = related(self, "execution_log") if node is not None else None
        if log is not None and node.workflow_version_id != log.workflow_version_id:
            errors["node"] = "The node belongs to another workflow version than the execution's."
        return errors
