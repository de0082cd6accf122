"""What the activity generators need to know about one demo tenant.

The fixed records are built (or found) first; the calls and logs added on
every run then only read this summary of them, never the database.
"""

import uuid
from dataclasses import dataclass, field

from accounts.models import Tenant, User
from automation.models import Workflow, WorkflowNode, WorkflowVersion
from security_app.models import ApiKey

from .scenarios import Scenario


@dataclass(frozen=True)
class AgentRef:
    """An agent and the version that answers its calls."""

    agent_id: uuid.UUID
    version_id: uuid.UUID
    llm_model: str
    voice_model: str


@dataclass(frozen=True)
class Line:
    """A phone number answered by an agent's published version."""

    phone_number_id: uuid.UUID
    number: str
    agent_id: uuid.UUID
    agent_version_id: uuid.UUID
    llm_model: str
    voice_model: str


@dataclass(frozen=True)
class PublishedWorkflow:
    workflow: Workflow
    version: WorkflowVersion
    path: tuple[WorkflowNode, ...]  # nodes in execution order


@dataclass
class TenantWorld:
    tenant: Tenant
    scenario: Scenario
    call_weight: float  # share of the generated traffic
    country: str  # "US" or "GB": callers' numbers
    aws_region: str
    edge_regions: tuple[str, ...]
    language: str
    users: list[User] = field(default_factory=list)
    admin: User | None = None  # the tenant admin (redacts transcripts, resolves events)
    agents: list[AgentRef] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    workflows: list[PublishedWorkflow] = field(default_factory=list)
    api_keys: list[ApiKey] = field(default_factory=list)
    resources: list[tuple[str, uuid.UUID, str]] = field(default_factory=list)  # (type, id, name) for audit logs

    @property
    def organization_id(self) -> uuid.UUID:
        return self.tenant.organization_id
