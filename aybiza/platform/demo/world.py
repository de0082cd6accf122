"""What the activity generators know about the demo tenants.

The fixed records are built (or found) first and summarized per tenant as a
`TenantWorld`; the calls and logs added on every run only read these
summaries, never the database. `Traffic` spreads the activity over them.
"""

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass(frozen=True, slots=True)
class CallRef:
    """A completed call of this run, for the logs that point at one (workflow runs, security events)."""

    id: uuid.UUID
    sid: str
    agent_id: uuid.UUID
    agent_version_id: uuid.UUID
    end_time: datetime


class Traffic:
    """Picks a tenant in proportion to its share of the traffic (and one of its completed calls).

    Only tenants with a working line take part: a tenant nobody can call has no activity.
    """

    def __init__(self, rng: random.Random, worlds: list[TenantWorld],
                 completed: dict[int, list[CallRef]] | None = None):
        self.rng = rng
        self.worlds = [(index, world) for index, world in enumerate(worlds) if world.lines]
        if not self.worlds:
            raise ValueError("no demo phone number is answered by a published agent: there is no traffic to make")
        self.weights = tuple(itertools.accumulate(world.call_weight for _, world in self.worlds))
        self.completed = completed if completed is not None else {}

    def world(self) -> tuple[int, TenantWorld]:
        """(index in the worlds list, world)."""
        return self.rng.choices(self.worlds, cum_weights=self.weights)[0]

    def world_with_call(self) -> tuple[TenantWorld, CallRef | None]:
        index, world = self.world()
        calls = self.completed.get(index)
        return world, (self.rng.choice(calls) if calls else None)

