"""Models of the agents app: one class per spec table, in the spec's schema."""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q

from aybiza.core.db.columns import (
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, lock_version, optional_datetime, optional_text, table, unique, updated_at, uuid_pk,
)
from aybiza.core.db.consistency import ConsistencyMixin
from aybiza.core.db.locking import VersionedModel
from aybiza.core.ownership import Owner

from . import experiment_schema
from .choices import AgentStatus, AgentVersionStatus, ConversationNodeType, LatencyOptimizationLevel, PhoneIntegrationType


class Agent(ConsistencyMixin, VersionedModel):
    id = uuid_pk()
    name = models.CharField(max_length=255)
    description = optional_text()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='agents')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='agents')
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    system_prompt = models.TextField()
    voice_config = jsonb({'model': 'aura-asteria-en', 'style': 'calm_informative', 'natural_speech': True, 'emotion_control': 'moderate', 'speed': 1.0, 'pitch': 0.0})
    language_config = jsonb({'primary': 'en-US', 'auto_detect': True, 'supported': ['en-US']})
    model_config = jsonb({'default': 'claude-3-5-sonnet-v2', 'fast': 'claude-3-5-haiku', 'complex': 'claude-3-7-sonnet', 'selection_strategy': 'auto'})
    settings = jsonb({})
    status = choice(AgentStatus, default=AgentStatus.DRAFT)
    created_at = created_at()
    updated_at = updated_at()
    version = lock_version()
    latency_optimization_level = choice(LatencyOptimizationLevel, default=LatencyOptimizationLevel.BALANCED)
    max_turn_time_ms = integer(1500)
    interruption_threshold = decimal(3, 2, default=Decimal('0.7'))
    context_window_size = integer(32000)
    temperature = decimal(3, 2, default=Decimal('0.3'))
    automation_config = jsonb({'tools_enabled': True, 'max_tool_calls': 5, 'async_workflows': True, 'timeout_ms': 30000})
    phone_integration_type = choice(PhoneIntegrationType, default=PhoneIntegrationType.MANAGED, max_length=20)
    edge_optimization = jsonb({'enabled': True, 'cache_responses': True, 'preferred_regions': ['us-east-1', 'eu-west-1']})

    owner = Owner()

    class Meta:
        db_table = table('agent_manager', 'agents')
        constraints = [
            choices_check('agents', 'status', AgentStatus),
            choices_check('agents', 'latency_optimization_level', LatencyOptimizationLevel),
            choices_check('agents', 'phone_integration_type', PhoneIntegrationType),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_agents_tenant_status'),
            models.Index(fields=['phone_integration_type', 'status'], name='idx_agents_integration_type'),
            models.Index(fields=['latency_optimization_level', 'status'], name='idx_agents_optimization'),
        ]

    def __str__(self):
        return self.name


class AgentVersion(models.Model):
    id = uuid_pk()
    agent = fk('Agent', on_delete=models.CASCADE, related_name='versions')
    version = models.IntegerField()
    system_prompt = models.TextField()
    voice_config = models.JSONField(blank=True)  # NOT NULL; {} is a valid value
    language_config = models.JSONField(blank=True)  # NOT NULL; {} is a valid value
    model_config = models.JSONField(blank=True)  # NOT NULL; {} is a valid value
    settings = jsonb({})
    status = choice(AgentVersionStatus, default=AgentVersionStatus.DRAFT)
    created_at = created_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    is_published = flag(False)
    published_at = optional_datetime()
    published_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    automation_config = jsonb({})
    performance_metrics = jsonb({})
    a_b_test_config = jsonb({})

    owner = Owner(tenant="agent__tenant_id", organization="agent__organization_id")

    class Meta:
        db_table = table('agent_manager', 'agent_versions')
        constraints = [
            choices_check('agent_versions', 'status', AgentVersionStatus),
            unique('agent_versions', 'agent', 'version'),
            # added (docs/decisions.md): at most one published version per agent
            models.UniqueConstraint(fields=['agent'], condition=Q(is_published=True), name='agent_versions_one_published'),
        ]
        permissions = [('publish_agentversion', 'Can publish, roll back and archive agent versions')]
        indexes = [
            models.Index(fields=['agent', 'is_published', '-version'], name='idx_agent_versions_published'),
            models.Index(fields=['status', '-created_at'], name='idx_agent_versions_status'),
        ]

    def __str__(self):
        return f"{self.agent} v{self.version}"

    def clean(self):
        """a_b_test_config is a valid experiment between versions of this agent (agents/experiment_schema.py)."""
        super().clean()
        config = self.a_b_test_config
        if config in ({}, None) or self.agent_id is None:
            if config not in ({}, None):
                experiment_schema.validate_config(config, statuses={})
            return
        ids = experiment_schema.variant_ids(config)
        wanted = []
        for value in ids:
            try:
                wanted.append(uuid.UUID(value))
            except ValueError:
                pass
        statuses = {str(pk): status for pk, status in
                    type(self)._default_manager.filter(agent_id=self.agent_id, pk__in=wanted).values_list("pk", "status")}
        if self.pk is not None and str(self.pk) in statuses:
            statuses[str(self.pk)] = self.status  # this row as it is being saved
        finished = isinstance(config, dict) and config.get("status", "running") != "running"
        experiment_schema.validate_config(config, statuses=statuses, check_statuses=not finished)


class ConversationNode(ConsistencyMixin, models.Model):
    belongs_to = {"agent_version": "agent"}

    id = uuid_pk()
    agent = fk('Agent', on_delete=models.CASCADE, related_name='conversation_nodes')
    agent_version = fk('AgentVersion', on_delete=models.CASCADE, related_name='nodes')
    name = models.CharField(max_length=255)
    node_type = choice(ConversationNodeType, null=False)
    content = optional_text()
    conditions = jsonb({})
    next_node_ids = jsonb([])
    tool_config = jsonb({})
    position_x = integer(0)
    position_y = integer(0)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)

    owner = Owner(tenant="agent__tenant_id", organization="agent__organization_id")

    class Meta:
        db_table = table('agent_manager', 'conversation_nodes')
        constraints = [
            choices_check('conversation_nodes', 'node_type', ConversationNodeType),
        ]
        indexes = [
            models.Index(fields=['agent_version'], name='idx_conversation_nodes_version'),  # added (docs/decisions.md): inline/cascade lookups
        ]

    def __str__(self):
        return f"{self.name} ({self.node_type})"

